/**
 * Governance rule 2 (owner keeps the duty of care): an item is revealed inside the hub and shared
 * outside only when its owner approves. An owner who releases (or redacts) an item the hub was
 * never shown reveals it by that decision, audited as such; withholding reveals nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirewallHarness, type FirewallHarness, type SeededItem } from './harness.ts';

let harness: FirewallHarness;
let referralId: string;
let items: SeededItem[];

beforeAll(async () => {
  harness = await startFirewallHarness();
  ({ referralId, items } = await harness.seedReferral(['police']));
}, 60_000);

afterAll(async () => {
  await harness.close();
});

async function decide(item: SeededItem, body: Record<string, unknown>): Promise<number> {
  const response = await harness.app.request(`/v1/referrals/${referralId}/items/${item.id}/release`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await harness.token('hub-practitioner', 'police')}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return response.status;
}

async function managerSees(): Promise<string[]> {
  const response = await harness.app.request(`/v1/referrals/${referralId}/picture`, { headers: { authorization: `Bearer ${await harness.token('hub-manager')}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { facts: { id: string }[] }).facts.map((f) => f.id);
}

describe('a release decision on an item the hub was not shown', () => {
  it('reveals it with the release, audited as revealed by the decision', async () => {
    const restricted = items.find((i) => i.sensitivity === 'restricted')!;
    expect(await managerSees()).not.toContain(restricted.id);
    expect(await decide(restricted, { decision: 'release', rationale: 'Proportionate to share.' })).toBe(200);
    expect(await managerSees()).toContain(restricted.id);
    const audit = await harness.db.query<{ actor: string; detail: string }>("SELECT actor, detail FROM audit_log WHERE action = 'item.revealed' AND subject = $1", [restricted.id]);
    expect(audit.map((e) => ({ actor: e.actor, detail: JSON.parse(e.detail) as unknown }))).toEqual([{ actor: 'test-hub-practitioner-police', detail: { by: 'release-decision', decision: 'release', revision: 1 } }]);
  });

  it('does not reveal an item its owner withholds', async () => {
    const sensitive = items.find((i) => i.sensitivity === 'sensitive')!;
    expect(await decide(sensitive, { decision: 'withhold', rationale: 'Source protection.', signpost: { contact: 'MASH police desk' } })).toBe(200);
    expect(await managerSees()).not.toContain(sensitive.id);
  });
});
