import { describe, expect, it } from 'vitest';
import { LOWEST_JOB_PRIORITY, researchPriority } from './jobs.ts';
import { slaDueOn, WorkingCalendar } from './working-calendar.ts';

// Monday to Friday, 09:00–17:00 London, no holidays: enough to place instants by hand.
const calendar = new WorkingCalendar({ timeZone: 'Europe/London', days: [1, 2, 3, 4, 5], startMinute: 9 * 60, endMinute: 17 * 60, holidays: [] });
const HOUR_S = 3_600;
const at = (iso: string): Date => new Date(iso);

describe('research priority: earliest deadline first on the working-hours clock (DESIGN.md rule 4)', () => {
  it('is the working seconds left until the referral is due', () => {
    const received = at('2026-11-23T10:00:00Z'); // Monday, GMT
    expect(researchPriority(calendar, slaDueOn(calendar, received, 'red'), received)).toBe(4 * HOUR_S);
    expect(researchPriority(calendar, slaDueOn(calendar, received, 'green'), received)).toBe(24 * HOUR_S);
  });

  it('runs red before amber before green, whenever each was received', () => {
    const green = at('2026-11-23T09:00:00Z');
    const red = at('2026-11-23T16:00:00Z');
    const redPriority = researchPriority(calendar, slaDueOn(calendar, red, 'red'), red);
    const amberPriority = researchPriority(calendar, slaDueOn(calendar, red, 'amber'), red);
    expect(redPriority).toBeLessThan(amberPriority);
    expect(amberPriority).toBeLessThan(researchPriority(calendar, slaDueOn(calendar, green, 'green'), red));
  });

  it('keeps referrals of one rating received out of hours in the order received: no newest-first', () => {
    // Friday evening and Saturday: both are due at the same instant; neither gets ahead of the other.
    const first = at('2026-11-27T19:00:00Z');
    const second = at('2026-11-28T11:00:00Z');
    const due = slaDueOn(calendar, first, 'green');
    expect(slaDueOn(calendar, second, 'green')).toEqual(due);
    expect(researchPriority(calendar, due, first)).toBe(researchPriority(calendar, due, second));
  });

  it("puts a referral's second wave ahead of the first waves of referrals received after it, in hours and out", () => {
    // In hours: the first wave enqueued at 10:00, later referrals' first waves at 10:05, the second wave at 10:06.
    const earlier = at('2026-11-23T10:00:00Z');
    const later = at('2026-11-23T10:05:00Z');
    const secondWave = researchPriority(calendar, slaDueOn(calendar, earlier, 'green'), at('2026-11-23T10:06:00Z'), 2);
    expect(secondWave).toBeLessThan(researchPriority(calendar, slaDueOn(calendar, later, 'green'), later));
    // Out of hours no working time passes, so the wave's step breaks the tie.
    const night = at('2026-11-23T22:00:00Z');
    const laterNight = at('2026-11-23T22:05:00Z');
    const nightWave = researchPriority(calendar, slaDueOn(calendar, night, 'green'), at('2026-11-23T22:06:00Z'), 2);
    expect(nightWave).toBeLessThan(researchPriority(calendar, slaDueOn(calendar, laterNight, 'green'), laterNight));
  });

  it("stays inside BullMQ's priority range: an overdue referral runs first, a far one is clamped", () => {
    expect(researchPriority(calendar, at('2026-11-23T10:00:00Z'), at('2026-11-24T10:00:00Z'))).toBe(1);
    expect(researchPriority(calendar, at('2026-11-23T10:00:00Z'), at('2026-11-23T10:00:00Z'), 5)).toBe(1);
    expect(researchPriority(calendar, at('2030-01-01T00:00:00Z'), at('2026-11-23T10:00:00Z'))).toBe(LOWEST_JOB_PRIORITY);
  });
});
