/**
 * Each connector's circuit breaker as the processes report it (docs/decisions.md "Resilient
 * connectors"): every worker keeps its own breaker, and writes each change here, so the
 * administrators and the recovery sweep read one state whichever process saw it.
 */
import type { Sql } from './db.ts';

export type StoredBreakerState = 'closed' | 'open' | 'half-open';

export interface ConnectorHealth {
  readonly connectorId: string;
  readonly breaker: StoredBreakerState;
  readonly since: string | null;
  /** Why it opened: the failure's code and reason (never a payload). */
  readonly reason: string | null;
}

/** Records a breaker change; an older report than the one stored is ignored. Half-open keeps the reason it opened for. */
export async function recordBreakerChange(sql: Sql, change: { connectorId: string; state: StoredBreakerState; at: Date; reason: string | null }): Promise<void> {
  await sql.query(
    `INSERT INTO connector_health (connector_id, breaker, breaker_since, breaker_reason) VALUES ($1, $2, $3, $4)
     ON CONFLICT (connector_id) DO UPDATE SET breaker = EXCLUDED.breaker, breaker_since = EXCLUDED.breaker_since,
       breaker_reason = CASE WHEN EXCLUDED.breaker = 'half-open' THEN connector_health.breaker_reason ELSE EXCLUDED.breaker_reason END
     WHERE connector_health.breaker_since IS NULL OR connector_health.breaker_since <= EXCLUDED.breaker_since`,
    [change.connectorId, change.state, change.at, change.reason],
  );
}

/** Every connector's recorded breaker state (connectors never reported are closed). */
export async function listConnectorHealth(sql: Sql): Promise<ConnectorHealth[]> {
  const rows = await sql.query<{ connector_id: string; breaker: StoredBreakerState; breaker_since: Date | null; breaker_reason: string | null }>(
    'SELECT connector_id, breaker, breaker_since, breaker_reason FROM connector_health ORDER BY connector_id',
  );
  return rows.map((row) => ({
    connectorId: row.connector_id,
    breaker: row.breaker,
    since: row.breaker_since === null ? null : new Date(row.breaker_since).toISOString(),
    reason: row.breaker_reason,
  }));
}

/** A live test an administrator ran (src/research/connector-check.ts): counted in the connector's health beside its lookups. */
export async function recordConnectorTest(sql: Sql, test: { connectorId: string; version: number; at: Date; ok: boolean; durationMs: number; failedStep: string | null; testedBy: string }): Promise<void> {
  await sql.query('INSERT INTO connector_tests (connector_id, version, at, ok, duration_ms, failed_step, tested_by) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    test.connectorId,
    test.version,
    test.at,
    test.ok,
    Math.round(test.durationMs),
    test.failedStep,
    test.testedBy,
  ]);
}

/** The windows health is counted over. */
export const HEALTH_WINDOWS = ['hour', 'day', 'week'] as const;
export type HealthWindow = (typeof HEALTH_WINDOWS)[number];

/** One window's figures: answered lookups and live tests together (a successful test is a success). */
export interface HealthFigures {
  /** Outcomes counted: lookups that reached an agency's answer or failure, and live tests. */
  readonly outcomes: number;
  readonly failures: number;
  /** failures / outcomes; null with no outcomes. */
  readonly errorRate: number | null;
  /** Latency from start to finish in milliseconds (continuous percentiles); null with no outcomes. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
  readonly lookups: number;
  readonly tests: number;
}

export interface ConnectorHealthReport {
  readonly windows: Readonly<Record<HealthWindow, HealthFigures>>;
  readonly lastSuccessAt: string | null;
  readonly lastFailureAt: string | null;
}

interface FiguresRow {
  window: HealthWindow;
  outcomes: number | string;
  failures: number | string;
  lookups: number | string;
  tests: number | string;
  p50: number | string | null;
  p95: number | string | null;
  last_success: Date | string | null;
  last_failure: Date | string | null;
}

/**
 * A connector's health over the last hour, day and week, counted from the store: its lookups that
 * finished with the agency's answer (`done`, `partial`) or a failure (`failed`, `timed-out`) —
 * not-permitted lookups never reached it — and the live tests administrators ran. Latency is
 * finish less start (a lookup's retries included: what the picture waited). PostgreSQL 15 SQL.
 */
export async function connectorHealthFigures(sql: Sql, connectorId: string, now: Date): Promise<ConnectorHealthReport> {
  const rows = await sql.query<FiguresRow>(
    `WITH outcomes AS (
       SELECT finished_at AS at, status IN ('failed', 'timed-out') AS failed,
              EXTRACT(EPOCH FROM (finished_at - started_at)) * 1000 AS ms, 1 AS lookup, 0 AS test
         FROM lookups
        WHERE connector_id = $1 AND finished_at IS NOT NULL AND started_at IS NOT NULL AND status IN ('done', 'partial', 'failed', 'timed-out')
       UNION ALL
       SELECT at, NOT ok, duration_ms, 0, 1 FROM connector_tests WHERE connector_id = $1
     ), windows (window_name, since) AS (
       VALUES ('hour', $2::timestamptz - interval '1 hour'), ('day', $2::timestamptz - interval '1 day'), ('week', $2::timestamptz - interval '7 days')
     )
     SELECT w.window_name AS window,
            count(o.at) AS outcomes,
            count(o.at) FILTER (WHERE o.failed) AS failures,
            coalesce(sum(o.lookup), 0) AS lookups,
            coalesce(sum(o.test), 0) AS tests,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY o.ms) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY o.ms) AS p95,
            (SELECT max(at) FROM outcomes WHERE NOT failed) AS last_success,
            (SELECT max(at) FROM outcomes WHERE failed) AS last_failure
       FROM windows AS w
       LEFT JOIN outcomes AS o ON o.at > w.since AND o.at <= $2::timestamptz
      GROUP BY w.window_name`,
    [connectorId, now],
  );
  const windows = Object.fromEntries(
    HEALTH_WINDOWS.map((name) => {
      const row = rows.find((r) => r.window === name);
      const outcomes = Number(row?.outcomes ?? 0);
      const failures = Number(row?.failures ?? 0);
      const figures: HealthFigures = {
        outcomes,
        failures,
        errorRate: outcomes === 0 ? null : failures / outcomes,
        p50Ms: row?.p50 === null || row?.p50 === undefined ? null : Math.round(Number(row.p50)),
        p95Ms: row?.p95 === null || row?.p95 === undefined ? null : Math.round(Number(row.p95)),
        lookups: Number(row?.lookups ?? 0),
        tests: Number(row?.tests ?? 0),
      };
      return [name, figures];
    }),
  ) as Record<HealthWindow, HealthFigures>;
  const first = rows[0];
  const iso = (value: Date | string | null | undefined): string | null => (value === null || value === undefined ? null : new Date(value).toISOString());
  return { windows, lastSuccessAt: iso(first?.last_success), lastFailureAt: iso(first?.last_failure) };
}

/**
 * One word for a connector's health: `red` while its breaker is open (unless a success came after
 * it opened: a passing test counts) or when its latest outcome failed; `green` when its latest
 * outcome succeeded; `unknown` with no outcome yet.
 */
export function healthStatus(report: ConnectorHealthReport, breaker: { readonly state: StoredBreakerState; readonly since: string | null }): 'green' | 'red' | 'unknown' {
  const success = report.lastSuccessAt === null ? null : Date.parse(report.lastSuccessAt);
  const failure = report.lastFailureAt === null ? null : Date.parse(report.lastFailureAt);
  const openedAt = breaker.since === null ? 0 : Date.parse(breaker.since);
  if (breaker.state === 'open' && (success === null || success <= openedAt)) return 'red';
  if (success === null && failure === null) return 'unknown';
  if (failure !== null && (success === null || failure > success)) return 'red';
  return 'green';
}

/** One connector's recorded breaker (closed when never reported). */
export async function getConnectorBreaker(sql: Sql, connectorId: string): Promise<{ state: StoredBreakerState; since: string | null; reason: string | null }> {
  const rows = await sql.query<{ breaker: StoredBreakerState; breaker_since: Date | null; breaker_reason: string | null }>('SELECT breaker, breaker_since, breaker_reason FROM connector_health WHERE connector_id = $1', [connectorId]);
  const row = rows[0];
  if (row === undefined) return { state: 'closed', since: null, reason: null };
  return { state: row.breaker, since: row.breaker_since === null ? null : new Date(row.breaker_since).toISOString(), reason: row.breaker_reason };
}
