/**
 * The one retry policy (retry-policy.ts): which failures are worth another try, and how long to
 * wait — exponential, jittered within known bounds, capped — for retries and for waits on our
 * own store. Delays are random, so bounds are checked over many draws.
 */
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MashError } from '../lib/errors.ts';
import { storeUnavailable } from '../store/unavailable.ts';
import { ContentDestroyedError } from '../store/vault.ts';
import { RETRY_MAX_DELAY_MS, STORE_WAIT_MAX_MS, classifyFailure, createRetryPolicy, unavailableCode } from './retry-policy.ts';
import { UnrecoverableJobError } from './runner.ts';

const DRAWS = 2_000;

/** Many draws of `delay()`: their least and greatest, and how many distinct values. */
function sample(delay: () => number): { min: number; max: number; distinct: number } {
  const values = Array.from({ length: DRAWS }, delay);
  return { min: Math.min(...values), max: Math.max(...values), distinct: new Set(values).size };
}

describe('classifyFailure', () => {
  it('waits out our own store or queue being away, however deeply wrapped', () => {
    expect(classifyFailure(storeUnavailable(new Error('connect ECONNREFUSED')))).toBe('wait');
    expect(classifyFailure(new Error('lookup failed', { cause: storeUnavailable(new Error('Connection terminated')) }))).toBe('wait');
    expect(classifyFailure(new MashError('QUEUE.UNAVAILABLE', 'the job system could not take the research plan'))).toBe('wait');
    expect(unavailableCode(storeUnavailable(new Error('x')))).toBe('STORE.UNAVAILABLE');
    expect(unavailableCode(new MashError('QUEUE.UNAVAILABLE', 'x'))).toBe('QUEUE.UNAVAILABLE');
    expect(unavailableCode(new Error('agency down'))).toBeUndefined();
  });

  it('retries infrastructure faults', () => {
    expect(classifyFailure(new Error('agency down'))).toBe('retry');
    expect(classifyFailure(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe('retry');
    expect(classifyFailure(new MashError('INTERNAL', 'a bug that may not recur'))).toBe('retry');
    expect(classifyFailure('not even an error')).toBe('retry');
  });

  it('gives up on what cannot succeed: unrecoverable errors, invalid data, expected failures', () => {
    expect(classifyFailure(new UnrecoverableJobError('JOB.INVALID_DATA', 'job data invalid: lookupId: too_small'))).toBe('give-up');
    expect(classifyFailure(new UnrecoverableError('stop'))).toBe('give-up');
    expect(classifyFailure(z.object({ id: z.string() }).safeParse({}).error)).toBe('give-up');
    expect(classifyFailure(new MashError('REFERRAL.NOT_FOUND', 'no referral'))).toBe('give-up');
    expect(classifyFailure(new MashError('FIREWALL.DENIED', 'denied'))).toBe('give-up');
    expect(classifyFailure(new ContentDestroyedError('r', 'police'))).toBe('give-up');
  });
});

describe('retry delays', () => {
  it('double from the base with jitter: each in [d/2, d) for d = backoff × 2^(n−1)', () => {
    const policy = createRetryPolicy({ attempts: 5, backoffMs: 1_000 });
    for (const [attempt, d] of [
      [1, 1_000],
      [2, 2_000],
      [3, 4_000],
      [4, 8_000],
    ] as const) {
      const drawn = sample(() => policy.retryDelayMs(attempt));
      expect(drawn.min, `attempt ${attempt}`).toBeGreaterThanOrEqual(d / 2);
      expect(drawn.max, `attempt ${attempt}`).toBeLessThan(d);
      // Jitter: retries that failed together do not come back together.
      expect(drawn.distinct, `attempt ${attempt}`).toBeGreaterThan(100);
      // And the draws span the range, not a corner of it.
      expect(drawn.max - drawn.min, `attempt ${attempt}`).toBeGreaterThan(d * 0.4);
    }
  });

  it('are capped, at an hour by default — well inside setTimeout and Date ranges — or at the cap given', () => {
    const policy = createRetryPolicy({ attempts: 100, backoffMs: 3_600_000 });
    for (const attempt of [2, 40, 64, 100, 10_000]) {
      const drawn = sample(() => policy.retryDelayMs(attempt));
      expect(drawn.max).toBeLessThan(RETRY_MAX_DELAY_MS);
      expect(drawn.min).toBeGreaterThanOrEqual(RETRY_MAX_DELAY_MS / 2);
    }
    expect(RETRY_MAX_DELAY_MS).toBeLessThan(2 ** 31 - 1);
    const capped = createRetryPolicy({ attempts: 10, backoffMs: 100, maxDelayMs: 500 });
    expect(sample(() => capped.retryDelayMs(9)).max).toBeLessThan(500);
  });

  it('are zero for a zero backoff', () => {
    expect(sample(() => createRetryPolicy({ attempts: 3, backoffMs: 0 }).retryDelayMs(2))).toEqual({ min: 0, max: 0, distinct: 1 });
  });
});

describe('store waits', () => {
  it('grow from the backoff (at least 100 ms, so a zero backoff cannot spin), jittered, up to STORE_WAIT_MAX_MS', () => {
    const policy = createRetryPolicy({ attempts: 2, backoffMs: 1_000 });
    for (const [waits, d] of [
      [0, 1_000],
      [1, 2_000],
      [2, 4_000],
      [3, 8_000],
      [4, STORE_WAIT_MAX_MS],
      [1_000, STORE_WAIT_MAX_MS],
    ] as const) {
      const drawn = sample(() => policy.waitDelayMs(waits));
      expect(drawn.min, `wait ${waits}`).toBeGreaterThanOrEqual(d / 2);
      expect(drawn.max, `wait ${waits}`).toBeLessThan(d);
    }
    expect(sample(() => createRetryPolicy({ attempts: 1, backoffMs: 0 }).waitDelayMs(0)).min).toBeGreaterThanOrEqual(50);
  });
});

describe('decide', () => {
  const policy = createRetryPolicy({ attempts: 3, backoffMs: 100 });

  it('retries a fault while attempts remain, then gives up', () => {
    const first = policy.decide(new Error('agency down'), 1, 0);
    expect(first.kind).toBe('retry');
    expect(first.kind === 'retry' && first.delayMs >= 50 && first.delayMs < 100).toBe(true);
    expect(policy.decide(new Error('agency down'), 2, 0).kind).toBe('retry');
    expect(policy.decide(new Error('agency down'), 3, 0)).toEqual({ kind: 'give-up', reason: 'attempts-exhausted' });
  });

  it('waits for the store however many attempts are spent, longer each time', () => {
    const waiting = policy.decide(storeUnavailable(new Error('x')), 3, 5);
    expect(waiting.kind).toBe('wait');
    expect(waiting.kind === 'wait' && waiting.delayMs >= 1_600 && waiting.delayMs < 3_200).toBe(true);
  });

  it('gives up at once on what cannot succeed', () => {
    expect(policy.decide(new UnrecoverableJobError('JOB.INVALID_DATA', 'no'), 1, 0)).toEqual({ kind: 'give-up', reason: 'not-retryable' });
  });
});

describe('options', () => {
  it('refuses options that would stall or spin', () => {
    expect(() => createRetryPolicy({ attempts: 0, backoffMs: 1 })).toThrow(RangeError);
    expect(() => createRetryPolicy({ attempts: 1.5, backoffMs: 1 })).toThrow(RangeError);
    expect(() => createRetryPolicy({ attempts: 1, backoffMs: -1 })).toThrow(RangeError);
    expect(() => createRetryPolicy({ attempts: 1, backoffMs: 1, maxDelayMs: 2 ** 31 })).toThrow(RangeError);
  });
});
