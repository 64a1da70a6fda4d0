/**
 * The referral list and the SLA's stop: open referrals in urgency order from their clear columns,
 * with what the policy needs to decide on each row, and when a referral's first product was
 * published. Nothing sealed is read (DESIGN.md rule 4; docs/decisions.md "The SLA clock stored per
 * referral; research follows a RAG change").
 */
import type { Agency } from '../model/agency.ts';
import type { Rag, ReferralStatus, ReferralSummary } from '../model/referral.ts';
import type { Sql, SqlParam } from './db.ts';
import { toReferralSummary, type ReferralSummaryRow } from './referrals.ts';
import { repeatConcernCondition } from './repeat-concerns.ts';
import type { RepeatConcernRule } from '../model/repeat-concern.ts';

/** When the referral's first product was published (the SLA clock stops there), or null. */
export async function firstPublishedAt(sql: Sql, referralId: string): Promise<Date | null> {
  const rows = await sql.query<{ at: Date | null }>('SELECT min(published_at) AS at FROM products WHERE referral_id = $1', [referralId]);
  const at = rows[0]?.at ?? null;
  return at === null ? null : new Date(at);
}

/** One row of the referral list: clear columns only, and what the policy needs to decide on it. */
export interface ReferralListRow {
  readonly summary: ReferralSummary;
  readonly firstPublishedAt: Date | null;
  readonly contributingAgencies: readonly Agency[];
  readonly assignees: readonly string[];
  /** Its lookups, and how many have finished (any outcome): research progress. */
  readonly lookups: { readonly total: number; readonly finished: number };
  /** Whether the referral is a repeat concern under `flagRule`; null when no rule was given. */
  readonly repeatConcern: boolean | null;
}

/** What a referral list asks for. `visibleTo` narrows in SQL to what a practitioner may see; the policy still decides each row. */
export interface ReferralListQuery {
  readonly now: Date;
  /** Open referrals (no product yet) in this standing against their SLA. */
  readonly sla?: 'on-track' | 'at-risk' | 'breached' | undefined;
  readonly rag?: Rag | undefined;
  readonly status?: ReferralStatus | undefined;
  /** Only referrals that are (true) or are not (false) a repeat concern under this rule. */
  readonly repeatConcern?: { readonly flagged: boolean; readonly rule: RepeatConcernRule } | undefined;
  readonly visibleTo?: { readonly agency: Agency | undefined; readonly subject: string } | undefined;
  /** Work out each row's repeat-concern flag under this rule (the same condition as the filter). */
  readonly flagRule?: RepeatConcernRule | undefined;
  /** Keyset: rows after this (due time, id), in urgency order. */
  readonly after?: { readonly dueAt: Date; readonly id: string } | undefined;
  readonly limit: number;
}

/**
 * Open referrals (not closed, content not destroyed) in urgency order: the soonest due first.
 * Nothing sealed is read.
 */
export async function listReferrals(sql: Sql, query: ReferralListQuery): Promise<ReferralListRow[]> {
  const where: string[] = ['r.closed_at IS NULL', 'r.content_destroyed_at IS NULL'];
  const params: SqlParam[] = [];
  const param = (value: SqlParam): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const unpublished = 'NOT EXISTS (SELECT 1 FROM products p WHERE p.referral_id = r.id)';
  if (query.sla !== undefined) {
    const now = param(query.now);
    if (query.sla === 'breached') where.push(unpublished, `r.sla_due_at <= ${now}`);
    if (query.sla === 'at-risk') where.push(unpublished, `r.sla_at_risk_at <= ${now}`, `r.sla_due_at > ${now}`);
    if (query.sla === 'on-track') where.push(unpublished, `r.sla_at_risk_at > ${now}`);
  }
  if (query.rag !== undefined) where.push(`r.rag = ${param(query.rag)}`);
  if (query.status !== undefined) where.push(`r.status = ${param(query.status)}`);
  if (query.repeatConcern !== undefined) {
    const condition = repeatConcernCondition('r', query.repeatConcern.rule, param);
    where.push(query.repeatConcern.flagged ? condition : `NOT ${condition}`);
  }
  if (query.visibleTo !== undefined) {
    where.push(
      `(EXISTS (SELECT 1 FROM lookups l WHERE l.referral_id = r.id AND l.agency = ${param(query.visibleTo.agency ?? '')})
        OR EXISTS (SELECT 1 FROM referral_assignments a WHERE a.referral_id = r.id AND a.subject = ${param(query.visibleTo.subject)}))`,
    );
  }
  if (query.after !== undefined) where.push(`(r.sla_due_at, r.id) > (${param(query.after.dueAt)}, ${param(query.after.id)}::uuid)`);
  const flag = query.flagRule === undefined ? 'NULL::boolean' : repeatConcernCondition('r', query.flagRule, param);
  const rows = await sql.query<ReferralSummaryRow & { first_published_at: Date | null; agencies: Agency[] | null; assigned: string[] | null; lookups_total: number | string; lookups_finished: number | string; repeat_concern: boolean | null }>(
    `SELECT r.id, r.status, r.rag, r.threshold, r.received_at, r.sla_due_at, r.sla_at_risk_at, r.picture_ready_at, r.external_reference,
            (SELECT min(p.published_at) FROM products p WHERE p.referral_id = r.id) AS first_published_at,
            ARRAY(SELECT DISTINCT l.agency FROM lookups l WHERE l.referral_id = r.id ORDER BY l.agency) AS agencies,
            ARRAY(SELECT a.subject FROM referral_assignments a WHERE a.referral_id = r.id ORDER BY a.subject) AS assigned,
            (SELECT count(*) FROM lookups l WHERE l.referral_id = r.id) AS lookups_total,
            (SELECT count(*) FROM lookups l WHERE l.referral_id = r.id AND l.status NOT IN ('queued', 'running')) AS lookups_finished,
            ${flag} AS repeat_concern
       FROM referrals r
      WHERE ${where.join(' AND ')}
      ORDER BY r.sla_due_at, r.id
      LIMIT ${param(query.limit)}`,
    params,
  );
  return rows.map((row) => ({
    summary: toReferralSummary(row),
    firstPublishedAt: row.first_published_at === null ? null : new Date(row.first_published_at),
    contributingAgencies: row.agencies ?? [],
    assignees: row.assigned ?? [],
    lookups: { total: Number(row.lookups_total), finished: Number(row.lookups_finished) },
    repeatConcern: row.repeat_concern,
  }));
}
