/**
 * Education mapping against the fixture files in contracts/education/fixtures: the featured
 * family as the simulator serves it, and hand-written edge cases. Every fact must parse with
 * `Fact`, carry full provenance, and take its sensitivity from the record's marking.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EducationRaw } from '../adapters/education/types.ts';
import { RELATIONSHIP_CODES } from '../adapters/education/types.ts';
import { readPupilSearch } from '../adapters/education/xml.ts';
import { Fact, type EventFact, type FlagFact, type PersonFact, type RelationshipFact } from '../model/fact.ts';
import type { MappingContext } from './context.ts';
import { contactRelationship, mapEducation } from './education.ts';

const FIXTURES = join(import.meta.dirname, '../../contracts/education/fixtures');

const ctx: MappingContext = {
  connectorId: 'northtown-education',
  sourceSystem: 'Northtown pupil database',
  lookupId: 'lookup-1',
  retrievedAt: '2026-11-21T10:00:00.000Z',
  lawfulBasis: 'children-act-1989-s47',
};

async function rawFrom(file: string): Promise<EducationRaw> {
  const read = await readPupilSearch(readFileSync(join(FIXTURES, file), 'utf8'), 'fixture');
  if (!read.ok || read.value.kind !== 'response') throw new Error(`${file} is not a pupil search response`);
  return { pupils: read.value.response.PupilSearchResponse.CTfile.CTFpupilData.Pupil };
}

function expectAllValid(facts: readonly Fact[]): void {
  for (const fact of facts) {
    const parsed = Fact.safeParse(fact);
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
    expect(fact.provenance).toMatchObject({ agency: 'education', connectorId: ctx.connectorId, sourceSystem: ctx.sourceSystem, lookupId: ctx.lookupId, retrievedAt: ctx.retrievedAt, lawfulBasis: ctx.lawfulBasis });
  }
  expect(new Set(facts.map((f) => f.id)).size).toBe(facts.length);
}

const byRecord = <K extends Fact['kind']>(facts: readonly Fact[], sourceRecordId: string, kind: K): Extract<Fact, { kind: K }> => {
  const fact = facts.find((f): f is Extract<Fact, { kind: K }> => f.provenance.sourceRecordId === sourceRecordId && f.kind === kind);
  if (fact === undefined) throw new Error(`no ${kind} fact for ${sourceRecordId}`);
  return fact;
};

describe('mapEducation on the featured family (as the simulator serves it)', async () => {
  const raw = await rawFrom('featured-family.xml');
  const facts = mapEducation(raw, ctx);

  it('gives valid facts with deterministic ids', () => {
    expectAllValid(facts);
    expect(mapEducation(raw, ctx)).toEqual(facts);
    expect(mapEducation(raw, { ...ctx, lookupId: 'lookup-2' }).map((f) => f.id)).not.toEqual(facts.map((f) => f.id));
  });

  it('maps each pupil to a person identified by UPN, with the record date', () => {
    const bobby: PersonFact = byRecord(facts, 'Pupil/PUP000001', 'person');
    expect(bobby).toMatchObject({
      personRef: 'Pupil/PUP000001',
      names: [{ given: ['Bobby'], family: 'Smyth', use: 'official' }],
      birthDate: '2017-03-04',
      sex: 'male',
      identifiers: [{ system: 'upn', value: 'X382204721317' }],
      addresses: [{ lines: ['14 Alder Grove'], town: 'Dewsbury', postcode: 'WF13 2QP' }],
      provenance: { sensitivity: 'open', sourceUpdatedAt: '2026-10-08T09:00:00Z' },
    });
    expect(byRecord(facts, 'Pupil/PUP000002', 'person').names[0]).toEqual({ given: ['Chloe', 'Grace'], family: 'Smith-Jones', use: 'official' });
  });

  it("maps each pupil's contacts to persons and relationships: the mother holds parental responsibility, the step-father does not", () => {
    const mother: PersonFact = byRecord(facts, 'Contact/PUP000001/1', 'person');
    expect(mother).toMatchObject({ names: [{ given: ['Claire'], family: 'Smith-Jones' }], sex: 'female', identifiers: [{ system: 'local', value: 'CON000003', issuer: ctx.sourceSystem }] });
    // Lives with the pupil: the pupil's address.
    expect(mother.addresses).toEqual([{ lines: ['14 Alder Grove'], town: 'Dewsbury', postcode: 'WF13 2QP' }]);
    const toMother: RelationshipFact = byRecord(facts, 'Contact/PUP000001/1', 'relationship');
    expect(toMother).toMatchObject({ personRef: 'Pupil/PUP000001', relatedRef: 'Contact/PUP000001/1', relationship: 'parent', relatedName: { given: ['Claire'], family: 'Smith-Jones' } });
    expect(byRecord(facts, 'Contact/PUP000001/2', 'relationship').relationship).toBe('carer');
    // The sibling's contacts are her own records, linked to the same MIS contact ids.
    expect(byRecord(facts, 'Contact/PUP000002/1', 'person').identifiers).toEqual([{ system: 'local', value: 'CON000003', issuer: ctx.sourceSystem }]);
  });

  it('maps attendance per term to absence events with the rate and persistent absence', () => {
    const term: EventFact = byRecord(facts, 'Attendance/PUP000001/EDU0000007', 'event');
    expect(term).toMatchObject({
      personRef: 'Pupil/PUP000001',
      eventKind: 'absence',
      date: '2026-09-03',
      endDate: '2026-11-21',
      summary: 'Attendance 2026/27 autumn term at Oakfield Primary School: 79.8% (91 of 114 sessions); persistent absence',
      detail: 'Authorised absence: 13 sessions; unauthorised absence: 10 sessions.',
      status: 'persistent absence',
      provenance: { sensitivity: 'open' },
    });
    expect(byRecord(facts, 'Attendance/PUP000001/EDU0000001', 'event').status).toBeUndefined();
    expect(facts.filter((f) => f.kind === 'event' && f.eventKind === 'absence')).toHaveLength(8);
  });

  it('maps the exclusion (sensitive), SEN support (a sensitive, active flag) and school history', () => {
    expect(byRecord(facts, 'Exclusion/PUP000001/EDU0000009', 'event')).toMatchObject({
      eventKind: 'exclusion',
      date: '2026-10-06',
      endDate: '2026-10-07',
      summary: 'Suspension from Oakfield Primary School, 2 days: physical assault against a pupil',
      detail: 'Fixed-term exclusion, 2 day(s): physical assault against a pupil.',
      status: 'suspension',
      provenance: { sensitivity: 'sensitive' },
    });
    const sen: FlagFact = byRecord(facts, 'SEN/PUP000001/EDU0000008', 'flag');
    expect(sen).toMatchObject({ flagKind: 'sen-support', summary: 'SEN support (social, emotional and mental health)', period: { start: '2024-01-15' }, status: 'active', provenance: { sensitivity: 'sensitive' } });
    expect(byRecord(facts, 'School/PUP000002/3822047-2018-09-01', 'event')).toMatchObject({
      eventKind: 'other',
      date: '2018-09-01',
      endDate: '2025-07-22',
      summary: 'Was on roll at Oakfield Primary School (LA 382, establishment 2047)',
      status: 'left',
    });
    expect(byRecord(facts, 'School/PUP000002/3824012-2025-09-01', 'event')).toMatchObject({ summary: 'On roll at Kirkfield High School (LA 382, establishment 4012)', status: 'on roll' });
  });
});

describe('mapEducation on the edge cases', async () => {
  const facts = mapEducation(await rawFrom('edge-cases.xml'), ctx);

  it('gives valid facts', () => {
    expectAllValid(facts);
  });

  it('keeps legal, preferred, middle and former names, both UPNs, free address lines and the UPRN', () => {
    expect(byRecord(facts, 'Pupil/EDGE-0001', 'person')).toMatchObject({
      names: [
        { given: ['Jonathan', 'Emeka', 'Paul'], family: 'Okafor-Reid', use: 'official' },
        { given: ['Jonny'], family: 'Reid', use: 'usual' },
        { given: ['Jonathan'], family: 'Okafor', use: 'old' },
      ],
      identifiers: [
        { system: 'upn', value: 'A123456789012' },
        { system: 'upn', value: 'B382123412001' },
      ],
      addresses: [{ lines: ['Room 4, The Maltings', 'Station Approach', 'Northtown'], postcode: 'NT1 9ZZ', uprn: '100099000001' }],
      provenance: { sourceUpdatedAt: '2026-11-02T14:30:00+00:00' },
    });
  });

  it('maps contacts by parental responsibility first, then by who they are', () => {
    const relationships = facts.filter((f): f is RelationshipFact => f.kind === 'relationship').map((r) => [r.relatedRef, r.relationship]);
    expect(relationships).toEqual([
      ['Contact/EDGE-0001/1', 'parent'], // grandmother with parental responsibility
      ['Contact/EDGE-0001/2', 'other'], // birth father without it
      ['Contact/EDGE-0001/3', 'sibling'],
      ['Contact/EDGE-0001/4', 'emergency-contact'],
      ['Contact/EDGE-0001/5', 'other'], // social worker
    ]);
    const father: PersonFact = byRecord(facts, 'Contact/EDGE-0001/2', 'person');
    expect(father).toMatchObject({ addresses: [{ lines: ['Flat 9', '3 Canal Street', 'Westside'], town: 'Southtown', postcode: 'ST4 1AA' }], provenance: { sensitivity: 'restricted' } });
    expect(byRecord(facts, 'Contact/EDGE-0001/2', 'relationship').provenance.sensitivity).toBe('restricted');
  });

  it('works out persistent absence when the source does not say, and survives a term without sessions', () => {
    expect(byRecord(facts, 'Attendance/EDGE-0001/2025-SUM-3824012', 'event')).toMatchObject({ summary: 'Attendance 2025/26 summer term: 85.0% (119 of 140 sessions); persistent absence', status: 'persistent absence' });
    expect(byRecord(facts, 'Attendance/EDGE-0001/ATT-2', 'event').summary).toBe('Attendance 2026/27 autumn term at Kirkfield High School: no possible sessions recorded');
  });

  it('maps lunchtime and permanent exclusions, keeping a restricted marking', () => {
    expect(byRecord(facts, 'Exclusion/EDGE-0001/EXC-1', 'event')).toMatchObject({ summary: 'Lunchtime suspension, 0.5 days: verbal abuse or threatening behaviour against a pupil', provenance: { sensitivity: 'sensitive' } });
    expect(byRecord(facts, 'Exclusion/EDGE-0001/EXC-2', 'event')).toMatchObject({
      summary: 'Permanent exclusion from Kirkfield High School: use or threat of use of an offensive weapon or prohibited item',
      status: 'permanent',
      provenance: { sensitivity: 'restricted' },
    });
  });

  it('reads SEN history in date order: SEN support ended when the EHC plan began; no flag for "no SEN"', () => {
    expect(byRecord(facts, 'SEN/EDGE-0001/2019-01-10', 'flag')).toMatchObject({ flagKind: 'sen-support', period: { start: '2019-01-10', end: '2025-06-01' }, status: 'inactive' });
    expect(byRecord(facts, 'SEN/EDGE-0001/2025-06-01', 'flag')).toMatchObject({
      flagKind: 'ehc-plan',
      summary: 'Education, health and care plan (autistic spectrum disorder; speech, language and communication needs)',
      status: 'active',
    });
    expect(facts.some((f) => f.provenance.sourceRecordId.startsWith('SEN/EDGE-0002/'))).toBe(false);
  });

  it("applies a restricted pupil's marking to everything recorded under them, and maps a located CME episode", () => {
    const zofia = facts.filter((f) => f.personRef === 'Pupil/EDGE-0002');
    expect(zofia.length).toBe(3);
    expect(zofia.every((f) => f.provenance.sensitivity === 'restricted')).toBe(true);
    expect(byRecord(facts, 'CME/EDGE-0002/CME-5', 'flag')).toMatchObject({
      flagKind: 'children-missing-education',
      summary: 'Child missing education: located. Located in another authority; on roll there.',
      period: { start: '2025-02-14', end: '2025-05-30' },
      status: 'inactive',
    });
    expect(byRecord(facts, 'Pupil/EDGE-0002', 'person')).toMatchObject({ sex: 'unknown', identifiers: [], addresses: [] });
  });
});

describe('mapEducation on an empty result', () => {
  it('gives no facts', async () => {
    expect(mapEducation(await rawFrom('empty.xml'), ctx)).toEqual([]);
  });
});

describe('contactRelationship', () => {
  it('makes everyone with parental responsibility a parent, and nobody without it', () => {
    for (const code of RELATIONSHIP_CODES) {
      expect(contactRelationship(code, true)).toBe('parent');
      expect(contactRelationship(code, false)).not.toBe('parent');
    }
    expect(contactRelationship('STF', false)).toBe('carer');
    expect(contactRelationship('FOM', false)).toBe('carer');
    expect(contactRelationship('UNC', false)).toBe('emergency-contact');
    expect(contactRelationship('DOC', false)).toBe('other');
  });

  // "The stricter marking wins" is moreSensitive (src/mapping/fact-parts.test.ts) and the pupil's floor (skeleton.ts).
});
