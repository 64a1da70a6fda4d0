/**
 * The chronology merge rule: kind classes, the kind compatibility table (MERGE_RULES), the topic
 * lexicon, referral sources and the rule in words (MERGE_RULE).
 *
 * Why this file exists: split out of chronology.ts (house file-size limit) so the rule a reader
 * or reviewer checks is in one short file, apart from the code that applies it. Re-exported
 * from ../chronology.ts.
 */
import type { Agency } from '../../model/agency.ts';

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
export const REFERRAL_SOURCE = /\b(?:contact|referral|referred) (?:from|by) ([^:(.;]+)/;
export const SOURCE_AGENCY: readonly (readonly [RegExp, Agency])[] = [
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
