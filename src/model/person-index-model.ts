/**
 * Versions of the person index's match model as the store keeps them and identity, the case and
 * the gateway read them: which version is active, what each was trained on, how EM went, and why
 * a refused one was refused.
 *
 * Why in the model: the store keeps the rows (src/store/person-index-models.ts) and identity
 * decides what is estimated and what is refused (src/identity/live-model.ts); the records crossing
 * that port are domain records here (docs/decisions.md "One home for identity"). The parameters
 * are identity's `MatchModel`, opaque here (`unknown`): identity checks their shape when it reads
 * them. Pure: no I/O. Nothing here is personal data — counts, field names and numbers only.
 */
import { z } from 'zod';
import type { IndexedRecord } from './person-index.ts';

/** A version's standing: the one the index matches with, one refused, or one since replaced. */
export const ModelStatus = z.enum(['active', 'refused', 'superseded']);
export type ModelStatus = z.infer<typeof ModelStatus>;

/** The release's prior (version 0), or a model estimated from the index's records. */
export type ModelKind = 'prior' | 'estimated';

/** What started an estimation. */
export type ModelTrigger = 'migration' | 'schedule' | 'request';

/** Why a model was refused: a stable code and a sentence of counts and field names. */
export const RefusalReason = z.object({ code: z.string(), message: z.string() });
export type RefusalReason = z.infer<typeof RefusalReason>;

/** One version, as listed: no parameters. */
export interface ModelVersionSummary {
  readonly version: number;
  readonly kind: ModelKind;
  readonly status: ModelStatus;
  readonly createdAt: Date;
  readonly activatedAt: Date | null;
  readonly supersededAt: Date | null;
  readonly trigger: ModelTrigger;
  readonly requestedBy: string | null;
  readonly records: number;
  readonly candidatePairs: number;
  readonly trainingPairs: number;
  readonly iterations: number;
  readonly converged: boolean | null;
  readonly expectedMatches: number | null;
  readonly dataFingerprint: string | null;
  readonly reasons: readonly RefusalReason[];
}

/** A version with what identity builds a matcher from: parameters (JSON, no values) and the opened term frequencies. */
export interface StoredModelVersion extends ModelVersionSummary {
  readonly parameters: unknown;
  readonly termFrequencies: unknown;
}

/** A version to record: `active` supersedes the active one in the same statement's transaction. */
export interface NewModelVersion {
  readonly status: 'active' | 'refused';
  readonly createdAt: Date;
  readonly trigger: Exclude<ModelTrigger, 'migration'>;
  readonly requestedBy: string | null;
  readonly records: number;
  readonly candidatePairs: number;
  readonly trainingPairs: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly expectedMatches: number | null;
  readonly dataFingerprint: string;
  /** The model without its term frequencies (JSON: numbers and field names), or null when estimation failed. */
  readonly parameters: unknown;
  /** Value → count per field: personal data, sealed by the store. */
  readonly termFrequencies: unknown;
  readonly reasons: readonly RefusalReason[];
}

/** The records an estimation trains on, opened, and the fingerprint of the index they came from. */
export interface TrainingSnapshot {
  /** `<records>:<highest record id>`: changes whenever a record is added or forgotten (ids only grow). */
  readonly fingerprint: string;
  /** Records in the index. */
  readonly total: number;
  /** The most recent records (at most the limit asked for), opened. */
  readonly records: readonly IndexedRecord[];
}
