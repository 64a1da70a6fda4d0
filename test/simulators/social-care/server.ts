/**
 * The children's social care simulator: the host case system's MASH read API
 * (contracts/social-care/openapi.yaml) on loopback, over the synthetic population.
 *
 * Why this file exists: the social care adapter must be proven against a real server with the
 * case system's search semantics (exact identifiers; exact family name and birth date, given
 * name by prefix; no tolerance of a day/month swap — real case systems have none), page-number
 * paging, bearer and OAuth2 client-credentials authorisation, and real HTTP misbehaviour (slow,
 * hanging, oversized, broken or hostile responses), not against hand-written mocks.
 *
 * Endpoints: `GET /people?…`; `GET /{contacts|assessments|section47-enquiries|cin-plans|
 * child-protection-plans|looked-after-episodes|relationships}?personId=…`, all with `page` and
 * `pageSize`; `POST /oauth2/token`; `GET|POST|DELETE /_sim/faults`. Synthetic data only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { agencyView, type Population } from '../population/index.ts';
import { createTokenIssuer, type SimulatorAuth, type TokenIssuer } from '../health/oauth.ts';
import { deliver, problemReply, readBody, sendJson, type Reply } from './delivery.ts';
import { faultsApply, SocialCareFaults, type ParsedSocialCareFaults } from './faults.ts';
import { COLLECTIONS, socialCareRecords, type ApiPerson, type Collection, type SocialCareRecords } from './records.ts';

export type { SocialCareFaults } from './faults.ts';
export type { SimulatorAuth, SimulatorClient } from '../health/oauth.ts';

/** Options of `startSocialCareSimulator`. */
export interface SocialCareSimulatorOptions {
  /** The population whose social care view is served (`agencyView(population, 'social-care')`). */
  readonly population: Population;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** When given, API endpoints need a bearer token: a static one, or one from `/oauth2/token`. */
  readonly auth?: SimulatorAuth;
}

/** A running simulator. */
export interface SocialCareSimulator {
  /** API base URL, e.g. http://127.0.0.1:43127 (no trailing slash). */
  readonly url: string;
  /** `${url}/oauth2/token`. */
  readonly tokenUrl: string;
  /** Replaces the current faults; `{}` clears them. */
  setFaults(faults: SocialCareFaults): void;
  close(): Promise<void>;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

/** Starts the simulator; resolves once it listens. */
export async function startSocialCareSimulator(options: SocialCareSimulatorOptions): Promise<SocialCareSimulator> {
  const records = socialCareRecords(agencyView(options.population, 'social-care'));
  const closing = new AbortController();
  const state: ServerState = { records, faults: {}, closing: closing.signal, issuer: undefined };
  const server = createServer((req, res) => {
    handle(req, res, state).catch(() => {
      // A bug in the simulator: answer 500 rather than leave the client hanging.
      if (!res.headersSent) sendJson(res, 500, { title: 'Simulator error', status: 500 });
      else res.destroy();
    });
  });
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('social care simulator: no TCP address');
  const url = `http://${formatHost(address)}:${address.port}`;
  const tokenUrl = `${url}/oauth2/token`;
  state.issuer = options.auth === undefined ? undefined : createTokenIssuer(options.auth, tokenUrl);

  return {
    url,
    tokenUrl,
    setFaults(next) {
      state.faults = SocialCareFaults.parse(next);
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

interface ServerState {
  readonly records: SocialCareRecords;
  /** Replaced whole by `setFaults` or the control endpoint; read once per request. */
  faults: ParsedSocialCareFaults;
  readonly closing: AbortSignal;
  issuer: TokenIssuer | undefined;
}

async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState): Promise<void> {
  const requestUrl = new URL(req.url ?? '/', 'http://simulator.invalid');
  const path = requestUrl.pathname;
  const method = req.method ?? 'GET';
  if (path === '/_sim/faults') {
    await controlFaults(req, res, state, method);
    return;
  }
  const isToken = path === '/oauth2/token';
  const faults = state.faults;
  const applies = faultsApply(faults, `${path}${requestUrl.search}`, !isToken);

  let reply: Reply;
  if (isToken) {
    reply = await tokenReply(req, state, method, `http://${req.headers.host ?? ''}/oauth2/token`);
  } else if (method !== 'GET') {
    reply = problemReply(405, 'Method not allowed', 'The MASH API is read-only.');
  } else if (state.issuer !== undefined && !state.issuer.accepts(req.headers.authorization)) {
    reply = { ...problemReply(401, 'Unauthorized', 'A valid bearer token is required.'), headers: { 'www-authenticate': 'Bearer' } };
  } else {
    reply = apiReply(path, requestUrl.searchParams, state.records);
  }
  await deliver(res, reply, applies ? faults : {}, state.closing);
}

async function controlFaults(req: IncomingMessage, res: ServerResponse, state: ServerState, method: string): Promise<void> {
  if (method === 'GET') {
    sendJson(res, 200, state.faults);
    return;
  }
  if (method === 'DELETE') {
    state.faults = {};
    res.writeHead(204).end();
    return;
  }
  if (method !== 'POST') {
    sendJson(res, 405, { error: 'use GET, POST or DELETE' });
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse((await readBody(req)) ?? '');
  } catch {
    sendJson(res, 400, { error: 'body must be JSON' });
    return;
  }
  const parsed = SocialCareFaults.safeParse(json);
  if (!parsed.success) {
    sendJson(res, 400, { error: 'invalid faults', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return;
  }
  state.faults = parsed.data;
  res.writeHead(204).end();
}

async function tokenReply(req: IncomingMessage, state: ServerState, method: string, audience: string): Promise<Reply> {
  const json = (status: number, body: unknown): Reply => ({ status, contentType: 'application/json', body: JSON.stringify(body), headers: { 'cache-control': 'no-store' } });
  if (method !== 'POST') return json(405, { error: 'invalid_request', error_description: 'use POST' });
  if (state.issuer === undefined) return json(400, { error: 'unauthorized_client', error_description: 'this simulator was started without auth' });
  const body = await readBody(req);
  if (body === undefined) return json(400, { error: 'invalid_request', error_description: 'body too large' });
  const outcome = await state.issuer.issue(new URLSearchParams(body), req.headers.authorization, audience);
  return json(outcome.status, outcome.body);
}

/** The API proper: person search and person-scoped collections, paged. */
function apiReply(path: string, params: URLSearchParams, records: SocialCareRecords): Reply {
  const paging = pagingOf(params);
  if (typeof paging === 'string') return problemReply(400, 'Invalid paging', paging);
  if (path === '/people') {
    const found = searchPeople(params, records);
    if (typeof found === 'string') return problemReply(400, 'Search not accepted', found);
    return pageReply(found, paging);
  }
  const collection = COLLECTIONS.find((c) => path === `/${c}`);
  if (collection === undefined) return problemReply(404, 'Not found', 'No such endpoint.');
  const personId = params.get('personId');
  if (personId === null || !/^[A-Za-z0-9._-]{1,64}$/.test(personId)) return problemReply(400, 'Invalid personId', 'personId is required.');
  if (!records.people.has(personId)) return problemReply(404, 'Person not found', 'No person with this id.');
  return pageReply(itemsOf(records, personId, collection).map((i) => i.json), paging);
}

function itemsOf(records: SocialCareRecords, personId: string, collection: Collection): readonly { readonly json: unknown }[] {
  return records.collections.get(personId)?.get(collection) ?? [];
}

interface Paging {
  readonly page: number;
  readonly size: number;
}

function pagingOf(params: URLSearchParams): Paging | string {
  const page = integer(params.get('page'), 1);
  const size = integer(params.get('pageSize'), DEFAULT_PAGE_SIZE);
  if (page === undefined || page < 1) return 'page must be a whole number from 1.';
  if (size === undefined || size < 1 || size > MAX_PAGE_SIZE) return `pageSize must be a whole number from 1 to ${MAX_PAGE_SIZE}.`;
  return { page, size };
}

function integer(raw: string | null, fallback: number): number | undefined {
  if (raw === null) return fallback;
  return /^\d{1,6}$/.test(raw) ? Number(raw) : undefined;
}

function pageReply(items: readonly unknown[], paging: Paging): Reply {
  const start = (paging.page - 1) * paging.size;
  const body = {
    items: items.slice(start, start + paging.size),
    page: { number: paging.page, size: paging.size, totalItems: items.length, totalPages: Math.ceil(items.length / paging.size) },
  };
  return { status: 200, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body) };
}

const compact = (postcode: string): string => postcode.replace(/\s+/g, '').toUpperCase();

/**
 * Exact search, as case systems do it (see openapi.yaml): NHS number, UPN, or family name with
 * birth date or postcode, or given name with birth date and postcode; every criterion given
 * must match. Returns the matches in id order, or why the search is refused.
 */
export function searchPeople(params: URLSearchParams, records: SocialCareRecords): ApiPerson[] | string {
  const value = (name: string): string | undefined => {
    const raw = params.get(name)?.trim();
    return raw === undefined || raw === '' ? undefined : raw;
  };
  const nhsNumber = value('nhsNumber')?.replace(/\s+/g, '');
  const upn = value('upn')?.toUpperCase();
  const family = value('familyName')?.toLowerCase();
  const given = value('givenName')?.toLowerCase();
  const birthDate = value('birthDate');
  const postcode = value('postcode') === undefined ? undefined : compact(value('postcode') ?? '');
  if (nhsNumber !== undefined && !/^\d{10}$/.test(nhsNumber)) return 'nhsNumber must be 10 digits.';
  if (birthDate !== undefined && !isRealDate(birthDate)) return 'birthDate must be a date, YYYY-MM-DD.';
  const accepted = nhsNumber !== undefined || upn !== undefined
    || (family !== undefined && (birthDate !== undefined || postcode !== undefined))
    || (given !== undefined && birthDate !== undefined && postcode !== undefined);
  if (!accepted) return 'Give nhsNumber, upn, or familyName with birthDate or postcode, or givenName with birthDate and postcode.';

  const ids = nhsNumber !== undefined ? records.byNhsNumber.get(nhsNumber)
    : upn !== undefined ? records.byUpn.get(upn)
      : family !== undefined ? records.byFamily.get(family)
        : birthDate === undefined ? undefined : records.byBirthDate.get(birthDate);
  const matches: ApiPerson[] = [];
  for (const id of ids ?? []) {
    const person = records.people.get(id);
    if (person === undefined) continue;
    if (nhsNumber !== undefined && person.nhsNumber !== nhsNumber) continue;
    if (upn !== undefined && person.upn?.toUpperCase() !== upn) continue;
    if (birthDate !== undefined && person.personBirthDate !== birthDate) continue;
    if (postcode !== undefined && (person.address?.postcode === undefined || compact(person.address.postcode) !== postcode)) continue;
    if ((family !== undefined || given !== undefined) && !hasName(person, family, given)) continue;
    matches.push(person);
  }
  return matches.sort((a, b) => a.personId.localeCompare(b.personId));
}

/** One of the person's names (own or known-as) has this family name exactly and a given name starting with `given`. */
function hasName(person: ApiPerson, family: string | undefined, given: string | undefined): boolean {
  return [person.name, ...person.knownAs].some(
    (n) => (family === undefined || n.family.toLowerCase() === family) && (given === undefined || n.given.some((g) => g.toLowerCase().startsWith(given))),
  );
}

function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
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
