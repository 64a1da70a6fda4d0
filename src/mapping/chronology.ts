/**
 * Chronology: one time-ordered list of what happened to a child and family, across agencies,
 * with the same happening reported by several agencies shown once with all its sources.
 *
 * Why this file exists: serious case reviews keep finding that each agency held a piece of the
 * same night — a police log, an A&E attendance, a notification to children's social care — and
 * nobody put them side by side (issue 4 §4). The picture has every agency's facts; this is the
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
 */
import { stableId } from '../lib/ids.ts';
import { AGENCIES, type Agency, type Sensitivity } from '../model/agency.ts';
import { EventKind, type EventFact, type Fact } from '../model/fact.ts';

/** What an entry is: the event kind of its lead record, or `flag` for a flag raised. */
export type ChronologyKind = EventFact['eventKind'] | 'flag';

/** One fact behind an entry, as its owner recorded it. */
export interface ChronologySource {
  readonly agency: Agency;
  /** The fact (the first, when several lookups fetched the same record). */
  readonly factId: string;
  /** Every fact that is this source record: the same record fetched by several lookups. */
  readonly factIds: readonly string[];
  readonly sourceRecordId: string;
  readonly sensitivity: Sensitivity;
  readonly summary: string;
  readonly date: string;
  readonly kind: ChronologyKind;
}

/** One happening, with every agency's record of it. */
export interface ChronologyEntry {
  /** Stable: derived from the lead record's connector and source record id. */
  readonly id: string;
  readonly date: string;
  readonly endDate?: string;
  readonly kind: ChronologyKind;
  /** The lead record's summary; each source keeps its own. */
  readonly summary: string;
  /** Hub person ids of everyone the sources are about, sorted. */
  readonly persons: readonly string[];
  readonly sources: readonly ChronologySource[];
  /** The strictest sensitivity of its sources. */
  readonly sensitivity: Sensitivity;
  /** The agencies that recorded it, in the hub's agency order. */
  readonly agencies: readonly Agency[];
}

/** The hub person an agency's person reference has been linked to, if any. */
export type PersonOf = (personRef: string, agency: Agency) => string | undefined;

export interface ChronologyOptions {
  /** When given, only facts about these hub persons (the child and family) are included. */
  readonly persons?: ReadonlySet<string>;
}

// ---------------------------------------------------------------------------------------------
// The rule
// ---------------------------------------------------------------------------------------------

/**
 * Kind classes for merging. Only these can merge; everything else (school attendance, tenancy,
 * diagnosis, warning markers, assessments …) stays an entry of its own.
 */
export type HappeningClass = 'incident' | 'attendance' | 'referral' | 'cp-plan' | 'cp-flag';

/** What else two records must show, beyond kind, window and a person in common. */
export type MergeEvidence = 'topic' | 'topic-or-named-source' | 'kinds-suffice';

export interface MergeRule {
  readonly first: HappeningClass;
  readonly then: HappeningClass;
  /** Window for `then.date − first.date`, in days, inclusive. */
  readonly minDays: number;
  readonly maxDays: number;
  readonly evidence: MergeEvidence;
  /**
   * `shared`: the two records must have a hub person in common. `family`: records about
   * different members of the family charted may merge too, but only on the strongest evidence —
   * a shared topic *and* the referral naming the other agency as its source.
   */
  readonly persons: 'shared' | 'family';
  readonly why: string;
}

/** The kind compatibility table: which classes can be one happening, and how far apart. */
export const MERGE_RULES: readonly MergeRule[] = [
  { first: 'incident', then: 'incident', minDays: -7, maxDays: 7, evidence: 'topic', persons: 'shared', why: 'a police incident and the housing ASB case opened on the same complaint, up to a week apart' },
  { first: 'incident', then: 'attendance', minDays: -1, maxDays: 1, evidence: 'topic', persons: 'shared', why: 'A&E the same night, or after midnight; or an attendance the hospital reported to police next day' },
  {
    first: 'incident', then: 'referral', minDays: 0, maxDays: 3, evidence: 'topic-or-named-source', persons: 'family',
    why: "police notification to children's social care: next working day, three days over a weekend; the child present is often not a police nominal, so the notification may be about another member of the family",
  },
  { first: 'attendance', then: 'referral', minDays: 0, maxDays: 3, evidence: 'topic-or-named-source', persons: 'shared', why: 'hospital safeguarding referral after an attendance' },
  { first: 'cp-plan', then: 'cp-flag', minDays: -1, maxDays: 7, evidence: 'kinds-suffice', persons: 'shared', why: 'a child protection plan and the CP-IS flag or housing alert it raises' },
  { first: 'cp-flag', then: 'cp-flag', minDays: -7, maxDays: 7, evidence: 'kinds-suffice', persons: 'shared', why: 'two agencies flagging the same child protection plan' },
];

/** No entry spans more days than the widest window. */
export const MAX_ENTRY_SPAN_DAYS = 7;

/**
 * Topics for "do the summaries agree": a small safeguarding lexicon matched on summary and
 * detail. Two records agree when they share a topic; they disagree when both have topics and
 * share none (a missing-person incident is not a domestic-abuse notification).
 */
export const TOPIC_LEXICON: Readonly<Record<string, RegExp>> = {
  'domestic-abuse': /\bdomestic\b|\bmarac\b|\bdash\b|by (?:her |his |their )?partner|argument at home/,
  violence: /assault|violen|\babh\b|actual bodily harm|\bpunch|\bkick/,
  injury: /injur|lacerat|bruis|fractur|\bburns?\b|\bcut\b|wound|concussion/,
  missing: /missing|fail(?:ed|ing) to return|return home interview|abscond/,
  'anti-social-behaviour': /anti-social|\basb\b|nuisance|\bnoise\b/,
  'self-harm': /self[- ]harm|overdose|hurt (?:him|her|them)sel(?:f|ves)|suicid/,
  'child-protection': /child protection|\bcp-is\b/,
};

/** Who a referral says it came from ("Contact from Police (6): …") → agency. */
const REFERRAL_SOURCE = /\b(?:contact|referral|referred) (?:from|by) ([^:(.;]+)/;
const SOURCE_AGENCY: readonly (readonly [RegExp, Agency])[] = [
  [/police/, 'police'],
  [/health|hospital|a&e|\bgp\b|nurse|health visitor|midwi/, 'health'],
  [/school|education/, 'education'],
  [/housing/, 'housing'],
  [/social care|children's services/, 'social-care'],
];

/**
 * The merge rule in words (for the API documentation and the console's "why merged"): two
 * records are one happening when all of 1–4 hold; 5–6 say how entries grow.
 */
export const MERGE_RULE: readonly string[] = [
  '1. They come from different agencies.',
  '2. A row of MERGE_RULES pairs their kind classes, and the days between them fall in its window.',
  "3. They have a hub person in common (a record no person is known for never merges) - except on a 'family' row, where records about different members of the family merge only with both a shared topic and a referral naming the other record's agency as its source.",
  "4. Their topics do not disagree, and the row's evidence is there: a shared topic, or, for a referral, the referral naming the other record's agency as its source. A referral naming a different agency never merges with it.",
  '5. An entry grows from its strongest pairs first (closest in days, most topics and persons in common); two entries join only if no two of their records have disagreeing topics, the whole spans at most MAX_ENTRY_SPAN_DAYS, and records of the same agency are companions: one class, within a day, a topic in common, and different kinds or different people - never two records of one kind about the same person.',
  '6. A record that matches two records of one agency that cannot be companions goes with the one with more evidence (topics, then persons in common; never days alone) or, when they tie, with neither.',
];

// ---------------------------------------------------------------------------------------------
// Records: facts that are one source record
// ---------------------------------------------------------------------------------------------

type TimedFact = Extract<Fact, { kind: 'event' | 'flag' }>;

/** One source record of one agency, made of one or more facts. */
interface ChronologyRecord {
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
function recordKeyOf(fact: TimedFact): string {
  const id = fact.provenance.sourceRecordId.replace(/^((?:Incident|Crime|Intelligence)\/[^/]+)\/Nominal\/[^/]+$/, '$1');
  return `${fact.provenance.connectorId}\u0000${id}`;
}

function dateOf(fact: TimedFact): string | undefined {
  return fact.kind === 'event' ? fact.date : fact.period?.start;
}

function endDateOf(fact: TimedFact): string | undefined {
  return fact.kind === 'event' ? fact.endDate : fact.period?.end;
}

function kindOf(fact: TimedFact): ChronologyKind {
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

function toRecord(key: string, facts: readonly TimedFact[], persons: ReadonlySet<string>): ChronologyRecord {
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

// ---------------------------------------------------------------------------------------------
// Pairs and entries
// ---------------------------------------------------------------------------------------------

const DAY_MS = 86_400_000;
const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

const intersects = <T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number => {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n;
};

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
function pairStrength(a: ChronologyRecord, b: ChronologyRecord): readonly number[] | undefined {
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
function canJoin(left: readonly ChronologyRecord[], right: readonly ChronologyRecord[]): boolean {
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

const HAPPENING_ORDER: Readonly<Record<HappeningClass | 'none', number>> = { incident: 0, attendance: 1, 'cp-plan': 2, referral: 3, 'cp-flag': 4, none: 5 };
const AGENCY_ORDER = new Map<Agency, number>(AGENCIES.map((a, i) => [a, i]));

/** Kinds in the model's order (incident before crime), flags last. */
const kindOrder = (kind: ChronologyKind): number => (kind === 'flag' ? EventKind.options.length : EventKind.options.indexOf(kind));

/** The record an entry is led by: the earliest; then incident, attendance, plan, referral, flag; then kind and agency order. */
function leadOrder(a: ChronologyRecord, b: ChronologyRecord): number {
  return compare(a.date, b.date)
    || HAPPENING_ORDER[a.happening ?? 'none'] - HAPPENING_ORDER[b.happening ?? 'none']
    || kindOrder(a.kind) - kindOrder(b.kind)
    || (AGENCY_ORDER.get(a.agency) ?? 0) - (AGENCY_ORDER.get(b.agency) ?? 0)
    || compare(a.key, b.key);
}

const RANK: Readonly<Record<Sensitivity, number>> = { open: 0, sensitive: 1, restricted: 2 };

function toEntry(records: readonly ChronologyRecord[]): ChronologyEntry {
  const ordered = [...records].sort(leadOrder);
  const lead = ordered[0];
  const leadFact = lead?.facts[0];
  if (lead === undefined || leadFact === undefined) throw new Error('a chronology entry has at least one record');
  const sources: ChronologySource[] = [];
  for (const record of ordered) {
    const bySource = new Map<string, TimedFact[]>();
    for (const fact of record.facts) {
      const key = `${fact.provenance.sourceRecordId}\u0000${fact.kind}`;
      bySource.set(key, [...(bySource.get(key) ?? []), fact]);
    }
    for (const facts of bySource.values()) {
      const ids = facts.map((f) => f.id).sort(compare);
      const first = facts.find((f) => f.id === ids[0]) ?? leadFact;
      sources.push({
        agency: first.provenance.agency,
        factId: first.id,
        factIds: ids,
        sourceRecordId: first.provenance.sourceRecordId,
        sensitivity: facts.map((f) => f.provenance.sensitivity).reduce((x, y) => (RANK[y] > RANK[x] ? y : x)),
        summary: first.summary,
        date: dateOf(first) ?? record.date,
        kind: kindOf(first),
      });
    }
  }
  const persons = [...new Set(ordered.flatMap((r) => [...r.persons]))].sort(compare);
  const present = new Set(ordered.map((r) => r.agency));
  return {
    id: stableId('chronology', lead.key),
    date: lead.date,
    ...(lead.endDate !== undefined && lead.endDate >= lead.date ? { endDate: lead.endDate } : {}),
    kind: lead.kind,
    summary: leadFact.summary,
    persons,
    sources,
    sensitivity: sources.map((s) => s.sensitivity).reduce((x, y) => (RANK[y] > RANK[x] ? y : x), 'open'),
    agencies: AGENCIES.filter((a) => present.has(a)),
  };
}

// ---------------------------------------------------------------------------------------------
// The chronology
// ---------------------------------------------------------------------------------------------

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

interface Pair {
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
function withoutAmbiguousPairs(pairs: readonly Pair[], records: readonly ChronologyRecord[]): Pair[] {
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

/** Locale-independent string order, so entries sort the same on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareNumbers(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
