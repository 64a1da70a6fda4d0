/**
 * The review queue of possible matches across referrals (docs/decisions.md "A review queue of
 * possible matches across referrals"): every question still waiting for a practitioner — is this
 * agency record the referral's subject, is this record the hub person known from other records —
 * listed to whoever may decide it, oldest question first, with its referral's RAG and SLA; and the
 * way into the one decision function from the queue, where only the match id is known.
 *
 * Who sees an entry is who may decide it, asked of the one policy function for every row
 * (`identity:decide`: the owning agency's practitioner always, the hub manager once the owner has
 * revealed the record; governance: the owner keeps the duty of care, need-to-know). That is never
 * more than the referral's picture shows the same caller (src/case/audience.ts
 * `maySeePossibleMatch`). An entry carries ids, the owning agency, scores and evidence levels and
 * weights — no name, birth date or identifier — so nothing in it goes beyond what that picture
 * already shows them. A match the caller may not decide is not found: not even its existence is
 * said.
 */
import { z } from 'zod';
import { MashError } from '../lib/errors.ts';
import { Agency } from '../model/agency.ts';
import type { Principal } from '../model/principal.ts';
import type { Rag, ReferralStatus } from '../model/referral.ts';
import type { SlaClock } from '../model/working-calendar.ts';
import { listQueuedQuestions, locateQuestion, type QuestionKind, type QueuedQuestionRow, type QueueVisibility } from '../store/possible-match-queue.ts';
import { recordAudit } from '../audit/log.ts';
import { enforce, type CaseStoreDeps } from './access.ts';
import { authorize, type Decision } from './policy.ts';
import { slaView, type SlaView } from './status.ts';

/** What a caller may ask the queue for. */
export interface PossibleMatchQueueRequest {
  readonly kind?: QuestionKind | undefined;
  /** The agency that owns the candidate record. */
  readonly agency?: Agency | undefined;
  /** One referral's questions only. */
  readonly referralId?: string | undefined;
  readonly limit: number;
  /** The `next` of the page before. */
  readonly cursor?: string | undefined;
}

/** One question in the queue: its referral's state and SLA, the record's owner, score and evidence; no personal data. */
export interface PossibleMatchQueueEntry {
  readonly id: string;
  readonly kind: QuestionKind;
  readonly referral: {
    readonly id: string;
    readonly externalReference: string | null;
    readonly status: ReferralStatus;
    readonly rag: Rag;
    readonly sla: SlaView & {
      /** Working time until due, in seconds, on the working-hours clock; negative: overdue by that much. */
      readonly workingSecondsLeft: number;
    };
  };
  readonly agency: Agency;
  readonly subjectRef: string | null;
  readonly raisedAt: string;
  /** log2 odds that the record is the person. */
  readonly score: number;
  readonly probability: number;
  readonly evidence: { readonly field: string; readonly level: string; readonly weight: number }[];
}

export interface PossibleMatchQueuePage {
  readonly possibleMatches: PossibleMatchQueueEntry[];
  /** Pass as `cursor` for the next page; null on the last. */
  readonly next: string | null;
}

/** What the queue needs: the store and the working-hours clock of the SLA. */
export interface PossibleMatchQueueDeps extends CaseStoreDeps {
  readonly sla: SlaClock;
}

/** Evidence as stored: levels and weights are kept, anything else an entry does not carry. */
const Evidence = z.array(z.object({ field: z.string(), level: z.string(), weight: z.number() }));

/** The cursor names the last row's question time, referral due time and id: opaque to callers, parsed back strictly. */
const encodeCursor = (row: QueuedQuestionRow): string => Buffer.from(`${row.raisedAt.toISOString()}|${row.referral.slaDueAt.toISOString()}|${row.id}`, 'utf8').toString('base64url');

function decodeCursor(cursor: string): { raisedAt: Date; dueAt: Date; id: string } {
  const [raised, due, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const raisedAt = new Date(raised ?? '');
  const dueAt = new Date(due ?? '');
  if (rest.length > 0 || id === undefined || !/^(smt_[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.test(id) || Number.isNaN(raisedAt.getTime()) || Number.isNaN(dueAt.getTime())) {
    throw new MashError('REQUEST.INVALID', 'cursor is not one this list gave');
  }
  return { raisedAt, dueAt, id };
}

/** The one policy function on one row: may this caller decide (and so see) the question? */
function decisionOn(principal: Principal, row: QueuedQuestionRow): Decision {
  const owner = Agency.safeParse(row.agency);
  if (!owner.success) return { allowed: false, reason: 'the candidate record names no hub agency' };
  return authorize(principal, 'identity:decide', {
    referral: { contributingAgencies: [...row.contributingAgencies], assignees: [...row.assignees] },
    item: { agency: owner.data, revealed: row.revealed },
  });
}

/** The SQL narrowing that mirrors the policy for this caller (the policy still decides each row). */
function visibilityOf(principal: Principal): QueueVisibility | undefined {
  if (principal.role === 'hub-manager') return { kind: 'revealed' };
  if (principal.role === 'hub-practitioner' && principal.agency !== undefined) return { kind: 'agency', agency: principal.agency, subject: principal.sub };
  return undefined;
}

/** log2 odds to a probability (the person index keeps the score alone). */
const probabilityOf = (score: number): number => 1 / (1 + 2 ** -score);

function entryOf(deps: PossibleMatchQueueDeps, now: Date, row: QueuedQuestionRow, owner: Agency): PossibleMatchQueueEntry {
  const due = row.referral.slaDueAt;
  const calendar = deps.sla.calendar;
  const workingMs = now.getTime() < due.getTime() ? calendar.workingTimeBetween(now, due) : -calendar.workingTimeBetween(due, now);
  const evidence = Evidence.safeParse(row.evidence);
  return {
    id: row.id,
    kind: row.kind,
    referral: {
      id: row.referral.id,
      externalReference: row.referral.externalReference,
      status: row.referral.status,
      rag: row.referral.rag,
      sla: { ...slaView(now, row.referral, row.firstPublishedAt), workingSecondsLeft: Math.round(workingMs / 1000) },
    },
    agency: owner,
    subjectRef: row.subjectRef,
    raisedAt: row.raisedAt.toISOString(),
    score: row.score,
    probability: row.probability ?? probabilityOf(row.score),
    evidence: evidence.success ? evidence.data.map((e) => ({ field: e.field, level: e.level, weight: e.weight })) : [],
  };
}

/** A page of the questions this principal may decide, oldest first (then the referral due soonest, then the id). */
export async function listPossibleMatchQueue(deps: PossibleMatchQueueDeps, principal: Principal, request: PossibleMatchQueueRequest): Promise<PossibleMatchQueuePage> {
  await enforce(deps, principal, 'identity:list', {});
  const visibleTo = visibilityOf(principal);
  if (visibleTo === undefined) return { possibleMatches: [], next: null };
  const now = deps.clock.now();
  const rows = await listQueuedQuestions(deps.db, {
    visibleTo,
    kind: request.kind,
    agency: request.agency,
    referralId: request.referralId,
    after: request.cursor === undefined ? undefined : decodeCursor(request.cursor),
    limit: request.limit + 1,
  });
  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  return {
    possibleMatches: page.flatMap((row) => {
      const owner = Agency.safeParse(row.agency);
      return owner.success && decisionOn(principal, row).allowed ? [entryOf(deps, now, row, owner.data)] : [];
    }),
    next: rows.length > request.limit && last !== undefined ? encodeCursor(last) : null,
  };
}

/**
 * The referral a question from the queue belongs to, once the policy says this caller may decide
 * it: 404 for a match that does not exist or that they may not decide (the denial is audited),
 * 409 for one already decided. The decision itself is then the per-referral one
 * (src/identity/possible-matches.ts), with its own checks and audit.
 */
export async function referralOfQueuedMatch(deps: CaseStoreDeps, principal: Principal, matchId: string): Promise<string> {
  // A role that has no queue is refused as such (403), before anything is said about the match.
  await enforce(deps, principal, 'identity:list', {});
  const row = await locateQuestion(deps.db, matchId);
  const notFound = new MashError('MATCH.NOT_FOUND', `no possible match ${matchId} you may decide`);
  if (row === undefined) throw notFound;
  const decision = decisionOn(principal, row);
  if (!decision.allowed) {
    await recordAudit(deps.db, {
      at: deps.clock.now(),
      actor: principal.sub,
      action: 'access.denied',
      referralId: row.referral.id,
      agency: principal.agency,
      subject: matchId,
      detail: { role: principal.role, action: 'identity:decide', reason: decision.reason },
    });
    throw notFound;
  }
  if (row.decided) throw new MashError('MATCH.ALREADY_DECIDED', `possible match ${matchId} was already decided`);
  return row.referral.id;
}
