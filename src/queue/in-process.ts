/**
 * The job runner of the embedded mode (DESIGN.md: "embedded by default"): the same flow as
 * BullMQ, in memory. One referral job per plan waits for one lookup job per lookup id; ready
 * jobs run lowest priority number first, at most `concurrency` of each kind at once, and a
 * failed job is retried with exponential backoff. Nothing is persisted: the store is the
 * source of truth and a restart re-schedules from it.
 */
import { MashError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { LookupJobData, ReferralJobData, ResearchPlan, ResearchScheduler } from '../model/jobs.ts';
import {
  assertRunnerOptions,
  executeJob,
  isUnrecoverable,
  logJobFailure,
  planJobs,
  retryDelayMs,
  storeWaitDelayMs,
  waitsForStore,
  type JobKind,
  type ResearchProcessors,
  type RunnerOptions,
} from './runner.ts';

/** Options of the in-process runner. */
export interface InProcessRunnerOptions extends RunnerOptions {
  /**
   * Take work as soon as it is scheduled (default true). With false, jobs queue up until
   * {@link InProcessRunner.run}, like BullMQ's `Worker` `autorun: false`; the composition root
   * can schedule recovered work first, and tests can queue several plans before any starts.
   */
  readonly autorun?: boolean;
}

/** The in-process scheduler together with the workers that drain it. */
export interface InProcessRunner extends ResearchScheduler {
  /** Starts taking work (only needed with `autorun: false`). */
  run(): void;
  /** Resolves once nothing is queued, running or waiting for a retry (or the runner is closed). */
  idle(): Promise<void>;
  /** Stops taking work, cancels pending retries, waits for running jobs, drops queued ones. */
  close(): Promise<void>;
}

type JobState = 'waiting-children' | 'ready' | 'active' | 'delayed';

interface QueuedJob {
  readonly id: string;
  readonly kind: JobKind;
  readonly jobData: LookupJobData | ReferralJobData;
  readonly priority: number;
  /** Arrival order: FIFO among equal priorities, as in BullMQ. */
  readonly sequence: number;
  state: JobState;
  attemptsMade: number;
  /** Runs that ended waiting for the store: they do not count as attempts. */
  storeWaits: number;
  /** Lookups only: the referral job waiting for this one. */
  parentId: string | undefined;
  /** Referral only: lookups still to finish before it may run. */
  readonly pendingChildren: Set<string>;
  retryTimer: NodeJS.Timeout | undefined;
}

/**
 * Creates the in-process runner. Scheduling dedupes on the deterministic job ids of
 * `model/jobs.ts`: ids already queued, running or waiting for a retry are left as they are.
 * A finished job is forgotten, so re-scheduling it later runs it again (processors are
 * idempotent; this is what restart recovery relies on).
 */
export function createInProcessRunner(
  processors: ResearchProcessors,
  options: InProcessRunnerOptions,
  logger: Logger,
): InProcessRunner {
  assertRunnerOptions(options);
  const log = logger.child({ component: 'queue', runner: 'in-process' });
  const jobs = new Map<string, QueuedJob>();
  const ready: Record<JobKind, ReadyHeap> = { lookup: new ReadyHeap(), referral: new ReadyHeap() };
  const activeCount: Record<JobKind, number> = { lookup: 0, referral: 0 };
  const activeRuns = new Set<Promise<void>>();
  let idleWaiters: (() => void)[] = [];
  let nextSequence = 0;
  let taking = options.autorun ?? true;
  let pumpQueued = false;
  let closing: Promise<void> | undefined;

  const add = (job: Omit<QueuedJob, 'sequence' | 'attemptsMade' | 'storeWaits' | 'pendingChildren' | 'retryTimer'>): QueuedJob => {
    const queued: QueuedJob = { ...job, sequence: nextSequence++, attemptsMade: 0, storeWaits: 0, pendingChildren: new Set(), retryTimer: undefined };
    jobs.set(queued.id, queued);
    if (queued.state === 'ready') ready[queued.kind].push(queued);
    return queued;
  };

  const makeReady = (job: QueuedJob): void => {
    job.state = 'ready';
    ready[job.kind].push(job);
  };

  // Coalesced and deferred, so a processor that schedules more work never re-enters the loop.
  const requestPump = (): void => {
    if (pumpQueued) return;
    pumpQueued = true;
    queueMicrotask(pump);
  };

  function pump(): void {
    pumpQueued = false;
    if (!taking || closing !== undefined) return;
    for (const kind of ['lookup', 'referral'] as const) {
      while (activeCount[kind] < options.concurrency) {
        const job = ready[kind].pop();
        if (job === undefined) break;
        start(job);
      }
    }
  }

  function start(job: QueuedJob): void {
    job.state = 'active';
    job.attemptsMade += 1;
    activeCount[job.kind] += 1;
    const attempt = executeJob(job.kind, job.jobData, processors).then(
      () => {
        settle(job, { ok: true });
      },
      (error: unknown) => {
        settle(job, { ok: false, error });
      },
    );
    activeRuns.add(attempt);
    void attempt.finally(() => activeRuns.delete(attempt));
  }

  function settle(job: QueuedJob, outcome: { ok: true } | { ok: false; error: unknown }): void {
    activeCount[job.kind] -= 1;
    const fields = { queue: job.kind, jobId: job.id, attempt: job.attemptsMade };
    if (outcome.ok) {
      log.debug(fields, 'job completed');
      finish(job);
    } else if (closing === undefined && waitsForStore(outcome.error)) {
      // Our own store was away: not an attempt of the job (as the BullMQ workers' moveToDelayed).
      job.attemptsMade -= 1;
      const delayMs = storeWaitDelayMs(options.backoffMs, job.storeWaits);
      job.storeWaits += 1;
      log.info({ queue: job.kind, jobId: job.id, code: 'STORE.UNAVAILABLE', waits: job.storeWaits, retryInMs: delayMs }, 'job waits for the store');
      delay(job, delayMs);
    } else if (closing !== undefined || isUnrecoverable(outcome.error) || job.attemptsMade >= options.attempts) {
      logJobFailure(log, fields, outcome.error, undefined);
      // A lookup that failed for good still lets its referral run (BullMQ ignoreDependencyOnFailure).
      finish(job);
    } else {
      const delayMs = retryDelayMs(options.backoffMs, job.attemptsMade);
      logJobFailure(log, fields, outcome.error, delayMs);
      delay(job, delayMs);
    }
    requestPump();
  }

  function delay(job: QueuedJob, delayMs: number): void {
    job.state = 'delayed';
    job.retryTimer = setTimeout(() => {
      job.retryTimer = undefined;
      makeReady(job);
      requestPump();
    }, delayMs);
  }

  function finish(job: QueuedJob): void {
    jobs.delete(job.id);
    const parent = job.parentId === undefined ? undefined : jobs.get(job.parentId);
    if (parent?.state === 'waiting-children' && parent.pendingChildren.delete(job.id) && parent.pendingChildren.size === 0) {
      makeReady(parent);
    }
    if (jobs.size === 0) wakeIdleWaiters();
  }

  function enqueue(plan: ResearchPlan): void {
    if (closing !== undefined) throw new MashError('QUEUE.UNAVAILABLE', 'job runner is closed');
    const planned = planJobs(plan);
    const parentId = planned.referral.jobId;
    const parent =
      jobs.get(parentId) ??
      add({ id: parentId, kind: 'referral', jobData: planned.referral.jobData, priority: planned.priority, state: 'waiting-children', parentId: undefined });
    for (const lookup of planned.lookups) {
      const child =
        jobs.get(lookup.jobId) ??
        add({ id: lookup.jobId, kind: 'lookup', jobData: lookup.jobData, priority: planned.priority, state: 'ready', parentId });
      // As BullMQ: a child still in flight joins the (re)created parent's dependencies.
      if (parent.state === 'waiting-children' && (child.parentId === parentId || child.parentId === undefined)) {
        child.parentId = parentId;
        parent.pendingChildren.add(child.id);
      }
    }
    if (parent.state === 'waiting-children' && parent.pendingChildren.size === 0) makeReady(parent);
    requestPump();
  }

  function wakeIdleWaiters(): void {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  }

  return {
    schedule(plan: ResearchPlan): Promise<void> {
      // Inside the executor, so a bad plan rejects like BullMQ's scheduler instead of throwing.
      return new Promise((resolve) => {
        enqueue(plan);
        resolve();
      });
    },

    ping(): Promise<boolean> {
      return Promise.resolve(closing === undefined);
    },

    run(): void {
      if (closing !== undefined) throw new MashError('QUEUE.UNAVAILABLE', 'job runner is closed');
      taking = true;
      requestPump();
    },

    idle(): Promise<void> {
      if (jobs.size === 0 || closing !== undefined) return closing ?? Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },

    close(): Promise<void> {
      closing ??= (async () => {
        taking = false;
        for (const job of jobs.values()) clearTimeout(job.retryTimer);
        await Promise.allSettled([...activeRuns]);
        if (jobs.size > 0) log.info({ dropped: jobs.size }, 'job runner closed with queued jobs; recovery re-schedules them from the store');
        jobs.clear();
        ready.lookup.clear();
        ready.referral.clear();
        wakeIdleWaiters();
      })();
      return closing;
    },
  };
}

/** Binary min-heap of ready jobs by (priority, sequence): lowest priority number, then oldest. */
class ReadyHeap {
  readonly #items: QueuedJob[] = [];

  push(job: QueuedJob): void {
    const items = this.#items;
    items.push(job);
    let index = items.length - 1;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex];
      if (parent === undefined || !before(job, parent)) break;
      items[index] = parent;
      items[parentIndex] = job;
      index = parentIndex;
    }
  }

  pop(): QueuedJob | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    items[0] = last;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      let smallest = index;
      for (const child of [left, left + 1]) {
        const candidate = items[child];
        const current = items[smallest];
        if (candidate !== undefined && current !== undefined && before(candidate, current)) smallest = child;
      }
      if (smallest === index) return top;
      const moved = items[smallest];
      if (moved === undefined) return top;
      items[smallest] = last;
      items[index] = moved;
      index = smallest;
    }
  }

  clear(): void {
    this.#items.length = 0;
  }
}

function before(a: QueuedJob, b: QueuedJob): boolean {
  return a.priority === b.priority ? a.sequence < b.sequence : a.priority < b.priority;
}
