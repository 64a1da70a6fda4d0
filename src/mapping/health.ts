/**
 * Health mapping: FHIR R4 (UK Core) records from the FHIR adapter → facts with provenance.
 *
 * Why this file exists: the hub reasons over one common model (DESIGN.md "The common
 * model"), and health speaks FHIR. This is the one place that knows how a Patient becomes a
 * PersonFact, which Encounter class is an A&E attendance, that a CP-IS Flag means a child
 * protection plan, and how FHIR `meta.security` confidentiality becomes the hub's sensitivity.
 * Pure: no I/O, no clock — the same records and context always give the same facts, with the
 * same ids (CONVENTIONS.md §6).
 *
 * Source data is kept, never invented: elements the model cannot hold exactly (partial birth
 * dates, over-long values) are left out rather than guessed; an undated event keeps a stand-in
 * date and says so. Resources marked `entered-in-error` are not facts and are skipped.
 *
 * The walk over candidates is the shared skeleton's (skeleton.ts); this file gives health's
 * parts: a patient, their related persons, and — under health/ — their records (records.ts),
 * FHIR's data types (values.ts) and the sensitivity rules (sensitivity.ts).
 */
import type { FhirCodeableConcept, FhirPatient, FhirRelatedPerson, HealthPatientRecords, HealthRaw } from '../adapters/fhir/types.ts';
import type { PersonFact, RelationshipFact } from '../model/fact.ts';
import type { FactMaker } from './fact-parts.ts';
import { conditionFact, encounterFact, episodeFact, flagFact } from './health/records.ts';
import { healthSource, patientSensitivity } from './health/sensitivity.ts';
import { addresses, humanNames, identifiers, isoDate, sex, toPeriod } from './health/values.ts';
import { agencyMapper } from './skeleton.ts';

export { patientSensitivity, sensitivityOf } from './health/sensitivity.ts';

type RelationshipType = RelationshipFact['relationship'];

/**
 * Maps everything the FHIR adapter found to facts. Each candidate patient yields a
 * PersonFact; their records yield events, flags and relationships under `Patient/<id>`;
 * each RelatedPerson also yields a PersonFact of its own under `RelatedPerson/<id>`, so
 * identity matching can link it to the same person elsewhere. Everything about a patient whose
 * demographic record is restricted is restricted too (see `patientSensitivity`).
 */
export const mapHealth = agencyMapper<HealthRaw, HealthPatientRecords>({
  agency: 'health',
  candidates: (raw) => raw.patients,
  floor: (records) => patientSensitivity(records.patient.meta),
  person: (records, make) => patientFact(records.patient, make),
  *records(records, make) {
    const personRef = `Patient/${records.patient.id}`;
    for (const related of records.relatedPersons) {
      yield relationshipFact(related, personRef, make);
      yield relatedPersonFact(related, records.patient, make);
    }
    for (const encounter of records.encounters) yield encounterFact(encounter, personRef, make);
    for (const condition of records.conditions) yield conditionFact(condition, personRef, make);
    for (const episode of records.episodesOfCare) yield episodeFact(episode, personRef, make);
    for (const flag of records.flags) yield flagFact(flag, personRef, make);
  },
});

/** Patient → PersonFact; undefined when the record carries no usable name. */
export function patientFact(patient: FhirPatient, make: FactMaker): PersonFact | undefined {
  const names = humanNames(patient.name);
  if (names.length === 0) return undefined;
  const sourceRecordId = `Patient/${patient.id}`;
  return make.person(healthSource(sourceRecordId, sourceRecordId, patient.meta), {
    names,
    birthDate: isoDate(patient.birthDate),
    sex: sex(patient.gender),
    identifiers: identifiers(patient.identifier),
    addresses: addresses(patient.address),
  });
}

/** RelatedPerson → RelationshipFact: "the related person is <relationship> of the patient". */
function relationshipFact(related: FhirRelatedPerson, personRef: string, make: FactMaker): RelationshipFact {
  const sourceRecordId = `RelatedPerson/${related.id}`;
  return make.relationship(healthSource(sourceRecordId, personRef, related.meta), {
    relationship: relationshipType(related.relationship),
    relatedRef: sourceRecordId,
    relatedName: humanNames(related.name)[0],
    relatedBirthDate: isoDate(related.birthDate),
    period: toPeriod(related.period),
  });
}

/**
 * The related person's own details as a PersonFact. PDS puts the related person's NHS number
 * in `RelatedPerson.patient.identifier` (their own patient record); when that differs from
 * the patient we asked about, it is the related person's identifier.
 */
function relatedPersonFact(related: FhirRelatedPerson, owner: FhirPatient, make: FactMaker): PersonFact | undefined {
  const names = humanNames(related.name);
  if (names.length === 0) return undefined;
  const sourceRecordId = `RelatedPerson/${related.id}`;
  const ids = identifiers(related.identifier);
  const ownerNhs = new Set(identifiers(owner.identifier).filter((i) => i.system === 'nhs-number').map((i) => i.value));
  const viaPatient = identifiers(related.patient.identifier === undefined ? undefined : [related.patient.identifier]);
  for (const id of viaPatient) {
    if (id.system === 'nhs-number' && !ownerNhs.has(id.value) && !ids.some((i) => i.system === id.system && i.value === id.value)) ids.push(id);
  }
  return make.person(healthSource(sourceRecordId, sourceRecordId, related.meta), {
    names,
    birthDate: isoDate(related.birthDate),
    sex: sex(related.gender),
    identifiers: ids,
    addresses: addresses(related.address),
  });
}

/**
 * Relationship codes → the hub's relationship types. v3-RoleCode (MTH, FTH, STPPRN …), UK Core
 * AdditionalRelatedPersonRole (Guardian …) and v2-0131 contact roles (C emergency contact).
 * Birth and adoptive parents are `parent`; step-parents, guardians and foster carers are
 * `carer` (they may hold parental responsibility, but the model keeps "parent" for parents).
 */
const RELATIONSHIP_BY_CODE: ReadonlyMap<string, RelationshipType> = new Map(
  Object.entries({
  MTH: 'parent', FTH: 'parent', PRN: 'parent', NMTH: 'parent', NFTH: 'parent', NPRN: 'parent',
  ADOPTM: 'parent', ADOPTF: 'parent', ADOPTP: 'parent', GESTM: 'parent',
  STPMTH: 'carer', STPFTH: 'carer', STPPRN: 'carer', GUARD: 'carer', GUARDIAN: 'carer', CARER: 'carer',
  FSTPRN: 'carer', FOSTERPARENT: 'carer', PERSONALCARER: 'carer',
  SIB: 'sibling', SIS: 'sibling', BRO: 'sibling', HSIB: 'sibling', HSIS: 'sibling', HBRO: 'sibling',
  NSIB: 'sibling', NSIS: 'sibling', NBRO: 'sibling', STPSIB: 'sibling', STPSIS: 'sibling', STPBRO: 'sibling',
  TWIN: 'sibling', TWINSIS: 'sibling', TWINBRO: 'sibling', ITWIN: 'sibling', FTWIN: 'sibling',
  SPS: 'partner', HUSB: 'partner', WIFE: 'partner', DOMPART: 'partner', SIGOTHR: 'partner', FMRSPS: 'partner',
  ROOM: 'household-member',
  C: 'emergency-contact', ECON: 'emergency-contact',
  } satisfies Record<string, RelationshipType>),
);

function relationshipType(concepts: readonly FhirCodeableConcept[] | undefined): RelationshipType {
  for (const concept of concepts ?? []) {
    for (const coding of concept.coding ?? []) {
      const mapped = coding.code === undefined ? undefined : RELATIONSHIP_BY_CODE.get(coding.code.toUpperCase());
      if (mapped !== undefined) return mapped;
    }
  }
  return 'other';
}
