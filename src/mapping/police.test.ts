/**
 * Police mapping against the contract's fixture files, read through the police adapter's whole
 * path (node-soap with the WSDL, the contract's schema) from a `fetch` that serves them: nominals
 * become PersonFacts, associations RelationshipFacts, incidents, crimes and intelligence
 * EventFacts, warning markers FlagFacts — every one with provenance, parsing with `Fact`, and
 * with the sensitivity the header of police.ts documents.
 */
import { describe, expect, it } from 'vitest';
import { createPoliceSoapAdapter } from '../adapters/police/adapter.ts';
import type { PoliceRaw } from '../adapters/police/types.ts';
import { Fact, type EventFact, type FlagFact, type PersonFact, type RelationshipFact } from '../model/fact.ts';
import type { MappingContext } from './context.ts';
import { handlingSensitivity, mapPolice } from './police.ts';
import { fixtureChildQuery, found, readFixture, serving, settingsFor } from '../../test/police/fixtures.ts';

const ctx: MappingContext = {
  connectorId: 'northshire-police',
  sourceSystem: 'Northshire Police RMS',
  lookupId: 'lookup-1',
  retrievedAt: '2026-11-21T10:00:00.000Z',
  lawfulBasis: 'children-act-1989-s47',
};

async function fixtureRaw(name: string): Promise<PoliceRaw> {
  const outcome = await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor('https://police.invalid/PersonSearch'), { fetch: serving(readFixture(name)) });
  return found(outcome);
}

const byRecord = <K extends Fact['kind']>(facts: readonly Fact[], kind: K, sourceRecordId: string): Extract<Fact, { kind: K }> => {
  const fact = facts.find((f): f is Extract<Fact, { kind: K }> => f.kind === kind && f.provenance.sourceRecordId === sourceRecordId);
  if (fact === undefined) throw new Error(`no ${kind} fact for ${sourceRecordId}`);
  return fact;
};

describe('mapPolice on contracts/police/fixtures/person-search-response.xml', async () => {
  const raw = await fixtureRaw('person-search-response.xml');
  const facts = mapPolice(raw, ctx);

  it('gives facts that all parse with the Fact schema, with unique ids and full provenance', () => {
    for (const fact of facts) expect(Fact.safeParse(fact).success, JSON.stringify(fact)).toBe(true);
    expect(new Set(facts.map((f) => f.id)).size).toBe(facts.length);
    for (const fact of facts) {
      expect(fact.provenance).toMatchObject({ agency: 'police', connectorId: 'northshire-police', sourceSystem: 'Northshire Police RMS', lookupId: 'lookup-1', retrievedAt: ctx.retrievedAt, lawfulBasis: 'children-act-1989-s47' });
    }
  });

  it('is deterministic: the same records and context give the same facts', () => {
    expect(mapPolice(raw, ctx)).toEqual(facts);
  });

  it('maps a nominal to a PersonFact: recorded name then aliases, PNC id and nominal number, addresses, sex, last update', () => {
    const child = byRecord(facts, 'person', 'Nominal/NOM100001') satisfies PersonFact;
    expect(child).toMatchObject({
      personRef: 'Nominal/NOM100001',
      names: [{ given: ['Tyler', 'James'], family: 'Ashworth' }, { given: ['Ty'], family: 'Ashworth-Reid' }],
      birthDate: '2015-05-20',
      sex: 'male',
      identifiers: [{ system: 'local', value: 'NOM100001', issuer: 'Northshire Police RMS' }],
      addresses: [
        { lines: ['7 Larch Close'], town: 'Northtown', postcode: 'NT2 7QR', uprn: '990000012345' },
        { lines: ['Flat 4', '22 Mill Lane'], town: 'Northtown', postcode: 'NT1 3DF' },
      ],
      provenance: { sensitivity: 'sensitive', sourceUpdatedAt: '2026-08-03T09:15:00Z' },
    });
    const stepFather = byRecord(facts, 'person', 'Nominal/NOM100003');
    expect(stepFather.identifiers).toContainEqual({ system: 'pnc-id', value: '08/731902R' });
    expect(stepFather.provenance.sourceUpdatedAt).toBe('2026-10-02T16:40:00+01:00');
  });

  it('gives associated nominals that were not candidates a PersonFact of their own, and candidates only one', () => {
    const persons = facts.filter((f): f is PersonFact => f.kind === 'person');
    expect(persons.map((p) => p.personRef).sort()).toEqual(['Nominal/NOM100001', 'Nominal/NOM100002', 'Nominal/NOM100003', 'Nominal/NOM100009', 'Nominal/NOM100010']);
    const associate = byRecord(facts, 'person', 'Nominal/NOM100009');
    expect(associate.names).toEqual([{ given: ['Dean'], family: 'Marsh' }]);
    expect(associate.identifiers).toContainEqual({ system: 'pnc-id', value: '12/040577M' });
    // The candidate's own PersonFact is the full one, not the summary another result gave.
    expect(byRecord(facts, 'person', 'Nominal/NOM100003').names).toHaveLength(2);
  });

  it('maps associations to relationships, once per link however many results show it', () => {
    const relationships = facts.filter((f): f is RelationshipFact => f.kind === 'relationship');
    const summary = relationships.map((r) => `${r.personRef} ${r.relationship} ${r.relatedRef}`).sort();
    expect(summary).toEqual([
      // "Gemma is parent of Tyler".
      'Nominal/NOM100001 parent Nominal/NOM100002',
      // Household link seen from both Tyler's and Liam's results: one fact.
      'Nominal/NOM100001 household-member Nominal/NOM100003',
      // "Kai is child of Liam" turned round: Liam is parent of Kai.
      'Nominal/NOM100010 parent Nominal/NOM100003',
      // A former partner is still a partner, with the end date.
      'Nominal/NOM100002 partner Nominal/NOM100003',
      'Nominal/NOM100003 associate Nominal/NOM100009',
    ].sort());
    const former = relationships.find((r) => r.relationship === 'partner');
    expect(former).toMatchObject({ period: { start: '2023-06-01', end: '2026-08-03' }, relatedName: { given: ['Liam'], family: 'Reid' }, relatedBirthDate: '1989-01-30' });
    expect(relationships.every((r) => r.provenance.sensitivity === 'sensitive')).toBe(true);
  });

  it('maps incidents to one event per person involved, with their role, floored at sensitive', () => {
    const childDa = byRecord(facts, 'event', 'Incident/INC1000003/Nominal/NOM100001') satisfies EventFact;
    expect(childDa).toMatchObject({
      personRef: 'Nominal/NOM100001',
      eventKind: 'incident',
      date: '2026-08-02',
      summary: 'Domestic abuse incident (child present)',
      provenance: { sensitivity: 'sensitive' },
    });
    expect(childDa.detail).toContain('DASH risk: medium');
    expect(childDa.detail).toContain('Location: 7 Larch Close, Northtown, NT2 7QR.');
    expect(childDa.detail).toContain('Also involved: Nominal/NOM100002 (victim), Nominal/NOM100003 (suspect).');
    expect(byRecord(facts, 'event', 'Incident/INC1000003/Nominal/NOM100003')).toMatchObject({ personRef: 'Nominal/NOM100003', summary: 'Domestic abuse incident (suspect)' });
    // Handling code 1 would be open; an incident names people, so it is never below sensitive.
    expect(byRecord(facts, 'event', 'Incident/INC1000002/Nominal/NOM100001')).toMatchObject({ summary: 'Missing person incident (missing person)', provenance: { sensitivity: 'sensitive' } });
  });

  it('maps crimes to crime events', () => {
    expect(byRecord(facts, 'event', 'Crime/CRI1000001/Nominal/NOM100003')).toMatchObject({
      eventKind: 'crime',
      date: '2026-08-02',
      summary: 'Crime: Assault occasioning actual bodily harm (domestic) (suspect)',
      provenance: { sensitivity: 'sensitive' },
    });
  });

  it('maps intelligence to "other" events whose sensitivity follows the handling code, 5x5x5 or 3x5x2', () => {
    const b24 = byRecord(facts, 'event', 'Intelligence/INT1000001/Nominal/NOM100003');
    expect(b24).toMatchObject({ eventKind: 'other', date: '2026-09-20', provenance: { sensitivity: 'restricted' } });
    expect(b24.summary).toBe('Police intelligence (graded B2, handling code 4): Information indicates subject has returned to the home address in breach of bail conditions.');
    expect(b24.detail).toContain('Graded 5x5x5: source B (mostly reliable), intelligence 2 (known personally to the source but not to the officer), handling code 4 (may be disseminated within the originating agency only).');

    const conditional = byRecord(facts, 'event', 'Intelligence/INT1000002/Nominal/NOM100003');
    expect(conditional).toMatchObject({ provenance: { sensitivity: 'restricted' } });
    expect(conditional.summary).toMatch(/^Police intelligence \(graded 2CC\): /);
    expect(conditional.detail).toContain("Conditions: Not to be shared outside the MASH without the originating officer's agreement.");

    expect(byRecord(facts, 'event', 'Intelligence/INT1000003/Nominal/NOM100003')).toMatchObject({ provenance: { sensitivity: 'open' } });
  });

  it('maps warning markers to flags, inactive once ended', () => {
    const flags = facts.filter((f): f is FlagFact => f.kind === 'flag');
    expect(flags.map((f) => [f.flagKind, f.status, f.summary])).toEqual([
      ['violence', 'active', 'Police warning marker VI: Violent'],
      ['domestic-abuse', 'active', 'Police warning marker DA: Domestic abuse perpetrator'],
      ['weapons', 'inactive', 'Police warning marker WE: Weapons'],
    ]);
    expect(flags[2]).toMatchObject({ personRef: 'Nominal/NOM100003', period: { start: '2012-03-01', end: '2020-03-01' }, provenance: { sensitivity: 'sensitive' } });
  });
});

describe('mapPolice edge cases', () => {
  it('maps a search that matched no one to no facts', async () => {
    const raw = await fixtureRaw('person-search-no-match.xml');
    expect(raw).toEqual({ results: [] });
    expect(mapPolice(raw, ctx)).toEqual([]);
  });

  it('leaves out names without a given name, and the PersonFact of a nominal that has no other', async () => {
    const raw = await fixtureRaw('person-search-response.xml');
    const first = raw.results[0];
    if (first === undefined) throw new Error('fixture has results');
    const surnameOnly = { ...first.Nominal, PersonName: { PersonGivenName: [], PersonSurName: 'Ashworth' }, PersonAlternateName: [] };
    const facts = mapPolice({ ...raw, results: [{ ...first, Nominal: surnameOnly }] }, ctx);
    expect(facts.some((f) => f.kind === 'person' && f.personRef === 'Nominal/NOM100001')).toBe(false);
    // Its events still stand, under its record.
    expect(facts.some((f) => f.kind === 'event' && f.personRef === 'Nominal/NOM100001')).toBe(true);
  });

  it.each([
    [1, 'open'],
    [2, 'sensitive'],
    [3, 'sensitive'],
    [4, 'restricted'],
    [5, 'restricted'],
  ] as const)('handling code %i is %s', (code, sensitivity) => {
    expect(handlingSensitivity(code)).toBe(sensitivity);
  });
});
