/**
 * The hub person index's records, as the store keeps them and identity reads them: the person
 * record it seals and compares, the link that ties a record to a hub person, the questions a
 * practitioner answers, and what a referral sees of it.
 *
 * Why in the model: the index's SQL stays in the store and its resolution policy lives in
 * identity (docs/decisions.md "One home for identity"), and both speak of these records. The
 * store may import only `model` and `lib`, and identity declares the port the store implements,
 * so the records crossing that port are domain records here. Pure: no I/O. A record read back
 * from the store is parsed with its schema, never cast.
 */
import { z } from 'zod';

/** The person record the index seals and compares: identity's PersonRecord, field for field, as a schema. */
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

/** Link kinds as stored: an automatic outcome, or a practitioner's decision. */
export type LinkOutcome = 'match' | 'possible' | 'new' | 'confirmed' | 'rejected';

/** An indexed record, opened: a candidate to compare a new record with. */
export interface IndexedCandidate {
  /** The record's row id (below 2^53). */
  readonly recordId: number;
  readonly recordKey: string;
  readonly record: IndexedRecord;
  readonly hubPersonId: string;
}

/** Bounds of one candidate search (see src/store/person-index/candidates.ts). */
export interface CandidateLimits {
  /** A blocking key whose block holds at most this many records is selective. */
  readonly maxPerKey: number;
  /** Blocks up to this size count only in conjunction; larger ones are ignored. */
  readonly maxCommonKey: number;
  /** Records opened and compared, best-ranked first. */
  readonly maxCandidates: number;
}

/** The candidates of one search, best-ranked first, and its counts. */
export interface CandidateSearch {
  readonly candidates: readonly IndexedCandidate[];
  /** Keys whose block held more than `maxPerKey` records. */
  readonly commonKeys: number;
  /** Keys whose block held more than `maxCommonKey` records. */
  readonly ignoredKeys: number;
  /** Distinct records found through the usable keys. */
  readonly found: number;
}

/** Where an indexed record stands: its hub person and how it came to it. */
export interface StoredLink {
  readonly recordId: number;
  readonly hubPersonId: string;
  readonly outcome: LinkOutcome;
  readonly score: number | null;
  readonly evidence: readonly MatchEvidence[];
  /** The model version that scored the link (person_index_models); null when the scorer was not a versioned model. */
  readonly modelVersion: number | null;
  /** The record's open question, if one is pending. */
  readonly pendingMatchId: string | null;
}

/** A practitioner's standing decision that a record key is, or is not, a hub person. */
export interface PairDecision {
  readonly hubPersonId: string;
  readonly decision: 'confirmed' | 'rejected';
  readonly decidedBy: string;
}

/** Everything one resolution writes: the record, its keys, its sighting, its link, and an open question. */
export interface IndexEntry {
  /** `<agency>:<connectorId>:<sourceRecordId>`: stable for one agency record. */
  readonly recordKey: string;
  readonly referralId: string;
  /** The referral's subject the record was matched to, kept on the sighting (repeat concerns); null when unknown. */
  readonly subjectRef?: string | null;
  readonly record: IndexedRecord;
  /** The record's blocking-key digests (the store's own, see its `digestKeys`). */
  readonly digests: readonly string[];
  readonly at: Date;
  readonly hubPersonId: string;
  /** Whether `hubPersonId` is a hub person to create. */
  readonly newPerson: boolean;
  readonly outcome: LinkOutcome;
  readonly score: number | null;
  readonly evidence: readonly MatchEvidence[];
  /** The model version that scored the link (person_index_models); null when the scorer was not a versioned model. */
  readonly modelVersion: number | null;
  /** The record it was matched with (or the candidate of its question). */
  readonly matchedRecordId: number | null;
  readonly decidedBy: string | null;
  /** A pending possible match to open, naming the candidate hub person. */
  readonly question: { readonly id: string; readonly candidatePersonId: string } | null;
}

/** A possible match as stored, locked for a decision. */
export interface IndexQuestion {
  readonly id: string;
  readonly recordId: number;
  readonly recordKey: string;
  /** The hub person the record stands in for now. */
  readonly hubPersonId: string;
  readonly candidatePersonId: string;
  readonly candidateRecordId: number | null;
  readonly score: number;
  readonly evidence: readonly MatchEvidence[];
  readonly status: 'pending' | 'confirmed' | 'rejected';
}

/** One record of a hub person, as a referral's picture shows it. */
export interface PersonRecordLink {
  readonly recordKey: string;
  readonly outcome: LinkOutcome;
  readonly score: number | null;
  readonly evidence: readonly MatchEvidence[];
  /** The model version that scored the link (person_index_models); null when the scorer was not a versioned model. */
  readonly modelVersion: number | null;
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
  /** The model version that scored the link (person_index_models); null when the scorer was not a versioned model. */
  readonly modelVersion: number | null;
  readonly createdAt: Date;
}

/** What forgetting a referral removed. */
export interface ForgetReport {
  /** Records seen only for this referral, removed with their keys and links. */
  readonly recordsForgotten: number;
  /** Records kept because other referrals saw them too. */
  readonly recordsKept: number;
}
