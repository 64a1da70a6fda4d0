/**
 * Referral, lookup and fact rows. Every function takes `Sql` — the database or an open
 * transaction — so callers write a change and its audit entry in one transaction.
 */
import type { Agency, Sensitivity } from '../model/agency.ts';
import { Fact } from '../model/fact.ts';
import { AnswerCut, type LookupRecord, type LookupStatus, type Orchestration } from '../model/lookup.ts';
import type { LawfulBasis } from '../model/provenance.ts';
import { ReferralInput, type NewReferral, type Rag, type ReferralRecord, type ReferralStatus, type Threshold } from '../model/referral.ts';
import type { Sql } from './db.ts';
import type { ContentOwner, Vault } from './vault.ts';

interface ReferralRow {
  id: string;
  status: ReferralStatus;
  rag: Rag;
  threshold: Threshold;
  received_at: Date;
  sla_due_at: Date;
  picture_ready_at: Date | null;
  external_reference: string | null;
  sealed_body: Uint8Array;
}

const referralAad = (id: string): string => `referral:${id}`;
const factAad = (id: string): string => `fact:${id}`;

const toReferral = (row: ReferralRow, body: unknown): ReferralRecord => ({
  id: row.id,
  status: row.status,
  rag: row.rag,
  threshold: row.threshold,
  receivedAt: new Date(row.received_at),
  slaDueAt: new Date(row.sla_due_at),
  pictureReadyAt: row.picture_ready_at === null ? null : new Date(row.picture_ready_at),
  externalReference: row.external_reference,
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
    `INSERT INTO referrals (id, idempotency_key, external_reference, status, rag, threshold, received_at, sla_due_at, submitted_by, sealed_body)
     VALUES ($1, $2, $3, 'received', $4, $5, $6, $7, $8, '\\x00'::bytea)`,
    [
      referral.id,
      referral.idempotencyKey,
      referral.input.externalReference ?? null,
      referral.input.rag,
      referral.input.threshold,
      referral.receivedAt,
      referral.slaDueAt,
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
    'SELECT id, status, rag, threshold, received_at, sla_due_at, picture_ready_at, external_reference, sealed_body FROM referrals WHERE id = $1',
    [id],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const body: unknown = JSON.parse(await vault.keyRing(sql, id).open('hub', row.sealed_body, referralAad(id)));
  return toReferral(row, body);
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
}

const LOOKUP_COLUMNS =
  'id, referral_id, connector_id, agency, subject_ref, status, lawful_basis, reason, cuts, attempts, fact_count, orchestrations, started_at, finished_at, wave';


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
  /** Sensitivities revealed to the hub on arrival (the connector's policy; DESIGN rule 2). */
  readonly autoReveal: readonly Sensitivity[];
}

/**
 * Record a lookup's outcome and its facts. Returns the number of facts stored — `undefined`,
 * writing nothing, when the lookup had already finished: that is what keeps a lookup from being
 * recorded twice. The lookup's `fact_count` is the facts actually stored, so a fact the answer
 * repeated (the same id twice) is counted once, as it is stored once.
 */
export async function finishLookup(sql: Sql, vault: Vault, finish: LookupFinish): Promise<number | undefined> {
  const rows = await sql.query<{ id: string }>(
    `UPDATE lookups SET status = $2, reason = $3, cuts = $4, orchestrations = $5, finished_at = $6
     WHERE id = $1 AND status IN ('queued', 'running') RETURNING id`,
    [finish.lookupId, finish.status, finish.reason, JSON.stringify(finish.cuts ?? []), JSON.stringify(finish.orchestrations), finish.at],
  );
  if (rows.length === 0) return undefined;
  const keys = vault.keyRing(sql, finish.referralId);
  let stored = 0;
  for (const fact of finish.facts) {
    // Sealed with the owning agency's key: that agency's content can be destroyed on its own.
    const sealed = await keys.seal(fact.provenance.agency, JSON.stringify(fact), factAad(fact.id));
    const inserted = await sql.query<{ id: string }>(
      `INSERT INTO facts (id, referral_id, lookup_id, agency, kind, person_ref, sensitivity, sealed, revealed_at, revealed_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        fact.id,
        finish.referralId,
        finish.lookupId,
        fact.provenance.agency,
        fact.kind,
        fact.personRef,
        fact.provenance.sensitivity,
        sealed,
        finish.autoReveal.includes(fact.provenance.sensitivity) ? finish.at : null,
        finish.autoReveal.includes(fact.provenance.sensitivity) ? 'policy:auto-reveal' : null,
      ],
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

/** Referrals whose research has not finished, with their unfinished lookups: what a restart resumes. */
export async function listUnfinishedResearch(sql: Sql): Promise<{ referralId: string; rag: Rag; wave: number; lookupIds: string[] }[]> {
  // The latest wave is the one in progress; its unfinished lookups are what remain to run.
  const rows = await sql.query<{ referral_id: string; rag: Rag; wave: number | null; lookup_ids: string[] | null }>(
    `SELECT r.id AS referral_id, r.rag, w.wave,
            array_remove(array_agg(l.id ORDER BY l.id) FILTER (WHERE l.status IN ('queued', 'running') AND l.wave = w.wave), NULL) AS lookup_ids
       FROM referrals r
       LEFT JOIN LATERAL (SELECT max(wave) AS wave FROM lookups WHERE referral_id = r.id) w ON true
       LEFT JOIN lookups l ON l.referral_id = r.id
      WHERE r.status IN ('received', 'researching')
      GROUP BY r.id, r.rag, r.received_at, w.wave
      ORDER BY r.received_at`,
  );
  return rows.map((row) => ({ referralId: row.referral_id, rag: row.rag, wave: row.wave ?? 1, lookupIds: row.lookup_ids ?? [] }));
}
