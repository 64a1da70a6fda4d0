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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { deliverWithFaults, statusReply } from '../common/delivery.ts';
import { controlFaults, faultsApply } from '../common/faults.ts';
import { send, startSimulatorServer, type Reply } from '../common/http.ts';
import type { Population } from '../population/index.ts';
import { createTokenIssuer, tokenEndpointReply, type SimulatorClient, type TokenIssuer } from '../health/oauth.ts';
import { educationRecords, pupilNode, searchErrorXml, searchResponseXml, type EducationRecords } from './ctf.ts';
import { EducationFaults, errorCodeForStatus, type ParsedEducationFaults } from './faults.ts';
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
  const crashReply = errorReply(500, 'INTERNAL_ERROR', 'simulator error');
  const server = await startSimulatorServer({ name: 'education simulator', port: options.port, host: options.host, closing, crashReply }, (req, res) => handle(req, res, state));
  const url = server.url;
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
    close: () => server.close(),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState): Promise<void> {
  const requestUrl = new URL(req.url ?? '/', 'http://simulator.invalid');
  const path = requestUrl.pathname.replace(/\/+$/, '');
  const method = req.method ?? 'GET';

  if (path === '/_sim/faults') {
    await controlFaults(req, res, state, EducationFaults);
    return;
  }
  const isToken = path === '/oauth2/token';
  const faults = state.faults;
  const applies = faultsApply(faults, `${requestUrl.pathname}${requestUrl.search}`, !isToken);

  let reply: Reply;
  if (isToken) reply = (await tokenEndpointReply(req, state.issuer, tokenAudience(req, requestUrl))).reply;
  else if (path !== '/pupils') reply = errorReply(404, 'NOT_FOUND', 'the simulator serves /pupils only');
  else if (method !== 'GET') reply = { ...errorReply(405, 'INVALID_QUERY', 'use GET'), headers: { allow: 'GET' } };
  else if (!authorised(req.headers.authorization, state)) {
    reply = { ...errorReply(401, 'UNAUTHORISED', 'credentials are required'), headers: { 'www-authenticate': state.auth?.basic === undefined ? 'Bearer' : 'Basic realm="pupils"' } };
  } else reply = searchReply(requestUrl.searchParams, state, applies ? faults.resultCap : undefined);

  if (!applies) {
    send(res, reply);
    return;
  }
  await deliverWithFaults(res, reply, faults, state.closing, (valid) => faultedReply(valid, faults));
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

/** One page of the search. With a result cap, only the first N matches are listed; `TotalMatches` still counts them all. */
function searchReply(params: URLSearchParams, state: ServerState, resultCap: number | undefined): Reply {
  const parsed = parsePupilQuery(params);
  if (!parsed.ok) return errorReply(400, parsed.error.code, parsed.error.message);
  const query = parsed.value;
  const matches = state.index.search(query);
  const listed = resultCap === undefined ? matches : matches.slice(0, resultCap);
  const pageSize = Math.min(state.maxPageSize, query.pageSize ?? DEFAULT_PAGE_SIZE);
  const start = (query.page - 1) * pageSize;
  const pupils = listed.slice(start, start + pageSize).map((pupil) => pupilNode(state.records, pupil));
  const nextPage = start + pageSize < listed.length ? query.page + 1 : undefined;
  const body = searchResponseXml({ page: query.page, pageSize, total: matches.length, ...(nextPage === undefined ? {} : { nextPage }) }, pupils, state.records, new Date());
  return { status: 200, contentType: XML, body };
}

function errorReply(status: number, code: string, message: string): Reply {
  return { status, contentType: XML, body: searchErrorXml(code, message) };
}

/** The token URL as this request reached it, when its Host header is plain enough to trust. */
function tokenAudience(req: IncomingMessage, requestUrl: URL): string | undefined {
  const host = req.headers.host;
  return host !== undefined && /^[A-Za-z0-9.:[\]-]{1,260}$/.test(host) ? `http://${host}${requestUrl.pathname}` : undefined;
}

/** What the content faults make of a reply: an error document, a bare status, or a broken or hostile body. */
function faultedReply(reply: Reply, faults: ParsedEducationFaults): Reply {
  if (faults.errorDocument !== undefined) {
    const code = faults.errorDocument === true ? 'SERVICE_UNAVAILABLE' : faults.errorDocument;
    return errorReply(faults.status ?? 400, code, 'simulated failure');
  }
  if (faults.operationOutcome !== undefined) {
    const status = faults.status ?? 400;
    return errorReply(status, errorCodeForStatus(status), faults.operationOutcome === true ? 'simulated failure' : (faults.operationOutcome.diagnostics ?? 'simulated failure'));
  }
  if (faults.status !== undefined) return statusReply(faults.status);
  if (faults.externalEntityFile !== undefined || faults.malformed !== undefined) {
    const kind = faults.externalEntityFile !== undefined ? { externalEntityFile: faults.externalEntityFile } : faults.malformed === true || faults.malformed === undefined ? 'truncated' : faults.malformed;
    return { status: 200, contentType: kind === 'html' ? 'text/html' : XML, body: malformedBody(kind, reply.status === 200 ? reply.body : undefined) };
  }
  return reply;
}
