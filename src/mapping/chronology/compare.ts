/**
 * Chronology order helpers: string and number-list comparison, day arithmetic, set overlap.
 *
 * Why this file exists: split out of chronology.ts (house file-size limit); the records, the
 * pairs, the entries and the builder all order by these, so they live once, here.
 */

/** Locale-independent string order, so entries sort the same on every machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareNumbers(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const DAY_MS = 86_400_000;
export const daysBetween = (from: string, to: string): number => Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);

export const intersects = <T>(a: ReadonlySet<T>, b: ReadonlySet<T>): number => {
  let n = 0;
  for (const x of a) if (b.has(x)) n++;
  return n;
};
