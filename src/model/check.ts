/**
 * Which agencies were checked, and how completely: one statement per agency, from its lookups'
 * statuses. The picture shows it to the hub and the product carries it out, so a reader never
 * takes an agency's silence for "nothing known" when the agency was not asked, refused, failed,
 * or answered only in part (DESIGN.md: "honest partial pictures"; rule 7: a lookup the basis
 * does not allow is not made, "and the picture says so").
 *
 * Why this file exists: the picture (gateway) and the product (firewall) must say the same thing
 * in the same words; the statement is derived from the lookups alone, so it lives in the model.
 * Pure: no I/O. Counts and search names only, never content.
 */
import { z } from 'zod';
import { Agency, AGENCIES } from './agency.ts';
import { describeCut, type AnswerCut, type LookupStatus } from './lookup.ts';

/**
 * What an agency's answer amounts to: `complete` (every lookup answered in full), `incomplete`
 * (some answered only in part, failed, timed out or were not permitted), `not-permitted` (none
 * allowed by the lawful basis), `pending` (lookups still running), `not-checked` (no connector).
 */
export const AgencyAnswer = z.enum(['complete', 'incomplete', 'not-permitted', 'pending', 'not-checked']);
export type AgencyAnswer = z.infer<typeof AgencyAnswer>;

const Count = z.number().int().min(0);

export const AgencyCheck = z.object({
  agency: Agency,
  answer: AgencyAnswer,
  /** Lookups planned for this agency: one per person looked up. */
  lookups: Count,
  /** …of which answered in full. */
  complete: Count,
  /** …answered, but cut short (candidate cap, page cap, the agency's own limit). */
  partial: Count,
  failed: Count,
  timedOut: Count,
  notPermitted: Count,
  /** …not finished yet. */
  pending: Count,
  /** The same, for people: what was checked and what is missing. */
  statement: z.string().min(1).max(2000),
});
export type AgencyCheck = z.infer<typeof AgencyCheck>;

/** What `agencyChecks` reads of a lookup. */
export interface CheckedLookup {
  readonly agency: Agency;
  readonly status: LookupStatus;
  readonly cuts: readonly AnswerCut[];
}

const AGENCY_NAME: Readonly<Record<Agency, string>> = {
  health: 'Health',
  police: 'Police',
  education: 'Education',
  housing: 'Housing',
  'social-care': "Children's social care",
};

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

/** One check per agency, in the fixed agency order, every agency listed (an unasked agency says so). */
export function agencyChecks(lookups: readonly CheckedLookup[]): AgencyCheck[] {
  return AGENCIES.map((agency) => agencyCheck(agency, lookups.filter((l) => l.agency === agency)));
}

function agencyCheck(agency: Agency, lookups: readonly CheckedLookup[]): AgencyCheck {
  const count = (...statuses: LookupStatus[]): number => lookups.filter((l) => statuses.includes(l.status)).length;
  const counts = {
    lookups: lookups.length,
    complete: count('done'),
    partial: count('partial'),
    failed: count('failed'),
    timedOut: count('timed-out'),
    notPermitted: count('not-permitted'),
    pending: count('queued', 'running'),
  };
  const name = AGENCY_NAME[agency];
  const people = plural(counts.lookups, 'person', 'people');
  let answer: AgencyAnswer;
  let statement: string;
  if (counts.lookups === 0) {
    answer = 'not-checked';
    statement = `${name} was not checked: the hub has no connector for it.`;
  } else if (counts.pending > 0) {
    answer = 'pending';
    statement = `${name} is still being checked: ${counts.lookups - counts.pending} of ${counts.lookups} lookups finished.`;
  } else if (counts.notPermitted === counts.lookups) {
    answer = 'not-permitted';
    statement = `${name} was not checked: the lawful basis of this referral does not permit it.`;
  } else if (counts.complete === counts.lookups) {
    answer = 'complete';
    statement = `${name} was checked for ${people}; every answer was complete.`;
  } else {
    answer = 'incomplete';
    const missing: string[] = [];
    if (counts.partial > 0) {
      const cuts = lookups.filter((l) => l.status === 'partial').flatMap((l) => l.cuts);
      const detail = cuts.length === 0 ? '' : ` — ${[...new Set(cuts.map((c) => `${c.search}: ${describeCut(c)}`))].join('; ')}`;
      missing.push(`${plural(counts.partial, 'answer was', 'answers were')} cut short${detail}`);
    }
    if (counts.failed > 0) missing.push(`${plural(counts.failed, 'lookup', 'lookups')} failed`);
    if (counts.timedOut > 0) missing.push(`${plural(counts.timedOut, 'lookup', 'lookups')} timed out`);
    if (counts.notPermitted > 0) missing.push(`${plural(counts.notPermitted, 'lookup was', 'lookups were')} not permitted by the lawful basis`);
    statement = `${name} was checked for ${people}; the answer is incomplete: ${missing.join('; ')}.`;
  }
  const clipped = statement.length <= 2000 ? statement : `${statement.slice(0, 1999)}…`;
  return { agency, answer, ...counts, statement: clipped };
}
