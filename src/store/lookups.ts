/**
 * Lookup rows: a referral's planned lookups, a lookup started with what running it needs, its
 * outcome recorded with its facts and audit entry, and the reads of them. The referral rows they
 * belong to are src/store/referrals.ts's.
 */
import type { Agency } from '../model/agency.ts';
import type { Fact } from '../model/fact.ts';
import { AnswerCut, LookupEarlierRun, type LookupRecord, type LookupStatus, type NewLookup, type Orchestration } from '../model/lookup.ts';
import type { LawfulBasis } from '../model/provenance.ts';
import { Subject, type ReferralRecord, type ReferralStatus } from '../model/referral.ts';
import { AUDIT_ROW_COLUMNS, type AuditRow } from './audit-rows.ts';
import { definitionForUse } from './connectors.ts';
import type { Sql, SqlParam } from './db.ts';
import { discoveredSubjectAad, factAad, lookupColumns, referralAad, toReferral, type ReferralRow } from './referrals.ts';
import type { DataKey, KeyRing, Vault } from './vault.ts';

/**
 * A referral's planned lookups of one wave, in one statement; a lookup already there is left as
 * it is (a redelivered wave). A lookup not permitted is finished as it is planned.
 */
export async function insertLookups(sql: Sql, referralId: string, lookups: readonly NewLookup[], wave: number, at: Date): Promise<void> {
  if (lookups.length === 0) return;
  await sql.query(
    `INSERT INTO lookups (id, referral_id, connector_id, agency, subject_ref, status, lawful_basis, reason, finished_at, wave)
     SELECT l.id, $1, l.connector_id, l.agency, l.subject_ref, l.status, l.lawful_basis, l.reason, CASE WHEN l.status = 'not-permitted' THEN $2::timestamptz END, $3
       FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY
            AS l (id, connector_id, agency, subject_ref, status, lawful_basis, reason, n)
      ORDER BY l.n
     ON CONFLICT (id) DO NOTHING`,
    [
      referralId,
      at,
      wave,
      ...lookupColumns(lookups),
    ],
  );
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

/** A lookup started, with what running it needs, read in the statement that started it. */
export interface StartedLookup {
  readonly lookup: LookupRecord;
  readonly referral: ReferralRecord;
  /** The subject when it is a household member found by an earlier wave (not in the referral's input). */
  readonly discoveredSubject: Subject | undefined;
  /** The connector's definition (JSON text) with its sealed credentials opened, or null when it is no longer configured (or deleted). */
  readonly connectorDefinition: string | null;
  /** The lookup's agency's data key for this referral, when it exists and lives. */
  readonly agencyKey: DataKey | undefined;
  /** Whether any picture of the case is stored (src/case/pictures.ts keeps stored ones warm). */
  readonly picturesStored: boolean;
  /** Whether a lookup of an earlier wave of this referral on the same connector ran out its deadline. */
  readonly earlierWaveTimedOut: boolean;
}

interface StartedRow extends LookupRow, Omit<ReferralRow, 'id' | 'status'> {
  referral_status: ReferralStatus;
  connector_definition: string | null;
  connector_credentials: Uint8Array | null;
  hub_key: Uint8Array | null;
  agency_key: Uint8Array | null;
  sealed_subject: Uint8Array | null;
  pictures_stored: boolean;
  earlier_wave_timed_out: boolean;
}

/**
 * Starts a lookup of `referralId` — marks it running, counts the attempt, moves a `received`
 * referral to `researching` — and reads what running it needs (the referral, the subject, the
 * connector, the agency's data key) in the same statement: one round trip where there were seven
 * (docs/decisions.md "CPU per referral"). `finished` when the lookup has already finished (a
 * redelivered job does nothing); `unknown` when there is no such lookup of that referral.
 */
export async function startLookupWithCase(sql: Sql, vault: Vault, referralId: string, lookupId: string, at: Date): Promise<StartedLookup | 'finished' | 'unknown'> {
  const rows = await sql.query<StartedRow>(
    `WITH started AS (
       UPDATE lookups SET status = 'running', attempts = attempts + 1, started_at = COALESCE(started_at, $3)
        WHERE id = $1 AND referral_id = $2 AND status IN ('queued', 'running')
       RETURNING ${LOOKUP_COLUMNS}
     ), researching AS (
       UPDATE referrals SET status = 'researching', updated_at = $3
        WHERE id = (SELECT referral_id FROM started) AND status = 'received'
       RETURNING id
     )
     SELECT s.*, CASE WHEN EXISTS (SELECT 1 FROM researching) THEN 'researching' ELSE r.status END AS referral_status,
            r.rag, r.threshold, r.received_at, r.sla_due_at, r.sla_at_risk_at, r.picture_ready_at, r.external_reference, r.sealed_body,
            c.definition::text AS connector_definition, c.sealed_credentials AS connector_credentials, hub.wrapped_key AS hub_key, own.wrapped_key AS agency_key, d.sealed_subject,
            EXISTS (SELECT 1 FROM case_pictures AS p WHERE p.referral_id = s.referral_id) AS pictures_stored,
            EXISTS (SELECT 1 FROM lookups AS e WHERE e.referral_id = s.referral_id AND e.connector_id = s.connector_id AND e.wave < s.wave AND e.status = 'timed-out') AS earlier_wave_timed_out
       FROM started AS s
       JOIN referrals AS r ON r.id = s.referral_id
       LEFT JOIN connectors AS c ON c.id = s.connector_id AND c.deleted_at IS NULL
       LEFT JOIN content_keys AS hub ON hub.referral_id = s.referral_id AND hub.owner = 'hub'
       LEFT JOIN content_keys AS own ON own.referral_id = s.referral_id AND own.owner = s.agency
       LEFT JOIN discovered_subjects AS d ON d.referral_id = s.referral_id AND d.ref = s.subject_ref`,
    [lookupId, referralId, at],
  );
  const row = rows[0];
  if (row === undefined) {
    const known = await sql.query<{ id: string }>('SELECT id FROM lookups WHERE id = $1 AND referral_id = $2', [lookupId, referralId]);
    return known.length === 1 ? 'finished' : 'unknown';
  }
  const hub = vault.unwrap(referralId, 'hub', row.hub_key);
  const referral = toReferral({ ...row, id: referralId, status: row.referral_status }, JSON.parse(hub.open(row.sealed_body, referralAad(referralId))));
  const discoveredSubject = row.sealed_subject === null ? undefined : Subject.parse(JSON.parse(hub.open(row.sealed_subject, discoveredSubjectAad(referralId, row.subject_ref))));
  return {
    lookup: toLookup({ ...row, id: lookupId, referral_id: referralId }),
    referral,
    discoveredSubject,
    // Sealed credentials are opened here, in memory only (docs/decisions.md "Connector administration").
    connectorDefinition: row.connector_definition === null ? null : definitionForUse(vault, row.connector_id, row.connector_definition, row.connector_credentials),
    agencyKey: row.agency_key === null ? undefined : vault.unwrap(referralId, row.agency, row.agency_key),
    picturesStored: row.pictures_stored,
    earlierWaveTimedOut: row.earlier_wave_timed_out,
  };
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

/** What else is written with a lookup's outcome, in the same statement. */
export interface FinishOptions {
  /**
   * The owning agency's data key, read when the lookup started (`startLookupWithCase`): facts of
   * that agency are sealed with it, without reading the key ring again. Facts of another owner,
   * or all of them without it, are sealed through the key ring.
   */
  readonly key?: DataKey | undefined;
  /** The audit entry of the outcome, given the facts stored; written only when the outcome is. */
  readonly audit?: ((factsStored: number) => AuditRow) | undefined;
}

/**
 * Record a lookup's outcome, its facts and (optionally) its audit entry — in one statement, so on
 * its own handle it needs no transaction: all is written, or none (docs/decisions.md "CPU per
 * referral"). Returns the number of facts stored — `undefined`, writing nothing, when the lookup
 * had already finished: that is what keeps a lookup from being recorded twice. A fact the answer
 * repeated (the same id twice) is stored and counted once. Fact ids name their lookup
 * (src/mapping/fact-parts.ts), and only a failed lookup (which stored none) runs again, so every
 * fact of the answer is stored by this statement.
 */
export async function finishLookup(sql: Sql, vault: Vault, finish: LookupFinish, options: FinishOptions = {}): Promise<number | undefined> {
  const facts = new Map<string, Fact>();
  for (const fact of finish.facts) if (!facts.has(fact.id)) facts.set(fact.id, fact);
  let ring: KeyRing | undefined;
  const columns: (string | null)[][] = [[], [], [], [], [], [], [], []];
  for (const fact of facts.values()) {
    // Sealed with the owning agency's key: that agency's content can be destroyed on its own.
    const plaintext = JSON.stringify(fact);
    const sealed =
      options.key !== undefined && fact.provenance.agency === options.key.owner
        ? options.key.seal(plaintext, factAad(fact.id))
        : await (ring ??= vault.keyRing(sql, finish.referralId)).seal(fact.provenance.agency, plaintext, factAad(fact.id));
    const revealed = finish.revealOnArrival?.factIds.has(fact.id) === true;
    const values = [fact.id, fact.provenance.agency, fact.kind, fact.personRef, fact.provenance.sensitivity, Buffer.from(sealed).toString('base64'), revealed ? finish.at.toISOString() : null, revealed ? (finish.revealOnArrival?.by ?? null) : null];
    values.forEach((value, column) => columns[column]?.push(value));
  }
  const audit = options.audit?.(facts.size);
  const params: SqlParam[] = [finish.lookupId, finish.status, finish.reason, JSON.stringify(finish.cuts ?? []), JSON.stringify(finish.orchestrations), finish.at, finish.recoverable === true, facts.size, finish.referralId, ...columns];
  const auditAt = params.length + 1;
  if (audit !== undefined) params.push(...audit);
  const rows = await sql.query<{ finished: number }>(
    `WITH finished AS (
       UPDATE lookups SET status = $2, reason = $3, cuts = $4, orchestrations = $5, finished_at = $6, recoverable = $7, fact_count = $8
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING id
     ), stored AS (
       INSERT INTO facts (id, referral_id, lookup_id, agency, kind, person_ref, sensitivity, sealed, revealed_at, revealed_by)
       SELECT f.id, $9, $1, f.agency, f.kind, f.person_ref, f.sensitivity, decode(f.sealed, 'base64'), f.revealed_at, f.revealed_by
         FROM unnest($10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::timestamptz[], $17::text[])
              AS f (id, agency, kind, person_ref, sensitivity, sealed, revealed_at, revealed_by)
        WHERE EXISTS (SELECT 1 FROM finished)
       ON CONFLICT (id) DO NOTHING
     )${
       audit === undefined
         ? ''
         : `, audited AS (
       INSERT INTO audit_log (${AUDIT_ROW_COLUMNS})
       SELECT ${audit.map((_, i) => `$${auditAt + i}${i === 0 ? '::timestamptz' : i === 3 ? '::uuid' : ''}`).join(', ')} WHERE EXISTS (SELECT 1 FROM finished)
     )`
     }
     SELECT count(*)::int AS finished FROM finished`,
    params,
  );
  return rows[0]?.finished === 1 ? facts.size : undefined;
}

