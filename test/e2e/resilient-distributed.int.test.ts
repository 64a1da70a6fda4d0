/**
 * Resilient connectors in the distributed deployment (docs/decisions.md "Resilient connectors"):
 * real PostgreSQL and Redis, one gateway and two worker processes as the README starts them.
 * - The police connector declares 5 requests/s and the police simulator answers 429 to any
 *   request over 5 in a second: with both workers researching a backlog of referrals, it sees
 *   none over, and every police lookup is answered.
 * - The health system answers 503 to its first two requests: the lookups that met them are
 *   retried and answered; across all health lookups, exactly two attempts more than lookups.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connector } from '../../src/model/connector.ts';
import { startDistributedStack, type DistributedStack } from './distributed.ts';
import { EXAMPLE_REFERRAL, readStatus, tokenIn, waitForPicture } from './support.ts';

const REFERRALS = 3;
let stack: DistributedStack;

const simulatorUrl = (agency: string): string => stack.simulators.connectors.find((c) => c.agency === agency)?.baseUrl ?? '';

async function post(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(204);
}

beforeAll(async () => {
  stack = await startDistributedStack({
    tmpPrefix: 'mash-e2e-resilient-dist-',
    workers: 2,
    // A worker busy with CPU work writes a request late (up to ~200 ms on this two-core machine
    // with PostgreSQL, Redis, three processes and the simulators sharing it); each worker logs
    // its sends that much later as its event loop runs (README "Agencies that are slow, limited
    // or down"). The tolerance is for the agency's side: here the police simulator shares the
    // test process with four other agencies and stamps an arrival when its handler runs, late
    // when the process is busy — and with the suite's other file running beside this one on the
    // second core, more than 400 ms late (two requests over in a clean-clone run; 40 and 200 saw
    // one each before). Without a limit shared by the workers each would send 5/s: half of all
    // requests over, whatever the tolerance.
    connectors: (declared) => declared.map((c) => (c.agency === 'police' ? Connector.parse({ ...c, rateLimit: { requestsPerSecond: 5, toleranceMs: 800 } }) : c)),
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('two workers, one agency limit', () => {
  it('never sends the police system more than its 5 requests/s, and retries the health system through its brief outage', async () => {
    await post(`${simulatorUrl('police')}/_sim/traffic`, { rateLimitPerSecond: 5 });
    await post(`${simulatorUrl('health')}/_sim/traffic`, { outage: { requests: 2, status: 503 } });
    await fetch(`${simulatorUrl('police')}/_sim/requests`, { method: 'DELETE' });

    const intake = await tokenIn(stack.dataDir, 'referral-intake');
    const ids = await Promise.all(
      Array.from({ length: REFERRALS }, async (_, n) => {
        const response = await fetch(`${stack.gateway.url}/v1/referrals`, {
          method: 'POST',
          headers: { authorization: `Bearer ${intake}`, 'content-type': 'application/json' },
          body: JSON.stringify({ ...(EXAMPLE_REFERRAL as Record<string, unknown>), externalReference: `LIMITED-${n}` }),
        });
        expect(response.status).toBe(202);
        return ((await response.json()) as { id: string }).id;
      }),
    );
    const manager = await tokenIn(stack.dataDir, 'hub-manager');
    for (const id of ids) await waitForPicture(stack.gateway.url, manager, id, 90_000);

    const seen = (await (await fetch(`${simulatorUrl('police')}/_sim/requests`)).json()) as { requests: number; overLimit: number };
    expect(seen.requests).toBeGreaterThan(REFERRALS);
    expect(seen.overLimit).toBe(0);

    const lookups = (await Promise.all(ids.map((id) => readStatus(stack.gateway.url, manager, id)))).flatMap((view) => view.lookups as unknown as { connectorId: string; status: string; attempts: number; reason: string | null }[]);
    const police = lookups.filter((l) => l.connectorId === 'police-sim');
    // Answered, whole or cut by the connector's candidate cap: none failed for being limited.
    expect(police.filter((l) => l.status !== 'done' && l.status !== 'partial').map((l) => `${l.status}: ${l.reason ?? ''}`)).toEqual([]);
    const health = lookups.filter((l) => l.connectorId === 'health-sim');
    expect(health.filter((l) => l.status !== 'done' && l.status !== 'partial').map((l) => `${l.status}: ${l.reason ?? ''}`)).toEqual([]);
    expect(health.reduce((sum, l) => sum + l.attempts, 0)).toBe(health.length + 2);
  }, 150_000);
});
