/**
 * The run's empty clusters (test/support/templates.ts; docs/decisions.md, "Test time"): the global
 * setup makes them, so the saving cannot vanish without a failure; a copy holds no schema, so a
 * store opened on it still migrates from zero; a directory that has a cluster is never overwritten.
 * And the files the sequencer starts first still exist, so its list cannot rot unseen.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listMigrations, migrate } from '../../src/store/migrate.ts';
import { openStore } from '../../src/store/open.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { LONGEST_FIRST } from '../support/sequencer.ts';
import { PGLITE_TEMPLATE_ENV, POSTGRES_TEMPLATE_ENV, seedEmbeddedStore } from '../support/templates.ts';
import { makeTempDir } from '../support/tmp.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('the empty clusters made once per run', () => {
  const tmp = makeTempDir('mash-templates-test-');
  afterAll(() => {
    tmp.remove();
  });

  it('are made by the global setup and named to the test workers', () => {
    const pglite = process.env[PGLITE_TEMPLATE_ENV] ?? '';
    const postgres = process.env[POSTGRES_TEMPLATE_ENV] ?? '';
    expect(existsSync(path.join(pglite, 'PG_VERSION')), PGLITE_TEMPLATE_ENV).toBe(true);
    expect(existsSync(path.join(postgres, 'PG_VERSION')), POSTGRES_TEMPLATE_ENV).toBe(true);
  });

  it('give an embedded store with no schema, which every migration then builds from zero', async () => {
    const dataDir = path.join(tmp.dir, 'seeded');
    expect(seedEmbeddedStore(dataDir)).toBe(true);
    const db = await openPglite(dataDir);
    try {
      const [schema] = await db.query<{ table: string | null }>("SELECT to_regclass('schema_migrations')::text AS table");
      expect(schema?.table).toBeNull();
      // migrate() names what it applied: all of them, from zero.
      expect(await migrate(db)).toEqual(listMigrations().map((m) => m.name));
    } finally {
      await db.close();
    }
  });

  it('never replace a cluster a directory already has', async () => {
    const dataDir = path.join(tmp.dir, 'kept');
    expect(seedEmbeddedStore(dataDir)).toBe(true);
    const db = await openStore({ databaseUrl: undefined, dataDir });
    await db.close();
    expect(seedEmbeddedStore(dataDir)).toBe(false);
    const reopened = await openStore({ databaseUrl: undefined, dataDir });
    try {
      const applied = await reopened.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(applied[0]?.n).toBe(listMigrations().length);
    } finally {
      await reopened.close();
    }
  });
});

describe('the files started first', () => {
  it('are all still in the suite', () => {
    expect(LONGEST_FIRST.filter((file) => !existsSync(path.join(ROOT, file)))).toEqual([]);
  });
});
