import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  holidaysOf,
  parseWorkingDays,
  parseWorkingHours,
  slaDueOn,
  slaStanding,
  WorkingCalendar,
  type WorkingCalendarSpec,
} from './working-calendar.ts';

const shipped: unknown = JSON.parse(readFileSync(new URL('../../contracts/calendar/bank-holidays.json', import.meta.url), 'utf8'));
const englandAndWales = holidaysOf(shipped, 'england-and-wales');
if (!englandAndWales.ok) throw new Error(englandAndWales.error.message);

const hub: WorkingCalendarSpec = { timeZone: 'Europe/London', days: [1, 2, 3, 4, 5], startMinute: 9 * 60, endMinute: 17 * 60, holidays: englandAndWales.value };
const calendar = new WorkingCalendar(hub);
const HOUR = 3_600_000;

describe('SLA due times on the working-hours clock (DESIGN.md "Risk-led timing")', () => {
  it('runs a red referral received late on Friday into Monday morning', () => {
    // 2026-12-04 is a Friday; GMT in December.
    expect(slaDueOn(calendar, new Date('2026-12-04T16:00:00Z'), 'red').toISOString()).toBe('2026-12-07T12:00:00.000Z');
  });

  it('starts the clock on the next working morning for a referral received at the weekend', () => {
    expect(slaDueOn(calendar, new Date('2026-12-05T22:30:00Z'), 'red').toISOString()).toBe('2026-12-07T13:00:00.000Z');
  });

  it('skips Christmas, the weekend and the substitute Boxing Day for an amber referral', () => {
    // Thursday 24 December 2026; 25 is Christmas Day, 28 the substitute for Boxing Day.
    expect(slaDueOn(calendar, new Date('2026-12-24T10:00:00Z'), 'amber').toISOString()).toBe('2026-12-29T10:00:00.000Z');
  });

  it('skips Easter for a green referral, in British Summer Time', () => {
    // Wednesday 1 April 2026, 12:00 BST; Good Friday 3 April, Easter Monday 6 April.
    // 5 h on the 1st, 8 h on the 2nd, 8 h on the 7th, 3 h on the 8th: due 12:00 BST on the 8th.
    expect(slaDueOn(calendar, new Date('2026-04-01T11:00:00Z'), 'green').toISOString()).toBe('2026-04-08T11:00:00.000Z');
  });

  it('follows the clocks going forward over the weekend', () => {
    // Friday 27 March 2026 15:00 GMT; clocks go forward on Sunday 29 March.
    // 2 h on Friday, 2 h from 09:00 BST on Monday: 11:00 BST is 10:00 UTC.
    expect(slaDueOn(calendar, new Date('2026-03-27T15:00:00Z'), 'red').toISOString()).toBe('2026-03-30T10:00:00.000Z');
  });

  it('counts a referral received before the day starts from the start of the day', () => {
    expect(slaDueOn(calendar, new Date('2026-12-08T06:00:00Z'), 'red').toISOString()).toBe('2026-12-08T13:00:00.000Z');
  });

  it('keeps a referral received at the very end of a day for the next working day', () => {
    expect(slaDueOn(calendar, new Date('2026-12-08T17:00:00Z'), 'amber').toISOString()).toBe('2026-12-09T17:00:00.000Z');
  });

  it('works hours configured for a seven-day service', () => {
    const everyDay = new WorkingCalendar({ ...hub, days: [1, 2, 3, 4, 5, 6, 7], holidays: [], startMinute: 8 * 60, endMinute: 20 * 60 });
    // Saturday 5 December 2026 19:00 GMT: 1 h on Saturday, 3 h from 08:00 on Sunday.
    expect(slaDueOn(everyDay, new Date('2026-12-05T19:00:00Z'), 'red').toISOString()).toBe('2026-12-06T11:00:00.000Z');
  });
});

describe('working time between two instants', () => {
  it('counts only working hours', () => {
    expect(calendar.workingTimeBetween(new Date('2026-12-04T16:00:00Z'), new Date('2026-12-07T10:00:00Z'))).toBe(2 * HOUR);
    expect(calendar.workingTimeBetween(new Date('2026-12-07T10:00:00Z'), new Date('2026-12-04T16:00:00Z'))).toBe(0);
  });

  it('is the inverse of adding working time, wherever the start falls', () => {
    const from = fc.date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2028-06-30T00:00:00Z'), noInvalidDate: true });
    const amount = fc.integer({ min: 0, max: 5 * 8 * 60 }).map((minutes) => minutes * 60_000);
    fc.assert(
      fc.property(from, amount, (start, ms) => {
        const due = calendar.addWorkingTime(start, ms);
        expect(due.getTime()).toBeGreaterThanOrEqual(start.getTime());
        expect(calendar.workingTimeBetween(start, due)).toBe(ms);
      }),
      { numRuns: 300 },
    );
  });

  it('says whether the hub is working at an instant', () => {
    expect(calendar.isWorkingTime(new Date('2026-12-07T09:00:00Z'))).toBe(true);
    expect(calendar.isWorkingTime(new Date('2026-12-07T17:00:00Z'))).toBe(false);
    expect(calendar.isWorkingTime(new Date('2026-12-25T12:00:00Z'))).toBe(false);
    expect(calendar.isWorkingTime(new Date('2026-07-01T08:30:00Z'))).toBe(true); // 09:30 BST
  });
});

describe('standing against the SLA', () => {
  const received = new Date('2026-12-07T09:00:00Z');
  const due = slaDueOn(calendar, received, 'red');

  it('is on track, then at risk once the configured share of working time is used, then breached', () => {
    expect(slaStanding(calendar, received, due, new Date('2026-12-07T11:59:00Z'), 0.75)).toBe('on-track');
    expect(slaStanding(calendar, received, due, new Date('2026-12-07T12:00:00Z'), 0.75)).toBe('at-risk');
    expect(slaStanding(calendar, received, due, new Date('2026-12-07T13:00:00Z'), 0.75)).toBe('breached');
  });

  it('does not move towards a breach while the hub is closed', () => {
    const friday = new Date('2026-12-04T16:00:00Z'); // 1 h of 4 used by the close on Friday
    const dueMonday = slaDueOn(calendar, friday, 'red');
    expect(slaStanding(calendar, friday, dueMonday, new Date('2026-12-06T23:00:00Z'), 0.75)).toBe('on-track');
  });
});

describe('the shipped bank-holiday file', () => {
  it('has GOV.UK shape, only weekdays, and covers the years the hub runs in', () => {
    const dates = englandAndWales.value;
    expect(dates).toContain('2026-12-28');
    expect(dates).toContain('2027-03-26');
    for (const date of dates) expect([0, 6]).not.toContain(new Date(`${date}T12:00:00Z`).getUTCDay());
    expect(calendar.holidaysKnownUntil).toBe('2028-12-26');
  });

  it('names what is wrong with a file that is not a bank-holiday file', () => {
    const wrong = holidaysOf({ 'england-and-wales': { events: [{ title: 'x', date: '25/12/2026' }] } }, 'england-and-wales');
    expect(wrong.ok).toBe(false);
    const missing = holidaysOf(shipped, 'scotland');
    expect(missing.ok ? '' : missing.error.message).toContain('has no division "scotland" (it has england-and-wales)');
  });
});

describe('configuration text', () => {
  it('reads working days and hours as a council writes them', () => {
    expect(parseWorkingDays('mon-fri')).toEqual([1, 2, 3, 4, 5]);
    expect(parseWorkingDays('mon-wed,fri,sat')).toEqual([1, 2, 3, 5, 6]);
    expect(parseWorkingDays('fri-mon')).toBeUndefined();
    expect(parseWorkingDays('weekdays')).toBeUndefined();
    expect(parseWorkingHours('09:00-17:00')).toEqual({ startMinute: 540, endMinute: 1020 });
    expect(parseWorkingHours('08:30-24:00')).toEqual({ startMinute: 510, endMinute: 1440 });
    expect(parseWorkingHours('17:00-09:00')).toBeUndefined();
    expect(parseWorkingHours('9-5')).toBeUndefined();
  });

  it('refuses an unknown time zone and an empty week', () => {
    expect(() => new WorkingCalendar({ ...hub, timeZone: 'Europe/Atlantis' })).toThrow(RangeError);
    expect(() => new WorkingCalendar({ ...hub, days: [] })).toThrow(RangeError);
  });
});
