/**
 * Referral, lookup and fact rows. Every function takes `Sql` — the database or an open
 * transaction — so callers write a change and its audit entry in one transaction.
 */
import type { Agency } from '../model/agency.ts';
import { Fact } from '../model/fact.ts';
import { AnswerCut, LookupEarlierRun, type LookupRecord, type LookupStatus, type Orchestration } from '../model/lookup.ts';
import type { LawfulBasis } from '../model/provenance.ts';
import { ReferralInput, type NewReferral, type Rag, type ReferralRecord, type ReferralStatus, type ReferralSummary, type Threshold } from '../model/referral.ts';
import type { Sql, SqlParam } from './db.ts';
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

interface ReferralRow extends ReferralSummaryRow {
  sealed_body: Uint8Array;
}

const referralAad = (id: string): string => `referral:${id}`;
const factAad = (id: string): string => `fact:${id}`;

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

const toReferral = (row: ReferralRow, body: unknown): ReferralRecord => ({
  ...toReferralSummary(row),
  // Rows we wrote ourselves, but parsed all the same: the store is a trust boundary too.
  input: ReferralInput.parse(body),
});

/**
 * Insert a referral and its planned lookups. With an idempotency key already used, nothing is
 * written and the existing referral's id is returned with `created: false`.
 */
export async function insertReferral(sql: Sql, vault: Vault, referral: NewReferral): Promise<{ created: boolean; id: string }> {
  if (referral.idempotencyKey !== null) {
    const existing = await sql.query<{ id: string }>('SELECT id FROM referrals WHERE idempotency_key = $1', [referral.idempotencyKey]);
    if (existing[0] !== undefined) return { created: false, id: existing[0].id };
  }
  await sql.query(
    `INSERT INTO referrals (id, idempotency_key, external_reference, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, submitted_by, sealed_body)
     VALUES ($1, $2, $3, 'received', $4, $5, $6, $7, $8, $9, '\\x00'::bytea)`,
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
    ],
  );
  // The key row references the referral, so the body is sealed once the row exists.
  const sealed = await vault.keyRing(sql, referral.id).seal('hub', JSON.stringify(referral.input), referralAad(referral.id));
  await sql.query('UPDATE referrals SET sealed_body = $2 WHERE id = $1', [referral.id, sealed]);
  for (const lookup of referral.lookups) {
    await sql.query(
      `INSERT INTO lookups (id, referral_id, connector_id, agency, subject_ref, status, lawful_basis, reason, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        lookup.id,
        referral.id,
        lookup.connectorId,
        lookup.agency,
        lookup.subjectRef,
        lookup.status,
        lookup.lawfulBasis,
        lookup.reason,
        lookup.status === 'not-permitted' ? referral.receivedAt : null,
      ],
    );
  }
  return { created: true, id: referral.id };
}

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

interface LookupRow {
  id: string;
  referral_id: string;
  connector_id: string;
  agency: Agency;
  subject_ref: string;
  status: LookupStatus;
  lawful_basis: LawfulBasis | null;
  reason: string | null;
  attempts: number;
  fact_count: number;
  cuts: unknown;
  orchestrations: Orchestration[];
  started_at: Date | null;
  finished_at: Date | null;
  wave: number;
  recoverable: boolean;
  history: unknown;
}

const LOOKUP_COLUMNS =
  'id, referral_id, connector_id, agency, subject_ref, status, lawful_basis, reason, cuts, attempts, fact_count, orchestrations, started_at, finished_at, wave, recoverable, history';


const toLookup = (row: LookupRow): LookupRecord => ({
  id: row.id,
  referralId: row.referral_id,
  connectorId: row.connector_id,
  agency: row.agency,
  subjectRef: row.subject_ref,
  status: row.status,
  lawfulBasis: row.lawful_basis,
  reason: row.reason,
  // Rows we wrote ourselves, parsed all the same (the store is a trust boundary too).
  cuts: AnswerCut.array().parse(row.cuts),
  attempts: row.attempts,
  factsStored: row.fact_count,
  startedAt: row.started_at === null ? null : new Date(row.started_at).toISOString(),
  finishedAt: row.finished_at === null ? null : new Date(row.finished_at).toISOString(),
  orchestrations: row.orchestrations,
  wave: row.wave,
  recoverable: row.recoverable,
  history: LookupEarlierRun.array().parse(row.history),
});

export async function listLookups(sql: Sql, referralId: string): Promise<LookupRecord[]> {
  const rows = await sql.query<LookupRow>(`SELECT ${LOOKUP_COLUMNS} FROM lookups WHERE referral_id = $1 ORDER BY wave, agency, connector_id, subject_ref`, [referralId]);
  return rows.map(toLookup);
}

export async function getLookup(sql: Sql, lookupId: string): Promise<LookupRecord | undefined> {
  const rows = await sql.query<LookupRow>(`SELECT ${LOOKUP_COLUMNS} FROM lookups WHERE id = $1`, [lookupId]);
  return rows[0] === undefined ? undefined : toLookup(rows[0]);
}

/**
 * Mark a lookup running and count the attempt. Returns false when it already finished, so a
 * redelivered job does nothing.
 */
export async function startLookup(sql: Sql, lookupId: string, at: Date): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    `UPDATE lookups SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, $2)
     WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
    [lookupId, at],
  );
  return rows.length === 1;
}

/**
 * Counts a retry of a running lookup before it is sent, so an attempt a crash cuts off is still
 * counted. Returns false when the lookup is no longer running (nothing counted).
 */
export async function countLookupAttempt(sql: Sql, lookupId: string): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(`UPDATE lookups SET attempts = attempts + 1 WHERE id = $1 AND status = 'running' RETURNING id`, [lookupId]);
  return rows.length === 1;
}

export interface LookupFinish {
  readonly lookupId: string;
  readonly referralId: string;
  readonly status: 'done' | 'partial' | 'failed' | 'timed-out';
  readonly reason: string | null;
  /** What the answer left unread; empty unless `partial`. */
  readonly cuts?: readonly AnswerCut[];
  readonly facts: readonly Fact[];
  readonly orchestrations: readonly Orchestration[];
  readonly at: Date;
  /** A failure the agency's recovery can mend (see migration 013); false when absent. */
  readonly recoverable?: boolean | undefined;
  /**
   * The facts revealed to the hub as they arrive, and by whom (`revealed_by`). The case decides
   * which (the connector's policy: src/case/arrival.ts); the store only records it.
   */
  readonly revealOnArrival?: { readonly factIds: ReadonlySet<string>; readonly by: string } | undefined;
}

/** Columns of one fact row, and rows per INSERT (10 × 100 parameters, far below PostgreSQL's 65,535). */
const FACT_COLUMNS = 10;
const FACT_INSERT_CHUNK = 100;

/**
 * Record a lookup's outcome and its facts. Returns the number of facts stored — `undefined`,
 * writing nothing, when the lookup had already finished: that is what keeps a lookup from being
 * recorded twice. The lookup's `fact_count` is the facts actually stored, so a fact the answer
 * repeated (the same id twice) is counted once, as it is stored once.
 */
export async function finishLookup(sql: Sql, vault: Vault, finish: LookupFinish): Promise<number | undefined> {
  const rows = await sql.query<{ id: string }>(
    `UPDATE lookups SET status = $2, reason = $3, cuts = $4, orchestrations = $5, finished_at = $6, recoverable = $7
     WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
    [finish.lookupId, finish.status, finish.reason, JSON.stringify(finish.cuts ?? []), JSON.stringify(finish.orchestrations), finish.at, finish.recoverable === true],
  );
  if (rows.length === 0) return undefined;
  const keys = vault.keyRing(sql, finish.referralId);
  // A fact the answer repeated is stored once (the first), as ON CONFLICT keeps the stored one.
  const seen = new Set<string>();
  const rowsToInsert: SqlParam[][] = [];
  for (const fact of finish.facts) {
    if (seen.has(fact.id)) continue;
    seen.add(fact.id);
    // Sealed with the owning agency's key: that agency's content can be destroyed on its own.
    const sealed = await keys.seal(fact.provenance.agency, JSON.stringify(fact), factAad(fact.id));
    const revealed = finish.revealOnArrival?.factIds.has(fact.id) === true;
    rowsToInsert.push([fact.id, finish.referralId, finish.lookupId, fact.provenance.agency, fact.kind, fact.personRef, fact.provenance.sensitivity, sealed, revealed ? finish.at : null, revealed ? (finish.revealOnArrival?.by ?? null) : null]);
  }
  // Many rows per statement: one round trip per chunk rather than per fact (most of a lookup's
  // store time, docs/decisions.md "CPU per referral").
  let stored = 0;
  for (let from = 0; from < rowsToInsert.length; from += FACT_INSERT_CHUNK) {
    const chunk = rowsToInsert.slice(from, from + FACT_INSERT_CHUNK);
    const values = chunk.map((_, row) => `(${Array.from({ length: FACT_COLUMNS }, (_, column) => `$${row * FACT_COLUMNS + column + 1}`).join(', ')})`).join(', ');
    const inserted = await sql.query<{ id: string }>(
      `INSERT INTO facts (id, referral_id, lookup_id, agency, kind, person_ref, sensitivity, sealed, revealed_at, revealed_by)
       VALUES ${values} ON CONFLICT (id) DO NOTHING RETURNING id`,
      chunk.flat(),
    );
    stored += inserted.length;
  }
  await sql.query('UPDATE lookups SET fact_count = $2 WHERE id = $1', [finish.lookupId, stored]);
  return stored;
}

export async function listFacts(sql: Sql, vault: Vault, referralId: string): Promise<Fact[]> {
  const rows = await sql.query<{ id: string; agency: ContentOwner; sealed: Uint8Array }>('SELECT id, agency, sealed FROM facts WHERE referral_id = $1 ORDER BY agency, kind, id', [referralId]);
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
