/**
 * A connector's health figures counted from the store (docs/decisions.md "Connector
 * administration"), on both stores: a seeded set of lookups and live tests with known latencies
 * and outcomes gives known p50/p95 (continuous percentiles), error rates and last success and
 * failure over the last hour, day and week; lookups that never reached the agency, other
 * connectors' and unfinished ones are not counted.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorHealthFigures, healthStatus, recordConnectorTest } from '../../src/store/connector-health.ts';
import type { Db } from '../../src/store/db.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const minutesAgo = (m: number): Date => new Date(NOW.getTime() - m * 60_000);

describe.each(STORE_KINDS)('connector health figures on $name', (kind) => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestStore(kind));
    const referralId = randomUUID();
    await db.query(
      `INSERT INTO referrals (id, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, submitted_by, sealed_body) VALUES ($1, 'researching', 'red', 'child-protection', now(), now(), now(), 'test', '\\x00'::bytea)`,
      [referralId],
    );
    let n = 0;
    const lookup = async (connectorId: string, status: string, finishedMinutesAgo: number | null, latencyMs: number): Promise<void> => {
      n += 1;
      const finished = finishedMinutesAgo === null ? null : minutesAgo(finishedMinutesAgo);
      const started = finished === null ? minutesAgo(1) : new Date(finished.getTime() - latencyMs);
      await db.query('INSERT INTO lookups (id, referral_id, connector_id, agency, subject_ref, status, started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
        `lkp_health_${n}`,
        referralId,
        connectorId,
        'police',
        `s${n}`,
        status,
        started,
        finished,
      ]);
    };
    // The last hour: ten answered lookups of 100 … 1000 ms, the 900 and 1000 ms ones failed.
    for (let i = 1; i <= 10; i += 1) await lookup('police-health', i === 9 ? 'failed' : i === 10 ? 'timed-out' : i % 2 === 0 ? 'partial' : 'done', 50 - i, i * 100);
    // Three hours ago, a live test that passed in 50 ms (the day and the week).
    await recordConnectorTest(db, { connectorId: 'police-health', version: 1, at: minutesAgo(180), ok: true, durationMs: 50, failedStep: null, testedBy: 'test-admin' });
    // Two days ago, a lookup that failed after 5 s (the week only).
    await lookup('police-health', 'failed', 2 * 24 * 60, 5_000);
    // Not counted: ten days ago; never sent (not permitted); still running; another connector's.
    await lookup('police-health', 'failed', 10 * 24 * 60, 99_000);
    await lookup('police-health', 'not-permitted', 5, 0);
    await lookup('police-health', 'running', null, 0);
    await lookup('police-other', 'failed', 5, 7_000);
  }, 120_000);

  afterAll(async () => {
    await close();
  });

  it('gives p50, p95, the error rate and the counts of each window', async () => {
    const report = await connectorHealthFigures(db, 'police-health', NOW);
    expect(report.windows.hour).toEqual({ outcomes: 10, failures: 2, errorRate: 0.2, p50Ms: 550, p95Ms: 955, lookups: 10, tests: 0 });
    // With the 50 ms test: 11 values, the middle one 500; p95 between 900 and 1000.
    expect(report.windows.day).toEqual({ outcomes: 11, failures: 2, errorRate: 2 / 11, p50Ms: 500, p95Ms: 950, lookups: 10, tests: 1 });
    // With the 5 s failure: p95 at 10.45 of 0 … 11, between 1000 and 5000.
    expect(report.windows.week).toEqual({ outcomes: 12, failures: 3, errorRate: 0.25, p50Ms: 550, p95Ms: 2800, lookups: 11, tests: 1 });
  });

  it('gives the last success and the last failure', async () => {
    const report = await connectorHealthFigures(db, 'police-health', NOW);
    // The latest success is the 800 ms lookup (finished 42 minutes ago); the latest failure the 1000 ms one (40).
    expect(report.lastSuccessAt).toBe(minutesAgo(42).toISOString());
    expect(report.lastFailureAt).toBe(minutesAgo(40).toISOString());
    expect(healthStatus(report, { state: 'closed', since: null })).toBe('red');
  });

  it('counts nothing for a connector with no outcomes, and a passing test turns it green', async () => {
    const empty = await connectorHealthFigures(db, 'police-new', NOW);
    expect(empty.windows.week).toEqual({ outcomes: 0, failures: 0, errorRate: null, p50Ms: null, p95Ms: null, lookups: 0, tests: 0 });
    expect(healthStatus(empty, { state: 'closed', since: null })).toBe('unknown');
    await recordConnectorTest(db, { connectorId: 'police-new', version: 1, at: minutesAgo(3), ok: false, durationMs: 2, failedStep: 'connect', testedBy: 'test-admin' });
    expect(healthStatus(await connectorHealthFigures(db, 'police-new', NOW), { state: 'closed', since: null })).toBe('red');
    await recordConnectorTest(db, { connectorId: 'police-new', version: 2, at: minutesAgo(1), ok: true, durationMs: 40, failedStep: null, testedBy: 'test-admin' });
    const tested = await connectorHealthFigures(db, 'police-new', NOW);
    expect(tested.windows.hour).toMatchObject({ outcomes: 2, failures: 1, errorRate: 0.5, tests: 2 });
    expect(healthStatus(tested, { state: 'closed', since: null })).toBe('green');
    // A breaker that opened after the last success keeps it red; one that opened before does not.
    expect(healthStatus(tested, { state: 'open', since: NOW.toISOString() })).toBe('red');
    expect(healthStatus(tested, { state: 'open', since: minutesAgo(2).toISOString() })).toBe('green');
  });
});
