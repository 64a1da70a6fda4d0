/** The first ill-formed UTF-8 byte is found exactly where Table 3-7 of Unicode §3.9 puts it. */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8Offset } from './utf8.ts';

const bytes = (...values: number[]): Uint8Array => new Uint8Array(values);

describe('firstInvalidUtf8Offset', () => {
  it.each([
    ['ASCII', bytes(0x7b, 0x7d), undefined],
    ['two-, three- and four-byte characters', new Uint8Array(Buffer.from('é€😀', 'utf8')), undefined],
    ['a lone continuation byte', bytes(0x41, 0x80), 1],
    ['an overlong two-byte form', bytes(0x41, 0x42, 0xc0, 0xaf), 2],
    ['an overlong three-byte form', bytes(0xe0, 0x80, 0xaf), 0],
    ['an encoded surrogate', bytes(0x41, 0xed, 0xa0, 0x80), 1],
    ['a code point above U+10FFFF', bytes(0xf4, 0x90, 0x80, 0x80), 0],
    ['a truncated sequence at the end', bytes(0x41, 0xe2, 0x82), 1],
    ['a truncated sequence before ASCII', bytes(0xe2, 0x82, 0x41), 0],
    ['0xFF', bytes(0x41, 0x42, 0x43, 0xff), 3],
  ])('%s', (_label, input, offset) => {
    expect(firstInvalidUtf8Offset(input)).toBe(offset);
  });

  it('agrees with the platform validator, and everything before the offset is UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        const offset = firstInvalidUtf8Offset(input);
        expect(offset === undefined).toBe(isUtf8(input));
        if (offset !== undefined) {
          expect(isUtf8(input.subarray(0, offset))).toBe(true);
          expect(isUtf8(input.subarray(0, offset + 1))).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('finds a bad byte planted anywhere in well-formed text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xff), (before, after, bad) => {
        const head = Buffer.from(before, 'utf8');
        const input = new Uint8Array(Buffer.concat([head, Buffer.from([bad]), Buffer.from(after, 'utf8')]));
        expect(firstInvalidUtf8Offset(input)).toBe(head.length);
      }),
    );
  });
});
