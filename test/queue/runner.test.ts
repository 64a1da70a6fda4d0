/**
 * The pieces both runners share: job-data parsing at processor start (CONVENTIONS.md §2), the
 * unrecoverable signal BullMQ also understands, the backoff formula and plan keying.
 */
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import {
  UnrecoverableJobError,
  executeJob,
  executeLookupJob,
  executeReferralJob,
  isUnrecoverable,
  planJobs,
  retryDelayMs,
  STORE_WAIT_MAX_MS,
  storeWaitDelayMs,
  waitsForStore,
} from '../../src/queue/runner.ts';
import { storeUnavailable } from '../../src/store/unavailable.ts';
import { recordingProcessors } from './harness.ts';

describe('job executors', () => {
  it('hand the parsed job data to the processor', async () => {
    const recorder = recordingProcessors();
    await executeLookupJob({ referralId: 'r', lookupId: 'l' }, recorder.processors);
    await executeReferralJob({ referralId: 'r' }, recorder.processors);
    await executeJob('lookup', { referralId: 'r', lookupId: 'm' }, recorder.processors);
    expect(recorder.calls.map((call) => `${call.kind} ${call.id}`)).toEqual(['lookup l', 'referral r', 'lookup m']);
  });

  it.each([
    ['a missing id', { referralId: 'r' }],
    ['an empty id', { referralId: 'r', lookupId: '' }],
    ['a wrong type', { referralId: 'r', lookupId: 7 }],
    ['an unknown field', { referralId: 'r', lookupId: 'l', familyName: 'Example-Surname' }],
    ['not an object', 'lookup-l'],
  ])('reject lookup data with %s as unrecoverable, naming no values', async (_label, jobData) => {
    const recorder = recordingProcessors();
    const rejection = executeLookupJob(jobData, recorder.processors);

    await expect(rejection).rejects.toBeInstanceOf(UnrecoverableJobError);
    await expect(rejection).rejects.toMatchObject({ name: 'UnrecoverableError', code: 'JOB.INVALID_DATA' });
    await expect(rejection).rejects.toSatisfy((error) => error instanceof Error && !/Example-Surname|lookup-l|\b7\b/.test(error.message));
    expect(recorder.calls).toEqual([]);
  });

  it('reject referral data that does not parse', async () => {
    const recorder = recordingProcessors();
    await expect(executeReferralJob({ referralId: 'r', lookupId: 'l' }, recorder.processors)).rejects.toMatchObject({ code: 'JOB.INVALID_DATA' });
    expect(recorder.calls).toEqual([]);
  });
});

describe('isUnrecoverable', () => {
  it("recognises ours, BullMQ's and any error so named, and nothing else", () => {
    expect(isUnrecoverable(new UnrecoverableJobError('JOB.INVALID_DATA', 'stop'))).toBe(true);
    expect(isUnrecoverable(new UnrecoverableError('stop'))).toBe(true);
    expect(isUnrecoverable(new Error('agency down'))).toBe(false);
    expect(isUnrecoverable('UnrecoverableError')).toBe(false);
  });
});

describe('retryDelayMs', () => {
  it('doubles from the base delay: backoffMs * 2^(attempt-1)', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMs(20, attempt))).toEqual([20, 40, 80, 160]);
  });
});

describe('waiting for the store', () => {
  it('is for STORE.UNAVAILABLE only, and waits longer each time up to STORE_WAIT_MAX_MS', () => {
    expect(waitsForStore(storeUnavailable(new Error('connect ECONNREFUSED')))).toBe(true);
    expect(waitsForStore(new Error('agency down'))).toBe(false);
    expect([0, 1, 2, 3].map((waits) => storeWaitDelayMs(1_000, waits))).toEqual([1_000, 2_000, 4_000, 8_000]);
    expect(storeWaitDelayMs(1_000, 4)).toBe(STORE_WAIT_MAX_MS);
    expect(storeWaitDelayMs(1_000, 1_000)).toBe(STORE_WAIT_MAX_MS);
    // A zero backoff must not spin against a store that is down.
    expect(storeWaitDelayMs(0, 0)).toBe(100);
  });
});

describe('planJobs', () => {
  it('keys the referral and each distinct lookup deterministically', () => {
    expect(planJobs({ referralId: 'r1', priority: 3, lookupIds: ['a', 'b', 'a'] })).toEqual({
      priority: 3,
      referral: { jobId: 'referral-r1', jobData: { referralId: 'r1', wave: 1 } },
      lookups: [
        { jobId: 'lookup-a', jobData: { referralId: 'r1', lookupId: 'a' } },
        { jobId: 'lookup-b', jobData: { referralId: 'r1', lookupId: 'b' } },
      ],
    });
  });

  it('keys each wave of a referral apart, so a second wave is not taken for the first', () => {
    expect(planJobs({ referralId: 'r1', priority: 3, lookupIds: [], wave: 2 }).referral).toEqual({ jobId: 'referral-r1-w2', jobData: { referralId: 'r1', wave: 2 } });
  });

  it.each([-1, 1.5, 2_097_152, Number.NaN])('refuses priority %s', (priority) => {
    expect(() => planJobs({ referralId: 'r', priority, lookupIds: [] })).toThrow(RangeError);
  });

  it("refuses ids BullMQ would refuse (':')", () => {
    expect(() => planJobs({ referralId: 'r:1', priority: 1, lookupIds: [] })).toThrow(RangeError);
    expect(() => planJobs({ referralId: 'r', priority: 1, lookupIds: ['l:1'] })).toThrow(RangeError);
  });
});
