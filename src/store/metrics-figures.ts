/**
 * The figures monitoring reads from the store at scrape time (src/metrics/prometheus.ts): open
 * referrals by RAG and status, how many stand at risk of or past their SLA, and the audit entries
 * committed but not yet chained. Counts from clear columns only: nothing sealed is read, and no row
 * leaves this module (CONVENTIONS.md §9). The SLA standings are the referral list's
 * (src/store/referral-list.ts): open, not destroyed, no product published yet.
 */
import type { Rag, ReferralStatus } from '../model/referral.ts';
import type { Sql } from './db.ts';

/** What the store shows now, counted. */
export interface StoreFigures {
  /** Open referrals (not closed, content not destroyed) by RAG and status. */
  readonly referrals: readonly { readonly rag: Rag; readonly status: ReferralStatus; readonly count: number }[];
  /** Open referrals with no product yet, at risk of breaching their SLA and past it. */
  readonly sla: { readonly atRisk: number; readonly breached: number };
  /** Audit entries committed but not yet chained (seq IS NULL), and when the oldest was written. */
  readonly audit: { readonly unchained: number; readonly oldestUnchainedAt: Date | null };
}

/** Reads the figures: three small aggregate queries on indexed clear columns. */
export async function readStoreFigures(sql: Sql, now: Date): Promise<StoreFigures> {
  const referrals = await sql.query<{ rag: Rag; status: ReferralStatus; n: string | number }>(
    `SELECT rag, status, count(*) AS n FROM referrals
      WHERE closed_at IS NULL AND content_destroyed_at IS NULL
      GROUP BY rag, status`,
  );
  const [sla] = await sql.query<{ at_risk: string | number; breached: string | number }>(
    `SELECT count(*) FILTER (WHERE r.sla_at_risk_at <= $1 AND r.sla_due_at > $1) AS at_risk,
            count(*) FILTER (WHERE r.sla_due_at <= $1) AS breached
       FROM referrals r
      WHERE r.closed_at IS NULL AND r.content_destroyed_at IS NULL
        AND NOT EXISTS (SELECT 1 FROM products p WHERE p.referral_id = r.id)`,
    [now],
  );
  // The partial index audit_unsealed holds exactly these rows (migration 001).
  const [audit] = await sql.query<{ n: string | number; oldest: Date | string | null }>('SELECT count(*) AS n, min(at) AS oldest FROM audit_log WHERE seq IS NULL');
  return {
    referrals: referrals.map((row) => ({ rag: row.rag, status: row.status, count: Number(row.n) })),
    sla: { atRisk: Number(sla?.at_risk ?? 0), breached: Number(sla?.breached ?? 0) },
    audit: { unchained: Number(audit?.n ?? 0), oldestUnchainedAt: audit?.oldest === null || audit?.oldest === undefined ? null : new Date(audit.oldest) },
  };
}
