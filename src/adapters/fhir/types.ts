/**
 * The FHIR R4 shapes the health adapter accepts, as zod schemas, and `HealthRaw`, the raw
 * records it hands to the health mapper.
 *
 * Why this file exists: every FHIR response is outside data (CONVENTIONS.md §2), so it is
 * parsed, never cast. The schemas are deliberately minimal — only the elements the mapper
 * reads — and lenient about optional elements (real servers and the HL7 examples omit much),
 * but strict about types: a resource whose elements have the wrong type fails the lookup as
 * `malformed-response` instead of flowing into the hub half-understood. Unknown elements are
 * dropped by parsing, so nothing the hub does not use is carried further.
 */
import { z } from 'zod';

/** Identifier system of the NHS number (UK Core). */
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

/** HL7 v3 Confidentiality code system, used in `meta.security` to mark sensitivity. */
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

/** HL7 v3 RoleCode system, used in `RelatedPerson.relationship` (MTH, FTH, PRN, STPPRN …). */
export const ROLE_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';

/** HL7 v3 ActCode system, used in `Encounter.class` (EMER, IMP, AMB …). */
export const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/**
 * Code system and code that mark a Flag as a CP-IS (Child Protection – Information Sharing)
 * alert. CP-IS has no published FHIR R4 CodeSystem we could find, so the hub recognises this
 * project-local coding (and, as a fallback, "child protection" in the flag's text).
 */
export const CP_IS_FLAG_SYSTEM = 'https://mash-gateway.invalid/fhir/CodeSystem/health-flag';
export const CP_IS_FLAG_CODE = 'CP-IS';

const fhirString = z.string();

export const FhirCoding = z.object({
  system: fhirString.optional(),
  code: fhirString.optional(),
  display: fhirString.optional(),
});
export type FhirCoding = z.infer<typeof FhirCoding>;

export const FhirCodeableConcept = z.object({
  coding: z.array(FhirCoding).optional(),
  text: fhirString.optional(),
});
export type FhirCodeableConcept = z.infer<typeof FhirCodeableConcept>;

export const FhirPeriod = z.object({ start: fhirString.optional(), end: fhirString.optional() });
export type FhirPeriod = z.infer<typeof FhirPeriod>;

/** UK Core AddressKey extension URL: carries the UPRN (and PAF key) of an address. */
export const ADDRESS_KEY_EXTENSION = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-AddressKey';

const FhirIdentifierInReference = z.object({ system: fhirString.optional(), value: fhirString.optional() });

/** A reference; PDS gives some by identifier (an NHS number) rather than by `reference`. */
export const FhirReference = z.object({
  reference: fhirString.optional(),
  identifier: FhirIdentifierInReference.optional(),
  display: fhirString.optional(),
});
export type FhirReference = z.infer<typeof FhirReference>;

export const FhirMeta = z.object({
  lastUpdated: fhirString.optional(),
  security: z.array(FhirCoding).optional(),
});
export type FhirMeta = z.infer<typeof FhirMeta>;

export const FhirIdentifier = z.object({
  use: fhirString.optional(),
  system: fhirString.optional(),
  value: fhirString.optional(),
  period: FhirPeriod.optional(),
});
export type FhirIdentifier = z.infer<typeof FhirIdentifier>;

export const FhirHumanName = z.object({
  use: fhirString.optional(),
  text: fhirString.optional(),
  family: fhirString.optional(),
  given: z.array(fhirString).optional(),
  period: FhirPeriod.optional(),
});
export type FhirHumanName = z.infer<typeof FhirHumanName>;

/** A complex extension as UK Core AddressKey uses it: `type` (Coding) and `value` (string). */
const FhirKeyExtension = z.object({
  url: fhirString,
  extension: z.array(z.object({ url: fhirString, valueCoding: FhirCoding.optional(), valueString: fhirString.optional() })).optional(),
});

export const FhirAddress = z.object({
  extension: z.array(FhirKeyExtension).optional(),
  use: fhirString.optional(),
  type: fhirString.optional(),
  text: fhirString.optional(),
  line: z.array(fhirString).optional(),
  city: fhirString.optional(),
  district: fhirString.optional(),
  postalCode: fhirString.optional(),
  period: FhirPeriod.optional(),
});
export type FhirAddress = z.infer<typeof FhirAddress>;

/** Human-readable narrative (XHTML in `div`); the mapper keeps it as plain text. */
export const FhirNarrative = z.object({ status: fhirString.optional(), div: fhirString.optional() });
export type FhirNarrative = z.infer<typeof FhirNarrative>;

const resourceBase = {
  text: FhirNarrative.optional(),
  // FHIR R4 id datatype: [A-Za-z0-9\-\.]{1,64}. Checked, since ids go into follow-up search URLs.
  id: z.string().regex(/^[A-Za-z0-9.-]{1,64}$/),
  meta: FhirMeta.optional(),
};

export const FhirPatient = z.object({
  resourceType: z.literal('Patient'),
  ...resourceBase,
  identifier: z.array(FhirIdentifier).optional(),
  active: z.boolean().optional(),
  name: z.array(FhirHumanName).optional(),
  gender: fhirString.optional(),
  birthDate: fhirString.optional(),
  address: z.array(FhirAddress).optional(),
});
export type FhirPatient = z.infer<typeof FhirPatient>;

export const FhirRelatedPerson = z.object({
  resourceType: z.literal('RelatedPerson'),
  ...resourceBase,
  identifier: z.array(FhirIdentifier).optional(),
  active: z.boolean().optional(),
  patient: FhirReference,
  relationship: z.array(FhirCodeableConcept).optional(),
  name: z.array(FhirHumanName).optional(),
  gender: fhirString.optional(),
  birthDate: fhirString.optional(),
  address: z.array(FhirAddress).optional(),
  period: FhirPeriod.optional(),
});
export type FhirRelatedPerson = z.infer<typeof FhirRelatedPerson>;

export const FhirEncounter = z.object({
  resourceType: z.literal('Encounter'),
  ...resourceBase,
  status: fhirString,
  class: FhirCoding,
  type: z.array(FhirCodeableConcept).optional(),
  serviceType: FhirCodeableConcept.optional(),
  subject: FhirReference.optional(),
  period: FhirPeriod.optional(),
  reasonCode: z.array(FhirCodeableConcept).optional(),
  serviceProvider: FhirReference.optional(),
});
export type FhirEncounter = z.infer<typeof FhirEncounter>;

export const FhirCondition = z.object({
  resourceType: z.literal('Condition'),
  ...resourceBase,
  clinicalStatus: FhirCodeableConcept.optional(),
  verificationStatus: FhirCodeableConcept.optional(),
  category: z.array(FhirCodeableConcept).optional(),
  code: FhirCodeableConcept.optional(),
  subject: FhirReference,
  onsetDateTime: fhirString.optional(),
  onsetPeriod: FhirPeriod.optional(),
  onsetString: fhirString.optional(),
  abatementDateTime: fhirString.optional(),
  abatementPeriod: FhirPeriod.optional(),
  recordedDate: fhirString.optional(),
  note: z.array(z.object({ text: fhirString.optional() })).optional(),
});
export type FhirCondition = z.infer<typeof FhirCondition>;

export const FhirFlag = z.object({
  resourceType: z.literal('Flag'),
  ...resourceBase,
  status: fhirString,
  category: z.array(FhirCodeableConcept).optional(),
  code: FhirCodeableConcept,
  subject: FhirReference,
  period: FhirPeriod.optional(),
});
export type FhirFlag = z.infer<typeof FhirFlag>;

export const FhirEpisodeOfCare = z.object({
  resourceType: z.literal('EpisodeOfCare'),
  ...resourceBase,
  status: fhirString,
  type: z.array(FhirCodeableConcept).optional(),
  patient: FhirReference,
  managingOrganization: FhirReference.optional(),
  period: FhirPeriod.optional(),
});
export type FhirEpisodeOfCare = z.infer<typeof FhirEpisodeOfCare>;

/** An OperationOutcome; only the issue code and diagnostics are ever surfaced. */
export const FhirOperationOutcome = z.object({
  resourceType: z.literal('OperationOutcome'),
  issue: z
    .array(
      z.object({
        severity: fhirString.optional(),
        code: fhirString.optional(),
        diagnostics: fhirString.optional(),
        details: FhirCodeableConcept.optional(),
      }),
    )
    .default([]),
});
export type FhirOperationOutcome = z.infer<typeof FhirOperationOutcome>;

/**
 * A searchset Bundle as far as the adapter needs it: entries are kept as unknown resources
 * here and parsed per resource type by the search that asked for them.
 */
export const FhirSearchBundle = z.object({
  resourceType: z.literal('Bundle'),
  type: fhirString.optional(),
  total: z.number().int().nonnegative().optional(),
  link: z.array(z.object({ relation: fhirString, url: fhirString })).optional(),
  entry: z
    .array(
      z.object({
        fullUrl: fhirString.optional(),
        resource: z.looseObject({ resourceType: fhirString }).optional(),
        search: z.object({ mode: fhirString.optional() }).optional(),
      }),
    )
    .optional(),
});
export type FhirSearchBundle = z.infer<typeof FhirSearchBundle>;

/** One patient the health system returned for the subject, with everything recorded against them. */
export interface HealthPatientRecords {
  readonly patient: FhirPatient;
  readonly encounters: readonly FhirEncounter[];
  readonly conditions: readonly FhirCondition[];
  readonly flags: readonly FhirFlag[];
  readonly episodesOfCare: readonly FhirEpisodeOfCare[];
  readonly relatedPersons: readonly FhirRelatedPerson[];
}

/**
 * What the FHIR adapter found: candidate patients (matching is the hub's job) and their
 * records. What it left unread is not here: it is the outcome's `cuts` (src/adapters/port.ts).
 */
export interface HealthRaw {
  readonly patients: readonly HealthPatientRecords[];
}
