/** Open the store the configuration asks for: PostgreSQL when DATABASE_URL is set, PGlite otherwise. */
import type { Db } from './db.ts';
import { migrate } from './migrate.ts';
import { openPglite } from './pglite.ts';
import { openPostgres } from './postgres.ts';

export async function openStore(options: {
  databaseUrl: string | undefined;
  dataDir: string;
  /** PostgreSQL only: told of each lost connection (the store reconnects by itself). */
  onConnectionError?: (error: unknown) => void;
}): Promise<Db> {
  const db =
    options.databaseUrl === undefined
      ? await openPglite(options.dataDir)
      : openPostgres(options.databaseUrl, options.onConnectionError === undefined ? {} : { onConnectionError: options.onConnectionError });
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}
