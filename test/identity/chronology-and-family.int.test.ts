/**
 * The chronology's merge rule and the family graph measured against the synthetic population's
 * ground truth, on facts that come the whole way: the five simulators in-process, the real
 * adapters and mappers (`defaultRegistry`), one lookup per agency per household member.
 *
 * Identity resolution is taken from the ground truth (`population.groundTruth`), so what is
 * measured is the chronology and family logic alone, not person matching.
 *
 * Measures, against `eventTruth.sharedIncidentId`:
 * - recall: of the shared incidents whose records reached the chronology from ≥ 2 agencies, how
 *   many appear as one entry (all their records in it);
 * - precision: of the entries that merged ≥ 2 records, how many hold records of one shared
 *   incident only.
 *
 * Thresholds. Featured family: precision 1.0 and recall 1.0 — it is the demonstration and the
 * identity acceptance example, its one shared incident (the domestic incident of 12 September
 * 2026: police incident and crime, two A&E attendances, two notifications) must be one entry and
 * nothing else may be merged into it or anywhere. Population sample: precision ≥ 0.99 — a wrong
 * merge shows one happening's details under another, the failure that matters, and the whole
 * population (189 households, 368 shared incidents) measured 1.0; recall ≥ 0.9 — the whole
 * population measured 0.995, the misses being two domestic incidents on consecutive nights whose
 * notifications cannot be told apart, which the rule leaves unmerged by design; 0.9 leaves room
 * for the generator's randomness, not for a weaker rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubjectQuery } from '../../src/adapters/port.ts';
import { buildChronology, type ChronologyEntry } from '../../src/mapping/chronology.ts';
import { buildFamily, householdMembersToLookUp, type CoResidence, type FamilyPerson, type ReportedRelationship } from '../../src/mapping/family.ts';
import type { Agency } from '../../src/model/agency.ts';
import { Fact, type PersonFact } from '../../src/model/fact.ts';
import { defaultRegistry } from '../../src/research/kits.ts';
import { connectorSettings } from '../../src/research/secrets.ts';
import { startEmbeddedSimulators, type EmbeddedSimulators } from '../../simulators/embedded.ts';
import { FEATURED_FAMILY, generatePopulation, type Population, type TruePerson } from '../../simulators/population/index.ts';

const population = generatePopulation();
const F = FEATURED_FAMILY;
const FAMILY = [F.childId, F.siblingId, F.motherId, F.fatherId];
/** Households per kind of shared incident (and agencies recording it) in the population sample. */
const PER_KIND = 6;

// ---------------------------------------------------------------------------------------------
// Ground truth
// ---------------------------------------------------------------------------------------------

const personById = new Map(population.persons.map((p) => [p.id, p]));
const addressByUprn = new Map(population.addresses.map((a) => [a.uprn, a]));
const truePersonOfRecord = new Map(population.groundTruth.map((g) => [`${g.agency}|${g.recordId}`, g.personId]));
const truePersonOfRelated = new Map(population.relatedPersonTruth.map((r) => [r.relatedPersonId, r.personId]));

/**
 * The true person an agency's person reference is. Education contacts are `Contact/<pupil>/<n>`
 * in the mapper; their contact record id is the local identifier on their PersonFact.
 */
function personResolver(facts: readonly Fact[]): (personRef: string, agency: Agency) => string | undefined {
  const contactRecord = new Map(facts.flatMap((f) => (f.kind === 'person' && f.provenance.agency === 'education' && f.personRef.startsWith('Contact/') ? f.identifiers.filter((i) => i.system === 'local').map((i) => [f.personRef, i.value] as const) : [])));
  return (personRef, agency) => {
    if (personRef.startsWith('RelatedPerson/')) return truePersonOfRelated.get(personRef.slice('RelatedPerson/'.length));
    const recordId = contactRecord.get(personRef) ?? personRef.slice(personRef.indexOf('/') + 1);
    return truePersonOfRecord.get(`${agency}|${recordId}`);
  };
}

/** Housing alert ids are the number of the alert's event id (simulators/housing/records.ts). */
const housingAlertEvent = new Map(population.views.housing.events.filter((e) => e.kind === 'person-alert').map((e) => [String(Number.parseInt(e.eventId.replace(/\D/g, ''), 10)), e.eventId]));

/** The population event id behind a fact's source record id, where there is one. */
function eventIdOf(agency: Agency, sourceRecordId: string): string | undefined {
  const [type, first, second, third] = sourceRecordId.split('/');
  switch (agency) {
    case 'health':
      return first?.replace(/\.\d+$/, ''); // one resource per patient: <eventId>.<n>
    case 'police':
      return first; // Incident/<eventId>/Nominal/<nominal>
    case 'education':
      return type === 'School' ? undefined : second; // Attendance/<pupil>/<eventId>
    case 'housing':
      return type === 'PersonAlert' ? housingAlertEvent.get(first ?? '') : type === 'RentAccount' ? third : type === 'Tenancy' ? undefined : first;
    case 'social-care':
      return type === 'Allocation' ? undefined : first;
    default:
      return agency satisfies never;
  }
}

const sharedIncidentOf = new Map(population.eventTruth.map((e) => [`${e.agency}|${e.eventId}`, e.sharedIncidentId]));

interface Scores {
  incidents: number;
  inOneEntry: number;
  merged: number;
  wronglyMerged: number;
  problems: string[];
}

/** Recall and precision of an household's chronology against the shared incidents (see the header). */
function score(entries: readonly ChronologyEntry[], into: Scores): void {
  const recordOf = (s: ChronologyEntry['sources'][number]): string => `${s.agency}|${eventIdOf(s.agency, s.sourceRecordId) ?? `unmatched:${s.sourceRecordId}`}`;
  const entryOf = new Map<string, number>();
  entries.forEach((e, i) => {
    for (const s of e.sources) entryOf.set(recordOf(s), i);
  });
  const recordsOfIncident = new Map<string, string[]>();
  for (const record of entryOf.keys()) {
    const incident = sharedIncidentOf.get(record);
    if (incident !== undefined) recordsOfIncident.set(incident, [...(recordsOfIncident.get(incident) ?? []), record]);
  }
  for (const [incident, records] of recordsOfIncident) {
    if (new Set(records.map((r) => r.split('|')[0])).size < 2) continue;
    into.incidents++;
    if (new Set(records.map((r) => entryOf.get(r))).size === 1) into.inOneEntry++;
    else into.problems.push(`split ${incident}: ${records.join(' ')}`);
  }
  for (const e of entries) {
    const records = [...new Set(e.sources.map(recordOf))];
    if (records.length < 2) continue;
    into.merged++;
    if (new Set(records.map((r) => sharedIncidentOf.get(r) ?? r)).size > 1) {
      into.wronglyMerged++;
      into.problems.push(`wrongly merged ${e.date}: ${records.join(' ')}`);
    }
  }
}

const emptyScores = (): Scores => ({ incidents: 0, inOneEntry: 0, merged: 0, wronglyMerged: 0, problems: [] });

// ---------------------------------------------------------------------------------------------
// Lookups through simulators, adapters and mappers
// ---------------------------------------------------------------------------------------------

/** What the hub would ask about a household member: names, birth date, sex, current address, NHS number and UPN. */
function subjectQuery(person: TruePerson): SubjectQuery {
  const current = person.addressHistory.at(-1);
  const address = current === undefined ? undefined : addressByUprn.get(current.uprn);
  const houseLine = address === undefined ? [] : address.houseNumber.startsWith('Flat ') ? address.houseNumber.split(', ').map((part, i) => (i === 0 ? part : `${part} ${address.street}`)) : [`${address.houseNumber} ${address.street}`];
  return {
    given: person.givenNames,
    family: person.familyName,
    otherNames: person.otherFamilyNames.map((family) => ({ given: person.givenNames.slice(0, 1), family })),
    birthDate: person.birthDate,
    sex: person.sex,
    postcode: address?.postcode,
    addressLines: houseLine,
    identifiers: [
      { system: 'nhs-number', value: person.nhsNumber },
      ...(person.upn === undefined ? [] : [{ system: 'upn', value: person.upn }]),
      ...(address === undefined ? [] : [{ system: 'uprn', value: address.uprn }]),
    ],
  };
}

let simulators: EmbeddedSimulators;
const registry = defaultRegistry();

/** Every agency's facts about one person, the five lookups at once. */
async function lookUp(person: TruePerson): Promise<Fact[]> {
  const outcomes = await Promise.all(simulators.connectors.map(async (connector) => {
    const kit = registry.get(connector.type);
    if (kit === undefined) throw new Error(`no kit for ${connector.type}`);
    return kit.lookup(subjectQuery(person), connectorSettings(connector, {}), {
      connectorId: connector.id, sourceSystem: connector.sourceSystem, lookupId: `lookup-${person.id}-${connector.id}`,
      retrievedAt: '2026-11-21T10:00:00.000Z', lawfulBasis: 'children-act-1989-s47',
    });
  }));
  return outcomes.flatMap((outcome) => {
    if (outcome.kind === 'failed') throw new Error(`lookup failed: ${outcome.failure.code} ${outcome.failure.reason}`);
    return outcome.facts;
  });
}

async function householdChronology(memberIds: readonly string[]): Promise<{ facts: Fact[]; entries: ChronologyEntry[] }> {
  const facts = (await Promise.all(memberIds.map((id) => personById.get(id)).filter((p) => p !== undefined).map(lookUp))).flat();
  return { facts, entries: buildChronology(facts, personResolver(facts), { persons: new Set(memberIds) }) };
}

/** Up to PER_KIND households per kind of shared incident and set of agencies, in household order. */
function sampleHouseholds(p: Population): string[] {
  const householdOf = new Map(p.persons.map((x) => [x.id, x.householdId]));
  const byKind = new Map<string, Set<string>>();
  for (const incident of p.sharedIncidents) {
    const household = householdOf.get(incident.personIds[0] ?? '');
    if (household === undefined || household === F.householdId) continue;
    const kind = `${incident.kind} ${incident.agencies.join('+')}`;
    byKind.set(kind, (byKind.get(kind) ?? new Set()).add(household));
  }
  return [...new Set([...byKind.values()].flatMap((households) => [...households].sort().slice(0, PER_KIND)))].sort();
}

beforeAll(async () => {
  simulators = await startEmbeddedSimulators();
});
afterAll(async () => {
  await simulators.close();
});

// ---------------------------------------------------------------------------------------------
// The featured family
// ---------------------------------------------------------------------------------------------

describe('the featured family, through all five simulators, adapters and mappers', () => {
  let facts: Fact[] = [];
  let entries: ChronologyEntry[] = [];
  beforeAll(async () => {
    ({ facts, entries } = await householdChronology(FAMILY));
    for (const fact of facts) expect(Fact.safeParse(fact).success).toBe(true);
  });

  it('merges the shared incident into one entry and nothing wrongly: precision 1.0, recall 1.0', () => {
    const scores = emptyScores();
    score(entries, scores);
    console.log(`featured family chronology: ${entries.length} entries; shared incidents ${scores.inOneEntry}/${scores.incidents} in one entry; ${scores.merged - scores.wronglyMerged}/${scores.merged} merges right`);
    expect(scores.problems).toEqual([]);
    expect(scores.incidents).toBe(1);
    expect(scores.inOneEntry).toBe(1);
  });

  it('shows the domestic incident of 12 September 2026 once, with police, health and social care and the whole family', () => {
    const night = entries.filter((e) => e.date === F.domesticIncidentDate && e.kind !== 'flag');
    expect(night).toHaveLength(1);
    expect(night[0]).toMatchObject({ kind: 'incident', agencies: ['health', 'police', 'social-care'], persons: [...FAMILY].sort(), sensitivity: 'sensitive' });
    expect(new Set(night[0]?.sources.map((s) => s.sourceRecordId.split('/').slice(0, 2).join('/')))).toEqual(new Set([
      'Incident/INC0000002', 'Crime/CRI0000001', 'Encounter/enc-0000004', 'Encounter/enc-0000005', 'Contact/CSE0000002', 'Contact/CSE0000003',
    ]));
    // The next-day notification keeps its own date inside the entry.
    expect(night[0]?.sources.find((s) => s.sourceRecordId === 'Contact/CSE0000002')?.date).toBe('2026-09-13');
  });

  it('keeps apart what is not that night: the 2025 argument, the housing alerts a week later, the warning marker', () => {
    expect(entries.find((e) => e.date === '2025-02-08')?.agencies).toEqual(['police']);
    for (const alert of entries.filter((e) => e.date === '2026-09-20')) expect(alert.agencies).toEqual(['housing']);
    const marker = entries.find((e) => e.kind === 'flag' && e.date === F.domesticIncidentDate);
    expect(marker?.agencies).toEqual(['police']);
    expect(marker?.summary).toContain('Domestic abuse perpetrator');
  });

  it('is one time-ordered list across all five agencies', () => {
    expect(new Set(entries.flatMap((e) => e.agencies))).toEqual(new Set(['health', 'police', 'education', 'housing', 'social-care']));
    expect(entries.map((e) => e.date)).toEqual([...entries.map((e) => e.date)].sort());
  });

  it("builds Bobby's household from the relationships of his own lookups, and names the second wave", async () => {
    const childFacts = await lookUp(personById.get(F.childId) as TruePerson);
    const personOf = personResolver(childFacts);
    const relationships: ReportedRelationship[] = childFacts.flatMap((f) => {
      if (f.kind !== 'relationship') return [];
      const personId = personOf(f.personRef, f.provenance.agency);
      const relatedPersonId = personOf(f.relatedRef, f.provenance.agency);
      return personId === undefined || relatedPersonId === undefined ? [] : [{ personId, relatedPersonId, relationship: f.relationship, agency: f.provenance.agency, factId: f.id }];
    });
    const people = childFacts.filter((f): f is PersonFact => f.kind === 'person');
    const coResidence: CoResidence[] = people.flatMap((f) => {
      const personId = personOf(f.personRef, f.provenance.agency);
      return personId === undefined ? [] : f.addresses.map((a) => ({ personId, agency: f.provenance.agency, factId: f.id, addressKey: a.uprn === undefined ? `${a.lines.join(' ')}|${a.postcode ?? ''}`.toLowerCase() : `uprn:${a.uprn}` }));
    });
    const persons: FamilyPerson[] = [...new Set(people.map((f) => personOf(f.personRef, f.provenance.agency)))].flatMap((id) => (id === undefined ? [] : [{ personId: id, birthDate: personById.get(id)?.birthDate }]));

    const graph = buildFamily(F.childId, persons, relationships, coResidence, { asOf: population.referenceDate });
    const role = (id: string) => graph.nodes.find((n) => n.personId === id);
    expect(role(F.motherId)).toMatchObject({ role: 'parent', coResident: true });
    expect(role(F.fatherId)).toMatchObject({ role: 'step-parent', coResident: true });
    expect(role(F.siblingId)).toMatchObject({ role: 'sibling', coResident: true });
    expect(role(F.motherId)?.sources.length).toBe(5);
    expect(householdMembersToLookUp(graph)).toEqual([F.siblingId, F.motherId, F.fatherId].sort());
  });
});

// ---------------------------------------------------------------------------------------------
// A sample of the population
// ---------------------------------------------------------------------------------------------

describe('households with shared incidents of every kind', () => {
  it(`merges shared incidents with precision ≥ 0.99 and recall ≥ 0.9 (up to ${PER_KIND} households per kind)`, async () => {
    const households = sampleHouseholds(population);
    const memberIds = new Map(population.households.map((h) => [h.id, h.memberIds]));
    const scores = emptyScores();
    for (const household of households) score((await householdChronology(memberIds.get(household) ?? [])).entries, scores);
    const recall = scores.inOneEntry / scores.incidents;
    const precision = (scores.merged - scores.wronglyMerged) / scores.merged;
    console.log(`population sample: ${households.length} households; recall ${scores.inOneEntry}/${scores.incidents} = ${recall.toFixed(3)}; precision ${scores.merged - scores.wronglyMerged}/${scores.merged} = ${precision.toFixed(3)}${scores.problems.length === 0 ? '' : `\n  ${scores.problems.join('\n  ')}`}`);
    expect(scores.incidents).toBeGreaterThanOrEqual(50);
    expect(precision).toBeGreaterThanOrEqual(0.99);
    expect(recall).toBeGreaterThanOrEqual(0.9);
  }, 120_000);
});
