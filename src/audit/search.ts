/**
 * Search of the audit log for auditors: by referral, actor, agency, action and time,
 * in keyset pages ordered by `seq` (stable however long the log grows, and no OFFSET scans).
 * Entries come back with every chain column, so an auditor can recompute any entry's hash.
 * The same query streams the log in batches for the FHIR export and the information report.
 */
import type { Sql, SqlParam } from '../store/db.ts';
import type { ChainEntry } from './chain.ts';
import { toChainEntry } from './verify.ts';

/** What to look for; every part is optional and they combine with AND. */
export interface AuditQuery {
  readonly referralId?: string | undefined;
  readonly actor?: string | undefined;
  /**
   * The agency an entry concerns: its `agency` column or, for entries that keep it in their
   * detail (lookups, feedback deliveries), the detail's `agency`.
   */
  readonly agency?: string | undefined;
  readonly actions?: readonly string[] | undefined;
  /** Inclusive lower bound on `at`. */
  readonly from?: Date | undefined;
  /** Exclusive upper bound on `at`. */
  readonly to?: Date | undefined;
  /** Only entries after this sequence number (the keyset cursor). */
  readonly after?: number | undefined;
  /** Only entries up to this sequence number (a snapshot's head). */
  readonly through?: number | undefined;
}

/** One page of a search. */
export interface AuditPage {
  readonly entries: readonly ChainEntry[];
  /** The cursor for the next page (`after`), or null when this page reached the end. */
  readonly nextAfter: number | null;
}

export const MAX_PAGE = 1_000;
const SCAN_BATCH = 5_000;

interface AuditRow {
  seq: number | string;
  at: Date;
  actor: string;
  action: string;
  referral_id: string | null;
  agency: string | null;
  subject: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

/** LIKE pattern matching `"agency":"<agency>"` anywhere in a canonical detail (flat, so exact). */
function detailAgencyPattern(agency: string): string {
  const member = `"agency":${JSON.stringify(agency)}`;
  return `%${member.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function whereClause(query: AuditQuery, params: SqlParam[]): string {
  const conditions: string[] = [];
  const param = (value: SqlParam): string => {
    params.push(value);
    return `$${params.length}`;
  };
  if (query.after !== undefined) conditions.push(`seq > ${param(query.after)}`);
  if (query.through !== undefined) conditions.push(`seq <= ${param(query.through)}`);
  if (query.referralId !== undefined) conditions.push(`referral_id = ${param(query.referralId)}`);
  if (query.actor !== undefined) conditions.push(`actor = ${param(query.actor)}`);
  if (query.agency !== undefined) {
    // Canonical JSON has one spelling per member, and a string value that merely contains the
    // text would hold it escaped (\"agency\"), so this substring match is exact.
    conditions.push(`(agency = ${param(query.agency)} OR (agency IS NULL AND detail LIKE ${param(detailAgencyPattern(query.agency))}))`);
  }
  if (query.actions !== undefined) conditions.push(`action = ANY(${param(query.actions)}::text[])`);
  if (query.from !== undefined) conditions.push(`at >= ${param(query.from)}`);
  if (query.to !== undefined) conditions.push(`at < ${param(query.to)}`);
  return conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
}

/** Up to `limit` matching entries after `query.after`, oldest first. */
export function searchAudit(sql: Sql, query: AuditQuery, limit: number): Promise<AuditPage> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new RangeError(`limit must be 1..${MAX_PAGE}`);
  return page(sql, query, limit);
}

async function page(sql: Sql, query: AuditQuery, limit: number): Promise<AuditPage> {
  const params: SqlParam[] = [];
  const where = whereClause(query, params);
  params.push(limit + 1);
  const rows = await sql.query<AuditRow>(
    `SELECT seq, at, actor, action, referral_id, agency, subject, detail, prev_hash, hash FROM audit_log ${where} ORDER BY seq LIMIT $${params.length}`,
    params,
  );
  const entries = rows.slice(0, limit).map(toChainEntry);
  return { entries, nextAfter: rows.length > limit ? (entries.at(-1)?.seq ?? null) : null };
}

/** Every matching entry, oldest first, in batches: memory stays flat however long the log. */
export async function* scanAudit(sql: Sql, query: AuditQuery, batch: number = SCAN_BATCH): AsyncGenerator<readonly ChainEntry[]> {
  let after = query.after;
  for (;;) {
    const next = await page(sql, { ...query, after }, batch);
    if (next.entries.length > 0) yield next.entries;
    if (next.nextAfter === null) return;
    after = next.nextAfter;
  }
}

/** The chain head now: every entry up to it has committed (appends commit in seq order under the head lock). */
export async function auditHead(sql: Sql): Promise<{ readonly seq: number; readonly hash: string }> {
  const [head] = await sql.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  if (head === undefined) throw new Error('audit head missing: the store was not migrated');
  return { seq: Number(head.seq), hash: head.hash };
}
