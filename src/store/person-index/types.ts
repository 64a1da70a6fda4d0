/**
 * Types of the hub person index: the record it files, the identity engine it is given, and what
 * its operations answer.
 *
 * Why the engine is a port: the store may import only `model` and `lib` (DESIGN.md "Layout",
 * checked by `npm run layers`), while matching lives in `src/mapping/identity/`. The index needs
 * two things from matching — a record's blocking keys and the comparison of two records — so it
 * declares them here, and the composition root hands in `blockingKeys` and
 * a matcher's `compare`, which fit these shapes as they are. `IndexedRecord` mirrors
 * the engine's PersonRecord field for field; a record read back from the store is parsed with
 * its schema, never cast.
 */
import { z } from 'zod';

/** The person record the index seals and compares: the engine's PersonRecord, as a schema. */
export const IndexedRecord = z.object({
  id: z.string(),
  given: z.array(z.string()).optional(),
  family: z.string().optional(),
  birthDate: z.string().optional(),
  sex: z.enum(['female', 'male', 'other', 'unknown']).optional(),
  addressLines: z.array(z.string()).optional(),
  postcode: z.string().optional(),
  town: z.string().optional(),
  nhsNumber: z.string().optional(),
  upn: z.string().optional(),
  pncId: z.string().optional(),
  uprn: z.string().optional(),
  email: z.string().optional(),
  otherId: z.string().optional(),
});
export type IndexedRecord = z.infer<typeof IndexedRecord>;

/** One piece of evidence: the level a field reached and its weight in bits. No personal data. */
export const MatchEvidence = z.object({ field: z.string(), level: z.string(), weight: z.number() });
export type MatchEvidence = z.infer<typeof MatchEvidence>;
export const EvidenceList = z.array(MatchEvidence);

/** The engine's verdict on a pair of records. */
export interface PairComparison {
  readonly outcome: 'match' | 'possible' | 'non-match';
  /** log2 odds that the two records are the same person. */
  readonly score: number;
  readonly evidence: readonly MatchEvidence[];
}

/**
 * What the index needs from identity matching. Wire it from `src/mapping/identity/` as
 * `{ blockingKeys, compare: (a, b) => matcher.compare(a, b) }` with `matcher = createMatcher(model)`.
 */
export interface IdentityEngine {
  /** Keys to file a record under, each prefixed by its kind (`dob:…`, `fy:…`). */
  readonly blockingKeys: (record: IndexedRecord) => readonly string[];
  readonly compare: (a: IndexedRecord, b: IndexedRecord) => PairComparison;
}

/** How a record came to its hub person. */
export type ResolveOutcome = 'match' | 'possible' | 'new';

/** What `resolve` answers. */
export interface Resolution {
  readonly hubPersonId: string;
  readonly outcome: ResolveOutcome;
  /** The score of the comparison behind the outcome; for `new`, the closest candidate's, or null when none was found. */
  readonly score: number | null;
  readonly evidence: readonly MatchEvidence[];
  /** Set when the outcome is `possible` and the question is still open. */
  readonly possibleMatchId?: string;
  /** How the candidates were found (counts only), for benchmarks and diagnostics. */
  readonly candidates: CandidateReport;
}

/** Counts of one candidate search. */
export interface CandidateReport {
  /** Blocking keys of the record. */
  readonly keys: number;
  /** Keys whose block held more than `maxPerKey` records: used only in conjunction (two shared). */
  readonly commonKeys: number;
  /** Keys whose block held more than `maxCommonKey` records: not used at all. */
  readonly ignoredKeys: number;
  /** Distinct records found through the usable keys. */
  readonly found: number;
  /** Records opened and compared (at most `maxCandidates`). */
  readonly compared: number;
}

/** Link kinds as stored: an automatic outcome, or a practitioner's decision. */
export type LinkOutcome = 'match' | 'possible' | 'new' | 'confirmed' | 'rejected';

/** One record of a hub person, as a referral's picture shows it. */
export interface PersonRecordLink {
  readonly recordKey: string;
  readonly outcome: LinkOutcome;
  readonly score: number | null;
  readonly evidence: readonly MatchEvidence[];
  /** The record it was matched with, when that record is seen in the same referral. */
  readonly matchedRecordKey: string | null;
  readonly decidedBy: string | null;
  readonly linkedAt: Date;
}

/** A hub person seen in a referral. */
export interface ReferralPerson {
  readonly hubPersonId: string;
  /** The person's records seen in this referral. */
  readonly records: readonly PersonRecordLink[];
  /** Records of the person seen only in other referrals (counted, not shown: need to know). */
  readonly otherRecords: number;
  /** Referrals in which the person has been seen, this one included (repeat concerns). */
  readonly referralCount: number;
}

/** A possible match waiting for a practitioner. */
export interface PendingMatch {
  readonly id: string;
  readonly recordKey: string;
  /** The hub person the record stands in for now. */
  readonly hubPersonId: string;
  readonly candidatePersonId: string;
  readonly score: number;
  readonly evidence: readonly MatchEvidence[];
  readonly createdAt: Date;
}

/** A practitioner's answer to a possible match. */
export interface MatchDecision {
  readonly decision: 'confirm' | 'reject';
  /** Who decided (the practitioner's subject). */
  readonly by: string;
  /** Why; free text, sealed in the store. */
  readonly reason: string;
}

/** What deciding a possible match did. */
export type DecisionOutcome =
  | { readonly kind: 'confirmed'; readonly hubPersonId: string; readonly mergedPersonId: string | null; readonly recordsMoved: number }
  | { readonly kind: 'rejected'; readonly hubPersonId: string; readonly candidatePersonId: string };

/** Why a possible match could not be decided. */
export type DecisionFailure =
  | { readonly kind: 'not-found' }
  | { readonly kind: 'already-decided'; readonly status: 'confirmed' | 'rejected' };

/** What forgetting a referral removed. */
export interface ForgetReport {
  /** Records seen only for this referral, removed with their keys and links. */
  readonly recordsForgotten: number;
  /** Records kept because other referrals saw them too. */
  readonly recordsKept: number;
}
