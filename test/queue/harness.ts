/**
 * What the job-system tests share: the two implementations behind one small interface (so
 * one contract suite runs against both), processors and periodic work that record what ran and
 * when, and a logger whose lines the tests can read.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Queue } from 'bullmq';
import { z } from 'zod';
import { createLogger, type Logger } from '../../src/lib/logger.ts';
import {
  KEYED_KINDS,
  PERIODIC_KINDS,
  QUEUE_NAMES,
  type DeliveryJobData,
  type DeliveryScheduler,
  type KeyedKind,
  type LookupJobData,
  type PeriodicKind,
  type ReferralJobData,
  type ResearchScheduler,
} from '../../src/model/jobs.ts';
import { createBullmqScheduler, startBullmqWorkers, type BullmqWorkers } from '../../src/queue/bullmq.ts';
import { createInProcessRunner } from '../../src/queue/in-process.ts';
import type { JobKind, JobProcessors, JobWork, PeriodicJobs, RunnerOptions } from '../../src/queue/runner.ts';

/** A job system under test: schedule first, then `start` the workers and schedules, wait, close. */
export interface JobSystem {
  readonly scheduler: ResearchScheduler;
  readonly deliveries: DeliveryScheduler;
  /** Starts taking work and the periodic schedules; work scheduled before this is all queued when the first job starts. */
  start(): void;
  /** Resolves when no keyed job is queued, running, delayed or waiting for children. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Builds a fresh, isolated job system. */
export type JobSystemFactory = (work: JobWork, options: RunnerOptions, logger: Logger) => JobSystem;

const IDLE_TIMEOUT_MS = 15_000;

export const inProcessSystem: JobSystemFactory = (work, options, logger) => {
  const runner = createInProcessRunner(work, { ...options, autorun: false }, logger);
  return {
    scheduler: runner,
    deliveries: runner,
    start: () => {
      runner.run();
    },
    idle: () => withDeadline(runner.idle(), IDLE_TIMEOUT_MS, 'in-process runner did not become idle'),
    close: () => runner.close(),
  };
};

/**
 * A BullMQ system on the given Redis, isolated by a unique key prefix — or sharing `prefix` with
 * another system, as two processes of one deployment do.
 */
export function bullmqSystem(redisUrl: () => string, prefix?: string): JobSystemFactory {
  return (work, options, logger) => {
    const connection = redisUrl();
    const keyPrefix = prefix ?? uniquePrefix();
    const scheduler = createBullmqScheduler({ connection, prefix: keyPrefix, attempts: options.attempts, backoffMs: options.backoffMs, logger });
    const queues = KEYED_KINDS.map((kind) => new Queue(QUEUE_NAMES[kind], { connection: { url: connection }, prefix: keyPrefix }));
    let workers: BullmqWorkers | undefined;
    return {
      scheduler,
      deliveries: scheduler,
      start: () => {
        workers ??= startBullmqWorkers({ connection, work, concurrency: options.concurrency, logger, prefix: keyPrefix, backoffMs: options.backoffMs });
      },
      idle: () => waitUntilDrained(queues),
      close: async () => {
        await workers?.close();
        await scheduler.close();
        await Promise.all(queues.map((queue) => queue.close()));
      },
    };
  };
}

/** A Redis key prefix no other test uses. */
export function uniquePrefix(): string {
  return `mash-test-${randomUUID().slice(0, 8)}`;
}

const UNFINISHED = ['active', 'wait', 'delayed', 'prioritized', 'waiting-children'] as const;

/** Polls the queues until no job is unfinished. Each state move in BullMQ is one atomic script. */
export async function waitUntilDrained(queues: readonly Queue[]): Promise<void> {
  const deadline = Date.now() + IDLE_TIMEOUT_MS;
  for (;;) {
    const counts = await Promise.all(queues.map((queue) => queue.getJobCounts(...UNFINISHED)));
    const unfinished = counts.reduce((sum, count) => sum + Object.values(count).reduce((a, b) => a + b, 0), 0);
    if (unfinished === 0) return;
    if (Date.now() > deadline) throw new Error(`queues not drained after ${IDLE_TIMEOUT_MS} ms: ${JSON.stringify(counts)}`);
    await sleep(10);
  }
}

/** One processor call (or periodic run) as the recorder saw it. */
export interface Call {
  readonly kind: JobKind;
  /** Lookup id for lookups, referral id for referrals, outbox id for deliveries, the kind for periodic runs. */
  readonly id: string;
  /** 1-based call number for this id. */
  readonly attempt: number;
  readonly startedAt: number;
  endedAt: number | undefined;
  /** Position in the global order of starts and ends, for "ran after" assertions. */
  readonly startSeq: number;
  endSeq: number | undefined;
}

/** Behaviour of a recorded processor call; throw to fail the attempt. */
export type Behaviour = (id: string, attempt: number) => Promise<void>;

/**
 * Processors of every keyed kind, and periodic work for the kinds given a schedule, that record
 * every call, the peak parallelism per kind, and delegate to behaviours.
 */
export function recordingProcessors(
  behaviour: Partial<Record<JobKind, Behaviour>> = {},
  schedules: Partial<Record<PeriodicKind, { everyMs: number; atStart?: boolean }>> = {},
): {
  processors: JobProcessors;
  periodic: PeriodicJobs;
  work: JobWork;
  calls: Call[];
  peak: Record<KeyedKind, number> & Partial<Record<PeriodicKind, number>>;
  callsOf(kind: JobKind, id: string): Call[];
} {
  const calls: Call[] = [];
  const running = new Map<JobKind, number>();
  const peak: Record<KeyedKind, number> & Partial<Record<PeriodicKind, number>> = { lookup: 0, referral: 0, delivery: 0 };
  let seq = 0;
  const callsOf = (kind: JobKind, id: string): Call[] => calls.filter((call) => call.kind === kind && call.id === id);
  const record = async (kind: JobKind, id: string): Promise<void> => {
    const call: Call = { kind, id, attempt: callsOf(kind, id).length + 1, startedAt: performance.now(), endedAt: undefined, startSeq: seq++, endSeq: undefined };
    calls.push(call);
    const now = (running.get(kind) ?? 0) + 1;
    running.set(kind, now);
    peak[kind] = Math.max(peak[kind] ?? 0, now);
    try {
      await behaviour[kind]?.(id, call.attempt);
    } finally {
      running.set(kind, (running.get(kind) ?? 1) - 1);
      call.endedAt = performance.now();
      call.endSeq = seq++;
    }
  };
  const processors: JobProcessors = {
    lookup: (data: LookupJobData) => record('lookup', data.lookupId),
    referral: (data: ReferralJobData) => record('referral', data.referralId),
    delivery: (data: DeliveryJobData) => record('delivery', data.outboxId),
  };
  const periodic: PeriodicJobs = Object.fromEntries(
    PERIODIC_KINDS.flatMap((kind) => {
      const schedule = schedules[kind];
      return schedule === undefined ? [] : [[kind, { ...schedule, run: () => record(kind, kind) }]];
    }),
  );
  return { processors, periodic, work: { processors, periodic }, calls, peak, callsOf };
}

const LogLine = z.looseObject({
  level: z.number(),
  msg: z.string(),
  jobId: z.string().optional(),
  queue: z.string().optional(),
  attempt: z.number().optional(),
  final: z.boolean().optional(),
  retryInMs: z.number().optional(),
  code: z.string().optional(),
  err: z.string().optional(),
});
export type LogLine = z.infer<typeof LogLine>;

/** A debug-level logger whose JSON lines are parsed into `lines`. */
export function capturingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text.trim() !== '') lines.push(LogLine.parse(JSON.parse(text)));
      }
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** A promise and the function that resolves it. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

async function withDeadline<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`${message} within ${ms} ms`));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
