/**
 * The social care simulator's problem documents, and what its content faults replace a reply
 * with: exactly the given `body`, a problem document for `operationOutcome`, a bare status, or
 * a broken body.
 *
 * Why this file exists: the adapter's failure handling is only proven against a server that
 * really misbehaves on the wire; the timing and size faults are the shared ones
 * (../common/delivery.ts), and keeping the agency's bodies apart from routing keeps the server
 * file about the API.
 */
import { HTML_ERROR_PAGE, statusReply } from '../common/delivery.ts';
import type { Reply } from '../common/http.ts';
import type { ParsedSocialCareFaults } from './faults.ts';

/** An RFC 9457 problem document. */
export function problemReply(status: number, title: string, detail: string): Reply {
  return { status, contentType: 'application/problem+json', body: JSON.stringify({ title, status, detail }) };
}

/** The broken bodies of `malformed`, by kind. */
const MALFORMED: Readonly<Record<'json' | 'xml' | 'html', Reply>> = {
  json: { status: 200, contentType: 'application/json', body: '{"items":[{"personId":"SCR0001","name":{"given":["A' },
  xml: {
    status: 200,
    contentType: 'application/xml',
    body: '<?xml version="1.0"?>\n<!DOCTYPE people [<!ENTITY x "simulated">]>\n<people><person>&x;</person></people>\n',
  },
  html: HTML_ERROR_PAGE,
};

/** What the content faults make of a reply (`reply` itself when none of them is set). */
export function faultedReply(reply: Reply, faults: ParsedSocialCareFaults): Reply {
  if (faults.body !== undefined) return { status: faults.body.status, contentType: faults.body.contentType, body: faults.body.text };
  if (faults.operationOutcome !== undefined) {
    const detail = faults.operationOutcome === true ? 'simulated failure' : (faults.operationOutcome.diagnostics ?? faults.operationOutcome.code);
    return problemReply(faults.status ?? 400, 'Simulated problem', detail);
  }
  if (faults.status !== undefined) return statusReply(faults.status);
  if (faults.malformed !== undefined) return MALFORMED[faults.malformed === true ? 'json' : faults.malformed];
  return reply;
}
