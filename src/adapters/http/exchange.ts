/**
 * One outbound HTTP exchange of an adapter: bounded, timed, recorded. Shared by every agency
 * adapter; the body decoder (JSON, or text for XML and SOAP) is the caller's choice.
 *
 * Why this file exists (and why the health adapter does not let fhir-kit-client do its HTTP):
 * fhir-kit-client 2 calls the global `fetch` (so the port's injected `fetch` cannot reach it),
 * reads every body whole with `response.text()` (no size bound: a hostile or broken server
 * could exhaust memory before any check ran), copies raw body text into the errors it throws,
 * and follows `next` links to any host with our Authorization header attached. Each of those
 * is a rule of ours (DESIGN.md "Bad input gets a clear error", CONVENTIONS.md anti-patterns),
 * so the exchange lives here: the body is streamed and cut off at `maxResponseBytes`, the
 * deadline signal aborts header wait and body read alike, redirects are refused, and the
 * orchestration keeps method, redacted URL, status and duration — never a body.
 */
import type { AdapterFailure, AdapterFailureCode, AdapterFailureKind, Orchestration } from '../port.ts';
import type { Clock } from '../../lib/clock.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import { redactUrl } from './redact.ts';

/** What one call needs. `signal` carries the whole-lookup deadline and any caller cancellation. */
export interface HttpCall {
  /** Orchestration name, e.g. "Patient search" — no personal data. */
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  readonly signal: AbortSignal;
  readonly maxBytes: number;
}

/** What the adapter's environment gives every call. */
export interface HttpEnvironment {
  readonly fetch: typeof globalThis.fetch;
  readonly clock: Clock;
  /** Why `signal` fired: the lookup deadline (timeout) or the caller (cancelled). */
  readonly abortKind: () => 'timeout' | 'cancelled';
  /** Where each call's orchestration is appended. */
  readonly orchestrations: Orchestration[];
}

/** A response that arrived whole, within bounds, decoded. `T` is still unparsed outside data. */
export interface HttpResponseOf<T> {
  readonly status: number;
  readonly contentType: string;
  readonly body: T;
  /** The agency's `Retry-After`, in ms from now, when it sent one (RFC 9110 §10.2.3). */
  readonly retryAfterMs?: number | undefined;
}

/**
 * A call that gave no usable response: the failure, and the HTTP status when a status line
 * arrived before it failed (the host publisher decides by the status alone).
 */
export interface ExchangeFailure {
  readonly failure: AdapterFailure;
  readonly status: number | null;
}

/** A JSON response, as the FHIR and REST adapters use it. */
export interface HttpResponse {
  readonly status: number;
  readonly json: unknown;
  /** The agency's `Retry-After`, in ms from now, when it sent one (RFC 9110 §10.2.3). */
  readonly retryAfterMs?: number | undefined;
}

/**
 * Turns a whole body into `T`, or names why it cannot. Runs before the orchestration is
 * recorded, so a decoding failure is part of the call's record. `ok` is the HTTP status class.
 */
export type BodyDecoder<T> = (text: string, response: DecodedResponseHead, callName: string) => Result<T, AdapterFailure>;

/** What a body decoder knows of the response besides its body. */
export interface DecodedResponseHead {
  readonly status: number;
  readonly ok: boolean;
  readonly contentType: string;
  readonly retryAfterMs?: number | undefined;
}

const CODE_BY_KIND: Readonly<Record<AdapterFailureKind, AdapterFailureCode>> = {
  timeout: 'ADAPTER.TIMEOUT',
  'http-error': 'ADAPTER.HTTP_ERROR',
  'protocol-error': 'ADAPTER.PROTOCOL_ERROR',
  'malformed-response': 'ADAPTER.MALFORMED_RESPONSE',
  'too-large': 'ADAPTER.TOO_LARGE',
  'auth-failed': 'ADAPTER.AUTH_FAILED',
  unreachable: 'ADAPTER.UNREACHABLE',
};

/** An expected failure as a value, with the stable code of its kind. */
export function adapterFailure(kind: AdapterFailureKind, reason: string, code?: AdapterFailureCode): AdapterFailure {
  return { kind, code: code ?? CODE_BY_KIND[kind], reason };
}

/**
 * The statuses that say "not now" rather than "not this" (RFC 9110 §15.6.3–15.6.5, RFC 6585 §4):
 * a gateway that got no good answer, a service briefly unavailable or overloaded, a gateway
 * timeout, and too many requests. Every other status repeats itself when the request does.
 */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** The longest `Retry-After` honoured: an agency asking for more is treated as down, not waited on. */
export const RETRY_AFTER_MAX_MS = 3_600_000;

/**
 * The failure an unsuccessful HTTP status stands for: an authentication failure (401, 403) or an
 * HTTP error, marked transient for 429, 502, 503 and 504 with the agency's `Retry-After`.
 */
export function statusFailure(status: number, reason: string, retryAfterMs?: number): AdapterFailure {
  const failure = adapterFailure(failureKindForStatus(status), reason);
  return TRANSIENT_STATUSES.has(status) ? { ...failure, transient: retryAfterMs === undefined ? {} : { retryAfterMs } } : failure;
}

/**
 * A `Retry-After` value in ms from `now` (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date
 * (a date in the past means "now"). Undefined when absent or unreadable; capped at
 * {@link RETRY_AFTER_MAX_MS}.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) return Math.min(Number(text) * 1000, RETRY_AFTER_MAX_MS);
  // An HTTP-date (IMF-fixdate, or the obsolete forms Date.parse also reads).
  if (!/^[A-Za-z]{3},? /.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(at - now.getTime(), 0), RETRY_AFTER_MAX_MS);
}

/** Reading a body failed for a reason we name; other throws are rethrown as bugs. */
class BodyTooLarge extends Error {
  constructor() {
    super('body too large');
    this.name = 'BodyTooLarge';
  }
}

/**
 * Makes one JSON call and records its orchestration. Never throws for an expected failure:
 * network errors, aborts, oversize and non-JSON bodies come back as failures.
 * Non-2xx responses with a JSON body come back as values with their status, so the
 * caller can read an OperationOutcome; non-2xx responses without one fail here.
 */
export async function exchange(call: HttpCall, env: HttpEnvironment): Promise<Result<HttpResponse, ExchangeFailure>> {
  const result = await exchangeWith(call, env, decodeJson);
  return result.ok ? ok({ status: result.value.status, json: result.value.body, retryAfterMs: result.value.retryAfterMs }) : result;
}

/** The JSON decoder: XML, HTML and broken JSON are refused, never parsed or echoed. */
export const decodeJson: BodyDecoder<unknown> = (text, response, callName) => {
  const statusPhrase = `HTTP ${response.status}`;
  if (text.trimStart().startsWith('<')) {
    // DOCTYPE, XML or an HTML error page from a proxy: never parsed, never echoed.
    return response.ok
      ? err(adapterFailure('malformed-response', `${callName}: expected JSON, got XML or HTML`))
      : err(statusFailure(response.status, `${callName}: ${statusPhrase} with a non-JSON body`, response.retryAfterMs));
  }
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return response.ok
      ? err(adapterFailure('malformed-response', `${callName}: response is not valid JSON`))
      : err(statusFailure(response.status, `${callName}: ${statusPhrase} with a non-JSON body`, response.retryAfterMs));
  }
};

/** The text decoder, for XML and SOAP adapters that parse (and refuse DOCTYPEs) themselves. */
export const decodeText: BodyDecoder<string> = (text) => ok(text);

/** Makes one call, decodes its body with `decode`, and records its orchestration. */
export async function exchangeWith<T>(call: HttpCall, env: HttpEnvironment, decode: BodyDecoder<T>): Promise<Result<HttpResponseOf<T>, ExchangeFailure>> {
  const startedAt = env.clock.now().toISOString();
  const started = performance.now();
  let status: number | null = null;
  const finish = (result: Result<HttpResponseOf<T>, ExchangeFailure>): Result<HttpResponseOf<T>, ExchangeFailure> => {
    const orchestration: Orchestration = {
      name: call.name,
      method: call.method,
      url: redactUrl(call.url),
      status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      startedAt,
      ...(result.ok ? {} : { error: `${result.error.failure.code}: ${result.error.failure.reason}` }),
    };
    env.orchestrations.push(orchestration);
    return result;
  };
  const failWith = (failure: AdapterFailure): Result<HttpResponseOf<T>, ExchangeFailure> => finish(err({ failure, status }));
  const fail = (kind: AdapterFailureKind, reason: string, code?: AdapterFailureCode): Result<HttpResponseOf<T>, ExchangeFailure> => failWith(adapterFailure(kind, reason, code));

  if (call.signal.aborted) {
    // Never sent (the lookup had already ended): nothing went out, so nothing is recorded.
    const kind = env.abortKind();
    return err({ status: null, failure: adapterFailure('timeout', `${call.name}: ${kind === 'timeout' ? 'lookup deadline reached' : 'lookup cancelled'}`, kind === 'timeout' ? undefined : 'ADAPTER.CANCELLED') });
  }
  let response: Response;
  try {
    response = await env.fetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body,
      signal: call.signal,
      // A redirect could carry our credentials to another origin; agency APIs do not need one.
      redirect: 'manual',
    });
  } catch {
    if (call.signal.aborted) return abortFailure(call, env, fail);
    // Refused, reset or unresolvable: the agency (or the way to it) may be back in a moment.
    return failWith({ ...adapterFailure('unreachable', `${call.name}: could not connect to the agency system`), transient: {} });
  }
  status = response.status;

  if (response.status >= 300 && response.status < 400) {
    await discard(response);
    return fail('protocol-error', `${call.name}: unexpected redirect (HTTP ${response.status})`);
  }

  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > call.maxBytes) {
    await discard(response);
    return fail('too-large', `${call.name}: response of ${declared} bytes exceeds the limit of ${call.maxBytes}`);
  }

  let text: string;
  try {
    text = await readBounded(response, call.maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge) return fail('too-large', `${call.name}: response exceeds the limit of ${call.maxBytes} bytes`);
    if (call.signal.aborted) return abortFailure(call, env, fail);
    if (error instanceof TypeError) return fail('malformed-response', `${call.name}: response body is not valid UTF-8 or was cut off`);
    throw error;
  }

  const contentType = response.headers.get('content-type') ?? '';
  const retryAfterMs = response.ok ? undefined : parseRetryAfter(response.headers.get('retry-after'), env.clock.now());
  const decoded = decode(text, { status: response.status, ok: response.ok, contentType, retryAfterMs }, call.name);
  if (!decoded.ok) return failWith(decoded.error);
  return finish(ok({ status: response.status, contentType, body: decoded.value, retryAfterMs }));
}

/** 401 and 403 are authentication failures; any other non-2xx is an HTTP error. */
export function failureKindForStatus(status: number): AdapterFailureKind {
  return status === 401 || status === 403 ? 'auth-failed' : 'http-error';
}

function abortFailure<R>(call: HttpCall, env: HttpEnvironment, fail: (kind: AdapterFailureKind, reason: string, code?: AdapterFailureCode) => R): R {
  return env.abortKind() === 'timeout'
    ? fail('timeout', `${call.name}: lookup deadline reached`)
    : fail('timeout', `${call.name}: lookup cancelled`, 'ADAPTER.CANCELLED');
}

/** Streams the body, stopping (and cancelling the stream) as soon as it passes `maxBytes`. */
async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (response.body === null) return '';
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const parts: string[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BodyTooLarge();
    }
    parts.push(decoder.decode(value, { stream: true }));
  }
  parts.push(decoder.decode());
  return parts.join('');
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
