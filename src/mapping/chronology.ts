/**
 * Chronology: one time-ordered list of what happened to a child and family, across agencies,
 * with the same happening reported by several agencies shown once with all its sources.
 *
 * Why this file exists: serious case reviews keep finding that each agency held a piece of the
 * same night — a police log, an A&E attendance, a notification to children's social care — and
 * nobody put them side by side. The picture has every agency's facts; this is the
 * one place that orders them and decides which records are one happening. Pure: no I/O, no
 * clock; the same facts give the same entries with the same ids.
 *
 * What becomes an entry: every EventFact, and every FlagFact with a start date (a flag raised:
 * a CP-IS flag, a UKHDS alert, a warning marker). A flag with no start date is a standing marker,
 * not a happening, and stays out of the chronology (the picture still shows it).
 *
 * First, facts that are one source record are one *record*: the same record fetched by several
 * lookups (one per household member), a case-system plan and the flag it raises (they share a
 * source record id), and police involvement records — the police mapper makes one fact per
 * person involved, `Incident/<id>/Nominal/<nominal>` (see police.ts), which are one incident.
 *
 * Then records of different agencies are merged into one entry when `MERGE_RULE` holds — read it
 * there; in short: different agencies; compatible kinds within that pairing's day window
 * (`MERGE_RULES`); at least one person in common; and summaries that agree (a shared topic from
 * `TOPIC_LEXICON`, or a referral that names the other agency as its source), never disagree.
 * Two records of the same agency are never merged on their own evidence: the agency recorded
 * them apart and knows them better than we do. They share an entry only when each is matched to
 * the same other agency's record, and only as one agency's several records of one happening —
 * the police incident and the crime raised from it, the mother's and the child's A&E
 * attendances that night, a notification for each child present — never two records of the
 * same kind about the same person.
 *
 * The parts live under chronology/: types.ts, rules.ts (the rule), records.ts, pairs.ts,
 * entries.ts and compare.ts; every export stays available from this module.
 */
import type { Fact } from '../model/fact.ts';
import { compare, compareNumbers, daysBetween } from './chronology/compare.ts';
import { kindOrder, leadOrder, toEntry } from './chronology/entries.ts';
import { canJoin, pairStrength, withoutAmbiguousPairs, type Pair } from './chronology/pairs.ts';
import { dateOf, recordKeyOf, toRecord, type ChronologyRecord, type TimedFact } from './chronology/records.ts';
import { MAX_ENTRY_SPAN_DAYS } from './chronology/rules.ts';
import type { ChronologyEntry, ChronologyOptions, PersonOf } from './chronology/types.ts';

export { MAX_ENTRY_SPAN_DAYS, MERGE_RULE, MERGE_RULES, TOPIC_LEXICON, type HappeningClass, type MergeEvidence, type MergeRule } from './chronology/rules.ts';
export type { ChronologyEntry, ChronologyKind, ChronologyOptions, ChronologySource, PersonOf } from './chronology/types.ts';

/**
 * Builds the chronology from a picture's facts: events, and flags with a start date, in date
 * order, the same happening reported by several agencies merged into one entry (MERGE_RULE).
 * `personOf` gives the hub person an agency's person reference is linked to (a fact it knows no
 * person for is kept, but merges with nothing); `options.persons` keeps only the family's facts.
 */
export function buildChronology(facts: readonly Fact[], personOf: PersonOf, options: ChronologyOptions = {}): ChronologyEntry[] {
  const factsByRecord = new Map<string, TimedFact[]>();
  const personsByRecord = new Map<string, Set<string>>();
  for (const fact of facts) {
    if (fact.kind !== 'event' && fact.kind !== 'flag') continue;
    if (dateOf(fact) === undefined) continue;
    const person = personOf(fact.personRef, fact.provenance.agency);
    if (options.persons !== undefined && (person === undefined || !options.persons.has(person))) continue;
    const key = recordKeyOf(fact);
    factsByRecord.set(key, [...(factsByRecord.get(key) ?? []), fact]);
    const persons = personsByRecord.get(key) ?? new Set<string>();
    if (person !== undefined) persons.add(person);
    personsByRecord.set(key, persons);
  }
  const records = [...factsByRecord].map(([key, recordFacts]) => toRecord(key, recordFacts, personsByRecord.get(key) ?? new Set())).sort(leadOrder);

  // Candidate pairs: only records within the widest window of each other can be one happening.
  const pairs: Pair[] = [];
  for (let i = 0; i < records.length; i++) {
    const a = records[i];
    if (a === undefined) continue;
    for (let j = i + 1; j < records.length; j++) {
      const b = records[j];
      if (b === undefined) continue;
      if (daysBetween(a.date, b.date) > MAX_ENTRY_SPAN_DAYS) break;
      const strength = pairStrength(a, b);
      if (strength !== undefined) pairs.push({ a: i, b: j, strength });
    }
  }
  const unambiguous = withoutAmbiguousPairs(pairs, records);
  unambiguous.sort((x, y) => compareNumbers(x.strength, y.strength) || x.a - y.a || x.b - y.b);

  // Entries grow from the strongest pairs (union–find over record indexes).
  const groupOf = records.map((_, i) => i);
  const members = new Map<number, number[]>(records.map((_, i) => [i, [i]]));
  const find = (i: number): number => {
    let root = i;
    while (groupOf[root] !== root) root = groupOf[root] ?? root;
    return root;
  };
  const recordsOf = (group: number): ChronologyRecord[] => (members.get(group) ?? []).map((i) => records[i]).filter((r) => r !== undefined);
  for (const { a, b } of unambiguous) {
    const ga = find(a);
    const gb = find(b);
    if (ga === gb || !canJoin(recordsOf(ga), recordsOf(gb))) continue;
    groupOf[gb] = ga;
    members.set(ga, [...(members.get(ga) ?? []), ...(members.get(gb) ?? [])]);
    members.delete(gb);
  }
  return [...members.keys()].map((group) => toEntry(recordsOf(group))).sort((x, y) => compare(x.date, y.date) || kindOrder(x.kind) - kindOrder(y.kind) || compare(x.id, y.id));
}
