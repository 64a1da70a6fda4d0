/**
 * Calendar arithmetic for the synthetic population, on whole UTC days.
 *
 * Why: generation works in day numbers (days since 1970-01-01) so that it never depends on
 * the machine's time zone or clock, and converts to ISO `YYYY-MM-DD` only when writing records.
 */
import type { IsoDate } from './types.ts';

/** "Today" of the synthetic world. Ages, current addresses and open plans are as of this day. */
export const REFERENCE_DATE: IsoDate = '2026-11-21';

/** Day number of an ISO date. */
export function dayOf(iso: IsoDate): number {
  return dayOfYmd(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** ISO date of a day number. */
export function isoOf(day: number): IsoDate {
  const { year, month, day: d } = ymdOf(day);
  return `${year}-${pad2(month)}-${pad2(d)}`;
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar): integer
// arithmetic only, much faster than Date objects on the generator's hot path.

/** Day number of a calendar date (month 1–12; day may overflow into the next month). */
export function dayOfYmd(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Year, month (1–12) and day of a day number. */
export function ymdOf(day: number): { year: number; month: number; day: number } {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day: d };
}

export const REFERENCE_DAY = dayOf(REFERENCE_DATE);

/** Whole years between a birth day and another day. */
export function ageOn(birthDay: number, onDay: number): number {
  const b = ymdOf(birthDay);
  const o = ymdOf(onDay);
  let age = o.year - b.year;
  if (o.month < b.month || (o.month === b.month && o.day < b.day)) age -= 1;
  return age;
}

/** The same calendar day `years` later (29 Feb → 28 Feb). */
export function addYears(day: number, years: number): number {
  const { year, month, day: d } = ymdOf(day);
  const target = dayOfYmd(year + years, month, d);
  return ymdOf(target).month === month ? target : dayOfYmd(year + years, month, d - 1);
}

/**
 * The date with day and month swapped (US-style entry error), or undefined when the swap is
 * not a different valid date (day > 12, or day === month).
 */
export function swapDayMonth(iso: IsoDate): IsoDate | undefined {
  const [y, m, d] = iso.split('-');
  if (y === undefined || m === undefined || d === undefined) return undefined;
  if (Number(d) > 12 || d === m) return undefined;
  return `${y}-${d}-${m}`;
}

/**
 * Start of the academic year (1 September) in which a child born on `birthDay` starts
 * reception: the September after their fourth birthday, or on it.
 */
export function receptionStart(birthDay: number): number {
  const { year, month } = ymdOf(birthDay);
  return dayOfYmd(month >= 9 ? year + 5 : year + 4, 9, 1);
}
