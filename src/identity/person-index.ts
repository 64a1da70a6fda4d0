/**
 * The hub person index's policy: every agency person record the hub has seen is resolved to a hub
 * person, so that the same child is recognised across agencies and across referrals over time (and,
 * later, repeat concerns are found over it); two children are never merged by the machine.
 *
 * What a record resolves to, in this order:
 * 1. a record key already indexed answers with its person (idempotent: a redelivered lookup job,
 *    or the same agency record in a later referral, changes nothing but the sighting);
 * 2. a practitioner's decisions about this record key come first — a confirmed person is linked,
 *    rejected persons are never candidates (so never linked, never asked again);
 * 3. otherwise candidates are found by blocking keys, compared by the matcher, and the best person
 *    decides: a match links to it; a possible match gets a new hub person for now and a pending
 *    question naming the candidate; anything else is a new person.
 * What a practitioner's decision means: confirming merges the record's person into the candidate
 * (the only way two persons become one); rejecting keeps them apart in every later resolution.
 *
 * Why here and not in the store: these are the hub's identity rules, and they were mixed with the
 * SQL that keeps them. The rows, locks, seals and digests stay in the store behind
 * `PersonIndexStore` (src/identity/port.ts); the composition root hands in the store's
 * implementation and the matcher it built (docs/decisions.md "One home for identity"). Every
 * method takes `sql`, the caller's transaction, and writes nothing to the audit log: the caller
 * appends the audit entry (a link made, a match confirmed or rejected) in that transaction.
 */
import { newId } from '../lib/ids.ts';
import { err, ok, type Result } from '../lib/result.ts';
import type { CandidateLimits, ForgetReport, IndexedCandidate, IndexedRecord, LinkOutcome, MatchEvidence, PendingMatch, ReferralPerson, StoredLink } from '../model/person-index.ts';
import type { Sql } from '../store/db.ts';
import { BLOCKING_SCHEME, blockingKeys } from './engine/blocking.ts';
import type { Comparison, Matcher } from './engine/matcher.ts';
import type { PersonIndexStore } from './port.ts';

/** What `resolve` is asked. */
export interface ResolveInput {
  /** `<agency>:<connectorId>:<sourceRecordId>`: stable for one agency record. */
  readonly recordKey: string;
  /** The referral the record was seen for (retention forgets records by referral). */
  readonly referralId: string;
  readonly record: IndexedRecord;
  /** The referral's subject the record was matched to (kept on the sighting: repeat concerns count referrals about a child). */
  readonly subjectRef?: string;
}

/** How a record came to its hub person. */
export type ResolveOutcome = 'match' | 'possible' | 'new';

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

/** What `resolve` answers. */
export interface Resolution {
  readonly hubPersonId: string;
  readonly outcome: ResolveOutcome;
  /** The score of the comparison behind the outcome; for `new`, the closest candidate's, or null when none was found. */
  readonly score: number | null;
  readonly evidence: readonly MatchEvidence[];
  /** Set when the outcome is `possible` and the question is still open. */
  readonly possibleMatchId?: string;
  /** The model version that scored the link (for a record already indexed, the one that scored it then); null for an unversioned matcher. */
  readonly modelVersion: number | null;
  /** How the candidates were found (counts only), for benchmarks and diagnostics. */
  readonly candidates: CandidateReport;
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
export type DecisionFailure = { readonly kind: 'not-found' } | { readonly kind: 'already-decided'; readonly status: 'confirmed' | 'rejected' };

/** The person index's operations. */
export interface PersonIndex {
  /**
   * Resolves an agency person record to a hub person (see the header for the rules): the
   * existing one for a record key already indexed; a practitioner's confirmed person; the best
   * candidate's person on a match; a new person otherwise — with a pending possible match naming
   * the candidate when the best comparison is a possible match.
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
  /**
   * Writes every stored record's blocking keys again when they were written under another
   * scheme than the code's (BLOCKING_SCHEME); run before the index serves.
   */
  ensureKeyScheme(sql: Sql, at: Date): Promise<{ readonly from: string; readonly to: string; readonly records: number }>;
}

/** Options of `createPersonIndex`. */
export interface PersonIndexOptions {
  readonly store: PersonIndexStore;
  /** The matcher the composition root built from the model: used, unversioned, when `activeModel` is not given. */
  readonly matcher: Pick<Matcher, 'compare'>;
  /**
   * The live model's active version and its matcher, read in the resolving transaction, so every
   * process scores with the version active when it resolves (src/identity/live-model.ts); each
   * link records the version that scored it.
   */
  readonly activeModel?: ((sql: Sql) => Promise<{ readonly version: number; readonly matcher: Pick<Matcher, 'compare'> }>) | undefined;
  /** Records opened and compared per resolution, best-ranked first (default 40). */
  readonly maxCandidates?: number;
  /** A blocking key whose block holds at most this many records is selective (default 100). */
  readonly maxPerKey?: number;
  /** Blocks up to this size count only in conjunction; larger ones are ignored (default 1,000). */
  readonly maxCommonKey?: number;
}

const positive = (value: number | undefined, fallback: number, name: string): number => {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`person index: ${name} must be a positive integer`);
  return v;
};

const NO_SEARCH = (keys: number): CandidateReport => ({ keys, commonKeys: 0, ignoredKeys: 0, found: 0, compared: 0 });

/** The answer for a record already indexed, from its stored link: a decision counts as its outcome. */
function existingResolution(link: StoredLink): Resolution {
  const base = { hubPersonId: link.hubPersonId, score: link.score, evidence: link.evidence, modelVersion: link.modelVersion, candidates: NO_SEARCH(0) };
  switch (link.outcome) {
    case 'match':
    case 'confirmed':
      return { ...base, outcome: 'match' };
    case 'possible':
      return { ...base, outcome: 'possible', ...(link.pendingMatchId === null ? {} : { possibleMatchId: link.pendingMatchId }) };
    case 'new':
    case 'rejected':
      return { ...base, outcome: 'new' };
    default:
      return link.outcome satisfies never;
  }
}

/** A candidate hub person and its record that compared best. */
interface RankedPerson {
  readonly person: string;
  readonly recordId: number;
  readonly comparison: Pick<Comparison, 'outcome' | 'score' | 'evidence'>;
}

/** A record prepared for resolution: its record key as its id, and its blocking-key digests. */
interface Prepared {
  readonly input: ResolveInput;
  readonly record: IndexedRecord;
  readonly digests: readonly string[];
}

/** The matcher a resolution scores with, and the model version it was built from (null: unversioned). */
interface Scorer {
  readonly version: number | null;
  readonly matcher: Pick<Matcher, 'compare'>;
}

/** Builds the person index over the store's rows and the composition root's matcher. */
export function createPersonIndex(options: PersonIndexOptions): PersonIndex {
  const { store } = options;
  const scorerFor = async (sql: Sql): Promise<Scorer> => (options.activeModel === undefined ? { version: null, matcher: options.matcher } : await options.activeModel(sql));
  const limits: CandidateLimits = {
    maxCandidates: positive(options.maxCandidates, 40, 'maxCandidates'),
    maxPerKey: positive(options.maxPerKey, 100, 'maxPerKey'),
    maxCommonKey: positive(options.maxCommonKey, 1000, 'maxCommonKey'),
  };
  if (limits.maxCommonKey < limits.maxPerKey) throw new RangeError('person index: maxCommonKey must not be below maxPerKey');

  const prepare = (input: ResolveInput): Prepared => {
    const record: IndexedRecord = { ...input.record, id: input.recordKey };
    return { input, record, digests: store.digestKeys(blockingKeys(record)) };
  };

  /** The best comparison per hub person, best person first. */
  const rank = (matcher: Scorer['matcher'], record: IndexedRecord, candidates: readonly IndexedCandidate[]): RankedPerson[] => {
    const best = new Map<string, RankedPerson>();
    for (const candidate of candidates) {
      const comparison = matcher.compare(record, candidate.record);
      const known = best.get(candidate.hubPersonId);
      if (known === undefined || comparison.score > known.comparison.score) best.set(candidate.hubPersonId, { person: candidate.hubPersonId, recordId: candidate.recordId, comparison });
    }
    return [...best.values()].sort((a, b) => b.comparison.score - a.comparison.score);
  };

  /** A practitioner's standing decisions about a record key: the latest per person decides. */
  const decisionsFor = async (sql: Sql, recordKey: string): Promise<{ confirmed: { person: string; by: string } | undefined; rejected: string[] }> => {
    const latest = new Map<string, { decision: 'confirmed' | 'rejected'; by: string }>();
    for (const d of await store.pairDecisions(sql, recordKey)) if (!latest.has(d.hubPersonId)) latest.set(d.hubPersonId, { decision: d.decision, by: d.decidedBy });
    let confirmed: { person: string; by: string } | undefined;
    const rejected: string[] = [];
    for (const [person, d] of latest) {
      if (d.decision === 'rejected') rejected.push(person);
      else confirmed ??= { person, by: d.by };
    }
    return { confirmed, rejected };
  };

  /** The persons to judge the record against, best first: a confirmed person's records, or the blocking candidates minus rejected persons. */
  const candidatesFor = async (sql: Sql, matcher: Scorer['matcher'], prepared: Prepared): Promise<{ ranked: RankedPerson[]; report: CandidateReport; confirmedBy: string | undefined }> => {
    const { record, digests } = prepared;
    const decisions = await decisionsFor(sql, record.id);
    if (decisions.confirmed !== undefined) {
      const records = await store.recordsOfPerson(sql, decisions.confirmed.person, limits.maxCandidates);
      // A practitioner said this record is that person: link, with the evidence of its best record
      // (unless retention has since forgotten all its records: then search as usual).
      if (records.length > 0) return { ranked: rank(matcher, record, records), report: { ...NO_SEARCH(digests.length), found: records.length, compared: records.length }, confirmedBy: decisions.confirmed.by };
    }
    const search = await store.searchCandidates(sql, digests, limits, decisions.rejected);
    return {
      ranked: rank(matcher, record, search.candidates),
      report: { keys: digests.length, commonKeys: search.commonKeys, ignoredKeys: search.ignoredKeys, found: search.found, compared: search.candidates.length },
      confirmedBy: undefined,
    };
  };

  /** One resolution of a record the index does not hold yet, its locks held. */
  const resolveLocked = async (sql: Sql, scorer: Scorer, prepared: Prepared, at: Date): Promise<Resolution> => {
    const { input, record, digests } = prepared;
    const { ranked, report, confirmedBy } = await candidatesFor(sql, scorer.matcher, prepared);
    const best = ranked[0];
    const outcome: ResolveOutcome = confirmedBy !== undefined ? 'match' : best === undefined || best.comparison.outcome === 'non-match' ? 'new' : best.comparison.outcome;
    const hubPersonId = outcome === 'match' && best !== undefined ? best.person : newId();
    const possibleMatchId = outcome === 'possible' ? newId() : null;
    const evidence: readonly MatchEvidence[] = best?.comparison.evidence ?? [];
    const linkOutcome: LinkOutcome = confirmedBy !== undefined ? 'confirmed' : outcome;
    await store.insertEntry(sql, {
      recordKey: input.recordKey,
      referralId: input.referralId,
      subjectRef: input.subjectRef ?? null,
      record,
      digests,
      at,
      hubPersonId,
      newPerson: outcome !== 'match',
      outcome: linkOutcome,
      score: best?.comparison.score ?? null,
      evidence,
      modelVersion: scorer.version,
      matchedRecordId: best === undefined || outcome === 'new' ? null : best.recordId,
      decidedBy: confirmedBy ?? null,
      question: possibleMatchId === null || best === undefined ? null : { id: possibleMatchId, candidatePersonId: best.person },
    });
    return { hubPersonId, outcome, score: best?.comparison.score ?? null, evidence, modelVersion: scorer.version, ...(possibleMatchId === null ? {} : { possibleMatchId }), candidates: report };
  };

  const resolveMany = async (sql: Sql, inputs: readonly ResolveInput[], at: Date): Promise<Resolution[]> => {
    const prepared = inputs.map(prepare);
    // Every lock first, so a transaction resolving several records takes them all in the global order.
    await store.lockResolutions(sql, prepared.map((p) => ({ recordKey: p.input.recordKey, digests: p.digests })));
    // The records already indexed, sighted for their referral in one statement per referral.
    const known = new Map<string, StoredLink>();
    for (const referralId of new Set(prepared.map((p) => p.input.referralId))) {
      const ofReferral = prepared.filter((p) => p.input.referralId === referralId);
      const keys = ofReferral.map((p) => p.input.recordKey);
      const subjectOf = new Map(ofReferral.flatMap((p) => (p.input.subjectRef === undefined ? [] : [[p.input.recordKey, p.input.subjectRef] as const])));
      for (const [recordKey, link] of await store.sightRecords(sql, keys, referralId, at, subjectOf)) known.set(`${referralId}\u0000${recordKey}`, link);
    }
    const resolutions: Resolution[] = [];
    const indexedHere = new Set<string>();
    // The version active now, read once, after the locks: every record of this call is scored with it.
    let scorer: Scorer | undefined;
    for (const p of prepared) {
      const link = known.get(`${p.input.referralId}\u0000${p.input.recordKey}`);
      if (link !== undefined) {
        resolutions.push(existingResolution(link));
        continue;
      }
      // The same record twice in one call: the first indexed it, the second sights that.
      const again = indexedHere.has(p.input.recordKey) ? (await store.sightRecords(sql, [p.input.recordKey], p.input.referralId, at)).get(p.input.recordKey) : undefined;
      if (again !== undefined) {
        resolutions.push(existingResolution(again));
        continue;
      }
      scorer ??= await scorerFor(sql);
      resolutions.push(await resolveLocked(sql, scorer, p, at));
      indexedHere.add(p.input.recordKey);
    }
    return resolutions;
  };

  return {
    resolveMany,
    async resolve(sql, input, at) {
      const [resolution] = await resolveMany(sql, [input], at);
      if (resolution === undefined) throw new Error('person index: no resolution for the record');
      return resolution;
    },
    async decidePossibleMatch(sql, id, decision, at) {
      const question = await store.lockQuestion(sql, id);
      if (question === undefined) return err({ kind: 'not-found' });
      if (question.status !== 'pending') return err({ kind: 'already-decided', status: question.status });
      await store.recordDecision(sql, question, { decision: decision.decision === 'confirm' ? 'confirmed' : 'rejected', by: decision.by, reason: decision.reason }, at);
      switch (decision.decision) {
        case 'confirm': {
          // The record is the candidate's person: its own person (made for it when the question
          // was opened, or since joined by others) merges into the candidate's.
          const from = question.hubPersonId;
          const into = question.candidatePersonId;
          const recordsMoved = from === into ? 0 : await store.mergePersons(sql, from, into, question.id, decision.by, at);
          await store.confirmLink(sql, question, decision.by, at);
          return ok({ kind: 'confirmed', hubPersonId: into, mergedPersonId: from === into ? null : from, recordsMoved });
        }
        case 'reject':
          await store.rejectLink(sql, question, decision.by, at);
          return ok({ kind: 'rejected', hubPersonId: question.hubPersonId, candidatePersonId: question.candidatePersonId });
        default:
          return decision.decision satisfies never;
      }
    },
    personsOfReferral: (sql, referralId) => store.personsOfReferral(sql, referralId),
    pendingMatches: (sql, referralId) => store.pendingMatches(sql, referralId),
    forgetReferral: (sql, referralId) => store.forgetReferral(sql, referralId),
    reasonOf: (sql, possibleMatchId) => store.reasonOf(sql, possibleMatchId),
    ensureKeyScheme: (sql, at) => store.rekey(sql, BLOCKING_SCHEME, (record) => blockingKeys(record), at),
  };
}
