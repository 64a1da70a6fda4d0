/**
 * Chronology pairs: whether two records are one happening (MERGE_RULE 1–4), whether two groups
 * can be one entry (MERGE_RULE 5), and settling ambiguous matches (MERGE_RULE 6).
 *
 * Why this file exists: split out of chronology.ts (house file-size limit); this is the code
 * that applies the rule in rules.ts to records.
 */
import { compare, compareNumbers, daysBetween, intersects } from './compare.ts';
import type { ChronologyRecord } from './records.ts';
import { MAX_ENTRY_SPAN_DAYS, MERGE_RULES, type MergeEvidence, type MergeRule } from './rules.ts';

/** Topics disagree when both records have some and share none. */
const topicsDisagree = (a: ChronologyRecord, b: ChronologyRecord): boolean => a.topics.size > 0 && b.topics.size > 0 && intersects(a.topics, b.topics) === 0;

function ruleFor(a: ChronologyRecord, b: ChronologyRecord): { rule: MergeRule; first: ChronologyRecord; then: ChronologyRecord } | undefined {
  for (const rule of MERGE_RULES) {
    for (const [first, then] of [[a, b], [b, a]] as const) {
      if (first.happening !== rule.first || then.happening !== rule.then) continue;
      const gap = daysBetween(first.date, then.date);
      if (gap >= rule.minDays && gap <= rule.maxDays) return { rule, first, then };
    }
  }
  return undefined;
}

function evidenceHolds(evidence: MergeEvidence, first: ChronologyRecord, then: ChronologyRecord, sharedTopics: number): boolean {
  switch (evidence) {
    case 'kinds-suffice':
      return true;
    case 'topic':
      return sharedTopics > 0;
    case 'topic-or-named-source': {
      const referral = then.happening === 'referral' ? then : first;
      const other = referral === then ? first : then;
      if (referral.referredBy !== undefined && referral.referredBy !== other.agency) return false;
      return sharedTopics > 0 || referral.referredBy === other.agency;
    }
    default:
      return evidence satisfies never;
  }
}

/** How strongly two records are one happening (lower sorts first), or undefined when MERGE_RULE 1–4 do not hold. */
export function pairStrength(a: ChronologyRecord, b: ChronologyRecord): readonly number[] | undefined {
  if (a.agency === b.agency) return undefined;
  const match = ruleFor(a, b);
  if (match === undefined) return undefined;
  if (topicsDisagree(a, b)) return undefined;
  const sharedPersons = intersects(a.persons, b.persons);
  const sharedTopics = intersects(a.topics, b.topics);
  if (sharedPersons === 0) {
    // A `family` row: both kinds of evidence, not either.
    if (match.rule.persons !== 'family' || a.persons.size === 0 || b.persons.size === 0) return undefined;
    if (sharedTopics === 0 || !evidenceHolds('topic-or-named-source', match.first, match.then, 0)) return undefined;
  }
  if (!evidenceHolds(match.rule.evidence, match.first, match.then, sharedTopics)) return undefined;
  return [Math.abs(daysBetween(a.date, b.date)), -sharedTopics, -sharedPersons];
}

/** Whether two groups of records can be one entry (MERGE_RULE 5). */
export function canJoin(left: readonly ChronologyRecord[], right: readonly ChronologyRecord[]): boolean {
  const dates = [...left, ...right].map((r) => r.date).sort(compare);
  if (daysBetween(dates[0] ?? '', dates.at(-1) ?? '') > MAX_ENTRY_SPAN_DAYS) return false;
  for (const a of left) {
    for (const b of right) {
      if (topicsDisagree(a, b)) return false;
      if (a.agency === b.agency && !sameAgencyCompanions(a, b)) return false;
    }
  }
  return true;
}

/**
 * Two records of one agency can share an entry (each matched to another agency's record) only
 * as one agency's several records of one happening: same class, within a day, a topic in common,
 * and either different kinds (the incident and the crime raised from it) or different people
 * (the mother's and the child's attendances; a notification for each child). Two records of the
 * same kind about the same person are two happenings: the agency would not record one twice.
 */
function sameAgencyCompanions(a: ChronologyRecord, b: ChronologyRecord): boolean {
  if (a.happening !== b.happening || Math.abs(daysBetween(a.date, b.date)) > 1 || intersects(a.topics, b.topics) === 0) return false;
  return a.kind !== b.kind || intersects(a.persons, b.persons) === 0;
}

export interface Pair {
  readonly a: number;
  readonly b: number;
  readonly strength: readonly number[];
}

/**
 * Settles records that match several records of another agency which cannot be one happening
 * (two police incidents on consecutive nights, each followed by a notification; a hospital
 * referral and an unrelated GP contact the day of an attendance). Days alone do not settle it:
 * the partner with more evidence (topics, then persons in common) wins; if the best partners
 * tie, which one the record belongs to cannot be told, and a wrong merge attributes one night to
 * another incident — so it merges with neither and stands on its own.
 */
export function withoutAmbiguousPairs(pairs: readonly Pair[], records: readonly ChronologyRecord[]): Pair[] {
  const partners = new Map<string, { other: number; evidence: readonly number[] }[]>();
  for (const { a, b, strength } of pairs) {
    for (const [self, other] of [[a, b], [b, a]] as const) {
      const key = `${self}\u0000${records[other]?.agency ?? ''}`;
      partners.set(key, [...(partners.get(key) ?? []), { other, evidence: strength.slice(1) }]);
    }
  }
  const companions = (x: number, y: number): boolean => {
    const rx = records[x];
    const ry = records[y];
    return rx !== undefined && ry !== undefined && sameAgencyCompanions(rx, ry);
  };
  const dropped = new Set<string>();
  for (const [key, candidates] of partners) {
    const self = key.slice(0, key.indexOf('\u0000'));
    const best = candidates.filter((c) => candidates.every((d) => compareNumbers(c.evidence, d.evidence) <= 0)).map((c) => c.other);
    const tie = best.some((x, i) => best.slice(i + 1).some((y) => !companions(x, y)));
    for (const { other } of candidates) {
      if (tie || !best.every((b) => b === other || companions(b, other))) dropped.add(`${self}\u0000${other}`);
    }
  }
  return pairs.filter(({ a, b }) => !dropped.has(`${a}\u0000${b}`) && !dropped.has(`${b}\u0000${a}`));
}
