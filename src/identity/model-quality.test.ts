/**
 * Each reason a model is refused, on constructed estimations: the prior as a sound starting
 * point, then one thing broken at a time (docs/decisions.md "The live person index trains its own
 * model"). Level counts are read from the model, never assumed.
 */
import { describe, expect, it } from 'vitest';
import { FIELDS, type FieldName } from './engine/comparators.ts';
import type { Estimation } from './engine/estimate.ts';
import { defaultModel, type FieldModel, type MatchModel } from './engine/model.ts';
import { DEFAULT_QUALITY_RULES, judgeEstimation } from './model-quality.ts';

const sound = (model: MatchModel = defaultModel(0.001)): Estimation => ({ model, iterations: 12, converged: true, candidatePairs: 5000, expectedMatches: 300 });
const facts = (estimation: Estimation, records = 1000, trainingPairs = 900) => ({ records, trainingPairs, estimation });
const codes = (reasons: readonly { code: string }[]): string[] => reasons.map((r) => r.code);

/** The model with one field's parameters replaced. */
const withField = (field: FieldName, parameters: FieldModel, model: MatchModel = defaultModel(0.001)): MatchModel => ({ ...model, fields: { ...model.fields, [field]: parameters } });
const uniform = (levels: number): number[] => new Array<number>(levels).fill(1 / levels);

describe('judging an estimated model', () => {
  it('accepts a sound estimation', () => {
    expect(judgeEstimation(facts(sound()))).toEqual([]);
  });

  it('refuses too few records and too few training pairs, without an estimation to judge', () => {
    expect(codes(judgeEstimation({ records: 12, trainingPairs: 900 }))).toEqual(['too-few-records']);
    expect(codes(judgeEstimation({ records: 1000, trainingPairs: 3 }))).toEqual(['too-few-pairs']);
    const reasons = judgeEstimation({ records: 0, trainingPairs: 0 });
    expect(codes(reasons)).toEqual(['too-few-records', 'too-few-pairs']);
    expect(reasons[0]?.message).toContain(`at least ${DEFAULT_QUALITY_RULES.minRecords}`);
  });

  it('refuses an EM run that did not converge', () => {
    expect(codes(judgeEstimation(facts({ ...sound(), converged: false, iterations: 1000 })))).toEqual(['not-converged']);
  });

  it('refuses an expected match share of about 0 or about 1', () => {
    expect(codes(judgeEstimation(facts({ ...sound(), expectedMatches: 0.05 })))).toEqual(['match-share-degenerate']);
    expect(codes(judgeEstimation(facts({ ...sound(), expectedMatches: 899.99 })))).toEqual(['match-share-degenerate']);
  });

  it('refuses a field whose m equals its u at every level (no separating power)', () => {
    const levels = defaultModel().fields.town.m.length;
    const flat = withField('town', { m: uniform(levels), u: uniform(levels) });
    const reasons = judgeEstimation(facts(sound(flat)));
    expect(codes(reasons)).toEqual(['no-separating-power']);
    expect(reasons[0]?.message).toContain('town');
  });

  it.each(['given', 'family', 'birthDate'] as const)('refuses exact agreement on %s likelier by chance than among matches', (field) => {
    const prior = defaultModel().fields[field];
    // Swap m and u: agreement now counts against a match, disagreement for it.
    const reasons = judgeEstimation(facts(sound(withField(field, { m: prior.u, u: prior.m }))));
    expect(codes(reasons)).toEqual(['key-field-inverted']);
    expect(reasons[0]?.message).toContain(field);
  });

  it('refuses NaN or infinite parameters', () => {
    const prior = defaultModel().fields.sex;
    expect(codes(judgeEstimation(facts(sound(withField('sex', { m: [Number.NaN, ...prior.m.slice(1)], u: prior.u })))))).toEqual(['not-finite']);
    expect(codes(judgeEstimation(facts(sound({ ...defaultModel(), priorMatch: Number.POSITIVE_INFINITY }))))).toEqual(['not-finite']);
    expect(codes(judgeEstimation(facts({ ...sound(), expectedMatches: Number.NaN })))).toEqual(['not-finite']);
  });

  it('refuses a model the engine would not accept (a probability of 0)', () => {
    const prior = defaultModel().fields.email;
    const zero = withField('email', { m: [0, ...prior.m.slice(1)], u: prior.u });
    expect(codes(judgeEstimation(facts(sound(zero))))).toEqual(['malformed']);
  });

  it('says every reason at once, and names fields and counts only', () => {
    const levels = defaultModel().fields.town.m.length;
    const model = withField('town', { m: uniform(levels), u: uniform(levels) });
    const reasons = judgeEstimation({ records: 150, trainingPairs: 40, estimation: { ...sound(model), converged: false, expectedMatches: 20 } });
    expect(codes(reasons)).toEqual(['too-few-records', 'too-few-pairs', 'not-converged', 'no-separating-power']);
    for (const reason of reasons) expect(reason.message).toMatch(/^[\w\s(),.:;<>=≥-]+$/);
  });

  it('covers every field of the model', () => {
    // Every field is checked for separating power: a flat one anywhere is refused.
    for (const field of FIELDS) {
      const levels = defaultModel().fields[field].m.length;
      expect(codes(judgeEstimation(facts(sound(withField(field, { m: uniform(levels), u: uniform(levels) })))))).toContain('no-separating-power');
    }
  });
});
