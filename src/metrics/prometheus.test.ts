/**
 * The Prometheus registry behind the metrics port, read back through its text exposition: what
 * each recording moves (counters, histogram buckets, the breaker's one-hot state), that the
 * scrape-time gauges read their source once per scrape and say when it failed, that a registry
 * is its process's own (no global default registry), and that recording never throws into the
 * business path.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../lib/logger.ts';
import type { QueueStats } from '../lib/metrics.ts';
import type { StoreFigures } from '../store/metrics-figures.ts';
import { parseExposition, sumOf, valueOf } from '../../test/support/exposition.ts';
import { createPrometheusMetrics } from './prometheus.ts';

const FIGURES: StoreFigures = {
  referrals: [
    { rag: 'red', status: 'researching', count: 2 },
    { rag: 'green', status: 'picture-ready', count: 5 },
  ],
  sla: { atRisk: 3, breached: 1 },
  audit: { unchained: 4, oldestUnchainedAt: new Date(1_000_000) },
};

const QUEUES: readonly QueueStats[] = [{ queue: 'lookup', counts: { waiting: 7, active: 2, delayed: 1, 'waiting-children': 0, failed: 0 }, oldestWaitingAt: 990_000 }];

async function scrape(metrics: { exposition(): Promise<string> }) {
  return parseExposition(await metrics.exposition());
}

describe('Prometheus metrics', () => {
  it('counts lookups by connector, agency and outcome, with their durations in histogram buckets', async () => {
    const metrics = createPrometheusMetrics({ logger: silentLogger(), processMetrics: false });
    metrics.lookupFinished({ connectorId: 'health-sim', agency: 'health', outcome: 'done', seconds: 0.2 });
    metrics.lookupFinished({ connectorId: 'health-sim', agency: 'health', outcome: 'done', seconds: 3 });
    metrics.lookupFinished({ connectorId: 'police-sim', agency: 'police', outcome: 'timed-out', seconds: 30 });

    const samples = await scrape(metrics);
    expect(valueOf(samples, 'mash_lookups_total', { connector: 'health-sim', agency: 'health', outcome: 'done' })).toBe(2);
    expect(valueOf(samples, 'mash_lookups_total', { connector: 'police-sim', outcome: 'timed-out' })).toBe(1);
    const health = { connector: 'health-sim', agency: 'health', outcome: 'done' };
    expect(valueOf(samples, 'mash_lookup_duration_seconds_count', health)).toBe(2);
    expect(valueOf(samples, 'mash_lookup_duration_seconds_sum', health)).toBeCloseTo(3.2);
    // Cumulative buckets: 0.2 s falls in le=0.25 and above, 3 s from le=5.
    expect(valueOf(samples, 'mash_lookup_duration_seconds_bucket', { ...health, le: '0.1' })).toBe(0);
    expect(valueOf(samples, 'mash_lookup_duration_seconds_bucket', { ...health, le: '0.25' })).toBe(1);
    expect(valueOf(samples, 'mash_lookup_duration_seconds_bucket', { ...health, le: '2.5' })).toBe(1);
    expect(valueOf(samples, 'mash_lookup_duration_seconds_bucket', { ...health, le: '5' })).toBe(2);
    expect(valueOf(samples, 'mash_lookup_duration_seconds_bucket', { ...health, le: '+Inf' })).toBe(2);
    // A connector that was called and never changed state shows a closed breaker.
    expect(valueOf(samples, 'mash_connector_breaker_state', { connector: 'police-sim', state: 'closed' })).toBe(1);
  });

  it('shows each breaker in exactly one state', async () => {
    const metrics = createPrometheusMetrics({ logger: silentLogger(), processMetrics: false });
    metrics.breakerChanged({ connectorId: 'police-sim', state: 'open' });
    let samples = await scrape(metrics);
    expect(valueOf(samples, 'mash_connector_breaker_state', { connector: 'police-sim', state: 'open' })).toBe(1);
    expect(sumOf(samples, 'mash_connector_breaker_state', { connector: 'police-sim' })).toBe(1);

    metrics.breakerChanged({ connectorId: 'police-sim', state: 'half-open' });
    metrics.lookupFinished({ connectorId: 'police-sim', agency: 'police', outcome: 'done', seconds: 1 });
    samples = await scrape(metrics);
    expect(valueOf(samples, 'mash_connector_breaker_state', { connector: 'police-sim', state: 'half-open' })).toBe(1);
    expect(valueOf(samples, 'mash_connector_breaker_state', { connector: 'police-sim', state: 'open' })).toBe(0);
    expect(sumOf(samples, 'mash_connector_breaker_state', { connector: 'police-sim' })).toBe(1);
  });

  it('records rate-limit waits, time to picture, products, release decisions and deliveries', async () => {
    const metrics = createPrometheusMetrics({ logger: silentLogger(), processMetrics: false });
    metrics.rateLimitWaited({ connectorId: 'health-sim', seconds: 0 });
    metrics.rateLimitWaited({ connectorId: 'health-sim', seconds: 0.3 });
    metrics.pictureReady({ rag: 'red', seconds: 42 });
    metrics.productPublished();
    metrics.releaseDecided({ decision: 'redact', agency: 'police' });
    metrics.releaseDecided({ decision: 'redact', agency: 'police' });
    metrics.outboxDelivered({ kind: 'publication', outcome: 'delivered' });
    metrics.outboxDelivered({ kind: 'notification', outcome: 'retry' });

    const samples = await scrape(metrics);
    expect(valueOf(samples, 'mash_rate_limit_wait_seconds_count', { connector: 'health-sim' })).toBe(2);
    expect(valueOf(samples, 'mash_rate_limit_wait_seconds_bucket', { connector: 'health-sim', le: '0.001' })).toBe(1);
    expect(valueOf(samples, 'mash_time_to_picture_seconds_bucket', { rag: 'red', le: '30' })).toBe(0);
    expect(valueOf(samples, 'mash_time_to_picture_seconds_bucket', { rag: 'red', le: '60' })).toBe(1);
    expect(valueOf(samples, 'mash_products_published_total')).toBe(1);
    expect(valueOf(samples, 'mash_release_decisions_total', { decision: 'redact', agency: 'police' })).toBe(2);
    expect(valueOf(samples, 'mash_outbox_deliveries_total', { kind: 'publication', outcome: 'delivered' })).toBe(1);
    expect(valueOf(samples, 'mash_outbox_deliveries_total', { kind: 'notification', outcome: 'retry' })).toBe(1);
  });

  it('reads the store and queue figures at scrape time, once per scrape for all their gauges', async () => {
    let storeReads = 0;
    const metrics = createPrometheusMetrics({
      logger: silentLogger(),
      processMetrics: false,
      now: () => 1_010_000,
      sources: {
        store: () => {
          storeReads += 1;
          return Promise.resolve(FIGURES);
        },
        queues: () => Promise.resolve(QUEUES),
      },
    });
    const samples = await scrape(metrics);
    expect(storeReads).toBe(1);
    expect(valueOf(samples, 'mash_referrals', { rag: 'red', status: 'researching' })).toBe(2);
    expect(valueOf(samples, 'mash_referrals', { rag: 'green', status: 'picture-ready' })).toBe(5);
    expect(valueOf(samples, 'mash_referrals_sla', { state: 'at-risk' })).toBe(3);
    expect(valueOf(samples, 'mash_referrals_sla', { state: 'breached' })).toBe(1);
    expect(valueOf(samples, 'mash_audit_unchained_entries')).toBe(4);
    expect(valueOf(samples, 'mash_audit_oldest_unchained_entry_age_seconds')).toBe(10);
    expect(valueOf(samples, 'mash_queue_jobs', { queue: 'lookup', state: 'waiting' })).toBe(7);
    expect(valueOf(samples, 'mash_queue_jobs', { queue: 'lookup', state: 'active' })).toBe(2);
    expect(valueOf(samples, 'mash_queue_oldest_job_age_seconds', { queue: 'lookup' })).toBe(20);
    expect(valueOf(samples, 'mash_metrics_source_up', { source: 'store' })).toBe(1);
    expect(valueOf(samples, 'mash_metrics_source_up', { source: 'queues' })).toBe(1);
  });

  it('answers a scrape when a source fails, its figures missing (not zero) and its source down', async () => {
    const metrics = createPrometheusMetrics({ logger: silentLogger(), processMetrics: false, sources: { store: () => Promise.reject(new Error('store away')), queues: () => Promise.resolve(QUEUES) } });
    const samples = await scrape(metrics);
    expect(valueOf(samples, 'mash_metrics_source_up', { source: 'store' })).toBe(0);
    expect(valueOf(samples, 'mash_audit_unchained_entries')).toBeNaN();
    expect(valueOf(samples, 'mash_referrals_sla', { state: 'breached' })).toBeUndefined();
    expect(valueOf(samples, 'mash_queue_jobs', { queue: 'lookup', state: 'waiting' })).toBe(7);
  });

  it('exposes no scrape-time gauges without sources (a worker), and keeps registries apart', async () => {
    const worker = createPrometheusMetrics({ logger: silentLogger(), processMetrics: false });
    const other = createPrometheusMetrics({ logger: silentLogger(), processMetrics: false });
    worker.productPublished();
    const samples = await scrape(worker);
    expect(samples.some((s) => s.name === 'mash_referrals' || s.name === 'mash_queue_jobs')).toBe(false);
    expect(valueOf(samples, 'mash_products_published_total')).toBe(1);
    expect(valueOf(await scrape(other), 'mash_products_published_total')).toBe(0);
  });

  it('adds the process metrics with the mash_ prefix', async () => {
    const metrics = createPrometheusMetrics({ logger: silentLogger() });
    const samples = await scrape(metrics);
    // prom-client counts process CPU from the collector's creation: present at once, possibly still 0.
    expect(samples.some((s) => s.name === 'mash_process_cpu_user_seconds_total')).toBe(true);
    expect(samples.some((s) => s.name === 'mash_nodejs_eventloop_lag_seconds')).toBe(true);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('never throws into the business path: a bad value is logged and dropped', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const metrics = createPrometheusMetrics({ logger: createLogger({ level: 'warn', destination }), processMetrics: false });
    expect(() => metrics.lookupFinished({ connectorId: 'health-sim', agency: 'health', outcome: 'done', seconds: Number.NaN })).not.toThrow();
    expect(() => metrics.pictureReady({ rag: 'red', seconds: Number.NaN })).not.toThrow();
    expect(lines.join('')).toContain('METRICS.RECORD_FAILED');
    // The counter moved before the histogram refused the value; the exposition still renders.
    expect(valueOf(await scrape(metrics), 'mash_lookups_total', { connector: 'health-sim' })).toBe(1);
  });
});
