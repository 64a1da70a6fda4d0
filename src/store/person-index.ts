/**
 * The hub person index's persistence: every agency person record the hub has seen, linked to a
 * hub person, sealed and searchable by keyed digests of its blocking keys.
 *
 * Why in the store, behind one factory: the index is persistent state that must change in the
 * same transaction as the lookup that brought the record in, and its contents are personal data
 * that must not show in a database dump — records are sealed and blocking keys digested under a
 * key derived from the master key (see person-index/codec.ts). What a record resolves to and what
 * a practitioner's decision means is not the store's business: that policy lives in
 * `src/identity/person-index.ts`, which declares the port this object implements
 * (`PersonIndexStore`); the composition root hands one to the other (docs/decisions.md "One home
 * for identity"), so the store imports neither identity nor any matching.
 *
 * Every method takes `sql`, the caller's transaction, and writes nothing to the audit log.
 */
import type { CandidateLimits, CandidateSearch, ForgetReport, IndexEntry, IndexQuestion, IndexedCandidate, IndexedRecord, PairDecision, PendingMatch, ReferralPerson, StoredLink } from '../model/person-index.ts';
import type { Sql } from './db.ts';
import { recordsOfPerson, searchCandidates, type CandidateRow } from './person-index/candidates.ts';
import { createIndexCodec, type IndexCodec } from './person-index/codec.ts';
import { confirmLink, lockQuestion, mergePersons, recordDecision, rejectLink, UUID } from './person-index/decisions.ts';
import { insertEntry, lockResolutions, pairDecisions, sightRecords } from './person-index/entries.ts';
import { forgetReferralRecords, pendingMatches, personsOfReferral } from './person-index/referrals.ts';
import { rekeyIndex, type RekeyReport } from './person-index/rekey.ts';

export { deriveIndexKey, createIndexCodec, type IndexCodec } from './person-index/codec.ts';

/** The person index's rows, as identity's `PersonIndexStore` port asks for them. */
export interface PersonIndexRows {
  /** A record's blocking keys as the index's searchable digests (keyed HMAC; equal keys, equal digests), without repeats. */
  digestKeys(blockingKeys: readonly string[]): string[];
  /** Holds until the transaction ends the locks of these resolutions: their record keys and digests, in one global order. */
  lockResolutions(sql: Sql, entries: readonly { readonly recordKey: string; readonly digests: readonly string[] }[]): Promise<void>;
  /** The links of the indexed ones of `recordKeys`, by key, after recording this referral's sighting of each. */
  sightRecords(sql: Sql, recordKeys: readonly string[], referralId: string, at: Date, subjectOf?: ReadonlyMap<string, string>): Promise<Map<string, StoredLink>>;
  /** A practitioner's decisions about a record key, latest first. */
  pairDecisions(sql: Sql, recordKey: string): Promise<PairDecision[]>;
  /** The records of one hub person, opened, at most `limit`. */
  recordsOfPerson(sql: Sql, hubPersonId: string, limit: number): Promise<IndexedCandidate[]>;
  /** Records sharing blocking-key digests with a new record, best-ranked first, opened, leaving out the records of `excludedPersons`. */
  searchCandidates(sql: Sql, digests: readonly string[], limits: CandidateLimits, excludedPersons: readonly string[]): Promise<CandidateSearch>;
  /** Re-keys every record when the stored blocking scheme is not `scheme` (src/store/person-index/rekey.ts). */
  rekey(sql: Sql, scheme: string, keysOf: (record: IndexedRecord) => readonly string[], at: Date): Promise<RekeyReport>;
  /** Writes what a resolution decided: record, keys, sighting, link and any question, in one statement. */
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
  /** Retention: forgets the referral's sightings and the records only it had seen. */
  forgetReferral(sql: Sql, referralId: string): Promise<ForgetReport>;
  /** Opens the sealed reason of a decided possible match (for the audit view). */
  reasonOf(sql: Sql, possibleMatchId: string): Promise<string | undefined>;
}

const opened = (codec: IndexCodec, rows: readonly CandidateRow[]): IndexedCandidate[] =>
  rows.map((row) => ({ recordId: row.id, recordKey: row.recordKey, record: codec.openRecord(row.recordKey, row.sealedRecord), hubPersonId: row.hubPersonId }));

/** The person index's rows under an index key (32 bytes, `deriveIndexKey(masterKey)`). */
export function createPersonIndexStore(indexKey: Uint8Array): PersonIndexRows {
  const codec = createIndexCodec(indexKey);
  return {
    digestKeys: (blockingKeys) => [...new Set(blockingKeys.map((k) => codec.digest(k)))],
    lockResolutions,
    sightRecords,
    pairDecisions,
    recordsOfPerson: async (sql, hubPersonId, limit) => opened(codec, await recordsOfPerson(sql, hubPersonId, limit)),
    async searchCandidates(sql, digests, limits, excludedPersons) {
      const search = await searchCandidates(sql, digests, limits, excludedPersons);
      return { candidates: opened(codec, search.rows), commonKeys: search.commonKeys, ignoredKeys: search.ignoredKeys, found: search.found };
    },
    rekey: (sql, scheme, keysOf, at) => rekeyIndex(sql, codec, scheme, keysOf, at),
    insertEntry: (sql, entry) => insertEntry(codec, sql, entry),
    lockQuestion,
    recordDecision: (sql, question, decision, at) => recordDecision(codec, sql, question, decision, at),
    mergePersons,
    confirmLink,
    rejectLink,
    personsOfReferral,
    pendingMatches,
    forgetReferral: forgetReferralRecords,
    async reasonOf(sql, possibleMatchId) {
      if (!UUID.test(possibleMatchId)) return undefined;
      const rows = await sql.query<{ sealed_reason: Uint8Array | null }>('SELECT sealed_reason FROM possible_matches WHERE id = $1', [possibleMatchId]);
      const sealed = rows[0]?.sealed_reason;
      return sealed === undefined || sealed === null ? undefined : codec.openReason(possibleMatchId, sealed);
    },
  };
}
