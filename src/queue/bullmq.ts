/**
 * The distributed job engine (DESIGN.md: "distributed when needed"): BullMQ on Redis, one queue
 * per kind. A plan becomes one flow: the referral job (parent) on QUEUE_NAMES.referral waits for
 * one lookup job (child) per lookup on QUEUE_NAMES.lookup. A delivery is a keyed job on
 * QUEUE_NAMES.delivery. Each periodic kind is a BullMQ job scheduler on a queue of its own with a
 * global concurrency of 1, so one run of a kind happens at a time in the whole deployment.
 * Workers in any number of processes drain the queues; retries are timed by the retry policy
 * (retry-policy.ts) through a custom backoff strategy. Same semantics as the in-process runner;
 * the contract suite in test/queue proves it.
 */
import { Redis } from 'ioredis';
import { DelayedError, FlowProducer, Job, Queue, Worker, type JobsOptions, type KeepJobs, type MinimalJob } from 'bullmq';
import { MashError, describeError } from '../lib/errors.ts';
import { currentLogContext } from '../lib/log-context.ts';
import type { Logger } from '../lib/logger.ts';
import { silentLogger } from '../lib/logger.ts';
import type { QueueStats } from '../lib/metrics.ts';
import { KEYED_KINDS, lookupJobId, MAX_WAVES, QUEUE_NAMES, referralJobId, type DeliveryRequest, type DeliveryScheduler, type KeyedKind, type PeriodicKind, type ReprioritiseRequest, type ResearchPlan, type ResearchScheduler } from '../model/jobs.ts';
import { periodicFailureLog } from './periodic.ts';
import { classifyFailure, createRetryPolicy, unavailableCode, type RetryPolicy } from './retry-policy.ts';
import { StoredJobFailure, originalFailure } from './stored-failure.ts';
import {
  assertPeriodicJobs,
  assertRunnerOptions,
  executeJob,
  logJobFailure,
  periodicEntries,
  planDeliveries,
  planJobs,
  runInJobLogContext,
  type JobWork,
  type PeriodicJob,
  type RunnerOptions,
} from './runner.ts';

/**
 * Finished-job retention, so Redis does not grow forever. Eviction runs when later jobs finish.
 * Completed research jobs stay an hour (visible to operators; a repeat schedule meanwhile is a
 * no-op). Failed jobs go at once: a failed job kept in Redis would make a re-schedule of its id a
 * no-op, blocking recovery, and a kept failed child would leave a re-created parent waiting for
 * it forever. Failures are in the logs and, as lookup status, in the store. Deliveries and
 * periodic runs go at once either way: their record is the outbox row and the audit log.
 */
const KEEP_COMPLETED: KeepJobs = { age: 3_600, count: 5_000 };
const REMOVE_FAILED = true;

/** Names our custom backoff strategy in job options; the workers answer it from the retry policy. */
export const POLICY_BACKOFF = 'mash-retry-policy';

/** Options of {@link createBullmqScheduler}; extra fields (e.g. `concurrency`) are ignored. */
export interface BullmqSchedulerOptions extends Pick<RunnerOptions, 'attempts' | 'backoffMs'> {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  readonly connection: string;
  /** Redis key prefix (BullMQ `prefix`); tests use a unique one each. Default `bull`. */
  readonly prefix?: string;
  readonly logger?: Logger;
  /** How long `schedule` and `deliver` may wait for Redis before giving up. Default 5 s. */
  readonly scheduleTimeoutMs?: number;
  /** How long `ping` may wait for Redis before answering false. Default 1 s. */
  readonly pingTimeoutMs?: number;
}

/** The BullMQ producer side, with the Redis connection it owns. */
export interface BullmqScheduler extends ResearchScheduler, DeliveryScheduler {
  /** Closes the producers and their Redis connection. */
  close(): Promise<void>;
  /** Each keyed queue's jobs by state and when its oldest waiting job was added (read-only; for metrics). */
  queueStats(): Promise<readonly QueueStats[]>;
}

/**
 * How many waiting jobs of a queue are read for the oldest one's age. Research jobs wait in
 * BullMQ's prioritized set, ordered by priority and then arrival, so the oldest of a deep queue
 * may lie beyond these: the age is then a lower bound (docs/decisions.md "Metrics").
 */
const OLDEST_SCAN = 500;

/**
 * Creates the producer side. `schedule` adds the plan's flow atomically; `deliver` adds keyed
 * delivery jobs. Job ids are the deterministic ones of `model/jobs.ts`, so ids already in Redis
 * (queued, running, delayed or, for research, completed within the retention) are left alone
 * (BullMQ dedupes by job id while the job exists). A repeat after that runs the jobs again,
 * which idempotent processors allow. `schedule` rejects with MashError QUEUE.UNAVAILABLE when
 * Redis cannot take the flow in time; `deliver` logs and resolves (the outbox sweep retries).
 * Each job carries its attempts and first backoff; the workers' retry policy times the retries.
 */
export function createBullmqScheduler(options: BullmqSchedulerOptions): BullmqScheduler {
  assertRunnerOptions({ concurrency: 1, attempts: options.attempts, backoffMs: options.backoffMs });
  const log = (options.logger ?? silentLogger()).child({ component: 'queue', runner: 'bullmq' });
  const scheduleTimeoutMs = options.scheduleTimeoutMs ?? 5_000;
  const pingTimeoutMs = options.pingTimeoutMs ?? 1_000;
  // Our own connection, so `ping` can use it. Producer side: fail fast rather than queue
  // commands while Redis is away (the caller answers 503; the sweeps retry).
  const redis = new Redis(options.connection, { maxRetriesPerRequest: 1 });
  redis.on('error', (error: unknown) => {
    log.warn({ code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'redis connection error');
  });
  const prefix = options.prefix === undefined ? {} : { prefix: options.prefix };
  const producer = new FlowProducer({ connection: redis, ...prefix });
  producer.on('error', (error) => {
    log.warn({ code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'flow producer error');
  });
  const deliveries = new Queue(QUEUE_NAMES.delivery, { connection: redis, ...prefix });
  deliveries.on('error', (error) => {
    log.warn({ code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'delivery queue error');
  });
  const retry = { attempts: options.attempts, backoff: { type: POLICY_BACKOFF, delay: options.backoffMs } } satisfies JobsOptions;
  // Read and re-prioritise research jobs by id (a RAG change); the flow producer adds them.
  const lookups = new Queue(QUEUE_NAMES.lookup, { connection: redis, ...prefix });
  const referrals = new Queue(QUEUE_NAMES.referral, { connection: redis, ...prefix });
  for (const queue of [lookups, referrals]) {
    queue.on('error', (error) => {
      log.warn({ code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'research queue error');
    });
  }

  /** Moves one job still waiting (or waiting for its children) to `priority`; running and finished ones keep theirs. */
  const changePriority = async (queue: Queue, id: string, priority: number): Promise<boolean> => {
    const job = await Job.fromId(queue, id);
    if (job === undefined || job.priority === priority) return false;
    const state = await job.getState();
    if (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed' && state !== 'waiting-children') return false;
    await job.changePriority({ priority });
    return true;
  };

  let closing: Promise<void> | undefined;

  return {
    async schedule(plan: ResearchPlan): Promise<void> {
      if (closing !== undefined) throw new MashError('QUEUE.UNAVAILABLE', 'job scheduler is closed');
      // A request that schedules work names itself in the jobs' data, for their log lines.
      const planned = planJobs(plan, { requestId: currentLogContext().requestId });
      const common = { priority: planned.priority, ...retry, removeOnComplete: KEEP_COMPLETED, removeOnFail: REMOVE_FAILED };
      const flow = {
        name: 'referral' satisfies KeyedKind,
        queueName: QUEUE_NAMES.referral,
        data: planned.referral.jobData,
        opts: { ...common, jobId: planned.referral.jobId },
        children: planned.lookups.map((lookup) => ({
          name: 'lookup' satisfies KeyedKind,
          queueName: QUEUE_NAMES.lookup,
          data: lookup.jobData,
          // A lookup that fails for good still lets the referral run: it records the gap.
          opts: { ...common, jobId: lookup.jobId, ignoreDependencyOnFailure: true },
        })),
      };
      try {
        await withTimeout(producer.add(flow), scheduleTimeoutMs);
      } catch (error) {
        throw new MashError('QUEUE.UNAVAILABLE', 'the job system could not take the research plan', { cause: error });
      }
    },

    async reprioritise(change: ReprioritiseRequest): Promise<void> {
      if (closing !== undefined) return;
      const work = async (): Promise<number> => {
        let moved = 0;
        for (const id of change.lookupIds.map(lookupJobId)) if (await changePriority(lookups, id, change.priority)) moved += 1;
        for (let wave = 1; wave <= MAX_WAVES; wave += 1) if (await changePriority(referrals, referralJobId(change.referralId, wave), change.priority)) moved += 1;
        return moved;
      };
      try {
        const moved = await withTimeout(work(), scheduleTimeoutMs);
        log.debug({ referralId: change.referralId, moved, priority: change.priority }, 'research re-prioritised');
      } catch (error) {
        // The rating is committed; only the order of waiting work is late. Logged, never thrown at the decision.
        log.warn({ code: 'QUEUE.UNAVAILABLE', referralId: change.referralId, err: describeError(error) }, 'could not re-prioritise research');
      }
    },

    async deliver(requests: readonly DeliveryRequest[]): Promise<void> {
      const planned = planDeliveries(requests, { requestId: currentLogContext().requestId });
      if (planned.length === 0) return;
      if (closing !== undefined) {
        log.debug({ deliveries: planned.length }, 'job scheduler closed; deliveries left to the outbox sweep');
        return;
      }
      const jobs = planned.map((delivery) => ({
        name: 'delivery' satisfies KeyedKind,
        data: delivery.jobData,
        opts: { ...retry, jobId: delivery.jobId, delay: delivery.delayMs, removeOnComplete: true, removeOnFail: true },
      }));
      try {
        await withTimeout(deliveries.addBulk(jobs), scheduleTimeoutMs);
      } catch (error) {
        // Best effort (model/jobs.ts): the messages stay due in the store; the outbox sweep enqueues them.
        log.warn({ code: 'QUEUE.UNAVAILABLE', deliveries: jobs.length, err: describeError(error) }, 'could not enqueue deliveries; left for the outbox sweep');
      }
    },

    async queueStats(): Promise<readonly QueueStats[]> {
      if (closing !== undefined) return [];
      const read = async (queue: string, from: Queue): Promise<QueueStats> => {
        const counts = await from.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'waiting-children', 'failed');
        const waiting = await from.getJobs(['wait', 'prioritized'], 0, OLDEST_SCAN - 1, true);
        const oldest = waiting.reduce<number | undefined>((min, job) => (min === undefined || job.timestamp < min ? job.timestamp : min), undefined);
        return {
          queue,
          counts: {
            waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
            active: counts.active ?? 0,
            delayed: counts.delayed ?? 0,
            'waiting-children': counts['waiting-children'] ?? 0,
            failed: counts.failed ?? 0,
          },
          oldestWaitingAt: oldest,
        };
      };
      const work = Promise.all([read('lookup', lookups), read('referral', referrals), read('delivery', deliveries)]);
      return withTimeout(work, scheduleTimeoutMs);
    },

    async ping(): Promise<boolean> {
      if (closing !== undefined) return false;
      try {
        return (await withTimeout(redis.ping(), pingTimeoutMs)) === 'PONG';
      } catch {
        return false;
      }
    },

    close(): Promise<void> {
      closing ??= (async () => {
        await Promise.all([producer.close(), deliveries.close(), lookups.close(), referrals.close()]);
        // quit() waits for Redis; when it is gone, just drop the socket.
        await withTimeout(redis.quit(), pingTimeoutMs).catch(() => {
          redis.disconnect();
        });
      })();
      return closing;
    },
  };
}

/** Options of {@link startBullmqWorkers}. */
export interface BullmqWorkersOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  readonly connection: string;
  /** The processors of the keyed kinds, and the periodic kinds this process runs. */
  readonly work: JobWork;
  /** Jobs of each keyed queue running at once in this process (BullMQ worker concurrency). */
  readonly concurrency: number;
  readonly logger: Logger;
  /** Redis key prefix; must match the scheduler's. */
  readonly prefix?: string;
  /** First delay of a job waiting for the store, and of retries of jobs that carry none. Default 1 s. */
  readonly backoffMs?: number;
  /**
   * BullMQ `lockDuration` of every worker: a running job's lock, renewed every half of it while the
   * job runs, lapses this long after its worker died; the stalled-job check runs every half of it,
   * so the job is moved back to wait within about 1.5× this. Default 6 s, not BullMQ's 30 s (with
   * its 30 s check a dead worker's jobs waited up to a minute): docs/decisions.md, "Crash recovery
   * in seconds".
   */
  readonly lockMs?: number;
  /**
   * BullMQ `maxStalledCount`: how many times a job may be cut off by a dead worker before it fails,
   * counted like attempts (a job that kills its worker every time must end). Default 1, BullMQ's.
   */
  readonly maxStalls?: number;
}

/** Our default for {@link BullmqWorkersOptions.lockMs}. */
export const DEFAULT_LOCK_MS = 6_000;

/** The lock and stalled-check settings every worker of this process uses. */
function stallSettings(options: Pick<BullmqWorkersOptions, 'lockMs' | 'maxStalls'>): { lockDuration: number; stalledInterval: number; maxStalledCount: number } {
  const lockDuration = options.lockMs ?? DEFAULT_LOCK_MS;
  return { lockDuration, stalledInterval: Math.max(500, Math.floor(lockDuration / 2)), maxStalledCount: options.maxStalls ?? 1 };
}

/** The running workers of this process. */
export interface BullmqWorkers {
  /** Stops taking jobs and waits for the running ones to finish. */
  close(): Promise<void>;
}

/**
 * Starts one worker per keyed queue, and one per periodic kind registered. Each keyed worker
 * parses its job data before the processor runs; a throw is retried as the retry policy says
 * (its delay, or -1 when retrying cannot help), an `UnrecoverableError` fails the job at once. A
 * job that met the store unavailable is delayed without spending an attempt (`moveToDelayed` +
 * `DelayedError`, BullMQ's documented pattern). Each periodic kind's job scheduler (and its
 * global concurrency of 1) is upserted whenever this process's Redis connection becomes ready —
 * at start, and after Redis comes back empty — and an `atStart` kind is run once then too.
 * Retries, priorities and parent release happen in Redis, so any number of worker processes may run.
 */
export function startBullmqWorkers(options: BullmqWorkersOptions): BullmqWorkers {
  assertRunnerOptions({ concurrency: options.concurrency, attempts: 1, backoffMs: options.backoffMs ?? 0 });
  assertPeriodicJobs(options.work.periodic ?? {});
  const log = options.logger.child({ component: 'queue', runner: 'bullmq' });
  const prefix = options.prefix === undefined ? {} : { prefix: options.prefix };
  // Workers block on Redis: BullMQ requires unlimited retries on their connection.
  const workerConnection = { url: options.connection, maxRetriesPerRequest: null };
  const policies = new Map<string, RetryPolicy>();
  // The policy a job's own options describe (the producer's MASH_JOB_ATTEMPTS and MASH_JOB_BACKOFF_MS).
  const policyOf = (job: MinimalJob | undefined): RetryPolicy => {
    const backoff = job?.opts.backoff;
    const backoffMs = typeof backoff === 'object' && typeof backoff.delay === 'number' ? backoff.delay : (options.backoffMs ?? 1_000);
    const attempts = job?.opts.attempts ?? 1;
    const key = `${attempts}/${backoffMs}`;
    let policy = policies.get(key);
    if (policy === undefined) {
      policy = createRetryPolicy({ attempts, backoffMs });
      policies.set(key, policy);
    }
    return policy;
  };

  const keyed = KEYED_KINDS.map((kind) => {
    const worker = new Worker(
      QUEUE_NAMES[kind],
      // Every line logged while the job runs carries its ids (runner.ts, src/lib/log-context.ts).
      (job: Job, token?: string) =>
        runInJobLogContext(kind, job.id, job.data, async () => {
          try {
            await executeJob(kind, job.data, options.work.processors);
          } catch (error) {
            const code = unavailableCode(error);
            // What Redis keeps of a failure, and the dashboard shows, is codes and reasons only (stored-failure.ts).
            if (code === undefined || token === undefined) throw new StoredJobFailure(error);
            // Runs so far that ended waiting for the store: started, minus failed, minus this one.
            const waits = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
            const retryInMs = policyOf(job).waitDelayMs(waits);
            log.info({ queue: kind, jobId: job.id, code, waits: waits + 1, retryInMs }, 'job waits for the store');
            await job.moveToDelayed(Date.now() + retryInMs, token);
            throw new DelayedError();
          }
        }),
      {
        connection: workerConnection,
        concurrency: options.concurrency,
        ...stallSettings(options),
        // BullMQ asks only while attempts remain; -1 fails the job now (retry-policy.ts says retrying cannot help).
        settings: { backoffStrategy: (attemptsMade, _type, error, job) => (classifyFailure(error) === 'give-up' ? -1 : policyOf(job).retryDelayMs(attemptsMade)) },
        ...prefix,
      },
    );
    worker.on('completed', (job) => {
      runInJobLogContext(kind, job.id, job.data, () => {
        log.debug({ queue: kind, jobId: job.id, attempt: job.attemptsMade }, 'job completed');
      });
    });
    worker.on('failed', (job, error) => {
      if (job === undefined) return;
      const failure = originalFailure(error);
      const attempt = job.attemptsMade;
      const final = classifyFailure(failure) === 'give-up' || attempt >= (job.opts.attempts ?? 1);
      runInJobLogContext(kind, job.id, job.data, () => {
        logJobFailure(log, { queue: kind, jobId: job.id ?? '(none)', attempt }, failure, final ? undefined : job.delay);
      });
    });
    worker.on('error', (error) => {
      log.error({ queue: kind, code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'worker error');
    });
    return worker;
  });

  const periodic = startPeriodicWorkers(periodicEntries(options.work.periodic), { ...options, log, workerConnection });

  return {
    async close(): Promise<void> {
      await Promise.all([...keyed.map((worker) => worker.close()), periodic.close()]);
    },
  };
}

/** Template of every periodic run: one try (the next run is the retry), nothing kept. */
const PERIODIC_RUN = { attempts: 1, removeOnComplete: true, removeOnFail: true } satisfies JobsOptions;

function startPeriodicWorkers(
  entries: readonly [PeriodicKind, PeriodicJob][],
  options: BullmqWorkersOptions & { readonly log: Logger; readonly workerConnection: { url: string; maxRetriesPerRequest: null } },
): BullmqWorkers {
  if (entries.length === 0) return { close: () => Promise.resolve() };
  const { log } = options;
  const prefix = options.prefix === undefined ? {} : { prefix: options.prefix };
  const failed = periodicFailureLog(log);
  // One connection for the schedulers: its 'ready' (at start, and after every reconnection) re-registers them.
  const redis = new Redis(options.connection, { maxRetriesPerRequest: null });
  redis.on('error', (error: unknown) => {
    log.warn({ code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'redis connection error');
  });
  const queues = entries.map(([kind, job]) => ({ kind, job, queue: new Queue(QUEUE_NAMES[kind], { connection: redis, ...prefix }) }));
  for (const { queue } of queues) {
    queue.on('error', (error) => {
      log.warn({ code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'periodic queue error');
    });
  }

  // Upserts are idempotent and keep an existing schedule; after Redis lost its data they restore it.
  const register = async (): Promise<void> => {
    for (const { kind, job, queue } of queues) {
      await queue.setGlobalConcurrency(1);
      const next = await queue.upsertJobScheduler(kind, { every: job.everyMs }, { name: kind, data: {}, opts: PERIODIC_RUN });
      // A new schedule runs at once; an existing one (another process made it, or this one before
      // a reconnection) runs when due, so a start-up kind gets a run of its own now. One per kind
      // however many processes start at once: the job id dedupes it.
      if (job.atStart === true && (next?.opts.delay ?? 0) > 0) await queue.add(kind, {}, { ...PERIODIC_RUN, jobId: `${kind}-start` });
    }
  };
  let registering: Promise<void> = Promise.resolve();
  redis.on('ready', () => {
    registering = registering
      .then(register)
      .catch((error: unknown) => {
        log.warn({ code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'could not register the periodic jobs; retried when Redis is ready again');
      });
  });

  const workers = entries.map(([kind, periodicJob]) => {
    const worker = new Worker(
      QUEUE_NAMES[kind],
      (run: Job) =>
        runInJobLogContext(kind, run.id, run.data, async () => {
          try {
            await periodicJob.run();
          } catch (error) {
            // What Redis keeps of a failure is codes and reasons only (stored-failure.ts).
            throw new StoredJobFailure(error);
          }
        }),
      // A periodic kind has a global concurrency of 1: a run held by a dead worker must be let go as soon.
      { connection: options.workerConnection, concurrency: 1, ...stallSettings(options), ...prefix },
    );
    worker.on('completed', (done) => {
      runInJobLogContext(kind, done.id, done.data, () => {
        log.debug({ queue: kind, jobId: done.id }, 'job completed');
      });
    });
    worker.on('failed', (run, error) => {
      runInJobLogContext(kind, run?.id, run?.data, () => {
        failed(kind, originalFailure(error));
      });
    });
    worker.on('error', (error) => {
      log.error({ queue: kind, code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'worker error');
    });
    return worker;
  });

  return {
    async close(): Promise<void> {
      await Promise.all(workers.map((worker) => worker.close()));
      // A registration waiting for an unreachable Redis must not hold the shutdown.
      await withTimeout(registering, 1_000).catch(() => undefined);
      await withTimeout(Promise.all(queues.map(({ queue }) => queue.close())), 1_000).catch(() => undefined);
      await withTimeout(redis.quit(), 1_000).catch(() => {
        redis.disconnect();
      });
    },
  };
}

/** Rejects after `ms` unless the promise settles first; the timer never outlives the race. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
