/**
 * One behavioural contract for both job systems: the in-process runner (embedded mode) and
 * BullMQ on a real Redis (distributed mode). Whatever the gateway, the outbox and the sweeps may
 * rely on — research flows, keyed deliveries, periodic kinds, the one retry policy — is proven
 * here against both, so the two cannot drift apart.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MashError } from '../../src/lib/errors.ts';
import type { Logger } from '../../src/lib/logger.ts';
import type { DeliveryRequest, ResearchPlan } from '../../src/model/jobs.ts';
import { UnrecoverableJobError, type JobWork, type RunnerOptions } from '../../src/queue/runner.ts';
import { storeUnavailable } from '../../src/store/unavailable.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import {
  bullmqSystem,
  capturingLogger,
  deferred,
  inProcessSystem,
  recordingProcessors,
  sleep,
  type JobSystem,
  type JobSystemFactory,
  type LogLine,
} from './harness.ts';

let redis: TestRedis | undefined;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

const redisUrl = (): string => {
  if (redis === undefined) throw new Error('redis not started');
  return redis.url;
};

const FAST: RunnerOptions = { concurrency: 2, attempts: 3, backoffMs: 20 };

const plan = (referralId: string, lookupIds: readonly string[], priority = 2): ResearchPlan => ({ referralId, priority, lookupIds });

/** A delivery of outbox message `outboxId` as due at `dueMs` (the job key's second part). */
const delivery = (outboxId: string, dueMs = 1_000, delayMs?: number): DeliveryRequest => ({ outboxId, dueAt: new Date(dueMs), ...(delayMs === undefined ? {} : { delayMs }) });

describe.each<{ name: string; factory: JobSystemFactory }>([
  { name: 'in-process', factory: inProcessSystem },
  { name: 'bullmq', factory: bullmqSystem(redisUrl) },
])('job system contract: $name', ({ factory }) => {
  let systems: JobSystem[] = [];

  const create = (work: JobWork, options: Partial<RunnerOptions> = {}, logger?: Logger): JobSystem => {
    const system = factory(work, { ...FAST, ...options }, logger ?? capturingLogger().logger);
    systems.push(system);
    return system;
  };

  afterEach(async () => {
    await Promise.all(systems.map((system) => system.close()));
    systems = [];
  });

  it('runs the referral once, after every lookup has finished', async () => {
    const recorder = recordingProcessors({ lookup: (id) => sleep(id === 'l2' ? 30 : 5) });
    const system = create(recorder.work, { concurrency: 3 });
    system.start();

    await system.scheduler.schedule(plan('r1', ['l1', 'l2', 'l3']));
    await system.idle();

    const lookups = recorder.calls.filter((call) => call.kind === 'lookup');
    expect(lookups.map((call) => call.id).sort()).toEqual(['l1', 'l2', 'l3']);
    const referrals = recorder.callsOf('referral', 'r1');
    expect(referrals).toHaveLength(1);
    const lastLookupEnd = Math.max(...lookups.map((call) => call.endSeq ?? Infinity));
    expect(referrals[0]!.startSeq).toBeGreaterThan(lastLookupEnd);
  });

  it('runs a plan with no lookups straight away', async () => {
    const recorder = recordingProcessors();
    const system = create(recorder.work);
    system.start();

    await system.scheduler.schedule(plan('lonely', []));
    await system.idle();

    expect(recorder.callsOf('referral', 'lonely')).toHaveLength(1);
  });

  it('runs ready jobs lowest priority number first', async () => {
    const recorder = recordingProcessors({ lookup: () => sleep(5) });
    const system = create(recorder.work, { concurrency: 1 });

    // All queued before any work starts: green first, red last.
    await system.scheduler.schedule(plan('green', ['g1', 'g2'], 3));
    await system.scheduler.schedule(plan('amber', ['a1', 'a2'], 2));
    await system.scheduler.schedule(plan('red', ['r1', 'r2'], 1));
    system.start();
    await system.idle();

    const lookupOrder = recorder.calls.filter((call) => call.kind === 'lookup').map((call) => call.id);
    expect(lookupOrder).toHaveLength(6);
    expect(new Set(lookupOrder.slice(0, 2))).toEqual(new Set(['r1', 'r2']));
    expect(new Set(lookupOrder.slice(2, 4))).toEqual(new Set(['a1', 'a2']));
    expect(new Set(lookupOrder.slice(4, 6))).toEqual(new Set(['g1', 'g2']));
    const referralOrder = recorder.calls.filter((call) => call.kind === 'referral').map((call) => call.id);
    expect(referralOrder).toEqual(['red', 'amber', 'green']);
  });

  it("moves a referral's waiting work ahead when its rating rises", async () => {
    const recorder = recordingProcessors({ lookup: () => sleep(5) });
    const system = create(recorder.work, { concurrency: 1 });

    // Two green referrals queued before work starts; then the second is re-rated red.
    await system.scheduler.schedule(plan('first', ['f1', 'f2'], 10));
    await system.scheduler.schedule(plan('second', ['s1', 's2'], 10));
    await system.scheduler.reprioritise({ referralId: 'second', lookupIds: ['s1', 's2'], priority: 1 });
    system.start();
    await system.idle();

    const lookupOrder = recorder.calls.filter((call) => call.kind === 'lookup').map((call) => call.id);
    expect(new Set(lookupOrder.slice(0, 2))).toEqual(new Set(['s1', 's2']));
    expect(recorder.calls.filter((call) => call.kind === 'referral').map((call) => call.id)).toEqual(['second', 'first']);
  });

  it('re-prioritises harmlessly what is not waiting: unknown ids, and jobs already finished', async () => {
    const recorder = recordingProcessors({ lookup: () => sleep(1) });
    const system = create(recorder.work, { concurrency: 1 });
    system.start();
    await system.scheduler.schedule(plan('done', ['d1'], 10));
    await system.idle();
    await system.scheduler.reprioritise({ referralId: 'done', lookupIds: ['d1', 'missing'], priority: 1 });
    await system.scheduler.reprioritise({ referralId: 'never-scheduled', lookupIds: [], priority: 1 });
    expect(recorder.callsOf('lookup', 'd1')).toHaveLength(1);
  });

  it('retries a failing lookup with exponential backoff and jitter, then runs the referral', async () => {
    const backoffMs = 40;
    const recorder = recordingProcessors({
      lookup: (id, attempt) => (attempt < 3 ? Promise.reject(new Error(`agency down (${id})`)) : Promise.resolve()),
    });
    const { logger, lines } = capturingLogger();
    const system = create(recorder.work, { attempts: 3, backoffMs }, logger);
    system.start();

    await system.scheduler.schedule(plan('r-retry', ['flaky']));
    await system.idle();

    const attempts = recorder.callsOf('lookup', 'flaky');
    expect(attempts).toHaveLength(3);
    const [first, second, third] = attempts;
    // Each delay is drawn from [d/2, d) with d = backoff × 2^(n−1) (retry-policy.ts), and is waited out.
    const delays = retryLines(lines, 'lookup-flaky').map((line) => line.retryInMs!);
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(backoffMs / 2);
    expect(delays[0]).toBeLessThan(backoffMs);
    expect(delays[1]).toBeGreaterThanOrEqual(backoffMs);
    expect(delays[1]).toBeLessThan(2 * backoffMs);
    // Timers may fire a millisecond early relative to performance.now(); allow 2 ms.
    expect(second!.startedAt - first!.endedAt!).toBeGreaterThanOrEqual(delays[0]! - 2);
    expect(third!.startedAt - second!.endedAt!).toBeGreaterThanOrEqual(delays[1]! - 2);

    const referrals = recorder.callsOf('referral', 'r-retry');
    expect(referrals).toHaveLength(1);
    expect(referrals[0]!.startSeq).toBeGreaterThan(third!.endSeq!);
  });

  it('still runs the referral when a lookup fails every attempt or unrecoverably', async () => {
    const recorder = recordingProcessors({
      lookup: (id) => {
        if (id === 'down') return Promise.reject(new Error('agency down'));
        if (id === 'refused') return Promise.reject(new UnrecoverableJobError('JOB.INVALID_DATA', 'agency refused the request'));
        return Promise.resolve();
      },
    });
    const { logger, lines } = capturingLogger();
    const system = create(recorder.work, { attempts: 2, backoffMs: 10 }, logger);
    system.start();

    await system.scheduler.schedule(plan('r-partial', ['down', 'refused', 'fine']));
    await system.idle();

    expect(recorder.callsOf('lookup', 'down')).toHaveLength(2);
    expect(recorder.callsOf('lookup', 'refused')).toHaveLength(1);
    expect(recorder.callsOf('lookup', 'fine')).toHaveLength(1);
    const referrals = recorder.callsOf('referral', 'r-partial');
    expect(referrals).toHaveLength(1);
    const lastLookupEnd = Math.max(...recorder.calls.filter((call) => call.kind === 'lookup').map((call) => call.endSeq!));
    expect(referrals[0]!.startSeq).toBeGreaterThan(lastLookupEnd);

    expect(finalFailure(lines, 'lookup-down')).toMatchObject({ attempt: 2, final: true });
    expect(finalFailure(lines, 'lookup-refused')).toMatchObject({ attempt: 1, final: true, code: 'JOB.INVALID_DATA' });
  });

  it('runs a job that met the store unavailable again without spending its attempts', async () => {
    // Four runs meet PostgreSQL restarting — more than the two attempts allowed — then it is back.
    const recorder = recordingProcessors({
      lookup: (_id, attempt) => (attempt <= 4 ? Promise.reject(storeUnavailable(new Error('Connection terminated unexpectedly'))) : Promise.resolve()),
      referral: (_id, attempt) => (attempt <= 1 ? Promise.reject(storeUnavailable(new Error('connect ECONNREFUSED'))) : Promise.resolve()),
    });
    const { logger, lines } = capturingLogger();
    const system = create(recorder.work, { attempts: 2, backoffMs: 10 }, logger);
    system.start();

    await system.scheduler.schedule(plan('r-store', ['waits']));
    await system.idle();

    expect(recorder.callsOf('lookup', 'waits')).toHaveLength(5);
    expect(recorder.callsOf('referral', 'r-store')).toHaveLength(2);
    const lookupEnd = recorder.callsOf('lookup', 'waits')[4]!.endSeq!;
    expect(recorder.callsOf('referral', 'r-store')[0]!.startSeq).toBeGreaterThan(lookupEnd);
    expect(lines.filter((line) => line.final !== undefined)).toEqual([]);
    expect(lines.filter((line) => line.jobId === 'lookup-waits' && line.code === 'STORE.UNAVAILABLE')).toHaveLength(4);
  });

  it('never runs more than `concurrency` jobs of a kind at once, and does reach it', async () => {
    const recorder = recordingProcessors({ lookup: () => sleep(25), referral: () => sleep(25), delivery: () => sleep(25) });
    const system = create(recorder.work, { concurrency: 3 });

    for (let index = 0; index < 4; index += 1) {
      await system.scheduler.schedule(plan(`busy${index}`, [`b${index}a`, `b${index}b`, `b${index}c`]));
    }
    // Referrals without lookups are all ready at once: they load the referral lane.
    for (let index = 0; index < 5; index += 1) await system.scheduler.schedule(plan(`bare${index}`, []));
    await system.deliveries.deliver(Array.from({ length: 5 }, (_, index) => delivery(`m${index}`)));
    system.start();
    await system.idle();

    expect(recorder.calls.filter((call) => call.kind === 'lookup')).toHaveLength(12);
    expect(recorder.calls.filter((call) => call.kind === 'referral')).toHaveLength(9);
    expect(recorder.calls.filter((call) => call.kind === 'delivery')).toHaveLength(5);
    expect(recorder.peak).toEqual({ lookup: 3, referral: 3, delivery: 3 });
  });

  it('dedupes a plan scheduled again while queued or running', async () => {
    const firstStarted = deferred();
    const release = deferred();
    const recorder = recordingProcessors({
      lookup: async (id) => {
        if (id === 'd1') {
          firstStarted.resolve();
          await release.promise;
        }
      },
    });
    const system = create(recorder.work, { concurrency: 1 });
    const twice = plan('r-dup', ['d1', 'd2', 'd3'], 1);

    await system.scheduler.schedule(twice);
    await system.scheduler.schedule(twice);
    system.start();
    await firstStarted.promise;
    await system.scheduler.schedule(twice); // d1 running, d2 and d3 queued, referral waiting
    release.resolve();
    await system.idle();

    for (const lookupId of ['d1', 'd2', 'd3']) expect(recorder.callsOf('lookup', lookupId)).toHaveLength(1);
    expect(recorder.callsOf('referral', 'r-dup')).toHaveLength(1);
  });

  it('takes a repeat of a finished plan harmlessly: nothing is left stuck', async () => {
    const recorder = recordingProcessors();
    const system = create(recorder.work);
    system.start();
    const again = plan('r-again', ['x1', 'x2']);

    await system.scheduler.schedule(again);
    await system.idle();
    await system.scheduler.schedule(again);
    await system.idle();

    // In-process forgets finished jobs (runs again); BullMQ keeps them a while (no-op).
    for (const lookupId of ['x1', 'x2']) expect(recorder.callsOf('lookup', lookupId).length).toBeOneOf([1, 2]);
    expect(recorder.callsOf('referral', 'r-again').length).toBeOneOf([1, 2]);
  });

  it('fails jobs whose data does not parse, without retrying or calling the processor', async () => {
    const recorder = recordingProcessors();
    const { logger, lines } = capturingLogger();
    const system = create(recorder.work, { attempts: 3, backoffMs: 10 }, logger);
    system.start();

    // Empty ids pass the scheduler (it only keys jobs) but not the processors' zod parse.
    await system.scheduler.schedule(plan('', ['orphan']));
    await system.scheduler.schedule(plan('r-blank', ['']));
    await system.idle();

    // Only the one job with good data ran: r-blank's referral, its lookup having failed.
    expect(recorder.calls.map((call) => `${call.kind} ${call.id}`)).toEqual(['referral r-blank']);
    for (const jobId of ['lookup-orphan', 'referral-', 'lookup-']) {
      expect(finalFailure(lines, jobId)).toMatchObject({ attempt: 1, final: true, code: 'JOB.INVALID_DATA' });
      expect(retryLines(lines, jobId)).toEqual([]);
    }
  });

  it('answers ping while open; refuses work once closed', async () => {
    const system = create(recordingProcessors().work);
    system.start();
    expect(await system.scheduler.ping()).toBe(true);

    await system.close();

    expect(await system.scheduler.ping()).toBe(false);
    await expect(system.scheduler.schedule(plan('late', ['z']))).rejects.toSatisfy(
      (error) => error instanceof MashError && error.code === 'QUEUE.UNAVAILABLE',
    );
    // Best effort by contract: a delivery the engine cannot take stays due in the store for the outbox sweep.
    await expect(system.deliveries.deliver([delivery('late')])).resolves.toBeUndefined();
  });

  it('rejects a priority neither runner can honour', async () => {
    const system = create(recordingProcessors().work);
    await expect(system.scheduler.schedule(plan('bad-priority', ['p'], 1.5))).rejects.toThrow(RangeError);
    await expect(system.scheduler.schedule(plan('bad-priority', ['p'], -1))).rejects.toThrow(RangeError);
  });

  it('runs a delivery once per message and due time, however often and wherever it is enqueued', async () => {
    const firstStarted = deferred();
    const release = deferred();
    const recorder = recordingProcessors({
      delivery: async (id, attempt) => {
        if (id === 'pub_1' && attempt === 1) {
          firstStarted.resolve();
          await release.promise;
        }
      },
    });
    const system = create(recorder.work, { concurrency: 1 });

    // After the commit, and by a sweep in another process, before any worker runs: one job.
    await system.deliveries.deliver([delivery('pub_1'), delivery('fbk_2')]);
    await system.deliveries.deliver([delivery('pub_1'), delivery('pub_1')]);
    system.start();
    await firstStarted.promise;
    await system.deliveries.deliver([delivery('pub_1')]); // running: still one job
    release.resolve();
    await system.idle();
    expect(recorder.callsOf('delivery', 'pub_1')).toHaveLength(1);
    expect(recorder.callsOf('delivery', 'fbk_2')).toHaveLength(1);

    // Due again later (a retry, a lapsed lease): a new job.
    await system.deliveries.deliver([delivery('pub_1', 2_000)]);
    await system.idle();
    expect(recorder.callsOf('delivery', 'pub_1')).toHaveLength(2);
  });

  it('holds a delayed delivery back for its delay', async () => {
    const recorder = recordingProcessors();
    const system = create(recorder.work);
    system.start();

    const enqueuedAt = performance.now();
    await system.deliveries.deliver([delivery('fbk_later', 1_000, 150)]);
    await system.idle();

    const [call] = recorder.callsOf('delivery', 'fbk_later');
    expect(call).toBeDefined();
    expect(call!.startedAt - enqueuedAt).toBeGreaterThanOrEqual(150 - 2);
  });

  it('retries what may heal and gives up at once on what cannot: the one retry policy for every kind', async () => {
    const recorder = recordingProcessors({
      delivery: async (id, attempt) => {
        await Promise.resolve();
        if (id === 'flaky' && attempt < 3) throw new Error('host socket reset');
        if (id === 'expected') throw new MashError('REFERRAL.NOT_FOUND', 'no such referral');
        // A ZodError: data that does not parse now will not parse on a retry either.
        if (id === 'unparsable') z.object({ outcome: z.string() }).parse({});
      },
    });
    const { logger, lines } = capturingLogger();
    const system = create(recorder.work, { attempts: 4, backoffMs: 10 }, logger);
    system.start();

    await system.deliveries.deliver([delivery('flaky'), delivery('expected'), delivery('unparsable')]);
    await system.idle();

    expect(recorder.callsOf('delivery', 'flaky')).toHaveLength(3);
    expect(retryLines(lines, 'delivery-flaky-1000')).toHaveLength(2);
    expect(recorder.callsOf('delivery', 'expected')).toHaveLength(1);
    expect(finalFailure(lines, 'delivery-expected-1000')).toMatchObject({ attempt: 1, final: true, code: 'REFERRAL.NOT_FOUND' });
    expect(recorder.callsOf('delivery', 'unparsable')).toHaveLength(1);
    expect(finalFailure(lines, 'delivery-unparsable-1000')).toMatchObject({ attempt: 1, final: true });
  });

  it('runs each periodic kind on its schedule, once at start when asked, never overlapping itself', async () => {
    // A run slower than its interval: ticks meanwhile are skipped, not piled up or overlapped.
    const recorder = recordingProcessors({ 'audit-seal': () => sleep(250) }, { 'audit-seal': { everyMs: 100 }, 'recovery-sweep': { everyMs: 60_000, atStart: true } });
    const system = create(recorder.work);
    system.start();

    await sleep(900);

    expect(recorder.callsOf('recovery-sweep', 'recovery-sweep')).toHaveLength(1);
    const seals = recorder.callsOf('audit-seal', 'audit-seal');
    expect(seals.length).toBeGreaterThanOrEqual(2);
    expect(seals.length).toBeLessThanOrEqual(4);
    expect(recorder.peak['audit-seal']).toBe(1);
    for (let n = 1; n < seals.length; n += 1) expect(seals[n]!.startSeq).toBeGreaterThan(seals[n - 1]!.endSeq!);
  });

  it('does not retry a failed periodic run but runs it again on schedule, saying so under its code', async () => {
    const recorder = recordingProcessors(
      { 'outbox-sweep': (_id, attempt) => (attempt <= 2 ? Promise.reject(new Error('host socket reset')) : Promise.resolve()) },
      { 'outbox-sweep': { everyMs: 80 } },
    );
    const { logger, lines } = capturingLogger();
    const system = create(recorder.work, {}, logger);
    system.start();

    await sleep(600);

    expect(recorder.callsOf('outbox-sweep', 'outbox-sweep').length).toBeGreaterThanOrEqual(3);
    const failures = lines.filter((line) => line.queue === 'outbox-sweep' && line.code === 'OUTBOX.SWEEP_FAILED');
    expect(failures).toHaveLength(2);
    expect(lines.filter((line) => line.queue === 'outbox-sweep' && line.final !== undefined)).toEqual([]);
  });

  it('says once a minute, not every run, that a periodic kind met the store away', async () => {
    const recorder = recordingProcessors(
      { 'audit-checkpoint': () => Promise.reject(storeUnavailable(new Error('connect ECONNREFUSED'))) },
      { 'audit-checkpoint': { everyMs: 60 } },
    );
    const { logger, lines } = capturingLogger();
    const system = create(recorder.work, {}, logger);
    system.start();

    await sleep(500);

    expect(recorder.callsOf('audit-checkpoint', 'audit-checkpoint').length).toBeGreaterThanOrEqual(3);
    expect(lines.filter((line) => line.code === 'AUDIT.CHECKPOINT_FAILED')).toHaveLength(1);
  });

  it('on close, lets a running periodic run finish and starts no more', async () => {
    const started = deferred();
    const recorder = recordingProcessors(
      {
        retention: async () => {
          started.resolve();
          await sleep(200);
        },
      },
      { retention: { everyMs: 50, atStart: true } },
    );
    const system = create(recorder.work);
    system.start();
    await started.promise;

    await system.close();

    const runs = recorder.callsOf('retention', 'retention');
    expect(runs.every((run) => run.endedAt !== undefined)).toBe(true);
    await sleep(250);
    expect(recorder.callsOf('retention', 'retention')).toHaveLength(runs.length);
  });
});

function retryLines(lines: readonly LogLine[], jobId: string): LogLine[] {
  return lines.filter((line) => line.jobId === jobId && line.final === false);
}

function finalFailure(lines: readonly LogLine[], jobId: string): LogLine | undefined {
  const finals = lines.filter((line) => line.jobId === jobId && line.final === true);
  expect(finals, `one final failure logged for ${jobId}`).toHaveLength(1);
  return finals[0];
}
