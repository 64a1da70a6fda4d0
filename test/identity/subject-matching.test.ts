/**
 * Subject matching against real NHS data: the PDS sandbox's fuzzy multi-match searchset (20
 * Patients "Sam Smith", born 2000-05-05, each a different valid NHS number), parsed from the
 * external file and mapped by the real health mapper, matched to a referral subject over a wave.
 * Trusted identifiers separate: records with different valid NHS numbers are never matched to one
 * subject automatically; without an NHS number on the subject they all wait for a practitioner;
 * with one, exactly that record matches (docs/decisions.md "Trusted identifiers separate;
 * ambiguous candidates go to a practitioner").
 */
import { describe, expect, it } from 'vitest';
import { mapHealth } from '../../src/mapping/health.ts';
import { createMatcher, defaultModel, discoverHousehold, MATCH_REASONS, matchWave, upnCheckLetter } from '../../src/identity/index.ts';
import type { Fact, PersonFact } from '../../src/model/fact.ts';
import type { SubjectMatch } from '../../src/model/identity.ts';
import { CANDIDATE_CAP, educationRecordOf, healthRawOf, mappingContext, nhsNumberOf, pdsFuzzyPatients, samSmith } from './support/sam-smith.ts';

// The matcher the composition root builds, once, from the model.
const matcher = createMatcher(defaultModel());

const HEALTH = 'lookup-health';
const EDUCATION = 'lookup-education';
const patients = pdsFuzzyPatients();

const nhsOf = (facts: readonly Fact[], m: SubjectMatch): string | undefined =>
  facts.find((f): f is PersonFact => f.kind === 'person' && f.personRef === m.personRef && f.provenance.lookupId === m.lookupId)?.identifiers.find((i) => i.system === 'nhs-number')?.value;

/** The matches of the records of Sam Smith (not of the related persons the health records name). */
const withoutRelatives = (matches: readonly SubjectMatch[]): SubjectMatch[] => matches.filter((m) => !m.personRef.startsWith('RelatedPerson/'));

/** The matches of the candidate patients (not of their related persons). */
const patientMatches = (matches: readonly SubjectMatch[]): SubjectMatch[] => matches.filter((m) => m.personRef.startsWith('Patient/'));

describe('the PDS fuzzy multi-match searchset against "Sam Smith", born 2000-05-05', () => {
  it('holds 20 patients of that name and birth date, each with a different valid NHS number', () => {
    expect(patients).toHaveLength(20);
    expect(new Set(patients.map(nhsNumberOf)).size).toBe(20);
    expect(patients.every((p) => p.birthDate === '2000-05-05' && p.name?.[0]?.family === 'Smith')).toBe(true);
  });

  it.each([
    ['the five candidates the connector reads', CANDIDATE_CAP],
    ['all twenty', 20],
  ])('without an NHS number on the subject: %s are possible matches, none automatic', (_label, count) => {
    const facts = mapHealth(healthRawOf(patients.slice(0, count)), mappingContext(HEALTH));
    const matches = matchWave(matcher, [{ id: HEALTH, subjectRef: 'child-1' }], [samSmith()], facts);
    const automatic = matches.filter((m) => m.outcome === 'match');
    // No two automatic matches of one subject with different NHS numbers…
    expect(new Set(automatic.map((m) => nhsOf(facts, m))).size).toBeLessThanOrEqual(1);
    // …and here none at all: each is a possible match with its score, evidence and the reason.
    expect(automatic).toEqual([]);
    const candidates = patientMatches(matches);
    expect(candidates).toHaveLength(count);
    const sams = candidates.filter((m) => m.score >= 8);
    // Every "Sam Smith" (all but the one "Dave Matt Smith" in the twenty) is a distinct person by NHS number.
    expect(sams).toHaveLength(count === 20 ? 19 : count);
    for (const m of sams) {
      expect(m.outcome).toBe('possible');
      expect(m.evidence.some((e) => e.field === 'birthDate' && e.level === 'exact')).toBe(true);
      expect(m.reason).toBe(`${sams.length} distinct people match this subject`);
    }
    // "Dave Matt Smith" was never more than a possible match by score.
    for (const m of candidates.filter((c) => c.score < 8)) expect(m).toMatchObject({ outcome: 'possible', reason: MATCH_REASONS.belowMatchThreshold });
  });

  it.each(patients.slice(0, CANDIDATE_CAP).map((p) => [nhsNumberOf(p)]))('with NHS number %s on the subject: exactly that record matches, the others are non-matches', (nhsNumber) => {
    const facts = mapHealth(healthRawOf(patients.slice(0, CANDIDATE_CAP)), mappingContext(HEALTH));
    const candidates = patientMatches(matchWave(matcher, [{ id: HEALTH, subjectRef: 'child-1' }], [samSmith(nhsNumber)], facts));
    expect(candidates).toHaveLength(CANDIDATE_CAP);
    const matched = candidates.filter((m) => m.outcome === 'match');
    expect(matched.map((m) => nhsOf(facts, m))).toEqual([nhsNumber]);
    for (const other of candidates.filter((m) => m.outcome !== 'match')) {
      expect(other.outcome).toBe('non-match');
      expect(other.reason).toBe(MATCH_REASONS.subjectIdentifierConflict);
    }
  });
});

describe('across the lookups of a wave', () => {
  const [first, second] = patients;
  const lookups = [
    { id: HEALTH, subjectRef: 'child-1' },
    { id: EDUCATION, subjectRef: 'child-1' },
  ];

  it('a health and an education record with different valid NHS numbers, each a match alone, are both only possible', () => {
    const health = mapHealth(healthRawOf([first!]), mappingContext(HEALTH));
    const education = [educationRecordOf(EDUCATION, { nhsNumber: nhsNumberOf(second!) })];
    // Alone, each scores as a match for the subject…
    expect(patientMatches(matchWave(matcher, [lookups[0]!], [samSmith()], health)).map((m) => m.outcome)).toEqual(['match']);
    expect(matchWave(matcher, [lookups[1]!], [samSmith()], education).map((m) => m.outcome)).toEqual(['match']);
    // …together they are two people, and neither is the subject automatically.
    const together = withoutRelatives(matchWave(matcher, lookups, [samSmith()], [...health, ...education]));
    expect(together.map((m) => [m.lookupId, m.outcome, m.reason])).toEqual([
      [HEALTH, 'possible', '2 distinct people match this subject'],
      [EDUCATION, 'possible', '2 distinct people match this subject'],
    ]);
  });

  it('records of one person (agreeing on the NHS number) still match together', () => {
    const health = mapHealth(healthRawOf([first!]), mappingContext(HEALTH));
    const education = [educationRecordOf(EDUCATION, { nhsNumber: nhsNumberOf(first!) })];
    const together = withoutRelatives(matchWave(matcher, lookups, [samSmith()], [...health, ...education]));
    expect(together.map((m) => [m.lookupId, m.outcome])).toEqual([
      [HEALTH, 'match'],
      [EDUCATION, 'match'],
    ]);
  });

  it('a record with another UPN than a record matched by the subject’s own NHS number is a non-match; the anchored one still matches', () => {
    const upn = (serial: string): string => `${upnCheckLetter(serial)}${serial}`;
    const anchored = educationRecordOf(EDUCATION, { nhsNumber: nhsNumberOf(first!), upn: upn('801200001001') });
    const other = educationRecordOf(EDUCATION, { upn: upn('801200001002') });
    const matches = matchWave(matcher, [lookups[1]!], [samSmith(nhsNumberOf(first!))], [anchored, other]);
    expect(matches.map((m) => [m.personRef, m.outcome, m.reason])).toEqual([
      [anchored.personRef, 'match', null],
      [other.personRef, 'non-match', MATCH_REASONS.anchorIdentifierConflict],
    ]);
  });
});

describe('household discovery', () => {
  const facts = mapHealth(healthRawOf(patients.slice(0, CANDIDATE_CAP)), mappingContext(HEALTH));
  const nextRef = (n: number): string => `hh-2-${n}`;

  it('does not start from candidates awaiting a practitioner', () => {
    const subject = samSmith();
    const matches = matchWave(matcher, [{ id: HEALTH, subjectRef: subject.ref }], [subject], facts);
    expect(discoverHousehold(matcher, [subject], matches, facts, [subject], nextRef, 2)).toEqual([]);
  });

  it('starts from the one record the subject’s NHS number matches', () => {
    const subject = samSmith(nhsNumberOf(patients[2]!));
    const matches = matchWave(matcher, [{ id: HEALTH, subjectRef: subject.ref }], [subject], facts);
    const members = discoverHousehold(matcher, [subject], matches, facts, [subject], nextRef, 2);
    expect(members.map((m) => [m.relationship, m.subject.name.family])).toEqual([['parent', `Mother${patients[2]!.id.slice(-4)}`]]);
  });
});
