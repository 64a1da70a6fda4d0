/**
 * Identity in a referral, as the domain sees it: the household members discovered for the next
 * wave of lookups, how each agency person record matched the subject it was found for, and the
 * practitioner's decisions on records that were only possible matches (docs/decisions.md,
 * "Trusted identifiers separate; ambiguous candidates go to a practitioner"). Pure: no I/O.
 */
import { stableId } from '../lib/ids.ts';
import type { Agency } from './agency.ts';
import type { Subject } from './referral.ts';

export interface DiscoveredSubject {
  readonly subject: Subject;
  readonly wave: number;
  readonly relationship: string;
}

export interface SubjectMatch {
  readonly lookupId: string;
  readonly personRef: string;
  readonly subjectRef: string;
  /** The machine's verdict over the wave (src/identity/subject-matching.ts), before any practitioner's decision. */
  readonly outcome: 'match' | 'possible' | 'non-match';
  readonly score: number;
  readonly probability: number;
  readonly evidence: readonly { readonly field: string; readonly level: string; readonly weight: number }[];
  /** Why the record is only possible, or a non-match despite its fields: rules and counts, never personal data. */
  readonly reason: string | null;
}

/** A practitioner's answer to a subject-level possible match, or the rejection that followed from confirming another record. */
export interface SubjectMatchDecision {
  readonly decision: 'confirmed' | 'rejected';
  /** `earlier-decision`: a practitioner's answer about the same record and the same hub person in an earlier referral, applied here. */
  readonly cause: 'practitioner' | 'conflicts-with-confirmed' | 'earlier-decision';
  readonly decidedBy: string;
  readonly decidedAt: string;
}

/** A decision to record on a subject-level possible match; the reason is sealed with the owning agency's key. */
export interface NewSubjectMatchDecision {
  readonly referralId: string;
  readonly match: SubjectMatch;
  /** The agency that owns the record. */
  readonly owner: Agency;
  readonly decision: SubjectMatchDecision['decision'];
  readonly cause: SubjectMatchDecision['cause'];
  readonly by: string;
  /** Free text; sealed at rest, never logged. */
  readonly reason: string;
  readonly at: Date;
}

/** A subject match as stored: its id (for the API) and the decision taken on it, if any. */
export interface StoredSubjectMatch extends SubjectMatch {
  readonly id: string;
  readonly decision: SubjectMatchDecision | null;
}

/** Where a record stands towards its subject. */
export type Standing = 'match' | 'possible' | 'non-match';

/**
 * Where a record stands: a practitioner's decision over the machine's outcome — confirmed is a
 * match, rejected a non-match; an undecided possible match stays possible (out of the picture's
 * facts and of every product until decided).
 */
export function standingOf(match: SubjectMatch & { readonly decision?: SubjectMatchDecision | null }): Standing {
  const decision = match.decision ?? null;
  if (decision !== null) return decision.decision === 'confirmed' ? 'match' : 'non-match';
  return match.outcome;
}

/** The API id of a subject-level match: stable for one record of one lookup. */
export const subjectMatchId = (lookupId: string, personRef: string): string => stableId('smt', lookupId, personRef);

/** Whether a string has the shape of a subject-level match id. */
export const isSubjectMatchId = (value: string): boolean => /^smt_[0-9a-f]{32}$/.test(value);
