/**
 * What the live model needs from outside identity: the model versions' rows and the audit log.
 * Declared here, implemented by the store (`createModelStore`, src/store/person-index-models.ts)
 * and the audit log (`appendAudit`), wired by the composition root — as the person index's own
 * port is (src/identity/port.ts; docs/decisions.md "One home for identity").
 * Every method takes `sql`, the caller's handle: inside `db.transaction(tx => …)`, its `tx`.
 */
import type { ModelVersionSummary, NewModelVersion, StoredModelVersion, TrainingSnapshot } from '../model/person-index-model.ts';
import type { Sql } from '../store/db.ts';

/** The model versions' rows. */
export interface ModelStore {
  /** The active version: read in every resolving transaction, so one indexed row. */
  activeVersion(sql: Sql): Promise<number>;
  /** One version with its parameters and opened term frequencies. */
  readVersion(sql: Sql, version: number): Promise<StoredModelVersion | undefined>;
  /** Every version, newest first. */
  listVersions(sql: Sql): Promise<ModelVersionSummary[]>;
  /** The latest version recorded for the index's records as they are now, if any. */
  versionForFingerprint(sql: Sql, fingerprint: string): Promise<ModelVersionSummary | undefined>;
  /** The index's fingerprint (record count and highest id), without opening a record. */
  fingerprint(sql: Sql): Promise<string>;
  /** The index's fingerprint and its most recent records, opened (in this process only). */
  trainingSnapshot(sql: Sql, limit: number): Promise<TrainingSnapshot>;
  /** Records a version (an active one supersedes the active one), unless the same records were estimated since. */
  recordVersion(sql: Sql, version: NewModelVersion): Promise<{ readonly kind: 'recorded' | 'unchanged'; readonly version: number }>;
}

/** An audit entry of the live model: counts, codes and version numbers, never a value of a record (CONVENTIONS.md §8). */
export interface ModelAuditEntry {
  readonly at: Date;
  readonly actor: string;
  readonly action: 'person-index.model.estimated' | 'person-index.model.refused';
  /** `model-version:<n>`. */
  readonly subject: string;
  readonly detail: Readonly<Record<string, string | number | boolean | null | readonly string[]>>;
}

/** Appends an audit entry in the caller's transaction (src/audit/log.ts `appendAudit`). */
export type AppendModelAudit = (sql: Sql, entry: ModelAuditEntry) => Promise<unknown>;
