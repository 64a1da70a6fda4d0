/**
 * Vitest global setup: the run's empty clusters, made once before any test file and removed after
 * the last (test/support/templates.ts; docs/decisions.md, "Test time"). Their paths go to the test
 * workers through the environment, which the forks inherit. Gateway processes the suites spawn get
 * an environment of their own and never see them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPostgresTemplate } from './postgres.ts';
import { createPgliteTemplate, PGLITE_TEMPLATE_ENV, POSTGRES_TEMPLATE_ENV } from './templates.ts';

/** Makes both templates (side by side) and returns the teardown that removes them. */
export default async function setup(): Promise<() => void> {
  // Two directories: the PostgreSQL one is handed to the server's OS user, who copies from it.
  const pgliteRoot = mkdtempSync(path.join(tmpdir(), 'mash-template-pglite-'));
  const postgresRoot = mkdtempSync(path.join(tmpdir(), 'mash-template-postgres-'));
  const remove = (): void => {
    rmSync(pgliteRoot, { recursive: true, force: true });
    rmSync(postgresRoot, { recursive: true, force: true });
  };
  try {
    const pglite = path.join(pgliteRoot, 'pgdata');
    // Without PostgreSQL installed only its suites need it, and they say so themselves
    // (test/support/postgres.ts): the run goes on without that template.
    const [postgres] = await Promise.all([createPostgresTemplate(postgresRoot).catch(() => undefined), createPgliteTemplate(pglite)]);
    process.env[PGLITE_TEMPLATE_ENV] = pglite;
    if (postgres !== undefined) process.env[POSTGRES_TEMPLATE_ENV] = postgres;
  } catch (error) {
    remove();
    throw error;
  }
  return remove;
}
