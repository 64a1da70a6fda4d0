/**
 * The education agency simulator: a local authority pupil database on loopback, answering the
 * pupil search of contracts/education/ with CTF-shaped XML.
 *
 * Why this file exists: the education adapter must be proven against real search semantics
 * (UPN exact, fuzzy surname, forename, date of birth, postcode; search.ts), real paging, real
 * HTTP behaviour (slow, hanging, oversized, broken and hostile responses) and real
 * authorisation (static bearer tokens, HTTP Basic, or OAuth2 client credentials through the
 * health simulator's token issuer), not against hand-written mocks.
 *
 * Endpoints: `GET /pupils?upn=|surname=&forename=&dob=&postcode=&fuzzy=&pageSize=&page=`;
 * `POST /oauth2/token` (when OAuth2 clients are configured); `GET|POST|DELETE /_sim/faults`.
 * Synthetic data only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { timingSafeEqual } from 'node:crypto';
import type { Population } from '../population/index.ts';
import { createTokenIssuer, type SimulatorClient, type TokenIssuer } from '../health/oauth.ts';
import { educationRecords, pupilNode, searchErrorXml, searchResponseXml, type EducationRecords } from './ctf.ts';
import { EducationFaults, errorCodeForStatus, faultsApply, type ParsedEducationFaults } from './faults.ts';
import { malformedBody } from './hostile.ts';
import { createPupilIndex, parsePupilQuery, type PupilIndex } from './search.ts';

export type { EducationFaults } from './faults.ts';

/** How clients must authenticate; any one accepted credential lets a request through. */
export interface EducationSimulatorAuth {
  /** Static bearer tokens. */
  readonly bearerTokens?: readonly string[];
  /** HTTP Basic credentials. */
  readonly basic?: readonly { readonly username: string; readonly password: string }[];
  /** OAuth2 clients for `POST /oauth2/token` (client credentials); issued tokens are then accepted. */
  readonly clients?: readonly SimulatorClient[];
}

export interface EducationSimulatorOptions {
  readonly population: Population;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** When given, `/pupils` needs credentials. */
  readonly auth?: EducationSimulatorAuth;
  /** Largest page the server sends, whatever `pageSize` asks. Default 50. */
  readonly maxPageSize?: number;
}

/** A running simulator. */
export interface EducationSimulator {
  /** Base URL, e.g. http://127.0.0.1:43127 (no trailing slash). */
  readonly url: string;
  /** `${url}/oauth2/token`. */
  readonly tokenUrl: string;
  /** Replaces the current faults; `{}` clears them. */
  setFaults(faults: EducationFaults): void;
  close(): Promise<void>;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_REQUEST_BODY_BYTES = 64 * 1024;
const XML = 'application/xml; charset=utf-8';

interface ServerState {
  readonly records: EducationRecords;
  readonly index: PupilIndex;
  readonly maxPageSize: number;
  readonly auth: EducationSimulatorAuth | undefined;
  issuer: TokenIssuer | undefined;
  faults: ParsedEducationFaults;
  readonly closing: AbortSignal;
}

/** A response built before faults decide how (and whether) it is delivered. */
interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Starts the simulator; resolves once it listens. */
export async function startEducationSimulator(options: EducationSimulatorOptions): Promise<EducationSimulator> {
  const records = educationRecords(options.population);
  const closing = new AbortController();
  const state: ServerState = {
    records,
    index: createPupilIndex(records),
    maxPageSize: options.maxPageSize ?? 50,
    auth: options.auth,
    issuer: undefined,
    faults: {},
    closing: closing.signal,
  };
  const server = createServer((req, res) => {
    handle(req, res, state).catch(() => {
      // A bug in the simulator: answer 500 rather than leave the client hanging.
      if (!res.headersSent) send(res, errorReply(500, 'INTERNAL_ERROR', 'simulator error'));
      else res.destroy();
    });
  });
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('education simulator: no TCP address');
  const url = `http://${formatHost(address)}:${address.port}`;
  const tokenUrl = `${url}/oauth2/token`;
  if (options.auth !== undefined) {
    state.issuer = createTokenIssuer({ clients: options.auth.clients ?? [], staticTokens: options.auth.bearerTokens ?? [] }, tokenUrl);
  }
  return {
    url,
    tokenUrl,
    setFaults(next) {
      state.faults = EducationFaults.parse(next);
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

async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState): Promise<void> {
  const requestUrl = new URL(req.url ?? '/', 'http://simulator.invalid');
  const path = requestUrl.pathname.replace(/\/+$/, '');
  const method = req.method ?? 'GET';

  if (path === '/_sim/faults') {
    await controlFaults(req, res, state, method);
    return;
  }
  const isToken = path === '/oauth2/token';
  const faults = state.faults;
  const applies = faultsApply(faults, `${requestUrl.pathname}${requestUrl.search}`, !isToken);

  let reply: Reply;
  if (isToken) reply = await tokenReply(req, state, method, requestUrl);
  else if (path !== '/pupils') reply = errorReply(404, 'NOT_FOUND', 'the simulator serves /pupils only');
  else if (method !== 'GET') reply = { ...errorReply(405, 'INVALID_QUERY', 'use GET'), headers: { allow: 'GET' } };
  else if (!authorised(req.headers.authorization, state)) {
    reply = { ...errorReply(401, 'UNAUTHORISED', 'credentials are required'), headers: { 'www-authenticate': state.auth?.basic === undefined ? 'Bearer' : 'Basic realm="pupils"' } };
  } else reply = searchReply(requestUrl.searchParams, state);

  if (!applies) {
    send(res, reply);
    return;
  }
  await deliverWithFaults(res, reply, faults, state);
}

function authorised(header: string | undefined, state: ServerState): boolean {
  if (state.auth === undefined) return true;
  if (state.issuer?.accepts(header) === true) return true;
  if (header?.startsWith('Basic ') !== true) return false;
  const given = Buffer.from(header.slice(6).trim(), 'base64');
  return (state.auth.basic ?? []).some((b) => {
    const expected = Buffer.from(`${b.username}:${b.password}`, 'utf8');
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

function searchReply(params: URLSearchParams, state: ServerState): Reply {
  const parsed = parsePupilQuery(params);
  if (!parsed.ok) return errorReply(400, parsed.code, parsed.message);
  const { query } = parsed;
  const matches = state.index.search(query);
  const pageSize = Math.min(state.maxPageSize, query.pageSize ?? DEFAULT_PAGE_SIZE);
  const start = (query.page - 1) * pageSize;
  const pupils = matches.slice(start, start + pageSize).map((pupil) => pupilNode(state.records, pupil));
  const nextPage = start + pageSize < matches.length ? query.page + 1 : undefined;
  const body = searchResponseXml({ page: query.page, pageSize, total: matches.length, ...(nextPage === undefined ? {} : { nextPage }) }, pupils, state.records, new Date());
  return { status: 200, contentType: XML, body };
}

function errorReply(status: number, code: string, message: string): Reply {
  return { status, contentType: XML, body: searchErrorXml(code, message) };
}

async function tokenReply(req: IncomingMessage, state: ServerState, method: string, requestUrl: URL): Promise<Reply> {
  const json = (status: number, body: unknown): Reply => ({ status, contentType: 'application/json', body: JSON.stringify(body), headers: { 'cache-control': 'no-store' } });
  if (method !== 'POST') return json(405, { error: 'invalid_request', error_description: 'use POST' });
  if (state.issuer === undefined) return json(400, { error: 'unauthorized_client', error_description: 'this simulator was started without auth' });
  const body = await readBody(req);
  if (body === undefined) return json(400, { error: 'invalid_request', error_description: 'body too large' });
  const host = req.headers.host;
  const audience = host !== undefined && /^[A-Za-z0-9.:[\]-]{1,260}$/.test(host) ? `http://${host}${requestUrl.pathname}` : undefined;
  const outcome = await state.issuer.issue(new URLSearchParams(body), req.headers.authorization, audience);
  return json(outcome.status, outcome.body);
}

async function controlFaults(req: IncomingMessage, res: ServerResponse, state: ServerState, method: string): Promise<void> {
  const json = (status: number, body: unknown): void => {
    send(res, { status, contentType: 'application/json', body: JSON.stringify(body) });
  };
  if (method === 'GET') {
    json(200, state.faults);
    return;
  }
  if (method === 'DELETE') {
    state.faults = {};
    res.writeHead(204).end();
    return;
  }
  if (method !== 'POST') {
    json(405, { error: 'use GET, POST or DELETE' });
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse((await readBody(req)) ?? '');
  } catch {
    json(400, { error: 'body must be JSON' });
    return;
  }
  const parsed = EducationFaults.safeParse(body);
  if (!parsed.success) {
    json(400, { error: 'invalid faults', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return;
  }
  state.faults = parsed.data;
  res.writeHead(204).end();
}

/** Delivers a reply the way the current faults say: late, stalled, replaced, broken, hostile or bloated. */
async function deliverWithFaults(res: ServerResponse, reply: Reply, faults: ParsedEducationFaults, state: ServerState): Promise<void> {
  const aborted = AbortSignal.any([state.closing, closedSignal(res)]);
  try {
    if (faults.latencyMs !== undefined && faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal: aborted });

    let delivered = reply;
    if (faults.errorDocument !== undefined) {
      const code = faults.errorDocument === true ? 'SERVICE_UNAVAILABLE' : faults.errorDocument;
      delivered = errorReply(faults.status ?? 400, code, 'simulated failure');
    } else if (faults.operationOutcome !== undefined) {
      const status = faults.status ?? 400;
      delivered = errorReply(status, errorCodeForStatus(status), faults.operationOutcome === true ? 'simulated failure' : (faults.operationOutcome.diagnostics ?? 'simulated failure'));
    } else if (faults.status !== undefined) {
      delivered = { status: faults.status, contentType: 'text/plain; charset=utf-8', body: `simulated HTTP ${faults.status}\n` };
    } else if (faults.externalEntityFile !== undefined || faults.malformed !== undefined) {
      const kind = faults.externalEntityFile !== undefined ? { externalEntityFile: faults.externalEntityFile } : faults.malformed === true || faults.malformed === undefined ? 'truncated' : faults.malformed;
      delivered = { status: 200, contentType: kind === 'html' ? 'text/html' : XML, body: malformedBody(kind, reply.status === 200 ? reply.body : undefined) };
    }

    if (faults.oversizeBytes !== undefined) {
      await sendPadded(res, delivered, faults.oversizeBytes, aborted);
      return;
    }
    if (faults.hangMs !== undefined && faults.hangMs > 0) {
      const bytes = Buffer.from(delivered.body, 'utf8');
      const half = Math.floor(bytes.length / 2);
      res.writeHead(delivered.status, { ...delivered.headers, 'content-type': delivered.contentType, 'content-length': String(bytes.length) });
      res.write(bytes.subarray(0, half));
      await sleep(faults.hangMs, undefined, { signal: aborted });
      res.end(bytes.subarray(half));
      return;
    }
    send(res, delivered);
  } catch {
    // The client went away or the simulator is closing mid-fault: drop the connection.
    res.destroy();
  }
}

/** Streams the reply followed by whitespace (allowed after the root element) up to `size` bytes, without Content-Length. */
async function sendPadded(res: ServerResponse, reply: Reply, size: number, aborted: AbortSignal): Promise<void> {
  res.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType });
  const head = Buffer.from(reply.body, 'utf8');
  res.write(head);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = head.length;
  while (sent < size) {
    if (aborted.aborted || res.destroyed) return;
    const piece = size - sent >= chunk.length ? chunk : chunk.subarray(0, size - sent);
    sent += piece.length;
    if (!res.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end();
}

function closedSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    controller.abort();
  });
  return controller.signal;
}

function send(res: ServerResponse, reply: Reply): void {
  const bytes = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType, 'content-length': String(bytes.length) });
  res.end(bytes);
}

/** The request body as text, or undefined when it passes the limit. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    if (!(chunk instanceof Buffer)) continue;
    size += chunk.length;
    if (size > MAX_REQUEST_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A URL host for the bound address; a wildcard bind is reported as loopback, which reaches it. */
function formatHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0') return '127.0.0.1';
  if (address.address === '::') return '[::1]';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}
