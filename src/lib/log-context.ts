/**
 * The identifiers every log line carries (CONVENTIONS.md §9: logs carry identifiers and codes,
 * never personal data): the request being handled, the referral it names, the job being run.
 * Held in an `AsyncLocalStorage`, so a line logged anywhere below a request or a job — a route, the
 * case module, research, the queue runner — carries them without each call site remembering;
 * the logger reads them through its `mixin` (logger.ts).
 *
 * A request and a job each start a fresh context ({@link runInLogContext}) rather than extend the
 * caller's: a job the in-process runner starts from a request's microtask, or a background picture
 * build queued by one referral and draining another's, must not carry someone else's ids. Within a
 * context, ids learned later (the referral intake creates) are added with {@link addToLogContext}.
 * Only id-shaped values are kept ({@link isLogId}), so nothing a caller sends can forge or fill a line.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** The identifiers a log line may carry from its context. */
export interface LogContext {
  /** The HTTP request being handled (x-request-id), or the one that scheduled the job. */
  readonly requestId?: string | undefined;
  /** The referral the request names or created, or the job's referral. */
  readonly referralId?: string | undefined;
  /** The job being run (its deterministic BullMQ / in-process id). */
  readonly jobId?: string | undefined;
  /** The kind of the job being run (src/model/jobs.ts). */
  readonly jobKind?: string | undefined;
}

type MutableLogContext = { -readonly [K in keyof LogContext]: LogContext[K] };

const storage = new AsyncLocalStorage<MutableLogContext>();

/** An identifier safe in a log line: a plain token (UUIDs, stable ids, job ids), at most 200 characters. */
export function isLogId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9._-]{1,200}$/.test(value);
}

/** Only the id-shaped fields of `fields`, so a context never holds anything else. */
function idsOf(fields: LogContext): MutableLogContext {
  const kept: MutableLogContext = {};
  for (const key of ['requestId', 'referralId', 'jobId', 'jobKind'] as const) {
    const value = fields[key];
    if (isLogId(value)) kept[key] = value;
  }
  return kept;
}

/** Runs `fn` in a fresh log context holding `fields` (whatever context the caller was in is not inherited). */
export function runInLogContext<T>(fields: LogContext, fn: () => T): T {
  return storage.run(idsOf(fields), fn);
}

/** Adds ids learned while handling a request or a job to its context; outside any context it does nothing. */
export function addToLogContext(fields: LogContext): void {
  const current = storage.getStore();
  if (current !== undefined) Object.assign(current, idsOf(fields));
}

/** The current context's ids, as a new object (pino mutates what a mixin returns). */
export function currentLogContext(): LogContext {
  const current = storage.getStore();
  return current === undefined ? {} : { ...current };
}
