/**
 * Honest partial pictures, recovery and dead letters through the real process (`node
 * src/main.ts`, embedded), the agencies' simulators started here (docs/decisions.md "Resilient
 * connectors"):
 * - an agency down (503 to everything) leaves the picture without it, saying so; its breaker
 *   opens and the administrators see it; once it answers again its failed lookups run again by
 *   themselves, the picture fills in, the lineage is in the lookup's history and in the audit
 *   trail, and — a product having been published meanwhile — a new product version is offered;
 * - a lookup failed with a client error (not recoverable) is listed in `GET /v1/admin/failures`
 *   for its agency's administrator and the manager, not for another agency's administrator nor a
 *   practitioner, and reprocessing it runs it again, linked to the failed run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import type { Agency } from '../../src/model/agency.ts';
import { Connector } from '../../src/model/connector.ts';
import type { Role } from '../../src/model/principal.ts';
import type { EmbeddedSimulators } from '../../simulators/embedded.ts';
import { waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { EXAMPLE_REFERRAL, startGatewayOnSimulators, waitForPicture, type GatewayOnSimulators } from './support.ts';

interface LookupSeen {
  id: string;
  connectorId: string;
  subjectRef: string;
  status: string;
  attempts: number;
  reason: string | null;
  recoverable: boolean;
  factCount: number;
  history: { status: string; reason: string | null; attempts: number; rerun: { trigger: string; by: string; requestId: string } }[];
}
interface StatusSeen {
  status: string;
  lookups: LookupSeen[];
  newProductVersionOfferedAt: string | null;
}

const tmp = makeTempDir('mash-e2e-recovery-');
let deployment: GatewayOnSimulators | undefined;
let simulators: EmbeddedSimulators;
let gateway: GatewayProcess;

const token = (role: Role, agency?: Agency): Promise<string> => signToken(loadOrCreateSigningKey(tmp.dir), { sub: `e2e-${role}-${agency ?? 'hub'}`, role, agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });

async function call(role: Role, agency: Agency | undefined, method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${gateway.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${await token(role, agency)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: response.headers.get('content-type')?.includes('json') === true ? await response.json() : undefined };
}

const simulatorUrl = (agency: Agency): string => simulators.connectors.find((c) => c.agency === agency)?.baseUrl ?? '';

async function traffic(agency: Agency, profile?: unknown): Promise<void> {
  const response = await fetch(`${simulatorUrl(agency)}/_sim/traffic`, {
    method: profile === undefined ? 'DELETE' : 'POST',
    headers: { 'content-type': 'application/json' },
    ...(profile === undefined ? {} : { body: JSON.stringify(profile) }),
  });
  expect(response.status).toBe(204);
}

async function submit(reference: string): Promise<string> {
  const posted = await call('referral-intake', undefined, 'POST', '/v1/referrals', { ...(EXAMPLE_REFERRAL as Record<string, unknown>), externalReference: reference });
  expect(posted.status).toBe(202);
  const { id } = posted.json as { id: string };
  await waitForPicture(gateway.url, await token('hub-manager'), id, 60_000);
  return id;
}

const statusOf = async (id: string): Promise<StatusSeen> => (await call('hub-manager', undefined, 'GET', `/v1/referrals/${id}`)).json as StatusSeen;

beforeAll(async () => {
  deployment = await startGatewayOnSimulators(tmp.dir, {
    // Quick to give up and quick to recover, so the test takes seconds: two attempts, a breaker
    // that opens after three failures in a row and half-opens after a second.
    connectors: (declared) => declared.map((c) => Connector.parse({ ...c, retry: { attempts: 2, backoffMs: 50 }, breaker: { consecutiveFailures: 3, halfOpenAfterMs: 1_000 } })),
    // One delivery attempt, so a failing host makes a dead letter at once.
    env: { MASH_LOOKUP_RECOVERY_MS: '1000', MASH_OUTBOX_ATTEMPTS: '1' },
  });
  ({ simulators, gateway } = deployment);
}, 60_000);

afterAll(async () => {
  await deployment?.stop();
  tmp.remove();
});

describe('an agency that goes down and comes back', () => {
  it('leaves the picture without it and says so, opens its breaker, then fills the picture in once it answers, with lineage and a new product version offered', async () => {
    await traffic('health', { outage: { requests: 1_000_000, status: 503 } });
    const id = await submit('RECOVERY-1');

    const before = await statusOf(id);
    const health = before.lookups.filter((l) => l.connectorId === 'health-sim');
    expect(health.length).toBeGreaterThan(0);
    // Failed, or already being probed again (the recovery sweep probes a silent agency): never done.
    expect(health.some((l) => l.status === 'failed')).toBe(true);
    for (const lookup of health) {
      expect(['failed', 'queued', 'running']).toContain(lookup.status);
      if (lookup.status !== 'failed') continue;
      expect(lookup.recoverable).toBe(true);
      expect(lookup.reason).toMatch(/^ADAPTER\.(HTTP_ERROR: .*HTTP 503|CIRCUIT_OPEN: )/);
    }
    // The picture is honest about the gap.
    const picture = (await call('hub-manager', undefined, 'GET', `/v1/referrals/${id}/picture`)).json as { checks: { agency: string; answer: string }[] };
    expect(picture.checks.find((c) => c.agency === 'health')?.answer).not.toBe('complete');
    // The health administrator sees the breaker open, and why.
    const connectors = (await call('connector-admin', 'health', 'GET', '/v1/connectors')).json as { connectors: { id: string; health: { breaker: string; reason: string | null } }[] };
    // Open, or half-open while the recovery sweep probes the agency: either way, with the reason it opened.
    const breaker = connectors.connectors.find((c) => c.id === 'health-sim')?.health;
    expect(['open', 'half-open']).toContain(breaker?.breaker);
    expect(breaker?.reason).toMatch(/HTTP 503/);

    // The manager decides and publishes what there is.
    expect((await call('hub-manager', undefined, 'POST', `/v1/referrals/${id}/decision`, { rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic rationale.' })).status).toBe(200);
    expect((await call('hub-manager', undefined, 'POST', `/v1/referrals/${id}/products`, { withholdUndecided: { rationale: 'Owners not yet available (synthetic).' } })).status).toBe(201);
    expect((await statusOf(id)).newProductVersionOfferedAt).toBeNull();

    // The agency comes back: nobody asks, and its lookups run again.
    await traffic('health');
    const after = await waitFor(
      async () => {
        const view = await statusOf(id);
        return view.lookups.filter((l) => l.connectorId === 'health-sim').every((l) => l.status === 'done') && view.newProductVersionOfferedAt !== null ? view : undefined;
      },
      30_000,
      'the health lookups to run again and succeed',
    );
    const child = after.lookups.find((l) => l.connectorId === 'health-sim' && l.subjectRef === 'child-1');
    expect(child?.factCount).toBeGreaterThan(0);
    expect(child?.history.length).toBeGreaterThan(0);
    for (const earlier of child?.history ?? []) expect(earlier).toMatchObject({ status: 'failed', rerun: { trigger: 'recovery', by: expect.stringMatching(/^system:/) as unknown } });
    // The lineage in the audit trail: the same request id.
    const audit = (await call('auditor', undefined, 'GET', `/v1/audit/entries?referralId=${id}&action=lookup.rerun`)).json as { entries: { subject: string; detail: string }[] };
    const requests = audit.entries.filter((e) => e.subject === child?.id).map((e) => JSON.parse(e.detail) as unknown);
    expect(requests).toContainEqual({ trigger: 'recovery', requestId: child?.history.at(-1)?.rerun.requestId, run: child?.history.length });
    // The breaker closed again.
    const healed = (await call('connector-admin', 'health', 'GET', '/v1/connectors')).json as { connectors: { id: string; health: { breaker: string } }[] };
    expect(healed.connectors.find((c) => c.id === 'health-sim')?.health.breaker).toBe('closed');
  });
});

describe('dead letters', () => {
  it('lists a failed lookup to those who may see it, and reprocessing runs it again, linked to the failed run', async () => {
    await traffic('education', { outage: { requests: 1, status: 400 } });
    const id = await submit('DEAD-LETTER-1');
    const failed = (await statusOf(id)).lookups.find((l) => l.connectorId === 'education-sim' && l.subjectRef === 'child-1');
    expect(failed).toMatchObject({ status: 'failed', recoverable: false, attempts: 1 });

    type Failures = { failures: { kind: string; id: string; reason: string | null; recoverable: boolean }[]; next: string | null };
    const listed = (await call('connector-admin', 'education', 'GET', '/v1/admin/failures?kind=lookup')).json as Failures;
    expect(listed.failures.find((f) => f.id === failed?.id)).toMatchObject({ kind: 'lookup', recoverable: false, reason: expect.stringMatching(/HTTP 400/) as unknown });
    expect(((await call('connector-admin', 'police', 'GET', '/v1/admin/failures')).json as Failures).failures.map((f) => f.id)).not.toContain(failed?.id);
    expect(((await call('hub-manager', undefined, 'GET', '/v1/admin/failures?kind=lookup&connector=education-sim')).json as Failures).failures.map((f) => f.id)).toContain(failed?.id);
    expect((await call('hub-practitioner', 'education', 'GET', '/v1/admin/failures')).status).toBe(403);
    expect((await call('hub-manager', undefined, 'GET', '/v1/admin/failures?kind=letters')).status).toBe(400);

    const item = { kind: 'lookup', id: failed?.id };
    const refused = (await call('connector-admin', 'police', 'POST', '/v1/admin/failures/reprocess', { items: [item] })).json as { results: { outcome: string }[] };
    expect(refused.results[0]?.outcome).toBe('forbidden');
    const reprocessed = (await call('connector-admin', 'education', 'POST', '/v1/admin/failures/reprocess', { items: [item] })).json as { results: { outcome: string; requestId?: string }[] };
    expect(reprocessed.results[0]?.outcome).toBe('queued');

    const rerun = await waitFor(
      async () => {
        const lookup = (await statusOf(id)).lookups.find((l) => l.id === failed?.id);
        return lookup?.status === 'done' ? lookup : undefined;
      },
      30_000,
      'the reprocessed lookup to run again',
    );
    expect(rerun.history).toEqual([expect.objectContaining({ status: 'failed', attempts: 1, rerun: { trigger: 'reprocess', by: 'e2e-connector-admin-education', at: expect.any(String) as unknown, requestId: reprocessed.results[0]?.requestId } })]);
    expect(((await call('connector-admin', 'education', 'GET', '/v1/admin/failures?kind=lookup')).json as Failures).failures.map((f) => f.id)).not.toContain(failed?.id);
    // Asking again for what no longer failed changes nothing.
    expect(((await call('connector-admin', 'education', 'POST', '/v1/admin/failures/reprocess', { items: [item] })).json as { results: { outcome: string }[] }).results[0]?.outcome).toBe('not-failed');
  });

  it('lists a publication the host refused to the manager only, and sends it again with the same idempotency key', async () => {
    const id = await submit('DEAD-LETTER-2');
    simulators.host.setFaults({ status: 503 });
    const delivered = simulators.host.deliveries();
    expect((await call('hub-manager', undefined, 'POST', `/v1/referrals/${id}/decision`, { rag: 'amber', outcome: 'early-help', rationale: 'Synthetic rationale.' })).status).toBe(200);
    const published = await call('hub-manager', undefined, 'POST', `/v1/referrals/${id}/products`, { withholdUndecided: { rationale: 'Owners not yet available (synthetic).' } });
    expect(published.status).toBe(201);
    const { productId, version } = published.json as { productId: string; version: number };

    type Failures = { failures: { kind: string; id: string; referralId: string; attempts: number }[] };
    const failure = await waitFor(
      async () => ((await call('hub-manager', undefined, 'GET', '/v1/admin/failures?kind=publication')).json as Failures).failures.find((f) => f.referralId === id),
      30_000,
      'the publication to fail',
    );
    expect(simulators.host.deliveries()).toBeGreaterThan(delivered);
    expect(((await call('connector-admin', 'health', 'GET', '/v1/admin/failures')).json as Failures).failures.map((f) => f.id)).not.toContain(failure.id);
    const refused = (await call('connector-admin', 'health', 'POST', '/v1/admin/failures/reprocess', { items: [{ kind: 'publication', id: failure.id }] })).json as { results: { outcome: string }[] };
    expect(refused.results[0]?.outcome).toBe('forbidden');

    simulators.host.setFaults({});
    const resent = (await call('hub-manager', undefined, 'POST', '/v1/admin/failures/reprocess', { filter: { kind: ['publication'] } })).json as { results: { id: string; outcome: string }[] };
    expect(resent.results).toContainEqual(expect.objectContaining({ id: failure.id, outcome: 'queued' }));
    const received = await waitFor(() => Promise.resolve(simulators.host.received().find((r) => r.key === `${productId}-v${version}`)), 30_000, 'the host to receive the product');
    expect(received.count).toBe(1);
    expect(((await call('hub-manager', undefined, 'GET', '/v1/admin/failures?kind=publication')).json as Failures).failures.map((f) => f.id)).not.toContain(failure.id);
  });
});
