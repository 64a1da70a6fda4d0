/**
 * The lawful-basis gate through the real process (`node src/main.ts`, embedded store and jobs),
 * its connectors declared in MASH_CONNECTORS and pointing at simulators this test starts, so
 * that what each agency saw can be counted on the wire (DESIGN.md rule 7: a lookup the basis
 * does not allow is not made, and the picture says so):
 * - an early-help referral with a key person's consent but none specific to health records makes
 *   no request to the health system, and the picture says `not-permitted` with the reason, while
 *   education (default declaration) is asked;
 * - a police connector declaring it is never used for early help is never asked either;
 * - with consent specific to health records, the health system is asked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { Role } from '../../src/model/principal.ts';
import type { EmbeddedSimulators } from '../../simulators/embedded.ts';
import type { GatewayProcess } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { EXAMPLE_REFERRAL, startGatewayOnSimulators, waitForPicture, type GatewayOnSimulators } from './support.ts';

interface Picture {
  lookups: { agency: Agency; status: string; reason: string | null; lawfulBasis?: string | null }[];
  checks: { agency: Agency; answer: string; statement: string }[];
}

const tmp = makeTempDir('mash-e2e-lawful-');
let deployment: GatewayOnSimulators | undefined;
let simulators: EmbeddedSimulators;
let gateway: GatewayProcess;

const token = (role: Role, agency?: Agency): Promise<string> => signToken(loadOrCreateSigningKey(tmp.dir), { sub: `e2e-${role}-${agency ?? 'hub'}`, role, agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });

const urlOf = (agency: Agency): string => {
  const connector = simulators.connectors.find((c) => c.agency === agency);
  if (connector === undefined) throw new Error(`no ${agency} simulator`);
  return connector.baseUrl;
};

/** What the agency's system saw, read from the simulator over HTTP as another process would. */
async function requestsSeenBy(agency: Agency, method: 'GET' | 'DELETE' = 'GET'): Promise<number> {
  const response = await fetch(`${urlOf(agency)}/_sim/requests`, { method });
  return ((await response.json()) as { requests: number }).requests;
}

async function submit(threshold: string, consent: { obtained: boolean; healthSpecific: boolean }): Promise<Picture> {
  const referral = { ...(EXAMPLE_REFERRAL as Record<string, unknown>), threshold, consent, externalReference: `LAWFUL-${threshold}-${String(consent.obtained)}-${String(consent.healthSpecific)}` };
  const response = await fetch(`${gateway.url}/v1/referrals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token('referral-intake')}`, 'content-type': 'application/json' },
    body: JSON.stringify(referral),
  });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  const manager = await token('hub-manager');
  await waitForPicture(gateway.url, manager, id, 60_000);
  const picture = await fetch(`${gateway.url}/v1/referrals/${id}/picture`, { headers: { authorization: `Bearer ${manager}` } });
  expect(picture.status).toBe(200);
  return (await picture.json()) as Picture;
}

beforeAll(async () => {
  deployment = await startGatewayOnSimulators(tmp.dir, {
    connectors: (declared) => declared.map((c) => (c.agency === 'police' ? { ...c, lawfulBasis: { 'child-protection': 'none', 'child-in-need': 'none', 'early-help': 'never' } } : c)),
  });
  ({ simulators, gateway } = deployment);
}, 60_000);

afterAll(async () => {
  await deployment?.stop();
  tmp.remove();
});

describe('the lawful-basis gate, as the agencies see it', () => {
  it('asks no health system for early help without consent specific to health records, and says why', async () => {
    for (const agency of ['health', 'police', 'education'] as const) await requestsSeenBy(agency, 'DELETE');
    const picture = await submit('early-help', { obtained: true, healthSpecific: false });

    expect(await requestsSeenBy('health')).toBe(0);
    expect(await requestsSeenBy('police')).toBe(0);
    expect(await requestsSeenBy('education')).toBeGreaterThan(0);

    const health = picture.lookups.filter((l) => l.agency === 'health');
    expect(health.length).toBeGreaterThan(0);
    for (const lookup of health) expect([lookup.status, lookup.reason]).toEqual(['not-permitted', 'health records need specific consent (common law duty of confidentiality)']);
    for (const lookup of picture.lookups.filter((l) => l.agency === 'police')) {
      expect([lookup.status, lookup.reason]).toEqual(['not-permitted', 'the connector is not used for early-help referrals (its lawful-basis declaration)']);
    }
    expect(picture.checks.find((c) => c.agency === 'health')).toMatchObject({ answer: 'not-permitted', statement: expect.stringContaining('lawful basis') as unknown });
    expect(picture.lookups.filter((l) => l.agency === 'education').every((l) => l.status === 'done' || l.status === 'partial')).toBe(true);
  }, 90_000);

  it('asks the health system once consent specific to health records is given', async () => {
    await requestsSeenBy('health', 'DELETE');
    const picture = await submit('early-help', { obtained: true, healthSpecific: true });
    expect(await requestsSeenBy('health')).toBeGreaterThan(0);
    expect(picture.lookups.filter((l) => l.agency === 'health').every((l) => l.status === 'done' || l.status === 'partial')).toBe(true);
    expect(picture.checks.find((c) => c.agency === 'police')?.answer).toBe('not-permitted');
  }, 90_000);
});
