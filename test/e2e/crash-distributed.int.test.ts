/**
 * Crash safety, fast, with the real processes (docs/decisions.md, "Crash recovery in seconds"):
 * PostgreSQL and Redis started by the test, a gateway and a BullMQ worker as the README starts them.
 * With 200 referrals in flight and publications on their way to the host, the worker is killed
 * with SIGKILL, then Redis is killed and restarted with its data deleted, then the worker starts
 * again. Every accepted referral must reach `picture-ready` within seconds of the restart, no lookup
 * be recorded twice, and no product be published twice (a re-send carries the same idempotency
 * key, which the host answers as a replay).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import { EXAMPLE_REFERRAL, tokenIn, waitForPicture } from './support.ts';
import { startDistributedStack, type DistributedStack } from './distributed.ts';

/** Referrals in flight when the worker dies. */
const IN_FLIGHT = 200;
/** Referrals taken to publication first, whose deliveries are in flight when the worker dies. */
const PUBLISHED = 3;
/** The acceptance bound: the backlog drained this soon after the worker restarts. */
const DRAIN_BOUND_MS = 20_000;

let stack: DistributedStack;
let client: pg.Client;
let worker: GatewayProcess | undefined;

beforeAll(async () => {
  stack = await startDistributedStack({
    tmpPrefix: 'mash-e2e-crash-distributed-',
    // Household waves off: 200 referrals of five lookups each are the backlog; the waves have their own suites.
    env: (simulators) => ({ MASH_HOST_URL: simulators.host.url, MASH_FAMILY_DEPTH: '0', LOG_LEVEL: 'info', MASH_JOB_BACKOFF_MS: '200' }),
    workerEnv: { MASH_WORKER_CONCURRENCY: '16' },
  });
  worker = stack.workers[0];
  client = new pg.Client({ connectionString: stack.postgres.url });
  await client.connect();
}, 120_000);

afterAll(async () => {
  await client.end();
  await worker?.kill('SIGTERM');
  await stack.stop();
});

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const rows = await client.query<{ n: number }>(sql, params);
  return rows.rows[0]?.n ?? 0;
}

async function post(url: string, token: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('worker SIGKILLed, then Redis restarted with its data deleted, with 200 referrals in flight', () => {
  it('brings every referral to picture-ready within seconds, recording each lookup and publishing each product once', async () => {
    const { gateway, simulators } = stack;
    const intake = await tokenIn(stack.dataDir, 'referral-intake');
    const manager = await tokenIn(stack.dataDir, 'hub-manager');
    const submit = async (): Promise<string> => {
      const answer = await post(`${gateway.url}/v1/referrals`, intake, EXAMPLE_REFERRAL);
      expect(answer.status).toBe(202);
      return ((await answer.json()) as { id: string }).id;
    };

    // Publications in flight: the host takes each product at once but answers late, so the worker dies
    // between the host's commit and the answer (simulators/host/server.ts: latency delays the answer).
    const toPublish = await Promise.all(Array.from({ length: PUBLISHED }, submit));
    for (const id of toPublish) await waitForPicture(gateway.url, manager, id, 60_000);
    simulators.host.setFaults({ latencyMs: 60_000 });
    for (const id of toPublish) {
      const decided = await post(`${gateway.url}/v1/referrals/${id}/decision`, manager, { rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic.' });
      expect(decided.status).toBe(200);
      const published = await post(`${gateway.url}/v1/referrals/${id}/products`, manager, { withholdUndecided: { rationale: 'Owners not yet available' } });
      expect(published.status).toBe(201);
    }
    await waitFor(() => Promise.resolve(simulators.host.received().length === PUBLISHED ? true : undefined), 30_000, 'the host to hold every product');

    // 200 referrals in flight: slow agencies keep their lookups running when the worker dies.
    for (const agency of Object.values(simulators.agencies)) agency.setFaults({ latencyMs: 1_500 });
    const ids: string[] = [];
    for (let batch = 0; batch < IN_FLIGHT / 20; batch += 1) ids.push(...(await Promise.all(Array.from({ length: 20 }, submit))));
    await waitFor(async () => ((await count("SELECT count(*)::int AS n FROM lookups WHERE status = 'running'")) >= 8 ? true : undefined), 30_000, 'lookups to be running');

    await worker?.kill('SIGKILL');
    worker = undefined;
    await stack.redis.kill();
    await stack.redis.restart();
    for (const agency of Object.values(simulators.agencies)) agency.setFaults({});
    simulators.host.setFaults({});
    const runningAtCrash = await count("SELECT count(*)::int AS n FROM lookups WHERE status = 'running'");
    expect(runningAtCrash).toBeGreaterThan(0);

    const restartedAt = Date.now();
    worker = await startGatewayProcess({ env: { ...stack.env, MASH_WORKER_CONCURRENCY: '16', MASH_ROLE: 'worker' }, waitFor: 'worker' });
    const all = [...toPublish, ...ids];
    await waitFor(
      async () => ((await count("SELECT count(*)::int AS n FROM referrals WHERE id = ANY($1) AND status = 'picture-ready'", [all])) === all.length ? true : undefined),
      60_000,
      'every referral to reach picture-ready',
    );
    const picturesMs = Date.now() - restartedAt;
    await waitFor(async () => ((await count("SELECT count(*)::int AS n FROM outbox WHERE kind = 'publication' AND status = 'delivered'")) === PUBLISHED ? true : undefined), 60_000, 'every publication delivered');
    const drainedMs = Date.now() - restartedAt;

    // No lookup recorded twice: one completion audit entry per lookup, and its facts stored once.
    const lookups = await count('SELECT count(*)::int AS n FROM lookups WHERE referral_id = ANY($1)', [all]);
    expect(lookups).toBe(all.length * simulators.connectors.length);
    const completions = await client.query<{ subject: string; n: number }>(
      "SELECT subject, count(*)::int AS n FROM audit_log WHERE action = 'lookup.completed' AND referral_id = ANY($1) GROUP BY subject",
      [all],
    );
    expect(completions.rows).toHaveLength(lookups);
    expect(completions.rows.filter((row) => row.n !== 1)).toEqual([]);
    const factCounts = await client.query<{ lookup_id: string; n: number; recorded: number }>(
      'SELECT f.lookup_id, count(*)::int AS n, max(l.fact_count)::int AS recorded FROM facts f JOIN lookups l ON l.id = f.lookup_id WHERE f.referral_id = ANY($1) GROUP BY f.lookup_id',
      [all],
    );
    expect(factCounts.rows.length).toBeGreaterThan(0);
    expect(factCounts.rows.filter((row) => row.n !== row.recorded)).toEqual([]);
    // Every lookup answered: none given up as failed because the crash took its job.
    const unanswered = await client.query<{ status: string; reason: string | null }>("SELECT status, reason FROM lookups WHERE referral_id = ANY($1) AND status NOT IN ('done', 'partial', 'not-permitted')", [all]);
    expect(unanswered.rows).toEqual([]);
    // Crash-interrupted attempts are counted: a lookup running when the worker died ran at least twice.
    expect(await count('SELECT count(*)::int AS n FROM lookups WHERE referral_id = ANY($1) AND attempts >= 2', [all])).toBeGreaterThanOrEqual(runningAtCrash);

    // No product published twice: one delivery recorded per publication, one product version per key at the host.
    const delivered = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'publication.delivered' GROUP BY subject, detail::jsonb->>'outbox'");
    expect(delivered.rows.map((row) => row.n)).toEqual(Array.from({ length: PUBLISHED }, () => 1));
    const held = simulators.host.received();
    expect(new Set(held.map((h) => h.key)).size).toBe(PUBLISHED);

    expect(drainedMs, `backlog drained ${drainedMs} ms after the restart (pictures ready after ${picturesMs} ms)`).toBeLessThanOrEqual(DRAIN_BOUND_MS);
  }, 240_000);
});
