/**
 * The performance report's counts, in SQL over the store (London MASH governance model,
 * recommendation 13: performance monitoring; docs/decisions.md "Performance reports: a cohort of
 * referrals, counted from the store"). Every count is over one cohort — the referrals received in
 * [from, to) — and what happened to them: their lookups, their owners' release decisions, their
 * products, the manager's RAG changes (from the audit log, which records each with the rating it
 * replaced). Percentiles are PostgreSQL's `percentile_cont` (linear interpolation between the two
 * nearest values), in seconds. Clear columns only: nothing sealed is read, no person is named.
 */
import type { Sql } from './db.ts';

/** A period: referrals received at or after `from` and before `to`. */
export interface Cohort {
  readonly from: Date;
  readonly to: Date;
}

/** Percentiles of a duration in seconds; null when nothing was measured. */
export interface Percentiles {
  readonly count: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p95: number | null;
}

/** Referrals of the cohort by their current RAG and their threshold. */
export interface RagThresholdCount {
  readonly rag: string;
  readonly threshold: string;
  readonly count: number;
}

/** How a stage (picture, first product) met the SLA due time. */
export interface StageTimeliness {
  /** Reached by the due time. */
  readonly met: number;
  /** Reached after it, or not reached and the due time has passed (at `asOf`). */
  readonly breached: number;
  /** Not reached, and not yet due. */
  readonly pending: number;
  /** From receipt to the stage, of those that reached it. */
  readonly seconds: Percentiles;
}

/** One agency's lookups for the cohort. */
export interface AgencyLookups {
  readonly agency: string;
  /** Lookups planned for the agency, whatever their state. */
  readonly lookups: number;
  readonly done: number;
  readonly partial: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly notPermitted: number;
  /** Still queued or running. */
  readonly unfinished: number;
  /** From start to finish of the lookups made and finished (done, partial, failed, timed-out). */
  readonly responseSeconds: Percentiles;
}

/**
 * One agency's release decisions: each item it decided on, under its current decision, and how
 * long its owner took. Items never decided are not counted here: which facts are items of a
 * picture is decided on their content (src/case/relevance.ts), which the report does not open.
 */
export interface AgencyDecisions {
  readonly agency: string;
  /** Items with a decision. */
  readonly decided: number;
  readonly released: number;
  readonly redacted: number;
  readonly withheld: number;
  /** From the item's arrival in the hub to its owner's first decision. */
  readonly decisionSeconds: Percentiles;
}

/** The manager's decisions that changed, or kept, a referral's RAG. */
export interface RagChanges {
  readonly escalations: number;
  readonly deescalations: number;
  readonly unchanged: number;
}

const COHORT = 'r.received_at >= $1 AND r.received_at < $2';

const percentiles = (count: number, values: readonly (number | null)[] | null): Percentiles => ({
  count,
  p50: values?.[0] ?? null,
  p90: values?.[1] ?? null,
  p95: values?.[2] ?? null,
});

/** Referrals of the cohort by RAG and threshold. */
export async function referralsByRag(sql: Sql, cohort: Cohort): Promise<RagThresholdCount[]> {
  return sql.query<RagThresholdCount>(
    `SELECT r.rag, r.threshold, count(*)::int AS count FROM referrals AS r WHERE ${COHORT} GROUP BY r.rag, r.threshold ORDER BY r.rag, r.threshold`,
    [cohort.from, cohort.to],
  );
}

/** Time to picture and to first product against each referral's SLA due time, judged at `asOf`. */
export async function timeliness(sql: Sql, cohort: Cohort, asOf: Date): Promise<{ total: number; picture: StageTimeliness; product: StageTimeliness }> {
  const rows = await sql.query<Record<string, number | null> & { picture_pct: number[] | null; product_pct: number[] | null }>(
    `WITH c AS (
       SELECT r.received_at, r.sla_due_at, r.picture_ready_at AS picture_at,
              (SELECT min(p.published_at) FROM products AS p WHERE p.referral_id = r.id) AS product_at
         FROM referrals AS r WHERE ${COHORT}
     )
     SELECT count(*)::int AS total,
            count(*) FILTER (WHERE picture_at <= sla_due_at)::int AS picture_met,
            count(*) FILTER (WHERE picture_at > sla_due_at OR (picture_at IS NULL AND sla_due_at <= $3))::int AS picture_breached,
            count(*) FILTER (WHERE picture_at IS NULL AND sla_due_at > $3)::int AS picture_pending,
            count(picture_at)::int AS picture_count,
            percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY extract(epoch FROM picture_at - received_at)::float8) AS picture_pct,
            count(*) FILTER (WHERE product_at <= sla_due_at)::int AS product_met,
            count(*) FILTER (WHERE product_at > sla_due_at OR (product_at IS NULL AND sla_due_at <= $3))::int AS product_breached,
            count(*) FILTER (WHERE product_at IS NULL AND sla_due_at > $3)::int AS product_pending,
            count(product_at)::int AS product_count,
            percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY extract(epoch FROM product_at - received_at)::float8) AS product_pct
       FROM c`,
    [cohort.from, cohort.to, asOf],
  );
  const row = rows[0];
  const stage = (name: 'picture' | 'product'): StageTimeliness => ({
    met: row?.[`${name}_met`] ?? 0,
    breached: row?.[`${name}_breached`] ?? 0,
    pending: row?.[`${name}_pending`] ?? 0,
    seconds: percentiles(row?.[`${name}_count`] ?? 0, name === 'picture' ? (row?.picture_pct ?? null) : (row?.product_pct ?? null)),
  });
  return { total: row?.total ?? 0, picture: stage('picture'), product: stage('product') };
}

/** The cohort's lookups per agency: outcomes and response times. */
export async function lookupsByAgency(sql: Sql, cohort: Cohort): Promise<AgencyLookups[]> {
  const rows = await sql.query<{ agency: string; lookups: number; done: number; partial: number; failed: number; timed_out: number; not_permitted: number; unfinished: number; timed: number; pct: number[] | null }>(
    `SELECT l.agency,
            count(*)::int AS lookups,
            count(*) FILTER (WHERE l.status = 'done')::int AS done,
            count(*) FILTER (WHERE l.status = 'partial')::int AS partial,
            count(*) FILTER (WHERE l.status = 'failed')::int AS failed,
            count(*) FILTER (WHERE l.status = 'timed-out')::int AS timed_out,
            count(*) FILTER (WHERE l.status = 'not-permitted')::int AS not_permitted,
            count(*) FILTER (WHERE l.status IN ('queued', 'running'))::int AS unfinished,
            count(*) FILTER (WHERE l.status IN ('done', 'partial', 'failed', 'timed-out') AND l.started_at IS NOT NULL AND l.finished_at IS NOT NULL)::int AS timed,
            percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY extract(epoch FROM l.finished_at - l.started_at)::float8)
              FILTER (WHERE l.status IN ('done', 'partial', 'failed', 'timed-out')) AS pct
       FROM lookups AS l JOIN referrals AS r ON r.id = l.referral_id
      WHERE ${COHORT}
      GROUP BY l.agency ORDER BY l.agency`,
    [cohort.from, cohort.to],
  );
  return rows.map((r) => ({
    agency: r.agency,
    lookups: r.lookups,
    done: r.done,
    partial: r.partial,
    failed: r.failed,
    timedOut: r.timed_out,
    notPermitted: r.not_permitted,
    unfinished: r.unfinished,
    responseSeconds: percentiles(r.timed, r.pct),
  }));
}

/** The cohort's items per owning agency under their current release decision, and the time to the first. */
export async function decisionsByAgency(sql: Sql, cohort: Cohort): Promise<AgencyDecisions[]> {
  const rows = await sql.query<{ agency: string; decided: number; released: number; redacted: number; withheld: number; timed: number; pct: number[] | null }>(
    `WITH items AS (
       SELECT f.agency, f.created_at,
              (SELECT d.decision FROM release_decision_revisions AS d WHERE d.fact_id = f.id ORDER BY d.revision DESC LIMIT 1) AS current,
              (SELECT d.decided_at FROM release_decision_revisions AS d WHERE d.fact_id = f.id ORDER BY d.revision LIMIT 1) AS first_at
         FROM facts AS f JOIN referrals AS r ON r.id = f.referral_id
        WHERE ${COHORT}
     )
     SELECT agency,
            count(*)::int AS decided,
            count(*) FILTER (WHERE current = 'release')::int AS released,
            count(*) FILTER (WHERE current = 'redact')::int AS redacted,
            count(*) FILTER (WHERE current = 'withhold')::int AS withheld,
            count(first_at)::int AS timed,
            percentile_cont(ARRAY[0.5, 0.9, 0.95]) WITHIN GROUP (ORDER BY extract(epoch FROM first_at - created_at)::float8) AS pct
       FROM items WHERE current IS NOT NULL GROUP BY agency ORDER BY agency`,
    [cohort.from, cohort.to],
  );
  return rows.map((r) => ({ agency: r.agency, decided: r.decided, released: r.released, redacted: r.redacted, withheld: r.withheld, decisionSeconds: percentiles(r.timed, r.pct) }));
}

/**
 * The manager's decisions on the cohort's referrals, compared with the rating each replaced (the
 * `referral.decided` audit entry names both: src/case/decision.ts): red above amber above green.
 */
export async function ragChanges(sql: Sql, cohort: Cohort): Promise<RagChanges> {
  const rows = await sql.query<{ escalations: number; deescalations: number; unchanged: number }>(
    `WITH decided AS (
       SELECT array_position(ARRAY['green', 'amber', 'red'], (a.detail::jsonb) ->> 'rag') AS now,
              array_position(ARRAY['green', 'amber', 'red'], (a.detail::jsonb) ->> 'previousRag') AS before
         FROM audit_log AS a JOIN referrals AS r ON r.id = a.referral_id
        WHERE a.action = 'referral.decided' AND ${COHORT}
     )
     SELECT count(*) FILTER (WHERE now > before)::int AS escalations,
            count(*) FILTER (WHERE now < before)::int AS deescalations,
            count(*) FILTER (WHERE now = before)::int AS unchanged
       FROM decided`,
    [cohort.from, cohort.to],
  );
  return rows[0] ?? { escalations: 0, deescalations: 0, unchanged: 0 };
}
