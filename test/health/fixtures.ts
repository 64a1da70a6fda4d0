/**
 * Shared fixtures of the health tests: the synthetic Featherstone family as FHIR resources,
 * the subject queries that find its child, and connector settings for a simulator.
 *
 * Why this file exists: the adapter, simulator and end-to-end tests all start from the same
 * family, read from `contracts/health/fixtures/featherstone-family.json` (parsed, not cast).
 */
/// <reference types="fhir" />
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ConnectorAuth, ConnectorSettings, SubjectQuery } from '../../src/adapters/port.ts';

export const FIXTURES_DIR = join(import.meta.dirname, '../../contracts/health/fixtures');

const ResourceLike = z.looseObject({ resourceType: z.string(), id: z.string() });
const CollectionBundle = z.object({ entry: z.array(z.object({ resource: ResourceLike })) });

/**
 * The family's resources. The fixture is our own file and each entry is checked to be a
 * resource with an id; beyond that, the simulator's router is what reads them as FHIR.
 */
export function familyResources(): fhir4.FhirResource[] {
  const bundle = CollectionBundle.parse(JSON.parse(readFileSync(join(FIXTURES_DIR, 'featherstone-family.json'), 'utf8')));
  // Checked above to be resource-shaped; @types/fhir has no runtime parser to do more.
  return bundle.entry.map((e) => e.resource as unknown as fhir4.FhirResource);
}

/** Extra A&E encounters for the child, so `_count=2` gives at least three pages. */
export function extraEncounters(count: number): fhir4.Encounter[] {
  return Array.from({ length: count }, (_, i) => ({
    resourceType: 'Encounter',
    id: `hc-enc-extra-${i + 1}`,
    meta: { lastUpdated: '2026-01-01T00:00:00Z' },
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' },
    subject: { reference: 'Patient/hc-child-1' },
    period: { start: `2025-0${(i % 9) + 1}-15` },
  }));
}

export const CHILD_NHS_NUMBER = '9991000003';

const base: SubjectQuery = {
  given: ['Kayden'],
  family: 'Featherstone',
  otherNames: [],
  birthDate: '2017-03-14',
  sex: 'male',
  postcode: 'NT1 4AB',
  addressLines: ['12 Elm Road'],
  identifiers: [],
};

/** The child by NHS number (and demographics). */
export const byNhsNumber: SubjectQuery = { ...base, identifiers: [{ system: 'nhs-number', value: CHILD_NHS_NUMBER }] };
/** The child by demographics only. */
export const byDemographics: SubjectQuery = base;

/** Values that identify the child: none may appear in an orchestration. */
export const IDENTIFYING_VALUES = [CHILD_NHS_NUMBER, 'Featherstone', 'Kayden', '2017-03-14', 'NT1', 'hc-child-1'] as const;

export function settingsFor(baseUrl: string, overrides: Partial<ConnectorSettings> & { auth?: ConnectorAuth } = {}): ConnectorSettings {
  return { id: 'health-sim', baseUrl, auth: { kind: 'none' }, timeoutMs: 5_000, maxResponseBytes: 1_000_000, maxPages: 10, maxCandidates: 5, ...overrides };
}
