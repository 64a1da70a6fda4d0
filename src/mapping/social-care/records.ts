/**
 * Social care records: contacts and referrals, assessments, section 47 enquiries, CIN and CP
 * plans and looked-after episodes as chronology events; an active CP plan and the allocated
 * worker as flags (the mapping decisions are in ../social-care.ts's header).
 *
 * Why this file exists: split out of social-care.ts (house file-size limit); how the case
 * system's CIN census and SSDA903 records read in a chronology is one responsibility.
 */
import { ASSESSMENT_FACTOR, CATEGORY_OF_ABUSE, LEGAL_STATUS, OUTCOME, PLACEMENT_PROVIDER, PLACEMENT_TYPE, PRIMARY_NEED, REFERRAL_SOURCE, WORKER_ROLE } from '../../adapters/social-care/codes.ts';
import type { ScAssessment, ScChildProtectionPlan, ScCinPlan, ScContact, ScLookedAfterEpisode, ScOutcome, ScPerson, ScSection47 } from '../../adapters/social-care/types.ts';
import type { Sensitivity } from '../../model/agency.ts';
import type { EventFact, FlagFact } from '../../model/fact.ts';
import type { MappingContext } from '../context.ts';
import { clip, optional, type FactMaker } from '../fact-parts.ts';
import { codeLabel, sameWords, sensitivityOf } from './values.ts';

type EventKind = EventFact['eventKind'];

/** Contact or referral → EventFact 'referral': who it came from, what it said, what it led to. */
export function contactFact(contact: ScContact, personRef: string, make: FactMaker): EventFact {
  const kind = contact.recordType === 'referral' ? 'Referral' : 'Contact';
  const need = contact.primaryNeedCode === undefined ? undefined : `Primary need: ${codeLabel(PRIMARY_NEED, contact.primaryNeedCode)}.`;
  return eventFact(`Contact/${contact.id}`, 'referral', personRef, make, {
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
export function assessmentFact(assessment: ScAssessment, personRef: string, make: FactMaker): EventFact {
  const factors = assessment.factorsIdentifiedAtAssessment.map((f) => codeLabel(ASSESSMENT_FACTOR, f, 'factor'));
  return eventFact(`Assessment/${assessment.id}`, 'assessment', personRef, make, {
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
export function section47Fact(enquiry: ScSection47, personRef: string, make: FactMaker): EventFact {
  const conference = enquiry.dateOfInitialCpc !== undefined
    ? `Initial child protection conference held on ${enquiry.dateOfInitialCpc}.`
    : enquiry.icpcNotRequired ? 'Initial child protection conference not required.' : undefined;
  return eventFact(`Section47/${enquiry.id}`, 'assessment', personRef, make, {
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
export function cinPlanFact(plan: ScCinPlan, personRef: string, make: FactMaker): EventFact {
  return eventFact(`CinPlan/${plan.id}`, 'plan', personRef, make, {
    marking: plan.recordMarking,
    floor: 'open',
    updated: plan.lastUpdated,
    date: plan.cinPlanStartDate,
    endDate: plan.cinPlanEndDate,
    head: 'Child in need plan',
    text: plan.summary,
    status: isOpen(plan.cinPlanEndDate, make.ctx) ? 'active' : 'ended',
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
export function cpPlanFact(plan: ScChildProtectionPlan, personRef: string, make: FactMaker): EventFact {
  const previous = plan.numberOfPreviousCpp === undefined || plan.numberOfPreviousCpp === 0 ? undefined : `Previous child protection plans: ${plan.numberOfPreviousCpp}.`;
  return eventFact(`ChildProtectionPlan/${plan.id}`, 'plan', personRef, make, {
    marking: plan.recordMarking,
    floor: 'sensitive',
    updated: plan.lastUpdated,
    date: plan.cppStartDate,
    endDate: plan.cppEndDate,
    head: `Child protection plan, ${categories(plan)}`,
    text: plan.summary,
    detail: previous,
    status: isOpen(plan.cppEndDate, make.ctx) ? 'active' : 'ended',
  });
}

/** An active child protection plan (no end, or an end still to come) → FlagFact 'child-protection-plan'. */
export function cpPlanFlag(plan: ScChildProtectionPlan, personRef: string, make: FactMaker): FlagFact | undefined {
  if (!isOpen(plan.cppEndDate, make.ctx)) return undefined;
  return make.flag(
    { sourceRecordId: `ChildProtectionPlan/${plan.id}`, personRef, sensitivity: sensitivityOf(plan.recordMarking, 'sensitive'), sourceUpdatedAt: plan.lastUpdated },
    {
      flagKind: 'child-protection-plan',
      summary: `Subject of a child protection plan (${categories(plan)}) since ${plan.cppStartDate}`,
      period: { start: plan.cppStartDate, ...optional('end', plan.cppEndDate) },
      status: 'active',
    },
  );
}

/** Looked-after episode → EventFact 'looked-after': SSDA903 legal status and placement, start and end. */
export function lookedAfterFact(episode: ScLookedAfterEpisode, personRef: string, make: FactMaker): EventFact {
  const provider = episode.placementProvider === undefined ? undefined : `Placement provider: ${codeLabel(PLACEMENT_PROVIDER, episode.placementProvider)}.`;
  const ceased = episode.reasonEpisodeCeased === undefined ? undefined : `Reason episode ceased (SSDA903 REC): ${episode.reasonEpisodeCeased}.`;
  return eventFact(`LookedAfterEpisode/${episode.id}`, 'looked-after', personRef, make, {
    marking: episode.recordMarking,
    floor: 'open',
    updated: episode.lastUpdated,
    date: episode.startDate,
    endDate: episode.endDate,
    head: `Looked after: ${codeLabel(LEGAL_STATUS, episode.legalStatus, 'legal status')}; placement: ${codeLabel(PLACEMENT_TYPE, episode.placement, 'placement')}`,
    text: episode.summary,
    detail: provider === undefined ? ceased : ceased === undefined ? provider : `${provider} ${ceased}`,
    status: isOpen(episode.endDate, make.ctx) ? 'current' : 'ended',
  });
}

const WORKER_ROLES: Readonly<Record<string, string>> = WORKER_ROLE;

/** The allocated worker of an open case → FlagFact 'allocated-worker' (team, role and worker id; never a name). */
export function allocationFlag(person: ScPerson, personRef: string, make: FactMaker): FlagFact | undefined {
  const worker = person.allocatedWorker;
  if (worker === undefined) return undefined;
  const role = WORKER_ROLES[worker.workerRole] ?? worker.workerRole;
  return make.flag(
    { sourceRecordId: `Allocation/${person.personId}`, personRef, sensitivity: sensitivityOf(person.recordMarking, 'open'), sourceUpdatedAt: person.lastUpdated },
    {
      flagKind: 'allocated-worker',
      summary: `Open to children's social care: allocated to a ${role.toLowerCase()} in ${worker.team} (worker ${worker.workerId}) since ${worker.allocatedOn}`,
      period: { start: worker.allocatedOn },
      status: 'active',
    },
  );
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
function eventFact(sourceRecordId: string, eventKind: EventKind, personRef: string, make: FactMaker, parts: EventParts): EventFact {
  const text = parts.text?.trim();
  const body = text === undefined || text === '' || sameWords(text, parts.head) ? '' : `: ${text}`;
  const outcome = parts.outcome === undefined ? '' : ` Outcome: ${outcomeText(parts.outcome)}.`;
  const room = 500 - parts.head.length - outcome.length;
  const cut = body.length > room;
  const said = `${parts.head}${cut ? clip(body, Math.max(room - 1, 1)) : body}`;
  const summary = outcome === '' ? said : `${/[.!?…]$/.test(said) ? said : `${said}.`}${outcome}`;
  const detail = [parts.detail, cut ? text : undefined].filter((d) => d !== undefined && d !== '').join(' ');
  return make.event(
    { sourceRecordId, personRef, sensitivity: sensitivityOf(parts.marking, parts.floor), sourceUpdatedAt: parts.updated },
    { eventKind, date: parts.date, endDate: parts.endDate, summary, detail: detail === '' ? undefined : detail, status: parts.status },
  );
}

const OUTCOMES: Readonly<Record<string, string>> = OUTCOME;

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
