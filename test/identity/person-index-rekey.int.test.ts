/**
 * Re-keying the person index when the blocking keys change: digests written under an older
 * scheme no longer meet the keys a new record is searched by, so the index would stop finding
 * a child it already knows; at start the index writes every record's keys again from its sealed
 * record, once, on both stores (docs/decisions.md "Blocking keys are re-keyed when they change").
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BLOCKING_SCHEME, blockingKeys, createMatcher, createPersonIndex, defaultModel } from '../../src/identity/index.ts';
import type { IndexedRecord } from '../../src/model/person-index.ts';
import type { Db } from '../../src/store/db.ts';
import { createIndexCodec, createPersonIndexStore, deriveIndexKey } from '../../src/store/person-index.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';
import { loadingReferral } from './support/model-index.ts';

// Synthetic people only: one child as the GP and, with a slip in the surname, the school hold him.
const health: IndexedRecord = { id: 'x', given: ['Ibrahim'], family: 'Fadgelock', birthDate: '2016-06-24', sex: 'male', postcode: 'WF17 8HR' };
const school: IndexedRecord = { id: 'x', given: ['Ibrahim'], family: 'Fadgelok', birthDate: '2016-06-24', sex: 'male', postcode: 'WF17 8HR' };

describe.each(STORE_KINDS)('person index re-keying on $name', (kind) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeAll(async () => {
    ({ db, close } = await openTestStore(kind));
  }, 120_000);
  afterAll(async () => {
    await close();
  });

  it('writes the keys of records filed under an older scheme again, once, and then finds them', async () => {
    const indexKey = deriveIndexKey(randomBytes(32));
    const store = createPersonIndexStore(indexKey);
    const index = createPersonIndex({ store, matcher: createMatcher(defaultModel()) });
    const limits = { maxPerKey: 100, maxCommonKey: 1000, maxCandidates: 40 };
    const codec = createIndexCodec(indexKey);
    const at = new Date('2026-12-05T09:00:00Z');
    expect(await db.transaction((tx) => index.ensureKeyScheme(tx, at))).toEqual({ from: '1', to: BLOCKING_SCHEME, records: 0 });

    const referral = await loadingReferral(db);
    const first = await db.transaction((tx) => index.resolve(tx, { recordKey: 'health:gp:p-1', referralId: referral, record: health }, at));
    // As an older release filed it: other key names, so other digests.
    const old = blockingKeys({ ...health, id: 'health:gp:p-1' }).map((k) => codec.digest(`v1-${k}`));
    await db.transaction(async (tx) => {
      await tx.query('DELETE FROM person_index_keys');
      await tx.query('INSERT INTO person_index_keys (digest, record_id) SELECT unnest($1::bigint[]), id FROM person_index_records', [old]);
      await tx.query('UPDATE person_index_records SET key_digests = $1::bigint[]', [old]);
      await tx.query(`UPDATE person_index_key_scheme SET scheme = '1'`);
    });

    const schoolDigests = store.digestKeys(blockingKeys({ ...school, id: 'education:mis:s-9' }));
    // Stale keys: the school's record would not find the child at all.
    expect((await db.transaction((tx) => store.searchCandidates(tx, schoolDigests, limits, []))).found).toBe(0);

    const report = await db.transaction((tx) => index.ensureKeyScheme(tx, at));
    expect(report).toEqual({ from: '1', to: BLOCKING_SCHEME, records: 1 });
    const stored = await db.query<{ digest: string }>('SELECT digest::text AS digest FROM person_index_keys ORDER BY digest');
    const expected = [...new Set(blockingKeys({ ...health, id: 'health:gp:p-1' }).map((k) => codec.digest(k)))].sort();
    expect(stored.map((r) => r.digest).sort()).toEqual(expected);
    const onRecord = await db.query<{ digests: string[] }>('SELECT key_digests::text[] AS digests FROM person_index_records');
    expect([...(onRecord[0]?.digests ?? [])].sort()).toEqual(expected);
    // Once: the scheme is recorded and a second start does nothing.
    expect(await db.transaction((tx) => index.ensureKeyScheme(tx, at))).toEqual({ from: BLOCKING_SCHEME, to: BLOCKING_SCHEME, records: 0 });

    expect((await db.transaction((tx) => store.searchCandidates(tx, schoolDigests, limits, []))).found).toBe(1);
    // And resolving it links it to the child's hub person.
    const later = await loadingReferral(db);
    const second = await db.transaction((tx) => index.resolve(tx, { recordKey: 'education:mis:s-9', referralId: later, record: school }, at));
    expect(second.outcome).toBe('match');
    expect(second.hubPersonId).toBe(first.hubPersonId);
  });
});
