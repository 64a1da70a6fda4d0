/**
 * The person index's cryptography without a database: the index key derivation, the fast
 * HMAC against Node's own, sealed records bound to their key, and the identity engine of
 * src/mapping/identity fitting the index's port as it is.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SealError } from '../../src/lib/envelope.ts';
import { blockingKeys, createMatcher, defaultModel } from '../../src/mapping/identity/index.ts';
import { hmacSha256 } from '../../src/store/person-index/codec.ts';
import { createIndexCodec, deriveIndexKey, type IdentityEngine } from '../../src/store/person-index.ts';

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

  it('takes the matching engine of src/mapping/identity as its port', () => {
    const matcher = createMatcher(defaultModel());
    const engine: IdentityEngine = { blockingKeys, compare: (a, b) => matcher.compare(a, b) };
    const a = { id: 'a', given: ['Robert'], family: 'Smith', birthDate: '2017-03-04' };
    expect(engine.compare(a, { ...a, id: 'b', given: ['Bobby'] }).outcome).toBe('match');
    expect(engine.blockingKeys(a).length).toBeGreaterThan(3);
  });
});
