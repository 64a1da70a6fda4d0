/**
 * Prometheus metrics of the real process (`node src/main.ts`, embedded: PGlite and the in-process
 * runner) over HTTP, with the agency simulators this suite starts: GET /metrics on the gateway's
 * port behind bearer auth and `metrics:read`, and the same registry on the unauthenticated
 * listener of MASH_METRICS_PORT. Referrals go through the simulators; the series must then agree
 * with what the API says happened — lookups per connector as GET /v1/referrals/{id} lists them,
 * one time-to-picture observation per referral ready, release decisions and the product counted
 * once they are made, the publication's delivery to the host counted once delivered — and an
 * agency that fails opens its connector's breaker, which the series shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { Role } from '../../src/model/principal.ts';
import { parseExposition, sumBy, sumOf, valueOf, type Sample } from '../support/exposition.ts';
import { waitFor } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { runsAndScrape, type StatusLookups } from './metrics-support.ts';
import { startGatewayOnSimulators, submitExample, waitForPicture, type GatewayOnSimulators } from './support.ts';

interface PictureItems {
  items: { itemId: string; agency: Agency; release: unknown }[];
}

const tmp = makeTempDir('mash-e2e-metrics-');
let deployment: GatewayOnSimulators;
let listenerUrl: string;
/** Every referral this suite submitted: the scrape counts all their lookups. */
const submitted: string[] = [];

const token = (role: Role, agency?: Agency): Promise<string> => signToken(loadOrCreateSigningKey(tmp.dir), { sub: `e2e-${role}-${agency ?? 'hub'}`, role, agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });

async function call(role: Role, agency: Agency | undefined, method: string, route: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${deployment.gateway.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${await token(role, agency)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

/** The referrals' lookup runs as the API shows them and a gateway scrape, once they agree (metrics-support.ts). */
async function runsAndScrapeGateway(ids: readonly string[]): Promise<{ expected: Record<string, number>; samples: Sample[] }> {
  const manager = await token('hub-manager');
  return runsAndScrape({ apiUrl: deployment.gateway.url, apiToken: manager, ids, scrapeUrl: `${deployment.gateway.url}/metrics`, scrapeToken: manager });
}

/** GET /metrics on the gateway's port as the manager. */
async function scrapeGateway(): Promise<Sample[]> {
  const response = await fetch(`${deployment.gateway.url}/metrics`, { headers: { authorization: `Bearer ${await token('hub-manager')}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

beforeAll(async () => {
  deployment = await startGatewayOnSimulators(tmp.dir, {
    env: { MASH_METRICS_PORT: '0' },
    connectors: (declared) =>
      declared.map((c) => {
        // A rate limit on health, so its requests wait their turn and the waits are recorded.
        if (c.agency === 'health') return { ...c, rateLimit: { requestsPerSecond: 200, toleranceMs: 0 } };
        // Education's breaker opens at its first failure and stays open (the last test fails it).
        if (c.agency === 'education') return { ...c, retry: { ...c.retry, attempts: 1 }, breaker: { consecutiveFailures: 1, halfOpenAfterMs: 600_000 } };
        return c;
      }),
  });
  listenerUrl = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)","msg":"metrics listening"/.exec(deployment.gateway.output())?.[1] ?? '';
  expect(listenerUrl, deployment.gateway.output()).not.toBe('');
}, 60_000);

afterAll(async () => {
  await deployment.stop();
  tmp.remove();
});

describe('GET /metrics (embedded, the real process)', () => {
  it('answers 401 without a token, 403 to a practitioner and an auditor, the exposition to the manager and a connector administrator', async () => {
    const anonymous = await fetch(`${deployment.gateway.url}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await anonymous.json()) as { code: string }).code).toBe('AUTH.MISSING_TOKEN');
    for (const [role, agency] of [['hub-practitioner', 'police'], ['auditor', undefined]] as const) {
      const denied = await fetch(`${deployment.gateway.url}/metrics`, { headers: { authorization: `Bearer ${await token(role, agency)}` } });
      expect(denied.status, role).toBe(403);
      expect(((await denied.json()) as { code: string }).code).toBe('FIREWALL.DENIED');
    }
    const admin = await fetch(`${deployment.gateway.url}/metrics`, { headers: { authorization: `Bearer ${await token('connector-admin', 'police')}` } });
    expect(admin.status).toBe(200);
    const samples = parseExposition(await admin.text());
    // Nothing has run yet: no lookup counted, the queues empty, the process metrics there.
    expect(sumOf(samples, 'mash_lookups_total')).toBe(0);
    expect(sumOf(samples, 'mash_queue_jobs')).toBe(0);
    expect(valueOf(samples, 'mash_process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('counts the lookups, pictures, decisions, products and deliveries the API shows', async () => {
    const intake = await token('referral-intake');
    const manager = await token('hub-manager');
    const ids = [await submitExample(deployment.gateway.url, intake), await submitExample(deployment.gateway.url, intake)];
    submitted.push(...ids);
    const statuses: StatusLookups[] = [];
    for (const id of ids) statuses.push((await waitForPicture(deployment.gateway.url, manager, id, 60_000)) as unknown as StatusLookups);

    // Lookups per connector: exactly the runs the referrals' status shows recorded.
    const settled = await runsAndScrapeGateway(ids);
    const { expected } = settled;
    let { samples } = settled;
    expect(Object.keys(expected).length).toBe(5);
    expect(sumBy(samples, 'mash_lookups_total', 'connector')).toEqual(expected);
    expect(sumBy(samples, 'mash_lookup_duration_seconds_count', 'connector')).toEqual(expected);
    expect(sumBy(samples, 'mash_lookup_duration_seconds_bucket', 'connector', { le: '+Inf' })).toEqual(expected);
    // Each connector called has a breaker in exactly one state (closed, unless a slow machine made an agency fail).
    for (const connector of Object.keys(expected)) expect(sumOf(samples, 'mash_connector_breaker_state', { connector }), connector).toBe(1);
    // Health's requests waited for their turn under its rate limit: each one observed.
    const health = statuses[0]?.lookups.find((l) => l.agency === 'health')?.connectorId ?? '';
    expect(valueOf(samples, 'mash_rate_limit_wait_seconds_count', { connector: health })).toBeGreaterThanOrEqual(expected[health] ?? 1);
    // One time-to-picture observation per referral ready, under its RAG; none in a bucket below 0.
    expect(sumOf(samples, 'mash_time_to_picture_seconds_count')).toBe(2);
    expect(sumOf(samples, 'mash_time_to_picture_seconds_bucket', { le: '+Inf' })).toBe(2);
    // The store's figures at scrape time: both open referrals picture-ready; the queues read.
    expect(sumOf(samples, 'mash_referrals', { status: 'picture-ready' })).toBe(2);
    expect(valueOf(samples, 'mash_referrals_sla', { state: 'breached' })).toBe(0);
    expect(valueOf(samples, 'mash_metrics_source_up', { source: 'store' })).toBe(1);
    expect(valueOf(samples, 'mash_queue_jobs', { queue: 'lookup', state: 'waiting' })).toBeGreaterThanOrEqual(0);
    expect(valueOf(samples, 'mash_audit_unchained_entries')).toBeGreaterThanOrEqual(0);
    expect(sumOf(samples, 'mash_products_published_total')).toBe(0);
    expect(sumOf(samples, 'mash_release_decisions_total')).toBe(0);

    // Owners decide: police releases one of its items, health withholds one of its own.
    const [first] = ids;
    const decide = async (agency: Agency, decision: 'release' | 'withhold'): Promise<void> => {
      const picture = (await call('hub-practitioner', agency, 'GET', `/v1/referrals/${first}/picture`)).json as PictureItems;
      const item = picture.items.find((i) => i.agency === agency && i.release === null);
      expect(item, `an undecided ${agency} item`).toBeDefined();
      const body = decision === 'release' ? { decision, rationale: 'Relevant and proportionate (synthetic).' } : { decision, rationale: 'Source protection (synthetic).', signpost: { contact: `MASH ${agency} desk` } };
      expect((await call('hub-practitioner', agency, 'PUT', `/v1/referrals/${first}/items/${item?.itemId}/release`, body)).status).toBe(200);
    };
    await decide('police', 'release');
    await decide('health', 'withhold');
    expect((await call('hub-manager', undefined, 'POST', `/v1/referrals/${first}/decision`, { rag: 'amber', outcome: 'early-help', rationale: 'Synthetic rationale.' })).status).toBe(200);
    const published = await call('hub-manager', undefined, 'POST', `/v1/referrals/${first}/products`, { withholdUndecided: { rationale: 'Owners not yet available (synthetic).' } });
    expect(published.status).toBe(201);
    // Publishing again with nothing changed returns the same version: not a new product.
    expect((await call('hub-manager', undefined, 'POST', `/v1/referrals/${first}/products`, { withholdUndecided: { rationale: 'Owners not yet available (synthetic).' } })).status).toBe(200);

    samples = await waitFor(
      async () => {
        const now = await scrapeGateway();
        return valueOf(now, 'mash_outbox_deliveries_total', { kind: 'publication', outcome: 'delivered' }) === 1 ? now : undefined;
      },
      45_000,
      'the publication delivered to the host and counted',
    );
    expect(valueOf(samples, 'mash_products_published_total')).toBe(1);
    expect(valueOf(samples, 'mash_release_decisions_total', { decision: 'release', agency: 'police' })).toBe(1);
    expect(valueOf(samples, 'mash_release_decisions_total', { decision: 'withhold', agency: 'health' })).toBe(1);
    expect(sumOf(samples, 'mash_release_decisions_total')).toBe(2);
    expect(sumOf(samples, 'mash_outbox_deliveries_total', { outcome: 'failed' })).toBe(0);
    // Decisions and publication run no lookup: the counts still match the runs the API shows.
    const after = await runsAndScrapeGateway(ids);
    expect(sumBy(after.samples, 'mash_lookups_total', 'connector')).toEqual(after.expected);
  }, 150_000);

  it('serves the same registry without auth on MASH_METRICS_PORT, and nothing else there', async () => {
    const response = await fetch(listenerUrl);
    expect(response.status).toBe(200);
    const samples = parseExposition(await response.text());
    expect(valueOf(samples, 'mash_products_published_total')).toBe(1);
    expect(sumOf(samples, 'mash_lookups_total')).toBeGreaterThan(0);
    expect(sumOf(samples, 'mash_referrals', { status: 'picture-ready' })).toBe(2);
    const elsewhere = await fetch(listenerUrl.replace(/\/metrics$/, '/v1/referrals'));
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('shows a connector’s breaker open once its agency fails, and its failed lookups', async () => {
    deployment.simulators.agencies.education?.setFaults({ status: 503 });
    const manager = await token('hub-manager');
    const id = await submitExample(deployment.gateway.url, await token('referral-intake'));
    submitted.push(id);
    const status = (await waitForPicture(deployment.gateway.url, manager, id, 60_000)) as unknown as StatusLookups;
    const education = status.lookups.find((l) => l.agency === 'education')?.connectorId ?? '';
    expect(status.lookups.filter((l) => l.agency === 'education').every((l) => l.status === 'failed')).toBe(true);
    const { expected, samples } = await runsAndScrapeGateway(submitted);
    expect(valueOf(samples, 'mash_connector_breaker_state', { connector: education, state: 'open' })).toBe(1);
    expect(valueOf(samples, 'mash_connector_breaker_state', { connector: education, state: 'closed' })).toBe(0);
    // Every education run of this referral failed (a recovery's probe meets the open breaker too).
    expect(sumOf(samples, 'mash_lookups_total', { connector: education })).toBe(expected[education]);
    expect(valueOf(samples, 'mash_lookups_total', { connector: education, agency: 'education', outcome: 'failed' })).toBeGreaterThanOrEqual(status.lookups.filter((l) => l.agency === 'education').length);
    expect(sumOf(samples, 'mash_time_to_picture_seconds_count')).toBe(3);
  }, 120_000);
});
