/**
 * Retention: a closed case whose product was published is destroyed after the
 * hub's retention period — its content can no longer be read (by the API, or with the master key
 * from a copy of the database), none of it is in a dump, and the audit chain still verifies. On
 * both stores: PostgreSQL (dumped with pg_dump) and PGlite (every table read back as text).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { applyRetention } from '../../src/case/retention.ts';
import { listItems } from '../../src/store/items.ts';
import { ContentDestroyedError } from '../../src/store/vault.ts';
import { STORE_KINDS } from '../support/stores.ts';
import { startFirewallHarness, type FirewallHarness, type SeededItem } from './harness.ts';

describe.each(STORE_KINDS)('retention on $name', (kind) => {
  let harness: FirewallHarness;
  let referralId: string;
  let items: SeededItem[];

  beforeAll(async () => {
    harness = await startFirewallHarness({ store: kind });
    ({ referralId, items } = await harness.seedReferral(['health', 'police']));
  }, 60_000);

  afterAll(async () => {
    await harness.close();
  });

  async function as(role: 'hub-practitioner' | 'hub-manager' | 'host-system', agency: 'health' | 'police' | undefined, method: string, route: string, body?: unknown): Promise<Response> {
    return harness.app.request(route, {
      method,
      headers: { authorization: `Bearer ${await harness.token(role, agency)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** Everything the database holds, as text: pg_dump on PostgreSQL, every table's rows on PGlite. */
  async function dump(): Promise<string> {
    if (harness.databaseUrl !== undefined) {
      const root = '/usr/lib/postgresql';
      const version = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'pg_dump'))).sort((a, b) => Number(b) - Number(a))[0]!;
      const result = spawnSync(path.join(root, version, 'bin', 'pg_dump'), ['--dbname', harness.databaseUrl, '--no-owner'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      expect(result.status, result.stderr).toBe(0);
      return result.stdout;
    }
    const tables = await harness.db.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
    expect(tables.length).toBeGreaterThan(10);
    let text = '';
    for (const { name } of tables) for (const row of await harness.db.query<{ t: string }>(`SELECT x::text AS t FROM "${name}" AS x`)) text += `${row.t}\n`;
    return text;
  }

  describe('retention', () => {
    let productId: string;

    it('publishes and closes the case; nothing is destroyed before the period has passed', async () => {
      for (const item of items) expect((await as('hub-practitioner', item.agency as 'health' | 'police', 'PUT', `/v1/referrals/${referralId}/items/${item.id}/release`, { decision: 'release', rationale: 'ok' })).status).toBe(200);
      expect((await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/decision`, { rag: 'green', outcome: 'no-further-action', rationale: 'Synthetic.' })).status).toBe(200);
      const published = await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/products`, {});
      productId = ((await published.json()) as { productId: string }).productId;
      const closed = await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/close`, { rationale: 'No further action; case closed.' });
      expect(closed.status).toBe(200);

      harness.clock.advance(29 * 86_400_000);
      expect(await applyRetention(harness, 30, 'system:test')).toEqual([]);
      expect((await as('hub-manager', undefined, 'GET', `/v1/referrals/${referralId}/picture`)).status).toBe(200);
    });

    it('destroys the content after the period: unreadable by the API and with the master key, absent from a dump', async () => {
      harness.clock.advance(2 * 86_400_000);
      expect(await applyRetention(harness, 30, 'system:test')).toEqual([referralId]);
      expect(await applyRetention(harness, 30, 'system:test')).toEqual([]);

      const picture = await as('hub-manager', undefined, 'GET', `/v1/referrals/${referralId}/picture`);
      expect(picture.status).toBe(410);
      expect(((await picture.json()) as { code: string }).code).toBe('CONTENT.DESTROYED');
      expect((await as('host-system', undefined, 'GET', `/v1/products/${productId}`)).status).toBe(410);
      // Whoever holds the master key and a copy of the database still cannot open it.
      await expect(listItems(harness.db, harness.vault, referralId)).rejects.toThrow(ContentDestroyedError);
      const keys = await harness.db.query<{ n: number }>('SELECT count(*)::int AS n FROM content_keys WHERE referral_id = $1 AND wrapped_key IS NOT NULL', [referralId]);
      expect(keys[0]?.n).toBe(0);

      const text = await dump();
      for (const item of items) {
        expect(text.includes(item.summary)).toBe(false);
        expect(text.includes(item.detail)).toBe(false);
      }
    });

    it('leaves the audit chain verifiable, with the destruction recorded', async () => {
      const result = await verifyAuditLog(harness.db, new Map());
      expect(result.ok).toBe(true);
      const destroyed = await harness.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'retention.destroyed' AND referral_id = $1", [referralId]);
      expect(destroyed[0]?.n).toBe(1);
    });
  });
});
