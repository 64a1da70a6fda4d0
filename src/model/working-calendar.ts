/**
 * The hub's working-hours clock. DESIGN.md "Risk-led timing": a red referral's product is due
 * within 4 working hours, amber within 1 working day, green within 3 — hours the hub is staffed,
 * not clock hours, so a red referral received on Friday evening is due on Monday morning and
 * bank holidays do not count.
 *
 * Wall-clock arithmetic in a named time zone is done with the platform's Intl time-zone data
 * (ICU, shipped with Node): the calendar needs only "what local date and time is this instant"
 * and its inverse, so no date library is needed (docs/decisions.md "Working-hours clock").
 */
import { z } from 'zod';
import { err, ok, type Result } from '../lib/result.ts';
import type { Rag } from './referral.ts';

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
/** A loop over days stops here: no configuration has a gap of ten years between working days. */
const MAX_DAYS = 3_660;

/** ISO weekday numbers: 1 Monday … 7 Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface WorkingCalendarSpec {
  /** An IANA time zone, e.g. `Europe/London`. */
  readonly timeZone: string;
  /** The days the hub works. */
  readonly days: readonly Weekday[];
  /** Start and end of the working day, in minutes after local midnight (`end` > `start`). */
  readonly startMinute: number;
  readonly endMinute: number;
  /** Local dates (`YYYY-MM-DD`) that are not worked, whatever their weekday. */
  readonly holidays: readonly string[];
}

/** A local calendar date. */
interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Working hours, as configured: where a time falls and how much working time lies between two. */
export class WorkingCalendar {
  readonly spec: WorkingCalendarSpec;
  readonly #days: ReadonlySet<number>;
  readonly #holidays: ReadonlySet<string>;
  readonly #parts: Intl.DateTimeFormat;

  constructor(spec: WorkingCalendarSpec) {
    if (!(spec.endMinute > spec.startMinute)) throw new RangeError('the working day must end after it starts');
    if (spec.startMinute < 0 || spec.endMinute > 24 * 60) throw new RangeError('working hours must lie within one day');
    if (spec.days.length === 0) throw new RangeError('at least one working day is needed');
    this.spec = spec;
    this.#days = new Set(spec.days);
    this.#holidays = new Set(spec.holidays);
    // Throws RangeError for an unknown zone.
    this.#parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: spec.timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  }

  /** Length of one working day, in milliseconds. */
  get dayMs(): number {
    return (this.spec.endMinute - this.spec.startMinute) * MS_PER_MINUTE;
  }

  /** The last holiday the calendar knows, or undefined without any: beyond it, only weekdays count. */
  get holidaysKnownUntil(): string | undefined {
    return [...this.#holidays].sort().at(-1);
  }

  /** Whether the local date is a working day (a configured weekday, not a holiday). */
  isWorkingDay(date: LocalDate): boolean {
    return this.#days.has(weekdayOf(date)) && !this.#holidays.has(isoDate(date));
  }

  /** Whether the hub is working at this instant. */
  isWorkingTime(at: Date): boolean {
    const date = this.#localDate(at);
    if (!this.isWorkingDay(date)) return false;
    const { start, end } = this.#window(date);
    return at.getTime() >= start && at.getTime() < end;
  }

  /**
   * The instant `ms` of working time after `from`. Time outside working hours does not count, so
   * adding from a Saturday starts on the next working morning.
   */
  addWorkingTime(from: Date, ms: number): Date {
    if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError('working time to add must be a finite, non-negative number');
    let remaining = ms;
    let date = this.#localDate(from);
    for (let i = 0; i < MAX_DAYS; i++, date = nextDate(date)) {
      if (!this.isWorkingDay(date)) continue;
      const { start, end } = this.#window(date);
      const begin = Math.max(start, from.getTime());
      if (begin >= end) continue;
      if (remaining <= end - begin) return new Date(begin + remaining);
      remaining -= end - begin;
    }
    throw new RangeError('no working time within ten years: check the working days and holidays');
  }

  /** Working time between two instants, in milliseconds (0 when `to` is not after `from`). */
  workingTimeBetween(from: Date, to: Date): number {
    if (to.getTime() <= from.getTime()) return 0;
    let total = 0;
    const last = isoDate(this.#localDate(to));
    let date = this.#localDate(from);
    for (let i = 0; i < MAX_DAYS + 36_500 && isoDate(date) <= last; i++, date = nextDate(date)) {
      if (!this.isWorkingDay(date)) continue;
      const { start, end } = this.#window(date);
      const overlap = Math.min(end, to.getTime()) - Math.max(start, from.getTime());
      if (overlap > 0) total += overlap;
    }
    return total;
  }

  /** The UTC instants where the working day of a local date starts and ends. */
  #window(date: LocalDate): { start: number; end: number } {
    return { start: this.#instant(date, this.spec.startMinute), end: this.#instant(date, this.spec.endMinute) };
  }

  /** The local date of an instant in the calendar's zone. */
  #localDate(at: Date): LocalDate {
    const fields = this.#fields(at.getTime());
    return { year: fields.year, month: fields.month, day: fields.day };
  }

  /**
   * The instant a local wall-clock time (date and minute of the day) happens. The zone's offset
   * is read at a first guess and read again there, which settles across a daylight-saving change;
   * a time that does not exist (the hour skipped in spring) lands just after the change.
   */
  #instant(date: LocalDate, minute: number): number {
    const wall = Date.UTC(date.year, date.month - 1, date.day) + minute * MS_PER_MINUTE;
    let guess = wall - this.#offset(wall);
    guess = wall - this.#offset(guess);
    return guess;
  }

  /** The zone's offset from UTC at an instant, in milliseconds. */
  #offset(instant: number): number {
    const f = this.#fields(instant);
    const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
    return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
  }

  #fields(instant: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
    const out: Record<string, number> = {};
    for (const part of this.#parts.formatToParts(new Date(instant))) {
      if (part.type !== 'literal') out[part.type] = Number(part.value);
    }
    return {
      year: out.year ?? 1970,
      month: out.month ?? 1,
      day: out.day ?? 1,
      hour: out.hour ?? 0,
      minute: out.minute ?? 0,
      second: out.second ?? 0,
    };
  }
}

function weekdayOf(date: LocalDate): Weekday {
  const sundayZero = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return (sundayZero === 0 ? 7 : sundayZero) as Weekday;
}

function nextDate(date: LocalDate): LocalDate {
  const next = new Date(Date.UTC(date.year, date.month - 1, date.day) + MS_PER_DAY);
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

function isoDate(date: LocalDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`;
}

/** How much working time each RAG rating allows (DESIGN.md "Risk-led timing"). */
export function slaWorkingMs(calendar: WorkingCalendar, rag: Rag): number {
  switch (rag) {
    case 'red':
      return 4 * 60 * MS_PER_MINUTE;
    case 'amber':
      return calendar.dayMs;
    case 'green':
      return 3 * calendar.dayMs;
  }
}

/** When a referral received at `receivedAt` with this rating is due. */
export function slaDueOn(calendar: WorkingCalendar, receivedAt: Date, rag: Rag): Date {
  return calendar.addWorkingTime(receivedAt, slaWorkingMs(calendar, rag));
}

/** Where a referral stands against its SLA; `met` once its first product was published in time. */
export type SlaStanding = 'on-track' | 'at-risk' | 'breached' | 'met';

/** The SLA clock of the hub: its working calendar and when a referral counts as at risk. */
export interface SlaClock {
  readonly calendar: WorkingCalendar;
  /** The share of a referral's working time after which it is at risk (e.g. 0.75). */
  readonly atRiskFraction: number;
  /** When a referral received at `receivedAt` with this rating is due, and when it becomes at risk. */
  times(receivedAt: Date, rag: Rag): { dueAt: Date; atRiskAt: Date };
}

export function createSlaClock(spec: WorkingCalendarSpec, atRiskFraction: number): SlaClock {
  if (!(atRiskFraction > 0 && atRiskFraction < 1)) throw new RangeError('the at-risk share must lie strictly between 0 and 1');
  const calendar = new WorkingCalendar(spec);
  return {
    calendar,
    atRiskFraction,
    times(receivedAt, rag) {
      const allowed = slaWorkingMs(calendar, rag);
      return { dueAt: calendar.addWorkingTime(receivedAt, allowed), atRiskAt: calendar.addWorkingTime(receivedAt, allowed * atRiskFraction) };
    },
  };
}

/**
 * Where a referral stands from its stored times: the SLA is met or breached for good by its first
 * published product (the hub's product is what the clock is for, DESIGN.md rule 4); before that,
 * breached once due, at risk from its at-risk time.
 */
export function standingAt(now: Date, times: { readonly dueAt: Date; readonly atRiskAt: Date; readonly firstPublishedAt: Date | null }): SlaStanding {
  if (times.firstPublishedAt !== null) return times.firstPublishedAt.getTime() <= times.dueAt.getTime() ? 'met' : 'breached';
  if (now.getTime() >= times.dueAt.getTime()) return 'breached';
  return now.getTime() >= times.atRiskAt.getTime() ? 'at-risk' : 'on-track';
}

/**
 * Where a referral stands at `now`: breached once due, at risk once `atRiskFraction` of its
 * working time is used (e.g. 0.75), on track before.
 */
export function slaStanding(calendar: WorkingCalendar, receivedAt: Date, dueAt: Date, now: Date, atRiskFraction: number): Exclude<SlaStanding, 'met'> {
  if (now.getTime() >= dueAt.getTime()) return 'breached';
  const allowed = calendar.workingTimeBetween(receivedAt, dueAt);
  if (allowed === 0) return 'at-risk';
  return calendar.workingTimeBetween(receivedAt, now) / allowed >= atRiskFraction ? 'at-risk' : 'on-track';
}

/**
 * GOV.UK's bank-holiday file (https://www.gov.uk/bank-holidays.json): one object per division,
 * each with its events. Extra fields are allowed, so a fresh download always parses.
 */
export const BankHolidayFile = z.record(
  z.string(),
  z.object({
    division: z.string().optional(),
    events: z.array(z.object({ title: z.string(), date: z.iso.date() })),
  }),
);

/** The holiday dates of one division of a GOV.UK bank-holiday file, or an error in words. */
export function holidaysOf(document: unknown, division: string): Result<string[], { kind: 'invalid-holidays'; message: string }> {
  const parsed = BankHolidayFile.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return err({ kind: 'invalid-holidays', message: `not a GOV.UK bank-holiday file (${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'})` });
  }
  const found = parsed.data[division];
  if (found === undefined) return err({ kind: 'invalid-holidays', message: `has no division "${division}" (it has ${Object.keys(parsed.data).join(', ') || 'none'})` });
  return ok(found.events.map((event) => event.date));
}

const DAY_NAMES: Readonly<Record<string, Weekday>> = { mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6, sun: 7 };

/** Parses working days written `mon-fri`, `mon,tue,thu` or `mon-fri,sat`. */
export function parseWorkingDays(text: string): Weekday[] | undefined {
  const days = new Set<Weekday>();
  for (const piece of text.toLowerCase().split(',')) {
    const [from, to, ...rest] = piece.trim().split('-');
    if (from === undefined || rest.length > 0) return undefined;
    const first = DAY_NAMES[from];
    const last = to === undefined ? first : DAY_NAMES[to];
    if (first === undefined || last === undefined || last < first) return undefined;
    for (let d = first; d <= last; d++) days.add(d);
  }
  return [...days].sort((a, b) => a - b);
}

/** Parses working hours written `09:00-17:00` into minutes after midnight. */
export function parseWorkingHours(text: string): { startMinute: number; endMinute: number } | undefined {
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(text.trim());
  if (match === null) return undefined;
  const [h1, m1, h2, m2] = match.slice(1).map(Number) as [number, number, number, number];
  if (h1 > 24 || h2 > 24 || m1 > 59 || m2 > 59) return undefined;
  const startMinute = h1 * 60 + m1;
  const endMinute = h2 * 60 + m2;
  if (endMinute <= startMinute || endMinute > 24 * 60) return undefined;
  return { startMinute, endMinute };
}
