/** Embedded PostgreSQL (PGlite) in MASH_DATA_DIR: the default store, so `npm start` needs nothing installed. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Db, Sql, SqlParam } from './db.ts';
import { lockDataDir } from './lock.ts';

export async function openPglite(dataDir: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true });
  const release = lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(path.join(dataDir, 'pgdata'));
  } catch (error) {
    release();
    throw error;
  }
  const run = async <Row extends object>(client: Pick<PGlite, 'query'>, text: string, params?: readonly SqlParam[]): Promise<Row[]> => {
    const result = await client.query<Row>(text, params === undefined ? undefined : [...params]);
    return result.rows;
  };
  return {
    kind: 'pglite',
    query: (text, params) => run(db, text, params),
    transaction: <T>(work: (tx: Sql) => Promise<T>): Promise<T> => db.transaction((tx) => work({ query: (text, params) => run(tx, text, params) })),
    async exec(script) {
      await db.exec(script);
    },
    async close() {
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}
