/**
 * A Redis blip with the real processes (docs/decisions.md, "Surviving a PostgreSQL restart"; "The
 * store is the source of truth"): a gateway and a BullMQ worker on PostgreSQL and Redis. Redis is
 * killed with SIGKILL and restarted empty on the same port. The processes stay up (every ioredis
 * and BullMQ connection has its error listener), a referral accepted while Redis is away is kept
 * in the store, and once Redis is back the recovery sweep schedules it and its picture is made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import type { TestRedis } from '../support/redis.ts';
import { submitExample, tokenIn, waitForPicture } from './support.ts';
import { startDistributedStack, type DistributedStack } from './distributed.ts';

let stack: DistributedStack;
let redis: TestRedis;
let gateway: GatewayProcess;
let worker: GatewayProcess;

beforeAll(async () => {
  stack = await startDistributedStack({ tmpPrefix: 'mash-e2e-redis-restart-', env: { MASH_RECOVERY_SWEEP_MS: '1000', LOG_LEVEL: 'warn' }, workerEnv: { LOG_LEVEL: 'info' } });
  ({ redis, gateway } = stack);
  worker = stack.workers[0]!;
}, 120_000);

afterAll(() => stack.stop());

describe('Redis killed (SIGKILL) and restarted empty', () => {
  it('keeps the gateway and the worker up, and researches a referral accepted while Redis was away', async () => {
    const pids = [gateway.child.pid, worker.child.pid];
    const intake = await tokenIn(stack.dataDir, 'referral-intake');
    const manager = await tokenIn(stack.dataDir, 'hub-manager');
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
