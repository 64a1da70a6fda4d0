/**
 * Where an adapter may follow a link an agency server gave it (a `next` page).
 *
 * Why this file exists: following a link sends our Authorization header along, so a link may
 * only lead back under the connector's own base URL — never to another origin, another path or
 * a URL carrying credentials. The FHIR and housing adapters both follow server-given links.
 */

/**
 * The link resolved against the base, if it stays on the connector's server and under its
 * base path (no user-info), without its fragment; undefined otherwise.
 */
export function sameServerUrl(base: string, link: string): string | undefined {
  let resolved: URL;
  let baseUrl: URL;
  try {
    baseUrl = new URL(`${base}/`);
    resolved = new URL(link, baseUrl);
  } catch {
    return undefined;
  }
  if (resolved.origin !== baseUrl.origin || !resolved.pathname.startsWith(baseUrl.pathname)) return undefined;
  if (resolved.username !== '' || resolved.password !== '') return undefined;
  resolved.hash = '';
  return resolved.toString();
}
