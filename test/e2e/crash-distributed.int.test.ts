/**
 * Crash safety, fast, with the real processes (docs/decisions.md, "Crash recovery in seconds"):
 * PostgreSQL and Redis started by the test, a gateway and two BullMQ workers as the README starts
 * them. With 200 referrals in flight and publications on their way to the host, both workers are
 * killed with SIGKILL, then Redis is killed and restarted with its data deleted, then the workers
 * start again: what the crash cut off must be done within seconds of the restart, every accepted
 * referral reach `picture-ready`, no lookup be recorded twice, and no product be published twice (a
 * re-send carries the same idempotency key, which the host answers as a replay). Then the same
 * with Redis keeping the jobs the dead workers held, which only BullMQ's stalled-job check frees.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import { EXAMPLE_REFERRAL, tokenIn, waitForPicture } from './support.ts';
import { startDistributedStack, type DistributedStack } from './distributed.ts';

/** Referrals in flight when the workers die. */
const IN_FLIGHT = 200;
/** Referrals taken to publication first, whose deliveries are in flight when the workers die. */
const PUBLISHED = 3;
/**
 * The acceptance bound: the work the crash cut off (the lookups running when the workers died, the
 * publications on their way) done this soon after the workers restart. The rest of the backlog
 * follows at the deployment's throughput (figures in docs/decisions.md, "Crash recovery in seconds").
 */
const RECOVERY_BOUND_MS = 20_000;

let stack: DistributedStack;
let client: pg.Client;
/** The workers, as the deployment runs them: two, both killed. */
let workers: (GatewayProcess | undefined)[] = [];

beforeAll(async () => {
  stack = await startDistributedStack({
    tmpPrefix: 'mash-e2e-crash-distributed-',
    // Household waves off: 200 referrals of five lookups each are the backlog; the waves have their own suites.
    env: (simulators) => ({ MASH_HOST_URL: simulators.host.url, MASH_FAMILY_DEPTH: '0', LOG_LEVEL: 'warn', MASH_JOB_BACKOFF_MS: '200' }),
    workers: 2,
    // The workers' start line is an info line (test/support/gateway-process.ts waits for it).
    workerEnv: { LOG_LEVEL: 'info' },
  });
  workers = [...stack.workers];
  client = new pg.Client({ connectionString: stack.postgres.url });
  await client.connect();
}, 120_000);

afterAll(async () => {
  await client.end();
  for (const worker of workers) await worker?.kill('SIGTERM');
  await stack.stop();
});

/** Starts the two workers again, as the deployment's supervisor would. */
function restartWorkers(): Promise<GatewayProcess[]> {
  return Promise.all([0, 1].map(() => startGatewayProcess({ env: { ...stack.env, LOG_LEVEL: 'info', MASH_ROLE: 'worker' }, waitFor: 'worker' })));
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const rows = await client.query<{ n: number }>(sql, params);
  return rows.rows[0]?.n ?? 0;
}

/** The lookups running now (what a crash at this moment cuts off). */
async function runningLookups(referralIds: readonly string[]): Promise<string[]> {
  return (await client.query<{ id: string }>("SELECT id FROM lookups WHERE status = 'running' AND referral_id = ANY($1)", [referralIds])).rows.map((row) => row.id);
}

/** Waits until none of `lookupIds` is queued or running. */
async function waitFinished(lookupIds: readonly string[], timeoutMs: number): Promise<void> {
  await waitFor(
    async () => ((await count("SELECT count(*)::int AS n FROM lookups WHERE id = ANY($1) AND status IN ('queued', 'running')", [lookupIds])) === 0 ? true : undefined),
    timeoutMs,
    'the lookups the crash cut off to finish',
  );
}

/** Waits until every referral of `ids` reached picture-ready. */
async function waitPictures(ids: readonly string[], timeoutMs: number): Promise<void> {
  await waitFor(
    async () => ((await count("SELECT count(*)::int AS n FROM referrals WHERE id = ANY($1) AND status = 'picture-ready'", [ids])) === ids.length ? true : undefined),
    timeoutMs,
    'every referral to reach picture-ready',
  );
}

/** Each lookup of `ids` recorded once: one completion audit entry, its facts stored once, every one answered. */
async function expectRecordedOnce(ids: readonly string[], connectors: number): Promise<void> {
  const lookups = await count('SELECT count(*)::int AS n FROM lookups WHERE referral_id = ANY($1)', [ids]);
  expect(lookups).toBe(ids.length * connectors);
  const completions = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'lookup.completed' AND referral_id = ANY($1) GROUP BY subject", [ids]);
  expect(completions.rows).toHaveLength(lookups);
  expect(completions.rows.filter((row) => row.n !== 1)).toEqual([]);
  const facts = await client.query<{ n: number; recorded: number }>(
    'SELECT count(*)::int AS n, max(l.fact_count)::int AS recorded FROM facts f JOIN lookups l ON l.id = f.lookup_id WHERE f.referral_id = ANY($1) GROUP BY f.lookup_id',
    [ids],
  );
  expect(facts.rows.length).toBeGreaterThan(0);
  expect(facts.rows.filter((row) => row.n !== row.recorded)).toEqual([]);
  // None given up as failed because the crash took its job.
  const unanswered = await client.query<{ status: string; reason: string | null }>("SELECT status, reason FROM lookups WHERE referral_id = ANY($1) AND status NOT IN ('done', 'partial', 'not-permitted')", [ids]);
  expect(unanswered.rows).toEqual([]);
}

async function post(url: string, token: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('workers stopped and killed with referrals in flight (distributed: PostgreSQL, Redis, a gateway and two workers)', () => {
  const submitter = (): (() => Promise<string>) => {
    const url = `${stack.gateway.url}/v1/referrals`;
    const token = tokenIn(stack.dataDir, 'referral-intake');
    return async () => {
      const answer = await post(url, await token, EXAMPLE_REFERRAL);
      expect(answer.status).toBe(202);
      return ((await answer.json()) as { id: string }).id;
    };
  };
  const submitMany = async (n: number): Promise<string[]> => {
    const submit = submitter();
    const ids: string[] = [];
    while (ids.length < n) ids.push(...(await Promise.all(Array.from({ length: Math.min(20, n - ids.length) }, submit))));
    return ids;
  };
  const slowAgencies = (latencyMs: number): void => {
    for (const agency of Object.values(stack.simulators.agencies)) agency?.setFaults(latencyMs === 0 ? {} : { latencyMs });
  };
  const killWorkers = async (): Promise<void> => {
    for (const worker of workers) await worker?.kill('SIGKILL');
    workers = [];
  };

  it('SIGTERM: both workers finish the lookups they run and exit 0', async () => {
    slowAgencies(2_000);
    const ids = await submitMany(10);
    await waitFor(async () => ((await runningLookups(ids)).length >= 8 ? true : undefined), 30_000, 'lookups to be running');
    const running = await runningLookups(ids);
    const codes = await Promise.all(workers.map((worker) => worker?.kill('SIGTERM') ?? Promise.resolve(null)));
    expect(codes).toEqual(workers.map(() => 0));
    // Drained, not left: every lookup running at SIGTERM was answered and recorded before the exit.
    expect(await count("SELECT count(*)::int AS n FROM lookups WHERE id = ANY($1) AND status IN ('done', 'partial')", [running])).toBe(running.length);
    slowAgencies(0);
    workers = await restartWorkers();
    await waitPictures(ids, 60_000);
    await expectRecordedOnce(ids, stack.simulators.connectors.length);
  }, 120_000);

  it('then Redis restarted with its data deleted: every referral reaches picture-ready, each lookup recorded and each product published once', async () => {
    const { gateway, simulators } = stack;
    const manager = await tokenIn(stack.dataDir, 'hub-manager');

    // Publications in flight: the host takes each product at once but answers late, so the workers die
    // between the host's commit and its answer (simulators/host/server.ts: latency delays the answer).
    const toPublish = await submitMany(PUBLISHED);
    for (const id of toPublish) await waitForPicture(gateway.url, manager, id, 60_000);
    simulators.host.setFaults({ latencyMs: 60_000 });
    for (const id of toPublish) {
      const decided = await post(`${gateway.url}/v1/referrals/${id}/decision`, manager, { rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic.' });
      expect(decided.status).toBe(200);
      const published = await post(`${gateway.url}/v1/referrals/${id}/products`, manager, { withholdUndecided: { rationale: 'Owners not yet available' } });
      expect(published.status).toBe(201);
    }
    await waitFor(() => Promise.resolve(simulators.host.received().length === PUBLISHED ? true : undefined), 30_000, 'the host to hold every product');

    // 200 referrals in flight: slow agencies keep lookups running when the workers die.
    slowAgencies(1_500);
    const ids = await submitMany(IN_FLIGHT);
    await waitFor(async () => ((await runningLookups(ids)).length >= 8 ? true : undefined), 30_000, 'lookups to be running');
    await killWorkers();
    const cutOff = await runningLookups(ids);
    expect(cutOff.length).toBeGreaterThan(0);
    await stack.redis.kill();
    await stack.redis.restart();
    slowAgencies(0);
    simulators.host.setFaults({});

    const restartedAt = Date.now();
    workers = await restartWorkers();
    await waitFinished(cutOff, 60_000);
    await waitFor(async () => ((await count("SELECT count(*)::int AS n FROM outbox WHERE kind = 'publication' AND status = 'delivered'")) === PUBLISHED ? true : undefined), 60_000, 'every publication delivered');
    const recoveredMs = Date.now() - restartedAt;
    const all = [...toPublish, ...ids];
    await waitPictures(all, 150_000);
    const drainedMs = Date.now() - restartedAt;

    await expectRecordedOnce(all, simulators.connectors.length);
    // A crash-cut attempt is counted: each lookup running when the workers died ran at least twice.
    expect(await count('SELECT count(*)::int AS n FROM lookups WHERE id = ANY($1) AND attempts >= 2', [cutOff])).toBe(cutOff.length);
    // No product published twice: one delivery recorded per publication, each product version once at the host
    // (the re-send after the crash carried the same idempotency key: a replay, counted by the host, not a second product).
    const delivered = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'publication.delivered' GROUP BY detail::jsonb->>'outbox'");
    expect(delivered.rows.map((row) => row.n)).toEqual(Array.from({ length: PUBLISHED }, () => 1));
    expect(new Set(simulators.host.received().map((held) => held.key)).size).toBe(PUBLISHED);

    console.info(`Redis wiped: the crash's work done ${recoveredMs} ms after the restart; the whole backlog of ${all.length} referrals ${drainedMs} ms`);
    expect(recoveredMs, `the crash's work done ${recoveredMs} ms after the restart (whole backlog: ${drainedMs} ms)`).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
  }, 300_000);

  it('with Redis keeping the jobs they held: the stalled-job check frees them within seconds of the restart', async () => {
    slowAgencies(3_000);
    const ids = await submitMany(40);
    await waitFor(async () => ((await runningLookups(ids)).length >= 8 ? true : undefined), 30_000, 'lookups to be running');
    // Redis still holds the killed workers' jobs as active and locked: only the stalled-job check frees them.
    await killWorkers();
    const cutOff = await runningLookups(ids);
    expect(cutOff.length).toBeGreaterThan(0);
    slowAgencies(0);

    const restartedAt = Date.now();
    workers = await restartWorkers();
    await waitFinished(cutOff, 90_000);
    const recoveredMs = Date.now() - restartedAt;
    await waitPictures(ids, 90_000);
    await expectRecordedOnce(ids, stack.simulators.connectors.length);
    console.info(`Redis kept: the crash's work done ${recoveredMs} ms after the restart`);
    expect(recoveredMs, `the crash's work done ${recoveredMs} ms after the restart`).toBeLessThanOrEqual(RECOVERY_BOUND_MS);
  }, 240_000);
});
