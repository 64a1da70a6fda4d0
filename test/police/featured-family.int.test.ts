/**
 * The featured family through the police simulator, adapter and mapper together: the referral's
 * child and the household's adults as the research workflow would look them up, and the key
 * police events of the family's story (the domestic incident of 12 September 2026 with its crime,
 * the step-father's restricted intelligence and warning markers) arriving as facts — checked
 * against the population's ground truth.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubjectQuery } from '../../src/adapters/port.ts';
import { createPoliceSoapAdapter } from '../../src/adapters/police/adapter.ts';
import type { MappingContext } from '../../src/mapping/context.ts';
import { mapPolice } from '../../src/mapping/police.ts';
import { Fact, type EventFact, type FlagFact, type PersonFact, type RelationshipFact } from '../../src/model/fact.ts';
import { DEFAULT_SEED, FEATURED_FAMILY, generatePopulation } from '../../simulators/population/index.ts';
import { startPoliceSimulator, type PoliceSimulator } from '../../simulators/police/server.ts';
import { featuredStepFatherQuery, found, referralChildQuery, settingsFor } from './fixtures.ts';

const population = generatePopulation({ seed: DEFAULT_SEED });
const auth = { kind: 'ws-security', username: 'mash-gateway', password: 'featured-family' } as const;

const motherQuery: SubjectQuery = {
  given: ['Claire', 'Louise'],
  family: 'Smith',
  otherNames: [{ given: ['Claire'], family: 'Hughes' }],
  birthDate: '1991-02-17',
  sex: 'female',
  postcode: 'WF13 2QP',
  addressLines: ['14 Alder Grove'],
  identifiers: [],
};

describe('the featured family through police simulator, adapter and mapper', () => {
  let sim: PoliceSimulator;
  const adapter = createPoliceSoapAdapter();

  beforeAll(async () => {
    sim = await startPoliceSimulator({ population, auth: { users: [{ username: auth.username, password: auth.password }] } });
  });
  afterAll(async () => {
    await sim.close();
  });

  async function factsFor(query: SubjectQuery, lookupId: string): Promise<Fact[]> {
    const ctx: MappingContext = { connectorId: 'police-sim', sourceSystem: 'Simulated police RMS', lookupId, retrievedAt: '2026-11-21T10:00:00.000Z', lawfulBasis: 'children-act-1989-s47' };
    const facts = mapPolice(found(await adapter.search(query, settingsFor(sim.url, { auth }))), ctx);
    for (const fact of facts) expect(Fact.safeParse(fact).success).toBe(true);
    return facts;
  }

  const events = (facts: readonly Fact[], personRef: string): EventFact[] => facts.filter((f): f is EventFact => f.kind === 'event' && f.personRef === personRef);

  it("the child's lookup: his police record, the domestic incident he was present at, his household", async () => {
    const facts = await factsFor(referralChildQuery(), 'lookup-child');
    const child = facts.find((f): f is PersonFact => f.kind === 'person' && f.personRef === `Nominal/${FEATURED_FAMILY.childRecords.police}`);
    expect(child).toMatchObject({ names: [{ given: ['R.'], family: 'Smith-Jones' }], birthDate: FEATURED_FAMILY.birthDate, sex: 'male', addresses: [{ lines: ['14 Alder Grove'], postcode: 'WF13 2QP' }] });

    const childEvents = events(facts, 'Nominal/NOM000001');
    expect(childEvents).toHaveLength(1);
    expect(childEvents[0]).toMatchObject({
      eventKind: 'incident',
      date: FEATURED_FAMILY.domesticIncidentDate,
      summary: 'Domestic abuse incident (child present)',
      provenance: { sourceRecordId: 'Incident/INC0000002/Nominal/NOM000001', sensitivity: 'sensitive' },
    });
    const detail = childEvents[0]?.detail ?? '';
    expect(detail).toContain('DASH risk: high. Referred to MARAC.');
    expect(detail).toContain('Nominal/NOM000004 (suspect)');

    const relationships = facts.filter((f): f is RelationshipFact => f.kind === 'relationship' && (f.personRef === 'Nominal/NOM000001' || f.relatedRef === 'Nominal/NOM000001'));
    expect(relationships.map((r) => [r.personRef, r.relationship, r.relatedRef]).sort()).toEqual([
      ['Nominal/NOM000001', 'household-member', 'Nominal/NOM000004'],
      ['Nominal/NOM000001', 'other', 'Nominal/NOM000003'],
    ]);
  });

  it("the step-father's lookup: warning markers, the crime, the incidents and the restricted intelligence", async () => {
    const facts = await factsFor(featuredStepFatherQuery, 'lookup-father');
    const father = 'Nominal/NOM000004';
    expect(facts.find((f): f is PersonFact => f.kind === 'person' && f.personRef === father)?.identifiers).toContainEqual({ system: 'pnc-id', value: '05/418273V' });
    const flags = facts.filter((f): f is FlagFact => f.kind === 'flag' && f.personRef === father);
    expect(flags.map((f) => [f.flagKind, f.status, f.period?.start])).toEqual([
      ['violence', 'active', '2011-06-02'],
      ['domestic-abuse', 'active', FEATURED_FAMILY.domesticIncidentDate],
    ]);
    const chronology = events(facts, father).map((e) => [e.date, e.eventKind, e.summary, e.provenance.sensitivity]);
    expect(chronology).toEqual([
      ['2025-02-08', 'incident', 'Domestic abuse incident (suspect)', 'sensitive'],
      [FEATURED_FAMILY.domesticIncidentDate, 'incident', 'Domestic abuse incident (suspect)', 'sensitive'],
      [FEATURED_FAMILY.domesticIncidentDate, 'crime', 'Crime: Assault occasioning actual bodily harm (domestic) (suspect)', 'sensitive'],
      ['2026-10-02', 'other', expect.stringMatching(/^Police intelligence \(graded B2, handling code 4\): Information indicates subject continues to visit/), 'restricted'],
    ]);
    const partner = facts.find((f): f is RelationshipFact => f.kind === 'relationship' && f.relationship === 'partner');
    expect(partner).toMatchObject({ personRef: 'Nominal/NOM000003', relatedRef: father, relatedName: { given: ['Danny'], family: 'Jones' } });
  });

  it("the mother's lookup: victim of the incident and the crime", async () => {
    const facts = await factsFor(motherQuery, 'lookup-mother');
    expect(events(facts, 'Nominal/NOM000003').map((e) => [e.date, e.eventKind, e.summary])).toEqual([
      ['2025-02-08', 'incident', 'Domestic abuse incident (victim)'],
      [FEATURED_FAMILY.domesticIncidentDate, 'incident', 'Domestic abuse incident (victim)'],
      [FEATURED_FAMILY.domesticIncidentDate, 'crime', 'Crime: Assault occasioning actual bodily harm (domestic) (victim)'],
    ]);
  });

  it('every police record of the featured domestic incident in the ground truth comes through as a fact', async () => {
    const shared = population.sharedIncidents.find((s) => s.id === FEATURED_FAMILY.domesticIncidentId);
    const policeEventIds = population.eventTruth.filter((e) => e.agency === 'police' && e.sharedIncidentId === shared?.id).map((e) => e.eventId);
    expect(policeEventIds.sort()).toEqual(['CRI0000001', 'INC0000002']);
    const facts = [...(await factsFor(referralChildQuery(), 'l1')), ...(await factsFor(featuredStepFatherQuery, 'l2')), ...(await factsFor(motherQuery, 'l3'))];
    for (const id of policeEventIds) expect(facts.some((f) => f.kind === 'event' && f.provenance.sourceRecordId.startsWith(`${id.startsWith('INC') ? 'Incident' : 'Crime'}/${id}/`))).toBe(true);
  });
});
