/**
 * Publication of a product version to the host children's services case system:
 * one `POST {base}/mash-products` with an `Idempotency-Key`, as REST JSON or as a FHIR R4
 * document Bundle (contracts/host/README.md).
 *
 * Why this file exists: the outbox that drives publication must know, for every attempt,
 * whether the host has the product (delivered — first time or a replay), whether to try again
 * later (5xx, 408/409/425/429, timeouts, unreachable, a token endpoint that is down), or
 * whether trying again cannot help (other 4xx, refused credentials, a redirect, a product that
 * cannot be sent). Those are values, never exceptions (CONVENTIONS.md §3). Retrying is safe
 * because the key names the product version: a host that already has it answers 200.
 *
 * The HTTP goes through the agency adapters' bounded transport (src/adapters/http/exchange.ts):
 * one deadline for token and POST together, response bodies streamed and capped, redirects
 * refused (they could carry our token elsewhere), and an orchestration per call with the
 * redacted URL, status and duration. The product body is never logged, never put in an
 * orchestration or a reason, and the host's response body is read (bounded) and dropped: its
 * text is the host's and may echo ours.
 */
import { createHash } from 'node:crypto';
import { Product } from '../model/product.ts';
import type { Orchestration } from '../model/lookup.ts';
import { canonicalJson } from '../lib/canonical-json.ts';
import { ok } from '../lib/result.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import type { Codes } from '../lib/errors.ts';
// The shared bounded transport and token handling (.dependency-cruiser.cjs allows host → adapters/http).
import type { AdapterFailure, ConnectorAuth } from '../adapters/port.ts';
import { authorize, createTokenCache, forgetToken } from '../adapters/http/auth.ts';
import { exchangeWith, type BodyDecoder, type HttpEnvironment } from '../adapters/http/exchange.ts';
import { productToFhirDocument } from './fhir-document.ts';

/** The two bodies a host can take: the REST JSON product, or a FHIR R4 document Bundle. */
export type PublishFormat = 'rest' | 'fhir';

/** Content-Type of each format's body. */
export const HOST_MEDIA_TYPE: Readonly<Record<PublishFormat, string>> = { rest: 'application/json', fhir: 'application/fhir+json' };

/** The host endpoint, below its base URL. */
export const HOST_PRODUCTS_PATH = '/mash-products';

/** Where and how to reach one host. Secrets in `auth` arrive resolved; never logged. */
export interface HostSettings {
  readonly baseUrl: string;
  readonly auth: ConnectorAuth;
  /** Budget for the whole attempt: token request and POST together. */
  readonly timeoutMs: number;
  /** Largest response body read, in bytes; the status line decides the outcome either way. */
  readonly maxResponseBytes: number;
}

/** Stable codes of the attempts that did not deliver (from the one list, src/lib/errors.ts). */
export type HostFailureCode = Codes<
  | 'HOST.TIMEOUT'
  | 'HOST.CANCELLED'
  | 'HOST.UNREACHABLE'
  | 'HOST.UNAVAILABLE'
  | 'HOST.REFUSED'
  | 'HOST.AUTH_FAILED'
  | 'HOST.REDIRECTED'
  | 'HOST.MISCONFIGURED'
  | 'HOST.INVALID_PRODUCT'
>;

/**
 * What one attempt came to. `orchestrations` lists every outbound call (token and POST) as
 * redacted metadata — never a body. `status` is the host's HTTP status, when it answered.
 */
export type PublishOutcome =
  | { readonly kind: 'delivered'; readonly status: number; readonly duplicate: boolean; readonly orchestrations: readonly Orchestration[] }
  | {
      readonly kind: 'retry';
      readonly code: HostFailureCode;
      readonly reason: string;
      readonly status: number | null;
      /** From the host's Retry-After, when it sent one (RFC 9110 §10.2.3). */
      readonly retryAfterMs?: number;
      readonly orchestrations: readonly Orchestration[];
    }
  | { readonly kind: 'rejected'; readonly code: HostFailureCode; readonly reason: string; readonly status: number | null; readonly orchestrations: readonly Orchestration[] };

/** How a publisher is made: its body format, and (for tests) its fetch and clock. */
export interface HostPublisherOptions {
  readonly format: PublishFormat;
  /** Default: the global fetch. Tests inject their own. */
  readonly fetch?: typeof globalThis.fetch;
  readonly clock?: Clock;
}

/** Per-attempt context from the caller. */
export interface PublishContext {
  /** Cancels the attempt (shutdown): the outcome is a retry with code HOST.CANCELLED. */
  readonly signal?: AbortSignal;
}

/** Publishes product versions to one kind of host. Holds an OAuth token cache; make one per host in the composition root. */
export interface HostPublisher {
  readonly format: PublishFormat;
  publish(product: Product, settings: HostSettings, context?: PublishContext): Promise<PublishOutcome>;
}

/** The Idempotency-Key of a product version: `<productId>-v<version>` (no ':', safe as a job id too). */
export function idempotencyKey(product: Pick<Product, 'productId' | 'version'>): string {
  return `${product.productId}-v${product.version}`;
}

/** Characters an Idempotency-Key may hold: RFC 3986 unreserved, so it needs no quoting anywhere. */
const KEY_PATTERN = /^[A-Za-z0-9._~-]{1,200}$/;

/**
 * The body sent for a format: the product's JSON, or its FHIR document Bundle. One byte sequence
 * per product version, however the product was stored and reloaded (jsonb reorders object keys):
 * a host may compare a replay with the original by Content-Digest, and a different body under
 * the same key is a 422. So the REST body is canonical JSON (keys sorted at every level, as RFC
 * 8785 orders them), and the FHIR document is built in a fixed order (fhir-narrative.ts sorts
 * item fields).
 */
export function serializeProduct(product: Product, format: PublishFormat): string {
  switch (format) {
    case 'rest':
      return canonicalJson(product);
    case 'fhir':
      return JSON.stringify(productToFhirDocument(product));
    default:
      return format satisfies never;
  }
}

/** The host's body is never kept: read within bounds, then dropped. */
const dropBody: BodyDecoder<undefined> = () => ok(undefined);

const ACCEPT: Readonly<Record<PublishFormat, string>> = {
  rest: 'application/json, application/problem+json',
  fhir: 'application/fhir+json, application/json',
};

/** Makes a publisher for one body format. */
export function createHostPublisher(options: HostPublisherOptions): HostPublisher {
  const clock = options.clock ?? systemClock;
  const fetchImpl = options.fetch ?? ((input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init));
  const tokens = createTokenCache();

  async function publish(product: Product, settings: HostSettings, context?: PublishContext): Promise<PublishOutcome> {
    const orchestrations: Orchestration[] = [];
    const done = (outcome: PublishOutcome): PublishOutcome => ({ ...outcome, orchestrations: [...orchestrations] });
    const refuse = (code: HostFailureCode, reason: string): PublishOutcome => done({ kind: 'rejected', code, reason, status: null, orchestrations });

    const parsed = Product.safeParse(product);
    if (!parsed.success) {
      const where = parsed.error.issues[0]?.path.join('.') ?? '';
      return refuse('HOST.INVALID_PRODUCT', `the product does not match its schema${where === '' ? '' : ` at ${where}`}`);
    }
    const key = idempotencyKey(parsed.data);
    if (!KEY_PATTERN.test(key)) return refuse('HOST.INVALID_PRODUCT', 'the product id cannot form an Idempotency-Key (letters, digits, ".", "_", "~", "-")');
    const url = productsUrl(settings.baseUrl);
    if (url === undefined) return refuse('HOST.MISCONFIGURED', 'the host base URL is not an http(s) URL');
    if (settings.auth.kind === 'ws-security') return refuse('HOST.MISCONFIGURED', 'WS-Security does not apply to the host API; use bearer or OAuth2');

    const body = serializeProduct(parsed.data, options.format);
    const deadline = AbortSignal.timeout(settings.timeoutMs);
    const signal = context?.signal === undefined ? deadline : AbortSignal.any([deadline, context.signal]);
    let retryAfter: string | null = null;
    const env: HttpEnvironment = {
      // Wrapped only to see Retry-After: the transport hands back status and body, not headers.
      fetch: async (input: string | URL | Request, init?: RequestInit) => {
        const response = await fetchImpl(input, init);
        retryAfter = response.headers.get('retry-after');
        return response;
      },
      clock,
      orchestrations,
      abortKind: () => (deadline.aborted ? 'timeout' : 'cancelled'),
    };

    let auth = await authorize(settings.auth, tokens, { signal, env });
    for (let attempt = 1; ; attempt += 1) {
      if (!auth.ok) return done(authFailure(auth.error, orchestrations));
      const headers: Record<string, string> = {
        'content-type': HOST_MEDIA_TYPE[options.format],
        accept: ACCEPT[options.format],
        'idempotency-key': key,
        // RFC 9530: lets the host check the body arrived whole, and compare replays cheaply.
        'content-digest': `sha-256=:${createHash('sha256').update(body, 'utf8').digest('base64')}:`,
      };
      if (auth.value.header !== undefined) headers.authorization = auth.value.header;
      const result = await exchangeWith({ name: 'Publish product', method: 'POST', url, headers, body, signal, maxBytes: settings.maxResponseBytes }, env, dropBody);
      const status = result.ok ? result.value.status : result.error.status;
      if (status === null) return done(transportFailure(result.ok ? undefined : result.error.failure));
      if (status === 401 && auth.value.fromCache && attempt === 1) {
        // The host refused a cached token (revoked, or clocks differ): fetch a fresh one, once.
        forgetToken(settings.auth, tokens);
        auth = await authorize(settings.auth, tokens, { signal, env, forceRefresh: true });
        continue;
      }
      // Once the host has answered, its status decides: a body cut off by the size limit or
      // the deadline does not undo a 201.
      return done(outcomeOfStatus(status, retryAfter, clock));
    }
  }

  return { format: options.format, publish };
}

/** `{base}/mash-products`, or undefined when the base is not an http(s) URL. */
function productsUrl(baseUrl: string): string | undefined {
  try {
    const url = new URL(baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  } catch {
    return undefined;
  }
  return `${baseUrl.replace(/\/+$/, '')}${HOST_PRODUCTS_PATH}`;
}

/**
 * The outcome of an answer from the host (contracts/host/README.md "Answers"). The idempotency
 * key draft (draft-ietf-httpapi-idempotency-key-header) has 409 for "the first request with this
 * key is still being processed" (retry) and 422 for "this key was used with another body"
 * (permanent). `orchestrations` is left empty for the caller to fill.
 */
export function outcomeOfStatus(status: number, retryAfter: string | null, clock: Clock = systemClock): PublishOutcome {
  const orchestrations: readonly Orchestration[] = [];
  if (status >= 200 && status < 300) return { kind: 'delivered', status, duplicate: status === 200, orchestrations };
  if (status >= 300 && status < 400) {
    return { kind: 'rejected', code: 'HOST.REDIRECTED', reason: `the host answered with a redirect (HTTP ${status}); check its base URL`, status, orchestrations };
  }
  if (status === 401 || status === 403) {
    return { kind: 'rejected', code: 'HOST.AUTH_FAILED', reason: `the host refused our credentials (HTTP ${status})`, status, orchestrations };
  }
  const retryAfterMs = parseRetryAfter(retryAfter, clock);
  const retry = (reason: string): PublishOutcome => ({
    kind: 'retry',
    code: 'HOST.UNAVAILABLE',
    reason,
    status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    orchestrations,
  });
  if (status === 408 || status === 425 || status === 429) return retry(`the host asked us to try later (HTTP ${status})`);
  if (status === 409) return retry('the host is still processing an earlier delivery of this version (HTTP 409)');
  if (status >= 400 && status < 500) return { kind: 'rejected', code: 'HOST.REFUSED', reason: `the host refused the product (HTTP ${status})`, status, orchestrations };
  return retry(`the host failed to take the product (HTTP ${status})`);
}

/** Retry-After as milliseconds from now: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
function parseRetryAfter(value: string | null, clock: Clock): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d{1,9}$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - clock.now().getTime());
}

/** No answer from the host: nothing says it has the product, and nothing says it refused it. */
function transportFailure(failure: AdapterFailure | undefined): PublishOutcome {
  const orchestrations: readonly Orchestration[] = [];
  if (failure === undefined) return { kind: 'retry', code: 'HOST.UNAVAILABLE', reason: 'the host gave no answer', status: null, orchestrations };
  switch (failure.kind) {
    case 'timeout':
      return failure.code === 'ADAPTER.CANCELLED'
        ? { kind: 'retry', code: 'HOST.CANCELLED', reason: 'the attempt was cancelled before the host answered', status: null, orchestrations }
        : { kind: 'retry', code: 'HOST.TIMEOUT', reason: 'the host did not answer within the timeout', status: null, orchestrations };
    case 'unreachable':
      return { kind: 'retry', code: 'HOST.UNREACHABLE', reason: 'could not connect to the host', status: null, orchestrations };
    case 'http-error':
    case 'protocol-error':
    case 'malformed-response':
    case 'too-large':
    case 'auth-failed':
      return { kind: 'retry', code: 'HOST.UNAVAILABLE', reason: failure.reason, status: null, orchestrations };
    default:
      return failure.kind satisfies never;
  }
}

/**
 * A token could not be had. A refusal by the token endpoint (4xx) or a misconfiguration cannot
 * heal by waiting; a token endpoint that timed out, was unreachable or failed (5xx) can.
 */
function authFailure(failure: AdapterFailure, orchestrations: readonly Orchestration[]): PublishOutcome {
  if (failure.code === 'ADAPTER.AUTH_MISCONFIGURED') return { kind: 'rejected', code: 'HOST.MISCONFIGURED', reason: failure.reason, status: null, orchestrations: [] };
  if (failure.kind !== 'auth-failed') return transportFailure(failure);
  const tokenStatus = orchestrations.at(-1)?.status ?? null;
  if (tokenStatus === null || tokenStatus >= 500 || tokenStatus === 408 || tokenStatus === 429) {
    return { kind: 'retry', code: 'HOST.AUTH_FAILED', reason: failure.reason, status: null, orchestrations: [] };
  }
  return { kind: 'rejected', code: 'HOST.AUTH_FAILED', reason: failure.reason, status: null, orchestrations: [] };
}
