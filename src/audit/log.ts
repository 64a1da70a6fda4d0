/**
 * The audit log: append-only, hash-chained entries written in the same transaction as the change
 * they record (DESIGN.md principle; CONVENTIONS.md §8). Never through the logger: if this write
 * fails, the transaction — and so the action — fails with it. Details hold ids, hashes and counts,
 * never case content.
 *
 * Appends serialise on the chain head's row lock: the next entry needs its predecessor's hash.
 * The lock is held only until the enclosing transaction commits.
 */
import type { Sql } from '../store/db.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { entryHash } from './chain.ts';

export type AuditAction =
  | 'referral.received'
  | 'referral.picture-ready'
  | 'lookup.not-permitted'
  | 'lookup.completed'
  | 'picture.viewed'
  | 'connector.declared'
  | 'access.denied'
  | 'auth.failed'
  | 'audit.verified'
  | 'audit.exported'
  | 'referral.assigned'
  | 'referral.decided'
  | 'item.revealed'
  | 'item.release-decided'
  | 'product.published'
  | 'product.read'
  | 'publication.delivered'
  | 'publication.failed'
  | 'feedback.queued'
  | 'feedback.delivered'
  | 'feedback.failed'
  | 'referral.closed'
  | 'retention.destroyed'
  | 'research.next-wave'
  | 'identity.match-decided';

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

/** Append one entry to the chain inside `sql`'s transaction. Returns its sequence number. */
export async function appendAudit(sql: Sql, entry: AuditEntry): Promise<number> {
  const heads = await sql.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE');
  const head = heads[0];
  if (head === undefined) throw new Error('audit head missing: the store was not migrated');
  const chained = {
    seq: Number(head.seq) + 1,
    at: entry.at.toISOString(),
    actor: entry.actor,
    action: entry.action,
    referralId: entry.referralId ?? null,
    agency: entry.agency ?? null,
    subject: entry.subject ?? null,
    detail: canonicalJson(entry.detail ?? {}),
    prevHash: head.hash,
  };
  const hash = entryHash(chained);
  await sql.query(
    `INSERT INTO audit_log (seq, at, actor, action, referral_id, agency, subject, detail, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [chained.seq, chained.at, chained.actor, chained.action, chained.referralId, chained.agency, chained.subject, chained.detail, chained.prevHash, hash],
  );
  await sql.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [chained.seq, hash]);
  return chained.seq;
}

/** Append an entry in a transaction of its own, for actions that change nothing else (a denial, a failed login). */
export function recordAudit(db: { transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> }, entry: AuditEntry): Promise<number> {
  return db.transaction((tx) => appendAudit(tx, entry));
}
