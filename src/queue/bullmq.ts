/**
 * The distributed job system (DESIGN.md: "distributed when needed"): BullMQ flows on Redis.
 * A plan becomes one flow: the referral job (parent) on QUEUE_NAMES.referral waits for one
 * lookup job (child) per lookup on QUEUE_NAMES.lookup. Workers in any number of processes
 * drain both queues. Same semantics as the in-process runner; the contract suite in
 * test/queue proves it.
 */
import { Redis } from 'ioredis';
import { DelayedError, FlowProducer, Worker, type Job, type JobsOptions, type KeepJobs } from 'bullmq';
import { MashError, describeError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { silentLogger } from '../lib/logger.ts';
import { QUEUE_NAMES, type ResearchPlan, type ResearchScheduler } from '../model/jobs.ts';
import {
  assertRunnerOptions,
  executeJob,
  isUnrecoverable,
  logJobFailure,
  planJobs,
  storeWaitDelayMs,
  waitsForStore,
  type JobKind,
  type ResearchProcessors,
  type RunnerOptions,
} from './runner.ts';

/**
 * Finished-job retention, so Redis does not grow forever. Eviction runs when later jobs finish.
 * Completed jobs stay an hour (visible to operators; a repeat schedule meanwhile is a no-op).
 * Failed jobs go at once: a failed job kept in Redis would make a re-schedule of its id a
 * no-op, blocking recovery, and a kept failed child would leave a re-created parent waiting for
 * it forever. Failures are in the logs and, as lookup status, in the store.
 */
const KEEP_COMPLETED: KeepJobs = { age: 3_600, count: 5_000 };
const REMOVE_FAILED = true;

/** Options of {@link createBullmqScheduler}; extra fields (e.g. `concurrency`) are ignored. */
export interface BullmqSchedulerOptions extends Pick<RunnerOptions, 'attempts' | 'backoffMs'> {
  /** Redis URL, e.g. `redis://127.0.0.1:6379`. */
  readonly connection: string;
  /** Redis key prefix (BullMQ `prefix`); tests use a unique one each. Default `bull`. */
  readonly prefix?: string;
  readonly logger?: Logger;
  /** How long `schedule` may wait for Redis before failing with QUEUE.UNAVAILABLE. Default 5 s. */
  readonly scheduleTimeoutMs?: number;
  /** How long `ping` may wait for Redis before answering false. Default 1 s. */
  readonly pingTimeoutMs?: number;
}

/** The BullMQ scheduler, with the Redis connection it owns. */
export interface BullmqScheduler extends ResearchScheduler {
  /** Closes the flow producer and its Redis connection. */
  close(): Promise<void>;
}

/**
 * Creates the producer side. `schedule` adds the plan's flow atomically; job ids are the
 * deterministic ones of `model/jobs.ts`, so ids already in Redis (queued, running, delayed or
 * completed within the retention) are left alone (BullMQ dedupes by job id while the job
 * exists). A repeat after that runs the jobs again, which idempotent processors allow.
 * Rejects with MashError QUEUE.UNAVAILABLE when Redis cannot take the flow in time.
 */
export function createBullmqScheduler(options: BullmqSchedulerOptions): BullmqScheduler {
  assertRunnerOptions({ concurrency: 1, attempts: options.attempts, backoffMs: options.backoffMs });
  const log = (options.logger ?? silentLogger()).child({ component: 'queue', runner: 'bullmq' });
  const scheduleTimeoutMs = options.scheduleTimeoutMs ?? 5_000;
  const pingTimeoutMs = options.pingTimeoutMs ?? 1_000;
  // Our own connection, so `ping` can use it. Producer side: fail fast rather than queue
  // commands while Redis is away (the caller answers 503; the recovery sweep retries).
  const redis = new Redis(options.connection, { maxRetriesPerRequest: 1 });
  redis.on('error', (error: unknown) => {
    log.warn({ code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'redis connection error');
  });
  const producer = new FlowProducer({ connection: redis, ...(options.prefix === undefined ? {} : { prefix: options.prefix }) });
  producer.on('error', (error) => {
    log.warn({ code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'flow producer error');
  });
  const retry = { attempts: options.attempts, backoff: { type: 'exponential', delay: options.backoffMs } } satisfies JobsOptions;

  let closing: Promise<void> | undefined;

  return {
    async schedule(plan: ResearchPlan): Promise<void> {
      if (closing !== undefined) throw new MashError('QUEUE.UNAVAILABLE', 'job scheduler is closed');
      const planned = planJobs(plan);
      const common = { priority: planned.priority, ...retry, removeOnComplete: KEEP_COMPLETED, removeOnFail: REMOVE_FAILED };
      const flow = {
        name: 'referral' satisfies JobKind,
        queueName: QUEUE_NAMES.referral,
        data: planned.referral.jobData,
        opts: { ...common, jobId: planned.referral.jobId },
        children: planned.lookups.map((lookup) => ({
          name: 'lookup' satisfies JobKind,
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
        await producer.close();
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
  readonly processors: ResearchProcessors;
  /** Jobs of each queue running at once in this process (BullMQ worker concurrency). */
  readonly concurrency: number;
  readonly logger: Logger;
  /** Redis key prefix; must match the scheduler's. */
  readonly prefix?: string;
  /** First delay of a job waiting for the store (doubling, at most STORE_WAIT_MAX_MS). Default 1 s. */
  readonly backoffMs?: number;
}

/** The running workers of this process. */
export interface BullmqWorkers {
  /** Stops taking jobs and waits for the running ones to finish. */
  close(): Promise<void>;
}

/**
 * Starts one worker per queue. Each parses its job data before the processor runs; a throw is
 * retried with the job's backoff, an `UnrecoverableError` fails the job at once. A job that met
 * the store unavailable is delayed without spending an attempt (`moveToDelayed` + `DelayedError`,
 * BullMQ's documented pattern). Retries, priorities and parent release happen in Redis, so any
 * number of worker processes may run.
 */
export function startBullmqWorkers(options: BullmqWorkersOptions): BullmqWorkers {
  assertRunnerOptions({ concurrency: options.concurrency, attempts: 1, backoffMs: 0 });
  const log = options.logger.child({ component: 'queue', runner: 'bullmq' });
  const workers = (['lookup', 'referral'] as const).map((kind) => {
    const worker = new Worker(
      QUEUE_NAMES[kind],
      async (job: Job, token?: string) => {
        try {
          await executeJob(kind, job.data, options.processors);
        } catch (error) {
          if (!waitsForStore(error) || token === undefined) throw error;
          // Runs so far that ended waiting for the store: started, minus failed, minus this one.
          const waits = Math.max(0, job.attemptsStarted - job.attemptsMade - 1);
          const retryInMs = storeWaitDelayMs(options.backoffMs ?? 1_000, waits);
          log.info({ queue: kind, jobId: job.id, code: 'STORE.UNAVAILABLE', waits: waits + 1, retryInMs }, 'job waits for the store');
          await job.moveToDelayed(Date.now() + retryInMs, token);
          throw new DelayedError();
        }
      },
      {
        // Workers block on Redis: BullMQ requires unlimited retries on their connection.
        connection: { url: options.connection, maxRetriesPerRequest: null },
        concurrency: options.concurrency,
        ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      },
    );
    worker.on('completed', (job) => {
      log.debug({ queue: kind, jobId: job.id, attempt: job.attemptsMade }, 'job completed');
    });
    worker.on('failed', (job, error) => {
      if (job === undefined) return;
      const attempt = job.attemptsMade;
      const final = isUnrecoverable(error) || attempt >= (job.opts.attempts ?? 1);
      logJobFailure(log, { queue: kind, jobId: job.id ?? '(none)', attempt }, error, final ? undefined : job.delay);
    });
    worker.on('error', (error) => {
      log.error({ queue: kind, code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'worker error');
    });
    return worker;
  });
  return {
    async close(): Promise<void> {
      await Promise.all(workers.map((worker) => worker.close()));
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
