/**
 * The population's health view as FHIR resources: every resource is one the adapter accepts,
 * ids are unique and trace back to the population, markings survive, and — end to end through
 * the simulator, adapter and mapper — the featured child's health record comes back as facts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFhirAdapter } from '../../src/adapters/fhir/adapter.ts';
import {
  CP_IS_FLAG_CODE,
  CP_IS_FLAG_SYSTEM,
  FhirCondition,
  FhirEncounter,
  FhirEpisodeOfCare,
  FhirFlag,
  FhirPatient,
  FhirRelatedPerson,
} from '../../src/adapters/fhir/types.ts';
import { mapHealth } from '../../src/mapping/health.ts';
import { Fact } from '../../src/model/fact.ts';
import { DEFAULT_SEED, FEATURED_FAMILY, generatePopulation, type Population } from '../population/index.ts';
import { healthEventIdOf, healthResources } from './resources.ts';
import { startHealthSimulator, type HealthSimulator } from './server.ts';

const SCHEMAS = {
  Patient: FhirPatient,
  RelatedPerson: FhirRelatedPerson,
  Encounter: FhirEncounter,
  Condition: FhirCondition,
  Flag: FhirFlag,
  EpisodeOfCare: FhirEpisodeOfCare,
} as const;

const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

describe('healthResources', () => {
  const population = generatePopulation({ seed: DEFAULT_SEED, households: 150 });
  const view = population.views.health;
  const resources = healthResources(population);

  it('makes only resources the adapter accepts, each marked with a v3-Confidentiality code', () => {
    for (const resource of resources) {
      expect(Object.keys(SCHEMAS)).toContain(resource.resourceType);
      const schema = SCHEMAS[resource.resourceType as keyof typeof SCHEMAS];
      const parsed = schema.safeParse(resource);
      expect(parsed.success, `${resource.resourceType}/${resource.id ?? '?'}`).toBe(true);
      expect(resource.meta?.security?.filter((c) => c.system === CONFIDENTIALITY).map((c) => c.code)).toEqual([expect.stringMatching(/^[NRV]$/)]);
    }
  });

  it('gives each resource a unique id per type, tracing back to the population', () => {
    const keys = resources.map((r) => `${r.resourceType}/${r.id ?? ''}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(resources.filter((r) => r.resourceType === 'Patient').map((r) => r.id)).toEqual(view.patients.map((p) => p.recordId));
    const eventResources = resources.filter((r) => r.resourceType !== 'Patient' && r.resourceType !== 'RelatedPerson');
    expect(eventResources).toHaveLength(view.events.reduce((n, e) => n + e.recordIds.length, 0));
    expect(new Set(eventResources.map((r) => healthEventIdOf(r.id ?? '')))).toEqual(new Set(view.events.map((e) => e.eventId)));
  });

  it('keeps each event marking, NHS numbers, nicknames and relationship codes', () => {
    const byId = new Map(resources.map((r) => [`${r.resourceType}/${r.id ?? ''}`, r]));
    for (const event of view.events.filter((e) => e.recordIds.length === 1)) {
      const type = { 'ae-attendance': 'Encounter', admission: 'Encounter', condition: 'Condition', 'episode-of-care': 'EpisodeOfCare', 'cp-is-flag': 'Flag' }[event.kind];
      expect(byId.get(`${type}/${event.eventId}`)?.meta?.security?.[0]?.code).toBe(event.sensitivity);
    }
    for (const patient of view.patients) {
      const resource = FhirPatient.parse(byId.get(`Patient/${patient.recordId}`));
      expect(resource.identifier?.[0]?.value).toBe(patient.nhsNumber);
      for (const other of patient.otherNames.filter((n) => n.family === patient.name.family)) {
        expect(resource.name).toContainEqual(expect.objectContaining({ use: 'nickname', given: other.given }));
      }
      for (const related of patient.relatedPersons) {
        const rp = FhirRelatedPerson.parse(byId.get(`RelatedPerson/${related.id}`));
        expect(rp.patient.reference).toBe(`Patient/${patient.recordId}`);
        expect(rp.relationship?.[0]?.coding?.[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: related.relationship });
      }
    }
  });

  it('codes A&E as EMER, admissions as IMP, and every flag as CP-IS', () => {
    const encounters = resources.filter((r) => r.resourceType === 'Encounter').map((r) => FhirEncounter.parse(r));
    expect(new Set(encounters.map((e) => e.class.code))).toEqual(new Set(['EMER', 'IMP']));
    const flags = resources.filter((r) => r.resourceType === 'Flag').map((r) => FhirFlag.parse(r));
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) expect(flag.code.coding).toContainEqual(expect.objectContaining({ system: CP_IS_FLAG_SYSTEM, code: CP_IS_FLAG_CODE }));
  });
});

describe('the featured family through simulator, adapter and mapper', () => {
  let population: Population;
  let sim: HealthSimulator;

  beforeAll(async () => {
    population = generatePopulation({ seed: DEFAULT_SEED });
    sim = await startHealthSimulator({ resources: healthResources(population) });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('finds the featured child by NHS number and maps the health record to valid facts', async () => {
    const child = population.views.health.patients.find((p) => p.recordId === FEATURED_FAMILY.childRecords.health);
    expect(child).toBeDefined();
    const outcome = await createFhirAdapter().search(
      {
        given: ['Robert'],
        family: 'Smith',
        otherNames: [],
        birthDate: FEATURED_FAMILY.birthDate,
        addressLines: [],
        identifiers: [{ system: 'nhs-number', value: FEATURED_FAMILY.nhsNumber }],
      },
      { id: 'health-sim', baseUrl: sim.url, auth: { kind: 'none' }, timeoutMs: 5_000, maxResponseBytes: 5_000_000, maxPages: 10, maxCandidates: 5 },
    );
    if (outcome.kind !== 'found') throw new Error(outcome.failure.reason);
    expect(outcome.records.patients.map((p) => p.patient.id)).toEqual([FEATURED_FAMILY.childRecords.health]);

    const facts = mapHealth(outcome.records, { connectorId: 'health-sim', sourceSystem: 'Health simulator', lookupId: 'featured', retrievedAt: '2026-11-21T09:00:00Z', lawfulBasis: 'children-act-1989-s47' });
    for (const fact of facts) expect(Fact.safeParse(fact).success).toBe(true);

    const person = facts.find((f) => f.kind === 'person' && f.personRef === `Patient/${FEATURED_FAMILY.childRecords.health}`);
    if (person?.kind !== 'person') throw new Error('no PersonFact for the featured child');
    expect(person.names).toContainEqual({ given: ['Bobby'], family: 'Smith', use: 'nickname' });
    const relationships = facts.filter((f) => f.kind === 'relationship');
    expect(relationships.map((r) => r.relationship).sort()).toEqual(['carer', 'parent']);
    // The related persons are patients here too: their own NHS numbers come with them.
    const relatedPeople = facts.filter((f) => f.kind === 'person' && f.personRef.startsWith('RelatedPerson/'));
    expect(relatedPeople.every((p) => p.kind === 'person' && p.identifiers.some((i) => i.system === 'nhs-number'))).toBe(true);

    const domestic = facts.find((f) => f.kind === 'event' && f.date === FEATURED_FAMILY.domesticIncidentDate);
    expect(domestic).toMatchObject({ eventKind: 'attendance', provenance: { sensitivity: 'sensitive' } });
    expect(domestic?.kind === 'event' ? domestic.detail : undefined).toMatch(/argument at home/);
    expect(facts.some((f) => f.kind === 'event' && f.provenance.sensitivity === 'restricted')).toBe(true);
  });
});
