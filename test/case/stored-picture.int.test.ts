/**
 * The stored picture (docs/decisions.md "The case has one owner, and its picture is stored"):
 * `GET /v1/referrals/{id}/picture` reads the picture stored for the caller's audience and does not
 * build it again while the case is unchanged; a change to the case makes it stale, and the next
 * read (or the background rebuild after the commit) builds it once; destroying an agency's key
 * leaves no readable copy of its content in a stored picture. Counted through the app's own vault
 * and store handles: what a request opens and asks is what the product does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPictures, openPicture } from '../../src/case/pictures.ts';
import { createApp } from '../../src/gateway/app.ts';
import { createTokenVerifier } from '../../src/gateway/token-verifier.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { lookUpPicture } from '../../src/store/case-pictures.ts';
import type { Db } from '../../src/store/db.ts';
import { ContentDestroyedError, type Vault } from '../../src/store/vault.ts';
import { TEST_TOKEN_LIFETIME } from '../support/tokens.ts';
import { startFirewallHarness, type FirewallHarness, type SeededItem } from './harness.ts';
import { testSla } from '../support/sla.ts';

interface Counts {
  /** Single-owner openings: facts, the referral, anything read from the case's content. */
  opens: number;
  /** Openings of a stored picture. */
  pictureOpens: number;
  queries: number;
  /** Statements that read the sealed picture out of the store. */
  sealedReads: number;
}

/** The harness's vault, counting what it opens. */
function countingVault(vault: Vault, counts: Counts): Vault {
  return {
    keyRing(sql, referralId) {
      const ring = vault.keyRing(sql, referralId);
      return {
        ...ring,
        open: (owner, sealed, aad) => {
          counts.opens += 1;
          return ring.open(owner, sealed, aad);
        },
        openJoint: (owners, sealed, aad) => {
          counts.pictureOpens += 1;
          return ring.openJoint(owners, sealed, aad);
        },
      };
    },
    openJointWith(...args) {
      counts.pictureOpens += 1;
      return vault.openJointWith(...args);
    },
    unwrap(referralId, owner, wrapped) {
      const key = vault.unwrap(referralId, owner, wrapped);
      return {
        ...key,
        open: (sealed, aad) => {
          counts.opens += 1;
          return key.open(sealed, aad);
        },
      };
    },
    mint: (referralId, owners) => vault.mint(referralId, owners),
    destroy: (sql, referralId, owner, at) => vault.destroy(sql, referralId, owner, at),
    sealCredentials: (connectorId, plaintext) => vault.sealCredentials(connectorId, plaintext),
    openCredentials: (connectorId, sealed) => vault.openCredentials(connectorId, sealed),
  };
}

/** The harness's store, counting the statements asked of it (in and out of transactions). */
function countingDb(db: Db, counts: Counts): Db {
  const count = <T>(text: string, run: () => Promise<T>): Promise<T> => {
    counts.queries += 1;
    if (text.includes('sealed_picture')) counts.sealedReads += 1;
    return run();
  };
  return {
    kind: db.kind,
    query: (text, params) => count(text, () => db.query(text, params)),
    transaction: (work) => db.transaction((tx) => work({ query: (text, params) => count(text, () => tx.query(text, params)) })),
    exec: (script) => db.exec(script),
    close: () => db.close(),
  };
}

describe('the stored picture', () => {
  let harness: FirewallHarness;
  const counts: Counts = { opens: 0, pictureOpens: 0, queries: 0, sealedReads: 0 };
  let app: ReturnType<typeof createApp>;
  let vault: Vault;
  let db: Db;

  beforeAll(async () => {
    harness = await startFirewallHarness();
    vault = countingVault(harness.vault, counts);
    db = countingDb(harness.db, counts);
    // The app as the harness builds it, over counting handles; without stored pictures of its own,
    // a read builds what it finds stale (src/case/repository.ts).
    app = createApp({ sla: testSla,
      db,
      vault,
      identity: harness.identity,
      clock: harness.clock,
      logger: silentLogger(),
      auditKeys: new Map(),
      scheduler: { schedule: () => Promise.resolve(), reprioritise: () => Promise.resolve(), ping: () => Promise.resolve(true) },
      verifyToken: createTokenVerifier({ publicKey: harness.signingKey.publicKey, issuer: 'mash-gateway', audience: 'mash-gateway', ...TEST_TOKEN_LIFETIME }),
    });
  });

  afterAll(async () => {
    await harness.close();
  });

  const reset = (): void => {
    counts.opens = 0;
    counts.pictureOpens = 0;
    counts.queries = 0;
    counts.sealedReads = 0;
  };

  const getPicture = async (referralId: string, token: string): Promise<{ status: number; body: { items: { itemId: string; revealed: boolean }[]; generatedAt: string } }> => {
    const response = await app.request(`/v1/referrals/${referralId}/picture`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as { items: { itemId: string; revealed: boolean }[]; generatedAt: string } };
  };

  const viewed = async (referralId: string): Promise<number> =>
    (await harness.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE referral_id = $1 AND action = 'picture.viewed'`, [referralId]))[0]?.n ?? 0;

  it('reads a warm picture from memory: nothing opened, no sealed bytes read, no rebuild', async () => {
    const { referralId } = await harness.seedReferral();
    const manager = await harness.token('hub-manager');

    reset();
    const first = await getPicture(referralId, manager);
    expect(first.status).toBe(200);
    // Cold: built from the case's content (the referral and every fact opened), then stored.
    expect(counts.opens).toBeGreaterThan(10);

    reset();
    const second = await getPicture(referralId, manager);
    expect(second.status).toBe(200);
    expect(counts.opens).toBe(0);
    // The picture this process built is held in memory: not even the stored copy is opened.
    expect(counts.pictureOpens).toBe(0);
    // The version, policy context and keys' presence in one small statement, the audit entry, and
    // the repeat concern's count (read now: it depends on other referrals; docs/decisions.md "Repeat concerns").
    expect(counts.queries).toBeLessThanOrEqual(3);
    expect(counts.sealedReads).toBe(0);
    // The same picture: built once, so generated once.
    expect(second.body).toEqual(first.body);
    // Every served picture is audited, warm or cold.
    expect(await viewed(referralId)).toBe(2);
  });

  it('reads a picture stored by another process from storage: one opening, no case content opened, no rebuild', async () => {
    const { referralId } = await harness.seedReferral();
    const manager = await harness.token('hub-manager');
    expect((await getPicture(referralId, manager)).status).toBe(200);
    // Another gateway over the same store: nothing held in its memory yet.
    const other = createApp({ sla: testSla,
      db,
      vault,
      identity: harness.identity,
      clock: harness.clock,
      logger: silentLogger(),
      auditKeys: new Map(),
      scheduler: { schedule: () => Promise.resolve(), reprioritise: () => Promise.resolve(), ping: () => Promise.resolve(true) },
      verifyToken: createTokenVerifier({ publicKey: harness.signingKey.publicKey, issuer: 'mash-gateway', audience: 'mash-gateway', ...TEST_TOKEN_LIFETIME }),
    });
    const ask = () => other.request(`/v1/referrals/${referralId}/picture`, { headers: { authorization: `Bearer ${manager}` } });

    reset();
    expect((await ask()).status).toBe(200);
    expect(counts.opens).toBe(0);
    expect(counts.pictureOpens).toBe(1);
    // The stored picture with its version, policy context and keys in one statement, the audit
    // entry, and the repeat concern's count.
    expect(counts.queries).toBeLessThanOrEqual(4);

    reset();
    expect((await ask()).status).toBe(200);
    expect(counts.pictureOpens).toBe(0);
    expect(counts.sealedReads).toBe(0);
  });

  it('keeps one stored picture per audience: a practitioner sees their own items, the manager what is revealed', async () => {
    const { referralId, items } = await harness.seedReferral();
    const police = await harness.token('hub-practitioner', 'police');
    const manager = await harness.token('hub-manager');
    const policeView = await getPicture(referralId, police);
    const managerView = await getPicture(referralId, manager);
    const ids = (view: typeof policeView): string[] => view.body.items.map((i) => i.itemId).sort();
    const revealedOnSeed = (i: SeededItem): boolean => managerView.body.items.some((m) => m.itemId === i.id);
    expect(ids(policeView)).toEqual(items.filter((i) => i.agency === 'police' || revealedOnSeed(i)).map((i) => i.id).sort());
    expect(managerView.body.items.every((i) => i.revealed)).toBe(true);
    const rows = await harness.db.query<{ audience: string }>('SELECT audience FROM case_pictures WHERE referral_id = $1 ORDER BY audience', [referralId]);
    expect(rows.map((r) => r.audience)).toEqual(['hub', 'police']);
  });

  it('never serves a stale picture: a change to the case is seen by the next read, built once, then read warm again', async () => {
    const { referralId, items } = await harness.seedReferral();
    const manager = await harness.token('hub-manager');
    const health = await harness.token('hub-practitioner', 'health');
    const before = await getPicture(referralId, manager);
    const hidden = items.find((i) => i.agency === 'health' && !before.body.items.some((m) => m.itemId === i.id));
    if (hidden === undefined) throw new Error('the seed has an unrevealed health item');

    const revealed = await app.request(`/v1/referrals/${referralId}/items/${hidden.id}/reveal`, { method: 'POST', headers: { authorization: `Bearer ${health}` } });
    expect(revealed.status).toBe(200);

    reset();
    const after = await getPicture(referralId, manager);
    expect(after.body.items.map((i) => i.itemId)).toContain(hidden.id);
    expect(counts.opens).toBeGreaterThan(0);

    reset();
    const again = await getPicture(referralId, manager);
    expect(again.body).toEqual(after.body);
    expect(counts.opens).toBe(0);
  });

  it('is built again in the background after a change, so that the next read is warm', async () => {
    const { referralId, items } = await harness.seedReferral(['health', 'police']);
    const manager = await harness.token('hub-manager');
    const police = await harness.token('hub-practitioner', 'police');
    const pictures = createPictures({ db, vault, clock: harness.clock, identity: harness.identity, logger: silentLogger() }, { background: true });
    const background = createApp({ sla: testSla,
      db,
      vault,
      identity: harness.identity,
      pictures,
      clock: harness.clock,
      logger: silentLogger(),
      auditKeys: new Map(),
      scheduler: { schedule: () => Promise.resolve(), reprioritise: () => Promise.resolve(), ping: () => Promise.resolve(true) },
      verifyToken: createTokenVerifier({ publicKey: harness.signingKey.publicKey, issuer: 'mash-gateway', audience: 'mash-gateway', ...TEST_TOKEN_LIFETIME }),
    });
    try {
      expect((await background.request(`/v1/referrals/${referralId}/picture`, { headers: { authorization: `Bearer ${manager}` } })).status).toBe(200);
      const hidden = items.find((i) => i.agency === 'police' && i.sensitivity === 'restricted');
      if (hidden === undefined) throw new Error('the seed has a restricted police item');
      expect((await background.request(`/v1/referrals/${referralId}/items/${hidden.id}/reveal`, { method: 'POST', headers: { authorization: `Bearer ${police}` } })).status).toBe(200);
      await pictures.settled();

      reset();
      const response = await background.request(`/v1/referrals/${referralId}/picture`, { headers: { authorization: `Bearer ${manager}` } });
      const body = (await response.json()) as { items: { itemId: string }[] };
      expect(body.items.map((i) => i.itemId)).toContain(hidden.id);
      expect(counts.opens).toBe(0);
      // Built in the background by this process, so held in its memory: nothing opened at all.
      expect(counts.pictureOpens).toBe(0);
      expect(counts.sealedReads).toBe(0);
    } finally {
      await pictures.close();
    }
  });

  it("leaves no readable copy of an agency's content in a stored picture once its key is destroyed", async () => {
    const { referralId } = await harness.seedReferral();
    const manager = await harness.token('hub-manager');
    expect((await getPicture(referralId, manager)).status).toBe(200);
    const stored = (await lookUpPicture(harness.db, referralId, 'hub'))?.stored;
    if (stored === undefined) throw new Error('the hub picture is stored');
    expect(stored.owners).toEqual(['hub', 'education', 'health', 'housing', 'police', 'social-care']);
    expect(openPicture(harness.vault, referralId, stored).json).toContain(referralId);

    // Crypto-shredding one agency: the stored row stays as it was, and cannot be opened.
    expect(await harness.vault.destroy(harness.db, referralId, 'health', harness.clock.now())).toBe(true);
    const after = (await lookUpPicture(harness.db, referralId, 'hub'))?.stored;
    if (after === undefined) throw new Error('the row is still there');
    expect(() => openPicture(harness.vault, referralId, after)).toThrow(ContentDestroyedError);
    // A read does not serve what it cannot open: the destroyed content is gone (410), as for any read of it.
    const response = await app.request(`/v1/referrals/${referralId}/picture`, { headers: { authorization: `Bearer ${manager}` } });
    expect(response.status).toBe(410);
    expect(((await response.json()) as { code: string }).code).toBe('CONTENT.DESTROYED');
  });
});
