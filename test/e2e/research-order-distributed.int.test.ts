/**
 * Research follows the referral, not the wave (DESIGN.md rule 4, risk-led timing; docs/decisions.md
 * "Priority follows the referral"), proved on the distributed deployment with the queue backed up:
 * PostgreSQL, Redis, a gateway and one BullMQ worker running one lookup at a time
 * (`MASH_WORKER_CONCURRENCY=1`), the agency simulators in their own process answering every request
 * after 300 ms, so whatever the job engine picks next is the order. The orderings are in
 * test/e2e/research-order.ts; the embedded deployment has its own file.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { startSimulatorsProcess, type SimulatorsProcess } from '../support/simulators-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { TEST_AUDIT_SIGNING_KEY } from '../support/audit-key.ts';
import { tokenIn } from './support.ts';
import { forgetSubmitted, LATENCY, orderingSuite, type Target } from './research-order.ts';

describe('research order on the distributed deployment (PostgreSQL, Redis, gateway + one BullMQ worker)', () => {
  let simulators: SimulatorsProcess | undefined;
  let postgres: TestPostgres | undefined;
  let redis: TestRedis | undefined;
  const processes: GatewayProcess[] = [];
  const tmp = makeTempDir('mash-order-distributed-');
  let target: Target;

  beforeAll(async () => {
    const [sims, pg, rd] = await Promise.all([startSimulatorsProcess(), startPostgres(), startRedis()]);
    [simulators, postgres, redis] = [sims, pg, rd];
    await sims.setTraffic({ latency: LATENCY });
    const env = {
      MASH_DATA_DIR: tmp.dir,
      DATABASE_URL: pg.url,
      REDIS_URL: rd.url,
      MASH_CONNECTORS: sims.connectorsFile(tmp.dir),
      MASH_HOST_URL: sims.hostUrl,
      MASH_MASTER_KEY: randomBytes(32).toString('base64'),
      MASH_AUDIT_SIGNING_KEY: TEST_AUDIT_SIGNING_KEY,
      MASH_WORKER_CONCURRENCY: '1',
      LOG_LEVEL: 'warn',
    };
    const gateway = await startGatewayProcess({ env: { ...env, MASH_ROLE: 'gateway' }, timeoutMs: 60_000 });
    processes.push(gateway);
    processes.push(await startGatewayProcess({ env: { ...env, MASH_ROLE: 'worker', LOG_LEVEL: 'info' }, waitFor: 'worker', timeoutMs: 60_000 }));
    target = { url: gateway.url, intake: await tokenIn(tmp.dir, 'referral-intake'), manager: await tokenIn(tmp.dir, 'hub-manager') };
  }, 120_000);

  afterAll(async () => {
    for (const p of processes.reverse()) await p.kill('SIGKILL');
    await simulators?.stop();
    await redis?.stop();
    await postgres?.stop();
    tmp.remove();
    forgetSubmitted();
  });

  orderingSuite(() => target);
});
