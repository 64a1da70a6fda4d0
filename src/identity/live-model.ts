/**
 * The person index's live model: which version the index matches with now, a matcher per
 * version built once and cached, and the estimation that trains a new version from the index's
 * own records — activated when it passes the quality checks, refused with its reasons otherwise.
 *
 * Why: a fixed prior model scores every hub alike; the hub's own records say how often names,
 * birth dates and addresses agree among its true matches and by chance. EM (estimate.ts) learns
 * that; the checks (model-quality.ts) keep a degenerate fit from ever scoring a link
 * (docs/decisions.md "The live person index trains its own model").
 *
 * Every process picks up a new version without a restart: the resolving transaction reads the
 * active version (one indexed row) and asks for its matcher, built from the stored parameters the
 * first time and cached by version. The configured outcome bands (MASH_MATCH_*_PROBABILITY) apply
 * to whatever version is active, and to the prior.
 *
 * Personal data: the records are opened only in the process estimating, inside this call; the
 * store seals the term frequencies; audit entries and outcomes carry counts, codes and versions.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../lib/clock.ts';
import type { ModelVersionSummary } from '../model/person-index-model.ts';
import type { Db, Sql } from '../store/db.ts';
import { FIELDS, LEVELS } from './engine/comparators.ts';
import type { EstimateOptions } from './engine/estimate.ts';
import { createMatcher, type Matcher } from './engine/matcher.ts';
import { assertModel, defaultModel, type MatchModel, type OutcomeThresholds } from './engine/model.ts';
import type { PersonRecord } from './engine/record.ts';
import type { AppendModelAudit, ModelStore } from './model-port.ts';
import { DEFAULT_QUALITY_RULES, judgeEstimation, type QualityRules } from './model-quality.ts';
import { trainInThread, type TrainingOptions, type TrainingResult } from './model-training.ts';
import { z } from 'zod';

/** The matcher the index scores with now, and the version it was built from. */
export interface ActiveMatcher {
  readonly version: number;
  readonly matcher: Matcher;
}

/** What an estimation did: activated a new version, refused one (recorded with reasons), or found the records estimated already. */
export type EstimationOutcome =
  | { readonly kind: 'activated'; readonly version: ModelVersionSummary }
  | { readonly kind: 'refused'; readonly version: ModelVersionSummary }
  | { readonly kind: 'unchanged'; readonly version: ModelVersionSummary };

/** Who asked for an estimation. */
export interface EstimationRequest {
  readonly trigger: 'schedule' | 'request';
  /** Token subject, or `system:<role>` for the schedule. */
  readonly actor: string;
}

/** The live model's operations. */
export interface LiveModel {
  /** The prior with the configured outcome bands: what subject-level matching and a fresh index use. */
  readonly prior: Matcher;
  /** The active version's matcher, read in the caller's transaction. */
  active(sql: Sql): Promise<ActiveMatcher>;
  /** Estimates a model from the index's records and records it (active or refused), unless they were estimated already. */
  estimate(request: EstimationRequest): Promise<EstimationOutcome>;
  /** Every version, newest first (no parameters). */
  list(): Promise<ModelVersionSummary[]>;
}

/** Options of `createLiveModel`. */
export interface LiveModelOptions {
  readonly db: Db;
  readonly store: ModelStore;
  readonly audit: AppendModelAudit;
  readonly clock: Clock;
  /** The configured outcome bands (log2 odds), applied to every version; the model's own without them. */
  readonly thresholds?: OutcomeThresholds | undefined;
  /** The most recent records an estimation trains on (default 50,000): bounds its memory and time (docs/decisions.md). */
  readonly maxRecords?: number | undefined;
  readonly rules?: QualityRules | undefined;
  /** EM options (default: at most 1,000 iterations). */
  readonly em?: Pick<EstimateOptions, 'maxIterations' | 'tolerance' | 'sampleSize'> | undefined;
}

/**
 * The engine's comparison shape (fields and their levels, in order): part of every version's data
 * fingerprint, so a release whose engine compares differently estimates again even on unchanged
 * records, and a stored version of another shape is never used to score (see `active`).
 */
export const ENGINE_SHAPE = createHash('sha256')
  .update(FIELDS.map((field) => `${field}=${LEVELS[field].join('|')}`).join(';'))
  .digest('hex')
  .slice(0, 16);

/** Matchers kept per version: the active one and the few before it that transactions still in flight may use. */
const CACHED_VERSIONS = 4;


// The stored parameters: the model without its term frequencies. Checked loosely here (a model may
// gain fields and levels), then in full by `assertModel`.
const FieldParameters = z.object({ m: z.array(z.number()), u: z.array(z.number()) });
const ModelParameters = z.looseObject({
  fields: z.record(z.string(), FieldParameters),
  priorMatch: z.number(),
  thresholds: z.looseObject({ match: z.number(), possible: z.number(), requirePersonalEvidence: z.boolean().optional() }),
  termAdjustment: z.object({ min: z.number(), max: z.number() }),
  identifiers: z.object({ agree: z.number(), conflict: z.number() }),
});
const TermFrequencyTables = z.record(z.string(), z.object({ total: z.number(), counts: z.record(z.string(), z.number()) }));

/** A stored version's model, checked; throws on a malformed one (a store holds only models checked before activation). */
function modelOf(parameters: unknown, termFrequencies: unknown): MatchModel {
  const parsed = ModelParameters.parse(parameters);
  for (const field of FIELDS) if (parsed.fields[field] === undefined) throw new RangeError(`stored model: no parameters for field ${field}`);
  const tables = termFrequencies === null || termFrequencies === undefined ? {} : TermFrequencyTables.parse(termFrequencies);
  // Parsed above and checked field by field and level by level by assertModel below.
  const model = { ...parsed, termFrequencies: tables } as unknown as MatchModel;
  assertModel(model);
  return model;
}

/** Builds the live model over its store. */
export function createLiveModel(options: LiveModelOptions): LiveModel {
  const { db, store, clock } = options;
  const rules = options.rules ?? DEFAULT_QUALITY_RULES;
  const maxRecords = options.maxRecords ?? 50_000;
  const banded = (model: MatchModel): MatchModel => (options.thresholds === undefined ? model : { ...model, thresholds: options.thresholds });
  const prior = createMatcher(banded(defaultModel()));

  const cache = new Map<number, ActiveMatcher>();

  /**
   * The matcher of a version. A version this release's engine cannot use (trained on another
   * comparison shape, before an upgrade) scores nothing: the prior does, and the link says version
   * 0, until the schedule trains a version of this shape (the fingerprint includes it).
   */
  const matcherOf = async (sql: Sql, version: number): Promise<ActiveMatcher> => {
    const cached = cache.get(version);
    if (cached !== undefined) return cached;
    const stored = await store.readVersion(sql, version);
    if (stored === undefined) throw new Error(`person index: model version ${version} is not stored`);
    let active: ActiveMatcher = { version: 0, matcher: prior };
    if (stored.kind !== 'prior' && stored.dataFingerprint?.endsWith(`:${ENGINE_SHAPE}`) === true) {
      try {
        active = { version, matcher: createMatcher(banded(modelOf(stored.parameters, stored.termFrequencies))) };
      } catch {
        // Malformed for this engine: the prior scores (above).
      }
    }
    cache.set(version, active);
    for (const old of cache.keys()) if (cache.size > CACHED_VERSIONS && old !== version) cache.delete(old);
    return active;
  };
  /** The index's fingerprint as versions are keyed: its records, and the engine's comparison shape. */
  const fingerprintOf = (records: string): string => `${records}:${ENGINE_SHAPE}`;

  /** Runs the training in a thread of its own (model-training.ts says why). */
  const train = (records: readonly PersonRecord[]): Promise<TrainingResult> => {
    const training: TrainingOptions = {
      minRecords: rules.minRecords,
      minTrainingPairs: rules.minTrainingPairs,
      em: { maxIterations: 1_000, ...options.em, ...(options.thresholds === undefined ? {} : { thresholds: options.thresholds }) },
    };
    return trainInThread(records, training);
  };

  const summaryFor = async (fingerprint: string): Promise<ModelVersionSummary> => {
    const summary = await store.versionForFingerprint(db, fingerprint);
    if (summary === undefined) throw new Error('person index: the recorded model version is not found');
    return summary;
  };

  return {
    prior,
    active: async (sql) => matcherOf(sql, await store.activeVersion(sql)),
    async estimate(request) {
      // The cheap question first: a schedule that finds the index unchanged opens no record.
      const known = await store.versionForFingerprint(db, fingerprintOf(await store.fingerprint(db)));
      if (known !== undefined) return { kind: 'unchanged', version: known };
      const snapshot = await db.transaction((tx) => store.trainingSnapshot(tx, maxRecords));
      const fingerprint = fingerprintOf(snapshot.fingerprint);
      const trained = await train(snapshot.records);
      const reasons = [...(trained.failed === undefined ? [] : [trained.failed]), ...judgeEstimation({ records: snapshot.records.length, trainingPairs: trained.trainingPairs, estimation: trained.estimation }, rules)];
      const status = reasons.length === 0 ? 'active' : 'refused';
      const estimation = trained.estimation;
      // Stored apart: the parameters as JSON (numbers), the term frequencies (names, towns) sealed by the store.
      const parameters = estimation === undefined ? null : Object.fromEntries(Object.entries(estimation.model).filter(([key]) => key !== 'termFrequencies'));
      const at = clock.now();
      const recorded = await db.transaction(async (tx) => {
        const result = await store.recordVersion(tx, {
          status,
          createdAt: at,
          trigger: request.trigger,
          requestedBy: request.trigger === 'request' ? request.actor : null,
          records: snapshot.records.length,
          candidatePairs: trained.candidatePairs,
          trainingPairs: trained.trainingPairs,
          iterations: estimation?.iterations ?? 0,
          converged: estimation?.converged ?? false,
          expectedMatches: estimation?.expectedMatches ?? null,
          dataFingerprint: fingerprint,
          parameters,
          termFrequencies: estimation?.model.termFrequencies ?? null,
          reasons,
        });
        if (result.kind === 'recorded') {
          await options.audit(tx, {
            at,
            actor: request.actor,
            action: status === 'active' ? 'person-index.model.estimated' : 'person-index.model.refused',
            subject: `model-version:${result.version}`,
            detail: {
              version: result.version,
              trigger: request.trigger,
              records: snapshot.records.length,
              trainingPairs: trained.trainingPairs,
              candidatePairs: trained.candidatePairs,
              iterations: estimation?.iterations ?? 0,
              converged: estimation?.converged ?? false,
              reasons: reasons.map((r) => r.code),
            },
          });
        }
        return result;
      });
      const version = await summaryFor(fingerprint);
      if (recorded.kind === 'unchanged') return { kind: 'unchanged', version };
      return status === 'active' ? { kind: 'activated', version } : { kind: 'refused', version };
    },
    list: () => store.listVersions(db),
  };
}
