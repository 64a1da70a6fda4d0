/**
 * The one database port. PostgreSQL (node-postgres) in production and PGlite (embedded
 * PostgreSQL) by default answer the same SQL through this interface, so there is one schema
 * and one set of migrations for both.
 */

export type SqlParam = string | number | boolean | null | Date | Uint8Array | readonly string[] | readonly (string | null)[];

/** Something that runs SQL: the database itself or an open transaction. */
export interface Sql {
  query<Row extends object>(text: string, params?: readonly SqlParam[]): Promise<Row[]>;
}

export interface Db extends Sql {
  readonly kind: 'postgres' | 'pglite';
  /** Run `work` in one transaction; it commits when `work` resolves and rolls back when it throws. */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
  /** Run a script of several statements (migrations). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/** Resolves true when the store answers a trivial query (readiness); rejects when it cannot. */
export async function storeAnswers(sql: Sql): Promise<boolean> {
  await sql.query('SELECT 1');
  return true;
}
