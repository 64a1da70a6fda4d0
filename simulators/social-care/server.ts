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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { deliverWithFaults } from '../common/delivery.ts';
import { controlFaults, faultsApply } from '../common/faults.ts';
import { send, startSimulatorServer, type Reply } from '../common/http.ts';
import { agencyView, type Population } from '../population/index.ts';
import { createTokenIssuer, tokenEndpointReply, type SimulatorAuth, type TokenIssuer } from '../health/oauth.ts';
import { faultedReply, problemReply } from './delivery.ts';
import { SocialCareFaults, type ParsedSocialCareFaults } from './faults.ts';
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
  const crashReply: Reply = { status: 500, contentType: 'application/json', body: JSON.stringify({ title: 'Simulator error', status: 500 }) };
  const server = await startSimulatorServer({ name: 'social care simulator', port: options.port, host: options.host, closing, crashReply }, (req, res) => handle(req, res, state));
  const url = server.url;
  const tokenUrl = `${url}/oauth2/token`;
  state.issuer = options.auth === undefined ? undefined : createTokenIssuer(options.auth, tokenUrl);

  return {
    url,
    tokenUrl,
    setFaults(next) {
      state.faults = SocialCareFaults.parse(next);
    },
    close: () => server.close(),
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
    await controlFaults(req, res, state, SocialCareFaults);
    return;
  }
  const isToken = path === '/oauth2/token';
  const faults = state.faults;
  const applies = faultsApply(faults, `${path}${requestUrl.search}`, !isToken);

  let reply: Reply;
  if (isToken) {
    reply = (await tokenEndpointReply(req, state.issuer, `http://${req.headers.host ?? ''}/oauth2/token`)).reply;
  } else if (method !== 'GET') {
    reply = problemReply(405, 'Method not allowed', 'The MASH API is read-only.');
  } else if (state.issuer !== undefined && !state.issuer.accepts(req.headers.authorization)) {
    reply = { ...problemReply(401, 'Unauthorized', 'A valid bearer token is required.'), headers: { 'www-authenticate': 'Bearer' } };
  } else {
    reply = apiReply(path, requestUrl.searchParams, state.records, applies ? faults.resultCap : undefined);
  }
  if (!applies) send(res, reply);
  else await deliverWithFaults(res, reply, faults, state.closing, (valid) => faultedReply(valid, faults));
}

/** The API proper: person search and person-scoped collections, paged. A result cap limits the people a search lists, not its `totalItems`. */
function apiReply(path: string, params: URLSearchParams, records: SocialCareRecords, resultCap: number | undefined): Reply {
  const paging = pagingOf(params);
  if (typeof paging === 'string') return problemReply(400, 'Invalid paging', paging);
  if (path === '/people') {
    const found = searchPeople(params, records);
    if (typeof found === 'string') return problemReply(400, 'Search not accepted', found);
    return pageReply(found, paging, resultCap);
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

/** One page; with `cap`, only the first `cap` items are listed while `totalItems` counts them all. */
function pageReply(all: readonly unknown[], paging: Paging, cap?: number): Reply {
  const items = cap === undefined ? all : all.slice(0, cap);
  const start = (paging.page - 1) * paging.size;
  const body = {
    items: items.slice(start, start + paging.size),
    page: { number: paging.page, size: paging.size, totalItems: all.length, totalPages: Math.ceil(items.length / paging.size) },
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
