/**
 * What went wrong with a PersonSearch call, from what node-soap rejected with, as a failure
 * value whose reason is safe to show.
 *
 * Why this file exists: node-soap reports a SOAP Fault as an Error whose message is the fault
 * code, reason and the whole `Detail` serialised as JSON, and a parse failure as a thrown object
 * carrying the parser's message with a character of the payload in it. Neither may reach a
 * failure reason, an orchestration or a log (CONVENTIONS.md: no payloads). This file reads the
 * parsed fault (`error.root`, outside data, so parsed with zod) and keeps only its code,
 * subcode and a cleaned, shortened reason text; everything else becomes a fixed sentence.
 */
import { z } from 'zod';
import type { AdapterFailure } from '../port.ts';
import { adapterFailure, statusFailure } from '../http/exchange.ts';

/**
 * WS-Security 1.1 fault codes (OASIS WSS SOAP Message Security §12), as subcodes: the message
 * was refused for its security header, so the lookup failed authentication.
 */
const SECURITY_FAULTS: ReadonlySet<string> = new Set([
  'UnsupportedSecurityToken',
  'UnsupportedAlgorithm',
  'InvalidSecurity',
  'InvalidSecurityToken',
  'FailedAuthentication',
  'FailedCheck',
  'SecurityTokenUnavailable',
  'MessageExpired',
]);

/** Text or `{ $value }` (an element with attributes, e.g. `xml:lang`), possibly repeated. */
const TextNode = z.union([z.string(), z.object({ $value: z.string() }).transform((t) => t.$value)]);
const TextNodes = z.union([TextNode, z.array(TextNode).transform((texts) => texts[0])]);

const Subcode: z.ZodType<{ Value?: string | undefined; Subcode?: unknown }> = z.object({ Value: TextNodes.optional(), Subcode: z.unknown().optional() });

const Soap12Fault = z.object({
  Code: z.object({ Value: TextNodes, Subcode: Subcode.optional() }),
  Reason: z.object({ Text: TextNodes.optional() }).optional(),
});

const Soap11Fault = z.object({ faultcode: TextNodes, faultstring: TextNodes.optional() });

const FaultError = z.object({ root: z.object({ Envelope: z.object({ Body: z.object({ Fault: z.unknown() }) }) }) });
const ParserError = z.object({ Fault: z.object({ faultstring: z.literal('Invalid XML') }) });
const StatusError = z.object({ message: z.literal('Error http status codes'), response: z.object({ status: z.number().int() }) });
const NoBodyError = z.object({ message: z.literal('Cannot parse response') });

/** A QName as a fault code: shown only when it looks like one. */
const QNAME = /^(?:[A-Za-z_][\w.-]{0,30}:)?[A-Za-z_][\w.-]{0,60}$/;

/** The failure an error from a node-soap call stands for. */
export function soapCallFailure(error: unknown, callName: string): AdapterFailure {
  const fault = FaultError.safeParse(error);
  if (fault.success) return faultFailure(fault.data.root.Envelope.Body.Fault, callName);
  if (ParserError.safeParse(error).success) return adapterFailure('malformed-response', `${callName}: response is not well-formed XML`);
  const status = StatusError.safeParse(error);
  if (status.success) {
    const code = status.data.response.status;
    return statusFailure(code, `${callName}: HTTP ${code} without a SOAP fault`);
  }
  if (NoBodyError.safeParse(error).success) return adapterFailure('malformed-response', `${callName}: response has no SOAP body`);
  return adapterFailure('malformed-response', `${callName}: response could not be read as a SOAP envelope`);
}

/** A SOAP 1.2 (or, leniently, 1.1) fault: code, subcodes and reason text; never the detail. */
export function faultFailure(fault: unknown, callName: string): AdapterFailure {
  const soap12 = Soap12Fault.safeParse(fault);
  let code: string | undefined;
  const subcodes: string[] = [];
  let reasonText: string | undefined;
  if (soap12.success) {
    code = soap12.data.Code.Value;
    let sub: unknown = soap12.data.Code.Subcode;
    // Subcodes nest (SOAP 1.2 Part 1 §5.4.6); a handful is plenty.
    for (let depth = 0; depth < 4 && sub !== undefined; depth += 1) {
      const parsed = Subcode.safeParse(sub);
      if (!parsed.success) break;
      if (parsed.data.Value !== undefined) subcodes.push(parsed.data.Value);
      sub = parsed.data.Subcode;
    }
    reasonText = soap12.data.Reason?.Text;
  } else {
    const soap11 = Soap11Fault.safeParse(fault);
    if (!soap11.success) return adapterFailure('protocol-error', `${callName}: SOAP fault without a readable code`);
    code = soap11.data.faultcode;
    reasonText = soap11.data.faultstring;
  }
  const shownCodes = [code, ...subcodes].map((c) => (c !== undefined && QNAME.test(c.trim()) ? c.trim() : 'unknown'));
  const security = [code, ...subcodes].some((c) => c !== undefined && SECURITY_FAULTS.has(localName(c)));
  const reason = cleanText(reasonText);
  const head = `${callName}: SOAP fault ${shownCodes[0] ?? 'unknown'}${shownCodes.length > 1 ? ` (${shownCodes.slice(1).join(', ')})` : ''}`;
  const failure = adapterFailure(security ? 'auth-failed' : 'protocol-error', reason === undefined ? head : `${head}: ${reason}`);
  // A Receiver (SOAP 1.1: Server) fault "could succeed if resent at a later point in time"
  // (SOAP 1.2 Part 1 §5.4.6); a Sender fault, or one about security, would not.
  return !security && code !== undefined && RECEIVER_FAULTS.has(localName(code).split('.')[0] ?? '') ? { ...failure, transient: {} } : failure;
}

/** The fault codes that blame the receiving side, not the message (SOAP 1.2 `Receiver`, SOAP 1.1 `Server`). */
const RECEIVER_FAULTS: ReadonlySet<string> = new Set(['Receiver', 'Server']);

const localName = (qname: string): string => qname.trim().slice(qname.trim().indexOf(':') + 1);

/** Server text, without control characters and cut short: a reason, never a payload. */
function cleanText(text: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const cleaned = text?.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (cleaned === undefined || cleaned === '') return undefined;
  return cleaned.length <= 200 ? cleaned : `${cleaned.slice(0, 199)}…`;
}
