/**
 * The housing simulator's replies — JSON bodies and RFC 9457 problem documents — and what its
 * content faults replace a reply with: a problem document for `operationOutcome`, a bare
 * status, XML with an external entity, well-formed JSON of the wrong shape, or a broken body.
 *
 * Why this file exists: the adapter's refusals (non-JSON, XML with an external entity, a page
 * that is not a page) are only proven against bodies that really arrive on a socket; the timing
 * and size faults are the shared ones (../common/delivery.ts). Kept apart from the API routes so
 * server.ts stays about the housing API.
 */
import { HTML_ERROR_PAGE, statusReply } from '../common/delivery.ts';
import type { Reply } from '../common/http.ts';
import type { ParsedHousingFaults } from './faults.ts';

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

/** A JSON reply. */
export const jsonReply = (status: number, body: unknown): Reply => ({ status, contentType: JSON_TYPE, body: JSON.stringify(body) });

/** An RFC 9457 problem document. */
export const problemReply = (status: number, title: string, detail?: string): Reply => ({
  status,
  contentType: PROBLEM_TYPE,
  body: JSON.stringify({ type: 'about:blank', title, status, ...(detail === undefined ? {} : { detail }) }),
});

/** The broken bodies of `malformed`, by kind. */
const MALFORMED: Readonly<Record<'json' | 'xml' | 'html', Reply>> = {
  json: { status: 200, contentType: JSON_TYPE, body: '{"items":[{"personRef":"HPR-0' },
  xml: { status: 200, contentType: 'application/xml', body: '<?xml version="1.0"?>\n<!DOCTYPE persons [<!ENTITY x "simulated">]>\n<persons>&x;</persons>\n' },
  html: HTML_ERROR_PAGE,
};

/** What the content faults make of a reply (`reply` itself when none of them is set). */
export function faultedReply(reply: Reply, faults: ParsedHousingFaults): Reply {
  if (faults.operationOutcome !== undefined) {
    const issue = faults.operationOutcome === true ? { code: 'processing', diagnostics: 'simulated failure' } : faults.operationOutcome;
    return problemReply(faults.status ?? 400, issue.code, issue.diagnostics);
  }
  if (faults.status !== undefined) return statusReply(faults.status);
  if (faults.doctypeEntityFile !== undefined) {
    return {
      status: 200,
      contentType: 'application/xml',
      body: `<?xml version="1.0"?>\n<!DOCTYPE persons [<!ENTITY leak SYSTEM "file://${faults.doctypeEntityFile}">]>\n<persons><person>&leak;</person></persons>\n`,
    };
  }
  if (faults.wrongShape !== undefined) return jsonReply(200, { items: 'not a list', page: 0 });
  if (faults.malformed !== undefined) return MALFORMED[faults.malformed === true ? 'json' : faults.malformed];
  return reply;
}
