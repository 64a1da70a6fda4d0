/**
 * The Fellegi–Sunter match model: per-field m and u probabilities, term frequencies, the prior,
 * the outcome thresholds, and the weights of trusted identifiers.
 *
 * Why a plain, JSON-serialisable object: a model is either estimated from the data (EM, see
 * `src/identity/engine/estimate.ts`) or configured, and either way it must be storable beside the person
 * index and auditable: every link the hub makes is explained by the weights in this object. The
 * defaults here are the priors EM starts from and falls back to on little data; they encode what
 * record linkage practice expects of person records (exact agreement is common among true matches
 * and rare by chance; a day-month swap is rare either way but far rarer by chance).
 */
import { FIELDS, LEVELS, type FieldName } from './comparators.ts';

/** m and u probabilities of one field, one entry per level (LEVELS order). */
export interface FieldModel {
  /** P(level | same person). */
  readonly m: readonly number[];
  /** P(level | different people). */
  readonly u: readonly number[];
}

/**
 * How often each value of a field occurs, for term-frequency adjustment of exact agreement.
 * The values are names and towns from the data: a fitted model is personal data, to be kept
 * where the records are and never logged.
 */
export interface TermFrequencies {
  /** Records with a value. */
  readonly total: number;
  /** Value → number of records holding it (only values held by two or more records are kept). */
  readonly counts: Readonly<Record<string, number>>;
}

/** Outcome thresholds on the score (log2 odds that the two records are the same person). */
export interface OutcomeThresholds {
  /** At or above: an automatic match. */
  readonly match: number;
  /** At or above (and below `match`): a possible match for a practitioner to confirm or reject. */
  readonly possible: number;
  /**
   * When true (the default), an automatic match also needs evidence that belongs to the person
   * rather than the household: a birth date that agrees (exactly, day-month swapped or one
   * digit out), an e-mail or other identifier that agrees, or a trusted identifier. Without it
   * the pair is at most a possible match: a father and son called Robert Smith at one address
   * agree on everything else.
   */
  readonly requirePersonalEvidence?: boolean;
}

/** A complete match model. */
export interface MatchModel {
  readonly fields: { readonly [F in FieldName]: FieldModel };
  readonly termFrequencies: { readonly [F in FieldName]?: TermFrequencies };
  /** P(two records drawn at random are the same person). */
  readonly priorMatch: number;
  readonly thresholds: OutcomeThresholds;
  /** Bounds (bits) of the term-frequency adjustment to an exact agreement's weight. */
  readonly termAdjustment: { readonly min: number; readonly max: number };
  /** Weights (bits) of a trusted identifier (NHS number, UPN, PNC id) agreeing and conflicting. */
  readonly identifiers: { readonly agree: number; readonly conflict: number };
}

const normalise = (xs: readonly number[]): number[] => {
  const sum = xs.reduce((s, x) => s + x, 0);
  return xs.map((x) => x / sum);
};

/** Prior m and u per field: what EM starts from, and what a model falls back to without data. */
export const PRIOR_FIELDS: { readonly [F in FieldName]: FieldModel } = {
  // exact, nickname, typo, similar, middle-name, initial, swapped, different
  given: { m: normalise([0.85, 0.02, 0.04, 0.015, 0.01, 0.01, 0.01, 0.045]), u: normalise([0.01, 0.001, 0.003, 0.01, 0.002, 0.02, 0.00001, 0.95]) },
  // exact, typo, phonetic, part, similar, different
  family: { m: normalise([0.85, 0.05, 0.02, 0.02, 0.01, 0.05]), u: normalise([0.005, 0.003, 0.005, 0.001, 0.01, 0.976]) },
  // exact, day-month-swap, one-digit, same-year-month, within-year, different
  birthDate: { m: normalise([0.85, 0.01, 0.06, 0.01, 0.02, 0.05]), u: normalise([0.0001, 0.00001, 0.002, 0.0005, 0.02, 0.977]) },
  // same, different
  sex: { m: normalise([0.97, 0.03]), u: normalise([0.5, 0.5]) },
  // uprn, same-address, same-lines, same-postcode, near, same-district, different
  address: { m: normalise([0.2, 0.5, 0.08, 0.04, 0.04, 0.02, 0.12]), u: normalise([0.0002, 0.0003, 0.0005, 0.002, 0.002, 0.02, 0.975]) },
  // exact, typo, different
  town: { m: normalise([0.8, 0.05, 0.15]), u: normalise([0.02, 0.01, 0.97]) },
  // exact, typo, same-local-part, different
  email: { m: normalise([0.85, 0.08, 0.02, 0.05]), u: normalise([0.0005, 0.001, 0.001, 0.9975]) },
  // exact, typo, different
  otherId: { m: normalise([0.85, 0.05, 0.1]), u: normalise([0.0005, 0.001, 0.9985]) },
  // exact, typo, different (NHS numbers not both valid)
  nhsUnchecked: { m: normalise([0.7, 0.2, 0.1]), u: normalise([0.0001, 0.0005, 0.9994]) },
};

/** Default outcome thresholds (log2 odds): match at ≥ 99.6 % posterior, possible at ≥ 50 %. */
export const DEFAULT_THRESHOLDS: OutcomeThresholds = { match: 8, possible: 0, requirePersonalEvidence: true };

/** A model made of the priors alone, for a prior match probability; used before any data is seen. */
export function defaultModel(priorMatch = 1e-4): MatchModel {
  return {
    fields: PRIOR_FIELDS,
    termFrequencies: {},
    priorMatch,
    thresholds: DEFAULT_THRESHOLDS,
    termAdjustment: { min: -5, max: 3 },
    identifiers: { agree: 30, conflict: -25 },
  };
}

/** Checks a model's shape (level counts, probabilities in (0, 1)); throws on a malformed one. */
export function assertModel(model: MatchModel): void {
  for (const field of FIELDS) {
    const { m, u } = model.fields[field];
    const levels = LEVELS[field].length;
    if (m.length !== levels || u.length !== levels) throw new RangeError(`model field ${field}: expected ${levels} levels`);
    for (const p of [...m, ...u]) if (!(p > 0 && p < 1)) throw new RangeError(`model field ${field}: probabilities must lie in (0, 1)`);
  }
  if (!(model.priorMatch > 0 && model.priorMatch < 1)) throw new RangeError('model priorMatch must lie in (0, 1)');
  if (model.thresholds.possible > model.thresholds.match) throw new RangeError('model thresholds: possible must not exceed match');
}
