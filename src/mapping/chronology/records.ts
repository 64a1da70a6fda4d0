/**
 * Chronology records: facts that are one source record of one agency, with their date, kind,
 * kind class, persons, topics and referral source.
 *
 * Why this file exists: split out of chronology.ts (house file-size limit); turning facts into
 * records is a step of its own, before any pairing or merging.
 */
import type { Agency } from '../../model/agency.ts';
import type { Fact } from '../../model/fact.ts';
import { compare } from './compare.ts';
import { REFERRAL_SOURCE, SOURCE_AGENCY, TOPIC_LEXICON, type HappeningClass } from './rules.ts';
import type { ChronologyKind } from './types.ts';

export type TimedFact = Extract<Fact, { kind: 'event' | 'flag' }>;

/** One source record of one agency, made of one or more facts. */
export interface ChronologyRecord {
  readonly key: string;
  readonly agency: Agency;
  readonly date: string;
  readonly endDate: string | undefined;
  readonly kind: ChronologyKind;
  readonly happening: HappeningClass | undefined;
  readonly persons: ReadonlySet<string>;
  readonly topics: ReadonlySet<string>;
  /** For a referral: the agency it says it came from. */
  readonly referredBy: Agency | undefined;
  readonly facts: readonly TimedFact[];
}

/** Police involvement records (`Incident/<id>/Nominal/<n>`) are one incident record. */
export function recordKeyOf(fact: TimedFact): string {
  const id = fact.provenance.sourceRecordId.replace(/^((?:Incident|Crime|Intelligence)\/[^/]+)\/Nominal\/[^/]+$/, '$1');
  return `${fact.provenance.connectorId}\u0000${id}`;
}

export function dateOf(fact: TimedFact): string | undefined {
  return fact.kind === 'event' ? fact.date : fact.period?.start;
}

export function endDateOf(fact: TimedFact): string | undefined {
  return fact.kind === 'event' ? fact.endDate : fact.period?.end;
}

export function kindOf(fact: TimedFact): ChronologyKind {
  return fact.kind === 'event' ? fact.eventKind : 'flag';
}

function textOf(fact: TimedFact): string {
  return `${fact.summary} ${fact.kind === 'event' ? (fact.detail ?? '') : ''}`.toLowerCase();
}

/** Kind classes by kind; plans and flags are a class only when they are about child protection. */
const HAPPENING_BY_KIND: Readonly<Record<ChronologyKind, HappeningClass | 'if-child-protection' | undefined>> = {
  incident: 'incident', crime: 'incident', attendance: 'attendance', admission: 'attendance', referral: 'referral', plan: 'if-child-protection', flag: 'if-child-protection',
  appointment: undefined, exclusion: undefined, absence: undefined, tenancy: undefined, eviction: undefined, assessment: undefined, 'looked-after': undefined,
  diagnosis: undefined, 'episode-of-care': undefined, other: undefined,
};

function happeningOf(kind: ChronologyKind, facts: readonly TimedFact[], text: string): HappeningClass | undefined {
  const happening = HAPPENING_BY_KIND[kind];
  if (happening !== 'if-child-protection') return happening;
  if (kind === 'plan') return /child protection/.test(text) ? 'cp-plan' : undefined;
  return facts.some((f) => f.kind === 'flag' && f.flagKind === 'child-protection-plan') || /child protection plan/.test(text) ? 'cp-flag' : undefined;
}

/** Event kinds before flags: a record that is both a plan and its flag reads as the plan. */
const KIND_ORDER = (kind: ChronologyKind): number => (kind === 'flag' ? 1 : 0);

export function toRecord(key: string, facts: readonly TimedFact[], persons: ReadonlySet<string>): ChronologyRecord {
  const sorted = [...facts].sort((a, b) => KIND_ORDER(kindOf(a)) - KIND_ORDER(kindOf(b)) || compare(a.provenance.sourceRecordId, b.provenance.sourceRecordId) || compare(a.id, b.id));
  const lead = sorted[0];
  if (lead === undefined) throw new Error('a chronology record has at least one fact');
  const dates = sorted.map(dateOf).filter((d) => d !== undefined).sort(compare);
  const text = sorted.map(textOf).join(' ');
  const kind = kindOf(lead);
  const source = kind === 'referral' ? REFERRAL_SOURCE.exec(lead.summary.toLowerCase())?.[1] : undefined;
  return {
    key,
    agency: lead.provenance.agency,
    date: dates[0] ?? '',
    endDate: endDateOf(lead),
    kind,
    happening: happeningOf(kind, sorted, text),
    persons,
    topics: new Set(Object.entries(TOPIC_LEXICON).filter(([, pattern]) => pattern.test(text)).map(([topic]) => topic)),
    referredBy: source === undefined ? undefined : SOURCE_AGENCY.find(([pattern]) => pattern.test(source))?.[1],
    facts: sorted,
  };
}
