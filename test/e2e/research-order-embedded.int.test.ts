/**
 * Research follows the referral, not the wave (DESIGN.md rule 4, risk-led timing; docs/decisions.md
 * "Priority follows the referral"), proved on the real embedded process with the queue backed up:
 * the agency simulators in their own process answer every request after 300 ms, and the gateway
 * (`node src/main.ts`, PGlite, the in-process runner) runs one lookup at a time
 * (`MASH_WORKER_CONCURRENCY=1`), so whatever the job engine picks next is the order. The
 * orderings are in test/e2e/research-order.ts; the distributed deployment has its own file.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { startSimulatorsProcess, type SimulatorsProcess } from '../support/simulators-process.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { makeTempDir } from '../support/tmp.ts';
import { tokenIn } from './support.ts';
import { forgetSubmitted, LATENCY, orderingSuite, type Target } from './research-order.ts';

describe('research order on the embedded gateway (node src/main.ts, one lookup at a time)', () => {
  let simulators: SimulatorsProcess | undefined;
  let gateway: GatewayProcess | undefined;
  const tmp = makeTempDir('mash-order-embedded-');
  let target: Target;

  beforeAll(async () => {
    const sims = await startSimulatorsProcess();
    simulators = sims;
    await sims.setTraffic({ latency: LATENCY });
    seedEmbeddedStore(tmp.dir); // the run's empty PGlite cluster (test/support/templates.ts)
    const started = await startGatewayProcess({
      env: {
        MASH_DATA_DIR: tmp.dir,
        MASH_CONNECTORS: sims.connectorsFile(tmp.dir),
        MASH_HOST_URL: sims.hostUrl,
        MASH_MASTER_KEY: randomBytes(32).toString('base64'),
        MASH_WORKER_CONCURRENCY: '1',
        LOG_LEVEL: 'warn',
      },
      timeoutMs: 60_000,
    });
    gateway = started;
    target = { url: started.url, intake: await tokenIn(tmp.dir, 'referral-intake'), manager: await tokenIn(tmp.dir, 'hub-manager') };
  }, 90_000);

  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    await simulators?.stop();
    tmp.remove();
    forgetSubmitted();
  });

  orderingSuite(() => target);
});
