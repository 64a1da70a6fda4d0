/**
 * node-soap's HTTP, replaced by ours: an `httpClient` for node-soap that sends each SOAP request
 * through the shared bounded transport (src/adapters/http/exchange.ts).
 *
 * Why this file exists: node-soap 1.x sends requests with its own axios instance, which knows
 * nothing of our rules — one deadline for the whole lookup, a streamed and capped body, no
 * redirects, an orchestration per call with no body — and its default client cuts the SOAP
 * envelope out of whatever text arrives, so a DOCTYPE in front of the envelope would vanish
 * unseen. node-soap lets the caller supply the HTTP client (`IOptions.httpClient`), so every
 * call goes through `exchangeWith` instead: the deadline signal aborts the wait and the body
 * read, the body stops at `maxResponseBytes`, a redirect fails the call, and the orchestration
 * keeps method, redacted URL, status and duration. Before node-soap's parser sees any text,
 * `decodeSoapBody` refuses a document type or entity declaration (SOAP 1.2 Part 1 §5: a SOAP
 * message MUST NOT contain one), so nothing is ever expanded or fetched, and refuses a failing
 * HTTP status that carries no SOAP envelope (a proxy's error page is not a fault).
 */
import type { IExOptions, IHeaders, IHttpClient } from 'soap';
import { err, ok } from '../../lib/result.ts';
import type { AdapterFailure } from '../port.ts';
import { adapterFailure, exchangeWith, statusFailure, type BodyDecoder, type HttpEnvironment } from '../http/exchange.ts';

/** What node-soap is told of a response: enough for its parser, nothing of ours. */
interface SoapHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly data: string;
}

/** The transport of one lookup: where failures are kept for the adapter to report. */
export interface SoapTransport {
  readonly httpClient: IHttpClient;
  /** The failure of the most recent call, when it failed before node-soap could parse anything. */
  takeFailure(): AdapterFailure | undefined;
}

/** What one lookup's calls share. */
export interface SoapCallContext {
  readonly url: string;
  readonly signal: AbortSignal;
  readonly maxBytes: number;
  readonly env: HttpEnvironment;
  /** Extra HTTP headers (an Authorization header for Basic or bearer auth). Never recorded. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The name node-soap passes through from the caller's per-call options, for the orchestration. */
export const CALL_NAME_OPTION = 'mashCallName';

const DTD_PATTERN = /<!\s*(?:DOCTYPE|ENTITY)/i;
const ENVELOPE_PATTERN = /<(?:[A-Za-z_][\w.-]*:)?Envelope[\s>/]/;

/**
 * The body decoder for SOAP: rejects DTDs whatever the status, and non-2xx responses without an
 * envelope; passes everything else through as text for node-soap to parse.
 */
export const decodeSoapBody: BodyDecoder<string> = (text, response, callName) => {
  if (DTD_PATTERN.test(text)) {
    return err(adapterFailure('malformed-response', `${callName}: response contains a DOCTYPE or ENTITY declaration, which SOAP forbids; it was not parsed`));
  }
  if (!response.ok && !ENVELOPE_PATTERN.test(text)) {
    return err(statusFailure(response.status, `${callName}: HTTP ${response.status} without a SOAP fault`, response.retryAfterMs));
  }
  return ok(text);
};

/**
 * A node-soap `httpClient` whose requests go through `exchangeWith`. Its `request` calls back
 * with a plain `{ status, headers, data }`; node-soap's client reads only those.
 */
export function soapTransport(context: SoapCallContext): SoapTransport {
  let failure: AdapterFailure | undefined;
  const client = {
    request(_url: string, data: unknown, callback: (error: unknown, response?: SoapHttpResponse, body?: string) => void, exheaders?: IHeaders, exoptions?: IExOptions) {
      failure = undefined;
      const name = callName(exoptions);
      const promise = exchangeWith(
        {
          name,
          method: 'POST',
          // Always the connector's endpoint: node-soap is given it, but the URL we call is ours to decide.
          url: context.url,
          headers: { ...soapHeaders(exheaders), accept: 'application/soap+xml, text/xml;q=0.9', ...context.headers },
          body: typeof data === 'string' ? data : '',
          signal: context.signal,
          maxBytes: context.maxBytes,
        },
        context.env,
        decodeSoapBody,
      ).then((result) => {
        if (!result.ok) {
          failure = result.error.failure;
          callback(new Error(failure.code));
          return undefined;
        }
        const response: SoapHttpResponse = { status: result.value.status, headers: { 'content-type': result.value.contentType }, data: result.value.body };
        callback(null, response, result.value.body);
        return response;
      });
      return promise;
    },
  };
  return {
    // node-soap declares `request` as returning an axios promise, but its client never reads the
    // value (lib/client.js `_invoke` uses only the callback). The bridge is a type, not outside data.
    httpClient: client as unknown as IHttpClient,
    takeFailure() {
      const taken = failure;
      failure = undefined;
      return taken;
    },
  };
}

function callName(exoptions: IExOptions | undefined): string {
  const value: unknown = exoptions?.[CALL_NAME_OPTION];
  return typeof value === 'string' && value !== '' ? value : 'PersonSearch';
}

/** node-soap's headers for the call (Content-Type with the SOAP 1.2 action), string values only. */
function soapHeaders(exheaders: IHeaders | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(exheaders ?? {})) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
  }
  return headers;
}
