/**
 * FHIR resources published by others, for the health simulator to serve: the official HL7 R4
 * examples (Patients, RelatedPersons, Encounters, Conditions, Flags, EpisodeOfCare, and the
 * entries of its searchset Bundles) and NHS England's PDS sandbox patients (sandbox mocks,
 * karate patient responses, and the Patients inside the karate searchset responses) — see
 * `../shared/data/external/fhir/*` and their SOURCES.md.
 *
 * Why this file exists: our simulators serve data we wrote, shaped as we expect; the adapter
 * and mapper must also hold against what real FHIR servers and the NHS publish. Every file is
 * parsed with a schema. Nothing is dropped silently: a file or entry that is not a resource the
 * simulator can hold, and every repeat of a resource already loaded (PDS publishes the same NHS
 * number in several files), is counted with its reason, for the tests to state.
 */
/// <reference types="fhir" />
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { externalPath } from '../support/external.ts';

/** The resource types the health adapter searches, loaded from the R4 examples one file each. */
const R4_TYPES = ['Patient', 'RelatedPerson', 'Encounter', 'Condition', 'Flag', 'EpisodeOfCare'] as const;

/** Any resource the simulator may hold: a type and a FHIR id ([A-Za-z0-9\-\.]{1,64}); the repository checks the rest. */
const OutsideResource = z.looseObject({ resourceType: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/), id: z.string().regex(/^[A-Za-z0-9.-]{1,64}$/) });
const AnyDocument = z.looseObject({ resourceType: z.string() });
const Bundle = z.looseObject({
  resourceType: z.literal('Bundle'),
  type: z.string(),
  entry: z.array(z.looseObject({ resource: z.unknown().optional() })).default([]),
});

/** One file or entry left out, and why. */
export interface LeftOut {
  readonly source: string;
  readonly reason: string;
}

export interface OutsideData {
  /** Each resource once (the first file that holds it wins), checked to be resource-shaped. */
  readonly resources: fhir4.FhirResource[];
  /** Where each resource came from, by `Type/id`. */
  readonly sourceOf: ReadonlyMap<string, string>;
  /** Files and entries not loaded, with the reason: not a resource the adapter reads, unparseable, or a repeat. */
  readonly leftOut: readonly LeftOut[];
  /** Entries read from files, before repeats were dropped. */
  readonly read: number;
}

const R4_DIR = externalPath('fhir', 'r4-examples');
const PDS_DIR = externalPath('fhir', 'nhs-pds-fhir-api');

const jsonFiles = (dir: string, keep: (name: string) => boolean = () => true): string[] =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.json') && keep(name))
    .sort()
    .map((name) => path.join(dir, name));

/** Loads the outside data, each resource once, with everything left out and why. */
export function loadOutsideHealthData(): OutsideData {
  const resources: fhir4.FhirResource[] = [];
  const sourceOf = new Map<string, string>();
  const canonical = new Map<string, string>();
  const leftOut: LeftOut[] = [];
  let read = 0;

  const take = (raw: unknown, source: string): void => {
    read += 1;
    const parsed = OutsideResource.safeParse(raw);
    if (!parsed.success) {
      leftOut.push({ source, reason: `not a resource with a FHIR id (${parsed.error.issues[0]?.path.join('.') ?? ''})` });
      return;
    }
    const key = `${parsed.data.resourceType}/${parsed.data.id}`;
    const text = JSON.stringify(parsed.data);
    const first = canonical.get(key);
    if (first !== undefined) {
      leftOut.push({ source, reason: first === text ? `repeats ${key} from ${sourceOf.get(key) ?? '?'}` : `${key} again, with other content; ${sourceOf.get(key) ?? '?'} kept` });
      return;
    }
    canonical.set(key, text);
    sourceOf.set(key, source);
    // Checked above to be resource-shaped; @types/fhir has no runtime parser to do more. The
    // simulator's repository has the last word, and reports what it refuses.
    resources.push(parsed.data as unknown as fhir4.FhirResource);
  };

  const fromFile = (file: string, options: { types?: readonly string[]; searchsetEntries: boolean }): void => {
    const source = path.relative(externalPath(), file);
    const document = AnyDocument.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!document.success) {
      leftOut.push({ source, reason: 'not a FHIR resource' });
      return;
    }
    if (document.data.resourceType === 'Bundle') {
      const bundle = Bundle.safeParse(document.data);
      if (!bundle.success || !options.searchsetEntries || bundle.data.type !== 'searchset') {
        leftOut.push({ source, reason: `a ${bundle.success ? bundle.data.type : 'malformed'} Bundle: only searchset entries are served` });
        return;
      }
      for (const [index, entry] of bundle.data.entry.entries()) {
        if (entry.resource === undefined) leftOut.push({ source: `${source}#entry/${index}`, reason: 'an entry without a resource' });
        else take(entry.resource, `${source}#entry/${index}`);
      }
      return;
    }
    if (options.types !== undefined && !options.types.includes(document.data.resourceType)) {
      leftOut.push({ source, reason: `a ${document.data.resourceType}: not a type the health adapter reads` });
      return;
    }
    take(document.data, source);
  };

  for (const file of jsonFiles(R4_DIR, (name) => name !== 'package.json')) fromFile(file, { types: R4_TYPES, searchsetEntries: true });
  for (const file of jsonFiles(path.join(PDS_DIR, 'sandbox', 'mocks'))) fromFile(file, { searchsetEntries: true });
  for (const file of jsonFiles(path.join(PDS_DIR, 'karate-stubs', 'patientResponses'))) fromFile(file, { types: ['Patient'], searchsetEntries: false });
  for (const file of jsonFiles(path.join(PDS_DIR, 'karate-stubs', 'searchResponses'), (name) => name.includes('searchset'))) fromFile(file, { searchsetEntries: true });
  return { resources, sourceOf, leftOut, read };
}
