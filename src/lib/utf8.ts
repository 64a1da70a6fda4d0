/**
 * Where a byte sequence stops being UTF-8. Decoders replace ill-formed bytes with U+FFFD without a
 * word (WHATWG Encoding), so text reaching the hub would be silently changed; a boundary that
 * must refuse such input instead, and say where, needs the offset of the first bad byte.
 * `buffer.isUtf8` answers yes or no quickly but names no offset, and no decoder reports one, hence
 * this scan of the well-formed byte sequences of Unicode 15 §3.9, Table 3-7 (RFC 3629 §4): no
 * overlong forms, no surrogates (U+D800–U+DFFF), nothing above U+10FFFF.
 */
import { isUtf8 } from 'node:buffer';

/** The offset of the first byte of the first ill-formed sequence, or undefined when `bytes` is UTF-8. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number | undefined {
  if (isUtf8(bytes)) return undefined;
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes, i);
    if (length === 0) return i;
    i += length;
  }
  // isUtf8 and Table 3-7 agree on every input (a property test checks it); unreachable.
  return undefined;
}

const inRange = (byte: number | undefined, low: number, high: number): boolean => byte !== undefined && byte >= low && byte <= high;
const continuation = (byte: number | undefined): boolean => inRange(byte, 0x80, 0xbf);

/** The length of the well-formed sequence starting at `i`, or 0 when it is ill-formed (Table 3-7). */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i] ?? 0;
  const b1 = bytes[i + 1];
  const b2 = bytes[i + 2];
  const b3 = bytes[i + 3];
  if (lead <= 0x7f) return 1;
  if (inRange(lead, 0xc2, 0xdf)) return continuation(b1) ? 2 : 0;
  if (lead === 0xe0) return inRange(b1, 0xa0, 0xbf) && continuation(b2) ? 3 : 0;
  if (inRange(lead, 0xe1, 0xec) || lead === 0xee || lead === 0xef) return continuation(b1) && continuation(b2) ? 3 : 0;
  if (lead === 0xed) return inRange(b1, 0x80, 0x9f) && continuation(b2) ? 3 : 0;
  if (lead === 0xf0) return inRange(b1, 0x90, 0xbf) && continuation(b2) && continuation(b3) ? 4 : 0;
  if (inRange(lead, 0xf1, 0xf3)) return continuation(b1) && continuation(b2) && continuation(b3) ? 4 : 0;
  if (lead === 0xf4) return inRange(b1, 0x80, 0x8f) && continuation(b2) && continuation(b3) ? 4 : 0;
  // 0x80–0xC1 (a continuation byte, or an overlong two-byte lead) and 0xF5–0xFF never lead.
  return 0;
}
