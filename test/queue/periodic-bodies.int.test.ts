/**
 * The bodies of the periodic job kinds are safe beside themselves (docs/decisions.md, "One job
 * engine, one retry policy"): BullMQ runs one of a kind at a time in a deployment, but a body must
 * not rely on it — two runs that overlap (two processes, or a run that outlived its schedule) do
 * the work once. On both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointIfDue, listCheckpoints } from '../../src/audit/checkpoints.ts';
import { sealAll } from '../../src/audit/seal.ts';
import { signerFromPem } from '../../src/audit/signing.ts';
import { applyRetention } from '../../src/case/retention.ts';
import { TEST_AUDIT_SIGNING_KEY } from '../support/audit-key.ts';
import { STORE_KINDS } from '../support/stores.ts';
import { startFirewallHarness, type FirewallHarness } from '../case/harness.ts';

describe.each(STORE_KINDS)('periodic job bodies on $name', (kind) => {
  let harness: FirewallHarness;

  beforeAll(async () => {
    harness = await startFirewallHarness({ store: kind });
  }, 60_000);

  afterAll(async () => {
    await harness.close();
  });

  async function as(role: 'hub-practitioner' | 'hub-manager', agency: 'health' | undefined, method: string, route: string, body?: unknown): Promise<Response> {
    return harness.app.request(route, {
      method,
      headers: { authorization: `Bearer ${await harness.token(role, agency)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  it('retention: two runs at once destroy a closed case once, with one audit entry', async () => {
    const { referralId, items } = await harness.seedReferral(['health']);
    for (const item of items) expect((await as('hub-practitioner', 'health', 'PUT', `/v1/referrals/${referralId}/items/${item.id}/release`, { decision: 'release', rationale: 'Synthetic.' })).status).toBe(200);
    expect((await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/decision`, { rag: 'green', outcome: 'no-further-action', rationale: 'Synthetic.' })).status).toBe(200);
    expect((await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/products`, {})).status).toBe(201);
    expect((await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/close`, { rationale: 'Synthetic: closed.' })).status).toBe(200);
    harness.clock.advance(86_400_000);

    const runs = await Promise.all([applyRetention(harness, 0, 'system:worker-a'), applyRetention(harness, 0, 'system:worker-b')]);

    expect(runs.flat()).toEqual([referralId]);
    const destroyed = await harness.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'retention.destroyed' AND referral_id = $1", [referralId]);
    expect(destroyed[0]?.n).toBe(1);
  });

  it('audit sealing and checkpoints: runs at once chain each entry once and sign each head once', async () => {
    const signer = signerFromPem(TEST_AUDIT_SIGNING_KEY);
    await harness.seedReferral(['health']);
    const before = await listCheckpoints(harness.db);

    await Promise.all([sealAll(harness.db), sealAll(harness.db), sealAll(harness.db)]);
    await Promise.all([0, 1, 2].map(() => checkpointIfDue(harness.db, signer, { every: 1, maxAgeMs: 60_000 }, harness.clock)));

    const unsealed = await harness.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE seq IS NULL');
    expect(unsealed[0]?.n).toBe(0);
    const seqs = await harness.db.query<{ n: number; distinct: number; max: number }>('SELECT count(*)::int AS n, count(DISTINCT seq)::int AS distinct, max(seq)::int AS max FROM audit_log');
    expect(seqs[0]?.distinct).toBe(seqs[0]?.n);
    expect(seqs[0]?.max).toBe(seqs[0]?.n);
    const after = await listCheckpoints(harness.db);
    expect(after.length - before.length).toBe(1);
    expect(after.at(-1)?.seq).toBe(seqs[0]?.max);
  });
});
