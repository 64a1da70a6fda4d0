/**
 * Job kinds, job data and the scheduling ports. Job data carries ids, never payloads
 * (CONVENTIONS.md, from Medplum): a processor reads what it needs from the store, the source of
 * truth. Every piece of background work is a kind of the one job system (DESIGN.md "Layout":
 * `src/queue`); the ports here are what the gateway, the research workflow and the firewall may
 * ask of it without knowing which engine runs (BullMQ or the in-process runner).
 */
import { z } from 'zod';
import type { WorkingCalendar } from './working-calendar.ts';

/** Work that is keyed and started on demand: research flows and outbox deliveries. */
export const KEYED_KINDS = ['lookup', 'referral', 'delivery'] as const;
export type KeyedKind = (typeof KEYED_KINDS)[number];

/**
 * Work the engine starts on a schedule (BullMQ job schedulers, or the in-process runner's
 * timers). Each is idempotent and safe to run in several processes at once.
 */
export const PERIODIC_KINDS = ['audit-seal', 'audit-checkpoint', 'outbox-sweep', 'recovery-sweep', 'retention', 'lookup-recovery', 'model-estimation'] as const;
export type PeriodicKind = (typeof PERIODIC_KINDS)[number];

export type JobKind = KeyedKind | PeriodicKind;

/** One BullMQ queue per kind, so each kind has its own concurrency and a process runs only the kinds it registered. */
export const QUEUE_NAMES = {
  referral: 'mash-referral',
  lookup: 'mash-lookup',
  delivery: 'mash-delivery',
  'audit-seal': 'mash-audit-seal',
  'audit-checkpoint': 'mash-audit-checkpoint',
  'outbox-sweep': 'mash-outbox-sweep',
  'recovery-sweep': 'mash-recovery-sweep',
  retention: 'mash-retention',
  'lookup-recovery': 'mash-lookup-recovery',
  'model-estimation': 'mash-model-estimation',
} as const satisfies Record<JobKind, string>;

/**
 * The request that scheduled the job, when a request did (x-request-id, a plain token): its log
 * lines carry it (src/lib/log-context.ts). Optional, so jobs scheduled by sweeps have none; a
 * worker older than this field refuses jobs carrying it (strict data), so workers are upgraded first.
 */
const RequestId = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/).optional();

export const LookupJobData = z.object({ referralId: z.string().min(1), lookupId: z.string().min(1), requestId: RequestId }).strict();
export type LookupJobData = z.infer<typeof LookupJobData>;

/** The most waves a referral's research runs (its subjects, then households found, and so on). */
export const MAX_WAVES = 9;

export const ReferralJobData = z.object({ referralId: z.string().min(1), wave: z.number().int().min(1).max(MAX_WAVES).default(1), requestId: RequestId }).strict();
export type ReferralJobData = z.infer<typeof ReferralJobData>;

/** A delivery job names its outbox message; the message itself (what, to whom, attempts) is in the store. */
export const DeliveryJobData = z.object({ outboxId: z.string().min(1), requestId: RequestId }).strict();
export type DeliveryJobData = z.infer<typeof DeliveryJobData>;

/**
 * The highest job priority BullMQ accepts (2^21 − 1); 1 runs first. `src/queue/runner.ts` checks
 * every plan against the same bound (`MAX_PRIORITY`).
 */
export const LOWEST_JOB_PRIORITY = 2_097_151;

/**
 * Research runs earliest deadline first on the hub's working-hours clock (DESIGN.md rule 4,
 * risk-led timing; docs/decisions.md "Priority follows the referral"): a job's priority is the
 * whole working seconds from `now` until its referral's SLA due time, less one per wave after the
 * first, clamped into BullMQ's 1..2^21 − 1 (an overdue referral runs first).
 *
 * Why working time, not wall-clock time: on wall-clock time, referrals received out of hours (all
 * due at the same instant) would each be a second ahead of the one before — newest first. On the
 * working clock a first wave is always the referral's whole SLA allowance, so referrals of one
 * rating run in the order received, and a red one (4 working hours) runs before greens (3 working
 * days). A later wave carries the working time its referral has already used, so it runs before
 * the first waves of referrals received after it; out of hours, when no working time passes, the
 * wave's one-second step breaks the tie in its favour.
 */
export function researchPriority(calendar: Pick<WorkingCalendar, 'workingTimeBetween'>, dueAt: Date, now: Date, wave = 1): number {
  const seconds = Math.ceil(calendar.workingTimeBetween(now, dueAt) / 1_000) - (wave - 1);
  return Math.min(LOWEST_JOB_PRIORITY, Math.max(1, seconds));
}

/** A referral whose rating changed: its pending lookups and the new priority. */
export interface ReprioritiseRequest {
  readonly referralId: string;
  readonly lookupIds: readonly string[];
  /** Lower runs first. */
  readonly priority: number;
}

/** What a new or resumed referral needs from the job system. */
export interface ResearchPlan {
  readonly referralId: string;
  /** Lower runs first. */
  readonly priority: number;
  readonly lookupIds: readonly string[];
  /** 1 for the referral's subjects; 2 for the household members the first wave found. */
  readonly wave?: number;
  /**
   * Set when the plan runs one finished lookup again (recovery or reprocess: docs/decisions.md
   * "Resilient connectors"): its run number, the count of its earlier outcomes. Its jobs get ids
   * of their own (the first run's may still be held in Redis), and `lookupIds` names one lookup.
   */
  readonly rerun?: number;
}

/**
 * The port through which the gateway and the recovery sweep start work. Implemented by the
 * BullMQ flow producer and by the in-process runner; both dedupe on deterministic job ids.
 */
export interface ResearchScheduler {
  schedule(plan: ResearchPlan): Promise<void>;
  /**
   * Moves a referral's jobs still waiting to run (its lookups, and its referral jobs of every
   * wave) to a new priority, when its RAG rating changes (DESIGN.md rule 4: research follows the
   * risk). Running and finished jobs are left alone; jobs not found are skipped.
   */
  reprioritise(change: ReprioritiseRequest): Promise<void>;
  /** True when the job system is reachable (readiness). */
  ping(): Promise<boolean>;
}

/**
 * One outbox message to deliver, as the store showed it: its id and the time it was due then
 * (`next_attempt_at`). The pair keys the job, so the same message at the same due time is one
 * job however many processes enqueue it, and a message due again later (a retry, an expired
 * lease after a crash) is a new job.
 */
export interface DeliveryRequest {
  readonly outboxId: string;
  readonly dueAt: Date;
  /** Wait this long before running (a retry's backoff). Default 0. */
  readonly delayMs?: number;
}

/**
 * The port through which committed outbox messages are handed to the job system: after the
 * commit that wrote them, by a delivery that must be tried again, and by the outbox sweep.
 * Best effort by contract — it never rejects: a message it could not enqueue (the queue away,
 * the engine closed) stays due in the store, and the outbox sweep enqueues it.
 */
export interface DeliveryScheduler {
  deliver(requests: readonly DeliveryRequest[]): Promise<void>;
}

/** Deterministic job ids: one parent per referral, one child per lookup. No ':' (BullMQ). */
export const referralJobId = (referralId: string, wave = 1): string => (wave === 1 ? `referral-${referralId}` : `referral-${referralId}-w${wave}`);
export const lookupJobId = (lookupId: string): string => `lookup-${lookupId}`;
/** One job per outbox message and due time (see {@link DeliveryRequest}). */
export const deliveryJobId = (outboxId: string, dueAt: Date): string => `delivery-${outboxId}-${dueAt.getTime()}`;
