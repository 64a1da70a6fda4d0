/**
 * Whether an estimated model may replace the active one: the checks a model must pass before the
 * person index matches with it, each failure a refusal reason (a stable code and a sentence of
 * counts and field names, never a value of a record).
 *
 * Why refuse rather than trust EM: EM always returns something. On too little data, or data
 * without duplicates, it can converge on a class that is not "same person" — households, or
 * nothing at all — and a model that scores a shared name above a shared birth date would merge one
 * child's records into another's. A wrong merge shares one child's information as another's
 * (DESIGN.md "honesty over completeness"), so a doubtful model is refused, recorded with its
 * reasons, and the previous one stays active (docs/decisions.md "The live person index trains its
 * own model"). The checks follow record-linkage practice (Fellegi–Sunter: m of agreement above u;
 * Winkler 1988 on EM's failure modes), with bounds a hub's data passes easily.
 */
import { FIELDS, LEVELS, type FieldName } from './engine/comparators.ts';
import type { Estimation } from './engine/estimate.ts';
import { assertModel } from './engine/model.ts';
import type { RefusalReason } from '../model/person-index-model.ts';

/** The bounds a model must meet. */
export interface QualityRules {
  /** Fewest records to estimate from (default 200). */
  readonly minRecords: number;
  /** Fewest training pairs (candidate pairs sharing a person-level key; default 50). */
  readonly minTrainingPairs: number;
  /** The expected share of matches among training pairs must lie strictly inside these (default 0.001–0.999). */
  readonly matchShare: { readonly min: number; readonly max: number };
  /** A field separates when some level's weight |log2(m/u)| reaches this (bits; default 0.1). */
  readonly minSeparationBits: number;
  /** Fields whose exact agreement must be likelier among matches than by chance (default names and birth date). */
  readonly keyFields: readonly FieldName[];
}

/** The default bounds (see docs/decisions.md "The live person index trains its own model"). */
export const DEFAULT_QUALITY_RULES: QualityRules = {
  minRecords: 200,
  minTrainingPairs: 50,
  matchShare: { min: 0.001, max: 0.999 },
  minSeparationBits: 0.1,
  keyFields: ['given', 'family', 'birthDate'],
};

/** What an estimation produced, and on how much: the estimation is absent when there was too little to run it. */
export interface EstimationFacts {
  readonly records: number;
  readonly trainingPairs: number;
  readonly estimation?: Estimation | undefined;
}

const finite = (x: number): boolean => Number.isFinite(x);

/** The reasons to refuse an estimation; none means it may be activated. */
export function judgeEstimation(facts: EstimationFacts, rules: QualityRules = DEFAULT_QUALITY_RULES): RefusalReason[] {
  const reasons: RefusalReason[] = [];
  if (facts.records < rules.minRecords) reasons.push({ code: 'too-few-records', message: `${facts.records} records; at least ${rules.minRecords} are needed to estimate` });
  if (facts.trainingPairs < rules.minTrainingPairs) reasons.push({ code: 'too-few-pairs', message: `${facts.trainingPairs} training pairs; at least ${rules.minTrainingPairs} are needed to estimate` });
  const estimation = facts.estimation;
  if (estimation === undefined) return reasons;
  const { model } = estimation;

  const numbers = [model.priorMatch, estimation.expectedMatches, ...FIELDS.flatMap((f) => [...(model.fields[f]?.m ?? []), ...(model.fields[f]?.u ?? [])])];
  if (!numbers.every(finite)) {
    reasons.push({ code: 'not-finite', message: 'the estimation produced NaN or infinite parameters' });
    return reasons;
  }
  try {
    assertModel(model);
  } catch (error) {
    reasons.push({ code: 'malformed', message: error instanceof Error ? error.message : 'the model is malformed' });
    return reasons;
  }
  if (!estimation.converged) reasons.push({ code: 'not-converged', message: `EM did not converge in ${estimation.iterations} iterations` });

  if (facts.trainingPairs > 0) {
    const share = estimation.expectedMatches / facts.trainingPairs;
    if (!(share > rules.matchShare.min && share < rules.matchShare.max)) {
      reasons.push({ code: 'match-share-degenerate', message: `the expected share of matches among training pairs is ${share.toPrecision(3)}, outside (${rules.matchShare.min}, ${rules.matchShare.max})` });
    }
  }

  for (const field of FIELDS) {
    const { m, u } = model.fields[field];
    const separates = m.some((mi, l) => Math.abs(Math.log2(mi / (u[l] ?? mi))) >= rules.minSeparationBits);
    if (!separates) reasons.push({ code: 'no-separating-power', message: `field ${field}: m and u agree at every level (under ${rules.minSeparationBits} bits apart)` });
  }

  for (const field of rules.keyFields) {
    const exact = (LEVELS[field] as readonly string[]).indexOf('exact');
    if (exact < 0) continue;
    const m = model.fields[field].m[exact] ?? 0;
    const u = model.fields[field].u[exact] ?? 0;
    if (m < u) reasons.push({ code: 'key-field-inverted', message: `field ${field}: exact agreement is likelier by chance (u ${u.toPrecision(3)}) than among matches (m ${m.toPrecision(3)})` });
  }
  return reasons;
}
