/** Embedded PostgreSQL (PGlite) in MASH_DATA_DIR: the default store, so `npm start` needs nothing installed. */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Db, Sql, SqlParam } from './db.ts';
import { lockDataDir } from './lock.ts';
import { ClosedTransactionError, createTransactionGuard } from './transaction-guard.ts';

export async function openPglite(dataDir: string): Promise<Db> {
  mkdirSync(dataDir, { recursive: true });
  const release = await lockDataDir(dataDir);
  let db: PGlite;
  try {
    db = await PGlite.create(path.join(dataDir, 'pgdata'));
  } catch (error) {
    await release();
    throw error;
  }
  const run = async <Row extends object>(client: Pick<PGlite, 'query'>, text: string, params?: readonly SqlParam[]): Promise<Row[]> => {
    const result = await client.query<Row>(text, params === undefined ? undefined : [...params]);
    return result.rows;
  };
  // PGlite serves one connection: a root query inside a transaction would wait for ever.
  const guard = createTransactionGuard();
  return {
    kind: 'pglite',
    async query(text, params) {
      guard.assertOutside('query');
      return run(db, text, params);
    },
    async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
      guard.assertOutside('transaction');
      return db.transaction((tx) =>
        guard.inside((marker) =>
          work({
            query: async (text, params) => {
              if (!marker.active) throw new ClosedTransactionError();
              return run(tx, text, params);
            },
          }),
        ),
      );
    },
    async exec(script) {
      guard.assertOutside('exec');
      await db.exec(script);
    },
    async close() {
      try {
        await db.close();
      } finally {
        await release();
      }
    },
  };
}
