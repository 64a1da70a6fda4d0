/**
 * The health contracts and the resources the simulator serves are valid FHIR R4, checked with
 * @medplum/core's validator against the R4 StructureDefinitions (cardinality, types,
 * invariants): contracts/health/capability-statement.json, the fixtures, and the resources
 * `healthResources` makes from the synthetic population.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateResource } from '@medplum/core';
import type { Resource as MedplumResource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SEED, generatePopulation } from '../../simulators/population/index.ts';
import { ensureFhirDefinitions } from '../../simulators/health/definitions.ts';
import { healthResources } from '../../simulators/health/resources.ts';
import { FIXTURES_DIR } from './fixtures.ts';

ensureFhirDefinitions();

/**
 * Throws (with the OperationOutcome) when the value is not a valid R4 resource. The validator
 * is the parser here, so the value goes in as it came; the cast only satisfies its signature.
 */
function expectValid(value: unknown, label: string): void {
  try {
    expect(validateResource(value as MedplumResource)).toEqual([]);
  } catch (error) {
    const outcome = error instanceof Error && 'outcome' in error ? JSON.stringify(error.outcome) : String(error);
    throw new Error(`${label} is not valid FHIR R4: ${outcome}`, { cause: error });
  }
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

describe('health contracts are valid FHIR R4', () => {
  it('capability-statement.json', () => {
    expectValid(readJson(join(FIXTURES_DIR, '../capability-statement.json')), 'capability-statement.json');
  });

  it.each(['featherstone-family.json', 'patient-searchset.json', 'pds/PatientSearch.json', 'pds/RelatedPersonBundle.json'])('fixtures/%s', (file) => {
    expectValid(readJson(join(FIXTURES_DIR, file)), file);
  });

  it('every resource healthResources makes from the population', () => {
    const resources = healthResources(generatePopulation({ seed: DEFAULT_SEED, households: 60 }));
    expect(resources.length).toBeGreaterThan(100);
    for (const resource of resources) expectValid(resource, `${resource.resourceType}/${resource.id ?? '?'}`);
  });
});
