/**
 * Fellegi–Sunter scoring: the evidence behind every score, trusted identifiers deciding first,
 * and the outcome rules that keep households apart.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIELDS, LEVELS } from './comparators.ts';
import { createMatcher, probabilityOf } from './matcher.ts';
import { defaultModel, type MatchModel } from './model.ts';
import { prepareRecord, type PersonRecord } from './record.ts';

const model = defaultModel(1e-3);
const matcher = createMatcher(model);
const robert: PersonRecord = {
  id: 'a', given: ['Robert', 'James'], family: 'Smith', birthDate: '2015-04-03', sex: 'male',
  addressLines: ['14 Alder Grove'], postcode: 'WF13 2QP', town: 'Dewsbury',
};

describe('compare', () => {
  it('explains a score: one entry per field with its level and weight, adding up with the prior', () => {
    const c = matcher.compare(robert, { id: 'b', given: ['Bobby'], family: 'Smyth', birthDate: '2015-03-04', sex: 'male', postcode: 'WF132QP' });
    expect(c.evidence.map((e) => e.field)).toEqual([...FIELDS]);
    for (const e of c.evidence) {
      const levels = LEVELS[e.field as keyof typeof LEVELS] as readonly string[];
      expect([...levels, 'missing', 'counted-in-address']).toContain(e.level);
      if (e.level === 'missing' || e.level === 'counted-in-address') expect(e.weight).toBe(0);
    }
    const byField = Object.fromEntries(c.evidence.map((e) => [e.field, e.level]));
    expect(byField).toMatchObject({ given: 'nickname', family: 'phonetic', birthDate: 'day-month-swap', sex: 'same', address: 'same-postcode', email: 'missing' });
    const prior = Math.log2(model.priorMatch / (1 - model.priorMatch));
    expect(c.score).toBeCloseTo(prior + c.evidence.reduce((s, e) => s + e.weight, 0), 9);
    expect(c.probability).toBeCloseTo(probabilityOf(c.score), 12);
  });

  it('never matches twins automatically: first names plainly different, family name and birth date shared', () => {
    const twin = { ...robert, id: 'b', given: ['Oliver'] };
    const pair = matcher.compare(robert, twin);
    expect(pair.score).toBeGreaterThan(model.thresholds.match); // the fields alone would say "match"
    expect(pair.outcome).toBe('possible');
    expect(matcher.scorePrepared(prepareRecord(robert), prepareRecord(twin)).twins).toBe(true);
    // A slip, a nickname or a crossed name is not a different first name.
    for (const given of ['Robret', 'Bobby']) expect(matcher.scorePrepared(prepareRecord(robert), prepareRecord({ ...robert, id: 'c', given: [given] })).twins).toBe(false);
    // Something twins do not share — the same e-mail address — says the first name was the slip.
    const sameEmail = matcher.scorePrepared(prepareRecord({ ...robert, email: 'rjs@example.org' }), prepareRecord({ ...twin, email: 'rjs@example.org' }));
    expect(sameEmail.twins).toBe(false);
    // Different birth dates: siblings, not twins, and the dates already say so.
    expect(matcher.scorePrepared(prepareRecord(robert), prepareRecord({ ...twin, birthDate: '2013-09-20' })).twins).toBe(false);
  });

  it('says when a field is counted elsewhere rather than missing', () => {
    const c = matcher.compare({ id: 'a', given: ['Hall'], family: 'Isla', postcode: 'LS1 4AP', town: 'Leeds' }, { id: 'b', given: ['Isla'], family: 'Hall', postcode: 'LS1 4AP', town: 'Leeds' });
    expect(c.evidence).toContainEqual({ field: 'family', level: 'swapped', weight: 0 });
    expect(c.evidence).toContainEqual({ field: 'town', level: 'counted-in-address', weight: 0 });
    expect(c.evidence.find((e) => e.field === 'given')?.level).toBe('swapped');
  });

  it('carries no personal data: levels and weights only', () => {
    const c = matcher.compare(robert, { ...robert, id: 'b' });
    const text = JSON.stringify(c).toLowerCase();
    for (const value of ['robert', 'smith', '2015', 'alder', 'wf13', 'dewsbury']) expect(text).not.toContain(value);
  });

  it('matches the same details and rejects a different person', () => {
    expect(matcher.compare(robert, { ...robert, id: 'b' }).outcome).toBe('match');
    expect(matcher.compare(robert, { id: 'b', given: ['Aisha'], family: 'Khan', birthDate: '1987-11-30', sex: 'female', postcode: 'HD1 1AA' }).outcome).toBe('non-match');
  });

  it('is symmetric and explains every score, whatever the records hold', () => {
    const name = fc.constantFrom('Robert', 'Bob', 'R.', 'Smith', 'Smyth', 'Smith-Jones', 'Ann', 'Anne', 'Zoë', '');
    const record = (id: string) => fc.record({
      id: fc.constant(id),
      given: fc.array(name, { maxLength: 2 }),
      family: name,
      birthDate: fc.constantFrom('2015-04-03', '2015-03-04', '2015-04-08', '2014-04-03', '2015-02-30', ''),
      sex: fc.constantFrom('male', 'female', 'unknown'),
      addressLines: fc.array(fc.constantFrom('14 Alder Grove', '14 Alder Gr', 'Flat 2', '3 Mill Lane'), { maxLength: 2 }),
      postcode: fc.constantFrom('WF13 2QP', 'WF13 2QR', 'WF13 9ZZ', 'HD1 1AA', ''),
      town: fc.constantFrom('Dewsbury', 'Dewsbry', ''),
      nhsNumber: fc.constantFrom('9434765919', '9000000009', '9434765918', ''),
      email: fc.constantFrom('r.smith@example.org', 'r.smith@exmaple.org', ''),
    }, { requiredKeys: ['id'] }) as fc.Arbitrary<PersonRecord>;
    fc.assert(fc.property(record('a'), record('b'), (a, b) => {
      const ab = matcher.compare(a, b);
      const ba = matcher.compare(b, a);
      expect(ab.score).toBeCloseTo(ba.score, 9);
      expect(ab.outcome).toBe(ba.outcome);
      expect(Number.isFinite(ab.score)).toBe(true);
      expect(ab.evidence.length).toBeGreaterThanOrEqual(FIELDS.length);
    }), { numRuns: 500 });
  });
});

describe('trusted identifiers', () => {
  it('links equal valid NHS numbers outright, whatever else differs', () => {
    const c = matcher.compare({ id: 'a', nhsNumber: '943 476 5919', family: 'Smith' }, { id: 'b', nhsNumber: '9434765919', family: 'Jones' });
    expect(c.outcome).toBe('match');
    expect(c.evidence).toContainEqual({ field: 'nhsNumber', level: 'agree', weight: model.identifiers.agree });
  });
  it('ignores an identifier that fails its check', () => {
    const c = matcher.compare({ id: 'a', nhsNumber: '9434765918' }, { id: 'b', nhsNumber: '9434765918' });
    expect(c.evidence.some((e) => e.field === 'nhsNumber')).toBe(false);
    expect(c.outcome).not.toBe('match');
  });
  it('never auto-matches records whose valid identifiers of one system conflict', () => {
    const c = matcher.compare({ ...robert, pncId: '2001/0171310W' }, { ...robert, id: 'b', pncId: '2011/0275516Q' });
    expect(c.evidence).toContainEqual({ field: 'pncId', level: 'conflict', weight: model.identifiers.conflict });
    expect(c.outcome).not.toBe('match');
  });
});

describe('outcome rules', () => {
  it('does not auto-match on name and home alone: a father and son share both', () => {
    const father: PersonRecord = { id: 'a', given: ['Liam'], family: 'Lloyd', sex: 'male', addressLines: ['153 Longroyd Street'], postcode: 'WF14 7ZD' };
    const son: PersonRecord = { id: 'b', given: ['William', 'Arthur'], family: 'Lloyd', sex: 'male', birthDate: '2025-02-16', addressLines: ['153 Longroyd Street'], postcode: 'WF14 7ZD' };
    const strong: MatchModel = { ...model, thresholds: { match: -100, possible: -200, requirePersonalEvidence: true } };
    expect(createMatcher(strong).compare(father, son).outcome).toBe('possible');
    expect(createMatcher({ ...strong, thresholds: { ...strong.thresholds, requirePersonalEvidence: false } }).compare(father, son).outcome).toBe('match');
  });
  it('refuses a malformed model', () => {
    expect(() => createMatcher({ ...model, priorMatch: 0 })).toThrow(RangeError);
    expect(() => createMatcher({ ...model, fields: { ...model.fields, sex: { m: [1], u: [0.5] } } })).toThrow(RangeError);
  });
  it('survives a JSON round trip unchanged in its judgements', () => {
    const copy = createMatcher(JSON.parse(JSON.stringify(model)) as MatchModel);
    expect(copy.compare(robert, { ...robert, id: 'b', given: ['Bob'] }).score).toBe(matcher.compare(robert, { ...robert, id: 'b', given: ['Bob'] }).score);
  });
});
