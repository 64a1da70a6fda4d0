/**
 * A Redis blip with the real processes (docs/decisions.md, "Surviving a PostgreSQL restart"; "The
 * store is the source of truth"): a gateway and a BullMQ worker on PostgreSQL and Redis. Redis is
 * killed with SIGKILL and restarted empty on the same port. The processes stay up (every ioredis
 * and BullMQ connection has its error listener), a referral accepted while Redis is away is kept
 * in the store, and once Redis is back the recovery sweep schedules it and its picture is made.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { makeTempDir } from '../support/tmp.ts';
import { startEmbeddedSimulators, type EmbeddedSimulators } from '../simulators/embedded.ts';
import { submitExample, tokenIn, waitForPicture } from './support.ts';
import { TEST_AUDIT_SIGNING_KEY } from '../support/audit-key.ts';

const tmp = makeTempDir('mash-e2e-redis-restart-');
let postgres: TestPostgres;
let redis: TestRedis;
let simulators: EmbeddedSimulators;
let gateway: GatewayProcess;
let worker: GatewayProcess;

beforeAll(async () => {
  [postgres, redis, simulators] = await Promise.all([startPostgres(), startRedis(), startEmbeddedSimulators()]);
  const connectorsFile = path.join(tmp.dir, 'connectors.json');
  writeFileSync(connectorsFile, JSON.stringify({ connectors: simulators.connectors }));
  const env = {
    MASH_DATA_DIR: tmp.dir,
    DATABASE_URL: postgres.url,
    MASH_AUDIT_SIGNING_KEY: TEST_AUDIT_SIGNING_KEY,
    REDIS_URL: redis.url,
    MASH_CONNECTORS: connectorsFile,
    MASH_MASTER_KEY: randomBytes(32).toString('base64'),
    MASH_RECOVERY_SWEEP_MS: '1000',
    LOG_LEVEL: 'warn',
  };
  gateway = await startGatewayProcess({ env: { ...env, MASH_ROLE: 'gateway' } });
  worker = await startGatewayProcess({ env: { ...env, MASH_ROLE: 'worker', LOG_LEVEL: 'info' }, waitFor: 'worker' });
}, 120_000);

afterAll(async () => {
  await worker.kill('SIGTERM');
  await gateway.kill('SIGTERM');
  await simulators.close();
  await redis.stop();
  await postgres.stop();
  tmp.remove();
});

describe('Redis killed (SIGKILL) and restarted empty', () => {
  it('keeps the gateway and the worker up, and researches a referral accepted while Redis was away', async () => {
    const pids = [gateway.child.pid, worker.child.pid];
    const intake = await tokenIn(tmp.dir, 'referral-intake');
    const manager = await tokenIn(tmp.dir, 'hub-manager');
    await waitForPicture(gateway.url, manager, await submitExample(gateway.url, intake));

    await redis.kill();
    const during = await submitExample(gateway.url, intake);
    const ready = await fetch(`${gateway.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not-ready', store: 'up', queue: 'down' });
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    await redis.restart();

    await waitFor(async () => ((await fetch(`${gateway.url}/readyz`)).status === 200 ? true : undefined), 30_000, 'the gateway to be ready again');
    const view = await waitForPicture(gateway.url, manager, during, 60_000);
    expect(view.lookups.every((l) => l.status === 'done' || l.status === 'partial' || l.status === 'not-permitted')).toBe(true);
    await waitForPicture(gateway.url, manager, await submitExample(gateway.url, intake), 60_000);

    expect([gateway.child.pid, worker.child.pid]).toEqual(pids);
    for (const process of [gateway, worker]) {
      expect(process.child.exitCode, process.output().slice(-2_000)).toBeNull();
      expect(process.child.signalCode).toBeNull();
    }
  }, 180_000);
});
