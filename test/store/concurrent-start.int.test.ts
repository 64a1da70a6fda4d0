/**
 * README: every process migrates the schema under an advisory lock at start, "so they may start
 * in any order". Started at the same instant on an empty PostgreSQL database, they once crashed
 * (`duplicate key value violates unique constraint "pg_type_typname_nsp_index"`): the migrations
 * table was created before the lock was taken. Proved twice, each round on a fresh database of
 * one server: the store's own start (`openStore`) from several connections at once, and the real
 * processes — a gateway and three workers spawned together, sharing a data directory (the audit
 * and token keys are made there) and declaring the same connectors.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.ts';
import { listMigrations } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/open.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { makeTempDir } from '../support/tmp.ts';
import { startEmbeddedSimulators, type EmbeddedSimulators } from '../../simulators/embedded.ts';
import { TEST_AUDIT_SIGNING_KEY } from '../support/audit-key.ts';

const ROUNDS = 20;

let postgres: TestPostgres;
let redis: TestRedis;
let simulators: EmbeddedSimulators;
const tmp = makeTempDir('mash-concurrent-start-');

beforeAll(async () => {
  [postgres, redis, simulators] = await Promise.all([startPostgres(), startRedis(), startEmbeddedSimulators()]);
}, 120_000);

afterAll(async () => {
  await simulators.close();
  await redis.stop();
  await postgres.stop();
  tmp.remove();
});

/** A fresh, empty database on the shared server; returns its URL. */
async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return postgres.url.replace(/\/mash$/, `/${name}`);
}

describe('starting on an empty PostgreSQL database at the same instant', () => {
  it(`migrates once from six connections at once, ${ROUNDS} rounds`, async () => {
    const expected = listMigrations().map((m) => m.name);
    for (let round = 0; round < ROUNDS; round += 1) {
      const url = await freshDatabase(`store_round_${round}`);
      const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => openStore({ databaseUrl: url, dataDir: tmp.dir })));
      const opened = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      try {
        expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String(o.reason)), `round ${round}`).toEqual([]);
        const applied = await (opened[0] as Db).query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version');
        expect(applied.map((r) => r.name)).toEqual(expected);
      } finally {
        await Promise.all(opened.map((db) => db.close()));
      }
    }
  }, 120_000);

  it(`brings up a gateway and three workers started together, ${ROUNDS} rounds`, async () => {
    const connectorsFile = path.join(tmp.dir, 'connectors.json');
    writeFileSync(connectorsFile, JSON.stringify({ connectors: simulators.connectors }));
    for (let round = 0; round < ROUNDS; round += 1) {
      const url = await freshDatabase(`process_round_${round}`);
      const env = {
        DATABASE_URL: url,
        MASH_AUDIT_SIGNING_KEY: TEST_AUDIT_SIGNING_KEY,
        REDIS_URL: redis.url,
        MASH_DATA_DIR: path.join(tmp.dir, `round-${round}`),
        MASH_CONNECTORS: connectorsFile,
        MASH_MASTER_KEY: randomBytes(32).toString('base64'),
        LOG_LEVEL: 'warn',
      };
      const starting = [
        startGatewayProcess({ env: { ...env, MASH_ROLE: 'gateway' } }),
        ...Array.from({ length: 3 }, () => startGatewayProcess({ env: { ...env, MASH_ROLE: 'worker', LOG_LEVEL: 'info' }, waitFor: 'worker' })),
      ];
      const outcomes = await Promise.allSettled(starting);
      const started = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      try {
        expect(outcomes.filter((o) => o.status === 'rejected').map((o) => String(o.reason)), `round ${round}`).toEqual([]);
        const gateway = started[0] as GatewayProcess;
        expect((await fetch(`${gateway.url}/readyz`)).status).toBe(200);
        const db = new pg.Client({ connectionString: url });
        await db.connect();
        try {
          const connectors = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM connectors');
          expect(connectors.rows[0]?.n).toBe(simulators.connectors.length);
        } finally {
          await db.end();
        }
      } finally {
        await Promise.all(started.map((p) => p.kill('SIGTERM')));
      }
    }
  }, 300_000);
});
