/** The per-agency statements of the picture and the product: every agency said, in counts and words. */
import { describe, expect, it } from 'vitest';
import { agencyChecks, type CheckedLookup } from './check.ts';
import { describeCuts, type AnswerCut } from './lookup.ts';

const cap: AnswerCut = { reason: 'candidate-cap', search: 'Patient search', read: 5, reported: 19 };
const lookup = (agency: CheckedLookup['agency'], status: CheckedLookup['status'], cuts: readonly AnswerCut[] = []): CheckedLookup => ({ agency, status, cuts });

describe('agencyChecks', () => {
  const checks = agencyChecks([
    lookup('health', 'done'),
    lookup('health', 'partial', [cap]),
    lookup('health', 'timed-out'),
    lookup('police', 'done'),
    lookup('police', 'done'),
    lookup('education', 'not-permitted'),
    lookup('social-care', 'running'),
    lookup('social-care', 'done'),
  ]);
  const of = (agency: CheckedLookup['agency']) => checks.find((c) => c.agency === agency);

  it('lists every agency, in order, even one the hub has no connector for', () => {
    expect(checks.map((c) => [c.agency, c.answer])).toEqual([
      ['health', 'incomplete'],
      ['police', 'complete'],
      ['education', 'not-permitted'],
      ['housing', 'not-checked'],
      ['social-care', 'pending'],
    ]);
  });

  it('counts each status and says in words what is missing, with the counts of a cut answer', () => {
    expect(of('health')).toEqual({
      agency: 'health',
      answer: 'incomplete',
      lookups: 3,
      complete: 1,
      partial: 1,
      failed: 0,
      timedOut: 1,
      notPermitted: 0,
      pending: 0,
      statement: 'Health was checked for 3 people; the answer is incomplete: 1 answer was cut short — Patient search: 5 of 19 matching records read (candidate cap); 1 lookup timed out.',
    });
    expect(of('police')?.statement).toBe('Police was checked for 2 people; every answer was complete.');
    expect(of('education')?.statement).toBe('Education was not checked: the lawful basis of this referral does not permit it.');
    expect(of('housing')?.statement).toBe('Housing was not checked: the hub has no connector for it.');
    expect(of('social-care')?.statement).toBe("Children's social care is still being checked: 1 of 2 lookups finished.");
  });

  it('never calls an answer with a lookup refused by the lawful basis complete', () => {
    expect(agencyChecks([lookup('police', 'done'), lookup('police', 'not-permitted')])[1]).toMatchObject({
      answer: 'incomplete',
      statement: 'Police was checked for 2 people; the answer is incomplete: 1 lookup was not permitted by the lawful basis.',
    });
  });
});

describe('describeCuts', () => {
  it('gives each search once, summing its cuts over candidates, with the code of its reason', () => {
    expect(
      describeCuts([
        cap,
        { reason: 'page-cap', search: 'Encounter search', read: 4, reported: 7 },
        { reason: 'page-cap', search: 'Encounter search', read: 4, reported: null },
        { reason: 'agency-limit', search: 'Patient search', read: 0, reported: null },
      ]),
    ).toBe(
      'ANSWER.CANDIDATE_CAP: Patient search: 5 of 19 matching records read (candidate cap); ' +
        'ANSWER.PAGE_CAP: Encounter search: 8 records read, more not read (the agency did not say how many) (page cap); ' +
        'ANSWER.AGENCY_LIMIT: Patient search: the agency said too many matched and listed none',
    );
  });
});
