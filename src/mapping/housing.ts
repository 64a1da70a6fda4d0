/**
 * Housing mapping: records from the housing REST adapter → facts with provenance.
 *
 * Why this file exists: housing officers are often the only agency inside the home, and what
 * they hold — who lives there, arrears and possession action, anti-social behaviour,
 * homelessness, UKHDS person alerts — must reach the hub in the common model. This is the one
 * place that knows how each housing record becomes a fact. Pure: no I/O, no clock; the same
 * records and context always give the same facts with the same ids (CONVENTIONS.md §6).
 *
 * Mapping decisions:
 * - Person → PersonFact `Person/<personRef>`: the housing person reference as a `local`
 *   identifier (issuer: the connector's source system), the UPRN on the address.
 * - Tenancy → EventFact 'tenancy' on the lead tenant (the tenancy is the household's, and the
 *   lead tenant holds it). Every other member → a PersonFact of their own and a
 *   RelationshipFact from each candidate: 'household-member', except where the record itself
 *   states the tie — the lead tenant's partner is 'partner', and the lead tenant is 'parent'
 *   of a member recorded as their child (and a member recorded as the lead's parent is the
 *   lead's 'parent'). Siblings are not inferred: "child of the lead tenant" may be a step-child.
 * - Rent account → one EventFact 'other' per arrears balance (> £0) in its history, the
 *   amount in the summary, on the first account holder.
 * - Notices → EventFact 'eviction' for every step of the possession process — NOSP, NTQ,
 *   possession order, warrant — on the first tenant served. The model has no "notice" kind,
 *   and a NOSP or NTQ is the legal start of an eviction, which is what a safeguarding reader
 *   needs to see; the summary names the notice and `status` its stage ("served", "withdrawn"
 *   …), so a notice is never read as a completed eviction.
 * - ASB case → EventFact 'incident' on the candidate who is a party, with their role.
 * - Homelessness application → EventFact 'referral' when a public authority referred the
 *   household under the duty to refer (Housing Act 1996 s213B), otherwise 'other' (the
 *   household approached the council itself); on the applicant.
 * - UKHDS person alert → FlagFact, `flagKind` the UKHDS sub-code (e.g. 'SAF2.02').
 *
 * Sensitivity, from the housing system's own markings:
 * - records: `restrictedAccess: true` → restricted; `OFFICIAL-SENSITIVE` → sensitive;
 *   `OFFICIAL` or no marking → open.
 * - alerts (UKHDS `confidentiality_level`): Confidential → restricted; Restricted and Private
 *   → sensitive; Public → open. Safeguarding alerts (category SAF) and alerts holding GDPR
 *   special category data are at least sensitive, whatever their level: safeguarding alerts
 *   default to sensitive.
 */
import type {
  HousingAsbCase,
  HousingHomelessnessApplication,
  HousingNotice,
  HousingPerson,
  HousingRaw,
  HousingRentAccount,
  HousingTenancy,
  HousingTenancyMember,
  RelationshipToLeadTenant,
  UkhdsPersonAlert,
} from '../adapters/housing/types.ts';
import { stableId } from '../lib/ids.ts';
import type { Sensitivity } from '../model/agency.ts';
import type { EventFact, Fact, FlagFact, PersonFact, RelationshipFact } from '../model/fact.ts';
import type { Address, HumanName, Period } from '../model/person.ts';
import type { Provenance } from '../model/provenance.ts';
import type { MappingContext } from './context.ts';

type EventKind = EventFact['eventKind'];

/** Maps everything the housing adapter found to facts. */
export function mapHousing(raw: HousingRaw, ctx: MappingContext): Fact[] {
  const facts: Fact[] = [];
  const seen = new Set<string>();
  const add = (fact: Fact | undefined): void => {
    if (fact !== undefined && !seen.has(fact.id)) {
      seen.add(fact.id);
      facts.push(fact);
    }
  };
  // Candidates first: their full records win over the sketch a tenancy gives of a member.
  for (const records of raw.persons) add(personFact(records.person, ctx));

  const tenancyByRef = new Map<string, HousingTenancy>();
  for (const records of raw.persons) {
    const candidate = records.person;
    for (const tenancy of records.tenancies) {
      tenancyByRef.set(tenancy.tenancyRef, tenancy);
      add(tenancyFact(tenancy, candidate, ctx));
      for (const fact of tenancyHousehold(tenancy, candidate, ctx)) add(fact);
    }
    for (const asbCase of records.asbCases) add(asbFact(asbCase, candidate, ctx));
    for (const application of records.homelessnessApplications) {
      add(homelessnessFact(application, ctx));
      for (const fact of applicationHousehold(application, candidate, ctx)) add(fact);
    }
    for (const alert of records.alerts) add(alertFact(alert, candidate, ctx));
  }

  for (const records of raw.tenancies) {
    const tenancy = tenancyByRef.get(records.tenancyRef);
    const fallback = raw.persons.find((p) => p.tenancies.some((t) => t.tenancyRef === records.tenancyRef))?.person.personRef;
    const leadRef = (tenancy === undefined ? undefined : leadTenant(tenancy)?.personRef) ?? fallback;
    for (const account of records.rentAccounts) for (const fact of arrearsFacts(account, account.accountHolders[0] ?? leadRef, ctx)) add(fact);
    for (const notice of records.notices) add(noticeFact(notice, notice.servedOn[0] ?? leadRef, ctx));
  }
  return facts;
}

// ---------------------------------------------------------------------------------------------
// People and households
// ---------------------------------------------------------------------------------------------

const OTHER_NAME_USE: Readonly<Record<NonNullable<HousingPerson['otherNames'][number]['type']>, HumanName['use']>> = {
  alias: undefined,
  'known-as': 'nickname',
  previous: 'old',
  maiden: 'maiden',
};

/** A person as any housing record names them. */
interface NamedPerson {
  readonly personRef: string;
  readonly forenames?: readonly string[];
  readonly surname?: string;
  readonly dateOfBirth?: string | undefined;
}

/** Person → PersonFact; undefined when the record carries no usable name. */
export function personFact(person: HousingPerson, ctx: MappingContext): PersonFact | undefined {
  const others = person.otherNames.map((n) => humanName(n.forenames, n.surname, n.type === undefined ? undefined : OTHER_NAME_USE[n.type])).filter((n) => n !== undefined);
  const address = person.currentAddress === undefined ? undefined : toAddress(person.currentAddress);
  return memberFact(person, markingSensitivity(person), person.updatedAt, ctx, { others, sex: person.sex, addresses: address === undefined ? [] : [address] });
}

/** A PersonFact from a name, birth date and what else the record gives (a household member: nothing else). */
function memberFact(member: NamedPerson, sensitivity: Sensitivity, updatedAt: string | undefined, ctx: MappingContext, more: { others?: HumanName[]; sex?: PersonFact['sex']; addresses?: Address[] } = {}): PersonFact | undefined {
  const name = humanName(member.forenames ?? [], member.surname ?? '', 'official');
  if (name === undefined) return undefined;
  const sourceRecordId = personRecordId(member.personRef);
  return {
    id: factId(ctx, sourceRecordId, 'person'),
    kind: 'person',
    personRef: sourceRecordId,
    provenance: provenance(ctx, sourceRecordId, updatedAt, sensitivity),
    names: [name, ...(more.others ?? [])],
    ...optional('birthDate', member.dateOfBirth),
    ...optional('sex', more.sex),
    identifiers: [{ system: 'local', value: member.personRef, issuer: clip(ctx.sourceSystem, 120) }],
    addresses: more.addresses ?? [],
  };
}

/** The tenancy's other members as persons, each tied to the candidate. */
function tenancyHousehold(tenancy: HousingTenancy, candidate: HousingPerson, ctx: MappingContext): Fact[] {
  const self = tenancy.members.find((m) => m.personRef === candidate.personRef);
  if (self === undefined) return [];
  const sensitivity = markingSensitivity(tenancy);
  const facts: Fact[] = [];
  for (const member of tenancy.members) {
    if (member.personRef === candidate.personRef) continue;
    const person = memberFact(member, sensitivity, tenancy.updatedAt, ctx);
    if (person !== undefined) facts.push(person);
    const relationship = householdRelationship(tieToLead(self), tieToLead(member));
    const sourceRecordId = `Tenancy/${tenancy.tenancyRef}/members/${candidate.personRef}/${member.personRef}`;
    const period = { ...optional('start', member.startDate ?? tenancy.startDate), ...optional('end', member.endDate ?? tenancy.endDate) };
    facts.push(relationshipFact(sourceRecordId, candidate.personRef, member, relationship, period, sensitivity, tenancy.updatedAt, ctx));
  }
  return facts;
}

/** The application's household (applicant included) as persons, tied to the candidate when the candidate is in it. */
function applicationHousehold(application: HousingHomelessnessApplication, candidate: HousingPerson, ctx: MappingContext): Fact[] {
  const sensitivity = markingSensitivity(application);
  const applicantTie: HouseholdTie = { isLead: true, relationship: 'self' };
  const people = [{ ...application.applicant, tie: applicantTie }, ...application.householdMembers.map((m) => ({ ...m, tie: { isLead: false, relationship: m.relationshipToApplicant } }))];
  const self = people.find((p) => p.personRef === candidate.personRef);
  if (self === undefined) return [];
  const facts: Fact[] = [];
  for (const other of people) {
    if (other.personRef === candidate.personRef) continue;
    const person = memberFact(other, sensitivity, application.updatedAt, ctx);
    if (person !== undefined) facts.push(person);
    const sourceRecordId = `HomelessnessApplication/${application.applicationRef}/members/${candidate.personRef}/${other.personRef}`;
    facts.push(relationshipFact(sourceRecordId, candidate.personRef, other, householdRelationship(self.tie, other.tie), { start: application.approachDate }, sensitivity, application.updatedAt, ctx));
  }
  return facts;
}

/** How one member stands to the household's head (the lead tenant, or the applicant). */
interface HouseholdTie {
  readonly isLead: boolean;
  readonly relationship: RelationshipToLeadTenant | undefined;
}

/**
 * The relationship of `other` to `self` as the record states it: the head's partner is
 * 'partner'; the head is 'parent' of a member recorded as their child; a member recorded as the
 * head's parent is the head's 'parent'. Anything else is 'household-member'.
 */
export function householdRelationship(self: HouseholdTie, other: HouseholdTie): RelationshipFact['relationship'] {
  if (self.isLead) return other.relationship === 'partner' ? 'partner' : other.relationship === 'parent' ? 'parent' : 'household-member';
  if (other.isLead) return self.relationship === 'partner' ? 'partner' : self.relationship === 'child' ? 'parent' : 'household-member';
  return 'household-member';
}

function tieToLead(member: HousingTenancyMember): HouseholdTie {
  const isLead = member.role === 'lead-tenant' || member.relationshipToLeadTenant === 'self';
  return { isLead, relationship: member.relationshipToLeadTenant };
}

function relationshipFact(sourceRecordId: string, fromRef: string, related: NamedPerson, relationship: RelationshipFact['relationship'], period: Period, sensitivity: Sensitivity, updatedAt: string | undefined, ctx: MappingContext): RelationshipFact {
  const relatedName = humanName(related.forenames ?? [], related.surname ?? '', undefined);
  const mappedPeriod: Period | undefined = period.start === undefined && period.end === undefined ? undefined : { ...optional('start', period.start), ...optional('end', period.end) };
  return {
    id: factId(ctx, sourceRecordId, 'relationship'),
    kind: 'relationship',
    personRef: personRecordId(fromRef),
    provenance: provenance(ctx, sourceRecordId, updatedAt, sensitivity),
    relationship,
    relatedRef: personRecordId(related.personRef),
    ...optional('relatedName', relatedName),
    ...optional('relatedBirthDate', related.dateOfBirth),
    ...optional('period', mappedPeriod),
  };
}

function leadTenant(tenancy: HousingTenancy): HousingTenancyMember | undefined {
  return tenancy.members.find((m) => m.role === 'lead-tenant') ?? tenancy.members.find((m) => m.relationshipToLeadTenant === 'self');
}

// ---------------------------------------------------------------------------------------------
// Chronology events
// ---------------------------------------------------------------------------------------------

const TENURE_LABEL: Readonly<Record<HousingTenancy['tenure'], string>> = {
  secure: 'Secure tenancy',
  introductory: 'Introductory tenancy',
  flexible: 'Flexible tenancy',
  assured: 'Assured tenancy',
  'assured-shorthold': 'Assured shorthold tenancy',
  demoted: 'Demoted tenancy',
  'temporary-accommodation': 'Temporary accommodation',
  licence: 'Licence',
};

const ROLE_LABEL: Readonly<Record<HousingTenancyMember['role'], string>> = { 'lead-tenant': 'lead tenant', 'joint-tenant': 'joint tenant', 'household-member': 'household member' };

/** Tenancy → EventFact 'tenancy', on the lead tenant (else the candidate). */
function tenancyFact(tenancy: HousingTenancy, candidate: HousingPerson, ctx: MappingContext): EventFact {
  const where = addressText(tenancy.address);
  const members = tenancy.members.map((m) => `${nameText(m.forenames, m.surname)} (${ROLE_LABEL[m.role]})`).join(', ');
  return eventFact(`Tenancy/${tenancy.tenancyRef}`, 'tenancy', leadTenant(tenancy)?.personRef ?? candidate.personRef, ctx, {
    date: tenancy.startDate,
    endDate: tenancy.endDate,
    summary: `${TENURE_LABEL[tenancy.tenure]} ${tenancy.tenancyRef}${where === '' ? '' : ` at ${where}`} (${tenancy.members.length} in household)`,
    detail: [`Household: ${members}.`, tenancy.endReason === undefined ? undefined : `Ended: ${tenancy.endReason}.`].filter((d) => d !== undefined).join(' '),
    status: tenancy.status,
    sensitivity: markingSensitivity(tenancy),
    updatedAt: tenancy.updatedAt,
  });
}

/** Each arrears balance in a rent account's history → EventFact 'other' with the amount. */
function arrearsFacts(account: HousingRentAccount, personRef: string | undefined, ctx: MappingContext): EventFact[] {
  if (personRef === undefined) return [];
  const entries = account.arrearsHistory.filter((e) => e.arrearsBalance > 0);
  const facts = entries.map((entry) =>
    eventFact(`RentAccount/${account.accountRef}/arrears/${entry.entryId}`, 'other', personRef, ctx, {
      date: entry.date,
      summary: `Rent arrears of ${pounds(entry.arrearsBalance)} on tenancy ${account.tenancyRef}`,
      detail: entry.note,
      status: undefined,
      sensitivity: entry.protectiveMarking === undefined && entry.restrictedAccess === undefined ? markingSensitivity(account) : markingSensitivity(entry),
      updatedAt: account.updatedAt,
    }),
  );
  if (entries.length === 0 && account.currentArrears > 0) {
    facts.push(
      eventFact(`RentAccount/${account.accountRef}/arrears/current`, 'other', personRef, ctx, {
        date: account.balanceDate,
        summary: `Rent arrears of ${pounds(account.currentArrears)} on tenancy ${account.tenancyRef}`,
        status: undefined,
        sensitivity: markingSensitivity(account),
        updatedAt: account.updatedAt,
      }),
    );
  }
  return facts;
}

const NOTICE_LABEL: Readonly<Record<HousingNotice['noticeType'], string>> = {
  NOSP: 'Notice of Seeking Possession',
  NTQ: 'Notice to Quit',
  'possession-order': 'Possession order',
  'warrant-of-possession': 'Warrant of possession',
};

/** A possession-process step → EventFact 'eviction' (see the header for why). */
function noticeFact(notice: HousingNotice, personRef: string | undefined, ctx: MappingContext): EventFact | undefined {
  if (personRef === undefined) return undefined;
  const verb = notice.noticeType === 'possession-order' ? 'granted' : notice.noticeType === 'warrant-of-possession' ? 'issued' : 'served';
  const arrears = notice.arrearsAtService === undefined ? '' : ` (arrears ${pounds(notice.arrearsAtService)})`;
  const detail = [notice.ground === undefined ? undefined : `Ground: ${notice.ground}.`, notice.expiryDate === undefined ? undefined : `Expires ${notice.expiryDate}.`, notice.description]
    .filter((d) => d !== undefined)
    .join(' ');
  return eventFact(`Notice/${notice.noticeRef}`, 'eviction', personRef, ctx, {
    date: notice.servedDate,
    endDate: notice.expiryDate,
    summary: `${NOTICE_LABEL[notice.noticeType]} ${verb} on tenancy ${notice.tenancyRef}${arrears}`,
    detail: detail === '' ? undefined : detail,
    status: notice.status,
    sensitivity: markingSensitivity(notice),
    updatedAt: notice.updatedAt,
  });
}

/** ASB case → EventFact 'incident' on the candidate, with their role in it. */
function asbFact(asbCase: HousingAsbCase, candidate: HousingPerson, ctx: MappingContext): EventFact {
  const role = asbCase.parties.find((p) => p.personRef === candidate.personRef)?.role;
  return eventFact(`AsbCase/${asbCase.caseRef}`, 'incident', candidate.personRef, ctx, {
    date: asbCase.openedDate,
    endDate: asbCase.closedDate,
    summary: `Anti-social behaviour case ${asbCase.caseRef}: ${asbCase.category.replace(/-/g, ' ')}${role === undefined ? '' : ` (${role.replace(/-/g, ' ')})`}`,
    detail: asbCase.description,
    status: asbCase.status,
    sensitivity: markingSensitivity(asbCase),
    updatedAt: asbCase.updatedAt,
  });
}

const DUTY_LABEL: Readonly<Record<HousingHomelessnessApplication['dutyOwed'], string>> = {
  prevention: 'prevention duty owed',
  relief: 'relief duty owed',
  main: 'main housing duty owed',
  'no-duty': 'no duty owed',
};

/** Homelessness application → 'referral' under the duty to refer, else 'other'; on the applicant. */
function homelessnessFact(application: HousingHomelessnessApplication, ctx: MappingContext): EventFact {
  const referred = application.referral?.dutyToRefer === true;
  const eventKind: EventKind = referred ? 'referral' : 'other';
  const by = application.referral === undefined ? '' : ` Referred by ${application.referral.referringAgency}${referred ? ' under the duty to refer' : ''}.`;
  return eventFact(`HomelessnessApplication/${application.applicationRef}`, eventKind, application.applicant.personRef, ctx, {
    date: application.approachDate,
    endDate: application.outcome === 'open' ? undefined : application.outcomeDate,
    summary: `Homelessness application: ${application.reasonForLoss.replace(/-/g, ' ')}; ${DUTY_LABEL[application.dutyOwed]}; outcome ${application.outcome.replace(/-/g, ' ')}`,
    detail: `${application.reasonText ?? ''}${by} Household of ${application.householdMembers.length + 1}.`.trim(),
    status: application.outcome,
    sensitivity: markingSensitivity(application),
    updatedAt: application.updatedAt,
  });
}

interface EventParts {
  readonly date: string;
  readonly endDate?: string | undefined;
  readonly summary: string;
  readonly detail?: string | undefined;
  readonly status: string | undefined;
  readonly sensitivity: Sensitivity;
  readonly updatedAt: string | undefined;
}

function eventFact(sourceRecordId: string, eventKind: EventKind, personRef: string, ctx: MappingContext, parts: EventParts): EventFact {
  return {
    id: factId(ctx, sourceRecordId, 'event'),
    kind: 'event',
    personRef: personRecordId(personRef),
    provenance: provenance(ctx, sourceRecordId, parts.updatedAt, parts.sensitivity),
    eventKind,
    date: parts.date,
    ...optional('endDate', parts.endDate),
    summary: clip(parts.summary, 500),
    ...optional('detail', parts.detail === undefined || parts.detail.trim() === '' ? undefined : clip(parts.detail.trim(), 4000)),
    ...optional('status', parts.status === undefined ? undefined : clip(parts.status, 60)),
  };
}

// ---------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------

/** Alert statuses that mean the alert no longer stands. */
const ENDED_STATUSES: ReadonlySet<string> = new Set(['Closed', 'Archived']);

/** UKHDS person alert → FlagFact with the UKHDS sub-code as its kind. */
function alertFact(alert: UkhdsPersonAlert, candidate: HousingPerson, ctx: MappingContext): FlagFact {
  const code = alert.person_alert_code;
  const sourceRecordId = `PersonAlert/${alert.person_alert_id}`;
  const name = code.alert_subname === undefined || code.alert_subname === null || code.alert_subname.trim() === '' ? code.alert_name : `${code.alert_name} — ${code.alert_subname}`;
  const description = alert.alert_description?.trim();
  const end = alert.end_date ?? undefined;
  const active = alert.is_active && !ENDED_STATUSES.has(alert.alert_status ?? 'Open');
  return {
    id: factId(ctx, sourceRecordId, 'flag'),
    kind: 'flag',
    personRef: personRecordId(candidate.personRef),
    provenance: provenance(ctx, sourceRecordId, alert.last_updated, alertSensitivity(alert)),
    flagKind: code.alert_subcode,
    summary: clip(`${code.alert_subcode} ${name}${description === undefined || description === '' ? '' : `: ${description}`}`, 500),
    period: { start: alert.start_date, ...optional('end', end) },
    status: active ? 'active' : 'inactive',
  };
}

// ---------------------------------------------------------------------------------------------
// Sensitivity, provenance, ids
// ---------------------------------------------------------------------------------------------

const RANK: Readonly<Record<Sensitivity, number>> = { open: 0, sensitive: 1, restricted: 2 };
const atLeast = (a: Sensitivity, b: Sensitivity): Sensitivity => (RANK[a] >= RANK[b] ? a : b);

/** A housing record's marking → sensitivity (see the header). */
export function markingSensitivity(record: { readonly protectiveMarking?: 'OFFICIAL' | 'OFFICIAL-SENSITIVE' | undefined; readonly restrictedAccess?: boolean | undefined }): Sensitivity {
  if (record.restrictedAccess === true) return 'restricted';
  return record.protectiveMarking === 'OFFICIAL-SENSITIVE' ? 'sensitive' : 'open';
}

const CONFIDENTIALITY: Readonly<Record<UkhdsPersonAlert['confidentiality_level'], Sensitivity>> = {
  Public: 'open',
  Private: 'sensitive',
  Restricted: 'sensitive',
  Confidential: 'restricted',
};

/** A UKHDS alert's confidentiality level → sensitivity, safeguarding and special category data at least sensitive. */
export function alertSensitivity(alert: UkhdsPersonAlert): Sensitivity {
  let sensitivity = CONFIDENTIALITY[alert.confidentiality_level];
  if (alert.person_alert_code.alert_code.startsWith('SAF')) sensitivity = atLeast(sensitivity, 'sensitive');
  const special = alert.special_category_data_type?.category_code;
  if (special !== undefined && special !== 'NONE') sensitivity = atLeast(sensitivity, 'sensitive');
  return sensitivity;
}

function factId(ctx: MappingContext, sourceRecordId: string, kind: Fact['kind']): string {
  return stableId('fact', ctx.lookupId, sourceRecordId, kind);
}

function provenance(ctx: MappingContext, sourceRecordId: string, updatedAt: string | undefined, sensitivity: Sensitivity): Provenance {
  return {
    agency: 'housing',
    connectorId: ctx.connectorId,
    sourceSystem: ctx.sourceSystem,
    sourceRecordId,
    lookupId: ctx.lookupId,
    retrievedAt: ctx.retrievedAt,
    ...optional('sourceUpdatedAt', updatedAt),
    lawfulBasis: ctx.lawfulBasis,
    sensitivity,
  };
}

const personRecordId = (personRef: string): string => `Person/${personRef}`;

// ---------------------------------------------------------------------------------------------
// Data types
// ---------------------------------------------------------------------------------------------

function humanName(forenames: readonly string[], surname: string, use: HumanName['use']): HumanName | undefined {
  const given = forenames.map((g) => g.trim()).filter((g) => g !== '').slice(0, 5).map((g) => clip(g, 100));
  const family = surname.trim();
  if (given.length === 0 || family === '') return undefined;
  return { given, family: clip(family, 100), ...optional('use', use) };
}

function nameText(forenames: readonly string[], surname: string): string {
  return [...forenames, surname].map((p) => p.trim()).filter((p) => p !== '').join(' ');
}

function toAddress(address: HousingTenancy['address']): Address | undefined {
  const lines = address.addressLines.map((l) => l.trim()).filter((l) => l !== '');
  const town = address.town?.trim();
  const postcode = address.postcode?.trim().toUpperCase();
  const mapped: Address = {
    lines,
    ...optional('town', town === undefined || town === '' ? undefined : town),
    ...optional('postcode', postcode === undefined || postcode === '' ? undefined : postcode),
    ...optional('uprn', address.uprn),
  };
  return mapped.lines.length > 0 || mapped.town !== undefined || mapped.postcode !== undefined || mapped.uprn !== undefined ? mapped : undefined;
}

function addressText(address: HousingTenancy['address']): string {
  const place = [address.town?.trim(), address.postcode?.trim()].filter((p) => p !== undefined && p !== '').join(' ');
  return [...address.addressLines.map((l) => l.trim()).filter((l) => l !== ''), ...(place === '' ? [] : [place])].join(', ');
}

/** "£1,240.00" — written out rather than through Intl, so the text never depends on the ICU build. */
export function pounds(amount: number): string {
  const pence = Math.round(amount * 100);
  const whole = Math.floor(pence / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `£${whole}.${String(pence % 100).padStart(2, '0')}`;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `{ key: value }` when value is defined, `{}` otherwise — keeps optional properties absent, not undefined. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  // TypeScript types a computed key as `string`; the object holds exactly `key`.
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
