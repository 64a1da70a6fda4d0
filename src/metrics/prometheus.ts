/**
 * The Prometheus side of the metrics port (src/lib/metrics.ts), on prom-client (CONVENTIONS.md
 * §12: the well-kept library). One `Registry` per process, built by the composition root — never
 * prom-client's global default registry, so tests can run several in one process.
 *
 * Two kinds of series (docs/decisions.md "Metrics: one registry per process"):
 * - **Recorded** as work happens, in the process that did it: lookups, breakers, rate-limit waits,
 *   time to picture, products, release decisions, outbox deliveries, and Node's process metrics.
 *   Every process exposes its own; Prometheus adds them up.
 * - **Read at scrape time** (`collect()`) from the store and the queues: referral and SLA gauges,
 *   the audit head lag, queue depth. Only the gateway is given these sources, so a deployment of
 *   one gateway and N workers does not count them N+1 times.
 *
 * Names follow the Prometheus conventions: `mash_` prefix, base units (`_seconds`), `_total` on
 * counters, bounded label sets. Recording never throws: a fault is logged and dropped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { describeError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { BREAKER_STATES, QUEUE_JOB_STATES, type Metrics, type QueueStats } from '../lib/metrics.ts';
import type { StoreFigures } from '../store/metrics-figures.ts';

/** Where the scrape-time gauges come from; a process without a source exposes none of its series. */
export interface ScrapeSources {
  /** The store's figures now (src/store/metrics-figures.ts). */
  readonly store?: (() => Promise<StoreFigures>) | undefined;
  /** The job engine's queues now. */
  readonly queues?: (() => Promise<readonly QueueStats[]>) | undefined;
}

export interface PrometheusMetricsOptions {
  readonly logger: Logger;
  readonly sources?: ScrapeSources | undefined;
  /** Node's process metrics (`collectDefaultMetrics`, prefix `mash_`); default true. */
  readonly processMetrics?: boolean | undefined;
  /** The wall clock, ms since the epoch (ages are measured against it). */
  readonly now?: (() => number) | undefined;
}

/** The metrics port, with the registry behind it and its exposition. */
export interface PrometheusMetrics extends Metrics {
  readonly registry: Registry;
  /** The Content-Type of {@link PrometheusMetrics.exposition}: text format 0.0.4. */
  readonly contentType: string;
  /** Every series in the Prometheus text format, the scrape-time ones read now. */
  exposition(): Promise<string>;
}

/** Seconds: a lookup is an HTTP exchange or a few, with retries up to about a minute or two. */
const LOOKUP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
/** Seconds: most requests go at once; a busy connector waits up to its window, a few seconds. */
const RATE_WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds: from seconds (simulators) to the red SLA (4 working hours) and past a working day. */
const PICTURE_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 900, 1_800, 3_600, 4 * 3_600, 8 * 3_600, 24 * 3_600, 72 * 3_600];

/**
 * How long one read of a scrape-time source is shared: the gauges of one source are collected
 * side by side within a scrape, and should read the store once, not once each.
 */
const SHARED_READ_MS = 1_000;

/** Builds the registry and its series, and the port that records into them. */
export function createPrometheusMetrics(options: PrometheusMetricsOptions): PrometheusMetrics {
  const registry = new Registry();
  const log = options.logger.child({ component: 'metrics' });
  const now = options.now ?? Date.now;
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'mash_' });
  const registers = [registry];

  const lookupDuration = new Histogram({
    name: 'mash_lookup_duration_seconds',
    help: 'Time a lookup run took, from its start to its outcome recorded (retries and rate-limit waits included), by connector, agency and outcome.',
    labelNames: ['connector', 'agency', 'outcome'] as const,
    buckets: LOOKUP_BUCKETS,
    registers,
  });
  const lookups = new Counter({ name: 'mash_lookups_total', help: 'Lookup outcomes recorded, by connector, agency and outcome.', labelNames: ['connector', 'agency', 'outcome'] as const, registers });
  const breaker = new Gauge({ name: 'mash_connector_breaker_state', help: 'The circuit breaker of each connector in this process: 1 for its current state, 0 for the others.', labelNames: ['connector', 'state'] as const, registers });
  const rateWait = new Histogram({ name: 'mash_rate_limit_wait_seconds', help: 'Time a request to an agency waited for its turn under the connector rate limit.', labelNames: ['connector'] as const, buckets: RATE_WAIT_BUCKETS, registers });
  const timeToPicture = new Histogram({ name: 'mash_time_to_picture_seconds', help: 'Time from a referral received to its picture ready, by RAG rating.', labelNames: ['rag'] as const, buckets: PICTURE_BUCKETS, registers });
  const products = new Counter({ name: 'mash_products_published_total', help: 'Product versions published.', registers });
  const decisions = new Counter({ name: 'mash_release_decisions_total', help: 'Release decisions recorded by item owners, by decision and agency.', labelNames: ['decision', 'agency'] as const, registers });
  const deliveries = new Counter({ name: 'mash_outbox_deliveries_total', help: 'Outbox delivery attempts recorded, by message kind and outcome (delivered, retry, failed).', labelNames: ['kind', 'outcome'] as const, registers });
  const breakersSeen = new Set<string>();

  const setBreaker = (connectorId: string, state: string): void => {
    breakersSeen.add(connectorId);
    for (const candidate of BREAKER_STATES) breaker.set({ connector: connectorId, state: candidate }, candidate === state ? 1 : 0);
  };

  /** Records, or logs why it could not: never throws into the business path. */
  const safely = (what: string, record: () => void): void => {
    try {
      record();
    } catch (error) {
      log.warn({ code: 'METRICS.RECORD_FAILED', metric: what, error: describeError(error) }, 'could not record a metric');
    }
  };

  registerScrapeGauges(registers, options.sources ?? {}, now, log);

  return {
    registry,
    contentType: registry.contentType,
    exposition: () => registry.metrics(),
    lookupFinished(event) {
      safely('lookup', () => {
        const labels = { connector: event.connectorId, agency: event.agency, outcome: event.outcome };
        lookups.inc(labels);
        lookupDuration.observe(labels, Math.max(0, event.seconds));
        // A connector that has been called and never changed state is closed.
        if (!breakersSeen.has(event.connectorId)) setBreaker(event.connectorId, 'closed');
      });
    },
    breakerChanged(event) {
      safely('breaker', () => setBreaker(event.connectorId, event.state));
    },
    rateLimitWaited(event) {
      safely('rate-limit', () => rateWait.observe({ connector: event.connectorId }, Math.max(0, event.seconds)));
    },
    pictureReady(event) {
      safely('time-to-picture', () => timeToPicture.observe({ rag: event.rag }, Math.max(0, event.seconds)));
    },
    productPublished() {
      safely('product', () => products.inc());
    },
    releaseDecided(event) {
      safely('release-decision', () => decisions.inc({ decision: event.decision, agency: event.agency }));
    },
    outboxDelivered(event) {
      safely('outbox', () => deliveries.inc({ kind: event.kind, outcome: event.outcome }));
    },
  };
}

/**
 * The gauges read at scrape time. A source that fails leaves its gauges empty for that scrape and
 * says so in `mash_metrics_source_up` (0), so a broken store shows as missing figures, never as
 * zero referrals — and the scrape itself still answers.
 */
function registerScrapeGauges(registers: Registry[], sources: ScrapeSources, now: () => number, log: Logger): void {
  const { store, queues } = sources;
  const reads = new Map<string, () => Promise<unknown>>();
  new Gauge({
    name: 'mash_metrics_source_up',
    help: 'Whether this scrape could read each source of scrape-time figures (1) or not (0).',
    labelNames: ['source'] as const,
    registers,
    async collect() {
      this.reset();
      for (const [source, read] of reads) this.set({ source }, (await read()) === undefined ? 0 : 1);
    },
  });
  if (store !== undefined) {
    const read = sharedRead('store', store, log);
    reads.set('store', read);
    new Gauge({
      name: 'mash_referrals',
      help: 'Open referrals (not closed) by RAG rating and status.',
      labelNames: ['rag', 'status'] as const,
      registers,
      async collect() {
        this.reset();
        const figures = await read();
        for (const row of figures?.referrals ?? []) this.set({ rag: row.rag, status: row.status }, row.count);
      },
    });
    new Gauge({
      name: 'mash_referrals_sla',
      help: 'Open referrals with no product yet, at risk of breaching their SLA or past it (DESIGN.md rule 4).',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        this.reset();
        const figures = await read();
        if (figures === undefined) return;
        this.set({ state: 'at-risk' }, figures.sla.atRisk);
        this.set({ state: 'breached' }, figures.sla.breached);
      },
    });
    new Gauge({
      name: 'mash_audit_unchained_entries',
      help: 'Audit entries committed but not yet chained (the audit head lag).',
      registers,
      async collect() {
        const figures = await read();
        // Unlabelled, so always exposed: NaN, not 0, when the store could not be read.
        this.set(figures === undefined ? Number.NaN : figures.audit.unchained);
      },
    });
    new Gauge({
      name: 'mash_audit_oldest_unchained_entry_age_seconds',
      help: 'Age of the oldest audit entry not yet chained; 0 when every entry is chained.',
      registers,
      async collect() {
        const figures = await read();
        const oldest = figures?.audit.oldestUnchainedAt;
        this.set(figures === undefined ? Number.NaN : oldest === null || oldest === undefined ? 0 : Math.max(0, (now() - oldest.getTime()) / 1000));
      },
    });
  }
  if (queues !== undefined) {
    const read = sharedRead('queues', queues, log);
    reads.set('queues', read);
    new Gauge({
      name: 'mash_queue_jobs',
      help: 'Jobs in each queue of the job engine, by state.',
      labelNames: ['queue', 'state'] as const,
      registers,
      async collect() {
        this.reset();
        for (const stats of (await read()) ?? []) for (const state of QUEUE_JOB_STATES) this.set({ queue: stats.queue, state }, stats.counts[state]);
      },
    });
    new Gauge({
      name: 'mash_queue_oldest_job_age_seconds',
      help: 'How long the oldest job waiting to run in each queue has waited; 0 when none waits.',
      labelNames: ['queue'] as const,
      registers,
      async collect() {
        this.reset();
        for (const stats of (await read()) ?? []) this.set({ queue: stats.queue }, stats.oldestWaitingAt === undefined ? 0 : Math.max(0, (now() - stats.oldestWaitingAt) / 1000));
      },
    });
  }
}

/** One read of a source shared by the gauges collected in the same scrape; undefined when it failed. */
function sharedRead<T>(source: string, read: () => Promise<T>, log: Logger): () => Promise<T | undefined> {
  let last: { readonly at: number; readonly result: Promise<T | undefined> } | undefined;
  return () => {
    const at = performance.now();
    if (last !== undefined && at - last.at < SHARED_READ_MS) return last.result;
    const result = Promise.resolve()
      .then(read)
      .catch((error: unknown) => {
        log.warn({ code: 'METRICS.SOURCE_FAILED', source, error: describeError(error) }, 'could not read figures for a scrape');
        return undefined;
      });
    last = { at, result };
    return result;
  };
}
