/**
 * Estimating a match model from the records themselves: u from random pairs, m and the match
 * rate by expectation–maximisation (EM) over candidate pairs.
 *
 * Why this split: agreement by chance (u) is a property of the whole population, so it is
 * measured on random pairs — exact agreement counted from value frequencies over every pair (for
 * birth dates, from year, month and day), the fuzzier levels from a seeded sample — after taking
 * out the true matches random pairs contain. Agreement among true matches (m) is hidden, but
 * almost every true match shares a person-level blocking key (birth date, names, identifiers),
 * and among those pairs a two-class mixture separates matches well; EM fits it (Winkler 1988;
 * Splink trains m the same way). Pairs sharing only a postcode are left out of training: there
 * the second class would be "same household", and EM would learn households, not people. The
 * priors of `model.ts` are pseudo-counts, so small inputs stay sensible; pairs whose trusted
 * identifiers agree or conflict anchor the two classes. The expected number of matches, over
 * all pairs, is the prior match probability. Pure and deterministic: same records, same model.
 */
import { candidatePairs, type BlockingOptions, type Candidates } from './blocking.ts';
import { compareFields, FIELDS, LEVELS, MISSING, termValue, type FieldName } from './comparators.ts';
import { identifierEvidence } from './matcher.ts';
import { defaultModel, PRIOR_FIELDS, type FieldModel, type MatchModel, type OutcomeThresholds, type TermFrequencies } from './model.ts';
import { prepareRecord, type PersonRecord, type PreparedRecord } from './record.ts';

/** Fields whose exact agreements are adjusted by term frequency (values shared by many people). */
export const TERM_FIELDS: readonly FieldName[] = ['given', 'family', 'town'];

/** Options of `estimateModel`. */
export interface EstimateOptions {
  /** Random pairs sampled to measure u (all pairs when there are fewer). Default 100,000. */
  readonly sampleSize?: number;
  /** Seed of the pair sampler. Default 1. */
  readonly seed?: number;
  readonly maxIterations?: number;
  /** EM stops when no parameter moves more than this. Default 1e-6. */
  readonly tolerance?: number;
  /** Pseudo-counts (pairs) given to the priors of m (per field) and of u. Defaults 20 and 1,000. */
  readonly priorStrength?: { readonly m?: number; readonly u?: number };
  readonly thresholds?: OutcomeThresholds;
  readonly blocking?: BlockingOptions;
}

/** A fitted model and how the fit went. */
export interface Estimation {
  readonly model: MatchModel;
  readonly iterations: number;
  readonly converged: boolean;
  readonly candidatePairs: number;
  /** Expected number of true matches among the candidate pairs. */
  readonly expectedMatches: number;
}

/** Candidate pairs with their comparison vectors and identifier verdicts, computed once. */
export interface ComparedPairs {
  readonly left: Uint32Array;
  readonly right: Uint32Array;
  /** Levels, FIELDS.length per pair. */
  readonly levels: Int8Array;
  /** 0 none, 1 agree, 2 conflict. */
  readonly identifiers: Uint8Array;
  /** 1 when the pair shares a person-level key (these train the model). */
  readonly personal: Uint8Array;
}

/** Compares every candidate pair once. */
export function compareCandidates(prepared: readonly PreparedRecord[], pairs: Candidates): ComparedPairs {
  const count = pairs.left.length;
  const levels = new Int8Array(count * FIELDS.length);
  const identifiers = new Uint8Array(count);
  const vector = new Int8Array(FIELDS.length);
  for (let k = 0; k < count; k++) {
    const a = prepared[pairs.left[k] ?? 0] as PreparedRecord;
    const b = prepared[pairs.right[k] ?? 0] as PreparedRecord;
    compareFields(a, b, vector);
    levels.set(vector, k * FIELDS.length);
    const ids = identifierEvidence(a, b);
    identifiers[k] = ids.some((i) => !i.agree) ? 2 : ids.length > 0 ? 1 : 0;
  }
  return { left: pairs.left, right: pairs.right, levels, identifiers, personal: pairs.personal };
}

/** Estimates a model from records (blocking, comparison, u sampling and EM). */
export function estimateModel(records: readonly PersonRecord[], options: EstimateOptions = {}): MatchModel {
  const prepared = records.map(prepareRecord);
  const compared = compareCandidates(prepared, candidatePairs(prepared, options.blocking));
  return estimateFromCompared(prepared, compared, options).model;
}

/** Least m of any level: even a clear disagreement happens among true matches now and then. */
const M_FLOOR = 1e-3;

/** Small deterministic PRNG (mulberry32) for the pair sample. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const normalised = (xs: readonly number[]): number[] => {
  const sum = xs.reduce((s, x) => s + x, 0);
  return xs.map((x) => x / sum);
};

/** Level counts of one field over random pairs: `pairs` pairs with a value on both sides. */
interface LevelCounts {
  readonly counts: readonly number[];
  readonly pairs: number;
  /** Exact agreement counted over every pair (not sampled), when the field has comparable values. */
  readonly exact?: ExactAgreement;
}

/** Pairs agreeing exactly, of pairs with a value on both sides. */
interface ExactAgreement {
  readonly agreeing: number;
  readonly pairs: number;
  /** False when the count is already free of true matches (so no correction is due). */
  readonly includesMatches: boolean;
}

/** Chance agreement, measured: level counts over random pairs, exact agreement counted from frequencies. */
function measureChance(prepared: readonly PreparedRecord[], sampleSize: number, seed: number): LevelCounts[] {
  const n = prepared.length;
  const counts = FIELDS.map((f) => new Array<number>(LEVELS[f].length).fill(0));
  const vector = new Int8Array(FIELDS.length);
  const tally = (i: number, j: number): void => {
    compareFields(prepared[i] as PreparedRecord, prepared[j] as PreparedRecord, vector);
    for (let f = 0; f < FIELDS.length; f++) {
      const level = vector[f] ?? MISSING;
      const row = counts[f];
      if (level !== MISSING && row !== undefined) row[level] = (row[level] ?? 0) + 1;
    }
  };
  const total = (n * (n - 1)) / 2;
  if (total <= sampleSize) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) tally(i, j);
  } else {
    const random = mulberry32(seed);
    for (let s = 0; s < sampleSize; s++) {
      const i = Math.floor(random() * n);
      let j = Math.floor(random() * (n - 1));
      if (j >= i) j++;
      tally(i, j);
    }
  }
  return FIELDS.map((field, f) => {
    const row = counts[f] ?? [];
    const exact = field === 'birthDate' ? birthDateAgreement(prepared) : exactAgreement(prepared, field);
    return { counts: row, pairs: row.reduce((s, c) => s + c, 0), ...(exact === undefined ? {} : { exact }) };
  });
}

/**
 * u of one field from its chance counts: the counts expected of true matches (prior × m) are
 * taken out first, since random pairs include them; then each level is smoothed towards the
 * prior with `strength` pseudo-pairs, and a level never seen counts as half a pair (Jeffreys).
 */
function chanceToU(field: FieldName, chance: LevelCounts, m: readonly number[], priorMatch: number, strength: number): number[] {
  const prior = PRIOR_FIELDS[field].u;
  if (chance.pairs === 0) return [...prior];
  const corrected = (count: number, pairs: number, level: number): number => Math.max(count - priorMatch * pairs * (m[level] ?? 0), 0.5);
  const sampledPairs = chance.pairs * (1 - priorMatch);
  let u = chance.counts.map((c, l) => (corrected(c, chance.pairs, l) + strength * (prior[l] ?? 0)) / (sampledPairs + strength));
  if (chance.exact !== undefined && chance.exact.pairs > 0) {
    // Exact agreement counted over all pairs; the other levels share the rest as sampled.
    const { agreeing, pairs, includesMatches } = chance.exact;
    const share = includesMatches ? priorMatch : 0;
    const exact = ((includesMatches ? corrected(agreeing, pairs, 0) : agreeing) + strength * (prior[0] ?? 0)) / (pairs * (1 - share) + strength);
    const rest = u.slice(1).reduce((s, x) => s + x, 0);
    u = u.map((x, l) => (l === 0 ? exact : (x / rest) * (1 - exact)));
  }
  return normalised(u).map((x) => Math.min(Math.max(x, 1e-9), 1 - 1e-9));
}

/** Pairs of records agreeing exactly on a field (Σ c(c−1)/2 over its values), of all pairs with a value on both sides. */
function exactAgreement(prepared: readonly PreparedRecord[], field: FieldName): ExactAgreement | undefined {
  const counts = new Map<string, number>();
  let withValue = 0;
  for (const p of prepared) {
    const v = termValue(field, p);
    if (v === undefined) continue;
    withValue++;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  if (withValue < 2) return undefined;
  let agreeing = 0;
  for (const c of counts.values()) agreeing += (c * (c - 1)) / 2;
  return { agreeing, pairs: (withValue * (withValue - 1)) / 2, includesMatches: true };
}

/**
 * Chance agreement of whole birth dates as the product of the chances for year, month and day.
 * Two different people rarely share a birth date, so in a small batch the few pairs that do are
 * mostly duplicates, and what is left after taking out the expected matches is too noisy to
 * trust (it can be zero, making a shared birth date look like proof). Year, month and day each
 * agree by chance often enough to be counted well, and duplicates barely move their rates.
 */
function birthDateAgreement(prepared: readonly PreparedRecord[]): ExactAgreement | undefined {
  const years = new Map<number, number>();
  const months = new Map<number, number>();
  const days = new Map<number, number>();
  let withValue = 0;
  const add = (map: Map<number, number>, key: number): void => {
    map.set(key, (map.get(key) ?? 0) + 1);
  };
  for (const p of prepared) {
    if (p.birth === undefined) continue;
    withValue++;
    add(years, p.birth.y);
    add(months, p.birth.m);
    add(days, p.birth.d);
  }
  if (withValue < 2) return undefined;
  const pairs = (withValue * (withValue - 1)) / 2;
  const rate = (map: Map<number, number>): number => {
    let agreeing = 0;
    for (const c of map.values()) agreeing += (c * (c - 1)) / 2;
    return agreeing / pairs;
  };
  return { agreeing: rate(years) * rate(months) * rate(days) * pairs, pairs, includesMatches: false };
}

/** Value frequencies of a field (values held by two or more records). */
function termFrequencies(prepared: readonly PreparedRecord[], field: FieldName): TermFrequencies {
  const counts = new Map<string, number>();
  let total = 0;
  for (const p of prepared) {
    const v = termValue(field, p);
    if (v === undefined) continue;
    total++;
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const kept: Record<string, number> = {};
  for (const [v, c] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) if (c > 1) kept[v] = c;
  return { total, counts: kept };
}

/**
 * Distinct comparison patterns of the training pairs, with counts: the pairs sharing a
 * person-level key (all candidates when there are too few of those).
 */
function patternsOf(compared: ComparedPairs): { vectors: Int8Array[]; ids: number[]; counts: number[] } {
  const F = FIELDS.length;
  const index = new Map<string, number>();
  const vectors: Int8Array[] = [];
  const ids: number[] = [];
  const counts: number[] = [];
  let personal = 0;
  for (const p of compared.personal) personal += p;
  const everyPair = personal < 20;
  for (let k = 0; k < compared.left.length; k++) {
    if (!everyPair && compared.personal[k] !== 1) continue;
    const v = compared.levels.subarray(k * F, (k + 1) * F);
    const id = compared.identifiers[k] ?? 0;
    const key = `${id}:${v.join(',')}`;
    const at = index.get(key);
    if (at === undefined) {
      index.set(key, vectors.length);
      vectors.push(Int8Array.from(v));
      ids.push(id);
      counts.push(1);
    } else counts[at] = (counts[at] ?? 0) + 1;
  }
  return { vectors, ids, counts };
}

/** Fits the model on candidate pairs already compared. */
export function estimateFromCompared(prepared: readonly PreparedRecord[], compared: ComparedPairs, options: EstimateOptions = {}): Estimation {
  const n = prepared.length;
  const mStrength = options.priorStrength?.m ?? 20;
  const uStrength = options.priorStrength?.u ?? 1000;
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-6;
  const base = defaultModel();
  const chance = measureChance(prepared, options.sampleSize ?? 100_000, options.seed ?? 1);
  // Chance agreement before EM knows the matches: seeds the non-match class of the candidates.
  const uChance = FIELDS.map((field, f) => chanceToU(field, chance[f] as LevelCounts, PRIOR_FIELDS[field].m, 0, uStrength));

  const { vectors, ids, counts } = patternsOf(compared);
  const F = FIELDS.length;
  // Start: m from the priors, u among candidates from their observed level shares.
  let m = FIELDS.map((f) => [...PRIOR_FIELDS[f].m]);
  let uc = FIELDS.map((field, f) => {
    const row = new Array<number>(LEVELS[field].length).fill(1);
    vectors.forEach((v, p) => {
      const l = v[f] ?? MISSING;
      if (l !== MISSING) row[l] = (row[l] ?? 0) + (counts[p] ?? 0);
    });
    return normalised(row);
  });
  let lambda = 0.1;
  const posterior = new Float64Array(vectors.length);
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations && !converged; iterations++) {
    // E-step.
    let expected = 0;
    let pairs = 0;
    vectors.forEach((v, p) => {
      let pm = lambda;
      let pu = 1 - lambda;
      for (let f = 0; f < F; f++) {
        const l = v[f] ?? MISSING;
        if (l === MISSING) continue;
        pm *= m[f]?.[l] ?? 1;
        pu *= uc[f]?.[l] ?? 1;
      }
      const id = ids[p];
      const g = id === 1 ? 1 : id === 2 ? 0 : pm / (pm + pu);
      posterior[p] = g;
      expected += g * (counts[p] ?? 0);
      pairs += counts[p] ?? 0;
    });
    // M-step, with the priors as pseudo-counts.
    const mCounts = FIELDS.map((field) => PRIOR_FIELDS[field].m.map((x) => x * mStrength));
    // Non-matches among candidates start from chance agreement, so that a handful of pairs
    // cannot persuade EM that agreement is what non-matches look like.
    const uCounts = uChance.map((row) => row.map((x) => x * mStrength));
    vectors.forEach((v, p) => {
      const c = counts[p] ?? 0;
      const g = posterior[p] ?? 0;
      for (let f = 0; f < F; f++) {
        const l = v[f] ?? MISSING;
        if (l === MISSING) continue;
        const mr = mCounts[f] as number[];
        const ur = uCounts[f] as number[];
        mr[l] = (mr[l] ?? 0) + c * g;
        ur[l] = (ur[l] ?? 0) + c * (1 - g);
      }
    });
    const nextM = mCounts.map(normalised);
    const nextU = uCounts.map(normalised);
    // Laplace prior on the match rate: one match and one non-match pseudo-pair.
    const nextLambda = Math.min(Math.max((expected + 1) / (pairs + 2), 1e-6), 1 - 1e-6);
    let delta = Math.abs(nextLambda - lambda);
    for (let f = 0; f < F; f++) {
      for (let l = 0; l < (nextM[f]?.length ?? 0); l++) {
        delta = Math.max(delta, Math.abs((nextM[f]?.[l] ?? 0) - (m[f]?.[l] ?? 0)), Math.abs((nextU[f]?.[l] ?? 0) - (uc[f]?.[l] ?? 0)));
      }
    }
    m = nextM;
    uc = nextU;
    lambda = nextLambda;
    converged = delta < tolerance;
  }

  let expectedMatches = 0;
  posterior.forEach((g, p) => {
    expectedMatches += g * (counts[p] ?? 0);
  });
  const totalPairs = Math.max(1, (n * (n - 1)) / 2);
  const priorMatch = Math.min(Math.max(expectedMatches / totalPairs, 1e-9), 0.5);

  const fields = {} as Record<FieldName, FieldModel>;
  FIELDS.forEach((field, f) => {
    // No disagreement is impossible among true matches (records always carry some errors), so
    // levels the priors rank as disagreement keep a floor; that bounds their negative weight.
    const prior = PRIOR_FIELDS[field];
    const mf = normalised((m[f] ?? []).map((x, l) => Math.max(x, (prior.m[l] ?? 0) <= (prior.u[l] ?? 0) ? M_FLOOR : 1e-6)));
    fields[field] = { m: mf, u: chanceToU(field, chance[f] as LevelCounts, mf, priorMatch, uStrength) };
  });
  const termFrequenciesByField: Partial<Record<FieldName, TermFrequencies>> = {};
  for (const field of TERM_FIELDS) termFrequenciesByField[field] = termFrequencies(prepared, field);

  const model: MatchModel = {
    ...base,
    fields,
    termFrequencies: termFrequenciesByField,
    priorMatch,
    thresholds: options.thresholds ?? base.thresholds,
  };
  return { model, iterations, converged, candidatePairs: compared.left.length, expectedMatches };
}
