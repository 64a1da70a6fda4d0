/**
 * Identity's `PersonIndexStore` port held in memory, for unit tests of the person index's policy
 * without a database: the rows the store keeps (records, links, questions, decisions), the same
 * answers its SQL gives, and a log of the calls made. Digests are the keys themselves, prefixed:
 * nothing here is sealed, so it is for synthetic records only.
 */
import type { PersonIndexStore } from '../../src/identity/index.ts';
import type { IndexedCandidate, IndexedRecord, IndexEntry, IndexQuestion, LinkOutcome, MatchEvidence, PairDecision, PendingMatch, StoredLink } from '../../src/model/person-index.ts';

/** One indexed record and its link, as the store keeps them. */
export interface MemoryRecord {
  readonly recordId: number;
  readonly recordKey: string;
  readonly record: IndexedRecord;
  digests: readonly string[];
  hubPersonId: string;
  outcome: LinkOutcome;
  score: number | null;
  evidence: readonly MatchEvidence[];
  modelVersion: number | null;
  matchedRecordId: number | null;
  decidedBy: string | null;
}

interface MemoryQuestion {
  readonly id: string;
  readonly recordId: number;
  readonly referralId: string;
  candidatePersonId: string;
  readonly candidateRecordId: number | null;
  readonly score: number;
  readonly evidence: readonly MatchEvidence[];
  readonly modelVersion?: number | null;
  status: 'pending' | 'confirmed' | 'rejected';
  reason: string | null;
  readonly createdAt: Date;
}

/** The port, its rows, and the calls made to it (method names, in order). */
export interface MemoryPersonIndexStore extends PersonIndexStore {
  readonly records: MemoryRecord[];
  readonly questions: MemoryQuestion[];
  readonly decisions: (PairDecision & { readonly recordKey: string; readonly at: Date })[];
  readonly sightings: Set<string>;
  readonly calls: string[];
  /** Files a record as if an earlier resolution had written it; returns its row id. */
  seed(recordKey: string, record: Omit<IndexedRecord, 'id'>, hubPersonId: string, outcome?: LinkOutcome): number;
}

/** An empty in-memory person index store. */
export function memoryPersonIndexStore(blockingKeys: (record: IndexedRecord) => readonly string[]): MemoryPersonIndexStore {
  const records: MemoryRecord[] = [];
  const questions: MemoryQuestion[] = [];
  const decisions: MemoryPersonIndexStore['decisions'] = [];
  const sightings = new Set<string>();
  const calls: string[] = [];
  let keyScheme = '1';
  const digestKeys = (keys: readonly string[]): string[] => [...new Set(keys.map((k) => `digest:${k}`))];
  const byKey = (recordKey: string): MemoryRecord | undefined => records.find((r) => r.recordKey === recordKey);
  const candidate = (r: MemoryRecord): IndexedCandidate => ({ recordId: r.recordId, recordKey: r.recordKey, record: r.record, hubPersonId: r.hubPersonId });
  const questionOf = (q: MemoryQuestion): IndexQuestion => {
    const record = records.find((r) => r.recordId === q.recordId);
    if (record === undefined) throw new Error('a question without its record');
    return { id: q.id, recordId: q.recordId, recordKey: record.recordKey, hubPersonId: record.hubPersonId, candidatePersonId: q.candidatePersonId, candidateRecordId: q.candidateRecordId, score: q.score, evidence: q.evidence, status: q.status };
  };
  const log = (name: string): void => {
    calls.push(name);
  };

  return {
    records,
    questions,
    decisions,
    sightings,
    calls,
    seed(recordKey, record, hubPersonId, outcome = 'new') {
      const full: IndexedRecord = { ...record, id: recordKey };
      const recordId = records.length + 1;
      records.push({ recordId, recordKey, record: full, digests: digestKeys(blockingKeys(full)), hubPersonId, outcome, score: null, evidence: [], modelVersion: null, matchedRecordId: null, decidedBy: null });
      return recordId;
    },
    digestKeys,
    rekey(_sql, scheme, keysOf) {
      log('rekey');
      const from = keyScheme;
      if (from === scheme) return Promise.resolve({ from, to: scheme, records: 0 });
      for (const r of records) r.digests = digestKeys(keysOf(r.record));
      keyScheme = scheme;
      return Promise.resolve({ from, to: scheme, records: records.length });
    },
    lockResolutions(_sql, entries) {
      log(`lock:${entries.map((e) => e.recordKey).join(',')}`);
      return Promise.resolve();
    },
    sightRecords(_sql, recordKeys, referralId) {
      log(`sight:${recordKeys.join(',')}`);
      const links = new Map<string, StoredLink>();
      for (const recordKey of recordKeys) {
        const record = byKey(recordKey);
        if (record === undefined) continue;
        sightings.add(`${record.recordId}:${referralId}`);
        const pending = questions.find((q) => q.recordId === record.recordId && q.status === 'pending');
        links.set(recordKey, { recordId: record.recordId, hubPersonId: record.hubPersonId, outcome: record.outcome, score: record.score, evidence: record.evidence, modelVersion: record.modelVersion, pendingMatchId: pending?.id ?? null });
      }
      return Promise.resolve(links);
    },
    pairDecisions(_sql, recordKey) {
      log('pairDecisions');
      const latestFirst = decisions.filter((d) => d.recordKey === recordKey).sort((a, b) => b.at.getTime() - a.at.getTime());
      return Promise.resolve(latestFirst.map((d) => ({ hubPersonId: d.hubPersonId, decision: d.decision, decidedBy: d.decidedBy })));
    },
    recordsOfPerson(_sql, hubPersonId, limit) {
      log('recordsOfPerson');
      return Promise.resolve(records.filter((r) => r.hubPersonId === hubPersonId).slice(0, limit).map(candidate));
    },
    searchCandidates(_sql, digests, limits, excludedPersons) {
      log(`search:excluding ${[...excludedPersons].sort().join(',')}`);
      const shared = (r: MemoryRecord): number => r.digests.filter((d) => digests.includes(d)).length;
      const found = records.filter((r) => shared(r) > 0);
      const ranked = found.filter((r) => !excludedPersons.includes(r.hubPersonId)).sort((a, b) => shared(b) - shared(a) || a.recordId - b.recordId);
      return Promise.resolve({ candidates: ranked.slice(0, limits.maxCandidates).map(candidate), commonKeys: 0, ignoredKeys: 0, found: found.length });
    },
    insertEntry(_sql, entry: IndexEntry) {
      log(`insert:${entry.recordKey}`);
      const recordId = records.length + 1;
      records.push({
        recordId,
        recordKey: entry.recordKey,
        record: entry.record,
        digests: entry.digests,
        hubPersonId: entry.hubPersonId,
        outcome: entry.outcome,
        score: entry.score,
        evidence: entry.evidence,
        modelVersion: entry.modelVersion,
        matchedRecordId: entry.matchedRecordId,
        decidedBy: entry.decidedBy,
      });
      sightings.add(`${recordId}:${entry.referralId}`);
      if (entry.question !== null) {
        questions.push({ id: entry.question.id, recordId, referralId: entry.referralId, candidatePersonId: entry.question.candidatePersonId, candidateRecordId: entry.matchedRecordId, score: entry.score ?? 0, evidence: entry.evidence, modelVersion: entry.modelVersion, status: 'pending', reason: null, createdAt: entry.at });
      }
      return Promise.resolve();
    },
    lockQuestion(_sql, id) {
      log('lockQuestion');
      const question = questions.find((q) => q.id === id);
      return Promise.resolve(question === undefined ? undefined : questionOf(question));
    },
    recordDecision(_sql, question, decision, at) {
      log(`decide:${decision.decision}`);
      const stored = questions.find((q) => q.id === question.id);
      if (stored !== undefined) {
        stored.status = decision.decision;
        stored.reason = decision.reason;
      }
      decisions.push({ recordKey: question.recordKey, hubPersonId: question.candidatePersonId, decision: decision.decision, decidedBy: decision.by, at });
      return Promise.resolve();
    },
    mergePersons(_sql, from, into) {
      log(`merge:${from}->${into}`);
      let moved = 0;
      for (const r of records) {
        if (r.hubPersonId !== from) continue;
        r.hubPersonId = into;
        moved += 1;
      }
      for (const q of questions) if (q.candidatePersonId === from) q.candidatePersonId = into;
      return Promise.resolve(moved);
    },
    confirmLink(_sql, question, by) {
      log('confirmLink');
      const record = records.find((r) => r.recordId === question.recordId);
      if (record !== undefined) Object.assign(record, { outcome: 'confirmed', score: question.score, evidence: question.evidence, modelVersion: questions.find((q) => q.id === question.id)?.modelVersion ?? null, matchedRecordId: question.candidateRecordId, decidedBy: by });
      return Promise.resolve();
    },
    rejectLink(_sql, question, by) {
      log('rejectLink');
      const record = records.find((r) => r.recordId === question.recordId && r.outcome === 'possible');
      if (record !== undefined) Object.assign(record, { outcome: 'rejected', decidedBy: by });
      return Promise.resolve();
    },
    personsOfReferral() {
      return Promise.resolve([]);
    },
    pendingMatches(_sql, referralId) {
      const pending: PendingMatch[] = questions
        .filter((q) => q.status === 'pending' && sightings.has(`${q.recordId}:${referralId}`))
        .map((q) => {
          const { recordKey, hubPersonId } = questionOf(q);
          return { id: q.id, recordKey, hubPersonId, candidatePersonId: q.candidatePersonId, score: q.score, evidence: q.evidence, modelVersion: q.modelVersion ?? null, createdAt: q.createdAt };
        });
      return Promise.resolve(pending);
    },
    forgetReferral() {
      return Promise.resolve({ recordsForgotten: 0, recordsKept: 0 });
    },
    reasonOf(_sql, possibleMatchId) {
      return Promise.resolve(questions.find((q) => q.id === possibleMatchId)?.reason ?? undefined);
    },
  };
}
