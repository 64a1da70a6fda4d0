/** When a paged search's end is a cut, and what the cut counts. */
import { describe, expect, it } from 'vitest';
import { candidateCapCut, lastPageCut, pageCapCut, tooManyMatchesCut } from './cuts.ts';

describe('candidateCapCut', () => {
  it('is no cut when exactly the cap matched and nothing more was on offer', () => {
    expect(candidateCapCut('Patient search', 5, 5, false, 5)).toBeUndefined();
    expect(candidateCapCut('Patient search', 5, 5, false, undefined)).toBeUndefined();
  });
  it('is a cut when more were kept, a further page was offered, or the agency counted more', () => {
    expect(candidateCapCut('Patient search', 5, 7, false, undefined)).toEqual({ reason: 'candidate-cap', search: 'Patient search', read: 5, reported: null });
    expect(candidateCapCut('Patient search', 5, 5, true, undefined)).toEqual({ reason: 'candidate-cap', search: 'Patient search', read: 5, reported: null });
    expect(candidateCapCut('Patient search', 5, 5, false, 19)).toEqual({ reason: 'candidate-cap', search: 'Patient search', read: 5, reported: 19 });
  });
});

describe('lastPageCut', () => {
  it('is a cut only when the agency reported more matches than it sent', () => {
    expect(lastPageCut('People search', 3, 3, undefined)).toBeUndefined();
    expect(lastPageCut('People search', 3, 3, 3)).toBeUndefined();
    expect(lastPageCut('People search', 3, 3, 12)).toEqual({ reason: 'agency-limit', search: 'People search', read: 3, reported: 12 });
  });
  it('counts what arrived, so a server repeating a record across pages is not taken for one holding back', () => {
    expect(lastPageCut('People search', 4, 3, 4)).toBeUndefined();
  });
});

describe('pageCapCut and tooManyMatchesCut', () => {
  it('always cut, with what is known', () => {
    expect(pageCapCut('Encounter search', 4, 7)).toEqual({ reason: 'page-cap', search: 'Encounter search', read: 4, reported: 7 });
    expect(pageCapCut('Encounter search', 4, undefined)).toEqual({ reason: 'page-cap', search: 'Encounter search', read: 4, reported: null });
    expect(tooManyMatchesCut('Patient search')).toEqual({ reason: 'agency-limit', search: 'Patient search', read: 0, reported: null });
  });
});
