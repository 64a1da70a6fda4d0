/**
 * Fellegi–Sunter scoring of two person records, with the evidence behind every score.
 *
 * Why: a link between two agencies' records decides whose information is put in front of the
 * hub, so it must be explainable: every link carries its score and the evidence behind it
 * (DESIGN.md "The common model": match confidence with provenance). The score is the log2 odds that the records are the same person: the prior odds
 * plus, per field, the match weight log2(m/u) of the level the field reached (adjusted for how
 * common an exactly agreeing value is). Trusted identifiers decide first: an equal valid NHS
 * number, UPN or PNC id is a match; two different valid ones of the same system are strong
 * evidence against, and such a pair is never matched without a practitioner.
 */
import { compareFields, FIELDS, LEVELS, MISSING, termValue, type FieldName } from './comparators.ts';
import { TRUSTED_SYSTEMS, type TrustedSystem } from './identifiers.ts';
import { assertModel, type MatchModel } from './model.ts';
import { prepareRecord, type PersonRecord, type PreparedRecord } from './record.ts';

/** The three outcomes of comparing two records. */
export type Outcome = 'match' | 'possible' | 'non-match';

/** One piece of evidence: the level a field (or trusted identifier) reached and its weight in bits. */
export interface Evidence {
  readonly field: FieldName | TrustedSystem;
  /**
   * A level name from LEVELS; for identifiers `agree` / `conflict`; with weight 0, `missing`,
   * or `swapped` (a family name counted with the given name), `counted-in-address` (a town
   * when both postcodes are known), `counted-in-names` (e-mail handles that only spell both
   * records' names) or `checked` (NHS numbers both valid: the trusted comparison decides).
   */
  readonly level: string;
  /** Contribution to the score, log2 of the likelihood ratio; 0 for missing. */
  readonly weight: number;
}

/** The result of comparing two records. Carries no personal data: levels and weights only. */
export interface Comparison {
  readonly outcome: Outcome;
  /** log2 odds that the two records are the same person (prior included). */
  readonly score: number;
  /** The same as a probability. */
  readonly probability: number;
  readonly evidence: readonly Evidence[];
}

/** What the trusted identifiers of a pair say: none in common, an agreement, or a conflict. */
export type IdentifierVerdict = 'none' | 'agree' | 'conflict';

/** The fast result of scoring a pair. */
export interface PairScore {
  readonly score: number;
  readonly identifiers: IdentifierVerdict;
  /** Whether evidence of the person's own (birth date, e-mail, other id) agrees. */
  readonly personal: boolean;
  /**
   * Whether the pair looks like twins: first names plainly different while the family name and
   * the birth date agree (see `looksLikeTwins`). Such a pair is never an automatic match, and
   * batch clustering never merges on it (docs/decisions.md "Twins are never merged by the machine").
   */
  readonly twins: boolean;
}

/** Levels that are the person's own rather than the household's: birth date, e-mail, other ids. */
const PERSONAL_LEVELS: ReadonlyMap<number, ReadonlySet<number>> = new Map([
  [FIELDS.indexOf('birthDate'), new Set(['exact', 'day-month-swap', 'one-digit'].map((l) => (LEVELS.birthDate as readonly string[]).indexOf(l)))],
  [FIELDS.indexOf('email'), new Set(['exact', 'typo'].map((l) => (LEVELS.email as readonly string[]).indexOf(l)))],
  [FIELDS.indexOf('otherId'), new Set(['exact', 'typo'].map((l) => (LEVELS.otherId as readonly string[]).indexOf(l)))],
  [FIELDS.indexOf('nhsUnchecked'), new Set(['exact', 'typo'].map((l) => (LEVELS.nhsUnchecked as readonly string[]).indexOf(l)))],
]);

const GIVEN = FIELDS.indexOf('given');
const FAMILY = FIELDS.indexOf('family');
const BIRTH = FIELDS.indexOf('birthDate');
const GIVEN_DIFFERENT = (LEVELS.given as readonly string[]).indexOf('different');
const BIRTH_SHARED = new Set(['exact', 'day-month-swap'].map((l) => (LEVELS.birthDate as readonly string[]).indexOf(l)));
/** E-mail, other id and NHS number (not both valid): twins do not share them; one person does. */
const OWN_IDS: readonly (readonly [number, ReadonlySet<number>])[] = (['email', 'otherId', 'nhsUnchecked'] as const).map((f) => [FIELDS.indexOf(f), new Set(['exact', 'typo'].map((l) => (LEVELS[f] as readonly string[]).indexOf(l)))] as const);
const FAMILY_SHARED = new Set(['exact', 'typo', 'phonetic', 'part'].map((l) => (LEVELS.family as readonly string[]).indexOf(l)));

/**
 * Twins (or siblings recorded with one birth date): whole first names that plainly differ —
 * not a slip, a nickname, a middle name or the names crossed — while the family name and the
 * birth date agree. Fellegi–Sunter adds the agreements as if independent, but among different
 * people a shared surname, home and birth date go together (twins share all three), so the
 * sum overstates the evidence by far more than the first names' disagreement takes back, and
 * an automatic merge of twins would put one child's records in front of the hub as the
 * other's (docs/decisions.md "Twins are never merged by the machine"). The first names are
 * then the only evidence that tells them apart, and it says: different — unless something
 * that is one person's own and that twins do not share (an e-mail address, another
 * identifier, an NHS number) agrees: then the first name was the slip.
 */
function looksLikeTwins(levels: Int8Array, a: PreparedRecord, b: PreparedRecord): boolean {
  return (
    levels[GIVEN] === GIVEN_DIFFERENT &&
    (a.givenFirst?.length ?? 0) > 1 &&
    (b.givenFirst?.length ?? 0) > 1 &&
    BIRTH_SHARED.has(levels[BIRTH] ?? MISSING) &&
    FAMILY_SHARED.has(levels[FAMILY] ?? MISSING) &&
    !OWN_IDS.some(([f, agreeing]) => agreeing.has(levels[f] ?? MISSING))
  );
}

/** Whether a comparison vector holds person-level agreement. */
function hasPersonalAgreement(levels: Int8Array): boolean {
  for (const [f, agreeing] of PERSONAL_LEVELS) if (agreeing.has(levels[f] ?? MISSING)) return true;
  return false;
}

/** A matcher built from one model. */
export interface Matcher {
  readonly model: MatchModel;
  /** Compares two records, with evidence. */
  compare(a: PersonRecord, b: PersonRecord): Comparison;
  /** The same for records already prepared (the fast path for batches). */
  comparePrepared(a: PreparedRecord, b: PreparedRecord): Comparison;
  /** Score, identifier verdict and whether person-level evidence agrees, without building evidence. */
  scorePrepared(a: PreparedRecord, b: PreparedRecord): PairScore;
  /**
   * The same from a comparison vector already computed (`compareFields` of a and b, FIELDS.length
   * levels from `offset`): batches compare each pair once, for estimation and scoring alike.
   */
  scoreLevels(levels: Int8Array, offset: number, a: PreparedRecord, b: PreparedRecord): PairScore;
  /**
   * The outcome of a score under the model's thresholds, given the identifier verdict and
   * whether any person-level evidence agrees (see OutcomeThresholds.requirePersonalEvidence),
   * and whether the pair looks like twins (never automatic).
   */
  outcomeOf(score: number, identifiers: IdentifierVerdict, personal?: boolean, twins?: boolean): Outcome;
}

/** What two records' trusted identifiers say, system by system. */
export function identifierEvidence(a: PreparedRecord, b: PreparedRecord): { system: TrustedSystem; agree: boolean }[] {
  const found: { system: TrustedSystem; agree: boolean }[] = [];
  for (const system of TRUSTED_SYSTEMS) {
    const x = a[system];
    const y = b[system];
    if (x !== undefined && y !== undefined) found.push({ system, agree: x === y });
  }
  return found;
}

/**
 * Why a field gave no evidence: a value missing on a side, or a value counted elsewhere — a
 * family name crossed with the given name (the given name's `swapped` level carries both), a
 * town when both postcodes are known (the address level carries it).
 */
function uncounted(field: FieldName, a: PreparedRecord, b: PreparedRecord): string {
  if (field === 'family' && a.family !== undefined && b.family !== undefined) return 'swapped';
  if (field === 'town' && a.town !== undefined && b.town !== undefined) return 'counted-in-address';
  if (field === 'nhsUnchecked' && a.nhsNumber !== undefined && b.nhsNumber !== undefined) return 'checked';
  if (field === 'email' && a.email !== undefined && b.email !== undefined) return 'counted-in-names';
  return 'missing';
}

/** Probability from log2 odds. */
export const probabilityOf = (score: number): number => 1 / (1 + 2 ** -score);

/** Builds a matcher: precomputes each level's weight and each frequent value's adjustment. */
export function createMatcher(model: MatchModel): Matcher {
  assertModel(model);
  const weights = FIELDS.map((f) => model.fields[f].m.map((m, l) => Math.log2(m / (model.fields[f].u[l] ?? 1))));
  const priorScore = Math.log2(model.priorMatch / (1 - model.priorMatch));
  const adjustments = FIELDS.map((f) => termAdjustments(model, f));

  const fieldWeight = (f: number, level: number, a: PreparedRecord): number => {
    const base = weights[f]?.[level] ?? 0;
    const field = FIELDS[f] as FieldName;
    if (level !== 0) return base;
    const value = termValue(field, a);
    const table = adjustments[f];
    if (value === undefined || table === undefined) return base;
    return base + (table.values.get(value) ?? table.rare);
  };

  const vector = new Int8Array(FIELDS.length);
  const verdictOf = (a: PreparedRecord, b: PreparedRecord): { verdict: IdentifierVerdict; weight: number; found: { system: TrustedSystem; agree: boolean }[] } => {
    const found = identifierEvidence(a, b);
    let weight = 0;
    let agree = false;
    let conflict = false;
    for (const f of found) {
      weight += f.agree ? model.identifiers.agree : model.identifiers.conflict;
      if (f.agree) agree = true;
      else conflict = true;
    }
    return { verdict: conflict ? 'conflict' : agree ? 'agree' : 'none', weight, found };
  };

  const outcomeOf = (score: number, identifiers: IdentifierVerdict, personal = true, twins = false): Outcome => {
    if (identifiers === 'agree') return 'match';
    const byScore: Outcome = score >= model.thresholds.match ? 'match' : score >= model.thresholds.possible ? 'possible' : 'non-match';
    // A conflicting trusted identifier, nothing that is the person's own, or a pair that looks
    // like twins: never automatic.
    const capped = identifiers === 'conflict' || twins || (model.thresholds.requirePersonalEvidence !== false && !personal);
    return capped && byScore === 'match' ? 'possible' : byScore;
  };

  const scoreLevels = (levels: Int8Array, offset: number, a: PreparedRecord, b: PreparedRecord): PairScore => {
    const v = offset === 0 && levels.length === FIELDS.length ? levels : levels.subarray(offset, offset + FIELDS.length);
    let score = priorScore;
    for (let f = 0; f < FIELDS.length; f++) {
      const level = v[f] ?? MISSING;
      if (level !== MISSING) score += fieldWeight(f, level, a);
    }
    const ids = verdictOf(a, b);
    return { score: score + ids.weight, identifiers: ids.verdict, personal: hasPersonalAgreement(v), twins: looksLikeTwins(v, a, b) };
  };
  const scorePrepared = (a: PreparedRecord, b: PreparedRecord): PairScore => scoreLevels(compareFields(a, b, vector), 0, a, b);

  const comparePrepared = (a: PreparedRecord, b: PreparedRecord): Comparison => {
    const levels = compareFields(a, b);
    const evidence: Evidence[] = [];
    let score = priorScore;
    for (let f = 0; f < FIELDS.length; f++) {
      const field = FIELDS[f] as FieldName;
      const level = levels[f] ?? MISSING;
      if (level === MISSING) {
        evidence.push({ field, level: uncounted(field, a, b), weight: 0 });
        continue;
      }
      const weight = fieldWeight(f, level, a);
      score += weight;
      evidence.push({ field, level: LEVELS[field][level] ?? 'unknown', weight });
    }
    const ids = verdictOf(a, b);
    for (const f of ids.found) evidence.push({ field: f.system, level: f.agree ? 'agree' : 'conflict', weight: f.agree ? model.identifiers.agree : model.identifiers.conflict });
    score += ids.weight;
    return { outcome: outcomeOf(score, ids.verdict, hasPersonalAgreement(levels), looksLikeTwins(levels, a, b)), score, probability: probabilityOf(score), evidence };
  };

  return {
    model,
    compare: (a, b) => comparePrepared(prepareRecord(a), prepareRecord(b)),
    comparePrepared,
    scorePrepared,
    scoreLevels,
    outcomeOf,
  };
}

/**
 * Term-frequency adjustments of a field's exact agreement: log2(ū / p_v), where p_v is the
 * value's share of records and ū the chance two random records agree exactly (Σ p_v²). A rare
 * surname gains weight and "Smith" loses some; bounded by the model. The table holds values seen
 * at least twice; any other value counts as seen once (`rare`).
 */
function termAdjustments(model: MatchModel, field: FieldName): { values: Map<string, number>; rare: number } | undefined {
  const tf = model.termFrequencies[field];
  const out = new Map<string, number>();
  if (tf === undefined || tf.total < 2) return undefined;
  const entries = Object.entries(tf.counts);
  // Values seen once contribute 1/total² each; the table keeps only values seen twice or more.
  let sumSquares = 0;
  let counted = 0;
  for (const [, c] of entries) {
    sumSquares += (c / tf.total) ** 2;
    counted += c;
  }
  sumSquares += Math.max(0, tf.total - counted) / tf.total ** 2;
  const adjust = (p: number): number => Math.min(model.termAdjustment.max, Math.max(model.termAdjustment.min, Math.log2(sumSquares / p)));
  for (const [value, c] of entries) out.set(value, adjust(c / tf.total));
  return { values: out, rare: adjust(1 / tf.total) };
}
