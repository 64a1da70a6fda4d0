/** PostgreSQL through node-postgres: the production store (DATABASE_URL). */
import pg from 'pg';
import type { Db, Sql, SqlParam } from './db.ts';
import { ClosedTransactionError, createTransactionGuard } from './transaction-guard.ts';

// int8 (counts, sequences) as JS numbers: our counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function openPostgres(url: string, options: { max?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 5_000 });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const run = async <Row extends object>(client: pg.Pool | pg.PoolClient, text: string, params?: readonly SqlParam[]): Promise<Row[]> => {
    const result = await client.query<Row>(text, params === undefined ? undefined : [...params]);
    return result.rows;
  };
  // A root query inside a transaction would run outside it, on another connection: refuse it.
  const guard = createTransactionGuard();
  return {
    kind: 'postgres',
    async query(text, params) {
      guard.assertOutside('query');
      return run(pool, text, params);
    },
    async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
      guard.assertOutside('transaction');
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const value = await guard.inside((marker) =>
          work({
            query: async (text, params) => {
              if (!marker.active) throw new ClosedTransactionError();
              return run(client, text, params);
            },
          }),
        );
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async exec(script) {
      guard.assertOutside('exec');
      await pool.query(script);
    },
    close: () => pool.end(),
  };
}
