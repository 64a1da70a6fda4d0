/**
 * The pieces both runners share: job-data parsing at processor start (CONVENTIONS.md §2), the
 * unrecoverable signal BullMQ also understands, and the keying of plans and deliveries. When to
 * retry is the retry policy's (retry-policy.test.ts).
 */
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { recordingProcessors } from '../../test/queue/harness.ts';
import {
  UnrecoverableJobError,
  assertPeriodicJobs,
  executeDeliveryJob,
  executeJob,
  executeLookupJob,
  executeReferralJob,
  isUnrecoverable,
  planDeliveries,
  planJobs,
  runInJobLogContext,
} from './runner.ts';
import { currentLogContext, runInLogContext } from '../lib/log-context.ts';

describe('job executors', () => {
  it('hand the parsed job data to the processor', async () => {
    const recorder = recordingProcessors();
    await executeLookupJob({ referralId: 'r', lookupId: 'l' }, recorder.processors);
    await executeReferralJob({ referralId: 'r' }, recorder.processors);
    await executeJob('lookup', { referralId: 'r', lookupId: 'm' }, recorder.processors);
    await executeDeliveryJob({ outboxId: 'pub_1' }, recorder.processors);
    await executeJob('delivery', { outboxId: 'fbk_2' }, recorder.processors);
    expect(recorder.calls.map((call) => `${call.kind} ${call.id}`)).toEqual(['lookup l', 'referral r', 'lookup m', 'delivery pub_1', 'delivery fbk_2']);
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

  it.each([
    ['no outbox id', {}],
    ['an empty outbox id', { outboxId: '' }],
    ['a payload beside the id', { outboxId: 'pub_1', product: { summary: 'Example-Surname' } }],
  ])('reject delivery data with %s, naming no values', async (_label, jobData) => {
    const recorder = recordingProcessors();
    const rejection = executeDeliveryJob(jobData, recorder.processors);
    await expect(rejection).rejects.toMatchObject({ name: 'UnrecoverableError', code: 'JOB.INVALID_DATA' });
    await expect(rejection).rejects.toSatisfy((error) => error instanceof Error && !error.message.includes('Example-Surname'));
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

  it('names the request that scheduled the plan in every job, and the job data still parses', async () => {
    const planned = planJobs({ referralId: 'r1', priority: 3, lookupIds: ['a'] }, { requestId: 'req-1' });
    expect(planned.referral.jobData).toEqual({ referralId: 'r1', wave: 1, requestId: 'req-1' });
    expect(planned.lookups[0]?.jobData).toEqual({ referralId: 'r1', lookupId: 'a', requestId: 'req-1' });
    expect(planJobs({ referralId: 'r1', priority: 3, lookupIds: [] }, {}).referral.jobData).toEqual({ referralId: 'r1', wave: 1 });
    const recorder = recordingProcessors();
    await executeJob('lookup', planned.lookups[0]?.jobData, recorder.processors);
    await executeJob('referral', planned.referral.jobData, recorder.processors);
    await executeJob('delivery', planDeliveries([{ outboxId: 'pub_1', dueAt: new Date(0) }], { requestId: 'req-1' })[0]?.jobData, recorder.processors);
    expect(recorder.calls).toHaveLength(3);
    // A request id that is not a plain token is not job data.
    await expect(executeJob('lookup', { referralId: 'r1', lookupId: 'a', requestId: 'Robert Smith' }, recorder.processors)).rejects.toMatchObject({ code: 'JOB.INVALID_DATA' });
  });

  it("refuses ids BullMQ would refuse (':')", () => {
    expect(() => planJobs({ referralId: 'r:1', priority: 1, lookupIds: [] })).toThrow(RangeError);
    expect(() => planJobs({ referralId: 'r', priority: 1, lookupIds: ['l:1'] })).toThrow(RangeError);
  });
});

describe('planDeliveries', () => {
  it('keys a delivery by message and due time, collapsing repeats, and keeps its delay', () => {
    const dueAt = new Date('2026-11-21T09:00:00.123Z');
    expect(
      planDeliveries([
        { outboxId: 'pub_a', dueAt },
        { outboxId: 'pub_a', dueAt: new Date(dueAt.getTime()) },
        { outboxId: 'pub_a', dueAt: new Date(dueAt.getTime() + 2_000), delayMs: 2_000.4 },
      ]),
    ).toEqual([
      { jobId: `delivery-pub_a-${dueAt.getTime()}`, jobData: { outboxId: 'pub_a' }, delayMs: 0 },
      { jobId: `delivery-pub_a-${dueAt.getTime() + 2_000}`, jobData: { outboxId: 'pub_a' }, delayMs: 2_000 },
    ]);
  });

  it("refuses ids BullMQ would refuse (':'), a due time that is no date, and a negative delay", () => {
    expect(() => planDeliveries([{ outboxId: 'pub:1', dueAt: new Date(0) }])).toThrow(RangeError);
    expect(() => planDeliveries([{ outboxId: 'pub_1', dueAt: new Date(Number.NaN) }])).toThrow(RangeError);
    expect(() => planDeliveries([{ outboxId: 'pub_1', dueAt: new Date(0), delayMs: -1 }])).toThrow(RangeError);
  });
});

describe('runInJobLogContext', () => {
  it("runs in the job's own context: its kind and id, and the referral and request its data names, nothing else of it", async () => {
    const seen = await runInLogContext({ requestId: 'pumping-request', referralId: 'other-referral' }, () =>
      runInJobLogContext('lookup', 'lookup-a', { referralId: 'r1', lookupId: 'a', requestId: 'req-1', familyName: 'Smith' }, async () => {
        await Promise.resolve();
        return currentLogContext();
      }),
    );
    expect(seen).toEqual({ jobKind: 'lookup', jobId: 'lookup-a', referralId: 'r1', requestId: 'req-1' });
    expect(runInJobLogContext('audit-seal', 'periodic-audit-seal', undefined, currentLogContext)).toEqual({ jobKind: 'audit-seal', jobId: 'periodic-audit-seal' });
    expect(runInJobLogContext('delivery', 'delivery-x', 'not an object', currentLogContext)).toEqual({ jobKind: 'delivery', jobId: 'delivery-x' });
  });
});

describe('assertPeriodicJobs', () => {
  it('refuses a schedule that would spin', () => {
    const run = (): Promise<void> => Promise.resolve();
    expect(() => assertPeriodicJobs({ 'audit-seal': { everyMs: 0, run } })).toThrow(RangeError);
    expect(() => assertPeriodicJobs({ retention: { everyMs: 1.5, run } })).toThrow(RangeError);
    expect(() => assertPeriodicJobs({ 'audit-seal': { everyMs: 200, run } })).not.toThrow();
  });
});
