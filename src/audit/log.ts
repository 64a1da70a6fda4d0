/**
 * The audit log: append-only, hash-chained entries (DESIGN.md principle; CONVENTIONS.md §8).
 * An entry is inserted in the same transaction as the change it records — never through the
 * logger: if this write fails, the transaction, and so the action, fails with it. Details hold ids,
 * hashes and counts, never case content.
 *
 * Appending takes no lock: the sealer (src/audit/seal.ts) chains committed entries shortly after,
 * in batches under the chain head's lock, so audit-writing transactions commit in parallel.
 */
import { AUDIT_ROW_COLUMNS, type AuditRow } from '../store/audit-rows.ts';
import type { Sql } from '../store/db.ts';
import { canonicalJson } from '../lib/canonical-json.ts';

export type AuditAction =
  | 'referral.received'
  | 'referral.picture-ready'
  | 'lookup.not-permitted'
  | 'lookup.completed'
  | 'lookup.rerun'
  | 'outbox.resend'
  | 'picture.viewed'
  | 'connector.declared'
  | 'connector.tested'
  | 'access.denied'
  | 'auth.failed'
  | 'audit.verified'
  | 'audit.exported'
  | 'referral.assigned'
  | 'referral.decided'
  | 'item.revealed'
  | 'item.release-decided'
  | 'item.history-viewed'
  | 'product.published'
  | 'product.previewed'
  | 'product.read'
  | 'publication.delivered'
  | 'publication.failed'
  | 'feedback.queued'
  | 'feedback.delivered'
  | 'feedback.failed'
  | 'referral.closed'
  | 'retention.destroyed'
  | 'research.next-wave'
  | 'identity.match-decided'
  | 'identity.linked'
  | 'person-index.model.estimated'
  | 'person-index.model.refused';

export type AuditDetailValue = string | number | boolean | null | readonly string[];

export interface AuditEntry {
  readonly at: Date;
  /** Token subject, or `system:<process role>` for the gateway's own work. */
  readonly actor: string;
  readonly action: AuditAction;
  readonly referralId?: string | undefined;
  /** The agency the action concerns (lookup target, item owner, actor's agency). */
  readonly agency?: string | undefined;
  /** What the action was about: a lookup id, connector id, route. */
  readonly subject?: string | undefined;
  readonly detail?: Readonly<Record<string, AuditDetailValue>> | undefined;
}

/** An entry as the row the store writes (for a change the store writes in one statement with its entry). */
export const auditRow = (entry: AuditEntry): AuditRow => [
  entry.at.toISOString(),
  entry.actor,
  entry.action,
  entry.referralId ?? null,
  entry.agency ?? null,
  entry.subject ?? null,
  canonicalJson(entry.detail ?? {}),
];

/** Append one entry inside `sql`'s transaction. Returns its arrival id (its chain position comes at sealing). */
export async function appendAudit(sql: Sql, entry: AuditEntry): Promise<number> {
  const rows = await sql.query<{ id: number | string }>(`INSERT INTO audit_log (${AUDIT_ROW_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, [...auditRow(entry)]);
  return Number(rows[0]?.id ?? 0);
}

/** Append an entry in a transaction of its own, for actions that change nothing else (a denial, a failed login). */
export function recordAudit(db: { transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> }, entry: AuditEntry): Promise<number> {
  return db.transaction((tx) => appendAudit(tx, entry));
}

/**
 * Append several entries in one statement, in the order given (their arrival ids ascend in that
 * order, so the sealer chains them so). On its own handle the statement is its own transaction:
 * all are committed, or none. Returns their arrival ids, in order.
 */
export async function appendAuditEntries(sql: Sql, entries: readonly AuditEntry[]): Promise<number[]> {
  if (entries.length === 0) return [];
  const rows = await sql.query<{ id: number | string }>(
    `INSERT INTO audit_log (at, actor, action, referral_id, agency, subject, detail)
     SELECT v.at, v.actor, v.action, v.referral_id, v.agency, v.subject, v.detail
       FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS v(at, actor, action, referral_id, agency, subject, detail, n)
      ORDER BY v.n
     RETURNING id`,
    [
      entries.map((e) => e.at.toISOString()),
      entries.map((e) => e.actor),
      entries.map((e) => e.action),
      entries.map((e) => e.referralId ?? null),
      entries.map((e) => e.agency ?? null),
      entries.map((e) => e.subject ?? null),
      entries.map((e) => canonicalJson(e.detail ?? {})),
    ],
  );
  // Ids are drawn from the sequence in row order (ORDER BY v.n), so ascending ids are the entries' order.
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}
