/**
 * The person index under parallel resolution (the same child is one hub person). Two
 * agencies' records of a child the index has never seen, resolved in parallel transactions, must
 * not each find no candidate and each create a person: records sharing a blocking key are
 * resolved one after the other. Twenty parallel resolutions of records of one new person (twenty
 * record keys) make exactly one hub person — on a real PostgreSQL, with the transactions on the
 * pool's connections, and on PGlite. Resolutions of records of different people sharing no key
 * still run side by side, and many records resolved in one transaction take their locks in one
 * order, so two such transactions cannot deadlock.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMatcher, createPersonIndex, defaultModel, type PersonIndex } from '../../src/identity/index.ts';
import type { IndexedRecord } from '../../src/model/person-index.ts';
import type { Db, Sql } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { createPersonIndexStore, deriveIndexKey } from '../../src/store/person-index.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';

const at = new Date('2026-11-21T10:00:00Z');

/** The index as the composition root builds it: identity's policy over the store's rows, with the model's matcher. */
function newIndex(): PersonIndex {
  return createPersonIndex({ store: createPersonIndexStore(deriveIndexKey(randomBytes(32))), matcher: createMatcher(defaultModel()) });
}

async function newReferral(sql: Sql): Promise<string> {
  const id = randomUUID();
  await sql.query(
    `INSERT INTO referrals (id, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, submitted_by, sealed_body)
     VALUES ($1, 'received', 'red', 'child-protection', now(), now(), now(), 'test', '\\x00'::bytea)`,
    [id],
  );
  return id;
}

/** A synthetic child, as one agency records it: the same person in every copy. */
const child = (n: number): IndexedRecord => ({
  id: `rec-${n}`,
  given: ['Amara'],
  family: `Okafor${n}`,
  birthDate: `2016-0${1 + (n % 9)}-1${n % 10}`,
  sex: 'female',
  addressLines: [`${10 + n} Synthetic Row`],
  postcode: `SY${n} 1AA`,
  town: 'Testbury',
  nhsNumber: NHS_NUMBERS[n % NHS_NUMBERS.length],
});
// Valid (mod 11) synthetic NHS numbers in the 999 test range.
const NHS_NUMBERS = ['9990000018', '9990000026', '9990000034', '9990000042'];

/** Hub persons the records with these keys are linked to. */
async function personsOf(sql: Sql, recordKeys: readonly string[]): Promise<string[]> {
  const rows = await sql.query<{ hub_person_id: string }>(
    `SELECT DISTINCT l.hub_person_id FROM person_links l JOIN person_index_records r ON r.id = l.record_id WHERE r.record_key = ANY ($1::text[])`,
    [recordKeys],
  );
  return rows.map((r) => r.hub_person_id);
}

interface OpenStore {
  readonly db: Db;
  readonly close: () => Promise<void>;
}

function concurrencySuite(open: () => Promise<OpenStore>): void {
  let store: OpenStore;
  let db: Db;

  beforeAll(async () => {
    store = await open();
    db = store.db;
  }, 120_000);
  afterAll(async () => {
    await store.close();
  });

  it('makes one hub person of twenty records of one new person resolved in parallel', async () => {
    const index = newIndex();
    const referral = await newReferral(db);
    const person = child(1);
    const keys = Array.from({ length: 20 }, (_, n) => `health:gp-${n}:PAT-${n}`);
    const resolutions = await Promise.all(keys.map((recordKey) => db.transaction((tx) => index.resolve(tx, { recordKey, referralId: referral, record: person }, at))));
    expect(new Set(resolutions.map((r) => r.hubPersonId)).size).toBe(1);
    expect(resolutions.filter((r) => r.outcome === 'new')).toHaveLength(1);
    expect(await personsOf(db, keys)).toHaveLength(1);
  }, 60_000);

  it('keeps parallel resolutions of different people apart, each its own person', async () => {
    const index = newIndex();
    const referral = await newReferral(db);
    const records = [2, 3, 4, 5].map((n) => ({ recordKey: `police:rms:NOM-${n}-${randomUUID()}`, record: { ...child(n), given: [`Person${n}`], nhsNumber: undefined } }));
    const resolutions = await Promise.all(records.map((r) => db.transaction((tx) => index.resolve(tx, { ...r, referralId: referral }, at))));
    expect(new Set(resolutions.map((r) => r.hubPersonId)).size).toBe(4);
  }, 60_000);

  it('resolves overlapping batches in parallel transactions without deadlock, one person per child', async () => {
    const index = newIndex();
    const referral = await newReferral(db);
    // Ten transactions, each resolving records of the same three children in a different order.
    const children = [6, 7, 8].map((n) => child(n));
    const batches = Array.from({ length: 10 }, (_, t) => {
      const order = t % 2 === 0 ? [0, 1, 2] : [2, 1, 0];
      return order.map((c) => ({ recordKey: `education:mis-${t}:UPN-${c}`, record: children[c] ?? child(0), child: c }));
    });
    const results = await Promise.all(
      batches.map((batch) => db.transaction((tx) => index.resolveMany(tx, batch.map(({ recordKey, record }) => ({ recordKey, referralId: referral, record })), at))),
    );
    const personOfChild = new Map<number, Set<string>>();
    batches.forEach((batch, t) =>
      batch.forEach(({ child: c }, i) => {
        const hub = results[t]?.[i]?.hubPersonId ?? '';
        personOfChild.set(c, new Set([...(personOfChild.get(c) ?? []), hub]));
      }),
    );
    expect([...personOfChild.values()].map((s) => s.size)).toEqual([1, 1, 1]);
    expect(new Set([...personOfChild.values()].flatMap((s) => [...s])).size).toBe(3);
  }, 60_000);
}

describe('parallel resolution (PostgreSQL, transactions on the pool)', () => {
  let pg: TestPostgres;
  concurrencySuite(async () => {
    pg = await startPostgres();
    const db = await openStore({ databaseUrl: pg.url, dataDir: '' });
    return {
      db,
      close: async () => {
        await db.close();
        await pg.stop();
      },
    };
  });
});

describe('parallel resolution (PGlite)', () => {
  concurrencySuite(async () => {
    const tmp = makeTempDir('mash-person-index-');
    seedEmbeddedStore(tmp.dir); // the run's empty PGlite cluster (test/support/templates.ts)
    const db = await openStore({ databaseUrl: undefined, dataDir: tmp.dir });
    return {
      db,
      close: async () => {
        await db.close();
        tmp.remove();
      },
    };
  });
});
