/**
 * The vocabulary of the FHIR variant of the product: which code systems, naming systems and
 * security labels the document Bundle uses, in one place so the README of contracts/host and
 * the document builder cannot drift apart.
 *
 * Why our own systems: no LOINC or SNOMED CT concept names "a MASH information-sharing
 * summary", a RAG rating or a MASH outcome, so the document type carries both the nearest
 * LOINC document code and a hub code, and everything hub-specific lives under
 * `MASH_FHIR_BASE`. That base is a placeholder (`.invalid`, RFC 2606) until the hub registers
 * its own; canonical URLs need not resolve, only stay stable.
 */
/// <reference types="fhir" />
import type { Agency, Sensitivity } from '../model/agency.ts';

/** Root of the hub's own canonical URLs (code systems, naming systems, extensions, policies). */
export const MASH_FHIR_BASE = 'https://mash-gateway.invalid/fhir';

/** LOINC, for the document type. */
export const LOINC = 'http://loinc.org';
/** HL7 v3 Confidentiality (FHIR R4 "Security Labels"): N normal, R restricted, V very restricted. */
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
/** HL7 v3 ObservationValue: the integrity label REDACTED ("some content was removed"). */
export const OBSERVATION_VALUE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue';
/** Provenance agent roles (FHIR R4 provenance-participant-type). */
export const PARTICIPANT_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/provenance-participant-type';
/**
 * HL7 Data Segmentation for Privacy (DS4P) IG 1.0.0 "Inline Security Label": a Coding on any
 * element. R4 gives Composition.section no meta, so this is how a section carries its label.
 */
export const INLINE_SECURITY_LABEL_URL = 'http://hl7.org/fhir/uv/security-label-ds4p/StructureDefinition/extension-inline-sec-label';

/** The hub's naming systems (identifiers) and code systems, under `MASH_FHIR_BASE`. */
export const SYSTEMS = {
  /** Composition.identifier: the product, the same across its versions. */
  product: `${MASH_FHIR_BASE}/NamingSystem/product`,
  /** Bundle.identifier: one version of a product, `<productId>-v<version>` (the idempotency key). */
  productVersion: `${MASH_FHIR_BASE}/NamingSystem/product-version`,
  /** Patient.identifier of a referral subject: `<referralId>/<ref>`. */
  referralSubject: `${MASH_FHIR_BASE}/NamingSystem/referral-subject`,
  /** The referring system's own reference, when it gave one. */
  externalReference: `${MASH_FHIR_BASE}/NamingSystem/external-reference`,
  /** Observation.identifier of a released item. */
  item: `${MASH_FHIR_BASE}/NamingSystem/product-item`,
  /** Organization.identifier of a partner agency and of the hub. */
  agency: `${MASH_FHIR_BASE}/NamingSystem/agency`,
  documentType: `${MASH_FHIR_BASE}/CodeSystem/document-type`,
  section: `${MASH_FHIR_BASE}/CodeSystem/section`,
  itemKind: `${MASH_FHIR_BASE}/CodeSystem/item-kind`,
  decision: `${MASH_FHIR_BASE}/CodeSystem/decision`,
  rag: `${MASH_FHIR_BASE}/CodeSystem/rag`,
  outcome: `${MASH_FHIR_BASE}/CodeSystem/outcome`,
  threshold: `${MASH_FHIR_BASE}/CodeSystem/threshold`,
  subjectRole: `${MASH_FHIR_BASE}/CodeSystem/subject-role`,
} as const;

/** Patient extension naming the subject's role in the referral (child, parent, …). */
export const SUBJECT_ROLE_EXTENSION_URL = `${MASH_FHIR_BASE}/StructureDefinition/referral-subject-role`;

/**
 * Composition.type. LOINC 34841-7 "Social work Consult note" is the nearest LOINC Document
 * Ontology code: the product answers the front door's request with the hub's multi-agency
 * findings, and children's social care owns it. The hub code says exactly what it is.
 */
export const DOCUMENT_TYPE: Readonly<{ loinc: { code: string; display: string }; mash: { code: string; display: string } }> = {
  loinc: { code: '34841-7', display: 'Social work Consult note' },
  mash: { code: 'mash-information-sharing-summary', display: 'MASH safeguarding information sharing summary' },
};

/** The v3 Confidentiality codes we use: normal, restricted, very restricted. */
export type ConfidentialityCode = 'N' | 'R' | 'V';

const CONFIDENTIALITY_DISPLAY: Readonly<Record<ConfidentialityCode, string>> = { N: 'normal', R: 'restricted', V: 'very restricted' };
const CONFIDENTIALITY_RANK: Readonly<Record<ConfidentialityCode, number>> = { N: 0, R: 1, V: 2 };

/** Our sensitivity as the v3 confidentiality code: open N, sensitive R, restricted V. */
export function confidentialityOf(sensitivity: Sensitivity): ConfidentialityCode {
  switch (sensitivity) {
    case 'open':
      return 'N';
    case 'sensitive':
      return 'R';
    case 'restricted':
      return 'V';
    default:
      return sensitivity satisfies never;
  }
}

/** The high-water mark: the most restrictive code of those given, N when none. */
export function highWaterMark(codes: Iterable<ConfidentialityCode>): ConfidentialityCode {
  let mark: ConfidentialityCode = 'N';
  for (const code of codes) if (CONFIDENTIALITY_RANK[code] > CONFIDENTIALITY_RANK[mark]) mark = code;
  return mark;
}

/** The code as a security label Coding. */
export function confidentialityCoding(code: ConfidentialityCode): fhir4.Coding {
  return { system: CONFIDENTIALITY_SYSTEM, code, display: CONFIDENTIALITY_DISPLAY[code] };
}

/** Integrity label for a resource whose owner redacted some of its content. */
export const REDACTED_CODING: Readonly<fhir4.Coding> = { system: OBSERVATION_VALUE_SYSTEM, code: 'REDACTED', display: 'redacted' };

/** How each agency is named to a reader of the document. */
export const AGENCY_DISPLAY: Readonly<Record<Agency, string>> = {
  health: 'Health',
  police: 'Police',
  education: 'Education',
  housing: 'Housing',
  'social-care': "Children's social care",
};

/**
 * Provenance.policy for a lawful basis: legislation.gov.uk for the Children Act 1989 sections,
 * a hub policy URL otherwise (consent, or a basis added later).
 */
export function lawfulBasisPolicy(lawfulBasis: string): string {
  switch (lawfulBasis) {
    case 'children-act-1989-s47':
      return 'https://www.legislation.gov.uk/ukpga/1989/41/section/47';
    case 'children-act-1989-s17':
      return 'https://www.legislation.gov.uk/ukpga/1989/41/section/17';
    default:
      return `${MASH_FHIR_BASE}/policy/lawful-basis/${encodeURIComponent(lawfulBasis)}`;
  }
}
