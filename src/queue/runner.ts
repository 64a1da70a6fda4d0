/**
 * What the job system runs, shared by both runners (in-process and BullMQ) so they cannot
 * drift: the processor port of the keyed kinds, the periodic work, runner options, the
 * unrecoverable-error signal and the job executors that parse job data before a processor sees
 * it (CONVENTIONS.md §2). When to retry is the retry policy's (retry-policy.ts).
 */
import { z } from 'zod';
import { MashError, describeError, type ErrorCode } from '../lib/errors.ts';
import { runInLogContext } from '../lib/log-context.ts';
import type { Logger } from '../lib/logger.ts';
import {
  DeliveryJobData,
  LookupJobData,
  ReferralJobData,
  deliveryJobId,
  lookupJobId,
  referralJobId,
  type DeliveryRequest,
  type JobKind,
  type KeyedKind,
  type PeriodicKind,
  type ResearchPlan,
} from '../model/jobs.ts';

export type { JobKind, KeyedKind, PeriodicKind } from '../model/jobs.ts';

/**
 * The work behind the research kinds. Implementations are idempotent (DESIGN.md: jobs are
 * keyed), because a job may run again after a redelivery, a retry or a restart.
 *
 * Throwing means an infrastructure fault and the job is retried; throwing an
 * {@link UnrecoverableJobError} fails it at once (retry-policy.ts classifies). Expected outcomes
 * ("not permitted", "agency timed out") are not errors: the processor records them in the store
 * and returns.
 */
export interface ResearchProcessors {
  /** Runs one lookup of one connector for one subject. */
  lookup(data: LookupJobData): Promise<void>;
  /** Runs once every lookup of the referral has finished (done, or failed after its last attempt). */
  referral(data: ReferralJobData): Promise<void>;
}

/** The work behind every keyed kind: research, and delivery of outbox messages. */
export interface JobProcessors extends ResearchProcessors {
  /** Makes one delivery attempt of an outbox message, if the store shows it due (src/queue/outbox.ts). */
  delivery(data: DeliveryJobData): Promise<void>;
}

/**
 * A periodic kind: the engine runs `run` every `everyMs`. A run is never overlapped by another
 * of the same kind in this process, and with BullMQ not in the whole deployment; it is not
 * retried (the next run is the retry). `run` must still be idempotent and safe beside the same
 * work in other processes (an advisory lock, keyed jobs), since a deployment may mix engines.
 */
export interface PeriodicJob {
  readonly everyMs: number;
  /** Also run once as soon as the engine starts (and, with BullMQ, whenever Redis comes back). */
  readonly atStart?: boolean;
  run(): Promise<unknown>;
}

export type PeriodicJobs = Partial<Readonly<Record<PeriodicKind, PeriodicJob>>>;

/** Everything a job-running process registers: a processor per keyed kind, and its periodic work. */
export interface JobWork {
  readonly processors: JobProcessors;
  readonly periodic?: PeriodicJobs;
}

/** How the job system runs keyed work. */
export interface RunnerOptions {
  /**
   * Jobs of one keyed kind running at once in this process: up to `concurrency` lookups and,
   * separately, up to `concurrency` referral jobs and deliveries. Per kind because BullMQ's
   * worker concurrency is per queue; the in-process runner does the same so both behave alike.
   * A periodic kind runs one at a time.
   */
  readonly concurrency: number;
  /** Total tries per job, the first included (BullMQ `attempts`). */
  readonly attempts: number;
  /** First retry delay before jitter; it doubles for each later retry (retry-policy.ts). */
  readonly backoffMs: number;
}

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

/** Rejects options that would make a runner stall or spin; a bug in configuration, so thrown. */
export function assertRunnerOptions(options: RunnerOptions): void {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError('concurrency must be an integer >= 1');
  if (!Number.isInteger(options.attempts) || options.attempts < 1) throw new RangeError('attempts must be an integer >= 1');
  if (!Number.isFinite(options.backoffMs) || options.backoffMs < 0) throw new RangeError('backoffMs must be a number >= 0');
}

/** Rejects a schedule that would spin; a bug in the composition root, so thrown. */
export function assertPeriodicJobs(periodic: PeriodicJobs): void {
  for (const [kind, job] of Object.entries(periodic)) {
    if (!Number.isInteger(job.everyMs) || job.everyMs < 1) throw new RangeError(`${kind}: everyMs must be an integer >= 1`);
  }
}

/** The periodic kinds registered, in a stable order. */
export function periodicEntries(periodic: PeriodicJobs | undefined): [PeriodicKind, PeriodicJob][] {
  return Object.entries(periodic ?? {}).filter((entry): entry is [PeriodicKind, PeriodicJob] => entry[1] !== undefined);
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

/** Where scheduled work came from: the request that scheduled it, for its jobs' log lines (src/lib/log-context.ts). */
export interface JobOrigin {
  readonly requestId?: string | undefined;
}

/** The origin's fields that go into job data: a request id only when there is one. */
function originData(origin: JobOrigin | undefined): { requestId?: string } {
  return origin?.requestId === undefined ? {} : { requestId: origin.requestId };
}

/**
 * Turns a plan into its keyed jobs. Throws a RangeError (a bug in the caller, not an expected
 * failure) for a priority outside BullMQ's integer range or a job id BullMQ would refuse.
 * Job data is not validated here: each processor parses it at its start (CONVENTIONS.md §2).
 * The origin's request id, if any, goes into every job's data (ids only).
 */
export function planJobs(plan: ResearchPlan, origin?: JobOrigin): PlannedJobs {
  if (!Number.isInteger(plan.priority) || plan.priority < 0 || plan.priority > MAX_PRIORITY) {
    throw new RangeError(`priority must be an integer in 0..${MAX_PRIORITY}`);
  }
  const wave = plan.wave ?? 1;
  const lookupIds = [...new Set(plan.lookupIds)];
  const rerun = plan.rerun;
  if (rerun !== undefined && (!Number.isInteger(rerun) || rerun < 1 || lookupIds.length !== 1)) throw new RangeError('a rerun plan names one lookup and a run number >= 1');
  // A rerun's jobs are keyed by lookup and run number: deterministic, so a resumed rerun is one job.
  const suffix = rerun === undefined ? '' : `-r${rerun}`;
  const referralId = rerun === undefined ? referralJobId(plan.referralId, wave) : `${referralJobId(plan.referralId, wave)}-${lookupIds[0] ?? ''}${suffix}`;
  const from = originData(origin);
  const referral = { jobId: checkedJobId(referralId), jobData: { referralId: plan.referralId, wave, ...from } };
  const lookups = lookupIds.map((lookupId) => ({
    jobId: checkedJobId(`${lookupJobId(lookupId)}${suffix}`),
    jobData: { referralId: plan.referralId, lookupId, ...from },
  }));
  return { priority: plan.priority, referral, lookups };
}

/** One delivery job, as both runners create it. */
export interface PlannedDelivery {
  readonly jobId: string;
  readonly jobData: DeliveryJobData;
  readonly delayMs: number;
}

/**
 * Turns delivery requests into keyed jobs, one per (message, due time); repeats within the
 * batch collapse. Throws a RangeError for an id BullMQ would refuse or a due time that is not a
 * date (bugs in the caller).
 */
export function planDeliveries(requests: readonly DeliveryRequest[], origin?: JobOrigin): PlannedDelivery[] {
  const planned = new Map<string, PlannedDelivery>();
  for (const request of requests) {
    if (Number.isNaN(request.dueAt.getTime())) throw new RangeError('dueAt must be a valid date');
    const delayMs = request.delayMs ?? 0;
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new RangeError('delayMs must be a number >= 0');
    const jobId = checkedJobId(deliveryJobId(request.outboxId, request.dueAt));
    if (!planned.has(jobId)) planned.set(jobId, { jobId, jobData: { outboxId: request.outboxId, ...originData(origin) }, delayMs: Math.round(delayMs) });
  }
  return [...planned.values()];
}

/** BullMQ custom job ids must not contain ':' (its key separator). */
function checkedJobId(jobId: string): string {
  if (jobId.includes(':')) throw new RangeError("job ids must not contain ':'");
  return jobId;
}

/** The ids a job's data may name for its log lines; anything else in it is never read here. */
const JobDataIds = z.looseObject({ referralId: z.string().optional(), requestId: z.string().optional() });

/**
 * Runs `fn` — a job's run, or a runner's line about it — in the job's own log context
 * (src/lib/log-context.ts): its kind and id, and the referral and the scheduling request its data
 * names. Fresh, not inherited: the in-process runner starts jobs from whichever caller pumped it.
 * Both runners call it, for keyed and periodic kinds alike.
 */
export function runInJobLogContext<T>(kind: JobKind, jobId: string | undefined, jobData: unknown, fn: () => T): T {
  const ids = JobDataIds.safeParse(jobData);
  const named = ids.success ? { referralId: ids.data.referralId, requestId: ids.data.requestId } : {};
  return runInLogContext({ jobKind: kind, jobId, ...named }, fn);
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
export function errorCode(error: unknown): string | undefined {
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

/** Parses delivery job data, then runs the delivery processor. Called by both runners. */
export async function executeDeliveryJob(jobData: unknown, processors: JobProcessors): Promise<void> {
  await processors.delivery(parseJobData(DeliveryJobData, jobData));
}

/** Runs the executor of a keyed kind; the one switch both runners share. */
export function executeJob(kind: KeyedKind, jobData: unknown, processors: JobProcessors): Promise<void> {
  switch (kind) {
    case 'lookup':
      return executeLookupJob(jobData, processors);
    case 'referral':
      return executeReferralJob(jobData, processors);
    case 'delivery':
      return executeDeliveryJob(jobData, processors);
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
