/**
 * The audit log: append-only rows written in the same transaction as the change they record
 * (DESIGN.md principle; CONVENTIONS.md §8). Never through the logger: if this write fails, the
 * action fails with it. Details hold ids, hashes and counts — never case content.
 */
import type { Sql } from '../store/db.ts';

export type AuditAction =
  | 'referral.received'
  | 'referral.picture-ready'
  | 'lookup.not-permitted'
  | 'lookup.completed'
  | 'picture.viewed'
  | 'connector.declared'
  | 'access.denied'
  | 'auth.failed';

export interface AuditEntry {
  readonly at: Date;
  /** Token subject, or `system:<process role>` for the gateway's own work. */
  readonly actor: string;
  readonly action: AuditAction;
  readonly referralId?: string | undefined;
  /** What the action was about: a lookup id, connector id, route. */
  readonly subject?: string | undefined;
  readonly detail?: Readonly<Record<string, string | number | boolean | null | readonly string[]>> | undefined;
}

export async function appendAudit(sql: Sql, entry: AuditEntry): Promise<void> {
  await sql.query('INSERT INTO audit_log (at, actor, action, referral_id, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
    entry.at,
    entry.actor,
    entry.action,
    entry.referralId ?? null,
    entry.subject ?? null,
    JSON.stringify(entry.detail ?? {}),
  ]);
}
