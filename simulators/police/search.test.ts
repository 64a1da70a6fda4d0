/**
 * The police simulator's fuzzy nominal search: Soundex, the candidate rules (PNC exact; surname
 * with birth year; postcode with surname or birth date) and ranking, and — against the
 * population's ground truth — that searching with a person's true details finds their noisy
 * police record among the first five candidates almost always, as a real RMS search would.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED, FEATURED_FAMILY, generatePopulation } from '../population/index.ts';
import { indexPoliceView, searchNominals, soundex } from './search.ts';

const population = generatePopulation({ seed: DEFAULT_SEED });
const index = indexPoliceView(population.views.police);
const ids = (query: Parameters<typeof searchNominals>[1]): string[] => searchNominals(index, query).map((n) => n.recordId);

describe('soundex', () => {
  it.each([
    ['Robert', 'R163'],
    ['Rupert', 'R163'],
    ['Ashcraft', 'A261'],
    ['Tymczak', 'T522'],
    ['Pfister', 'P236'],
    ['Honeyman', 'H555'],
    ['Smith', 'S530'],
    ['Smyth', 'S530'],
    ['', ''],
  ])('%s → %s', (name, code) => {
    expect(soundex(name)).toBe(code);
  });
});

describe('searchNominals over the police view', () => {
  it('ranks the featured child first for the referral details, with the household after', () => {
    const found = ids({ names: [{ given: ['Robert', 'James'], family: 'Smith' }, { given: ['Bobby'], family: 'Smith' }], birthDate: FEATURED_FAMILY.birthDate, sex: 'M', postcode: 'wf13 2qp' });
    expect(found[0]).toBe(FEATURED_FAMILY.childRecords.police);
    expect(found).toEqual(expect.arrayContaining(['NOM000002', 'NOM000003']));
    // The step-father shares the postcode but neither surname nor birth date.
    expect(found).not.toContain('NOM000004');
  });

  it('finds by PNC id exactly, and only by it', () => {
    expect(ids({ pncId: '05/418273v', names: [{ given: ['Nobody'], family: 'Else' }] })).toEqual(['NOM000004']);
    expect(ids({ pncId: '99/999999Z', names: [{ given: ['Danny'], family: 'Jones' }], birthDate: '1987-09-30' })).toEqual([]);
  });

  it('matches a part of a hyphenated surname, a phonetic spelling, and a birth date with day and month swapped', () => {
    expect(ids({ names: [{ given: ['Claire'], family: 'Jones' }], birthDate: '1991-02-17' })).toContain('NOM000003');
    expect(ids({ names: [{ given: ['Claire'], family: 'Smyth' }], birthDate: '1991-02-17' })).toContain('NOM000003');
    // Police hold Chloe's birth date as 2014-12-06; her true one is 2014-06-12.
    expect(ids({ names: [{ given: ['Chloe'], family: 'Smith' }], birthDate: '2014-06-12', postcode: 'WF13 2QP' })[0]).toBe('NOM000002');
  });

  it('needs more than a surname: a birth year within one year, or the postcode', () => {
    expect(ids({ names: [{ given: ['Claire'], family: 'Smith' }], birthDate: '1995-02-17' })).not.toContain('NOM000003');
    expect(ids({ names: [{ given: ['Claire'], family: 'Smith' }], postcode: 'WF13 2QP' })).toContain('NOM000003');
    expect(ids({ names: [{ given: ['Claire'], family: 'Smith' }] })).toEqual([]);
  });

  it('finds nearly every police record from the true person details, within the first five candidates', () => {
    const persons = new Map(population.persons.map((p) => [p.id, p]));
    const postcodes = new Map(population.addresses.map((a) => [a.uprn, a.postcode]));
    const records = population.groundTruth.filter((g) => g.agency === 'police');
    let inTopFive = 0;
    for (const record of records) {
      const person = persons.get(record.personId);
      if (person === undefined) throw new Error(`no person ${record.personId}`);
      const current = person.addressHistory.at(-1);
      const postcode = current === undefined ? undefined : postcodes.get(current.uprn);
      const found = ids({ names: [{ given: person.givenNames, family: person.familyName }], birthDate: person.birthDate, ...(postcode === undefined ? {} : { postcode }) });
      if (found.slice(0, 5).includes(record.recordId)) inTopFive += 1;
    }
    expect(records.length).toBeGreaterThan(500);
    expect(inTopFive / records.length).toBeGreaterThan(0.95);
  });
});
