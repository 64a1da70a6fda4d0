/**
 * Research follows the referral, not the wave (DESIGN.md rule 4, risk-led timing; docs/decisions.md
 * "Priority follows the referral"), proved on the real processes with the queue backed up: the
 * agency simulators in their own process answer every request after 300 ms, and the gateway
 * runs one lookup at a time (`MASH_WORKER_CONCURRENCY=1`), so whatever the job engine picks next
 * is the order. Embedded (`node src/main.ts`, PGlite, the in-process runner) and distributed
 * (PostgreSQL, Redis, a gateway and a BullMQ worker).
 *
 * Order is read from the store, through the status view: a lookup that *started* while the
 * referral under test was being researched, and belongs to another referral, jumped ahead of it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import { startSimulatorsProcess, type SimulatorsProcess } from '../support/simulators-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { TEST_AUDIT_SIGNING_KEY } from '../support/audit-key.ts';
import { EXAMPLE_REFERRAL, tokenIn } from './support.ts';

interface LookupTimes {
  readonly id: string;
  readonly wave: number;
  readonly status: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}
interface Status {
  readonly status: string;
  readonly pictureReadyAt: string | null;
  readonly lookups: LookupTimes[];
}

/** Lookups of other referrals that may start while one is researched: the one already running, and those picked between its waves (while its next wave is planned). */
const MOST_INTERLOPERS = 4;
const LATENCY = { medianMs: 300, p99Ms: 300 };

/** A gateway under test: where it answers and the tokens to ask it with. */
interface Target {
  readonly url: string;
  readonly intake: string;
  readonly manager: string;
}

const submitted: string[] = [];

async function submit(target: Target, rag: 'red' | 'green', reference: string): Promise<string> {
  const response = await fetch(`${target.url}/v1/referrals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.intake}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...(EXAMPLE_REFERRAL as Record<string, unknown>), rag, externalReference: reference }),
  });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  submitted.push(id);
  return id;
}

/** Submits `count` green referrals, eight at a time. */
async function submitGreens(target: Target, count: number, prefix: string): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        next += 1;
        await submit(target, 'green', `${prefix}-${next}`);
      }
    }),
  );
}

async function status(target: Target, id: string): Promise<Status> {
  const response = await fetch(`${target.url}/v1/referrals/${id}`, { headers: { authorization: `Bearer ${target.manager}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Status;
}

function pictureReady(target: Target, id: string): Promise<Status> {
  return waitFor(async () => {
    const view = await status(target, id);
    return view.status === 'picture-ready' ? view : undefined;
  }, 90_000, `referral ${id} to be researched`);
}

/** Lookups of every other referral submitted so far that started inside (from, to). */
async function startedBetween(target: Target, except: string, from: number, to: number): Promise<number> {
  const others = submitted.filter((id) => id !== except);
  let count = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < others.length) {
        const id = others[next];
        next += 1;
        if (id === undefined) continue;
        for (const lookup of (await status(target, id)).lookups) {
          const started = lookup.startedAt === null ? undefined : Date.parse(lookup.startedAt);
          if (started !== undefined && started > from && started < to) count += 1;
        }
      }
    }),
  );
  return count;
}

const lastFinished = (lookups: readonly LookupTimes[]): number => Math.max(...lookups.map((l) => (l.finishedAt === null ? Number.NaN : Date.parse(l.finishedAt))));

/** The three orderings, against one gateway whose queue backs up. */
function orderingSuite(target: () => Target): void {
  it("runs a referral's second wave before the first waves of referrals received after it", async () => {
    const t = target();
    const first = await submit(t, 'green', 'ORDER-FIRST');
    // Forty later referrals of the same rating queue 200 first-wave lookups behind its first wave.
    await submitGreens(t, 40, 'ORDER-LATER');
    const done = await pictureReady(t, first);
    const secondWave = done.lookups.filter((l) => l.wave === 2);
    expect(secondWave.length).toBeGreaterThan(0);
    const firstWaveEnd = lastFinished(done.lookups.filter((l) => l.wave === 1));
    // Between its first wave's end and its second wave's end, hardly anything else ran.
    expect(await startedBetween(t, first, firstWaveEnd, lastFinished(secondWave))).toBeLessThanOrEqual(MOST_INTERLOPERS);
  }, 180_000);

  it('moves the pending lookups of a referral changed from green to red ahead of the queue', async () => {
    const t = target();
    await submitGreens(t, 40, 'RERATE-AHEAD');
    const rerated = await submit(t, 'green', 'RERATE');
    const changedAt = Date.now();
    const decided = await fetch(`${t.url}/v1/referrals/${rerated}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.manager}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic: a second concern raised the risk.' }),
    });
    expect(decided.status).toBe(200);
    const done = await pictureReady(t, rerated);
    expect(done.lookups.every((l) => l.startedAt !== null && Date.parse(l.startedAt) >= changedAt - 1_000)).toBe(true);
    expect(await startedBetween(t, rerated, changedAt, lastFinished(done.lookups))).toBeLessThanOrEqual(MOST_INTERLOPERS);
  }, 180_000);

  it('finishes the lookups of a red referral submitted behind 500 queued green ones first', async () => {
    const t = target();
    await submitGreens(t, 500, 'BACKLOG');
    const red = await submit(t, 'red', 'RED-BEHIND');
    const submittedAt = Date.now();
    const done = await pictureReady(t, red);
    expect(await startedBetween(t, red, submittedAt, lastFinished(done.lookups))).toBeLessThanOrEqual(MOST_INTERLOPERS);
  }, 300_000);
}

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
    submitted.length = 0;
  });

  orderingSuite(() => target);
});

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
    submitted.length = 0;
  });

  orderingSuite(() => target);
});
