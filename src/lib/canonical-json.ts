/**
 * Canonical JSON: object keys sorted at every level (UTF-16 code unit order, as RFC 8785), no
 * whitespace, `undefined` members dropped. One byte sequence per value, so hashes of the audit
 * chain, product content hashes and the bytes sent to hosts agree however a value was built.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
