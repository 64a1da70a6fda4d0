/**
 * What only the BullMQ job system has to prove, against a real Redis: the flow, delivery and
 * periodic jobs and options it writes, that finished-job retention cannot leave a re-created
 * referral stuck, that bad data fails without leaking into Redis, that a periodic kind runs one
 * at a time across the processes of a deployment and comes back after Redis loses its data, and
 * that an unreachable Redis is reported, not hung on.
 */
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MashError } from '../../src/lib/errors.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { QUEUE_NAMES } from '../../src/model/jobs.ts';
import { POLICY_BACKOFF, createBullmqScheduler, startBullmqWorkers, type BullmqScheduler, type BullmqWorkers } from '../../src/queue/bullmq.ts';
import type { JobWork } from '../../src/queue/runner.ts';
import { waitFor } from '../support/gateway-process.ts';
import { freePort } from '../support/ports.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { recordingProcessors, sleep, uniquePrefix, waitUntilDrained } from './harness.ts';

let redis: TestRedis | undefined;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe('BullMQ job system', () => {
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  function setup(): { url: string; prefix: string; scheduler: BullmqScheduler; lookups: Queue; referrals: Queue } {
    const url = redis!.url;
    const prefix = uniquePrefix();
    const scheduler = createBullmqScheduler({ connection: url, prefix, attempts: 3, backoffMs: 20 });
    const lookups = new Queue(QUEUE_NAMES.lookup, { connection: { url }, prefix });
    const referrals = new Queue(QUEUE_NAMES.referral, { connection: { url }, prefix });
    closers.push(() => scheduler.close(), () => lookups.close(), () => referrals.close());
    return { url, prefix, scheduler, lookups, referrals };
  }

  function workers(options: { url: string; prefix: string }, work: JobWork): BullmqWorkers {
    const started = startBullmqWorkers({ connection: options.url, prefix: options.prefix, work, concurrency: 2, logger: silentLogger() });
    closers.push(() => started.close());
    return started;
  }

  it('writes one flow: the referral waits for its lookups, every job keyed, prioritised, retried and bounded', async () => {
    const { prefix, scheduler, lookups, referrals } = setup();

    await scheduler.schedule({ referralId: 'r1', priority: 1, lookupIds: ['a', 'b'] });

    const parent = await referrals.getJob('referral-r1');
    expect(await parent?.getState()).toBe('waiting-children');
    expect(parent?.data).toEqual({ referralId: 'r1', wave: 1 });
    expect((await parent?.getDependencies())?.unprocessed?.sort()).toEqual([
      `${prefix}:${QUEUE_NAMES.lookup}:lookup-a`,
      `${prefix}:${QUEUE_NAMES.lookup}:lookup-b`,
    ]);
    for (const lookupId of ['a', 'b']) {
      const child = await lookups.getJob(`lookup-${lookupId}`);
      expect(child?.data).toEqual({ referralId: 'r1', lookupId });
      expect(child?.parent?.id).toBe('referral-r1');
      expect(child?.opts).toMatchObject({
        priority: 1,
        attempts: 3,
        // The job carries its retry settings; the workers' retry policy times the retries.
        backoff: { type: POLICY_BACKOFF, delay: 20 },
        ignoreDependencyOnFailure: true,
        removeOnFail: true,
        removeOnComplete: { age: 3_600, count: 5_000 },
      });
    }
    expect(parent?.opts).toMatchObject({ priority: 1, attempts: 3, removeOnFail: true });
  });

  it('re-creates a referral whose job was evicted, without waiting on a lookup that failed before', async () => {
    const { url, prefix, scheduler, lookups, referrals } = setup();
    const recorder = recordingProcessors({ lookup: () => Promise.reject(new Error('agency down')) });
    workers({ url, prefix }, recorder.work);
    const plan = { referralId: 'r-evicted', priority: 2, lookupIds: ['gone'] };

    await scheduler.schedule(plan);
    await waitUntilDrained([lookups, referrals]);
    expect(recorder.callsOf('referral', 'r-evicted')).toHaveLength(1);
    // Retention evicts the finished referral job (here: at once); recovery then schedules again.
    await referrals.remove('referral-r-evicted', { removeChildren: false });
    await scheduler.schedule(plan);
    await waitUntilDrained([lookups, referrals]);

    expect(recorder.callsOf('referral', 'r-evicted')).toHaveLength(2);
    expect(recorder.callsOf('lookup', 'gone')).toHaveLength(6);
  });

  it('fails a job with foreign data once, keeping neither the data nor its values in the reason', async () => {
    const { url, prefix, lookups } = setup();
    const recorder = recordingProcessors();
    // A job written by something else, with a field our schema does not know.
    await lookups.add('lookup', { referralId: 'r', lookupId: 'l', familyName: 'Example-Surname' }, { jobId: 'foreign', attempts: 3 });
    workers({ url, prefix }, recorder.work);
    await waitUntilDrained([lookups]);

    const job = await lookups.getJob('foreign');
    expect(await job?.getState()).toBe('failed');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toContain('unrecognized_keys');
    expect(job?.failedReason).not.toContain('Example-Surname');
    expect(recorder.calls).toEqual([]);
  });

  it('writes a delivery as a keyed job: one per message and due time, delayed, retried by the policy, kept nowhere once done', async () => {
    const { url, prefix, scheduler } = setup();
    const deliveries = new Queue(QUEUE_NAMES.delivery, { connection: { url }, prefix });
    closers.push(() => deliveries.close());
    const dueAt = new Date('2026-11-21T09:00:00.000Z');

    await scheduler.deliver([{ outboxId: 'pub_1', dueAt, delayMs: 60_000 }]);
    await scheduler.deliver([{ outboxId: 'pub_1', dueAt, delayMs: 60_000 }]);

    const jobs = await deliveries.getJobs(['delayed', 'wait', 'active']);
    expect(jobs.map((job) => job.id)).toEqual([`delivery-pub_1-${dueAt.getTime()}`]);
    expect(jobs[0]?.data).toEqual({ outboxId: 'pub_1' });
    expect(jobs[0]?.opts).toMatchObject({ delay: 60_000, attempts: 3, backoff: { type: POLICY_BACKOFF, delay: 20 }, removeOnComplete: true, removeOnFail: true });
  });

  it('runs a periodic kind once at a time across the processes of a deployment, on one schedule', async () => {
    const url = redis!.url;
    const prefix = uniquePrefix();
    // Two worker processes register the same slow kind: a run takes longer than the interval.
    const recorder = recordingProcessors({ retention: () => sleep(300) }, { retention: { everyMs: 100 } });
    workers({ url, prefix }, recorder.work);
    workers({ url, prefix }, recorder.work);

    await sleep(1_500);

    const runs = recorder.callsOf('retention', 'retention');
    expect(recorder.peak.retention).toBe(1);
    for (let n = 1; n < runs.length; n += 1) expect(runs[n]!.startSeq).toBeGreaterThan(runs[n - 1]!.endSeq!);
    // One schedule, not one per process: at most one run per 300 ms of work.
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(runs.length).toBeLessThanOrEqual(6);
  });

  it('restores the schedules when Redis comes back without its data, and runs the start-up kinds again', async () => {
    const own = await startRedis();
    closers.push(() => own.stop());
    const recorder = recordingProcessors({}, { 'audit-seal': { everyMs: 100 }, 'recovery-sweep': { everyMs: 600_000, atStart: true } });
    workers({ url: own.url, prefix: uniquePrefix() }, recorder.work);
    await waitFor(() => Promise.resolve(recorder.callsOf('audit-seal', 'audit-seal').length >= 2 ? true : undefined), 10_000, 'the seal schedule to run');
    expect(recorder.callsOf('recovery-sweep', 'recovery-sweep')).toHaveLength(1);

    await own.kill();
    await sleep(500);
    await own.restart();
    const sealsBefore = recorder.callsOf('audit-seal', 'audit-seal').length;

    await waitFor(() => Promise.resolve(recorder.callsOf('audit-seal', 'audit-seal').length >= sealsBefore + 3 ? true : undefined), 20_000, 'the seal schedule to run again');
    // The recovery sweep runs once more as soon as Redis is back: whatever Redis lost, the store has.
    await waitFor(() => Promise.resolve(recorder.callsOf('recovery-sweep', 'recovery-sweep').length >= 2 ? true : undefined), 10_000, 'the recovery sweep to run again');
  }, 60_000);

  it('reports an unreachable Redis: ping false, schedule rejects with QUEUE.UNAVAILABLE, deliver leaves it to the sweep', async () => {
    const deadUrl = `redis://127.0.0.1:${await freePort()}`;
    const scheduler = createBullmqScheduler({ connection: deadUrl, attempts: 1, backoffMs: 0, pingTimeoutMs: 200, scheduleTimeoutMs: 300 });
    closers.push(() => scheduler.close());

    const started = performance.now();
    expect(await scheduler.ping()).toBe(false);
    await expect(scheduler.schedule({ referralId: 'r', priority: 1, lookupIds: ['l'] })).rejects.toSatisfy(
      (error) => error instanceof MashError && error.code === 'QUEUE.UNAVAILABLE',
    );
    await expect(scheduler.deliver([{ outboxId: 'pub_1', dueAt: new Date(0) }])).resolves.toBeUndefined();
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});
