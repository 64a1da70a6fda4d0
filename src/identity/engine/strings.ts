/**
 * The string metrics identity matching uses, behind one small typed surface.
 *
 * Why: comparators should read as domain rules ("a one-letter slip", "sounds the same"), not as
 * library calls, and the libraries (talisman for Jaro–Winkler and Damerau–Levenshtein,
 * double-metaphone for phonetic codes) are CommonJS or untyped; this is the one place that
 * knows how to call them (CONVENTIONS.md §12: use the well-kept library).
 */
import { doubleMetaphone } from 'double-metaphone';
import { limited } from 'talisman/metrics/damerau-levenshtein.js';
import { similarity } from 'talisman/metrics/jaro-winkler.js';

/** Jaro–Winkler similarity in [0, 1]; 1 for equal strings. */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  return similarity(a, b);
}

/** True when `a` and `b` are at most `max` single-character edits apart (adjacent swaps count one). */
export function withinEdits(a: string, b: string, max: number): boolean {
  if (Math.abs(a.length - b.length) > max) return false;
  return limited(max, a, b) <= max;
}

/** Double Metaphone codes of a word (primary first, the alternate when it differs); none for non-letters. */
export function phoneticCodes(word: string): readonly string[] {
  if (word.length === 0) return [];
  const [primary, alternate] = doubleMetaphone(word);
  const codes: string[] = [];
  if (primary.length > 0) codes.push(primary);
  if (alternate.length > 0 && alternate !== primary) codes.push(alternate);
  return codes;
}

/** True when the two code lists share a code. */
export function shareCode(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) if (b.includes(x)) return true;
  return false;
}
