/**
 * The real-server test support starts what it promises and leaves nothing behind: a Redis that
 * answers PING and a Postgres that answers `select 1`, each on its own port and temp dir.
 */
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startPostgres } from '../support/postgres.ts';
import { startRedis } from '../support/redis.ts';

describe('test support servers', () => {
  it('startRedis serves a private Redis until stopped', async () => {
    const [first, second] = await Promise.all([startRedis(), startRedis()]);
    expect(first.url).not.toBe(second.url);
    const client = new Redis(first.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    try {
      await client.connect();
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
    await Promise.all([first.stop(), second.stop()]);
    await first.stop(); // idempotent

    const after = new Redis(first.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    after.on('error', () => undefined);
    await expect(after.connect()).rejects.toThrow();
    after.disconnect();
  });

  it('startPostgres serves database mash over loopback with trust auth, then removes its data', async () => {
    const server = await startPostgres();
    expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/mash$/);
    const client = new pg.Client({ connectionString: server.url });
    try {
      await client.connect();
      const result = await client.query<{ one: number; db: string }>('select 1 as one, current_database() as db');
      expect(result.rows).toEqual([{ one: 1, db: 'mash' }]);
    } finally {
      await client.end();
    }
    expect(existsSync(server.dataDir)).toBe(true);

    await server.stop();
    expect(existsSync(server.dataDir)).toBe(false);
  }, 60_000);
});
