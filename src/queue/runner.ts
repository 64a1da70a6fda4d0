/**
 * What the job system runs, shared by both runners (in-process and BullMQ) so they cannot
 * drift: the processor port, retry options, the unrecoverable-error signal and the job
 * executors that parse job data before a processor sees it (CONVENTIONS.md §2).
 */
import type { z } from 'zod';
import { MashError, describeError, type ErrorCode } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { LookupJobData, ReferralJobData, lookupJobId, referralJobId, type ResearchPlan } from '../model/jobs.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';

/**
 * The work behind the two job kinds. Implementations are idempotent (DESIGN.md: jobs are
 * keyed), because a job may run again after a redelivery, a retry or a restart.
 *
 * Throwing means an infrastructure fault and the job is retried; throwing an
 * {@link UnrecoverableJobError} fails it at once. Expected outcomes ("not permitted", "agency
 * timed out") are not errors: the processor records them in the store and returns.
 */
export interface ResearchProcessors {
  /** Runs one lookup of one connector for one subject. */
  lookup(data: LookupJobData): Promise<void>;
  /** Runs once every lookup of the referral has finished (done, or failed after its last attempt). */
  referral(data: ReferralJobData): Promise<void>;
}

/** How the job system runs work. */
export interface RunnerOptions {
  /**
   * Jobs of one kind running at once in this process: up to `concurrency` lookups and,
   * separately, up to `concurrency` referral jobs. Per kind because BullMQ's worker
   * concurrency is per queue; the in-process runner does the same so both behave alike.
   */
  readonly concurrency: number;
  /** Total tries per job, the first included (BullMQ `attempts`). */
  readonly attempts: number;
  /** First retry delay; the n-th retry waits `backoffMs * 2^(n-1)` (BullMQ "exponential"). */
  readonly backoffMs: number;
}

/** The job kinds and the processor each one runs. */
export type JobKind = keyof ResearchProcessors;

/** BullMQ recognises an unrecoverable error by this name and stops retrying. */
const UNRECOVERABLE = 'UnrecoverableError';

/** The stable codes of job failures: the `JOB.*` codes of the one list (src/lib/errors.ts). */
export type UnrecoverableJobCode = Extract<ErrorCode, `JOB.${string}`>;

/**
 * Thrown by a processor (or the job-data parse) when retrying cannot help: the job fails at
 * once whatever attempts remain. Named `UnrecoverableError` so BullMQ treats it as its own
 * `UnrecoverableError`, without the in-process runner having to load BullMQ. A `MashError`, so
 * its code is one of the list and safe to log.
 */
export class UnrecoverableJobError extends MashError {
  declare readonly code: UnrecoverableJobCode;

  constructor(code: UnrecoverableJobCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = UNRECOVERABLE;
  }
}

/** True when a thrown value must stop retries (ours, BullMQ's, or any error so named). */
export function isUnrecoverable(error: unknown): boolean {
  return error instanceof Error && error.name === UNRECOVERABLE;
}

/**
 * True when the job met our own store unavailable (STORE.UNAVAILABLE). Such a run says nothing
 * about the job, so both runners run it again later without spending one of its attempts: a lookup
 * must not end failed because PostgreSQL restarted (docs/decisions.md, "Surviving a PostgreSQL
 * restart"). The job waits as long as the store is away; the store is the source of truth.
 */
export function waitsForStore(error: unknown): boolean {
  return isStoreUnavailable(error);
}

/** The longest a job waits before trying the store again. */
export const STORE_WAIT_MAX_MS = 10_000;

/** Milliseconds before the next run of a job that has waited for the store `waits` times before (0-based). */
export function storeWaitDelayMs(backoffMs: number, waits: number): number {
  return Math.min(Math.max(backoffMs, 100) * 2 ** Math.min(waits, 16), STORE_WAIT_MAX_MS);
}

/** Milliseconds to wait after failed attempt number `attempt` (1-based) before the next one. */
export function retryDelayMs(backoffMs: number, attempt: number): number {
  return Math.round(backoffMs * 2 ** (attempt - 1));
}

/** Rejects options that would make a runner stall or spin; a bug in configuration, so thrown. */
export function assertRunnerOptions(options: RunnerOptions): void {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
  if (!Number.isInteger(options.attempts) || options.attempts < 1) throw new RangeError('attempts must be an integer >= 1');
  if (!Number.isFinite(options.backoffMs) || options.backoffMs < 0) throw new RangeError('backoffMs must be a number >= 0');
}

/** BullMQ's priority range; 0 is "no priority" and runs before any prioritised job. */
export const MAX_PRIORITY = 2_097_151;

/** The jobs of one plan, as both runners create them. */
export interface PlannedJobs {
  readonly priority: number;
  readonly referral: { readonly jobId: string; readonly jobData: ReferralJobData };
  /** One per distinct lookup id, in plan order. */
  readonly lookups: readonly { readonly jobId: string; readonly jobData: LookupJobData }[];
}

/**
 * Turns a plan into its keyed jobs. Throws a RangeError (a bug in the caller, not an expected
 * failure) for a priority outside BullMQ's integer range or a job id BullMQ would refuse.
 * Job data is not validated here: each processor parses it at its start (CONVENTIONS.md §2).
 */
export function planJobs(plan: ResearchPlan): PlannedJobs {
  if (!Number.isInteger(plan.priority) || plan.priority < 0 || plan.priority > MAX_PRIORITY) {
    throw new RangeError(`priority must be an integer in 0..${MAX_PRIORITY}`);
  }
  const wave = plan.wave ?? 1;
  const referral = { jobId: checkedJobId(referralJobId(plan.referralId, wave)), jobData: { referralId: plan.referralId, wave } };
  const lookupIds = [...new Set(plan.lookupIds)];
  const lookups = lookupIds.map((lookupId) => ({
    jobId: checkedJobId(lookupJobId(lookupId)),
    jobData: { referralId: plan.referralId, lookupId },
  }));
  return { priority: plan.priority, referral, lookups };
}

/** BullMQ custom job ids must not contain ':' (its key separator). */
function checkedJobId(jobId: string): string {
  if (jobId.includes(':')) throw new RangeError("job ids must not contain ':'");
  return jobId;
}

/** Identifies one attempt in log lines: ids and counters only, never job data. */
export interface AttemptFields {
  readonly queue: JobKind;
  readonly jobId: string;
  /** 1-based number of the attempt that just ran. */
  readonly attempt: number;
}

/**
 * Logs a failed attempt the same way for both runners: `final: false` with the retry delay,
 * or `final: true` when the job gives up (its referral then runs without it). Carries the
 * error's name, message and code, never job data (CONVENTIONS.md §9).
 */
export function logJobFailure(log: Logger, fields: AttemptFields, error: unknown, retryInMs: number | undefined): void {
  const failure = { ...fields, err: describeError(error), code: errorCode(error) };
  if (retryInMs === undefined) log.warn({ ...failure, final: true }, 'job failed');
  else log.info({ ...failure, final: false, retryInMs }, 'job failed, will retry');
}

/** The stable code an error carries, if any (MashError, UnrecoverableJobError, Node system errors). */
function errorCode(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** Parses lookup job data, then runs the lookup processor. Called by both runners. */
export async function executeLookupJob(jobData: unknown, processors: ResearchProcessors): Promise<void> {
  await processors.lookup(parseJobData(LookupJobData, jobData));
}

/** Parses referral job data, then runs the referral processor. Called by both runners. */
export async function executeReferralJob(jobData: unknown, processors: ResearchProcessors): Promise<void> {
  await processors.referral(parseJobData(ReferralJobData, jobData));
}

/** Runs the executor of a job kind; the one switch both runners share. */
export function executeJob(kind: JobKind, jobData: unknown, processors: ResearchProcessors): Promise<void> {
  switch (kind) {
    case 'lookup':
      return executeLookupJob(jobData, processors);
    case 'referral':
      return executeReferralJob(jobData, processors);
    default:
      return kind satisfies never;
  }
}

/**
 * Job data that does not parse can never succeed, so it fails the job without retries. The
 * message names paths and issue codes only: never the values, which may be personal data.
 */
function parseJobData<T>(schema: z.ZodType<T>, jobData: unknown): T {
  const parsed = schema.safeParse(jobData);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`).join('; ');
  // No `cause`: the ZodError would carry issue messages into logs and Redis stack traces.
  throw new UnrecoverableJobError('JOB.INVALID_DATA', `job data invalid: ${issues}`);
}
