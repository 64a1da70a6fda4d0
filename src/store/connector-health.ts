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
