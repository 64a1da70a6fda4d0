/**
 * The host simulator: a children's services case system that takes MASH products on loopback,
 * as contracts/host/README.md describes the host API.
 *
 * Why this file exists: the publisher must be proven against a real HTTP server that keeps the
 * idempotency contract (201 the first time a key is seen, 200 for a replay of the same body,
 * 422 for the key reused with another body), checks what arrives against the contract (400
 * with the failing paths, 415 for another media type, 413 for an oversized body), enforces
 * bearer tokens (its own OAuth2 token endpoint, or static tokens), and fails on demand: a status
 * for the next N deliveries or all of them, and latency. Latency delays the answer, not the
 * work — as a real host may commit and then answer too late — so a timed-out publication that
 * is retried must come back as a replay, not a second product.
 *
 * Endpoints: `POST /mash-products`; `POST /oauth2/token` when started with `auth`; and, so that
 * whoever runs the embedded gateway or the end-to-end walkthrough can see over HTTP what the host
 * received, `GET /mash-products` (the keys held, with their delivery counts) and
 * `GET /mash-products/{key}` (that product version as first received). Reads need the same
 * bearer token as deliveries when the simulator has `auth`.
 * Synthetic data only; bodies are kept in memory for the test to read, never logged.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { err, ok, type Result } from '../../src/lib/result.ts';
import { listen } from '../common/http.ts';
import { createTokenIssuer, type SimulatorAuth, type TokenIssuer } from '../health/oauth.ts';
import { HostFhirDocument, HostProduct } from './contract.ts';

export type { SimulatorAuth, SimulatorClient } from '../health/oauth.ts';

/** Options of `startHostSimulator`. */
export interface HostSimulatorOptions {
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** When given, `/mash-products` needs a bearer token from `/oauth2/token` or `staticTokens`. */
  readonly auth?: SimulatorAuth;
  /** The token issuer's clock, in ms (default Date.now): a test moves it on to expire tokens. */
  readonly now?: () => number;
}

/** Which body a delivery carried, by its media type. */
export type HostFormat = 'rest' | 'fhir';

/** One product version the host holds: one entry per distinct idempotency key. */
export interface ReceivedProduct {
  readonly key: string;
  readonly format: HostFormat;
  /** The body as first received, parsed. */
  readonly body: unknown;
  /** Deliveries accepted for this key: 1 for the first, plus one per replay. */
  readonly count: number;
}

/** Faults for `POST /mash-products`. `{}` clears them. */
export const HostFaults = z
  .object({
    /** Answer with this status instead of taking the product: every delivery, or the next `failNext`. */
    status: z.number().int().min(100).max(599).optional(),
    /** Answer each delivery this much later; the delivery is handled (and taken, unless failing) first. */
    latencyMs: z.number().int().min(0).max(120_000).optional(),
    /** Fail only the next N deliveries, with `status` (default 503). */
    failNext: z.number().int().min(0).optional(),
  })
  .strict();
export type HostFaults = z.input<typeof HostFaults>;

/** A running host simulator. */
export interface HostSimulator {
  /** Base URL, e.g. http://127.0.0.1:43127 (no trailing slash); products go to `${url}/mash-products`. */
  readonly url: string;
  readonly tokenUrl: string;
  /** What the host holds, in order of first receipt. */
  received(): ReceivedProduct[];
  /** Every `POST /mash-products` that reached the host, whatever it answered. */
  deliveries(): number;
  setFaults(faults: HostFaults): void;
  close(): Promise<void>;
}

const PRODUCTS_PATH = '/mash-products';
const TOKEN_PATH = '/oauth2/token';
const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** `<productId>-v<version>`, product id of RFC 3986 unreserved characters. */
const KEY_PATTERN = /^[A-Za-z0-9._~-]{1,200}-v[1-9]\d{0,8}$/;
const MEDIA_TYPES: Readonly<Record<string, HostFormat>> = { 'application/json': 'rest', 'application/fhir+json': 'fhir' };

interface Held {
  readonly key: string;
  readonly format: HostFormat;
  readonly body: unknown;
  readonly canonicalHash: string;
  count: number;
}

interface State {
  readonly held: Map<string, Held>;
  deliveries: number;
  faults: z.infer<typeof HostFaults>;
  /** Set once the address (and so the token URL) is known. */
  issuer: TokenIssuer | undefined;
  readonly closing: AbortSignal;
}

type Reply = { readonly status: number; readonly body: unknown; readonly headers?: Readonly<Record<string, string>> };

/** Starts the simulator; resolves once it listens. */
export async function startHostSimulator(options: HostSimulatorOptions = {}): Promise<HostSimulator> {
  const closing = new AbortController();
  const state: State = { held: new Map(), deliveries: 0, faults: {}, issuer: undefined, closing: closing.signal };
  const server = createServer((req, res) => {
    handle(req, state)
      .then((reply) => {
        send(res, reply);
      })
      .catch(() => {
        // A bug in the simulator: answer 500 rather than leave the client hanging.
        if (!res.headersSent) send(res, problem(500, 'simulator error'));
        else res.destroy();
      });
  });
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('host simulator: no TCP address');
  const url = `http://${formatHost(address)}:${address.port}`;
  const tokenUrl = `${url}${TOKEN_PATH}`;
  if (options.auth !== undefined) state.issuer = createTokenIssuer(options.auth, tokenUrl, options.now);

  return {
    url,
    tokenUrl,
    received: () => [...state.held.values()].map(({ key, format, body, count }) => ({ key, format, body: structuredClone(body), count })),
    deliveries: () => state.deliveries,
    setFaults(faults) {
      state.faults = HostFaults.parse(faults);
    },
    async close() {
      closing.abort();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
    },
  };
}

async function handle(req: IncomingMessage, state: State): Promise<Reply> {
  const path = new URL(req.url ?? '/', 'http://host.invalid').pathname;
  const method = req.method ?? 'GET';
  if (path === TOKEN_PATH) return tokenReply(req, state, method);
  // Keys are RFC 3986 unreserved characters, so the path segment needs no decoding.
  const heldKey = path.startsWith(`${PRODUCTS_PATH}/`) ? path.slice(PRODUCTS_PATH.length + 1) : undefined;
  if (path !== PRODUCTS_PATH && heldKey === undefined) return problem(404, 'no such endpoint');
  const allowed = heldKey === undefined ? 'GET, POST' : 'GET';
  if (method !== 'POST' && method !== 'GET') return { ...problem(405, `use ${allowed}`), headers: { allow: allowed } };
  if (heldKey !== undefined && method !== 'GET') return { ...problem(405, 'use GET'), headers: { allow: allowed } };
  if (state.issuer !== undefined && !state.issuer.accepts(req.headers.authorization)) {
    return { ...problem(401, 'a valid bearer token is required'), headers: { 'www-authenticate': 'Bearer' } };
  }
  if (method === 'GET') return heldReply(state, heldKey);

  state.deliveries += 1;
  const faults = state.faults;
  let reply: Reply;
  if (faults.failNext !== undefined && faults.failNext > 0) {
    state.faults = { ...faults, failNext: faults.failNext - 1 };
    await drain(req);
    reply = problem(faults.status ?? 503, 'simulated failure');
  } else if (faults.status !== undefined && faults.failNext === undefined) {
    await drain(req);
    reply = problem(faults.status, 'simulated failure');
  } else {
    reply = await takeProduct(req, state);
  }
  // Latency delays the answer, not the work: the product is already taken, as a slow host
  // that commits and then answers after the client gave up.
  if (faults.latencyMs !== undefined && faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal: state.closing }).catch(() => undefined);
  return reply;
}

/** Checks a delivery against the contract and takes it, idempotently by key. */
async function takeProduct(req: IncomingMessage, state: State): Promise<Reply> {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const format = MEDIA_TYPES[mediaType];
  if (format === undefined) {
    await drain(req);
    return problem(415, 'send application/json (REST) or application/fhir+json (FHIR)');
  }
  // The key is an sf-string in the IETF draft ("..."); the host API also takes it bare.
  const header = req.headers['idempotency-key'];
  const key = (typeof header === 'string' ? header : '').replace(/^"(.*)"$/, '$1');
  if (key === '') {
    await drain(req);
    return problem(400, 'the Idempotency-Key header is required');
  }
  if (!KEY_PATTERN.test(key)) {
    await drain(req);
    return problem(400, 'the Idempotency-Key must be <productId>-v<version>');
  }
  const raw = await readBody(req);
  if (raw === undefined) return problem(413, `the body exceeds ${MAX_BODY_BYTES} bytes`);
  const digest = req.headers['content-digest'];
  if (digest !== undefined && digest !== `sha-256=:${createHash('sha256').update(raw).digest('base64')}:`) {
    return problem(400, 'the Content-Digest does not match the body');
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    return problem(400, 'the body is not JSON');
  }

  const checked = checkBody(format, json);
  if (!checked.ok) return problem(400, 'the body does not match the host contract', { 'invalid-params': checked.error });
  if (checked.value !== key) return problem(400, 'the Idempotency-Key does not name the product version in the body');

  const canonicalHash = createHash('sha256').update(canonicalJson(json)).digest('hex');
  const held = state.held.get(key);
  if (held !== undefined) {
    if (held.canonicalHash !== canonicalHash || held.format !== format) {
      // draft-ietf-httpapi-idempotency-key-header: a key reused with another payload is 422.
      return problem(422, 'this Idempotency-Key was used with a different body');
    }
    held.count += 1;
    return { status: 200, body: { idempotencyKey: key, duplicate: true } };
  }
  state.held.set(key, { key, format, body: json, canonicalHash, count: 1 });
  return { status: 201, body: { idempotencyKey: key, duplicate: false } };
}

/** What the host holds: the list of keys, or one product version as first received. */
function heldReply(state: State, key: string | undefined): Reply {
  if (key === undefined) {
    return { status: 200, body: { products: [...state.held.values()].map((held) => ({ key: held.key, format: held.format, count: held.count })) } };
  }
  const held = state.held.get(key);
  return held === undefined ? problem(404, 'the host holds no product version with this key') : { status: 200, body: held.body };
}

/** A field the host contract refuses: its path and zod's message, never a value from the body. */
interface InvalidParam {
  readonly name: string;
  readonly reason: string;
}

/** The Idempotency-Key the body names, or the fields the host contract refuses. */
function checkBody(format: HostFormat, json: unknown): Result<string, readonly InvalidParam[]> {
  const invalid = (issues: readonly z.core.$ZodIssue[]): Result<string, readonly InvalidParam[]> =>
    err(issues.slice(0, 20).map((issue) => ({ name: issue.path.join('.'), reason: issue.message })));
  switch (format) {
    case 'rest': {
      const parsed = HostProduct.safeParse(json);
      return parsed.success ? ok(`${parsed.data.productId}-v${parsed.data.version}`) : invalid(parsed.error.issues);
    }
    case 'fhir': {
      const parsed = HostFhirDocument.safeParse(json);
      return parsed.success ? ok(parsed.data.identifier.value) : invalid(parsed.error.issues);
    }
    default:
      return format satisfies never;
  }
}

async function tokenReply(req: IncomingMessage, state: State, method: string): Promise<Reply> {
  const headers = { 'cache-control': 'no-store' };
  if (method !== 'POST') return { status: 405, body: { error: 'invalid_request', error_description: 'use POST' }, headers };
  if (state.issuer === undefined) return { status: 400, body: { error: 'unauthorized_client', error_description: 'this simulator was started without auth' }, headers };
  const raw = await readBody(req);
  if (raw === undefined) return { status: 400, body: { error: 'invalid_request', error_description: 'body too large' }, headers };
  const outcome = await state.issuer.issue(new URLSearchParams(raw.toString('utf8')), req.headers.authorization);
  return { status: outcome.status, body: outcome.body, headers };
}

/** JSON with object keys sorted, so a replay re-serialised in another key order still matches. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** An RFC 9457 problem document; `extensions` carry paths and rules, never body values. */
function problem(status: number, detail: string, extensions: Readonly<Record<string, unknown>> = {}): Reply {
  return { status, body: { type: 'about:blank', status, detail, ...extensions } };
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  const isProblem = reply.status >= 400;
  const bytes = Buffer.from(JSON.stringify(reply.body), 'utf8');
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': isProblem ? 'application/problem+json' : 'application/json',
    'content-length': String(bytes.length),
  });
  res.end(bytes);
}

/** The request body, or undefined when it passes the limit (the rest is read and dropped, so the 413 can be sent). */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const piece = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += piece.length;
    if (size <= MAX_BODY_BYTES) chunks.push(piece);
  }
  return size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks);
}

/** Reads and drops a body we will not use, so the connection stays usable. */
async function drain(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}

function formatHost(address: AddressInfo): string {
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}
