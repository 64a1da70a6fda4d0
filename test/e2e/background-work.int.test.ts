/**
 * The background work of the real product (`node src/main.ts`) runs as job kinds of the one
 * engine (docs/decisions.md, "One job engine, one retry policy"), in both deployment modes:
 * - embedded: one process, PGlite and the in-process runner;
 * - distributed: a gateway and two BullMQ workers on PostgreSQL and Redis.
 * A referral is researched, decided, published and closed with a retention period of 0 days: the
 * product reaches the host, the contributing agencies hear the outcome, the retention job
 * destroys the case's content (once, though two workers run the schedule), committed audit
 * entries get sealed and, embedded, a signed checkpoint appears — none of it asked for by a
 * request. SIGTERM then drains each process within its grace period (exit code 0).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../src/model/principal.ts';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { startDistributedStack, type DistributedStack } from './distributed.ts';
import { submitExample, tokenIn, waitForPicture } from './support.ts';

// Retention destroys a closed case's content 0 days after publication, swept every 300 ms.
const WORK_ENV = { MASH_RETENTION_DAYS: '0', MASH_RETENTION_SWEEP_MS: '300' };

interface Deployment {
  readonly url: string;
  readonly dataDir: string;
  /** What the host case system received: product keys. */
  hostReceived(): Promise<string[]>;
  /** Stops every process with SIGTERM; their exit codes. */
  drain(): Promise<(number | null)[]>;
  stop(): Promise<void>;
}

async function embedded(): Promise<Deployment> {
  const tmp = makeTempDir('mash-e2e-background-');
  seedEmbeddedStore(tmp.dir); // the run's empty PGlite cluster (test/support/templates.ts)
  // A checkpoint as soon as the chain head moves: the checkpoint job, not a request, signs it.
  const gateway = await startGatewayProcess({ env: { MASH_DATA_DIR: tmp.dir, MASH_AUDIT_CHECKPOINT_EVERY: '1', ...WORK_ENV } });
  const hostUrl = /host case system simulator: (http:\/\/\S+)/.exec(gateway.output())?.[1];
  if (hostUrl === undefined) throw new Error(`no host simulator in the banner:\n${gateway.output()}`);
  let stopped = false;
  return {
    url: gateway.url,
    dataDir: tmp.dir,
    async hostReceived() {
      const body = (await (await fetch(`${hostUrl}/mash-products`)).json()) as { products: { key: string }[] };
      return body.products.map((p) => p.key);
    },
    async drain() {
      stopped = true;
      return [await gateway.kill('SIGTERM')];
    },
    async stop() {
      if (!stopped) await gateway.kill('SIGTERM');
      tmp.remove();
    },
  };
}

let stack: DistributedStack | undefined;

async function distributed(): Promise<Deployment> {
  stack = await startDistributedStack({ tmpPrefix: 'mash-e2e-background-dist-', workers: 2, env: (sims) => ({ MASH_HOST_URL: sims.host.url, ...WORK_ENV }) });
  const { simulators } = stack;
  const processes: GatewayProcess[] = [stack.gateway, ...stack.workers];
  return {
    url: stack.gateway.url,
    dataDir: stack.dataDir,
    hostReceived: () => Promise.resolve(simulators.host.received().map((r) => r.key)),
    async drain() {
      const codes: (number | null)[] = [];
      for (const process of [...processes].reverse()) codes.push(await process.kill('SIGTERM'));
      return codes;
    },
    stop: () => stack?.stop() ?? Promise.resolve(),
  };
}

describe.each([
  ['embedded (PGlite + in-process runner)', embedded, false],
  ['distributed (PostgreSQL + Redis + two BullMQ workers)', distributed, true],
])('background work as job kinds — %s', (_mode, deploy, isDistributed) => {
  let deployment: Deployment;
  let referralId: string;
  const call = async (role: Role, method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${deployment.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${await tokenIn(deployment.dataDir, role)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  beforeAll(async () => {
    deployment = await deploy();
  }, 120_000);

  afterAll(async () => {
    await deployment.stop();
  });

  it('publishes to the host and tells the agencies, with no request driving the delivery', async () => {
    referralId = await submitExample(deployment.url, await tokenIn(deployment.dataDir, 'referral-intake'));
    await waitForPicture(deployment.url, await tokenIn(deployment.dataDir, 'hub-manager'), referralId, 60_000);
    const decided = await call('hub-manager', 'POST', `/v1/referrals/${referralId}/decision`, { rag: 'green', outcome: 'no-further-action', rationale: 'Synthetic: no further action.' });
    expect(decided.status).toBe(200);
    const { notified } = (await decided.json()) as { notified: number };
    const published = await call('hub-manager', 'POST', `/v1/referrals/${referralId}/products`, { withholdUndecided: { rationale: 'Synthetic: owners not yet available.' } });
    expect(published.status).toBe(201);
    const { productId, version } = (await published.json()) as { productId: string; version: number };

    await waitFor(async () => ((await deployment.hostReceived()).includes(`${productId}-v${version}`) ? true : undefined), 20_000, 'the host to receive the product');
    expect(notified).toBeGreaterThan(0);
    await waitFor(async () => {
      const told = await call('auditor', 'GET', `/v1/audit/entries?referralId=${referralId}&action=feedback.delivered`);
      return ((await told.json()) as { entries: unknown[] }).entries.length === notified ? true : undefined;
    }, 20_000, 'the agencies to hear the outcome');
  }, 90_000);

  it('destroys the closed case under retention, once, and seals and checkpoints the audit trail on schedule', async () => {
    const closed = await call('hub-manager', 'POST', `/v1/referrals/${referralId}/close`, { rationale: 'Synthetic: case closed.' });
    expect(closed.status).toBe(200);

    await waitFor(async () => ((await call('hub-manager', 'GET', `/v1/referrals/${referralId}/picture`)).status === 410 ? true : undefined), 20_000, 'retention to destroy the content');

    if (stack !== undefined && isDistributed) {
      const client = new pg.Client({ connectionString: stack.postgres.url });
      await client.connect();
      try {
        // Two workers run the retention schedule; one run at a time destroys the case once.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        const destroyed = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'retention.destroyed' AND referral_id = $1", [referralId]);
        expect(destroyed.rows[0]?.n).toBe(1);
        // The seal job chains what committed, though no request asked (every API read seals first).
        await waitFor(async () => {
          const unsealed = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE seq IS NULL');
          return unsealed.rows[0]?.n === 0 ? true : undefined;
        }, 10_000, 'the audit entries to be sealed');
      } finally {
        await client.end();
      }
    } else {
      const verified = await call('auditor', 'GET', '/v1/audit/verify');
      expect(verified.status).toBe(200);
      const result = (await verified.json()) as { ok: boolean; checkpoints: number };
      expect(result.ok).toBe(true);
      expect(result.checkpoints).toBeGreaterThan(0);
      const destroyed = await call('auditor', 'GET', `/v1/audit/entries?referralId=${referralId}&action=retention.destroyed`);
      expect(((await destroyed.json()) as { entries: unknown[] }).entries).toHaveLength(1);
    }
  }, 60_000);

  it('drains on SIGTERM within the grace period', async () => {
    expect(await deployment.drain()).toEqual(isDistributed ? [0, 0, 0] : [0]);
  }, 60_000);
});
