/**
 * Connectors that survive failing agencies, through the real process (`node src/main.ts`,
 * embedded), with the agencies' simulators started here and staging brief outages in their
 * traffic layer as a gateway in front of an agency would (docs/decisions.md "Resilient
 * connectors"):
 * - a health system answering 503 twice and then serving ends `done` with 3 attempts;
 * - a police system answering 429 with `Retry-After: 2` is asked again no sooner than 2 s later;
 * - an education system answering 400 is asked once: a client error is not retried.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agency } from '../../src/model/agency.ts';
import type { EmbeddedSimulators } from '../../simulators/embedded.ts';
import type { GatewayProcess } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { EXAMPLE_REFERRAL, startGatewayOnSimulators, tokenIn, waitForPicture, type GatewayOnSimulators } from './support.ts';

interface LookupSeen {
  connectorId: string;
  subjectRef: string;
  status: string;
  attempts: number;
  reason: string | null;
  recoverable: boolean;
  wave: number;
  orchestrations: { status: number | null; startedAt: string }[];
}

const tmp = makeTempDir('mash-e2e-resilient-');
let deployment: GatewayOnSimulators | undefined;
let simulators: EmbeddedSimulators;
let gateway: GatewayProcess;

const simulatorUrl = (agency: Agency): string => {
  const connector = simulators.connectors.find((c) => c.agency === agency);
  if (connector === undefined) throw new Error(`no ${agency} simulator`);
  return connector.baseUrl;
};

/** Stages an outage in the agency's traffic layer, over HTTP as another process would. */
async function outage(agency: Agency, outageSpec: { requests: number; status: number; retryAfterSeconds?: number }): Promise<void> {
  const response = await fetch(`${simulatorUrl(agency)}/_sim/traffic`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: outageSpec }) });
  expect(response.status).toBe(204);
}

beforeAll(async () => {
  deployment = await startGatewayOnSimulators(tmp.dir);
  ({ simulators, gateway } = deployment);
}, 60_000);

afterAll(async () => {
  await deployment?.stop();
  tmp.remove();
});

describe('connectors facing failing agencies', () => {
  it('retries 503 and 429 (after its Retry-After) to a done lookup, and never retries a 400', async () => {
    await outage('health', { requests: 2, status: 503 });
    await outage('police', { requests: 1, status: 429, retryAfterSeconds: 2 });
    await outage('education', { requests: 1, status: 400 });

    const intake = await tokenIn(tmp.dir, 'referral-intake');
    const posted = await fetch(`${gateway.url}/v1/referrals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${intake}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...(EXAMPLE_REFERRAL as Record<string, unknown>), externalReference: 'RESILIENT-1' }),
    });
    expect(posted.status).toBe(202);
    const { id } = (await posted.json()) as { id: string };
    const manager = await tokenIn(tmp.dir, 'hub-manager');
    const view = (await waitForPicture(gateway.url, manager, id, 60_000)) as unknown as { lookups: LookupSeen[] };
    const childLookup = (connectorId: string): LookupSeen => {
      const found = view.lookups.find((l) => l.connectorId === connectorId && l.subjectRef === 'child-1');
      if (found === undefined) throw new Error(`no ${connectorId} lookup for the child`);
      return found;
    };

    const health = childLookup('health-sim');
    expect(health).toMatchObject({ status: 'done', attempts: 3, reason: null, recoverable: false });
    expect(health.orchestrations.slice(0, 3).map((o) => o.status)).toEqual([503, 503, 200]);

    const police = childLookup('police-sim');
    expect(police).toMatchObject({ status: 'done', attempts: 2 });
    const [refused, retried] = police.orchestrations;
    expect(refused?.status).toBe(429);
    expect(Date.parse(retried!.startedAt) - Date.parse(refused!.startedAt)).toBeGreaterThanOrEqual(2_000);

    const education = childLookup('education-sim');
    expect(education).toMatchObject({ status: 'failed', attempts: 1, recoverable: false });
    expect(education.reason).toMatch(/^ADAPTER\.HTTP_ERROR: .*HTTP 400/);
    expect(education.orchestrations).toHaveLength(1);
  });
});
