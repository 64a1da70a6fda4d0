/**
 * The person index's model versions in SQL: the active version (read in every resolving
 * transaction, so it must be cheap), a version's parameters, the list, the records an estimation
 * trains on, and the one write that records a new version — activating it and superseding the one
 * before, or keeping it as refused.
 *
 * Why its own store: the model is state beside the index, changed by a scheduled job in whichever
 * process runs it, and read by every process that resolves records (docs/decisions.md "The live
 * person index trains its own model"). Its term frequencies are names and towns with their counts,
 * personal data like the records they were counted from: they are sealed (AES-256-GCM) under a
 * key derived from the index key, bound to the version; everything else stored is numbers, field
 * names and counts. Records are opened only here, in the process doing the estimation.
 *
 * Concurrency: an estimation writes under a transaction-scoped advisory lock, and a version is
 * recorded only when no version was recorded since for the same records (the data fingerprint),
 * so several processes estimating at once record one version.
 */
import { hkdfSync } from 'node:crypto';
import { openJson, sealJson } from '../lib/envelope.ts';
import { RefusalReason, type ModelKind, type ModelStatus, type ModelTrigger, type ModelVersionSummary, type NewModelVersion, type StoredModelVersion, type TrainingSnapshot } from '../model/person-index-model.ts';
import type { Sql } from './db.ts';
import { createIndexCodec } from './person-index/codec.ts';

// Namespace of the advisory lock every estimation writes under (one at a time in the deployment).
const ESTIMATION_LOCK = 72_616_019;
const MODEL_SEAL_INFO = 'person-index/model-seal';

const termFrequencyAad = (version: number): string => `person-index-model:${version}:term-frequencies`;

/** What an estimation recorded: the version, or that the same records were estimated already. */
export type RecordedVersion = { readonly kind: 'recorded'; readonly version: number } | { readonly kind: 'unchanged'; readonly version: number };

/** The model versions' rows, as identity's `ModelStore` port asks for them. */
export interface ModelRows {
  /** The active version: one indexed row, read in the resolving transaction. */
  activeVersion(sql: Sql): Promise<number>;
  /** One version with its parameters and opened term frequencies; undefined when there is none. */
  readVersion(sql: Sql, version: number): Promise<StoredModelVersion | undefined>;
  /** Every version, newest first (no parameters). */
  listVersions(sql: Sql): Promise<ModelVersionSummary[]>;
  /** The latest version recorded for these records, if any (an unchanged index is not estimated again). */
  versionForFingerprint(sql: Sql, fingerprint: string): Promise<ModelVersionSummary | undefined>;
  /** The index's fingerprint: its record count and highest record id (one index-only aggregate, no record opened). */
  fingerprint(sql: Sql): Promise<string>;
  /** The index's fingerprint and its `limit` most recent records, opened. */
  trainingSnapshot(sql: Sql, limit: number): Promise<TrainingSnapshot>;
  /**
   * Records a new version under the estimation lock, unless a version was recorded since for the
   * same fingerprint. An active one supersedes the active version in the same transaction.
   */
  recordVersion(sql: Sql, version: NewModelVersion): Promise<RecordedVersion>;
}

interface VersionRow {
  version: number;
  kind: ModelKind;
  status: ModelStatus;
  created_at: Date;
  activated_at: Date | null;
  superseded_at: Date | null;
  trigger: ModelTrigger;
  requested_by: string | null;
  records: number;
  candidate_pairs: number;
  training_pairs: number;
  iterations: number;
  converged: boolean | null;
  expected_matches: number | null;
  data_fingerprint: string | null;
  reasons: unknown;
}

const SUMMARY_COLUMNS = `version, kind, status, created_at, activated_at, superseded_at, trigger, requested_by, records, candidate_pairs,
  training_pairs, iterations, converged, expected_matches, data_fingerprint, reasons`;

const summaryOf = (row: VersionRow): ModelVersionSummary => {
  const reasons = RefusalReason.array().safeParse(row.reasons);
  return {
    version: row.version,
    kind: row.kind,
    status: row.status,
    createdAt: new Date(row.created_at),
    activatedAt: row.activated_at === null ? null : new Date(row.activated_at),
    supersededAt: row.superseded_at === null ? null : new Date(row.superseded_at),
    trigger: row.trigger,
    requestedBy: row.requested_by,
    records: row.records,
    candidatePairs: row.candidate_pairs,
    trainingPairs: row.training_pairs,
    iterations: row.iterations,
    converged: row.converged,
    expectedMatches: row.expected_matches,
    dataFingerprint: row.data_fingerprint,
    reasons: reasons.success ? reasons.data : [],
  };
};

/** Records and the highest record id: ids only grow, so any record added or forgotten changes the pair. */
async function fingerprintOf(sql: Sql): Promise<{ fingerprint: string; total: number }> {
  const counts = await sql.query<{ total: number; highest: number | null }>('SELECT count(*)::int AS total, max(id)::float8 AS highest FROM person_index_records');
  const total = counts[0]?.total ?? 0;
  return { fingerprint: `${total}:${counts[0]?.highest ?? 0}`, total };
}

/** The model versions' rows under an index key (32 bytes, `deriveIndexKey(masterKey)`). */
export function createModelStore(indexKey: Uint8Array): ModelRows {
  const codec = createIndexCodec(indexKey);
  const sealKey = Buffer.from(hkdfSync('sha256', indexKey, Buffer.alloc(0), MODEL_SEAL_INFO, 32));

  const versionForFingerprint = async (sql: Sql, fingerprint: string): Promise<ModelVersionSummary | undefined> => {
    const rows = await sql.query<VersionRow>(`SELECT ${SUMMARY_COLUMNS} FROM person_index_models WHERE data_fingerprint = $1 ORDER BY version DESC LIMIT 1`, [fingerprint]);
    const row = rows[0];
    return row === undefined ? undefined : summaryOf(row);
  };

  return {
    async activeVersion(sql) {
      const rows = await sql.query<{ version: number }>("SELECT version FROM person_index_models WHERE status = 'active'");
      const row = rows[0];
      if (row === undefined) throw new Error('person index: no active model version');
      return row.version;
    },
    async readVersion(sql, version) {
      const rows = await sql.query<VersionRow & { parameters: unknown; sealed_term_frequencies: Uint8Array | null }>(
        `SELECT ${SUMMARY_COLUMNS}, parameters, sealed_term_frequencies FROM person_index_models WHERE version = $1`,
        [version],
      );
      const row = rows[0];
      if (row === undefined) return undefined;
      const sealed = row.sealed_term_frequencies;
      return { ...summaryOf(row), parameters: row.parameters, termFrequencies: sealed === null ? null : openJson(sealKey, sealed, termFrequencyAad(version)) };
    },
    async listVersions(sql) {
      return (await sql.query<VersionRow>(`SELECT ${SUMMARY_COLUMNS} FROM person_index_models ORDER BY version DESC`)).map(summaryOf);
    },
    versionForFingerprint,
    fingerprint: async (sql) => (await fingerprintOf(sql)).fingerprint,
    async trainingSnapshot(sql, limit) {
      const { fingerprint, total } = await fingerprintOf(sql);
      const rows = await sql.query<{ record_key: string; sealed_record: Uint8Array }>('SELECT record_key, sealed_record FROM person_index_records ORDER BY id DESC LIMIT $1', [limit]);
      return { fingerprint, total, records: rows.map((row) => codec.openRecord(row.record_key, row.sealed_record)) };
    },
    async recordVersion(sql, input) {
      await sql.query('SELECT pg_advisory_xact_lock($1)', [ESTIMATION_LOCK]);
      const known = await versionForFingerprint(sql, input.dataFingerprint);
      if (known !== undefined) return { kind: 'unchanged', version: known.version };
      const next = await sql.query<{ version: number }>('SELECT coalesce(max(version), 0) + 1 AS version FROM person_index_models');
      const version = next[0]?.version ?? 1;
      const active = input.status === 'active';
      if (active) await sql.query("UPDATE person_index_models SET status = 'superseded', superseded_at = $1 WHERE status = 'active'", [input.createdAt]);
      await sql.query(
        `INSERT INTO person_index_models (version, kind, status, created_at, activated_at, trigger, requested_by, records, candidate_pairs, training_pairs,
           iterations, converged, expected_matches, data_fingerprint, parameters, sealed_term_frequencies, reasons)
         VALUES ($1, 'estimated', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16::jsonb)`,
        [
          version,
          input.status,
          input.createdAt,
          active ? input.createdAt : null,
          input.trigger,
          input.requestedBy,
          input.records,
          input.candidatePairs,
          input.trainingPairs,
          input.iterations,
          input.converged,
          input.expectedMatches !== null && Number.isFinite(input.expectedMatches) ? input.expectedMatches : null,
          input.dataFingerprint,
          input.parameters === null || input.parameters === undefined ? null : JSON.stringify(input.parameters),
          input.termFrequencies === null || input.termFrequencies === undefined ? null : sealJson(sealKey, input.termFrequencies, termFrequencyAad(version)),
          JSON.stringify(input.reasons),
        ],
      );
      return { kind: 'recorded', version };
    },
  };
}
