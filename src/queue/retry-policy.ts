/**
 * The one retry policy of all background work (docs/decisions.md, "One job engine, one retry
 * policy"). Before it, backoff was written three times — the BullMQ runner, the in-process runner
 * and the outbox — each doubling without jitter, so jobs that failed together (an agency down, the
 * store restarting) came back together. Now one module says, for every job kind and for outbox
 * deliveries alike:
 * - **whether** a failure is worth another try: our own store or queue away is waited out without
 *   spending an attempt; an infrastructure fault is retried; an unrecoverable error, job data that
 *   does not parse and an expected failure (a 4xx MashError, content destroyed) are not;
 * - **when**: exponential backoff with jitter, from cockatiel (CONVENTIONS.md §12: the well-kept
 *   library for retries). Its half-jitter generator draws each delay between half and all of
 *   `backoff × 2^(n−1)` (AWS "equal jitter"), so the configured first delay stays the longest
 *   first wait and retries spread out instead of arriving in step; every delay is capped.
 * The BullMQ workers ask it through a custom backoff strategy, the in-process runner calls it
 * directly, and the outbox schedules its next delivery attempt with it.
 */
import { ExponentialBackoff, halfJitterGenerator, type IBackoff } from 'cockatiel';
import { ZodError } from 'zod';
import { MashError } from '../lib/errors.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import { ContentDestroyedError } from '../store/vault.ts';
import { isUnrecoverable } from './runner.ts';

/** The longest a retry waits, whatever the attempt: an hour (and below setTimeout's 2^31 − 1 ms). */
export const RETRY_MAX_DELAY_MS = 3_600_000;

/** The longest a job waits before trying our store (or queue) again. */
export const STORE_WAIT_MAX_MS = 10_000;

/** The shortest first wait for the store, so a zero backoff cannot spin against a store that is down. */
const STORE_WAIT_MIN_MS = 100;

/**
 * What a failure calls for:
 * - `wait`: our own infrastructure (store or queue) was away; the run says nothing about the job,
 *   which runs again later without spending an attempt (docs/decisions.md, "Surviving a
 *   PostgreSQL restart");
 * - `retry`: an infrastructure fault (an agency or host down, a socket reset, a bug that may be
 *   transient); tried again after a backoff, spending an attempt;
 * - `give-up`: retrying cannot help.
 */
export type FailureClass = 'wait' | 'retry' | 'give-up';

/** Classifies a thrown value (see {@link FailureClass}). Expected outcomes are values, never thrown (CONVENTIONS.md §3). */
export function classifyFailure(error: unknown): FailureClass {
  if (unavailableCode(error) !== undefined) return 'wait';
  // Ours (JOB.INVALID_DATA among them), BullMQ's, or any error so named.
  if (isUnrecoverable(error)) return 'give-up';
  // Data that does not parse will not parse next time either.
  if (error instanceof ZodError) return 'give-up';
  // A 4xx MashError is an expected failure (not found, denied, conflict, gone): the same answer again.
  if (error instanceof MashError && error.status !== null && error.status < 500) return 'give-up';
  if (error instanceof ContentDestroyedError) return 'give-up';
  return 'retry';
}

/** Which of our own services a failure met away (the error or one it wraps), if any: the code a wait is logged with. */
export function unavailableCode(error: unknown): 'STORE.UNAVAILABLE' | 'QUEUE.UNAVAILABLE' | undefined {
  if (isStoreUnavailable(error)) return 'STORE.UNAVAILABLE';
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 10; current = current.cause, depth += 1) {
    if (current instanceof MashError && current.code === 'QUEUE.UNAVAILABLE') return 'QUEUE.UNAVAILABLE';
  }
  return undefined;
}

/** How one kind of work is retried. */
export interface RetryPolicyOptions {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** The first retry's delay before jitter; each later one doubles (BullMQ's "exponential"). */
  readonly backoffMs: number;
  /** The longest delay. Default {@link RETRY_MAX_DELAY_MS}. */
  readonly maxDelayMs?: number;
}

/** What to do after a failed run. */
export type RetryDecision =
  | { readonly kind: 'wait'; readonly delayMs: number }
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'give-up'; readonly reason: 'not-retryable' | 'attempts-exhausted' };

export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /**
   * Milliseconds to wait after failed attempt number `attempt` (1-based) before the next: drawn
   * from [d/2, d) where d = min(backoffMs × 2^(attempt−1), maxDelayMs).
   */
  retryDelayMs(attempt: number): number;
  /**
   * Milliseconds before the next run of a job that has waited for our store `waits` times before
   * (0-based): drawn from [d/2, d) where d = min(max(backoffMs, 100) × 2^waits, STORE_WAIT_MAX_MS).
   */
  waitDelayMs(waits: number): number;
  /** The decision after attempt number `attempt` (1-based; a wait does not count) failed with `error`, having waited `waits` times. */
  decide(error: unknown, attempt: number, waits: number): RetryDecision;
}

/** Throws a RangeError for options that would make work stall or spin; a bug in configuration. */
export function assertRetryOptions(options: RetryPolicyOptions): void {
  if (!Number.isInteger(options.attempts) || options.attempts < 1) throw new RangeError('attempts must be an integer >= 1');
  if (!Number.isFinite(options.backoffMs) || options.backoffMs < 0) throw new RangeError('backoffMs must be a number >= 0');
  if (options.maxDelayMs !== undefined && (!Number.isFinite(options.maxDelayMs) || options.maxDelayMs < 0 || options.maxDelayMs > RETRY_MAX_DELAY_MS)) {
    throw new RangeError(`maxDelayMs must be a number in 0..${RETRY_MAX_DELAY_MS}`);
  }
}

// Past this many doublings every delay is at its cap; walking further only spends random draws.
const MAX_STEPS = 64;

/** The `step`-th delay (1-based) of a cockatiel backoff. */
function nthDelay(backoff: ExponentialBackoff<number>, step: number): number {
  let current: IBackoff<unknown> = backoff.next();
  for (let n = 1; n < Math.min(Math.max(step, 1), MAX_STEPS); n += 1) current = current.next(undefined);
  return current.duration;
}

/** Builds the policy of one kind of work. */
export function createRetryPolicy(options: RetryPolicyOptions): RetryPolicy {
  assertRetryOptions(options);
  const retries = new ExponentialBackoff({ initialDelay: options.backoffMs, maxDelay: options.maxDelayMs ?? RETRY_MAX_DELAY_MS, exponent: 2, generator: halfJitterGenerator });
  const waits = new ExponentialBackoff({ initialDelay: Math.max(options.backoffMs, STORE_WAIT_MIN_MS), maxDelay: STORE_WAIT_MAX_MS, exponent: 2, generator: halfJitterGenerator });
  const policy: RetryPolicy = {
    attempts: options.attempts,
    retryDelayMs: (attempt) => nthDelay(retries, attempt),
    waitDelayMs: (waited) => nthDelay(waits, waited + 1),
    decide(error, attempt, waited) {
      const failure = classifyFailure(error);
      switch (failure) {
        case 'wait':
          return { kind: 'wait', delayMs: policy.waitDelayMs(waited) };
        case 'give-up':
          return { kind: 'give-up', reason: 'not-retryable' };
        case 'retry':
          return attempt >= options.attempts ? { kind: 'give-up', reason: 'attempts-exhausted' } : { kind: 'retry', delayMs: policy.retryDelayMs(attempt) };
        default:
          return failure satisfies never;
      }
    },
  };
  return policy;
}
