/**
 * What identity needs from outside it, declared here and handed in by the composition root: the
 * store's identity rows and person index rows, the audit log, the access policy, and the builders
 * of the picture's family and chronology.
 *
 * Why ports: identity holds the hub's rules about people — who matches, what is only possible,
 * what a practitioner's decision means — and imports only `model`, `lib` and the store's port
 * types (DESIGN.md "Layout"; checked by `npm run layers`). The SQL stays in `src/store/`
 * (`createIdentityStore`, `createPersonIndexStore`), the policy function in the firewall, the
 * audit log in `src/audit/`; each implements its port here without importing identity, and
 * `src/main.ts` wires them (CONVENTIONS.md §1; docs/decisions.md "One home for identity").
 * Every store method takes `sql`, the caller's handle: inside `db.transaction(tx => …)`, its `tx`
 * (src/store/transaction-guard.ts).
 */
import type { Agency } from '../model/agency.ts';
import type { Fact, RelationshipFact } from '../model/fact.ts';
import type { DiscoveredSubject, NewSubjectMatchDecision, StoredSubjectMatch } from '../model/identity.ts';
import type { ItemRecord } from '../model/item.ts';
import type { LookupRecord } from '../model/lookup.ts';
import type {
  CandidateLimits,
  CandidateSearch,
  ForgetReport,
  IndexEntry,
  IndexQuestion,
  IndexedCandidate,
  IndexedRecord,
  PairDecision,
  PendingMatch,
  ReferralPerson,
  StoredLink,
} from '../model/person-index.ts';
import type { Principal } from '../model/principal.ts';
import type { ReferralRecord } from '../model/referral.ts';
import type { Sql } from '../store/db.ts';

/** A referral's identity rows: its subjects, matches and decisions, and what they are read against. */
export interface IdentityStore {
  /** Whether the referral exists (REFERRAL.NOT_FOUND otherwise). */
  referralExists(sql: Sql, referralId: string): Promise<boolean>;
  /** Holds the referral's row lock until the transaction ends: one identity decision at a time per referral. */
  lockReferral(sql: Sql, referralId: string): Promise<void>;
  /** The referral, opened (its subjects are case content). */
  getReferral(sql: Sql, referralId: string): Promise<ReferralRecord | undefined>;
  listLookups(sql: Sql, referralId: string): Promise<LookupRecord[]>;
  /** The referral's items, opened; with `agency`, only that agency's. */
  listItems(sql: Sql, referralId: string, filter?: { readonly agency?: Agency }): Promise<ItemRecord[]>;
  /** The household members later waves looked up, opened. */
  listDiscoveredSubjects(sql: Sql, referralId: string): Promise<DiscoveredSubject[]>;
  /** How each agency person record matched its subject, with any practitioner's decision. */
  listSubjectMatches(sql: Sql, referralId: string): Promise<StoredSubjectMatch[]>;
  /** The owning agency and reveal state of the person record behind a subject match, read without opening it. */
  candidateRecordOf(sql: Sql, referralId: string, lookupId: string, personRef: string): Promise<{ itemId: string; agency: Agency; revealed: boolean } | undefined>;
  /** Records a decision on a subject-level possible match; false, writing nothing, when it was already decided. */
  recordSubjectMatchDecision(sql: Sql, input: NewSubjectMatchDecision): Promise<boolean>;
  /** The hub persons the index links these record keys to now. */
  hubPersonsOfRecords(sql: Sql, recordKeys: readonly string[]): Promise<string[]>;
  /** Keeps a subject-level answer as decisions that the record is (not) each of these hub persons, as the index keeps its own. */
  keepPairDecisions(sql: Sql, input: { readonly recordKey: string; readonly hubPersonIds: readonly string[]; readonly decision: 'confirmed' | 'rejected'; readonly by: string; readonly at: Date }): Promise<void>;
  /** The latest decision that the record is or is not one of these hub persons, if any. */
  latestPairDecision(sql: Sql, recordKey: string, hubPersonIds: readonly string[]): Promise<{ decision: 'confirmed' | 'rejected'; decidedBy: string } | undefined>;
}

/** The person index's rows: sealed records, keyed digests, links, questions and decisions. */
export interface PersonIndexStore {
  /** A record's blocking keys as the index's searchable digests (keyed; equal keys, equal digests), without repeats. */
  digestKeys(blockingKeys: readonly string[]): readonly string[];
  /**
   * Holds until the transaction ends the locks of these resolutions (their record keys and
   * digests), all in one global order, so records that could be candidates for each other resolve
   * one after the other and two transactions cannot deadlock.
   */
  lockResolutions(sql: Sql, entries: readonly { readonly recordKey: string; readonly digests: readonly string[] }[]): Promise<void>;
  /**
   * The links of those of `recordKeys` that are indexed, by record key, after recording this
   * referral's sighting of each — in one round trip for a wave's records. Keys not indexed are
   * absent (nothing is written for them). `subjectOf` names, by record key, the referral's subject
   * each record was matched to (kept on the sighting: repeat concerns count the referrals about a child).
   */
  sightRecords(sql: Sql, recordKeys: readonly string[], referralId: string, at: Date, subjectOf?: ReadonlyMap<string, string>): Promise<ReadonlyMap<string, StoredLink>>;
  /** A practitioner's decisions about a record key, latest first. */
  pairDecisions(sql: Sql, recordKey: string): Promise<readonly PairDecision[]>;
  /** The records of one hub person, opened, at most `limit`. */
  recordsOfPerson(sql: Sql, hubPersonId: string, limit: number): Promise<readonly IndexedCandidate[]>;
  /** Records sharing blocking-key digests with a new record, best-ranked first, opened, leaving out the records of `excludedPersons`. */
  searchCandidates(sql: Sql, digests: readonly string[], limits: CandidateLimits, excludedPersons: readonly string[]): Promise<CandidateSearch>;
  /**
   * When the index's keys were written under another blocking scheme than `scheme`, opens every
   * record, computes its keys with `keysOf` and replaces its digests; answers the scheme found
   * and how many records were re-keyed (0 when already current).
   */
  rekey(sql: Sql, scheme: string, keysOf: (record: IndexedRecord) => readonly string[], at: Date): Promise<{ readonly from: string; readonly to: string; readonly records: number }>;
  /** Writes what a resolution decided: record, keys, sighting, link and any question. */
  insertEntry(sql: Sql, entry: IndexEntry): Promise<void>;
  /** A possible match locked for a decision; undefined when there is none of that id. */
  lockQuestion(sql: Sql, id: string): Promise<IndexQuestion | undefined>;
  /** Closes a question with a decision (reason sealed), kept for later resolutions of its record key. */
  recordDecision(sql: Sql, question: IndexQuestion, decision: { readonly decision: 'confirmed' | 'rejected'; readonly by: string; readonly reason: string }, at: Date): Promise<void>;
  /** Moves every record of `from` to `into` and records the merge; returns the records moved. */
  mergePersons(sql: Sql, from: string, into: string, possibleMatchId: string, by: string, at: Date): Promise<number>;
  /** Marks the question's record confirmed, with the question's score and evidence. */
  confirmLink(sql: Sql, question: IndexQuestion, by: string, at: Date): Promise<void>;
  /** Marks the question's record rejected, if it is still a possible match. */
  rejectLink(sql: Sql, question: IndexQuestion, by: string, at: Date): Promise<void>;
  /** Hub persons whose records were seen for a referral, with their links and scores. */
  personsOfReferral(sql: Sql, referralId: string): Promise<ReferralPerson[]>;
  /** Possible matches awaiting a practitioner for records seen in a referral. */
  pendingMatches(sql: Sql, referralId: string): Promise<PendingMatch[]>;
  /** Retention: forgets the referral's sightings and the records only it had seen; decisions stay. */
  forgetReferral(sql: Sql, referralId: string): Promise<ForgetReport>;
  /** Opens the sealed reason of a decided possible match. */
  reasonOf(sql: Sql, possibleMatchId: string): Promise<string | undefined>;
}

/** An audit entry identity writes: ids, hashes and counts, never case content (CONVENTIONS.md §8). */
export interface IdentityAuditEntry {
  readonly at: Date;
  readonly actor: string;
  readonly action: 'identity.match-decided' | 'identity.linked';
  readonly referralId: string;
  readonly agency?: string;
  readonly subject?: string;
  readonly detail: Readonly<Record<string, string | number | boolean | null | readonly string[]>>;
}

/** Appends an audit entry in the caller's transaction (src/audit/log.ts `appendAudit`). */
export type AppendAudit = (sql: Sql, entry: IdentityAuditEntry) => Promise<unknown>;

/**
 * The one policy function, as identity asks it (DESIGN.md "Deny by default"): each refuses an
 * action the caller may not take, audited, with `FIREWALL.DENIED`.
 */
export interface IdentityAccess {
  /** Nothing is said about a match to a caller who may not look into the case (`picture:read`). */
  requirePictureRead(principal: Principal, referralId: string, subject: string): Promise<void>;
  /** Who decides is who may see the record (`identity:decide`): its owner always, the manager once revealed. */
  requireDecision(principal: Principal, referralId: string, record: { readonly agency: Agency; readonly revealed: boolean }, subject: string): Promise<void>;
}

/** The hub person an agency's person reference is linked to in the picture, if any. */
export type PersonOf = (personRef: string, agency: Agency) => string | undefined;

/** One agency's report that `relatedPersonId` is `relationship` of `personId`, in subject refs. */
export interface ReportedRelationship {
  readonly personId: string;
  readonly relatedPersonId: string;
  readonly relationship: RelationshipFact['relationship'];
  readonly agency: Agency;
  readonly factId: string;
}

/** One agency's report that a person's current address has this key (a UPRN or a full address). */
export interface CoResidence {
  readonly personId: string;
  readonly addressKey: string;
  readonly agency: Agency;
  readonly factId: string;
}

/**
 * The builders of the picture's family graph and chronology (src/mapping/family.ts and
 * chronology.ts, pure): identity works out who is who and hands them the people; what they build
 * is passed through as the picture shows it.
 */
export interface PictureSections {
  readonly chronology: (facts: readonly Fact[], personOf: PersonOf, options: { readonly persons: ReadonlySet<string> }) => readonly unknown[];
  readonly family: (
    childPersonId: string,
    persons: readonly { readonly personId: string; readonly birthDate?: string | undefined }[],
    relationships: readonly ReportedRelationship[],
    coResidence: readonly CoResidence[],
    options: { readonly depth: number; readonly asOf: string },
  ) => unknown;
}
