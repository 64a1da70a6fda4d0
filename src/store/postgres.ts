/**
 * PostgreSQL through node-postgres: the production store (DATABASE_URL). It must outlive a
 * PostgreSQL restart (docs/decisions.md, "Surviving a PostgreSQL restart"): every client has an
 * error listener for its whole life, so a connection lost while a client is checked out cannot
 * crash the process with an unhandled 'error' event; a client whose connection failed is destroyed,
 * never handed to the next caller; and a connection fault reaches the caller as STORE.UNAVAILABLE.
 * The pool opens new connections on demand, so once the server is back the next query succeeds.
 */
import pg from 'pg';
import type { Db, Sql, SqlParam } from './db.ts';
import { ClosedTransactionError, createTransactionGuard } from './transaction-guard.ts';
import { isConnectionFault, isStoreUnavailable, storeUnavailable } from './unavailable.ts';

// int8 (counts, sequences) as JS numbers: our counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Options of {@link openPostgres}. */
export interface PostgresOptions {
  /** Most connections held at once. Default 10. */
  readonly max?: number;
  /** Told of every connection fault (for a log line); the store carries on regardless. */
  readonly onConnectionError?: (error: unknown) => void;
}

export function openPostgres(url: string, options: PostgresOptions = {}): Db {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, connectionTimeoutMillis: 5_000, keepAlive: true });
  const report = (error: unknown): void => {
    options.onConnectionError?.(error);
  };
  // 'connect' fires once per new client: this listener stays for the client's whole life, checked
  // out or idle. The pool's own 'error' (an idle client failing) is then already reported.
  pool.on('connect', (client) => {
    client.on('error', report);
  });
  pool.on('error', () => undefined);

  const run = async <Row extends object>(client: pg.Pool | pg.PoolClient, text: string, params?: readonly SqlParam[]): Promise<Row[]> => {
    try {
      const result = await client.query<Row>(text, params === undefined ? undefined : [...params]);
      return result.rows;
    } catch (error) {
      throw isConnectionFault(error) ? storeUnavailable(error) : error;
    }
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
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw isConnectionFault(error) ? storeUnavailable(error) : error;
      }
      // Set when the connection failed under this transaction: the client is then destroyed.
      let broken: Error | undefined;
      const onBroken = (error: Error): void => {
        broken ??= error;
      };
      client.on('error', onBroken);
      try {
        await run(client, 'BEGIN');
        const value = await guard.inside((marker) =>
          work({
            query: async (text, params) => {
              if (!marker.active) throw new ClosedTransactionError();
              return run(client, text, params);
            },
          }),
        );
        await run(client, 'COMMIT');
        return value;
      } catch (error) {
        if (isStoreUnavailable(error)) broken ??= error as Error;
        if (broken === undefined) {
          try {
            await client.query('ROLLBACK');
          } catch (rollbackError) {
            broken = rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed');
          }
        }
        throw error;
      } finally {
        client.off('error', onBroken);
        // release(error) destroys the client; release() returns it to the pool.
        client.release(broken);
      }
    },
    async exec(script) {
      guard.assertOutside('exec');
      await run(pool, script);
    },
    close: () => pool.end(),
  };
}
