/**
 * A dead agency costs a referral its deadline once, not once per wave (docs/decisions.md
 * "Resilient connectors"), through the real process (`node src/main.ts`, embedded): the housing
 * system takes every request and never answers. Wave 1's housing lookups reach the connector's
 * deadline and end `timed-out`; the household members wave 1 found are looked up everywhere else
 * at once, and their housing lookups end `timed-out` without a request, saying why — the picture
 * does not wait for the dead agency a second time, and the lookups stay recoverable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connector } from '../../src/model/connector.ts';
import { EARLIER_WAVE_TIMED_OUT } from '../../src/research/lookup.ts';
import { makeTempDir } from '../support/tmp.ts';
import { startGatewayOnSimulators, submitExample, tokenIn, waitForPicture, type GatewayOnSimulators } from './support.ts';

interface LookupSeen {
  agency: string;
  status: string;
  reason: string | null;
  recoverable: boolean;
  wave: number;
  startedAt: string | null;
  finishedAt: string | null;
  orchestrations: unknown[];
}

const DEADLINE_MS = 2_000;
const tmp = makeTempDir('mash-e2e-dead-agency-');
let deployment: GatewayOnSimulators | undefined;

beforeAll(async () => {
  deployment = await startGatewayOnSimulators(tmp.dir, {
    connectors: (declared) => declared.map((c) => (c.agency === 'housing' ? Connector.parse({ ...c, timeoutMs: DEADLINE_MS }) : c)),
  });
  deployment.simulators.agencies.housing?.setFaults({ hangMs: 600_000 });
}, 60_000);

afterAll(async () => {
  await deployment?.stop();
  tmp.remove();
});

describe('an agency that never answers', () => {
  it('costs the referral its deadline once: later waves do not ask it again, and say why', async () => {
    if (deployment === undefined) throw new Error('no deployment');
    const { gateway } = deployment;
    const id = await submitExample(gateway.url, await tokenIn(tmp.dir, 'referral-intake'));
    const manager = await tokenIn(tmp.dir, 'hub-manager');
    const view = (await waitForPicture(gateway.url, manager, id, 60_000)) as unknown as { lookups: LookupSeen[] };

    const housing = view.lookups.filter((l) => l.agency === 'housing');
    const [first, later] = [housing.filter((l) => l.wave === 1), housing.filter((l) => l.wave > 1)];
    expect(first.length).toBeGreaterThan(0);
    expect(later.length).toBeGreaterThan(0);
    for (const lookup of first) {
      expect(lookup).toMatchObject({ status: 'timed-out', recoverable: true });
      expect(lookup.reason).toMatch(/^ADAPTER\.TIMEOUT/);
      expect(lookup.orchestrations.length).toBeGreaterThan(0);
    }
    for (const lookup of later) {
      expect(lookup).toMatchObject({ status: 'timed-out', reason: EARLIER_WAVE_TIMED_OUT, recoverable: true, orchestrations: [] });
      // Not sent, so not waited on: it ends as soon as it starts.
      expect(Date.parse(lookup.finishedAt ?? '') - Date.parse(lookup.startedAt ?? '')).toBeLessThan(DEADLINE_MS / 2);
    }
    // The other agencies answered the later wave: the household members were looked up.
    expect(view.lookups.filter((l) => l.wave > 1 && l.agency !== 'housing' && l.status === 'done').length).toBeGreaterThan(0);
  }, 90_000);
});
