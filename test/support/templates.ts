/**
 * Empty database clusters made once per test run and copied per test (docs/decisions.md, "Test
 * time"). Creating a cluster is the database's own work, not ours: `initdb` for PostgreSQL, the
 * WebAssembly initdb inside `PGlite.create` for the embedded store (about 2 s of CPU each, on a
 * suite that is CPU-bound on two cores). A copy of the same empty cluster takes a tenth of that.
 * The copy holds no schema: every store opened on it still runs every migration from zero, and
 * keys, connectors and data are made by the code under test as before.
 *
 * The vitest global setup (test/support/global-setup.ts) makes the templates and names them in
 * the environment the test workers inherit; without them (a bench, a file run outside vitest)
 * every helper makes its cluster from scratch, as it always did.
 */
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/** Names the empty PGlite cluster (a `pgdata` directory) to copy. */
export const PGLITE_TEMPLATE_ENV = 'MASH_TEST_PGLITE_TEMPLATE';
/** Names the empty PostgreSQL data directory (made by initdb, owned by the server's user) to copy. */
export const POSTGRES_TEMPLATE_ENV = 'MASH_TEST_POSTGRES_TEMPLATE';

/** Makes an empty PGlite cluster at `pgdata` (PGlite.create, then closed). */
export async function createPgliteTemplate(pgdata: string): Promise<void> {
  const cluster = await PGlite.create(pgdata);
  await cluster.close();
}

/**
 * Puts a copy of the empty PGlite cluster where the embedded store of `dataDir` keeps its data
 * (`<dataDir>/pgdata`, src/store/pglite.ts), when the run has a template and the directory has
 * no cluster yet. Returns whether it did. For suites whose subject is not the first start itself:
 * start-up, the README walkthrough, drain and crash recovery keep creating theirs.
 */
export function seedEmbeddedStore(dataDir: string): boolean {
  const template = process.env[PGLITE_TEMPLATE_ENV];
  const target = path.join(dataDir, 'pgdata');
  if (template === undefined || template === '' || !existsSync(template) || existsSync(target)) return false;
  cpSync(template, target, { recursive: true });
  return true;
}
