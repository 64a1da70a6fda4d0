/**
 * The person index's cryptography without a database: the index key derivation, the fast
 * HMAC against Node's own, sealed records bound to their key; and the two halves of the index
 * meeting: the store's rows fit identity's `PersonIndexStore` port as they are, and the matcher
 * identity hands the index compares index records.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SealError } from '../../src/lib/envelope.ts';
import { blockingKeys, createMatcher, defaultModel, type PersonIndexStore } from '../../src/identity/index.ts';
import { hmacSha256 } from '../../src/store/person-index/codec.ts';
import { createIndexCodec, createPersonIndexStore, deriveIndexKey } from '../../src/store/person-index.ts';

describe('person index codec', () => {
  it('computes HMAC-SHA-256 exactly as createHmac does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.string({ unit: 'binary', maxLength: 200 }), (key, message) => {
        expect(hmacSha256(key)(message).equals(createHmac('sha256', key).update(message, 'utf8').digest())).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('derives one index key per master key, and digests that differ between keys', () => {
    const master = randomBytes(32);
    expect(Buffer.from(deriveIndexKey(master)).equals(Buffer.from(deriveIndexKey(Buffer.from(master))))).toBe(true);
    expect(Buffer.from(deriveIndexKey(master)).equals(Buffer.from(deriveIndexKey(randomBytes(32))))).toBe(false);
    expect(Buffer.from(deriveIndexKey(master)).equals(master)).toBe(false);
    const a = createIndexCodec(deriveIndexKey(master));
    const b = createIndexCodec(deriveIndexKey(randomBytes(32)));
    expect(a.digest('fy:SM0:2017')).toBe(a.digest('fy:SM0:2017'));
    expect(a.digest('fy:SM0:2017')).not.toBe(b.digest('fy:SM0:2017'));
    expect(a.digest('fy:SM0:2017')).toMatch(/^-?\d{1,19}$/);
    expect(() => deriveIndexKey(randomBytes(16))).toThrow(SealError);
  });

  it('seals a record so it opens only under its own record key', () => {
    const codec = createIndexCodec(deriveIndexKey(randomBytes(32)));
    const record = { id: 'health:c1:pat-1', given: ['Synthetic'], family: 'Person', birthDate: '2017-03-04' };
    const sealed = codec.sealRecord('health:c1:pat-1', record);
    expect(sealed.includes(Buffer.from('Synthetic'))).toBe(false);
    expect(codec.openRecord('health:c1:pat-1', sealed)).toEqual(record);
    expect(() => codec.openRecord('health:c1:pat-2', sealed)).toThrow(SealError);
  });

  it("fits identity's port: the store's rows digest identity's blocking keys, and the matcher compares index records", () => {
    const indexKey = deriveIndexKey(randomBytes(32));
    // Type-checked: the store's implementation is identity's port as it is (the composition root wires one to the other).
    const rows: PersonIndexStore = createPersonIndexStore(indexKey);
    const matcher = createMatcher(defaultModel());
    const a = { id: 'a', given: ['Robert'], family: 'Smith', birthDate: '2017-03-04' };
    expect(matcher.compare(a, { ...a, id: 'b', given: ['Bobby'] }).outcome).toBe('match');
    const keys = blockingKeys(a);
    expect(keys.length).toBeGreaterThan(3);
    // One digest per distinct key, each the codec's own: what the index files and searches by.
    const codec = createIndexCodec(indexKey);
    expect(rows.digestKeys([...keys, ...keys])).toEqual(keys.map((k) => codec.digest(k)));
  });
});
