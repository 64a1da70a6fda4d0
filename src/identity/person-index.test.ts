/**
 * The person index's policy without a database: identity decides what a record resolves to and
 * what a practitioner's decision means, over an in-memory `PersonIndexStore` (the store's SQL is
 * proven in test/identity/person-index*.int.test.ts on PGlite and PostgreSQL). The handle passed
 * as `sql` refuses every query: the policy reaches rows only through the port.
 */
import { describe, expect, it } from 'vitest';
import type { IndexedRecord } from '../model/person-index.ts';
import type { Sql } from '../store/db.ts';
import { memoryPersonIndexStore, type MemoryPersonIndexStore } from '../../test/support/memory-person-index.ts';
import { blockingKeys } from './engine/blocking.ts';
import { createMatcher } from './engine/matcher.ts';
import { defaultModel } from './engine/model.ts';
import { createPersonIndex, type PersonIndex } from './person-index.ts';

const sql: Sql = { query: () => Promise.reject(new Error('the policy ran SQL itself')) };
const at = new Date('2026-11-21T10:00:00Z');
const referralId = 'referral-1';

// Synthetic people. Robert's records: the GP's, the school's (a nickname), housing's (no birth date).
const robert: Omit<IndexedRecord, 'id'> = { given: ['Robert'], family: 'Smith', birthDate: '2017-03-04', sex: 'male', addressLines: ['14 Alder Grove'], postcode: 'WF13 2QP', town: 'Dewsbury' };
const bobby = { ...robert, given: ['Bobby'] };
const noBirthDate: Omit<IndexedRecord, 'id'> = { given: ['Robert'], family: 'Smith', sex: 'male', addressLines: ['14 Alder Grove'], postcode: 'WF13 2QP', town: 'Dewsbury' };
/** His sister at the same address: shares the household's keys, and is someone else. */
const chloe: Omit<IndexedRecord, 'id'> = { given: ['Chloe'], family: 'Smith', birthDate: '2014-06-12', sex: 'female', addressLines: ['14 Alder Grove'], postcode: 'WF13 2QP', town: 'Dewsbury' };

function setup(): { store: MemoryPersonIndexStore; index: PersonIndex } {
  const store = memoryPersonIndexStore(blockingKeys);
  return { store, index: createPersonIndex({ store, matcher: createMatcher(defaultModel()) }) };
}

const resolve = (index: PersonIndex, recordKey: string, record: Omit<IndexedRecord, 'id'>) => index.resolve(sql, { recordKey, referralId, record: { ...record, id: 'ignored' } }, at);

describe('resolving a record', () => {
  it("links a match to the best candidate's person, files it under its keys and names the record it matched", async () => {
    const { store, index } = setup();
    const gp = store.seed('health:gp:1', robert, 'person-robert');
    store.seed('health:gp:2', chloe, 'person-chloe');
    const resolution = await resolve(index, 'education:mis:7', bobby);
    expect(resolution).toMatchObject({ hubPersonId: 'person-robert', outcome: 'match' });
    expect(resolution.score).toBeGreaterThan(8);
    expect(resolution.candidates).toMatchObject({ compared: 2, found: 2 });
    const filed = store.records.find((r) => r.recordKey === 'education:mis:7');
    expect(filed).toMatchObject({ hubPersonId: 'person-robert', outcome: 'match', matchedRecordId: gp, decidedBy: null });
    // Its id is its record key, and its digests are its own blocking keys'.
    expect(filed?.record.id).toBe('education:mis:7');
    expect(filed?.digests).toEqual(store.digestKeys(blockingKeys({ ...bobby, id: 'education:mis:7' })));
    expect(store.questions).toEqual([]);
  });

  it('gives a possible match a hub person of its own and a question naming the candidate', async () => {
    const { store, index } = setup();
    const gp = store.seed('health:gp:1', robert, 'person-robert');
    const resolution = await resolve(index, 'housing:uk:3', noBirthDate);
    expect(resolution.outcome).toBe('possible');
    expect(resolution.hubPersonId).not.toBe('person-robert');
    expect(store.questions).toEqual([expect.objectContaining({ id: resolution.possibleMatchId, candidatePersonId: 'person-robert', candidateRecordId: gp, status: 'pending' })]);
    expect(store.records.at(-1)).toMatchObject({ hubPersonId: resolution.hubPersonId, outcome: 'possible', matchedRecordId: gp });
  });

  it("makes a non-match a new person, keeping the closest candidate's score but naming no record", async () => {
    const { store, index } = setup();
    store.seed('health:gp:1', robert, 'person-robert');
    const resolution = await resolve(index, 'health:gp:2', chloe);
    expect(resolution.outcome).toBe('new');
    expect(resolution.hubPersonId).not.toBe('person-robert');
    expect(resolution.score).toBeLessThan(0);
    expect(store.records.at(-1)).toMatchObject({ outcome: 'new', matchedRecordId: null });
    expect(resolution.possibleMatchId).toBeUndefined();
  });

  it('answers an indexed record key with its stored person: a confirmation is a match, a rejection new, a possible match its open question', async () => {
    const { store, index } = setup();
    store.seed('health:gp:1', robert, 'person-a', 'confirmed');
    store.seed('health:gp:2', robert, 'person-b', 'rejected');
    store.seed('health:gp:3', robert, 'person-c', 'possible');
    store.questions.push({ id: 'question-3', recordId: 3, referralId: 'earlier', candidatePersonId: 'person-a', candidateRecordId: 1, score: 5, evidence: [], status: 'pending', reason: null, createdAt: at });
    expect(await resolve(index, 'health:gp:1', robert)).toMatchObject({ hubPersonId: 'person-a', outcome: 'match' });
    expect(await resolve(index, 'health:gp:2', robert)).toMatchObject({ hubPersonId: 'person-b', outcome: 'new' });
    expect(await resolve(index, 'health:gp:3', robert)).toMatchObject({ hubPersonId: 'person-c', outcome: 'possible', possibleMatchId: 'question-3' });
    // Nothing written but the sightings.
    expect(store.records).toHaveLength(3);
    expect(store.sightings).toEqual(new Set([`1:${referralId}`, `2:${referralId}`, `3:${referralId}`]));
  });

  it("follows a practitioner's confirmation even where the matcher would not, and searches as usual once the person has no records left", async () => {
    const { store, index } = setup();
    store.seed('health:gp:2', chloe, 'person-chloe');
    store.decisions.push({ recordKey: 'housing:uk:3', hubPersonId: 'person-chloe', decision: 'confirmed', decidedBy: 'practitioner-housing', at });
    const resolution = await resolve(index, 'housing:uk:3', noBirthDate);
    expect(resolution).toMatchObject({ hubPersonId: 'person-chloe', outcome: 'match' });
    expect(store.records.at(-1)).toMatchObject({ outcome: 'confirmed', decidedBy: 'practitioner-housing', hubPersonId: 'person-chloe' });

    const { store: forgotten, index: again } = setup();
    forgotten.decisions.push({ recordKey: 'housing:uk:3', hubPersonId: 'person-gone', decision: 'confirmed', decidedBy: 'practitioner-housing', at });
    expect(await resolve(again, 'housing:uk:3', noBirthDate)).toMatchObject({ outcome: 'new' });
    expect(forgotten.calls).toContain('search:excluding ');
  });

  it('never offers a person a practitioner rejected for the record, and the latest decision per person counts', async () => {
    const { store, index } = setup();
    store.seed('health:gp:1', robert, 'person-robert');
    store.decisions.push(
      { recordKey: 'education:mis:7', hubPersonId: 'person-robert', decision: 'confirmed', decidedBy: 'p1', at: new Date('2026-01-01T00:00:00Z') },
      { recordKey: 'education:mis:7', hubPersonId: 'person-robert', decision: 'rejected', decidedBy: 'p2', at: new Date('2026-02-01T00:00:00Z') },
    );
    const resolution = await resolve(index, 'education:mis:7', bobby);
    expect(resolution.outcome).toBe('new');
    expect(resolution.hubPersonId).not.toBe('person-robert');
    expect(store.calls).toContain('search:excluding person-robert');
  });

  it('takes every lock of a batch before the first resolution, sights the batch at once, and resolves in order', async () => {
    const { store, index } = setup();
    const inputs = ['health:gp:1', 'education:mis:7'].map((recordKey, i) => ({ recordKey, referralId, record: { ...(i === 0 ? robert : bobby), id: recordKey } }));
    const [first, second] = await index.resolveMany(sql, inputs, at);
    expect(store.calls.slice(0, 2)).toEqual(['lock:health:gp:1,education:mis:7', 'sight:health:gp:1,education:mis:7']);
    expect(first?.outcome).toBe('new');
    expect(second).toMatchObject({ outcome: 'match', hubPersonId: first?.hubPersonId });
  });

  it('indexes a record named twice in one batch once, the second sighting the first', async () => {
    const { store, index } = setup();
    const input = { recordKey: 'health:gp:1', referralId, record: { ...robert, id: 'health:gp:1' } };
    const [first, second] = await index.resolveMany(sql, [input, input], at);
    expect(first?.outcome).toBe('new');
    expect(second?.hubPersonId).toBe(first?.hubPersonId);
    expect(store.calls.filter((c) => c.startsWith('insert')).length).toBe(1);
  });

  it('refuses limits that make no sense', () => {
    const store = memoryPersonIndexStore(blockingKeys);
    const matcher = createMatcher(defaultModel());
    expect(() => createPersonIndex({ store, matcher, maxCandidates: 0 })).toThrow(RangeError);
    expect(() => createPersonIndex({ store, matcher, maxPerKey: 200, maxCommonKey: 100 })).toThrow(RangeError);
  });
});

describe("a practitioner's decision", () => {
  async function withQuestion(): Promise<{ store: MemoryPersonIndexStore; index: PersonIndex; id: string; own: string }> {
    const { store, index } = setup();
    store.seed('health:gp:1', robert, 'person-robert');
    const possible = await resolve(index, 'housing:uk:3', noBirthDate);
    if (possible.possibleMatchId === undefined) throw new Error('expected a question');
    return { store, index, id: possible.possibleMatchId, own: possible.hubPersonId };
  }

  it("confirmed: the record's own person merges into the candidate's, and its link says who confirmed it", async () => {
    const { store, index, id, own } = await withQuestion();
    const decided = await index.decidePossibleMatch(sql, id, { decision: 'confirm', by: 'practitioner-housing', reason: 'Same child' }, at);
    expect(decided).toEqual({ ok: true, value: { kind: 'confirmed', hubPersonId: 'person-robert', mergedPersonId: own, recordsMoved: 1 } });
    expect(store.calls.slice(-3)).toEqual(['decide:confirmed', `merge:${own}->person-robert`, 'confirmLink']);
    expect(store.records.at(-1)).toMatchObject({ hubPersonId: 'person-robert', outcome: 'confirmed', decidedBy: 'practitioner-housing' });
    // Decided once: a second answer is an expected failure, as is an unknown question.
    expect(await index.decidePossibleMatch(sql, id, { decision: 'reject', by: 'p', reason: 'r' }, at)).toEqual({ ok: false, error: { kind: 'already-decided', status: 'confirmed' } });
    expect(await index.decidePossibleMatch(sql, 'no-such-question', { decision: 'reject', by: 'p', reason: 'r' }, at)).toEqual({ ok: false, error: { kind: 'not-found' } });
  });

  it('confirmed when the record is already the candidate’s person: nothing to merge', async () => {
    const { store, index, id } = await withQuestion();
    const record = store.records.at(-1);
    if (record !== undefined) record.hubPersonId = 'person-robert';
    expect(await index.decidePossibleMatch(sql, id, { decision: 'confirm', by: 'p', reason: 'r' }, at)).toEqual({ ok: true, value: { kind: 'confirmed', hubPersonId: 'person-robert', mergedPersonId: null, recordsMoved: 0 } });
    expect(store.calls.some((c) => c.startsWith('merge:'))).toBe(false);
  });

  it('rejected: the two stay apart, now and in every later resolution of the record', async () => {
    const { store, index, id, own } = await withQuestion();
    expect(await index.decidePossibleMatch(sql, id, { decision: 'reject', by: 'practitioner-housing', reason: 'Another child' }, at)).toEqual({
      ok: true,
      value: { kind: 'rejected', hubPersonId: own, candidatePersonId: 'person-robert' },
    });
    expect(store.records.at(-1)).toMatchObject({ hubPersonId: own, outcome: 'rejected' });
    expect(store.decisions).toEqual([expect.objectContaining({ recordKey: 'housing:uk:3', hubPersonId: 'person-robert', decision: 'rejected' })]);
    // Forgotten by retention and seen again: the rejected person is no candidate.
    store.records.pop();
    expect(await resolve(index, 'housing:uk:3', noBirthDate)).toMatchObject({ outcome: 'new' });
    expect(store.calls.at(-2)).toBe('search:excluding person-robert');
  });
});
