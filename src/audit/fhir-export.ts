/**
 * The audit log as FHIR R4 AuditEvents, so a hub's security operations centre or an
 * IHE ATNA audit record repository can take our record in a standard shape. Pure: one entry in,
 * one AuditEvent out, deterministic.
 *
 * Aligned with IHE Basic Audit Log Patterns (BALP 1.1):
 * - case-content reads follow BALP "Read": type audit-event-type#rest, subtype
 *   restful-interaction#read, action R, the reader an agent with requestor true and their role;
 * - disclosures outside the hub — a product published, delivered to the host or read by it, an
 *   outcome notice to an agency — follow BALP "PrivacyDisclosure.Source": type DCM 110106 Export,
 *   subtype iso-21089-lifecycle#disclose, action R, a Source Role ID agent (the hub) and a
 *   Destination Role ID agent (the recipient), and a purposeOfEvent;
 * - changes to the case record use DICOM 110110 Patient Record with action C or U, lookups DCM
 *   110112 Query (action E), denials DCM 110113 Security Alert / 110132 Use of Restricted
 *   Function, failed logins DCM 110114 User Authentication / 110122 Login, and use of the audit
 *   log itself DCM 110101 Audit Log Used.
 * Every event also carries our own action code as a subtype, so no distinction is lost.
 *
 * Where we depart from BALP, and why: BALP's patient entity (a Reference(Patient)) and agents'
 * network addresses are not in our log — the log deliberately holds ids, hashes and counts, never
 * who the child is — so the referral (as a `Basic` identifier) stands where BALP puts the
 * patient, and the events do not claim the BALP profiles in `meta.profile`. Outcome follows DICOM
 * PS3.15 A.5: 0 success, 4 minor failure (a refused token, a lookup the lawful basis does not
 * allow), 8 serious failure (an access denied, a lookup or delivery that failed).
 *
 * Each event keeps its place in the hash chain (seq, hash, prevHash) in an extension, and the
 * entry's canonical detail as entity detail, so an event can be traced back to the signed log.
 */
/// <reference types="fhir" />
import { z } from 'zod';
import type { ChainEntry } from './chain.ts';
import type { AuditAction } from './log.ts';

/**
 * Root of the hub's own canonical URLs. The same placeholder base as src/host/fhir-codes.ts
 * (the audit layer may not import the host layer); canonical URLs need not resolve.
 */
export const MASH_FHIR_BASE = 'https://mash-gateway.invalid/fhir';

export const AUDIT_SYSTEMS = {
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  eventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  restfulInteraction: 'http://hl7.org/fhir/restful-interaction',
  lifecycle: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle',
  sourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  entityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  confidentiality: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  observationValue: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  /** Our action names, one code each. */
  action: `${MASH_FHIR_BASE}/CodeSystem/audit-action`,
  role: `${MASH_FHIR_BASE}/CodeSystem/role`,
  lawfulBasis: `${MASH_FHIR_BASE}/CodeSystem/lawful-basis`,
  purpose: `${MASH_FHIR_BASE}/CodeSystem/purpose-of-event`,
  principal: `${MASH_FHIR_BASE}/NamingSystem/principal`,
  referral: `${MASH_FHIR_BASE}/NamingSystem/referral`,
  item: `${MASH_FHIR_BASE}/NamingSystem/item`,
  lookup: `${MASH_FHIR_BASE}/NamingSystem/lookup`,
  product: `${MASH_FHIR_BASE}/NamingSystem/product`,
  connector: `${MASH_FHIR_BASE}/NamingSystem/connector`,
  recipient: `${MASH_FHIR_BASE}/NamingSystem/recipient`,
  outbox: `${MASH_FHIR_BASE}/NamingSystem/outbox-message`,
  agency: `${MASH_FHIR_BASE}/NamingSystem/agency`,
  /** The gateway itself, as the audit source and as the hub's agent in queries and disclosures. */
  device: `${MASH_FHIR_BASE}/NamingSystem/device`,
  auditLog: `${MASH_FHIR_BASE}/NamingSystem/audit-log`,
  subject: `${MASH_FHIR_BASE}/NamingSystem/audit-subject`,
} as const;

/** Extension on each AuditEvent: its entry's place in the hash chain (seq, hash, prevHash). */
export const AUDIT_CHAIN_EXTENSION_URL = `${MASH_FHIR_BASE}/StructureDefinition/audit-chain`;
/** The `entity.detail.type` under which an entry's canonical detail JSON travels. */
export const DETAIL_TYPE = 'mash-audit-detail';

/** Options of the mapping. */
export interface FhirExportOptions {
  /** The audit source's site: the hub's name. */
  readonly site: string;
}

type EventAction = 'C' | 'R' | 'U' | 'D' | 'E';
type Outcome = '0' | '4' | '8' | '12';
type Pattern = 'record' | 'read' | 'query' | 'disclosure' | 'security' | 'login' | 'audit-log';

interface Mapping {
  readonly pattern: Pattern;
  readonly type: fhir4.Coding;
  readonly subtype: readonly fhir4.Coding[];
  readonly action: EventAction;
}

const dcm = (code: string, display: string): fhir4.Coding => ({ system: AUDIT_SYSTEMS.dicom, code, display });
const REST: fhir4.Coding = { system: AUDIT_SYSTEMS.eventType, code: 'rest', display: 'Restful Operation' };
const READ: fhir4.Coding = { system: AUDIT_SYSTEMS.restfulInteraction, code: 'read', display: 'read' };
const CREATE: fhir4.Coding = { system: AUDIT_SYSTEMS.restfulInteraction, code: 'create', display: 'create' };
const DISCLOSE: fhir4.Coding = { system: AUDIT_SYSTEMS.lifecycle, code: 'disclose', display: 'Disclose Record Lifecycle Event' };
const PATIENT_RECORD = dcm('110110', 'Patient Record');
const EXPORT = dcm('110106', 'Export');

const record = (action: EventAction, ...subtype: fhir4.Coding[]): Mapping => ({ pattern: 'record', type: PATIENT_RECORD, subtype, action });
const disclosure: Mapping = { pattern: 'disclosure', type: EXPORT, subtype: [DISCLOSE], action: 'R' };

/** Every action of the log. A new AuditAction fails the type check here until it is mapped. */
const MAPPINGS: Readonly<Record<AuditAction, Mapping>> = {
  'referral.received': record('C', CREATE),
  'referral.picture-ready': record('U'),
  'referral.assigned': record('U'),
  'referral.decided': record('U'),
  'item.revealed': record('U'),
  'item.release-decided': record('U'),
  'referral.closed': record('U'),
  // A later research wave: household members found are looked up in their turn.
  'research.next-wave': record('U'),
  // A practitioner's decision on a person match changes who the case record is about.
  'identity.match-decided': record('U'),
  'identity.linked': record('U'),
  // The person index's model estimated again (activated or refused): the hub's own configuration changes.
  'person-index.model.estimated': { pattern: 'security', type: dcm('110113', 'Security Alert'), subtype: [dcm('110129', 'Security Configuration')], action: 'U' },
  'person-index.model.refused': { pattern: 'security', type: dcm('110113', 'Security Alert'), subtype: [dcm('110129', 'Security Configuration')], action: 'E' },
  // Retention: the case content is destroyed (crypto-shredded); the audit chain stays.
  'retention.destroyed': record('D'),
  'lookup.completed': { pattern: 'query', type: dcm('110112', 'Query'), subtype: [], action: 'E' },
  'lookup.not-permitted': { pattern: 'query', type: dcm('110112', 'Query'), subtype: [], action: 'E' },
  // A failed lookup queued to run again (recovery or reprocess): the query it repeats is logged when it completes.
  'lookup.rerun': record('U'),
  // A failed publication or notification queued to be sent again.
  'outbox.resend': disclosure,
  'picture.viewed': { pattern: 'read', type: REST, subtype: [READ], action: 'R' },
  // The revisions of an item's release decision, read from the confidential record.
  'item.history-viewed': { pattern: 'read', type: REST, subtype: [READ], action: 'R' },
  // Overridden to a disclosure when a host system reads (see eventMapping).
  'product.read': { pattern: 'read', type: REST, subtype: [READ], action: 'R' },
  // The manager reading the product publishing would build (the console's preview).
  'product.previewed': { pattern: 'read', type: REST, subtype: [READ], action: 'R' },
  'product.published': disclosure,
  'publication.delivered': disclosure,
  'publication.failed': disclosure,
  'feedback.queued': disclosure,
  'feedback.delivered': disclosure,
  'feedback.failed': disclosure,
  'connector.declared': { pattern: 'security', type: dcm('110113', 'Security Alert'), subtype: [dcm('110129', 'Security Configuration')], action: 'U' },
  // A live test of a connector an administrator ran (docs/decisions.md "Connector administration").
  'connector.tested': { pattern: 'security', type: dcm('110113', 'Security Alert'), subtype: [dcm('110129', 'Security Configuration')], action: 'E' },
  'access.denied': { pattern: 'security', type: dcm('110113', 'Security Alert'), subtype: [dcm('110132', 'Use of Restricted Function')], action: 'E' },
  'auth.failed': { pattern: 'login', type: dcm('110114', 'User Authentication'), subtype: [dcm('110122', 'Login')], action: 'E' },
  'audit.verified': { pattern: 'audit-log', type: dcm('110101', 'Audit Log Used'), subtype: [], action: 'E' },
  'audit.exported': { pattern: 'audit-log', type: dcm('110101', 'Audit Log Used'), subtype: [], action: 'R' },
};

/** Whether a stored action name is one this build knows. */
export const isAuditAction = (action: string): action is AuditAction => Object.hasOwn(MAPPINGS, action);

/** An action this build does not know (a newer log): recorded as application activity. */
const UNKNOWN: Mapping = { pattern: 'record', type: dcm('110100', 'Application Activity'), subtype: [], action: 'E' };

const DetailValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);
const Detail = z.record(z.string(), DetailValue);
type Detail = z.infer<typeof Detail>;

const text = (detail: Detail, key: string): string | undefined => {
  const value = detail[key];
  return typeof value === 'string' ? value : undefined;
};
const list = (detail: Detail, key: string): readonly string[] => {
  const value = detail[key];
  return Array.isArray(value) ? value : [];
};

const RESTRICTED: fhir4.Coding = { system: AUDIT_SYSTEMS.confidentiality, code: 'R', display: 'restricted' };
const REDACTED: fhir4.Coding = { system: AUDIT_SYSTEMS.observationValue, code: 'REDACTED', display: 'redacted' };
const SYSTEM_OBJECT: fhir4.Coding = { system: AUDIT_SYSTEMS.entityType, code: '2', display: 'System Object' };
const PERSON: fhir4.Coding = { system: AUDIT_SYSTEMS.entityType, code: '1', display: 'Person' };
const OTHER: fhir4.Coding = { system: AUDIT_SYSTEMS.entityType, code: '4', display: 'Other' };
const objectRole = (code: string, display: string): fhir4.Coding => ({ system: AUDIT_SYSTEMS.objectRole, code, display });
const DOMAIN_RESOURCE = objectRole('4', 'Domain Resource');
const REPORT = objectRole('3', 'Report');
const QUERY = objectRole('24', 'Query');
const USER = objectRole('6', 'User');
const SECURITY_RESOURCE = objectRole('13', 'Security Resource');
const SOURCE_ROLE = dcm('110153', 'Source Role ID');
const DESTINATION_ROLE = dcm('110152', 'Destination Role ID');
const APPLICATION = dcm('110150', 'Application');

const identified = (system: string, value: string, type?: string): fhir4.Reference => ({ identifier: { system, value }, ...(type === undefined ? {} : { type }) });
const entity = (what: fhir4.Reference, type: fhir4.Coding, role: fhir4.Coding | undefined, securityLabel?: readonly fhir4.Coding[]): fhir4.AuditEventEntity => ({
  what,
  type,
  ...(role === undefined ? {} : { role }),
  ...(securityLabel === undefined || securityLabel.length === 0 ? {} : { securityLabel: [...securityLabel] }),
});
const caseItem = (itemId: string): fhir4.AuditEventEntity => entity(identified(AUDIT_SYSTEMS.item, itemId), SYSTEM_OBJECT, DOMAIN_RESOURCE, [RESTRICTED]);

function eventMapping(entry: ChainEntry, detail: Detail): Mapping {
  if (!isAuditAction(entry.action)) return UNKNOWN;
  // A host reading a published product is a disclosure outside the hub; the manager's read is not.
  if (entry.action === 'product.read' && text(detail, 'role') === 'host-system') return { ...disclosure, subtype: [DISCLOSE, READ] };
  return MAPPINGS[entry.action];
}

function outcomeOf(entry: ChainEntry, detail: Detail): { readonly outcome: Outcome; readonly description?: string } {
  switch (entry.action) {
    case 'access.denied':
      return { outcome: '8', description: text(detail, 'reason') ?? 'access denied' };
    case 'auth.failed':
      return { outcome: '4', description: 'the bearer token was refused' };
    case 'lookup.not-permitted':
      return { outcome: '4', description: text(detail, 'reason') ?? 'the lawful basis does not allow this lookup' };
    case 'lookup.completed': {
      const status = text(detail, 'status');
      if (status === 'done') return { outcome: '0' };
      // Answered, but cut short: a minor failure (FHIR R4 AuditEvent.outcome 4), with the reason in counts.
      if (status === 'partial') return { outcome: '4', description: 'lookup partial: the answer was cut short (candidate cap, page cap or the agency\'s own limit)' };
      return { outcome: '8', description: `lookup ${status ?? 'did not complete'}` };
    }
    case 'publication.failed':
    case 'feedback.failed':
      return { outcome: '8', description: text(detail, 'reason') ?? 'delivery failed' };
    default:
      return { outcome: '0' };
  }
}

const isSystemActor = (actor: string): boolean => actor.startsWith('system:');

/** The agent who did it: requestor, with their role when the entry names one. */
function actorAgent(entry: ChainEntry, detail: Detail, mapping: Mapping, recipient: boolean): fhir4.AuditEventAgent {
  const role = text(detail, 'role');
  const type: fhir4.Coding | undefined = recipient
    ? DESTINATION_ROLE
    : isSystemActor(entry.actor)
      ? APPLICATION
      : entry.actor === 'anonymous'
        ? undefined
        : mapping.action === 'R' && mapping.pattern === 'read'
          ? { system: AUDIT_SYSTEMS.participationType, code: 'IRCP', display: 'information recipient' }
          : { system: AUDIT_SYSTEMS.participationType, code: 'AUT', display: 'author (originator)' };
  return {
    ...(type === undefined ? {} : { type: { coding: [type] } }),
    ...(role === undefined ? {} : { role: [{ coding: [{ system: AUDIT_SYSTEMS.role, code: role }] }] }),
    who: identified(AUDIT_SYSTEMS.principal, entry.actor),
    requestor: true,
  };
}

/**
 * One audit entry as a FHIR R4 AuditEvent. The entry's detail is read leniently: a detail that
 * is not the JSON object we write (a tampered log) still yields an event, with the raw text.
 */
export function toAuditEvent(entry: ChainEntry, options: FhirExportOptions): fhir4.AuditEvent {
  let parsed: Detail = {};
  try {
    const result = Detail.safeParse(JSON.parse(entry.detail));
    if (result.success) parsed = result.data;
  } catch {
    // Not JSON: the raw text still travels in the entity detail below.
  }
  const detail = parsed;
  const mapping = eventMapping(entry, detail);
  const { outcome, description } = outcomeOf(entry, detail);
  const observer: fhir4.Reference = { ...identified(AUDIT_SYSTEMS.device, 'mash-gateway', 'Device'), display: options.site };
  const hubAgent = (type: fhir4.Coding): fhir4.AuditEventAgent => ({ type: { coding: [type] }, who: observer, requestor: false });

  const agents: fhir4.AuditEventAgent[] = [];
  const entities: fhir4.AuditEventEntity[] = [];
  let purpose: fhir4.Coding | undefined;
  const hostReads = entry.action === 'product.read' && mapping.pattern === 'disclosure';
  agents.push(actorAgent(entry, detail, mapping, hostReads));

  if (entry.referralId !== null) entities.push(entity(identified(AUDIT_SYSTEMS.referral, entry.referralId, 'Basic'), SYSTEM_OBJECT, DOMAIN_RESOURCE, [RESTRICTED]));

  switch (mapping.pattern) {
    case 'query': {
      // The hub asks (Destination Role ID, as BALP's client); the agency's system answers (Source Role ID).
      const connectorId = text(detail, 'connectorId');
      const agency = text(detail, 'agency');
      agents.push(hubAgent(DESTINATION_ROLE));
      if (connectorId !== undefined) agents.push({ type: { coding: [SOURCE_ROLE] }, who: { ...identified(AUDIT_SYSTEMS.connector, connectorId), ...(agency === undefined ? {} : { display: agency }) }, requestor: false });
      if (entry.subject !== null) entities.push(entity(identified(AUDIT_SYSTEMS.lookup, entry.subject), SYSTEM_OBJECT, QUERY));
      const basis = text(detail, 'lawfulBasis');
      if (basis !== undefined) purpose = { system: AUDIT_SYSTEMS.lawfulBasis, code: basis };
      break;
    }
    case 'read':
      agents.push(hubAgent(SOURCE_ROLE));
      if (entry.action === 'picture.viewed') entities.push(...list(detail, 'itemIds').map(caseItem));
      if (entry.action === 'item.history-viewed' && entry.subject !== null) entities.push(caseItem(entry.subject));
      if (entry.action === 'product.read' && entry.subject !== null) entities.push(entity(identified(AUDIT_SYSTEMS.product, entry.subject), SYSTEM_OBJECT, REPORT, [RESTRICTED]));
      break;
    case 'disclosure': {
      agents.push(hubAgent(SOURCE_ROLE));
      purpose = { system: AUDIT_SYSTEMS.purpose, code: 'safeguarding', display: 'Safeguarding children: information shared by the MASH' };
      if (entry.action === 'product.published' || entry.action === 'product.read') {
        // Published products go to the host through the outbox (target "host"); a read's recipient is the reader.
        if (entry.action === 'product.published') agents.push({ type: { coding: [DESTINATION_ROLE] }, who: identified(AUDIT_SYSTEMS.recipient, 'host'), requestor: false });
        const redacted = list(detail, 'redactedItemIds');
        if (entry.subject !== null) entities.push(entity(identified(AUDIT_SYSTEMS.product, entry.subject), SYSTEM_OBJECT, REPORT, redacted.length > 0 ? [RESTRICTED, REDACTED] : [RESTRICTED]));
        entities.push(...list(detail, 'releasedItemIds').map((id) => entity(identified(AUDIT_SYSTEMS.item, id), SYSTEM_OBJECT, DOMAIN_RESOURCE, redacted.includes(id) ? [RESTRICTED, REDACTED] : [RESTRICTED])));
      } else if (entry.subject !== null) {
        // Outbox deliveries and notices: the subject is the target (the host, or an agency's connector).
        agents.push({ type: { coding: [DESTINATION_ROLE] }, who: identified(AUDIT_SYSTEMS.recipient, entry.subject), requestor: false });
      }
      const outboxId = text(detail, 'outbox');
      if (outboxId !== undefined) entities.push(entity(identified(AUDIT_SYSTEMS.outbox, outboxId), SYSTEM_OBJECT, REPORT));
      break;
    }
    case 'record':
      if (entry.action === 'item.revealed' || entry.action === 'item.release-decided') {
        if (entry.subject !== null) entities.push(caseItem(entry.subject));
      } else if (entry.action === 'referral.assigned') {
        if (entry.subject !== null) entities.push(entity(identified(AUDIT_SYSTEMS.principal, entry.subject), PERSON, USER));
      } else if (entry.subject !== null) {
        entities.push(entity(identified(AUDIT_SYSTEMS.subject, entry.subject), OTHER, undefined));
      }
      break;
    case 'security':
      if ((entry.action === 'connector.declared' || entry.action === 'connector.tested') && entry.subject !== null) entities.push(entity(identified(AUDIT_SYSTEMS.connector, entry.subject), SYSTEM_OBJECT, SECURITY_RESOURCE));
      else if (entry.subject !== null) entities.push(entity(identified(AUDIT_SYSTEMS.subject, entry.subject), OTHER, undefined));
      break;
    case 'login':
      if (entry.subject !== null) entities.push(entity(identified(AUDIT_SYSTEMS.subject, entry.subject), OTHER, undefined));
      break;
    case 'audit-log':
      entities.push(entity(identified(AUDIT_SYSTEMS.auditLog, 'mash-audit'), SYSTEM_OBJECT, SECURITY_RESOURCE));
      break;
    default:
      mapping.pattern satisfies never;
  }
  if (entities.length === 0) entities.push(entity(identified(AUDIT_SYSTEMS.subject, entry.action), OTHER, undefined));
  // The entry's own detail (ids, hashes, counts) goes with its first entity, exactly as hashed.
  const [first, ...rest] = entities;
  const withDetail: fhir4.AuditEventEntity[] = first === undefined ? [] : [{ ...first, detail: [{ type: DETAIL_TYPE, valueString: entry.detail }] }, ...rest];
  const agency = entry.agency ?? text(detail, 'agency');

  return {
    resourceType: 'AuditEvent',
    id: `mash-audit-${entry.seq}`,
    meta: { security: [RESTRICTED] },
    extension: [
      {
        url: AUDIT_CHAIN_EXTENSION_URL,
        extension: [
          { url: 'seq', valueString: String(entry.seq) },
          { url: 'hash', valueString: entry.hash },
          { url: 'prevHash', valueString: entry.prevHash },
        ],
      },
    ],
    type: mapping.type,
    subtype: [...mapping.subtype, { system: AUDIT_SYSTEMS.action, code: entry.action }],
    action: mapping.action,
    recorded: entry.at,
    outcome,
    ...(description === undefined ? {} : { outcomeDesc: description }),
    ...(purpose === undefined ? {} : { purposeOfEvent: [{ coding: [purpose] }] }),
    agent: agents,
    source: {
      site: options.site,
      observer,
      type: [{ system: AUDIT_SYSTEMS.sourceType, code: '4', display: 'Application Server' }],
    },
    entity: agency === undefined ? withDetail : [...withDetail, entity({ ...identified(AUDIT_SYSTEMS.agency, agency, 'Organization') }, { system: AUDIT_SYSTEMS.entityType, code: '3', display: 'Organization' }, undefined)],
  };
}

/** One NDJSON line (`application/fhir+ndjson`): the event as compact JSON and a newline. */
export const toFhirNdjsonLine = (entry: ChainEntry, options: FhirExportOptions): string => `${JSON.stringify(toAuditEvent(entry, options))}\n`;
