/**
 * Referral and fact rows (a referral's lookups are src/store/lookups.ts's). Every function takes
 * `Sql` — the database or an open transaction — so callers write a change and its audit entry in
 * one transaction.
 */
import { Fact } from '../model/fact.ts';
import type { NewLookup } from '../model/lookup.ts';
import { normaliseReferrerAgency } from '../model/repeat-concern.ts';
import { ReferralInput, type NewReferral, type Rag, type ReferralRecord, type ReferralStatus, type ReferralSummary, type Threshold } from '../model/referral.ts';
import { AUDIT_ROW_COLUMNS, type AuditRow } from './audit-rows.ts';
import type { Sql } from './db.ts';
import type { ContentOwner, Vault } from './vault.ts';

/** A referral row's clear columns: what can be said of it without opening anything. */
export interface ReferralSummaryRow {
  id: string;
  status: ReferralStatus;
  rag: Rag;
  threshold: Threshold;
  received_at: Date;
  sla_due_at: Date;
  sla_at_risk_at: Date;
  picture_ready_at: Date | null;
  external_reference: string | null;
}

/** A referral row with its sealed body (read beside a lookup by src/store/lookups.ts). */
export interface ReferralRow extends ReferralSummaryRow {
  sealed_body: Uint8Array;
}

/** Binds a referral's sealed body to its row. */
export const referralAad = (id: string): string => `referral:${id}`;
/** Binds a sealed fact to its row. */
export const factAad = (id: string): string => `fact:${id}`;
/** A household member found by research, sealed with the hub's key (src/store/identity.ts). */
export const discoveredSubjectAad = (referralId: string, ref: string): string => `discovered-subject:${referralId}:${ref}`;

/** The summary of a referral row's clear columns. */
export const toReferralSummary = (row: ReferralSummaryRow): ReferralSummary => ({
  id: row.id,
  status: row.status,
  rag: row.rag,
  threshold: row.threshold,
  receivedAt: new Date(row.received_at),
  slaDueAt: new Date(row.sla_due_at),
  slaAtRiskAt: new Date(row.sla_at_risk_at),
  pictureReadyAt: row.picture_ready_at === null ? null : new Date(row.picture_ready_at),
  externalReference: row.external_reference,
});

export const toReferral = (row: ReferralRow, body: unknown): ReferralRecord => ({
  ...toReferralSummary(row),
  // Rows we wrote ourselves, but parsed all the same: the store is a trust boundary too.
  input: ReferralInput.parse(body),
});

/**
 * Insert a referral, its data keys (the hub's and each agency's it will look up), its planned
 * lookups and its audit entries, in one statement: all are written or none, without a transaction
 * (docs/decisions.md "CPU per referral"). With an idempotency key already used, nothing is written
 * and the existing referral's id is returned with `created: false`.
 */
export async function insertReferral(sql: Sql, vault: Vault, referral: NewReferral, audit: readonly AuditRow[] = []): Promise<{ created: boolean; id: string }> {
  const owners: ContentOwner[] = ['hub', ...referral.lookups.filter((l) => l.status === 'queued').map((l) => l.agency)];
  const { wrapped, keys } = vault.mint(referral.id, owners);
  const hub = keys.get('hub');
  if (hub === undefined) throw new Error('no hub key minted');
  const sealed = hub.seal(JSON.stringify(referral.input), referralAad(referral.id));
  const lookups = referral.lookups;
  const rows = await sql.query<{ id: string }>(
    `WITH referral AS (
       INSERT INTO referrals (id, idempotency_key, external_reference, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, submitted_by, sealed_body, referrer_agency, child_refs)
       VALUES ($1, $2, $3, 'received', $4, $5, $6, $7, $8, $9, $10, $27, $28::text[])
       ON CONFLICT (idempotency_key) DO NOTHING
       RETURNING id
     ), data_keys AS (
       INSERT INTO content_keys (referral_id, owner, wrapped_key)
       SELECT referral.id, k.owner, decode(k.wrapped, 'base64') FROM referral, unnest($11::text[], $12::text[]) AS k (owner, wrapped)
     ), planned AS (
       INSERT INTO lookups (id, referral_id, connector_id, agency, subject_ref, status, lawful_basis, reason, finished_at, wave)
       SELECT l.id, referral.id, l.connector_id, l.agency, l.subject_ref, l.status, l.lawful_basis, l.reason, CASE WHEN l.status = 'not-permitted' THEN $6::timestamptz END, 1
         FROM referral, unnest($13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[]) WITH ORDINALITY
              AS l (id, connector_id, agency, subject_ref, status, lawful_basis, reason, n)
        ORDER BY l.n
     ), audited AS (
       INSERT INTO audit_log (${AUDIT_ROW_COLUMNS})
       SELECT a.at, a.actor, a.action, a.referral_id, a.agency, a.subject, a.detail
         FROM referral, unnest($20::timestamptz[], $21::text[], $22::text[], $23::uuid[], $24::text[], $25::text[], $26::text[]) WITH ORDINALITY
              AS a (at, actor, action, referral_id, agency, subject, detail, n)
        ORDER BY a.n
     )
     SELECT id FROM referral`,
    [
      referral.id,
      referral.idempotencyKey,
      referral.input.externalReference ?? null,
      referral.input.rag,
      referral.input.threshold,
      referral.receivedAt,
      referral.slaDueAt,
      referral.slaAtRiskAt,
      referral.submittedBy,
      sealed,
      [...wrapped.keys()],
      [...wrapped.values()].map((w) => w.toString('base64')),
      ...lookupColumns(lookups),
      ...[0, 1, 2, 3, 4, 5, 6].map((column) => audit.map((row) => row[column] ?? null)),
      // Repeat concerns count over clear columns (migration 016): the referrer's agency, normalised,
      // and which subjects the referral names as children.
      normaliseReferrerAgency(referral.input.concern.referrer?.agency),
      referral.input.subjects.filter((s) => s.role === 'child').map((s) => s.ref),
    ],
  );
  if (rows.length === 1) return { created: true, id: referral.id };
  const existing = await sql.query<{ id: string }>('SELECT id FROM referrals WHERE idempotency_key = $1', [referral.idempotencyKey]);
  if (existing[0] === undefined) throw new Error('a referral was neither written nor found by its idempotency key');
  return { created: false, id: existing[0].id };
}

/** Planned lookups as the `unnest` columns of an insert: id, connector, agency, subject, status, lawful basis, reason. */
export const lookupColumns = (lookups: readonly NewLookup[]): (string | null)[][] => [
  lookups.map((l) => l.id),
  lookups.map((l) => l.connectorId),
  lookups.map((l) => l.agency),
  lookups.map((l) => l.subjectRef),
  lookups.map((l) => l.status),
  lookups.map((l) => l.lawfulBasis),
  lookups.map((l) => l.reason),
];

export async function getReferral(sql: Sql, vault: Vault, id: string): Promise<ReferralRecord | undefined> {
  const rows = await sql.query<ReferralRow>(
    'SELECT id, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, picture_ready_at, external_reference, sealed_body FROM referrals WHERE id = $1',
    [id],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const body: unknown = JSON.parse(await vault.keyRing(sql, id).open('hub', row.sealed_body, referralAad(id)));
  return toReferral(row, body);
}

/** Whether a referral exists (its id only: nothing is opened). */
export async function referralExists(sql: Sql, id: string): Promise<boolean> {
  return (await sql.query<{ id: string }>('SELECT id FROM referrals WHERE id = $1', [id])).length === 1;
}

/** A referral's state from its clear columns, without opening its sealed body. */
export async function getReferralSummary(sql: Sql, id: string): Promise<ReferralSummary | undefined> {
  const rows = await sql.query<ReferralSummaryRow>(
    'SELECT id, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, picture_ready_at, external_reference FROM referrals WHERE id = $1',
    [id],
  );
  const row = rows[0];
  return row === undefined ? undefined : toReferralSummary(row);
}

/**
 * A referral's facts, opened, in the order items are listed (agency, kind, id); with `kinds`,
 * only facts of those kinds are read and opened (identity reads people and relationships only).
 */
export async function listFacts(sql: Sql, vault: Vault, referralId: string, kinds?: readonly Fact['kind'][]): Promise<Fact[]> {
  const rows = await sql.query<{ id: string; agency: ContentOwner; sealed: Uint8Array }>(
    `SELECT id, agency, sealed FROM facts WHERE referral_id = $1 ${kinds === undefined ? '' : 'AND kind = ANY($2::text[])'} ORDER BY agency, kind, id`,
    kinds === undefined ? [referralId] : [referralId, kinds],
  );
  const keys = vault.keyRing(sql, referralId);
  const facts: Fact[] = [];
  for (const row of rows) facts.push(Fact.parse(JSON.parse(await keys.open(row.agency, row.sealed, factAad(row.id)))));
  return facts;
}

export async function setReferralStatus(sql: Sql, referralId: string, from: readonly ReferralStatus[], to: ReferralStatus, at: Date): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    `UPDATE referrals SET status = $3, updated_at = $4, picture_ready_at = CASE WHEN $3 = 'picture-ready' THEN $4 ELSE picture_ready_at END
     WHERE id = $1 AND status = ANY($2::text[]) RETURNING id`,
    [referralId, from, to, at],
  );
  return rows.length === 1;
}

/** A new RAG rating and the SLA times that follow from it. */
export async function setReferralRag(sql: Sql, referralId: string, rag: Rag, sla: { readonly dueAt: Date; readonly atRiskAt: Date }, at: Date): Promise<void> {
  await sql.query('UPDATE referrals SET rag = $2, sla_due_at = $3, sla_at_risk_at = $4, updated_at = $5 WHERE id = $1', [referralId, rag, sla.dueAt, sla.atRiskAt, at]);
}

/** Holds the referral's row lock until the transaction ends: one change of this kind at a time per referral. */
export async function lockReferral(sql: Sql, referralId: string): Promise<boolean> {
  return (await sql.query<{ id: string }>('SELECT id FROM referrals WHERE id = $1 FOR UPDATE', [referralId])).length === 1;
}

/** When the referral was closed, or null while open; undefined when there is no such referral. */
export async function referralClosedAt(sql: Sql, referralId: string): Promise<Date | null | undefined> {
  const rows = await sql.query<{ closed_at: Date | null }>('SELECT closed_at FROM referrals WHERE id = $1', [referralId]);
  const row = rows[0];
  return row === undefined ? undefined : row.closed_at === null ? null : new Date(row.closed_at);
}

/** Closes the referral unless it already is. */
export async function closeReferral(sql: Sql, referralId: string, by: string, at: Date): Promise<void> {
  await sql.query('UPDATE referrals SET closed_at = $2, closed_by = $3, updated_at = $2 WHERE id = $1 AND closed_at IS NULL', [referralId, at, by]);
}

/**
 * Referrals closed at or before `cutoff`, whose content is not yet destroyed, with at least one
 * product version and none published after `cutoff`; the longest closed first.
 */
export async function closedAndPublishedBefore(sql: Sql, cutoff: Date, limit: number): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    `SELECT r.id FROM referrals r
      WHERE r.closed_at IS NOT NULL AND r.content_destroyed_at IS NULL AND r.closed_at <= $1
        AND EXISTS (SELECT 1 FROM products p WHERE p.referral_id = r.id)
        AND (SELECT max(p.published_at) FROM products p WHERE p.referral_id = r.id) <= $1
      ORDER BY r.closed_at LIMIT $2`,
    [cutoff, limit],
  );
  return rows.map((r) => r.id);
}

/**
 * Records that the referral's content was destroyed, unless it already is. Returns whether this call marked it:
 * the row lock makes a concurrent destruction wait and then find nothing to do.
 */
export async function markContentDestroyed(sql: Sql, referralId: string, at: Date): Promise<boolean> {
  const rows = await sql.query<{ id: string }>('UPDATE referrals SET content_destroyed_at = $2, updated_at = $2 WHERE id = $1 AND content_destroyed_at IS NULL RETURNING id', [referralId, at]);
  return rows.length === 1;
}

/** Referrals whose research has not finished, with their unfinished lookups: what a restart resumes. */
export async function listUnfinishedResearch(sql: Sql): Promise<{ referralId: string; rag: Rag; slaDueAt: Date; wave: number; lookupIds: string[] }[]> {
  // The latest wave is the one in progress; its unfinished lookups are what remain to run.
  const rows = await sql.query<{ referral_id: string; rag: Rag; sla_due_at: Date; wave: number | null; lookup_ids: string[] | null }>(
    `SELECT r.id AS referral_id, r.rag, r.sla_due_at, w.wave,
            array_remove(array_agg(l.id ORDER BY l.id) FILTER (WHERE l.status IN ('queued', 'running') AND l.wave = w.wave), NULL) AS lookup_ids
       FROM referrals r
       LEFT JOIN LATERAL (SELECT max(wave) AS wave FROM lookups WHERE referral_id = r.id) w ON true
       LEFT JOIN lookups l ON l.referral_id = r.id
      WHERE r.status IN ('received', 'researching')
      GROUP BY r.id, r.rag, r.sla_due_at, r.received_at, w.wave
      ORDER BY r.received_at`,
  );
  return rows.map((row) => ({ referralId: row.referral_id, rag: row.rag, slaDueAt: new Date(row.sla_due_at), wave: row.wave ?? 1, lookupIds: row.lookup_ids ?? [] }));
}
