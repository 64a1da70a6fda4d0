/**
 * The generator's integer calendar must agree with the platform's Gregorian calendar, or
 * birth dates and ages would drift.
 */
import { describe, expect, it } from 'vitest';
import { addYears, ageOn, dayOf, isoOf, receptionStart, swapDayMonth } from './dates.ts';

describe('dates', () => {
  it('round-trips every day from 1900 to 2100 like Date does', () => {
    for (let day = -25_567; day < 47_482; day++) {
      const iso = new Date(day * 86_400_000).toISOString().slice(0, 10);
      if (isoOf(day) !== iso || dayOf(iso) !== day) throw new Error(`mismatch at ${day}: ${isoOf(day)} vs ${iso}`);
    }
  });
  it('computes ages, anniversaries and reception start', () => {
    expect(ageOn(dayOf('2017-03-04'), dayOf('2026-11-21'))).toBe(9);
    expect(ageOn(dayOf('2017-11-22'), dayOf('2026-11-21'))).toBe(8);
    expect(isoOf(addYears(dayOf('2016-02-29'), 1))).toBe('2017-02-28');
    expect(isoOf(receptionStart(dayOf('2017-03-04')))).toBe('2021-09-01');
    expect(isoOf(receptionStart(dayOf('2016-09-01')))).toBe('2021-09-01');
  });
  it('swaps day and month only when the result is a different valid date', () => {
    expect(swapDayMonth('2014-06-12')).toBe('2014-12-06');
    expect(swapDayMonth('2014-06-13')).toBeUndefined();
    expect(swapDayMonth('2014-06-06')).toBeUndefined();
  });
});
