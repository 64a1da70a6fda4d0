/**
 * The product as a FHIR R4 document Bundle (the FHIR alternative to the REST JSON document): a
 * Composition first, then the resources it and the Provenance point at.
 *
 * Why a document and not a transaction or a searchset: a document is the unit a host case
 * system files as one attested, immutable record — exactly what a product version is. The
 * Bundle's identifier is `<productId>-v<version>` (the publisher's idempotency key); the
 * Composition's identifier is the product id, the same across versions, as FHIR documents
 * expect.
 *
 * Security labelling (FHIR R4 "Security Labels"; HL7 DS4P IG 1.0.0):
 * - every item resource carries its own v3 Confidentiality code (open N, sensitive R,
 *   restricted V) in `meta.security`, plus the integrity label REDACTED when its owner redacted
 *   fields;
 * - each Provenance carries the high-water mark of the items it covers;
 * - the Bundle and the Composition carry the high-water mark of the whole product, in
 *   `meta.security` and `Composition.confidentiality` (the document's own label);
 * - R4 gives Composition.section no `meta`, so a section holding R or V content carries the DS4P
 *   inline security label extension with its high-water mark;
 * - Patients, Organizations and the decision carry no label of their own: the document's governs.
 *
 * Pure and deterministic: resource ids are UUIDs derived from the product id, version and the
 * resource's role, so the same product version always yields the same bytes — which is what lets
 * the host's idempotency check compare a replay with the original.
 */
/// <reference types="fhir" />
import type { Agency } from '../model/agency.ts';
import { AGENCIES } from '../model/agency.ts';
import type { AgencyCheck } from '../model/check.ts';
import type { Outcome, Product, ProductItem } from '../model/product.ts';
import type { Rag, Threshold } from '../model/referral.ts';
import { sha256Hex } from '../lib/ids.ts';
import {
  AGENCY_DISPLAY,
  confidentialityCoding,
  confidentialityOf,
  DOCUMENT_TYPE,
  highWaterMark,
  INLINE_SECURITY_LABEL_URL,
  lawfulBasisPolicy,
  LOINC,
  PARTICIPANT_TYPE_SYSTEM,
  REDACTED_CODING,
  SUBJECT_ROLE_EXTENSION_URL,
  SYSTEMS,
  type ConfidentialityCode,
} from './fhir-codes.ts';
import { cleanText, describeItem, escapeXml, itemListEntry, itemPeriod, narrative, paragraphs } from './fhir-narrative.ts';

/** Options of `productToFhirDocument`. */
export interface FhirDocumentOptions {
  /** The hub's name, as author and custodian of the document. Default "Multi-Agency Safeguarding Hub". */
  readonly hubName?: string;
}

const RAG_DISPLAY: Readonly<Record<Rag, string>> = { red: 'Red (high risk)', amber: 'Amber (medium risk)', green: 'Green (low risk)' };
const OUTCOME_DISPLAY: Readonly<Record<Outcome, string>> = {
  'no-further-action': 'No further action',
  'early-help': 'Early help',
  'child-in-need-assessment': 'Child in need assessment',
  'strategy-discussion': 'Strategy discussion',
  'section-47-enquiry': 'Section 47 enquiry',
  'police-referral': 'Referral to police',
  other: 'Other',
};
const THRESHOLD_DISPLAY: Readonly<Record<Threshold, string>> = {
  'child-protection': 'Child protection',
  'child-in-need': 'Child in need',
  'early-help': 'Early help',
};

type Entry = fhir4.BundleEntry<fhir4.FhirResource> & { fullUrl: string; resource: fhir4.FhirResource };
interface LinkedSubject {
  readonly patient: Entry;
  readonly name: string;
}

const displayName = (name: Product['subjects'][number]['name']): string => [...name.given, name.family].join(' ');

/** The product version as a FHIR R4 document Bundle. Holds nothing the product does not. */
export function productToFhirDocument(product: Product, options: FhirDocumentOptions = {}): fhir4.Bundle<fhir4.FhirResource> {
  const uuid = (role: string): string => deterministicUuid(product, role);
  const entry = (role: string, resource: fhir4.FhirResource): Entry => {
    const id = uuid(role);
    return { fullUrl: `urn:uuid:${id}`, resource: { ...resource, id } };
  };

  const hub = entry('hub', {
    resourceType: 'Organization',
    identifier: [{ system: SYSTEMS.agency, value: 'mash' }],
    active: true,
    name: cleanText(options.hubName ?? 'Multi-Agency Safeguarding Hub'),
  });

  const patients = new Map(product.subjects.map((subject) => [subject.ref, entry(`subject/${subject.ref}`, patientOf(product, subject))]));
  const child = product.subjects.find((s) => s.role === 'child') ?? product.subjects[0];
  const childEntry = child === undefined ? undefined : patients.get(child.ref);

  /** The referral subject an item names in `content.subjectRef`, if it names one of this product's. */
  const linkedSubject = (item: ProductItem): LinkedSubject | undefined => {
    const ref = item.content.subjectRef;
    const subject = typeof ref === 'string' ? product.subjects.find((s) => s.ref === ref) : undefined;
    const patient = subject === undefined ? undefined : patients.get(subject.ref);
    return subject === undefined || patient === undefined ? undefined : { patient, name: displayName(subject.name) };
  };

  const decision = entry('decision', decisionObservation(product, hub, childEntry));

  const agencySections: fhir4.CompositionSection[] = [];
  const agencyEntries: Entry[] = [];
  for (const agency of AGENCIES) {
    const items = product.items.filter((item) => item.agency === agency);
    if (items.length === 0) continue;
    const organization = entry(`agency/${agency}`, {
      resourceType: 'Organization',
      identifier: [{ system: SYSTEMS.agency, value: agency }],
      active: true,
      name: AGENCY_DISPLAY[agency],
    });
    const observations = items.map((item) => entry(`item/${item.itemId}`, itemObservation(item, organization, linkedSubject(item))));
    const mark = highWaterMark(items.map((item) => confidentialityOf(item.sensitivity)));
    agencySections.push(agencySection(agency, items.map((item) => ({ item, about: linkedSubject(item)?.name })), organization, observations, mark));
    agencyEntries.push(organization, ...observations, entry(`provenance/${agency}`, provenanceOf(items, observations, organization, hub, mark)));
  }

  const documentMark = highWaterMark(product.items.map((item) => confidentialityOf(item.sensitivity)));
  const sections: fhir4.CompositionSection[] = [decisionSection(product, decision)];
  if (patients.size > 0) sections.push(subjectsSection(product, [...patients.values()]));
  if (product.checks !== undefined) sections.push(checksSection(product.checks));
  sections.push(...agencySections, signpostsSection(product));

  const composition = entry('composition', {
    resourceType: 'Composition',
    meta: { security: [confidentialityCoding(documentMark)] },
    identifier: { system: SYSTEMS.product, value: product.productId },
    status: 'final',
    type: {
      coding: [
        { system: LOINC, code: DOCUMENT_TYPE.loinc.code, display: DOCUMENT_TYPE.loinc.display },
        { system: SYSTEMS.documentType, code: DOCUMENT_TYPE.mash.code, display: DOCUMENT_TYPE.mash.display },
      ],
      text: DOCUMENT_TYPE.mash.display,
    },
    ...(childEntry === undefined ? {} : { subject: referenceTo(childEntry) }),
    date: instant(product.publishedAt),
    author: [referenceTo(hub)],
    title: `MASH information sharing summary, version ${product.version}`,
    confidentiality: documentMark,
    attester: [{ mode: 'official', time: instant(product.decision.decidedAt), party: { display: cleanText(product.decision.decidedBy) } }],
    custodian: referenceTo(hub),
    ...(product.version > 1
      ? { relatesTo: [{ code: 'replaces', targetIdentifier: { system: SYSTEMS.productVersion, value: `${product.productId}-v${product.version - 1}` } }] }
      : {}),
    section: sections,
  });

  return {
    resourceType: 'Bundle',
    id: uuid('bundle'),
    meta: { security: [confidentialityCoding(documentMark)] },
    identifier: { system: SYSTEMS.productVersion, value: `${product.productId}-v${product.version}` },
    type: 'document',
    timestamp: instant(product.publishedAt),
    entry: [composition, ...patients.values(), hub, decision, ...agencyEntries],
  };
}

/** An ISO date-time as a FHIR `instant` (seconds and zone required): UTC, milliseconds. */
function instant(isoDateTime: string): string {
  return new Date(isoDateTime).toISOString();
}

/** A UUID (version 8, RFC 9562 §5.8) from the product version and the resource's role. */
function deterministicUuid(product: Product, role: string): string {
  const hex = sha256Hex([product.productId, String(product.version), role].join('\u0000'));
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A reference inside the Bundle. `type` is set because a `urn:uuid:` reference does not name
 * the target's type (FHIR R4 Reference.type: for references that are not RESTful URLs).
 */
function referenceTo(e: Entry): fhir4.Reference {
  return { reference: e.fullUrl, type: e.resource.resourceType };
}

function patientOf(product: Product, subject: Product['subjects'][number]): fhir4.Patient {
  return {
    resourceType: 'Patient',
    extension: [{ url: SUBJECT_ROLE_EXTENSION_URL, valueCoding: { system: SYSTEMS.subjectRole, code: subject.role } }],
    identifier: [{ system: SYSTEMS.referralSubject, value: `${product.referralId}/${subject.ref}` }],
    name: [
      {
        ...(subject.name.use === undefined ? {} : { use: subject.name.use }),
        family: cleanText(subject.name.family),
        given: subject.name.given.map(cleanText),
      },
    ],
    ...(subject.birthDate === undefined ? {} : { birthDate: subject.birthDate }),
  };
}

function itemObservation(item: ProductItem, organization: Entry, subject: LinkedSubject | undefined): fhir4.Observation {
  const text = describeItem(item, subject?.name);
  const period = itemPeriod(item.content);
  const security = [confidentialityCoding(confidentialityOf(item.sensitivity)), ...(item.disposition === 'redacted' ? [{ ...REDACTED_CODING }] : [])];
  let effective: Pick<fhir4.Observation, 'effectiveDateTime' | 'effectivePeriod'> = {};
  if (period.end !== undefined) effective = { effectivePeriod: period };
  else if (period.start !== undefined) effective = { effectiveDateTime: period.start };
  return {
    resourceType: 'Observation',
    meta: { security },
    identifier: [{ system: SYSTEMS.item, value: item.itemId }],
    status: 'final',
    code: { coding: [{ system: SYSTEMS.itemKind, code: item.kind }], text: text.label },
    ...(subject === undefined ? {} : { subject: referenceTo(subject.patient) }),
    ...effective,
    issued: instant(item.source.retrievedAt),
    performer: [referenceTo(organization)],
    valueString: text.headline,
    ...(text.details.length === 0 ? {} : { note: text.details.map((line) => ({ text: line })) }),
  };
}

function decisionObservation(product: Product, hub: Entry, child: Entry | undefined): fhir4.Observation {
  const { decision } = product;
  const concept = (system: string, code: string, display: string): fhir4.CodeableConcept => ({ coding: [{ system, code, display }], text: display });
  return {
    resourceType: 'Observation',
    status: 'final',
    code: concept(SYSTEMS.decision, 'mash-decision', 'MASH decision'),
    ...(child === undefined ? {} : { subject: referenceTo(child) }),
    effectiveDateTime: instant(decision.decidedAt),
    issued: instant(decision.decidedAt),
    performer: [referenceTo(hub)],
    valueCodeableConcept: concept(SYSTEMS.rag, decision.rag, RAG_DISPLAY[decision.rag]),
    component: [
      { code: concept(SYSTEMS.decision, 'outcome', 'Outcome'), valueCodeableConcept: concept(SYSTEMS.outcome, decision.outcome, OUTCOME_DISPLAY[decision.outcome]) },
      { code: concept(SYSTEMS.decision, 'threshold', 'Threshold'), valueCodeableConcept: concept(SYSTEMS.threshold, product.threshold, THRESHOLD_DISPLAY[product.threshold]) },
    ],
    note: [{ text: cleanText(decision.rationale) }],
  };
}

function provenanceOf(items: readonly ProductItem[], observations: readonly Entry[], organization: Entry, hub: Entry, mark: ConfidentialityCode): fhir4.Provenance {
  const retrieved = items.map((item) => instant(item.source.retrievedAt)).sort();
  const sources = new Map(items.map((item) => [`${item.source.sourceSystem}\u0000${item.source.sourceRecordId}`, item.source]));
  const participant = (code: string, display: string): fhir4.CodeableConcept => ({ coding: [{ system: PARTICIPANT_TYPE_SYSTEM, code, display }] });
  return {
    resourceType: 'Provenance',
    meta: { security: [confidentialityCoding(mark)] },
    target: observations.map(referenceTo),
    occurredPeriod: { start: retrieved[0], end: retrieved[retrieved.length - 1] },
    // Recorded: when the hub retrieved the last of these items from the agency.
    recorded: retrieved[retrieved.length - 1] ?? '',
    policy: [...new Set(items.map((item) => lawfulBasisPolicy(item.source.lawfulBasis)))],
    agent: [
      { type: participant('author', 'Author'), who: referenceTo(organization) },
      { type: participant('assembler', 'Assembler'), who: referenceTo(hub) },
    ],
    entity: [...sources.values()].map((source) => ({
      role: 'source',
      what: {
        identifier: { value: cleanText(source.sourceRecordId), assigner: { display: cleanText(source.sourceSystem) } },
        display: cleanText(source.sourceSystem),
      },
    })),
  };
}

function sectionCode(code: string, display: string): fhir4.CodeableConcept {
  return { coding: [{ system: SYSTEMS.section, code, display }] };
}

function agencySection(
  agency: Agency,
  items: readonly { readonly item: ProductItem; readonly about: string | undefined }[],
  organization: Entry,
  observations: readonly Entry[],
  mark: ConfidentialityCode,
): fhir4.CompositionSection {
  const list = items.map(({ item, about }) => itemListEntry(item, describeItem(item, about))).join('');
  return {
    ...(mark === 'N' ? {} : { extension: [{ url: INLINE_SECURITY_LABEL_URL, valueCoding: confidentialityCoding(mark) }] }),
    title: AGENCY_DISPLAY[agency],
    code: sectionCode(`agency-${agency}`, `Released by ${AGENCY_DISPLAY[agency]}`),
    author: [referenceTo(organization)],
    text: narrative(`<p>${escapeXml(`${AGENCY_DISPLAY[agency]} released ${items.length} item${items.length === 1 ? '' : 's'}.`)}</p><ul>${list}</ul>`),
    entry: observations.map(referenceTo),
  };
}

function decisionSection(product: Product, decision: Entry): fhir4.CompositionSection {
  const d = product.decision;
  return {
    title: 'Decision',
    code: sectionCode('decision', 'MASH decision'),
    text: narrative(
      paragraphs([
        `RAG rating: ${RAG_DISPLAY[d.rag]}`,
        `Outcome: ${OUTCOME_DISPLAY[d.outcome]}`,
        `Threshold: ${THRESHOLD_DISPLAY[product.threshold]}`,
        `Rationale: ${d.rationale}`,
        `Decided ${d.decidedAt} by ${d.decidedBy}`,
      ]),
    ),
    entry: [referenceTo(decision)],
  };
}

function subjectsSection(product: Product, patients: readonly Entry[]): fhir4.CompositionSection {
  const list = product.subjects
    .map((s) => {
      return `<li>${escapeXml(`${s.role}: ${displayName(s.name)}${s.birthDate === undefined ? '' : `, born ${s.birthDate}`}`)}</li>`;
    })
    .join('');
  return { title: 'Subjects', code: sectionCode('subjects', 'Subjects of the referral'), text: narrative(`<ul>${list}</ul>`), entry: patients.map(referenceTo) };
}

/**
 * Which agencies were checked and how completely, in the agencies' order: so that an agency with
 * no section is read as "checked, nothing released" only when that is what happened (DESIGN.md:
 * "honest partial pictures"). Counts and statements only, never content.
 */
function checksSection(checks: readonly AgencyCheck[]): fhir4.CompositionSection {
  const list = checks.map((check) => `<li>${escapeXml(check.statement)}</li>`).join('');
  const incomplete = checks.filter((check) => check.answer !== 'complete').map((check) => AGENCY_DISPLAY[check.agency]);
  const summary = incomplete.length === 0 ? 'Every agency was checked and every answer was complete.' : `Not a complete answer from: ${incomplete.join(', ')}.`;
  return { title: 'Agencies checked', code: sectionCode('checks', 'Agencies checked and how completely'), text: narrative(`${paragraphs([summary])}<ul>${list}</ul>`) };
}

/** DESIGN.md rule 5: that relevant information exists and whom to ask — never the content. */
function signpostsSection(product: Product): fhir4.CompositionSection {
  const lines = product.signposts.map((s) => {
    const count = `${s.itemCount} further item${s.itemCount === 1 ? '' : 's'}`;
    return `<li>${escapeXml(`${AGENCY_DISPLAY[s.agency]} holds ${count} relevant to this referral that it has not shared. ${s.note} Contact: ${s.contact}`)}</li>`;
  });
  const byDefault = product.withheldByDefault;
  const parts = [
    lines.length === 0 ? paragraphs(['No agency withheld information from this product.']) : `<ul>${lines.join('')}</ul>`,
    byDefault === undefined
      ? ''
      : paragraphs([`${byDefault.itemCount} item${byDefault.itemCount === 1 ? ' was' : 's were'} not decided by the owning agency before publication and ${byDefault.itemCount === 1 ? 'was' : 'were'} withheld by default. Rationale: ${byDefault.rationale}`]),
  ];
  return { title: 'Signposts', code: sectionCode('signposts', 'Signposts to withheld information'), text: narrative(parts.join('')) };
}
