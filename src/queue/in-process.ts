/**
 * The job engine of the embedded mode (DESIGN.md: "embedded by default"): the same kinds and
 * semantics as BullMQ, in memory. One referral job per plan waits for one lookup job per lookup
 * id; deliveries are keyed jobs, optionally delayed; ready jobs run lowest priority number first,
 * at most `concurrency` of each keyed kind at once; a failed job is retried as the retry policy
 * says (retry-policy.ts). Periodic kinds are started by this runner's scheduler — the only timer
 * loop in src/ — one run of a kind at a time. Nothing is persisted: the store is the source of
 * truth and a restart re-schedules from it (the recovery and outbox sweeps run at start).
 */
import { MashError } from '../lib/errors.ts';
import { currentLogContext } from '../lib/log-context.ts';
import type { Logger } from '../lib/logger.ts';
import type { QueueJobState, QueueStats } from '../lib/metrics.ts';
import { KEYED_KINDS, lookupJobId, MAX_WAVES, referralJobId, type DeliveryRequest, type DeliveryScheduler, type JobKind, type KeyedKind, type PeriodicKind, type ReprioritiseRequest, type ResearchPlan, type ResearchScheduler } from '../model/jobs.ts';
import { periodicFailureLog } from './periodic.ts';
import { createRetryPolicy, unavailableCode } from './retry-policy.ts';
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
  type RunnerOptions,
} from './runner.ts';

/** Options of the in-process runner. */
export interface InProcessRunnerOptions extends RunnerOptions {
  /**
   * Take work as soon as it is scheduled (default true). With false, jobs queue up and the
   * periodic scheduler waits until {@link InProcessRunner.run}, like BullMQ's `Worker`
   * `autorun: false`; tests can queue several plans before any starts.
   */
  readonly autorun?: boolean;
}

/** The in-process scheduler together with the workers that drain it. */
export interface InProcessRunner extends ResearchScheduler, DeliveryScheduler {
  /** Starts taking work and the periodic scheduler (only needed with `autorun: false`). */
  run(): void;
  /** Resolves once no keyed job is queued, running or waiting (for a retry, a delay or its children), or the runner is closed. */
  idle(): Promise<void>;
  /** Stops the scheduler and taking work, cancels pending retries, waits for running jobs, drops queued ones. */
  close(): Promise<void>;
  /** Each keyed kind's jobs by state, and when its oldest ready job was added (read-only; for metrics). */
  queueStats(): Promise<readonly QueueStats[]>;
}

type JobState = 'waiting-children' | 'ready' | 'active' | 'delayed';

interface QueuedJob {
  readonly id: string;
  readonly kind: JobKind;
  readonly jobData: unknown;
  /** Lower runs first; changed when the referral's rating changes. */
  priority: number;
  /** Arrival order: FIFO among equal priorities, as in BullMQ. */
  readonly sequence: number;
  /** When it was added (ms since the epoch), as BullMQ's job timestamp: a waiting job's age. */
  readonly addedAt: number;
  state: JobState;
  attemptsMade: number;
  /** Runs that ended waiting for the store: they do not count as attempts. */
  storeWaits: number;
  /** Lookups only: the referral job waiting for this one. */
  parentId: string | undefined;
  /** Referral only: lookups still to finish before it may run. */
  readonly pendingChildren: Set<string>;
  timer: NodeJS.Timeout | undefined;
}

const isPeriodic = (kind: JobKind): kind is PeriodicKind => kind !== 'lookup' && kind !== 'referral' && kind !== 'delivery';

/**
 * Creates the in-process runner. Scheduling dedupes on the deterministic job ids of
 * `model/jobs.ts`: ids already queued, running or waiting are left as they are. A finished job
 * is forgotten, so re-scheduling it later runs it again (processors are idempotent; this is what
 * restart recovery relies on).
 */
export function createInProcessRunner(work: JobWork, options: InProcessRunnerOptions, logger: Logger): InProcessRunner {
  assertRunnerOptions(options);
  assertPeriodicJobs(work.periodic ?? {});
  const log = logger.child({ component: 'queue', runner: 'in-process' });
  const policy = createRetryPolicy(options);
  const periodic = periodicEntries(work.periodic);
  const periodicFailed = periodicFailureLog(log);
  const jobs = new Map<string, QueuedJob>();
  const kinds: JobKind[] = ['lookup', 'referral', 'delivery', ...periodic.map(([kind]) => kind)];
  const ready = new Map<JobKind, ReadyHeap>(kinds.map((kind) => [kind, new ReadyHeap()]));
  const activeCount = new Map<JobKind, number>(kinds.map((kind) => [kind, 0]));
  const limit = (kind: JobKind): number => (isPeriodic(kind) ? 1 : options.concurrency);
  const activeRuns = new Set<Promise<void>>();
  const ticks: NodeJS.Timeout[] = [];
  let keyedJobs = 0;
  let idleWaiters: (() => void)[] = [];
  let nextSequence = 0;
  let taking = false;
  let pumpQueued = false;
  let closing: Promise<void> | undefined;

  const add = (job: Omit<QueuedJob, 'sequence' | 'addedAt' | 'attemptsMade' | 'storeWaits' | 'pendingChildren' | 'timer'>): QueuedJob => {
    const queued: QueuedJob = { ...job, sequence: nextSequence++, addedAt: Date.now(), attemptsMade: 0, storeWaits: 0, pendingChildren: new Set(), timer: undefined };
    jobs.set(queued.id, queued);
    if (!isPeriodic(queued.kind)) keyedJobs += 1;
    if (queued.state === 'ready') ready.get(queued.kind)?.push(queued);
    return queued;
  };

  const makeReady = (job: QueuedJob): void => {
    job.state = 'ready';
    ready.get(job.kind)?.push(job);
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
    for (const kind of kinds) {
      const lane = ready.get(kind);
      while (lane !== undefined && (activeCount.get(kind) ?? 0) < limit(kind)) {
        const job = lane.pop();
        if (job === undefined) break;
        start(job);
      }
    }
  }

  function runOnce(job: QueuedJob): Promise<unknown> {
    if (!isPeriodic(job.kind)) return executeJob(job.kind satisfies KeyedKind, job.jobData, work.processors);
    const periodicJob = work.periodic?.[job.kind];
    return periodicJob === undefined ? Promise.resolve() : periodicJob.run();
  }

  function start(job: QueuedJob): void {
    job.state = 'active';
    job.attemptsMade += 1;
    activeCount.set(job.kind, (activeCount.get(job.kind) ?? 0) + 1);
    // The run and the runner's lines about it in the job's own log context (runner.ts).
    const attempt = runInJobLogContext(job.kind, job.id, job.jobData, () =>
      runOnce(job).then(
        () => {
          settle(job, { ok: true });
        },
        (error: unknown) => {
          settle(job, { ok: false, error });
        },
      ),
    );
    activeRuns.add(attempt);
    void attempt.finally(() => activeRuns.delete(attempt));
  }

  function settle(job: QueuedJob, outcome: { ok: true } | { ok: false; error: unknown }): void {
    activeCount.set(job.kind, (activeCount.get(job.kind) ?? 1) - 1);
    const fields = { queue: job.kind, jobId: job.id, attempt: job.attemptsMade };
    if (outcome.ok) {
      log.debug(fields, 'job completed');
      finish(job);
    } else if (isPeriodic(job.kind)) {
      // Not retried: the next run is the retry.
      periodicFailed(job.kind, outcome.error);
      finish(job);
    } else if (closing !== undefined) {
      logJobFailure(log, fields, outcome.error, undefined);
      finish(job);
    } else {
      const decision = policy.decide(outcome.error, job.attemptsMade, job.storeWaits);
      switch (decision.kind) {
        case 'wait':
          // Our own store was away: not an attempt of the job (as the BullMQ workers' moveToDelayed).
          job.attemptsMade -= 1;
          job.storeWaits += 1;
          log.info({ queue: job.kind, jobId: job.id, code: unavailableCode(outcome.error), waits: job.storeWaits, retryInMs: decision.delayMs }, 'job waits for the store');
          delay(job, decision.delayMs);
          break;
        case 'retry':
          logJobFailure(log, fields, outcome.error, decision.delayMs);
          delay(job, decision.delayMs);
          break;
        case 'give-up':
          logJobFailure(log, fields, outcome.error, undefined);
          // A lookup that failed for good still lets its referral run (BullMQ ignoreDependencyOnFailure).
          finish(job);
          break;
        default:
          decision satisfies never;
      }
    }
    requestPump();
  }

  function delay(job: QueuedJob, delayMs: number): void {
    job.state = 'delayed';
    job.timer = setTimeout(() => {
      job.timer = undefined;
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
    if (!isPeriodic(job.kind)) {
      keyedJobs -= 1;
      if (keyedJobs === 0) wakeIdleWaiters();
    }
  }

  function enqueue(plan: ResearchPlan): void {
    if (closing !== undefined) throw new MashError('QUEUE.UNAVAILABLE', 'job runner is closed');
    // A request that schedules work names itself in the jobs' data, for their log lines.
    const planned = planJobs(plan, { requestId: currentLogContext().requestId });
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

  function enqueueDeliveries(requests: readonly DeliveryRequest[]): void {
    for (const planned of planDeliveries(requests, { requestId: currentLogContext().requestId })) {
      if (jobs.has(planned.jobId)) continue;
      const job = add({ id: planned.jobId, kind: 'delivery', jobData: planned.jobData, priority: 0, state: planned.delayMs > 0 ? 'delayed' : 'ready', parentId: undefined });
      if (planned.delayMs > 0) delay(job, planned.delayMs);
    }
    requestPump();
  }

  /** A periodic kind's run, unless one is queued or running already (no overlap, no pile-up). */
  function enqueuePeriodic(kind: PeriodicKind): void {
    const id = `periodic-${kind}`;
    if (closing !== undefined || jobs.has(id)) return;
    add({ id, kind, jobData: undefined, priority: 0, state: 'ready', parentId: undefined });
    requestPump();
  }

  function startTaking(): void {
    if (taking) return;
    taking = true;
    for (const [kind, job] of periodic) {
      if (job.atStart === true) enqueuePeriodic(kind);
      const tick = setInterval(() => {
        enqueuePeriodic(kind);
      }, job.everyMs);
      tick.unref();
      ticks.push(tick);
    }
    requestPump();
  }

  function wakeIdleWaiters(): void {
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const wake of waiters) wake();
  }

  if (options.autorun ?? true) startTaking();

  return {
    schedule(plan: ResearchPlan): Promise<void> {
      // Inside the executor, so a bad plan rejects like BullMQ's scheduler instead of throwing.
      return new Promise((resolve) => {
        enqueue(plan);
        resolve();
      });
    },

    reprioritise(change: ReprioritiseRequest): Promise<void> {
      return new Promise((resolve) => {
        const ids = [...change.lookupIds.map(lookupJobId), ...Array.from({ length: MAX_WAVES }, (_, i) => referralJobId(change.referralId, i + 1))];
        const kinds = new Set<JobKind>();
        for (const id of ids) {
          const job = jobs.get(id);
          if (job === undefined || job.state === 'active' || job.priority === change.priority) continue;
          job.priority = change.priority;
          kinds.add(job.kind);
        }
        for (const kind of kinds) ready.get(kind)?.reorder();
        resolve();
      });
    },

    deliver(requests: readonly DeliveryRequest[]): Promise<void> {
      return new Promise((resolve) => {
        // Best effort (model/jobs.ts): a closed runner takes nothing; the outbox sweep finds it after the restart.
        if (closing === undefined) enqueueDeliveries(requests);
        else log.debug({ deliveries: requests.length }, 'job runner closed; deliveries left to the outbox sweep');
        resolve();
      });
    },

    ping(): Promise<boolean> {
      return Promise.resolve(closing === undefined);
    },

    run(): void {
      if (closing !== undefined) throw new MashError('QUEUE.UNAVAILABLE', 'job runner is closed');
      startTaking();
    },

    queueStats(): Promise<readonly QueueStats[]> {
      const stats = new Map<KeyedKind, { counts: Record<QueueJobState, number>; oldestWaitingAt: number | undefined }>();
      for (const kind of KEYED_KINDS) stats.set(kind, { counts: { waiting: 0, active: 0, delayed: 0, 'waiting-children': 0, failed: 0 }, oldestWaitingAt: undefined });
      for (const job of jobs.values()) {
        if (isPeriodic(job.kind)) continue;
        const entry = stats.get(job.kind);
        if (entry === undefined) continue;
        // A ready job waits for a worker: BullMQ's "waiting" (or "prioritized"). Failed jobs are forgotten here.
        const state = job.state === 'ready' ? 'waiting' : job.state;
        entry.counts[state] += 1;
        if (state === 'waiting' && (entry.oldestWaitingAt === undefined || job.addedAt < entry.oldestWaitingAt)) entry.oldestWaitingAt = job.addedAt;
      }
      return Promise.resolve([...stats].map(([queue, entry]) => ({ queue, counts: entry.counts, oldestWaitingAt: entry.oldestWaitingAt })));
    },

    idle(): Promise<void> {
      if (keyedJobs === 0 || closing !== undefined) return closing ?? Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },

    close(): Promise<void> {
      closing ??= (async () => {
        taking = false;
        for (const tick of ticks) clearInterval(tick);
        for (const job of jobs.values()) clearTimeout(job.timer);
        await Promise.allSettled([...activeRuns]);
        if (keyedJobs > 0) log.info({ dropped: keyedJobs }, 'job runner closed with queued jobs; recovery re-schedules them from the store');
        jobs.clear();
        keyedJobs = 0;
        for (const lane of ready.values()) lane.clear();
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

  /** Restores the heap order after priorities of jobs in it changed. */
  reorder(): void {
    const items = [...this.#items];
    this.#items.length = 0;
    for (const job of items) this.push(job);
  }
}

function before(a: QueuedJob, b: QueuedJob): boolean {
  return a.priority === b.priority ? a.sequence < b.sequence : a.priority < b.priority;
}
