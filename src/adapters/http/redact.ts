/**
 * URL redaction for orchestrations. Why this file exists: OpenHIM-style orchestrations keep
 * the URL of every outbound call, and FHIR search URLs carry the subject's NHS number, name,
 * birth date and postcode in their query. Only parameters known to be harmless keep their
 * values; every other value — including opaque paging cursors, which some servers build from
 * the original query — becomes `[redacted]`. Credentials and fragments are dropped.
 */

/** FHIR result-control parameters (FHIR R4 §3.1.1.5): they shape the page, never name anyone. */
const SAFE_PARAMETERS: ReadonlySet<string> = new Set([
  '_count',
  '_offset',
  '_sort',
  '_total',
  '_summary',
  '_elements',
  '_format',
  '_pretty',
  '_include',
  '_revinclude',
  '_contained',
  '_containedType',
  'grant_type',
]);

export const REDACTED = '[redacted]';

/**
 * The URL with identifying query values replaced by `[redacted]`, user-info and fragment
 * removed. A string that is not an absolute URL is reduced to a placeholder rather than
 * risk echoing what it contains.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return '[unparseable url]';
  }
  url.username = '';
  url.password = '';
  url.hash = '';
  const kept = [...url.searchParams].map(([name, value]) => `${encodeURIComponent(name)}=${SAFE_PARAMETERS.has(name) ? encodeURIComponent(value) : REDACTED}`);
  url.search = '';
  return kept.length === 0 ? url.toString() : `${url.toString()}?${kept.join('&')}`;
}
