/**
 * One flow, one handle (docs/decisions.md): a query on the root store handle while the same
 * flow has a transaction open must fail at once, never wait. On PGlite such a query waited for
 * ever (the manager's decision hung the embedded gateway); on PostgreSQL it ran outside the
 * transaction. Both stores run the same cases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { ClosedTransactionError, NestedRootQueryError } from '../../src/store/transaction-guard.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';

const stores: { name: string; open: () => Promise<{ db: Db; close: () => Promise<void> }> }[] = [
  {
    name: 'PGlite (embedded)',
    async open() {
      const tmp = makeTempDir('mash-guard-');
      seedEmbeddedStore(tmp.dir); // the run's empty PGlite cluster (test/support/templates.ts)
      const db = await openStore({ databaseUrl: undefined, dataDir: tmp.dir });
      return { db, close: async () => { await db.close(); tmp.remove(); } };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const server: TestPostgres = await startPostgres();
      const db = await openStore({ databaseUrl: server.url, dataDir: makeTempDir('mash-guard-').dir });
      return { db, close: async () => { await db.close(); await server.stop(); } };
    },
  },
];

/** Resolves to the outcome, or to 'hung' when the promise has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<{ value: T } | { error: unknown } | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => { timer = setTimeout(() => resolve('hung'), ms); });
  try {
    return await Promise.race([promise.then((value) => ({ value }), (error: unknown) => ({ error })), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** The outcome was a prompt refusal of this kind, not a hang or a success. */
function expectRefusal(outcome: Awaited<ReturnType<typeof within>>, kind: new (...args: never[]) => Error): void {
  expect(outcome, 'the call hung').not.toBe('hung');
  expect(outcome !== 'hung' && 'error' in outcome && outcome.error instanceof kind, `refused with ${kind.name}`).toBe(true);
}

describe.each(stores)('transaction guard on $name', (store) => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await store.open());
    await db.query('CREATE TABLE IF NOT EXISTS guard_probe (n integer)');
  }, 120_000);

  afterAll(async () => {
    await close();
  });

  it('refuses a root query inside an open transaction at once, and rolls the transaction back', async () => {
    const outcome = await within(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO guard_probe (n) VALUES (1)');
        return db.query('SELECT count(*) AS n FROM guard_probe');
      }),
      5_000,
    );
    expectRefusal(outcome, NestedRootQueryError);
    expect(await db.query<{ n: number }>('SELECT count(*)::int AS n FROM guard_probe WHERE n = 1')).toEqual([{ n: 0 }]);
  });

  it('refuses a nested root transaction and a root script inside a transaction', async () => {
    const nested = await within(db.transaction(() => db.transaction((inner) => inner.query('SELECT 1'))), 5_000);
    expectRefusal(nested, NestedRootQueryError);
    const script = await within(db.transaction(() => db.exec('SELECT 1')), 5_000);
    expectRefusal(script, NestedRootQueryError);
  });

  it('follows the flow through helpers and callbacks started inside the transaction', async () => {
    const helper = (): Promise<unknown> => new Promise((resolve, reject) => { setImmediate(() => { db.query('SELECT 1').then(resolve, reject); }); });
    const outcome = await within(db.transaction(() => helper()), 5_000);
    expectRefusal(outcome, NestedRootQueryError);
  });

  it('leaves other flows alone: their root queries wait for the transaction and then run', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const open = db.transaction(async (tx) => {
      await tx.query('INSERT INTO guard_probe (n) VALUES (2)');
      await gate;
    });
    const other = db.query<{ n: number }>('SELECT count(*)::int AS n FROM guard_probe WHERE n = 2');
    release();
    await open;
    const seen = await within(other, 5_000);
    expect(seen).not.toBe('hung');
    expect(seen).not.toHaveProperty('error');
  });

  it('refuses a transaction handle used after its transaction ended', async () => {
    let leaked: { query: Db['query'] } | undefined;
    await db.transaction((tx) => { leaked = tx; return Promise.resolve(); });
    await expect(leaked?.query('SELECT 1')).rejects.toBeInstanceOf(ClosedTransactionError);
  });

  it('lets work the transaction left running use the root handle once it has ended', async () => {
    let later: Promise<unknown> = Promise.resolve();
    await db.transaction(() => {
      later = new Promise((resolve) => setTimeout(resolve, 50)).then(() => db.query('SELECT 1 AS one'));
      return Promise.resolve();
    });
    await expect(later).resolves.toEqual([{ one: 1 }]);
  });
});
