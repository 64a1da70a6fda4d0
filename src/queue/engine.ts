/**
 * The one background-work engine of a process (DESIGN.md "Layout": `src/queue`), chosen by the
 * deployment: the in-process runner when embedded, BullMQ on Redis when distributed. The
 * composition root hands it the work this process runs — a processor per keyed kind and the
 * periodic kinds with their schedules — and gets back the ports the rest of the hub uses.
 */
import type { Logger } from '../lib/logger.ts';
import type { QueueStats } from '../lib/metrics.ts';
import type { DeliveryScheduler, ResearchScheduler } from '../model/jobs.ts';
import { createBullmqScheduler, startBullmqWorkers } from './bullmq.ts';
import { createInProcessRunner } from './in-process.ts';
import type { JobWork, RunnerOptions } from './runner.ts';

/** The engine as the rest of the process sees it. */
export interface JobEngine extends ResearchScheduler, DeliveryScheduler {
  /** Stops the schedules and taking work, waits for running jobs (the caller bounds the wait), closes connections. */
  close(): Promise<void>;
  /** The keyed queues' depth and oldest waiting job, read now (metrics at scrape time). */
  queueStats(): Promise<readonly QueueStats[]>;
}

export interface JobEngineOptions extends RunnerOptions {
  /** With a Redis URL, BullMQ; without, the in-process runner. */
  readonly redisUrl: string | undefined;
  /**
   * The work this process runs. Undefined for a process that only schedules (MASH_ROLE=gateway);
   * the in-process runner always runs the work it schedules, so it needs it.
   */
  readonly work: JobWork | undefined;
  readonly logger: Logger;
  /**
   * BullMQ only: a running job's lock duration (renewed every half of it while the job runs); the
   * stalled-job check runs every half of it too, so a dead worker's jobs run again within about
   * 1.5× this. Default 6 s (docs/decisions.md, "Crash recovery in seconds").
   */
  readonly lockMs?: number;
}

/** Starts this process's engine: the producer side always, the workers and schedules when `work` is given. */
export function startJobEngine(options: JobEngineOptions): JobEngine {
  const runner = { concurrency: options.concurrency, attempts: options.attempts, backoffMs: options.backoffMs };
  if (options.redisUrl === undefined) {
    if (options.work === undefined) throw new RangeError('the in-process runner runs the work it schedules: give it the work');
    return createInProcessRunner(options.work, runner, options.logger);
  }
  const scheduler = createBullmqScheduler({ connection: options.redisUrl, ...runner, logger: options.logger });
  const workers =
    options.work === undefined
      ? undefined
      : startBullmqWorkers({
          connection: options.redisUrl,
          work: options.work,
          concurrency: options.concurrency,
          backoffMs: options.backoffMs,
          // A job cut off by a crash counts against its attempts (maxStalledCount), as a failure does.
          maxStalls: options.attempts,
          ...(options.lockMs === undefined ? {} : { lockMs: options.lockMs }),
          logger: options.logger,
        });
  return {
    schedule: (plan) => scheduler.schedule(plan),
    reprioritise: (change) => scheduler.reprioritise(change),
    deliver: (requests) => scheduler.deliver(requests),
    ping: () => scheduler.ping(),
    queueStats: () => scheduler.queueStats(),
    async close() {
      // Workers first: a running job may still schedule follow-up work through the producer.
      await workers?.close();
      await scheduler.close();
    },
  };
}
