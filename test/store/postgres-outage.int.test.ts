/**
 * The PostgreSQL store outlives a lost connection and a server restart (docs/decisions.md,
 * "Surviving a PostgreSQL restart"). A connection that ends while a transaction holds its client
 * once raised an unhandled 'error' event and killed the process, and the broken client went back
 * into the pool. Now: the process carries on, the transaction fails with STORE.UNAVAILABLE, the
 * client is destroyed, queries during an outage fail fast with STORE.UNAVAILABLE, and the same
 * store works again once the server is back — no reopening.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MashError } from '../../src/lib/errors.ts';
import type { Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { makeTempDir } from '../support/tmp.ts';

let server: TestPostgres;
let db: Db;
const lost: unknown[] = [];
const tmp = makeTempDir('mash-pg-outage-');

beforeAll(async () => {
  server = await startPostgres({ crashSafe: true });
  db = await openStore({ databaseUrl: server.url, dataDir: tmp.dir, onConnectionError: (error) => lost.push(error) });
}, 60_000);

afterAll(async () => {
  await db.close();
  await server.stop();
  tmp.remove();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function terminateBackend(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  } finally {
    await admin.end();
  }
}

function expectUnavailable(error: unknown): void {
  expect(error).toBeInstanceOf(MashError);
  expect((error as MashError).code).toBe('STORE.UNAVAILABLE');
  expect((error as MashError).status).toBe(503);
}

describe('the PostgreSQL store when its connection or server goes away', () => {
  it('survives the connection of an open transaction ending, fails that transaction, and never reuses the client', async () => {
    const before = lost.length;
    let killedPid = 0;
    const outcome = await db
      .transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        killedPid = row?.pid ?? 0;
        await terminateBackend(killedPid);
        // The client is checked out and idle when its connection ends: the 'error' event fires now.
        await sleep(300);
        return tx.query('SELECT 1');
      })
      .then(
        () => 'committed',
        (error: unknown) => error,
      );
    expectUnavailable(outcome);
    expect(lost.length).toBeGreaterThan(before);
    // Every later query gets a live connection: the broken client was destroyed, not pooled.
    const pids = new Set<number>();
    for (let n = 0; n < 20; n += 1) {
      const rows = await db.transaction((tx) => tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'));
      pids.add(rows[0]?.pid ?? 0);
    }
    expect(pids.has(killedPid)).toBe(false);
  });

  it('passes statement errors through unchanged: they are not unavailability', async () => {
    const error: unknown = await db.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(MashError);
    expect((error as { code?: string }).code).toBe('42P01');
  });

  it('answers STORE.UNAVAILABLE at once while the server is down, and works again once it is back', async () => {
    // Idle clients in the pool, connected to the server about to die.
    await Promise.all(Array.from({ length: 5 }, () => db.query('SELECT pg_sleep(0.05)')));
    await server.kill();
    for (const attempt of [() => db.query('SELECT 1'), () => db.transaction((tx) => tx.query('SELECT 1')), () => db.exec('SELECT 1')]) {
      const started = Date.now();
      expectUnavailable(await attempt().then(() => 'answered', (e: unknown) => e));
      expect(Date.now() - started).toBeLessThan(6_000);
    }
    await server.restart();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const outcome = await db.query<{ one: number }>('SELECT 1 AS one').then((rows) => rows, (e: unknown) => e);
      if (Array.isArray(outcome)) {
        expect(outcome).toEqual([{ one: 1 }]);
        break;
      }
      // Crash recovery: "the database system is starting up" is unavailability too.
      expectUnavailable(outcome);
      if (Date.now() > deadline) throw new Error('the store did not come back');
      await sleep(100);
    }
    const results = await Promise.all(Array.from({ length: 10 }, () => db.transaction((tx) => tx.query<{ one: number }>('SELECT 1 AS one'))));
    expect(results.flat()).toHaveLength(10);
  }, 90_000);
});
