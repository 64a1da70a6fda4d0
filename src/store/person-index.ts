/**
 * The hub person index (issue 4 §2): every agency person record the hub has seen, linked to a
 * hub person, so that the same child is recognised across agencies and across referrals over
 * time (and, later, repeat concerns are found over it).
 *
 * Why in the store, behind one factory: the index is persistent state that must change in the
 * same transaction as the lookup that brought the record in, and its contents are personal data
 * that must not show in a database dump — records are sealed and blocking keys digested under a
 * key derived from the master key (see person-index/codec.ts). Matching itself is not the
 * store's business: the composition root hands in the identity engine
 * (`blockingKeys` and a `createMatcher(model)` comparison from src/mapping/identity), which
 * keeps the store free of mapping imports (DESIGN.md "Layout").
 *
 * Every method takes `sql`, the caller's transaction, and writes nothing to the audit log:
 * the caller appends the audit entry (a link made, a match confirmed or rejected) in that
 * transaction.
 */
import type { Result } from '../lib/result.ts';
import type { Sql } from './db.ts';
import type { CandidateLimits } from './person-index/candidates.ts';
import { createIndexCodec } from './person-index/codec.ts';
import { decideQuestion, UUID } from './person-index/decisions.ts';
import { forgetReferralRecords, pendingMatches, personsOfReferral } from './person-index/referrals.ts';
import { resolveRecord, resolveRecords, type ResolveInput } from './person-index/resolve.ts';
import type { DecisionFailure, DecisionOutcome, ForgetReport, IdentityEngine, MatchDecision, PendingMatch, ReferralPerson, Resolution } from './person-index/types.ts';

export { deriveIndexKey, createIndexCodec, type IndexCodec } from './person-index/codec.ts';
export type { ResolveInput } from './person-index/resolve.ts';
export type * from './person-index/types.ts';
export { IndexedRecord, MatchEvidence } from './person-index/types.ts';

/** Options of `createPersonIndex`. */
export interface PersonIndexOptions {
  /** 32 bytes; `deriveIndexKey(masterKey)`. */
  readonly indexKey: Uint8Array;
  readonly engine: IdentityEngine;
  /** Records opened and compared per resolution, best-ranked first (default 40). */
  readonly maxCandidates?: number;
  /** A blocking key whose block holds at most this many records is selective (default 100). */
  readonly maxPerKey?: number;
  /** Blocks up to this size count only in conjunction; larger ones are ignored (default 1,000). */
  readonly maxCommonKey?: number;
}

/** The person index's operations. */
export interface PersonIndex {
  /**
   * Resolves an agency person record to a hub person: the existing one for a record key already
   * indexed; a practitioner's confirmed person; the best candidate's person on a match; a new
   * person otherwise — with a pending possible match naming the candidate when the best
   * comparison is a possible match. A person a practitioner rejected for the record is never
   * a candidate.
   */
  resolve(sql: Sql, input: ResolveInput, at: Date): Promise<Resolution>;
  /**
   * Resolves several records, in order, in one transaction. A transaction that resolves more than
   * one record uses this: it takes every lock at once, in the global order, where separate
   * `resolve` calls would take them record by record and could deadlock with another transaction.
   */
  resolveMany(sql: Sql, inputs: readonly ResolveInput[], at: Date): Promise<Resolution[]>;
  /** Confirms (merging the record's person into the candidate) or rejects a pending possible match. */
  decidePossibleMatch(sql: Sql, id: string, decision: MatchDecision, at: Date): Promise<Result<DecisionOutcome, DecisionFailure>>;
  /** Hub persons whose records were seen for a referral, with their links and scores. */
  personsOfReferral(sql: Sql, referralId: string): Promise<ReferralPerson[]>;
  /** Possible matches awaiting a practitioner for records seen in a referral. */
  pendingMatches(sql: Sql, referralId: string): Promise<PendingMatch[]>;
  /** Retention: forgets the referral's sightings and the records only it had seen. */
  forgetReferral(sql: Sql, referralId: string): Promise<ForgetReport>;
  /** Opens the sealed reason of a decided possible match (for the audit view). */
  reasonOf(sql: Sql, possibleMatchId: string): Promise<string | undefined>;
}

const positive = (value: number | undefined, fallback: number, name: string): number => {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`person index: ${name} must be a positive integer`);
  return v;
};

/** Builds the person index over an index key and an identity engine. */
export function createPersonIndex(options: PersonIndexOptions): PersonIndex {
  const codec = createIndexCodec(options.indexKey);
  const limits: CandidateLimits = {
    maxCandidates: positive(options.maxCandidates, 40, 'maxCandidates'),
    maxPerKey: positive(options.maxPerKey, 100, 'maxPerKey'),
    maxCommonKey: positive(options.maxCommonKey, 1000, 'maxCommonKey'),
  };
  if (limits.maxCommonKey < limits.maxPerKey) throw new RangeError('person index: maxCommonKey must not be below maxPerKey');
  const context = { codec, engine: options.engine, limits };
  return {
    resolve: (sql, input, at) => resolveRecord(context, sql, input, at),
    resolveMany: (sql, inputs, at) => resolveRecords(context, sql, inputs, at),
    decidePossibleMatch: (sql, id, decision, at) => decideQuestion(codec, sql, id, decision, at),
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
