/**
 * The audit log's row as the store writes it. The audit log (src/audit/log.ts) builds the values;
 * the store writes them beside the change they record, in the same statement where the change is
 * one statement (a lookup's outcome: src/store/referrals.ts `finishLookup`) — one round trip and
 * no transaction on the research path (docs/decisions.md "CPU per referral"), and the entry is
 * still committed with its change or not at all.
 */

/** The columns of `audit_log` an entry fills, in the order of `AuditRow`. */
export const AUDIT_ROW_COLUMNS = 'at, actor, action, referral_id, agency, subject, detail';

/** One entry's values: at (ISO 8601), actor, action, referral id, agency, subject, canonical JSON detail. */
export type AuditRow = readonly [at: string, actor: string, action: string, referralId: string | null, agency: string | null, subject: string | null, detail: string];
