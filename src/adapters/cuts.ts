/**
 * When a paged search leaves matches unread, and what the cut says: the three ways a search
 * ends short — the connector's candidate cap, its page cap, or the agency's own limit.
 *
 * Why this file exists: every adapter pages through its agency's searches (FHIR `next` links,
 * SOAP `MorePagesIndicator`, XML `NextPage`, REST `links.next` or page numbers), and each must
 * say the same thing when it stops early, or the picture shows a cut answer as complete
 * (DESIGN.md: "never a silent gap"). The paging stays with each protocol; the verdict is here.
 * Pure: no I/O.
 */
import type { AnswerCut } from './port.ts';

/**
 * The read stopped because `limit` records were in hand (the connector's candidate cap). A cut
 * when more were on offer: more kept than the limit, a further page, or an agency total above it.
 */
export function candidateCapCut(search: string, limit: number, kept: number, more: boolean, reported: number | undefined): AnswerCut | undefined {
  if (kept <= limit && !more && (reported === undefined || reported <= limit)) return undefined;
  return { reason: 'candidate-cap', search, read: Math.min(kept, limit), reported: reported ?? null };
}

/**
 * The agency sent its last page. A cut when it reported more matches than it sent in all its
 * pages: it held the rest back itself (`received` counts what arrived, repeats included, so a
 * server that repeats a record across pages is not mistaken for one that withholds).
 */
export function lastPageCut(search: string, received: number, kept: number, reported: number | undefined): AnswerCut | undefined {
  if (reported === undefined || reported <= received) return undefined;
  return { reason: 'agency-limit', search, read: kept, reported };
}

/** The read stopped at the connector's `maxPages` with a further page on offer: always a cut. */
export function pageCapCut(search: string, kept: number, reported: number | undefined): AnswerCut {
  return { reason: 'page-cap', search, read: kept, reported: reported ?? null };
}

/** The agency refused to list the matches because too many matched (PDS `TOO_MANY_MATCHES`): nothing read. */
export function tooManyMatchesCut(search: string): AnswerCut {
  return { reason: 'agency-limit', search, read: 0, reported: null };
}
