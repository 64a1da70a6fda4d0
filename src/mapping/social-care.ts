/**
 * Children's social care mapping: records from the host case system's REST API (the social care
 * adapter's raw records) → facts with provenance.
 *
 * Why this file exists: the hub reasons over one common model (DESIGN.md "The common model"),
 * and the case system speaks in CIN census and SSDA903 terms. This is the one place that knows
 * that a contact is a `referral` event with its outcome, that assessments and section 47
 * enquiries are `assessment` events, that CIN and CP plans are `plan` events and an active CP
 * plan is also a `child-protection-plan` flag, that looked-after episodes are `looked-after`
 * events, and how the case system's record marking becomes the hub's sensitivity. Pure: no I/O,
 * no clock — the same records and context always give the same facts, with the same ids.
 *
 * The allocated worker is a FlagFact (`allocated-worker`): it is a standing state of the child
 * ("open to children's social care, allocated to a social worker in team X"), with a start and
 * no end while the case is open — which is what a flag is in the model — and it tells the hub
 * whom to signpost to. It names a team, a role and a worker id, never a worker's name.
 *
 * Sensitivity (the case system's `recordMarking` → the hub's sensitivity):
 * - `open` → open, `sensitive` → sensitive, `restricted` → restricted; any other marking →
 *   restricted (an unknown marking fails closed).
 * - No marking → open, except section 47 enquiries and child protection plans (and the CP flag),
 *   which are never below sensitive whatever their marking: they say a child was or is thought to
 *   be at risk of significant harm.
 * - Anything restricted stays restricted: a restricted person record makes every fact about that
 *   person restricted, whatever the marking of the individual record.
 */
import {
  ASSESSMENT_FACTOR,
  CATEGORY_OF_ABUSE,
  LEGAL_STATUS,
  OUTCOME,
  PLACEMENT_PROVIDER,
  PLACEMENT_TYPE,
  PRIMARY_NEED,
  REFERRAL_SOURCE,
  WORKER_ROLE,
} from '../adapters/social-care/codes.ts';
import type {
  ScAssessment,
  ScChildProtectionPlan,
  ScCinPlan,
  ScContact,
  ScLookedAfterEpisode,
  ScName,
  ScOutcome,
  ScPerson,
  ScRelationship,
  ScSection47,
  SocialCareRaw,
} from '../adapters/social-care/types.ts';
import type { Sensitivity } from '../model/agency.ts';
import type { EventFact, Fact, FlagFact, PersonFact, RelationshipFact } from '../model/fact.ts';
import type { Address, HumanName, Identifier, Sex } from '../model/person.ts';
import type { Provenance } from '../model/provenance.ts';
import type { MappingContext } from './context.ts';
import { SENSITIVITY_RANK, clip, factId, optional, provenanceFor } from './fact-parts.ts';

type RelationshipType = RelationshipFact['relationship'];
type EventKind = EventFact['eventKind'];

/**
 * Maps everything the social care adapter found to facts. Each candidate person yields a
 * PersonFact under `Person/<personId>` and their records yield events and flags; each
 * relationship yields a RelationshipFact and a (minimal) PersonFact for the related person, so
 * identity matching can find them elsewhere — unless that person was a candidate too, in which
 * case their full record's fact is kept.
 */
export function mapSocialCare(raw: SocialCareRaw, ctx: MappingContext): Fact[] {
  const facts: Fact[] = [];
  const seen = new Set<string>();
  const add = (fact: Fact | undefined): void => {
    if (fact !== undefined && !seen.has(fact.id)) {
      seen.add(fact.id);
      facts.push(fact);
    }
  };
  for (const records of raw.people) {
    const person = records.person;
    const about: Subject = { personRef: personRefOf(person.personId), restricted: marking(person.recordMarking) === 'restricted' };
    add(personFact(person, ctx));
    if (person.allocatedWorker !== undefined) add(allocationFlag(person, about, ctx));
    for (const contact of records.contacts) add(contactFact(contact, about, ctx));
    for (const assessment of records.assessments) add(assessmentFact(assessment, about, ctx));
    for (const enquiry of records.section47Enquiries) add(section47Fact(enquiry, about, ctx));
    for (const plan of records.cinPlans) add(cinPlanFact(plan, about, ctx));
    for (const plan of records.childProtectionPlans) {
      add(cpPlanFact(plan, about, ctx));
      add(cpPlanFlag(plan, about, ctx));
    }
    for (const episode of records.lookedAfterEpisodes) add(lookedAfterFact(episode, about, ctx));
    for (const link of records.relationships) add(relationshipFact(link, person, about, ctx));
  }
  // Second pass, so a candidate's full record wins over the summary another candidate's link gives.
  for (const records of raw.people) {
    for (const link of records.relationships) add(relatedPersonFact(link, ctx));
  }
  return facts;
}

/** Whom a record is about, and whether their whole record is restricted. */
interface Subject {
  readonly personRef: string;
  readonly restricted: boolean;
}

const personRefOf = (personId: string): string => `Person/${personId}`;

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

/** Person → PersonFact: names and known-as names, birth date, sex, NHS number, UPN, case-system id, address; undefined without a usable name. */
export function personFact(person: ScPerson, ctx: MappingContext): PersonFact | undefined {
  const sourceRecordId = personRefOf(person.personId);
  const address = toAddress(person.address);
  const names = uniqueNames([person.name, ...person.knownAs]);
  if (names.length === 0) return undefined;
  return {
    id: factId(ctx, sourceRecordId, 'person'),
    kind: 'person',
    personRef: sourceRecordId,
    provenance: provenance(ctx, sourceRecordId, person.lastUpdated, sensitivityOf(person.recordMarking, 'open')),
    names,
    ...optional('birthDate', person.personBirthDate),
    ...optional('sex', SEX_BY_GENDER_CURRENT.get(person.genderCurrent)),
    identifiers: identifiers(person, ctx),
    addresses: address === undefined ? [] : [address],
  };
}

/** CIN census GenderCurrent: 1 male, 2 female, 0 not recorded, 9 indeterminate. */
const SEX_BY_GENDER_CURRENT: ReadonlyMap<string, Sex> = new Map([['1', 'male'], ['2', 'female'], ['0', 'unknown'], ['9', 'other']]);

function identifiers(person: ScPerson, ctx: MappingContext): Identifier[] {
  return [
    ...(person.nhsNumber === undefined ? [] : [{ system: 'nhs-number' as const, value: person.nhsNumber }]),
    ...(person.upn === undefined ? [] : [{ system: 'upn' as const, value: person.upn.toUpperCase() }]),
    // The case system's own id, issued by the system the connector names.
    { system: 'local', value: person.personId, issuer: clip(ctx.sourceSystem, 120) },
  ];
}

/** The related person as the link names them: enough for identity matching to look for them. */
function relatedPersonFact(link: ScRelationship, ctx: MappingContext): PersonFact | undefined {
  const related = link.relatedPerson;
  const sourceRecordId = personRefOf(related.personId);
  const name = humanName(related.name);
  if (name === undefined) return undefined;
  return {
    id: factId(ctx, sourceRecordId, 'person'),
    kind: 'person',
    personRef: sourceRecordId,
    provenance: provenance(ctx, sourceRecordId, link.lastUpdated, sensitivityOf(link.recordMarking, 'open')),
    names: [name],
    ...optional('birthDate', related.personBirthDate),
    identifiers: [{ system: 'local', value: related.personId, issuer: clip(ctx.sourceSystem, 120) }],
    addresses: [],
  };
}

/**
 * What the related person is to the person asked about → a RelationshipFact read "relatedRef is
 * <relationship> of personRef". `child` and `step-child` links are turned round, so a
 * parent–child link gives the same fact from either end. Mothers, fathers and parents are
 * `parent`; step-parents and carers `carer`; grandparents (and grandchildren) `other`.
 */
const RELATIONSHIP_BY_CODE: ReadonlyMap<string, { readonly type: RelationshipType; readonly flip: boolean }> = new Map([
  ['mother', { type: 'parent', flip: false }],
  ['father', { type: 'parent', flip: false }],
  ['parent', { type: 'parent', flip: false }],
  ['step-parent', { type: 'carer', flip: false }],
  ['carer', { type: 'carer', flip: false }],
  ['child', { type: 'parent', flip: true }],
  ['step-child', { type: 'carer', flip: true }],
  ['sibling', { type: 'sibling', flip: false }],
  ['partner', { type: 'partner', flip: false }],
  ['household-member', { type: 'household-member', flip: false }],
  ['grandparent', { type: 'other', flip: false }],
  ['grandchild', { type: 'other', flip: true }],
]);

function relationshipFact(link: ScRelationship, person: ScPerson, about: Subject, ctx: MappingContext): RelationshipFact {
  const sourceRecordId = `Relationship/${link.id}`;
  const mapped = RELATIONSHIP_BY_CODE.get(link.relationship) ?? { type: 'other', flip: false };
  const related = link.relatedPerson;
  const ends = mapped.flip
    ? { personRef: personRefOf(related.personId), relatedRef: about.personRef, relatedName: person.name, relatedBirthDate: person.personBirthDate }
    : { personRef: about.personRef, relatedRef: personRefOf(related.personId), relatedName: related.name, relatedBirthDate: related.personBirthDate };
  return {
    id: factId(ctx, sourceRecordId, 'relationship'),
    kind: 'relationship',
    personRef: ends.personRef,
    provenance: provenance(ctx, sourceRecordId, link.lastUpdated, sensitivityOf(link.recordMarking, 'open', about)),
    relationship: mapped.type,
    relatedRef: ends.relatedRef,
    ...optional('relatedName', humanName(ends.relatedName)),
    ...optional('relatedBirthDate', ends.relatedBirthDate),
  };
}

// ---------------------------------------------------------------------------------------------
// Chronology events and flags
// ---------------------------------------------------------------------------------------------

/** Contact or referral → EventFact 'referral': who it came from, what it said, what it led to. */
function contactFact(contact: ScContact, about: Subject, ctx: MappingContext): EventFact {
  const kind = contact.recordType === 'referral' ? 'Referral' : 'Contact';
  const need = contact.primaryNeedCode === undefined ? undefined : `Primary need: ${codeLabel(PRIMARY_NEED, contact.primaryNeedCode)}.`;
  return eventFact(`Contact/${contact.id}`, 'referral', about, ctx, {
    marking: contact.recordMarking,
    floor: 'open',
    updated: contact.lastUpdated,
    date: contact.date,
    head: `${kind} from ${codeLabel(REFERRAL_SOURCE, contact.referralSource, 'source')}`,
    text: contact.summary,
    outcome: contact.outcome,
    detail: need,
  });
}

/** Child and family assessment → EventFact 'assessment', ending when it was authorised; factors in the detail. */
function assessmentFact(assessment: ScAssessment, about: Subject, ctx: MappingContext): EventFact {
  const factors = assessment.factorsIdentifiedAtAssessment.map((f) => codeLabel(ASSESSMENT_FACTOR, f, 'factor'));
  return eventFact(`Assessment/${assessment.id}`, 'assessment', about, ctx, {
    marking: assessment.recordMarking,
    floor: 'open',
    updated: assessment.lastUpdated,
    date: assessment.assessmentActualStartDate,
    endDate: assessment.assessmentAuthorisationDate,
    head: 'Child and family assessment',
    text: assessment.summary,
    outcome: assessment.outcome,
    detail: factors.length === 0 ? undefined : `Factors identified at assessment: ${factors.join('; ')}.`,
    status: assessment.assessmentAuthorisationDate === undefined ? 'in progress' : 'completed',
  });
}

/** Section 47 enquiry → EventFact 'assessment', never below sensitive. */
function section47Fact(enquiry: ScSection47, about: Subject, ctx: MappingContext): EventFact {
  const conference = enquiry.dateOfInitialCpc !== undefined
    ? `Initial child protection conference held on ${enquiry.dateOfInitialCpc}.`
    : enquiry.icpcNotRequired ? 'Initial child protection conference not required.' : undefined;
  return eventFact(`Section47/${enquiry.id}`, 'assessment', about, ctx, {
    marking: enquiry.recordMarking,
    floor: 'sensitive',
    updated: enquiry.lastUpdated,
    date: enquiry.s47ActualStartDate,
    head: 'Section 47 enquiry',
    text: enquiry.summary,
    outcome: enquiry.outcome,
    detail: conference,
  });
}

/** Child in need plan → EventFact 'plan' with its start and end. */
function cinPlanFact(plan: ScCinPlan, about: Subject, ctx: MappingContext): EventFact {
  return eventFact(`CinPlan/${plan.id}`, 'plan', about, ctx, {
    marking: plan.recordMarking,
    floor: 'open',
    updated: plan.lastUpdated,
    date: plan.cinPlanStartDate,
    endDate: plan.cinPlanEndDate,
    head: 'Child in need plan',
    text: plan.summary,
    status: isOpen(plan.cinPlanEndDate, ctx) ? 'active' : 'ended',
  });
}

/** "Neglect (NEG)", and the latest category when it changed. */
function categories(plan: ScChildProtectionPlan): string {
  const initial = codeLabel(CATEGORY_OF_ABUSE, plan.initialCategoryOfAbuse, 'category');
  return plan.latestCategoryOfAbuse === plan.initialCategoryOfAbuse
    ? `category ${initial}`
    : `initial category ${initial}, latest category ${codeLabel(CATEGORY_OF_ABUSE, plan.latestCategoryOfAbuse, 'category')}`;
}

/** Child protection plan → EventFact 'plan' with its CIN census category, start and end; never below sensitive. */
function cpPlanFact(plan: ScChildProtectionPlan, about: Subject, ctx: MappingContext): EventFact {
  const previous = plan.numberOfPreviousCpp === undefined || plan.numberOfPreviousCpp === 0 ? undefined : `Previous child protection plans: ${plan.numberOfPreviousCpp}.`;
  return eventFact(`ChildProtectionPlan/${plan.id}`, 'plan', about, ctx, {
    marking: plan.recordMarking,
    floor: 'sensitive',
    updated: plan.lastUpdated,
    date: plan.cppStartDate,
    endDate: plan.cppEndDate,
    head: `Child protection plan, ${categories(plan)}`,
    text: plan.summary,
    detail: previous,
    status: isOpen(plan.cppEndDate, ctx) ? 'active' : 'ended',
  });
}

/** An active child protection plan (no end, or an end still to come) → FlagFact 'child-protection-plan'. */
function cpPlanFlag(plan: ScChildProtectionPlan, about: Subject, ctx: MappingContext): FlagFact | undefined {
  if (!isOpen(plan.cppEndDate, ctx)) return undefined;
  const sourceRecordId = `ChildProtectionPlan/${plan.id}`;
  return {
    id: factId(ctx, sourceRecordId, 'flag'),
    kind: 'flag',
    personRef: about.personRef,
    provenance: provenance(ctx, sourceRecordId, plan.lastUpdated, sensitivityOf(plan.recordMarking, 'sensitive', about)),
    flagKind: 'child-protection-plan',
    summary: clip(`Subject of a child protection plan (${categories(plan)}) since ${plan.cppStartDate}`, 500),
    period: { start: plan.cppStartDate, ...optional('end', plan.cppEndDate) },
    status: 'active',
  };
}

/** Looked-after episode → EventFact 'looked-after': SSDA903 legal status and placement, start and end. */
function lookedAfterFact(episode: ScLookedAfterEpisode, about: Subject, ctx: MappingContext): EventFact {
  const provider = episode.placementProvider === undefined ? undefined : `Placement provider: ${codeLabel(PLACEMENT_PROVIDER, episode.placementProvider)}.`;
  const ceased = episode.reasonEpisodeCeased === undefined ? undefined : `Reason episode ceased (SSDA903 REC): ${episode.reasonEpisodeCeased}.`;
  return eventFact(`LookedAfterEpisode/${episode.id}`, 'looked-after', about, ctx, {
    marking: episode.recordMarking,
    floor: 'open',
    updated: episode.lastUpdated,
    date: episode.startDate,
    endDate: episode.endDate,
    head: `Looked after: ${codeLabel(LEGAL_STATUS, episode.legalStatus, 'legal status')}; placement: ${codeLabel(PLACEMENT_TYPE, episode.placement, 'placement')}`,
    text: episode.summary,
    detail: provider === undefined ? ceased : ceased === undefined ? provider : `${provider} ${ceased}`,
    status: isOpen(episode.endDate, ctx) ? 'current' : 'ended',
  });
}

/** The allocated worker of an open case → FlagFact 'allocated-worker' (team, role and worker id; never a name). */
function allocationFlag(person: ScPerson, about: Subject, ctx: MappingContext): FlagFact | undefined {
  const worker = person.allocatedWorker;
  if (worker === undefined) return undefined;
  const sourceRecordId = `Allocation/${person.personId}`;
  const role = WORKER_ROLES[worker.workerRole] ?? worker.workerRole;
  return {
    id: factId(ctx, sourceRecordId, 'flag'),
    kind: 'flag',
    personRef: about.personRef,
    provenance: provenance(ctx, sourceRecordId, person.lastUpdated, sensitivityOf(person.recordMarking, 'open')),
    flagKind: 'allocated-worker',
    summary: clip(`Open to children's social care: allocated to a ${role.toLowerCase()} in ${worker.team} (worker ${worker.workerId}) since ${worker.allocatedOn}`, 500),
    period: { start: worker.allocatedOn },
    status: 'active',
  };
}

interface EventParts {
  readonly marking: string | undefined;
  readonly floor: Sensitivity;
  readonly updated: string | undefined;
  readonly date: string;
  readonly endDate?: string | undefined;
  /** What the record is, e.g. "Contact from Police". */
  readonly head: string;
  /** The case system's own summary, if any. */
  readonly text: string | undefined;
  readonly outcome?: ScOutcome | undefined;
  readonly detail?: string | undefined;
  readonly status?: string | undefined;
}

/**
 * Builds an EventFact. The summary is "<head>: <text> Outcome: <outcome>.", the case system's
 * text cut short first so the outcome always shows; when the text was cut, the detail keeps it.
 */
function eventFact(sourceRecordId: string, eventKind: EventKind, about: Subject, ctx: MappingContext, parts: EventParts): EventFact {
  const text = parts.text?.trim();
  const body = text === undefined || text === '' || sameWords(text, parts.head) ? '' : `: ${text}`;
  const outcome = parts.outcome === undefined ? '' : ` Outcome: ${outcomeText(parts.outcome)}.`;
  const room = 500 - parts.head.length - outcome.length;
  const cut = body.length > room;
  const said = `${parts.head}${cut ? clip(body, Math.max(room - 1, 1)) : body}`;
  const summary = outcome === '' ? said : `${/[.!?…]$/.test(said) ? said : `${said}.`}${outcome}`;
  const detail = [parts.detail, cut ? text : undefined].filter((d) => d !== undefined && d !== '').join(' ');
  return {
    id: factId(ctx, sourceRecordId, 'event'),
    kind: 'event',
    personRef: about.personRef,
    provenance: provenance(ctx, sourceRecordId, parts.updated, sensitivityOf(parts.marking, parts.floor, about)),
    eventKind,
    date: parts.date,
    ...optional('endDate', parts.endDate),
    summary: clip(summary, 500),
    ...optional('detail', detail === '' ? undefined : clip(detail, 4000)),
    ...optional('status', parts.status),
  };
}

const OUTCOMES: Readonly<Record<string, string>> = OUTCOME;
const WORKER_ROLES: Readonly<Record<string, string>> = WORKER_ROLE;

/** The case system's own words for the outcome when it gives them, else the code's label (or the code). */
function outcomeText(outcome: ScOutcome): string {
  const own = outcome.text?.trim();
  if (own !== undefined && own !== '') return clip(own, 200);
  return OUTCOMES[outcome.code] ?? outcome.code;
}

/** A plan or episode is open when it has no end date, or ends after the day the records were retrieved. */
function isOpen(endDate: string | undefined, ctx: MappingContext): boolean {
  return endDate === undefined || endDate > ctx.retrievedAt.slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Provenance, sensitivity and ids
// ---------------------------------------------------------------------------------------------

/** Deterministic fact id: the same lookup, record and kind always give the same id. */
function provenance(ctx: MappingContext, sourceRecordId: string, updated: string | undefined, sensitivity: Sensitivity): Provenance {
  return provenanceFor('social-care', ctx, sourceRecordId, sensitivity, updated);
}

const RANK = SENSITIVITY_RANK;

/** A record marking as a sensitivity: absent is open, an unknown marking is restricted. */
function marking(recordMarking: string | undefined): Sensitivity {
  switch (recordMarking) {
    case undefined:
    case 'open':
      return 'open';
    case 'sensitive':
      return 'sensitive';
    default:
      return 'restricted';
  }
}

/**
 * The sensitivity of a record (see the file header): its marking, raised to the floor of its
 * kind (sensitive for section 47 enquiries and CP plans), and restricted when the person's whole
 * record is.
 */
export function sensitivityOf(recordMarking: string | undefined, floor: Sensitivity, about?: { readonly restricted: boolean }): Sensitivity {
  if (about?.restricted === true) return 'restricted';
  const own = marking(recordMarking);
  return RANK[own] >= RANK[floor] ? own : floor;
}

// ---------------------------------------------------------------------------------------------
// Data types
// ---------------------------------------------------------------------------------------------

/** A name the model can hold (blank parts dropped), or undefined when nothing usable is left. */
function humanName(name: ScName): HumanName | undefined {
  const given = name.given.map((g) => g.trim()).filter((g) => g !== '').slice(0, 5).map((g) => clip(g, 100));
  const family = clip(name.family.trim(), 100);
  return given.length === 0 || family === '' ? undefined : { given, family };
}

function uniqueNames(names: readonly ScName[]): HumanName[] {
  const result: HumanName[] = [];
  for (const name of names.map(humanName)) {
    if (name === undefined) continue;
    if (!result.some((n) => n.family === name.family && n.given.join(' ') === name.given.join(' '))) result.push(name);
  }
  return result;
}

function toAddress(source: ScPerson['address']): Address | undefined {
  if (source === undefined) return undefined;
  const lines = source.lines.map((l) => l.trim()).filter((l) => l !== '');
  const town = source.town?.trim();
  const postcode = source.postcode?.trim().toUpperCase();
  const address: Address = {
    lines,
    ...optional('town', town === undefined || town === '' ? undefined : town),
    ...optional('postcode', postcode === undefined || postcode === '' ? undefined : postcode),
    ...optional('uprn', source.uprn),
  };
  return address.lines.length > 0 || address.town !== undefined || address.postcode !== undefined || address.uprn !== undefined ? address : undefined;
}

/** "Neglect (NEG)" for a known code; "category XYZ" for one the tables do not know. */
function codeLabel(table: Readonly<Record<string, string>>, code: string, noun = 'code'): string {
  const label = table[code];
  return label === undefined ? `${noun} ${code}` : `${label} (${code})`;
}

/** True when the text says no more than the label ("Child in need plan." under "Child in need plan"). */
function sameWords(text: string, label: string): boolean {
  const words = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  return words(text) === words(label);
}

/** `{ key: value }` when value is defined, `{}` otherwise — keeps optional properties absent, not undefined. */