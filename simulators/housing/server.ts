/**
 * The housing agency simulator: a real HTTP server on loopback serving the population's
 * housing view as the housing management API of contracts/housing/openapi.json.
 *
 * Why this file exists: the housing adapter must be proven against real search semantics
 * (surname parts, forename prefixes, postcode spacing, refusal of over-broad searches), real
 * paging (`page`, `pageSize`, `totalPages` and `links.next` pointing back at this server),
 * real OAuth 2.0 client credentials with a client secret, and real misbehaviour on the wire
 * (the faults of faults.ts) — not against hand-written mocks.
 *
 * Endpoints: `GET /persons?surname&forename&dateOfBirth&postcode&uprn&page&pageSize`,
 * `GET /persons/{personRef}`, `GET /tenancies|/asb-cases|/homelessness-applications|
 * /person-alerts?personRef=`, `GET /rent-accounts|/notices?tenancyRef=`, `POST /oauth2/token`,
 * `GET|POST|DELETE /_sim/faults`. Synthetic data only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { err, ok, type Result } from '../../src/lib/result.ts';
import { deliverWithFaults } from '../common/delivery.ts';
import { controlFaults, faultsApply } from '../common/faults.ts';
import { requestBase, send, startSimulatorServer, type Reply } from '../common/http.ts';
import type { Population } from '../population/index.ts';
import { createTokenIssuer, tokenEndpointReply, type SimulatorAuth, type TokenIssuer } from '../health/oauth.ts';
import { loadCodeList } from './alerts.ts';
import { faultedReply, jsonReply, problemReply } from './delivery.ts';
import { HousingSimulatorFaults, type ParsedHousingFaults } from './faults.ts';
import { housingRecords, type HousingRecords } from './records.ts';
import { createPersonSearch, type SearchOutcome } from './search.ts';

export type { HousingSimulatorFaults } from './faults.ts';
export type { SimulatorAuth, SimulatorClient } from '../health/oauth.ts';

/** Options of `startHousingSimulator`. */
export interface HousingSimulatorOptions {
  /** The synthetic population whose housing view is served. */
  readonly population: Population;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** When given, every API call needs a bearer token from `/oauth2/token` (client secret) or `staticTokens`. */
  readonly auth?: SimulatorAuth;
  /** The base URL clients use, when fixed (behind a proxy); otherwise paging links follow each request's Host header. */
  readonly publicUrl?: string;
}

/** A running housing simulator. */
export interface HousingSimulator {
  /** API base URL, e.g. http://127.0.0.1:43127 (no trailing slash). */
  readonly url: string;
  /** `${url}/oauth2/token`. */
  readonly tokenUrl: string;
  /** Replaces the current faults; `{}` clears them. */
  setFaults(faults: HousingSimulatorFaults): void;
  /** Refuses every token issued so far (as after a key rotation); static tokens stay valid. */
  revokeTokens(): void;
  close(): Promise<void>;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

interface ServerState {
  readonly records: HousingRecords;
  readonly search: (params: URLSearchParams) => SearchOutcome;
  /** Replaced whole by `setFaults` or the control endpoint; read once per request. */
  faults: ParsedHousingFaults;
  readonly closing: AbortSignal;
  base: string;
  readonly publicUrl: string | undefined;
  issuer: TokenIssuer | undefined;
  readonly issued: Set<string>;
  readonly revoked: Set<string>;
}

/** Starts the simulator; resolves once it listens. */
export async function startHousingSimulator(options: HousingSimulatorOptions): Promise<HousingSimulator> {
  const { population } = options;
  const records = housingRecords(population.views.housing, population.referenceDate, loadCodeList());
  const closing = new AbortController();
  const state: ServerState = {
    records,
    search: createPersonSearch(records.persons),
    faults: {},
    closing: closing.signal,
    base: '',
    publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    issuer: undefined,
    issued: new Set(),
    revoked: new Set(),
  };
  const crashReply = problemReply(500, 'simulator error');
  const server = await startSimulatorServer({ name: 'housing simulator', port: options.port, host: options.host, closing, crashReply }, (req, res) => handle(req, res, state));
  const url = server.url;
  const tokenUrl = `${url}/oauth2/token`;
  state.base = url;
  state.issuer = options.auth === undefined ? undefined : createTokenIssuer(options.auth, tokenUrl);

  return {
    url,
    tokenUrl,
    setFaults(next) {
      state.faults = HousingSimulatorFaults.parse(next);
    },
    revokeTokens() {
      for (const token of state.issued) state.revoked.add(token);
      state.issued.clear();
    },
    close: () => server.close(),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState): Promise<void> {
  const base = requestBase(req, state.publicUrl, state.base);
  const requestUrl = new URL(req.url ?? '/', base);
  const path = requestUrl.pathname;
  const method = req.method ?? 'GET';

  if (path === '/_sim/faults') {
    await controlFaults(req, res, state, HousingSimulatorFaults);
    return;
  }
  const isToken = path === '/oauth2/token';
  const faults = state.faults;
  const applies = faultsApply(faults, `${path}${requestUrl.search}`, !isToken);

  let reply: Reply;
  if (isToken) reply = await tokenReply(req, state);
  else if (method !== 'GET') reply = problemReply(405, 'Method not allowed', 'the housing API serves reads only');
  else if (state.issuer !== undefined && !accepts(state, req.headers.authorization)) {
    reply = { ...problemReply(401, 'Unauthorized', 'a valid bearer token is required'), headers: { 'www-authenticate': 'Bearer' } };
  } else reply = apiReply(requestUrl, state, base, applies ? faults.resultCap : undefined);

  if (!applies) send(res, reply);
  else await deliverWithFaults(res, reply, faults, state.closing, (valid) => faultedReply(valid, faults));
}

function accepts(state: ServerState, authorization: string | undefined): boolean {
  if (state.issuer?.accepts(authorization) !== true) return false;
  return !state.revoked.has(authorization?.slice('Bearer '.length).trim() ?? '');
}

/** The API proper: person search and read, and the filtered, paged record collections. A result cap limits the persons a search lists, not its `totalItems`. */
function apiReply(requestUrl: URL, state: ServerState, base: string, resultCap: number | undefined): Reply {
  const { records } = state;
  const params = requestUrl.searchParams;
  const pagingRead = pagingOf(params);
  if (!pagingRead.ok) return problemReply(400, 'Invalid paging', pagingRead.error);
  const paging = pagingRead.value;
  const path = requestUrl.pathname.replace(/\/+$/, '');
  const pageOf = (items: readonly unknown[], cap?: number): Reply => jsonReply(200, page(items, paging.page, paging.pageSize, requestUrl, base, cap));
  const filter = (name: 'personRef' | 'tenancyRef'): string | Reply => {
    const value = params.get(name)?.trim();
    return value === undefined || value === '' ? problemReply(400, 'Missing filter', `${name} is required`) : value;
  };
  const byPerson = <T>(index: ReadonlyMap<string, readonly T[]>): Reply => {
    const ref = filter('personRef');
    return typeof ref === 'string' ? pageOf(index.get(ref) ?? []) : ref;
  };
  const byTenancy = <T>(index: ReadonlyMap<string, readonly T[]>): Reply => {
    const ref = filter('tenancyRef');
    return typeof ref === 'string' ? pageOf(index.get(ref) ?? []) : ref;
  };

  switch (path) {
    case '/persons': {
      const found = state.search(params);
      return found.ok ? pageOf(found.value, resultCap) : problemReply(400, 'Invalid search', found.error);
    }
    case '/tenancies':
      return byPerson(records.tenanciesByPerson);
    case '/asb-cases':
      return byPerson(records.asbByPerson);
    case '/homelessness-applications':
      return byPerson(records.applicationsByPerson);
    case '/person-alerts':
      return byPerson(records.alertsByPerson);
    case '/rent-accounts':
      return byTenancy(records.rentAccountsByTenancy);
    case '/notices':
      return byTenancy(records.noticesByTenancy);
    default: {
      const personRef = /^\/persons\/([^/]+)$/.exec(path)?.[1];
      const person = personRef === undefined ? undefined : records.personByRef.get(decodeURIComponent(personRef));
      if (person !== undefined) return jsonReply(200, person);
      return problemReply(404, 'Not found', personRef === undefined ? 'no such endpoint' : 'no such person');
    }
  }
}

/** The page asked for, or why the paging parameters are refused. */
function pagingOf(params: URLSearchParams): Result<{ readonly page: number; readonly pageSize: number }, string> {
  const read = (name: string, fallback: number): number | undefined => {
    const raw = params.get(name);
    if (raw === null || raw === '') return fallback;
    return /^\d{1,6}$/.test(raw) ? Number(raw) : undefined;
  };
  const pageNumber = read('page', 1);
  const pageSize = read('pageSize', DEFAULT_PAGE_SIZE);
  if (pageNumber === undefined || pageNumber < 1) return err('page must be a whole number from 1');
  if (pageSize === undefined || pageSize < 1 || pageSize > MAX_PAGE_SIZE) return err(`pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}`);
  return ok({ page: pageNumber, pageSize });
}

/**
 * The contract's paging envelope; `links.next` repeats the request with the next page number.
 * With `cap`, only the first `cap` items are listed (pages and links end there) while
 * `totalItems` still counts every match: a server with its own limit.
 */
function page(all: readonly unknown[], pageNumber: number, pageSize: number, requestUrl: URL, base: string, cap?: number): object {
  const items = cap === undefined ? all : all.slice(0, cap);
  const totalPages = Math.ceil(items.length / pageSize);
  const self = new URL(`${requestUrl.pathname}${requestUrl.search}`, base);
  const links: { self: string; next?: string } = { self: self.toString() };
  if (pageNumber < totalPages) {
    const next = new URL(self);
    next.searchParams.set('page', String(pageNumber + 1));
    next.searchParams.set('pageSize', String(pageSize));
    links.next = next.toString();
  }
  return { items: items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize), page: pageNumber, pageSize, totalItems: all.length, totalPages, links };
}

/** RFC 6749 §4.4 token endpoint: client secret by HTTP Basic (or in the form); issued tokens are noted for `revokeTokens`. */
async function tokenReply(req: IncomingMessage, state: ServerState): Promise<Reply> {
  const { reply, outcome } = await tokenEndpointReply(req, state.issuer, undefined);
  if (outcome?.status === 200) state.issued.add(outcome.body.access_token);
  return reply;
}
