/**
 * A lookup: one connector asked about one subject. Its status is what the picture reports
 * for that source (DESIGN.md: done, failed, not permitted, timed out — and partial, for an
 * answer the connector or the agency cut short: "honest partial pictures").
 */
import { z } from 'zod';
import type { ErrorCode } from '../lib/errors.ts';
import { Agency } from './agency.ts';
import { LawfulBasis } from './provenance.ts';

export const LookupStatus = z.enum(['queued', 'running', 'done', 'partial', 'failed', 'not-permitted', 'timed-out']);
export type LookupStatus = z.infer<typeof LookupStatus>;

export const TERMINAL_LOOKUP_STATUSES: readonly LookupStatus[] = ['done', 'partial', 'failed', 'not-permitted', 'timed-out'];

export const isTerminalLookup = (status: LookupStatus): boolean => TERMINAL_LOOKUP_STATUSES.includes(status);

/**
 * Statuses of a lookup that answered, so its facts are in the picture: `done` (the whole answer)
 * and `partial` (part of it, and saying so). Everything that reads "has facts" reads both.
 */
export const ANSWERED_LOOKUP_STATUSES: readonly LookupStatus[] = ['done', 'partial'];

export const isAnsweredLookup = (status: LookupStatus): boolean => ANSWERED_LOOKUP_STATUSES.includes(status);

/** Why an answer is incomplete: the connector's candidate or page cap, or the agency's own limit (src/adapters/port.ts). */
export const CutReason = z.enum(['candidate-cap', 'page-cap', 'agency-limit']);
export type CutReason = z.infer<typeof CutReason>;

/** One search whose answer was cut: records read, and records the agency reported where it said (null where not). */
export const AnswerCut = z.object({
  reason: CutReason,
  /** The search as its orchestration names it ("Patient search"): no personal data. */
  search: z.string().min(1).max(100),
  read: z.number().int().min(0),
  reported: z.number().int().min(0).nullable(),
});
export type AnswerCut = z.infer<typeof AnswerCut>;

/** The stable code a partial lookup's reason starts with, per cut reason (as failures start with theirs). */
export const CUT_CODES: Readonly<Record<CutReason, Extract<ErrorCode, `ANSWER.${string}`>>> = {
  'candidate-cap': 'ANSWER.CANDIDATE_CAP',
  'page-cap': 'ANSWER.PAGE_CAP',
  'agency-limit': 'ANSWER.AGENCY_LIMIT',
};

const MAX_REASON_LENGTH = 1000;

/**
 * A partial lookup's reason, for people: each search's cut once (the same search of several
 * candidates summed), e.g. "ANSWER.CANDIDATE_CAP: Patient search: 5 of 19 matching records read
 * (candidate cap)". Counts only: no names, no values.
 */
export function describeCuts(cuts: readonly AnswerCut[]): string {
  const merged = new Map<string, AnswerCut>();
  for (const cut of cuts) {
    const key = `${cut.reason}\u0000${cut.search}`;
    const seen = merged.get(key);
    merged.set(key, seen === undefined ? cut : { ...cut, read: seen.read + cut.read, reported: seen.reported === null || cut.reported === null ? null : seen.reported + cut.reported });
  }
  const text = [...merged.values()].map((cut) => `${CUT_CODES[cut.reason]}: ${cut.search}: ${describeCut(cut)}`).join('; ');
  return text.length <= MAX_REASON_LENGTH ? text : `${text.slice(0, MAX_REASON_LENGTH - 1)}…`;
}

/** One cut for people, without its code: "5 of 19 matching records read (candidate cap)". */
export function describeCut(cut: AnswerCut): string {
  const ofWhat = cut.reported === null ? `${cut.read} records read, more not read (the agency did not say how many)` : `${cut.read} of ${cut.reported} matching records read`;
  switch (cut.reason) {
    case 'candidate-cap':
      return `${ofWhat} (candidate cap)`;
    case 'page-cap':
      return `${ofWhat} (page cap)`;
    case 'agency-limit':
      return cut.read === 0 && cut.reported === null ? 'the agency said too many matched and listed none' : `${ofWhat} (the agency returned no more)`;
    default:
      return cut.reason satisfies never;
  }
}

/** One outbound call an adapter made: redacted metadata, never bodies (OpenHIM orchestrations). */
export const Orchestration = z.object({
  name: z.string(),
  method: z.string(),
  url: z.string(),
  status: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
  startedAt: z.iso.datetime({ offset: true }),
  error: z.string().optional(),
});
export type Orchestration = z.infer<typeof Orchestration>;

/**
 * An earlier outcome of a lookup that was run again, and what ran it again: the lineage of a
 * re-run (docs/decisions.md "Resilient connectors"). `rerun.trigger` is `recovery` when the
 * agency answered again after failing, `reprocess` when an administrator or the manager asked.
 */
export const LookupEarlierRun = z.object({
  status: z.enum(['failed', 'timed-out', 'partial', 'done']),
  reason: z.string().nullable(),
  attempts: z.number().int().min(0),
  startedAt: z.iso.datetime({ offset: true }).nullable(),
  finishedAt: z.iso.datetime({ offset: true }).nullable(),
  rerun: z.object({
    trigger: z.enum(['recovery', 'reprocess']),
    at: z.iso.datetime({ offset: true }),
    /** Who asked (a principal's subject), or the system's own actor for recovery. */
    by: z.string(),
    /** The request's id, also in the detail of the audit entry that records it. */
    requestId: z.string(),
  }),
});
export type LookupEarlierRun = z.infer<typeof LookupEarlierRun>;

export const LookupView = z.object({
  id: z.string(),
  connectorId: z.string(),
  agency: Agency,
  subjectRef: z.string(),
  status: LookupStatus,
  lawfulBasis: LawfulBasis.nullable(),
  /** Why it failed, was not permitted, or is partial (`ANSWER.…` codes with the counts); null when done. */
  reason: z.string().nullable(),
  /** What was left unread, search by search: empty unless the status is `partial`. */
  cuts: z.array(AnswerCut),
  attempts: z.number().int(),
  /** Facts this lookup puts in the picture: those stored from its answer, less `factsExcluded` and `factsAwaitingDecision`. */
  factCount: z.number().int(),
  /** Facts stored from its answer but kept out of the picture: about people identity matching judged (or a practitioner decided) not the subject. */
  factsExcluded: z.number().int(),
  /** Facts kept out of the picture until a practitioner decides whether their record is the subject (possible matches). */
  factsAwaitingDecision: z.number().int(),
  startedAt: z.iso.datetime({ offset: true }).nullable(),
  finishedAt: z.iso.datetime({ offset: true }).nullable(),
  orchestrations: z.array(Orchestration),
  /** 1: the referral's subjects; 2: household members found in the first wave's records. */
  wave: z.number().int().min(1),
  /** A failure the agency's recovery can mend: the lookup runs again by itself when the agency answers again. */
  recoverable: z.boolean(),
  /** Earlier outcomes, oldest first, when the lookup was run again (recovery or reprocess). */
  history: z.array(LookupEarlierRun),
});
export type LookupView = z.infer<typeof LookupView>;

/** A lookup as planned at intake or for a later wave: queued, or not permitted by the lawful-basis gate. */
export interface NewLookup {
  readonly id: string;
  readonly connectorId: string;
  readonly agency: Agency;
  readonly subjectRef: string;
  readonly status: 'queued' | 'not-permitted';
  readonly lawfulBasis: LawfulBasis | null;
  readonly reason: string | null;
}

/**
 * A lookup as stored. `factsStored` is what its answer put in the store; how many of those the
 * picture shows (`LookupView.factCount`) depends on identity matching, so the reader works it out.
 */
export interface LookupRecord extends Omit<LookupView, 'factCount' | 'factsExcluded' | 'factsAwaitingDecision'> {
  readonly referralId: string;
  readonly factsStored: number;
}
