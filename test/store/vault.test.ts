/**
 * Encryption at rest: content sealed per referral and owning agency, bound to its
 * row, unreadable with another master key, and gone for good once its data key is destroyed —
 * on both stores (PGlite and PostgreSQL), including two transactions creating the same key at once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open, seal, SealError } from '../../src/lib/envelope.ts';
import type { Db } from '../../src/store/db.ts';
import { ContentDestroyedError, createVault } from '../../src/store/vault.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';

describe('envelope', () => {
  it('opens what it sealed, and refuses another key or another binding', () => {
    const key = randomBytes(32);
    const sealed = seal(key, Buffer.from('synthetic note'), 'fact:1');
    expect(open(key, sealed, 'fact:1').toString()).toBe('synthetic note');
    expect(() => open(randomBytes(32), sealed, 'fact:1')).toThrow(SealError);
    expect(() => open(key, sealed, 'fact:2')).toThrow(SealError);
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    expect(() => open(key, altered, 'fact:1')).toThrow(SealError);
  });
});

describe.each(STORE_KINDS)('vault on $name', (kind) => {
  let db: Db;
  let close: () => Promise<void>;
  const referralId = randomUUID();

  beforeAll(async () => {
    ({ db, close } = await openTestStore(kind));
    await db.query(
      `INSERT INTO referrals (id, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, submitted_by, sealed_body) VALUES ($1, 'received', 'red', 'child-protection', now(), now(), now(), 'test', '\\x00'::bytea)`,
      [referralId],
    );
  });

  afterAll(async () => {
    await close();
  });

  it('keeps one data key per referral and owner, wrapped, and destroys one owner without the others', async () => {
    const master = randomBytes(32);
    const vault = createVault(master);
    const sealedPolice = await db.transaction((tx) => vault.keyRing(tx, referralId).seal('police', 'synthetic intelligence text', 'fact:p'));
    const sealedHealth = await db.transaction((tx) => vault.keyRing(tx, referralId).seal('health', 'synthetic diagnosis', 'fact:h'));
    const keys = await db.query<{ owner: string; wrapped_key: Uint8Array }>('SELECT owner, wrapped_key FROM content_keys WHERE referral_id = $1 ORDER BY owner', [referralId]);
    expect(keys.map((k) => k.owner)).toEqual(['health', 'police']);
    // Stored wrapped: neither the data key nor the plaintext appears in the rows.
    expect(Buffer.from(sealedPolice).includes(Buffer.from('synthetic'))).toBe(false);

    expect(await vault.keyRing(db, referralId).open('police', sealedPolice, 'fact:p')).toBe('synthetic intelligence text');
    await expect(createVault(randomBytes(32)).keyRing(db, referralId).open('police', sealedPolice, 'fact:p')).rejects.toThrow(SealError);

    expect(await vault.destroy(db, referralId, 'police', new Date())).toBe(true);
    await expect(vault.keyRing(db, referralId).open('police', sealedPolice, 'fact:p')).rejects.toThrow(ContentDestroyedError);
    await expect(vault.keyRing(db, referralId).seal('police', 'more', 'fact:q')).rejects.toThrow(ContentDestroyedError);
    expect(await vault.keyRing(db, referralId).open('health', sealedHealth, 'fact:h')).toBe('synthetic diagnosis');
    expect(await vault.destroy(db, referralId, 'police', new Date())).toBe(false);
  });

  it('seals a stored picture under a key joined from every owner it holds: destroying any one of them leaves it unreadable', async () => {
    const vault = createVault(randomBytes(32));
    const joint = randomUUID();
    await db.query(`INSERT INTO referrals (id, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, submitted_by, sealed_body) VALUES ($1, 'received', 'red', 'child-protection', now(), now(), now(), 'test', '\\x00'::bytea)`, [joint]);
    // The owners' keys exist once their content was sealed (a picture is built from stored content).
    await db.transaction(async (tx) => {
      for (const owner of ['hub', 'health', 'police'] as const) await vault.keyRing(tx, joint).seal(owner, 'synthetic', `fact:${owner}`);
    });
    const owners = ['police', 'hub', 'health'] as const;
    const sealed = await vault.keyRing(db, joint).sealJoint(owners, Buffer.from('synthetic picture'), 'picture:1');
    expect(Buffer.from(sealed).includes(Buffer.from('synthetic'))).toBe(false);
    // One set of owners is one key, in whatever order they are named; another set is another key.
    expect((await vault.keyRing(db, joint).openJoint(['health', 'hub', 'police'], sealed, 'picture:1')).toString()).toBe('synthetic picture');
    await expect(vault.keyRing(db, joint).openJoint(['hub', 'health'], sealed, 'picture:1')).rejects.toThrow(SealError);
    await expect(vault.keyRing(db, joint).openJoint(owners, sealed, 'picture:2')).rejects.toThrow(SealError);
    // The wrapped keys read beside the picture open it without another query.
    const rows = await db.query<{ owner: 'hub' | 'health' | 'police'; wrapped_key: Uint8Array }>('SELECT owner, wrapped_key FROM content_keys WHERE referral_id = $1', [joint]);
    const wrapped = new Map(rows.map((r) => [r.owner, r.wrapped_key] as const));
    expect(vault.openJointWith(joint, wrapped, owners, sealed, 'picture:1').toString()).toBe('synthetic picture');
    // An owner whose content was never sealed has no key: nothing can be sealed under it.
    await expect(vault.keyRing(db, joint).sealJoint(['hub', 'education'], Buffer.from('x'), 'picture:3')).rejects.toThrow(ContentDestroyedError);

    // Crypto-shredding one agency's key shreds every stored copy holding its content.
    expect(await vault.destroy(db, joint, 'health', new Date())).toBe(true);
    await expect(vault.keyRing(db, joint).openJoint(owners, sealed, 'picture:1')).rejects.toThrow(ContentDestroyedError);
    expect(() => vault.openJointWith(joint, new Map([...wrapped, ['health', null]]), owners, sealed, 'picture:1')).toThrow(ContentDestroyedError);
  });

  it('does not keep a key created in a transaction that rolled back', async () => {
    const vault = createVault(randomBytes(32));
    const otherReferral = randomUUID();
    await db.query(`INSERT INTO referrals (id, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, submitted_by, sealed_body) VALUES ($1, 'received', 'red', 'child-protection', now(), now(), now(), 'test', '\\x00'::bytea)`, [otherReferral]);
    await expect(
      db.transaction(async (tx) => {
        await vault.keyRing(tx, otherReferral).seal('education', 'x', 'a');
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const sealed = await db.transaction((tx) => vault.keyRing(tx, otherReferral).seal('education', 'kept', 'b'));
    expect(await vault.keyRing(db, otherReferral).open('education', sealed, 'b')).toBe('kept');
  });

  it('gives two transactions creating the same data key at once the same key', async () => {
    const vault = createVault(randomBytes(32));
    const concurrent = randomUUID();
    await db.query(`INSERT INTO referrals (id, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, submitted_by, sealed_body) VALUES ($1, 'received', 'red', 'child-protection', now(), now(), now(), 'test', '\\x00'::bytea)`, [concurrent]);
    const sealed = await Promise.all(['one', 'two', 'three'].map((text) => db.transaction((tx) => vault.keyRing(tx, concurrent).seal('housing', text, `fact:${text}`))));
    expect(await Promise.all(sealed.map((s, n) => vault.keyRing(db, concurrent).open('housing', s, `fact:${['one', 'two', 'three'][n] ?? ''}`)))).toEqual(['one', 'two', 'three']);
    const keys = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM content_keys WHERE referral_id = $1', [concurrent]);
    expect(keys[0]?.n).toBe(1);
  });
});
