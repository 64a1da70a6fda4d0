/**
 * What changed between two versions of a connector, as field paths (docs/decisions.md "Connector
 * administration"): a version records *which* fields changed — `baseUrl`, `retry.attempts`,
 * `auth.token` — and never their values, so the history can be shown to any administrator of the
 * agency without showing a credential. Credentials are compared by their plaintext in memory, by
 * the caller, and reported by path only.
 */

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

const isObjectValue = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const SECRET_REF_KEYS = new Set(['env', 'file', 'value', 'sealed']);
/** A secret reference (`SecretRef`) is one value: a change of it is a change of the credential's path. */
const isSecretRef = (value: Record<string, unknown>): boolean => {
  const keys = Object.keys(value);
  return keys.length === 1 && SECRET_REF_KEYS.has(keys[0] ?? '');
};
const isObject = (value: unknown): value is Record<string, unknown> => isObjectValue(value) && !isSecretRef(value);

/**
 * The paths (dot-separated, object keys only; an array is one value) at which `before` and `after`
 * differ, sorted. A key present on one side only is a change at that key's path. Either side may be
 * undefined (nothing before: every leaf of `after` is new).
 */
export function changedPaths(before: unknown, after: unknown, prefix = ''): string[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => changedPaths(before[key], after[key], prefix === '' ? key : `${prefix}.${key}`));
  }
  if (before === undefined && isObject(after)) return changedPaths({}, after, prefix);
  if (after === undefined && isObject(before)) return changedPaths(before, {}, prefix);
  return sameJson(before as Json, after as Json) ? [] : [prefix];
}

function sameJson(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x as Json, b[i] as Json));
  if (isObjectValue(a) && isObjectValue(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((key) => sameJson(a[key], b[key]));
  }
  return false;
}
