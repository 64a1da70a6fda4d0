/**
 * The two stores behind the one port (docs/decisions.md, "Plain SQL, one migration set"):
 * embedded PGlite and a real PostgreSQL. Store-level and workflow suites run on both with
 * `describe.each(STORE_KINDS)`, so SQL that only one of them accepts, or behaves differently
 * on, fails a test (test/store/transaction-guard.int.test.ts set the pattern).
 */
import type { Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { startPostgres } from './postgres.ts';
import { seedEmbeddedStore } from './templates.ts';
import { makeTempDir } from './tmp.ts';

/** What `openStore` (or a harness taking `databaseUrl`) needs for one store of a kind, and how to throw it away. */
export interface ProvisionedStore {
  /** PostgreSQL: the URL of a fresh server's database; PGlite: undefined. */
  readonly databaseUrl: string | undefined;
  /** A fresh, empty directory (PGlite keeps its data here). */
  readonly dataDir: string;
  /** Stops the server (PostgreSQL) and removes the directory. */
  stop(): Promise<void>;
}

export interface StoreKind {
  readonly name: 'PGlite' | 'PostgreSQL';
  /** A fresh store of this kind: nothing to start for PGlite; its own PostgreSQL server otherwise. */
  provision(): Promise<ProvisionedStore>;
}

export const STORE_KINDS: readonly StoreKind[] = [
  {
    name: 'PGlite',
    provision() {
      const tmp = makeTempDir('mash-store-');
      // The run's empty cluster, copied (test/support/templates.ts): the store still migrates from zero.
      seedEmbeddedStore(tmp.dir);
      const stop = (): Promise<void> => {
        tmp.remove();
        return Promise.resolve();
      };
      return Promise.resolve({ databaseUrl: undefined, dataDir: tmp.dir, stop });
    },
  },
  {
    name: 'PostgreSQL',
    async provision() {
      const server = await startPostgres();
      const tmp = makeTempDir('mash-store-');
      return {
        databaseUrl: server.url,
        dataDir: tmp.dir,
        async stop() {
          await server.stop();
          tmp.remove();
        },
      };
    },
  },
];

/** A fresh, migrated store of `kind`; `close` closes it and throws it away. */
export async function openTestStore(kind: StoreKind): Promise<{ db: Db; databaseUrl: string | undefined; close: () => Promise<void> }> {
  const provisioned = await kind.provision();
  let db: Db;
  try {
    db = await openStore({ databaseUrl: provisioned.databaseUrl, dataDir: provisioned.dataDir });
  } catch (error) {
    await provisioned.stop();
    throw error;
  }
  const close = async (): Promise<void> => {
    try {
      await db.close();
    } finally {
      await provisioned.stop();
    }
  };
  return { db, databaseUrl: provisioned.databaseUrl, close };
}
