/**
 * The example Grafana dashboard (docs/grafana/mash-gateway.json) against the registry it charts:
 * a dashboard in Grafana's JSON model (schemaVersion, uid, a Prometheus datasource variable every
 * panel and query uses, panels placed on the 24-column grid), and every series its queries name
 * is one the registry exposes — so a renamed series fails here, not on the council's wall screen.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { silentLogger } from '../lib/logger.ts';
import { parseExposition } from '../../test/support/exposition.ts';
import { createPrometheusMetrics } from './prometheus.ts';

const Datasource = z.object({ type: z.literal('prometheus'), uid: z.literal('${datasource}') });
const GridPos = z.object({ h: z.number().int().min(1), w: z.number().int().min(1).max(24), x: z.number().int().min(0).max(23), y: z.number().int().min(0) });
const Panel = z.discriminatedUnion('type', [
  z.object({ type: z.literal('row'), id: z.number().int(), title: z.string().min(1), gridPos: GridPos, panels: z.array(z.unknown()) }),
  z.object({
    type: z.enum(['timeseries', 'stat', 'bargauge']),
    id: z.number().int(),
    title: z.string().min(1),
    datasource: Datasource,
    gridPos: GridPos,
    targets: z.array(z.object({ datasource: Datasource, refId: z.string().min(1), expr: z.string().min(1), legendFormat: z.string() })).min(1),
    fieldConfig: z.object({ defaults: z.object({ unit: z.string() }).loose(), overrides: z.array(z.unknown()) }),
  }),
]);
const Dashboard = z
  .object({
    uid: z.string().min(1),
    title: z.string().min(1),
    schemaVersion: z.number().int().min(36),
    time: z.object({ from: z.string(), to: z.string() }),
    templating: z.object({ list: z.array(z.object({ type: z.string(), name: z.string(), query: z.string() }).loose()) }),
    panels: z.array(Panel).min(1),
  })
  .loose();

const dashboard = Dashboard.parse(JSON.parse(readFileSync(new URL('../../docs/grafana/mash-gateway.json', import.meta.url), 'utf8')));

/** Every series name the registry exposes once each kind of event happened and its sources answered. */
async function exposedNames(): Promise<Set<string>> {
  const metrics = createPrometheusMetrics({
    logger: silentLogger(),
    sources: {
      store: () => Promise.resolve({ referrals: [{ rag: 'red', status: 'received', count: 1 }], sla: { atRisk: 0, breached: 0 }, audit: { unchained: 0, oldestUnchainedAt: null } }),
      queues: () => Promise.resolve([{ queue: 'lookup', counts: { waiting: 0, active: 0, delayed: 0, 'waiting-children': 0, failed: 0 }, oldestWaitingAt: undefined }]),
    },
  });
  metrics.lookupFinished({ connectorId: 'c', agency: 'health', outcome: 'done', seconds: 1 });
  metrics.breakerChanged({ connectorId: 'c', state: 'open' });
  metrics.rateLimitWaited({ connectorId: 'c', seconds: 0 });
  metrics.pictureReady({ rag: 'red', seconds: 1 });
  metrics.productPublished();
  metrics.releaseDecided({ decision: 'release', agency: 'health' });
  metrics.outboxDelivered({ kind: 'publication', outcome: 'delivered' });
  return new Set(parseExposition(await metrics.exposition()).map((s) => s.name));
}

describe('the example Grafana dashboard', () => {
  it('is a Grafana dashboard on a Prometheus datasource variable, its panels on the grid', () => {
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ type: 'datasource', name: 'datasource', query: 'prometheus' }));
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
  });

  it('charts only series the registry exposes, and every series of the hub', async () => {
    const exposed = await exposedNames();
    const charted = new Set(dashboard.panels.flatMap((p) => (p.type === 'row' ? [] : p.targets.flatMap((t) => [...t.expr.matchAll(/\bmash_[a-z0-9_]+/g)].map((m) => m[0])))));
    for (const name of charted) expect(exposed, name).toContain(name);
    const hub = ['mash_lookups_total', 'mash_lookup_duration_seconds_bucket', 'mash_connector_breaker_state', 'mash_rate_limit_wait_seconds_bucket', 'mash_queue_jobs', 'mash_queue_oldest_job_age_seconds', 'mash_referrals', 'mash_referrals_sla', 'mash_time_to_picture_seconds_bucket', 'mash_products_published_total', 'mash_release_decisions_total', 'mash_outbox_deliveries_total', 'mash_audit_unchained_entries', 'mash_audit_oldest_unchained_entry_age_seconds'];
    for (const name of hub) expect(charted, name).toContain(name);
  });
});
