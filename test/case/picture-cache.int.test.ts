/**
 * The stored picture served from memory (docs/decisions.md "The stored picture served from
 * memory"): a process keeps the pictures it opened or built, and serves one only when the store
 * says, on that very read, that its version is still the case's and none of its keys is destroyed.
 * Two app instances over one PostgreSQL stand for two gateway processes: neither serves a picture
 * the other changed. Every view gets its own `picture.viewed` entry, committed before its answer,
 * concurrent views sharing one statement.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPictures, type Pictures } from '../../src/case/pictures.ts';
import { createApp } from '../../src/gateway/app.ts';
import { createTokenVerifier } from '../../src/gateway/token-verifier.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { STORE_KINDS } from '../support/stores.ts';
import { makeTempDir } from '../support/tmp.ts';
import { testSla } from '../support/sla.ts';
import { TEST_TOKEN_LIFETIME } from '../support/tokens.ts';
import { startFirewallHarness, type FirewallHarness } from './harness.ts';

/** A gateway over `db` with stored pictures of its own (as src/main.ts builds one per process). */
function gatewayOver(harness: FirewallHarness, db: Db): { app: ReturnType<typeof createApp>; pictures: Pictures } {
  const pictures = createPictures({ db, vault: harness.vault, clock: harness.clock, identity: harness.identity, logger: silentLogger() }, { background: true });
  const app = createApp({ sla: testSla,
    db,
    vault: harness.vault,
    identity: harness.identity,
    pictures,
    clock: harness.clock,
    logger: silentLogger(),
    auditKeys: new Map(),
    scheduler: { schedule: () => Promise.resolve(), reprioritise: () => Promise.resolve(), ping: () => Promise.resolve(true) },
    verifyToken: createTokenVerifier({ publicKey: harness.signingKey.publicKey, issuer: 'mash-gateway', audience: 'mash-gateway', ...TEST_TOKEN_LIFETIME }),
  });
  return { app, pictures };
}

interface PictureBody {
  items: { itemId: string }[];
}

const read = async (app: ReturnType<typeof createApp>, referralId: string, token: string): Promise<{ status: number; body: PictureBody & { code?: string } }> => {
  const response = await app.request(`/v1/referrals/${referralId}/picture`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as PictureBody & { code?: string } };
};

/** `db`, counting the statements whose text starts with `prefix`. */
function countingStatements(db: Db, prefix: string, counted: { n: number }): Db {
  const count = (text: string): void => {
    if (text.trimStart().startsWith(prefix)) counted.n += 1;
  };
  return {
    kind: db.kind,
    query: (text, params) => {
      count(text);
      return db.query(text, params);
    },
    transaction: (work) => db.transaction((tx) => work({ query: (text, params) => (count(text), tx.query(text, params)) })),
    exec: (script) => db.exec(script),
    close: () => db.close(),
  };
}

describe('the picture held in memory, over PostgreSQL by two gateways', () => {
  const postgres = STORE_KINDS.find((k) => k.name === 'PostgreSQL');
  if (postgres === undefined) throw new Error('PostgreSQL is a store kind');
  let harness: FirewallHarness;
  let second: Db;
  const tmp = makeTempDir('mash-picture-cache-');

  beforeAll(async () => {
    harness = await startFirewallHarness({ store: postgres });
    // Its own pool: what another gateway process has.
    second = await openStore({ databaseUrl: harness.databaseUrl, dataDir: tmp.dir });
  });

  afterAll(async () => {
    await second.close();
    await harness.close();
    tmp.remove();
  });

  it('never serves a picture another gateway has changed: each read asks the store for the version', async () => {
    const { referralId, items } = await harness.seedReferral(['health', 'police']);
    const manager = await harness.token('hub-manager');
    const police = await harness.token('hub-practitioner', 'police');
    const one = gatewayOver(harness, harness.db);
    const two = gatewayOver(harness, second);
    try {
      const before = await read(one.app, referralId, manager);
      expect(before.status).toBe(200);
      expect(one.pictures.held(referralId, 'hub')).toBeDefined();
      const hidden = items.find((i) => i.agency === 'police' && !before.body.items.some((m) => m.itemId === i.id));
      if (hidden === undefined) throw new Error('the seed has an unrevealed police item');

      // Revealed through the other gateway: only its own pictures hear of the change.
      expect((await two.app.request(`/v1/referrals/${referralId}/items/${hidden.id}/reveal`, { method: 'POST', headers: { authorization: `Bearer ${police}` } })).status).toBe(200);
      await two.pictures.settled();

      const after = await read(one.app, referralId, manager);
      expect(after.status).toBe(200);
      expect(after.body.items.map((i) => i.itemId)).toContain(hidden.id);
      // And the first gateway's copy is the new one from then on.
      expect(one.pictures.held(referralId, 'hub')?.served.json).toContain(hidden.id);
    } finally {
      await one.pictures.close();
      await two.pictures.close();
    }
  });

  it("answers 410 once an agency's key is destroyed by another gateway, never the copy held in memory", async () => {
    const { referralId } = await harness.seedReferral(['health', 'police']);
    const manager = await harness.token('hub-manager');
    const one = gatewayOver(harness, harness.db);
    try {
      expect((await read(one.app, referralId, manager)).status).toBe(200);
      expect(one.pictures.held(referralId, 'hub')).toBeDefined();
      expect(await harness.vault.destroy(second, referralId, 'police', harness.clock.now())).toBe(true);
      const after = await read(one.app, referralId, manager);
      expect(after.status).toBe(410);
      expect(after.body.code).toBe('CONTENT.DESTROYED');
    } finally {
      await one.pictures.close();
    }
  });

  it('checks the keys on the read itself: a destroyed key is refused even if the case version did not move', async () => {
    const { referralId } = await harness.seedReferral(['health', 'police']);
    const manager = await harness.token('hub-manager');
    const one = gatewayOver(harness, harness.db);
    try {
      expect((await read(one.app, referralId, manager)).status).toBe(200);
      // Without the trigger that bumps the version (migration 010), only the keys say the copy is gone.
      await second.exec('ALTER TABLE content_keys DISABLE TRIGGER content_keys_case_changed');
      try {
        expect(await harness.vault.destroy(second, referralId, 'health', harness.clock.now())).toBe(true);
      } finally {
        await second.exec('ALTER TABLE content_keys ENABLE TRIGGER content_keys_case_changed');
      }
      const after = await read(one.app, referralId, manager);
      expect(after.status).toBe(410);
    } finally {
      await one.pictures.close();
    }
  });
});

describe('picture.viewed under concurrent reads (embedded store)', () => {
  let harness: FirewallHarness;

  beforeAll(async () => {
    harness = await startFirewallHarness();
  });

  afterAll(async () => {
    await harness.close();
  });

  it('gives each of 20 concurrent views its own entry, committed before its answer, in fewer statements than views', async () => {
    const { referralId } = await harness.seedReferral();
    const inserts = { n: 0 };
    const db = countingStatements(harness.db, 'INSERT INTO audit_log', inserts);
    const gateway = gatewayOver(harness, db);
    try {
      expect((await read(gateway.app, referralId, await harness.token('hub-manager', undefined, 'warm-up'))).status).toBe(200);
      const readers = await Promise.all(Array.from({ length: 20 }, (_, n) => harness.token('hub-manager', undefined, `reader-${n}`)));
      inserts.n = 0;
      const present = await Promise.all(
        readers.map(async (token, n) => {
          const { status } = await read(gateway.app, referralId, token);
          expect(status).toBe(200);
          // Asked as the answer arrives: the entry of this view is already committed.
          const rows = await harness.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE actor = $1 AND action = 'picture.viewed' AND referral_id = $2`, [`reader-${n}`, referralId]);
          return rows[0]?.n;
        }),
      );
      expect(present).toEqual(readers.map(() => 1));
      const entries = await harness.db.query<{ actor: string; detail: string }>(`SELECT actor, detail FROM audit_log WHERE referral_id = $1 AND action = 'picture.viewed' AND actor LIKE 'reader-%'`, [referralId]);
      expect(entries.map((e) => e.actor).sort()).toEqual(readers.map((_, n) => `reader-${n}`).sort());
      for (const entry of entries) expect((JSON.parse(entry.detail) as { itemIds: string[] }).itemIds.length).toBeGreaterThan(0);
      // Grouped: views that arrived while a write was in flight shared the next one.
      expect(inserts.n).toBeLessThan(20);
    } finally {
      await gateway.pictures.close();
    }
  });
});
