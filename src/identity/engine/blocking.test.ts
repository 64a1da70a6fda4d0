/**
 * Blocking keys: the errors the comparators forgive must not separate a true pair at the
 * blocking stage. (Recall on the FEBRL sets is measured in test/identity.)
 */
import { describe, expect, it } from 'vitest';
import { blockingKeys, candidatePairs } from './blocking.ts';
import { prepareRecord, type PersonRecord } from './record.ts';

const shared = (a: PersonRecord, b: PersonRecord): string[] => {
  const kb = new Set(blockingKeys(b));
  return blockingKeys(a).filter((k) => kb.has(k));
};

describe('blockingKeys', () => {
  const robert: PersonRecord = { id: 'a', given: ['Robert'], family: 'Smith', birthDate: '2015-04-03', postcode: 'WF13 2QP' };
  it('gives kind-prefixed keys and none for empty fields', () => {
    const keys = blockingKeys(robert);
    expect(keys.every((k) => /^[a-z]+:/.test(k))).toBe(true);
    expect(blockingKeys({ id: 'empty' })).toEqual([]);
  });
  it('files a day-month swap, a nickname and a surname slip under a shared key', () => {
    expect(shared(robert, { id: 'b', given: ['Robert'], family: 'Smith', birthDate: '2015-03-04' })).not.toEqual([]);
    expect(shared(robert, { id: 'b', given: ['Bobby'], family: 'Smith' })).toContain(blockingKeys(robert).find((k) => k.startsWith('nm:')));
    expect(shared(robert, { id: 'b', given: ['Robert'], family: 'Smiht', birthDate: '2015-04-03' })).not.toEqual([]);
    expect(shared(robert, { id: 'b', given: ['Smith'], family: 'Robert' })).not.toEqual([]);
  });
  it('files a name by the name, not by the field that held it: crossed names with one side missing still meet', () => {
    // One record wrote the family name as the given name and has no family name at all.
    expect(shared({ id: 'a', given: ['Fadgelock'], birthDate: '2008-06-24' }, { id: 'b', given: ['Ibrahim'], family: 'Fadgelock', birthDate: '2008-06-24' }).some((k) => k.startsWith('ny:'))).toBe(true);
    expect(shared({ id: 'a', given: ['Werwood'], family: 'Jennifer', town: 'Huddersfield' }, { id: 'b', family: 'Werwood', town: 'Huddersfield' }).some((k) => k.startsWith('nt:'))).toBe(true);
  });
  it("files a name's first four letters with the birth year, which survive slips that change its phonetic code", () => {
    expect(shared({ id: 'a', given: ['J'], family: 'Deagford', birthDate: '1989-10-04' }, { id: 'b', family: 'Deagfofd', birthDate: '1989-10-07' })).toEqual(['py:deag:1989']);
  });
  it('files trusted identifiers as such only when they pass their check', () => {
    expect(blockingKeys({ id: 'a', nhsNumber: '9434765919' })).toEqual(['nhs:9434765919']);
    expect(blockingKeys({ id: 'a', nhsNumber: '9434765918' })).toEqual(['nu:9434765918']);
  });
});

describe('candidatePairs', () => {
  it('returns each pair once, in order, and marks pairs that share a person-level key', () => {
    const records = [
      { id: '0', given: ['Ann'], family: 'Lee', birthDate: '2001-02-03', postcode: 'HD1 1AA' },
      { id: '1', given: ['Anne'], family: 'Lee', birthDate: '2001-02-03', postcode: 'HD1 1AA' },
      { id: '2', given: ['Tom'], family: 'Lee', birthDate: '1970-05-06', postcode: 'HD1 1AA' },
    ].map(prepareRecord);
    const c = candidatePairs(records);
    const pairs = [...c.left].map((l, k) => [l, c.right[k], c.personal[k]]);
    expect(pairs).toEqual([[0, 1, 1], [0, 2, 0], [1, 2, 0]]);
  });
  it('does not expand blocks over the size limit', () => {
    const many = Array.from({ length: 30 }, (_, i) => prepareRecord({ id: String(i), family: 'Lee', postcode: 'HD1 1AA' }));
    expect(candidatePairs(many).left.length).toBe(435);
    expect(candidatePairs(many, { maxBlockSize: 20 }).left.length).toBe(0);
  });
});
