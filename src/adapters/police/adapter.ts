/**
 * The police SOAP adapter: a subject query in; candidate nominals with their incidents, crimes,
 * intelligence reports, warning markers and associations out — from a force's records
 * management system through the PersonSearch operation of contracts/police/.
 *
 * Why this file exists: police is the agency that speaks SOAP. node-soap (1.x) reads the WSDL
 * (and the XSD it imports), builds the SOAP 1.2 envelope with a WS-Security UsernameToken
 * header, and turns the response body into objects; everything else is ours. Its HTTP is
 * replaced by the shared bounded transport (transport.ts: deadline, size cap, no redirects,
 * orchestrations, DTDs refused before parsing), its errors are read without echoing payloads
 * (faults.ts), and every response body is parsed with the contract's schema (types.ts).
 *
 * Search: the PNC id first when the subject has one, then one demographic search with every
 * name, the birth date, sex and address (criteria.ts) — the force's system does the fuzzy
 * matching. Candidates arrive a page at a time; pages are followed until the candidate cap,
 * the last page or `settings.maxPages`. Deciding which candidate is the referred person is the
 * hub's job (identity matching). Expected failures are values (CONVENTIONS.md §3).
 */
import path from 'node:path';
import { createClientAsync, WSSecurity, type Client, type IOptions, type IWSDLCache, type WSDL } from 'soap';
import type { AdapterContext, AdapterFailure, AdapterOutcome, AgencyAdapter, AnswerCut, ConnectorSettings, Orchestration, SubjectQuery } from '../port.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import { candidateCapCut, lastPageCut, pageCapCut } from '../cuts.ts';
import { authorize, createTokenCache, type TokenCache } from '../http/auth.ts';
import { adapterFailure, type HttpEnvironment } from '../http/exchange.ts';
import { describeIssue } from '../http/issues.ts';
import { lookupScope } from '../http/lookup-run.ts';
import { searchCriteria, SEARCH_PURPOSE, type PersonSearchRequest, type SearchCriteria } from './criteria.ts';
import { soapCallFailure } from './faults.ts';
import { CALL_NAME_OPTION, soapTransport, type SoapTransport } from './transport.ts';
import { PersonSearchResponse, type PersonSearchResult, type PoliceRaw } from './types.ts';

/** The connector type this adapter speaks. */
export const POLICE_CONNECTOR_TYPE = 'police-soap';

/** The police WSDL in contracts/police/, beside the XSD it imports. */
export const POLICE_WSDL_PATH = path.resolve(import.meta.dirname, '..', '..', '..', 'contracts', 'police', 'PersonSearchService.wsdl');

/** Tuning of one adapter instance. The candidate cap is the connector's (`maxCandidates`). */
export interface PoliceSoapAdapterOptions {
  readonly clock?: Clock;
  /** `PageSize` asked for (at most 50, the contract's). Default: the connector's `maxCandidates`. */
  readonly pageSize?: number;
  /** The WSDL to load (a file path). Default `POLICE_WSDL_PATH`. */
  readonly wsdlPath?: string;
}

/** One lookup's state: its client (with this connector's security), transport and settings. */
interface LookupRun {
  readonly settings: ConnectorSettings;
  readonly client: Client;
  readonly transport: SoapTransport;
  readonly orchestrations: Orchestration[];
}

/**
 * node-soap converts xs:date, xs:dateTime, xs:boolean and the numeric types itself, turning a
 * malformed date into `Invalid Date` without a word. Every leaf stays text instead, and the
 * zod schemas in types.ts decide.
 */
const KEEP_TEXT = (text: string): string => text;
const TEXT_TYPES = ['date', 'dateTime', 'time', 'boolean', 'bool', 'int', 'integer', 'short', 'long', 'double', 'float', 'decimal'] as const;
const CUSTOM_DESERIALIZER: Readonly<Record<string, (text: string) => string>> = Object.fromEntries(TEXT_TYPES.map((t) => [t, KEEP_TEXT]));

/**
 * Creates the police SOAP adapter. One instance serves every police connector; it holds the
 * parsed WSDL and any OAuth token cache, so make it once in the composition root.
 */
export function createPoliceSoapAdapter(options: PoliceSoapAdapterOptions = {}): AgencyAdapter<PoliceRaw> {
  const clock = options.clock ?? systemClock;
  const wsdlPath = options.wsdlPath ?? POLICE_WSDL_PATH;
  const wsdlCache = createWsdlCache();
  const tokens = createTokenCache();

  return {
    type: POLICE_CONNECTOR_TYPE,
    async search(query: SubjectQuery, settings: ConnectorSettings, context?: AdapterContext): Promise<AdapterOutcome<PoliceRaw>> {
      const orchestrations: Orchestration[] = [];
      const searches = searchCriteria(query);
      if (searches.length === 0) {
        const failure = adapterFailure('protocol-error', 'PersonSearch: the subject has neither a birth date nor a postcode to search with beside the name', 'ADAPTER.INSUFFICIENT_CRITERIA');
        return { kind: 'failed', failure, orchestrations };
      }

      const { signal, env } = lookupScope(settings, context, clock, orchestrations);
      const run = await openLookup(settings, { signal, env, tokens, wsdlPath, wsdlCache });
      if (!run.ok) return { kind: 'failed', failure: run.error, orchestrations };

      const maxCandidates = settings.maxCandidates;
      const pageSize = Math.min(50, options.pageSize ?? maxCandidates);
      for (const criteria of searches) {
        const found = await searchPages(run.value, criteria, maxCandidates, pageSize);
        if (!found.ok) return { kind: 'failed', failure: found.error, orchestrations };
        const cuts = found.value.cut === undefined ? [] : [found.value.cut];
        if (found.value.results.length > 0 || cuts.length > 0) return { kind: 'found', records: { results: found.value.results }, cuts, orchestrations };
      }
      return { kind: 'found', records: { results: [] }, cuts: [], orchestrations };
    },
  };
}

interface OpenContext {
  readonly signal: AbortSignal;
  readonly env: HttpEnvironment;
  readonly tokens: TokenCache;
  readonly wsdlPath: string;
  readonly wsdlCache: IWSDLCache;
}

/**
 * A node-soap client for one lookup: this connector's endpoint, our transport, and its
 * security — a WS-Security UsernameToken header, or an HTTP Authorization header for Basic,
 * bearer or OAuth 2.0 client credentials (from the shared `authorize`). One client per lookup,
 * because node-soap keeps the security on the client and lookups for different connectors run
 * at once.
 */
async function openLookup(settings: ConnectorSettings, open: OpenContext): Promise<Result<LookupRun, AdapterFailure>> {
  let authorization: string | undefined;
  if (settings.auth.kind !== 'ws-security') {
    const auth = await authorize(settings.auth, open.tokens, { signal: open.signal, env: open.env });
    if (!auth.ok) return auth;
    authorization = auth.value.header;
  }
  const transport = soapTransport({
    url: settings.baseUrl,
    signal: open.signal,
    maxBytes: settings.maxResponseBytes,
    env: open.env,
    ...(authorization === undefined ? {} : { headers: { authorization } }),
  });
  const clientOptions: IOptions = {
    httpClient: transport.httpClient,
    forceSoap12Headers: true,
    customDeserializer: CUSTOM_DESERIALIZER,
    wsdlCache: open.wsdlCache,
    endpoint: settings.baseUrl,
  };
  // A missing or broken WSDL is a deployment bug, not an agency failure: it throws.
  const client = await createClientAsync(open.wsdlPath, clientOptions, settings.baseUrl);
  if (settings.auth.kind === 'ws-security') {
    // WS-Security UsernameToken Profile 1.1: PasswordText (the endpoint is TLS in production),
    // with a nonce and creation time against replay, a Timestamp, and mustUnderstand so a
    // server that ignores the header refuses the message instead.
    client.setSecurity(new WSSecurity(settings.auth.username, settings.auth.password, { passwordType: 'PasswordText', hasTimeStamp: true, hasNonce: true, mustUnderstand: true }));
  }
  return ok({ settings, client, transport, orchestrations: open.env.orchestrations });
}

/**
 * Runs one search and follows its pages until the cap, the last page or `maxPages`. What it
 * leaves unread is its cut, counted against the force's `TotalMatchCount`.
 */
async function searchPages(run: LookupRun, criteria: SearchCriteria, maxCandidates: number, pageSize: number): Promise<Result<{ results: PersonSearchResult[]; cut: AnswerCut | undefined }, AdapterFailure>> {
  const search = 'PersonSearch';
  const results: PersonSearchResult[] = [];
  const seen = new Set<string>();
  let totalMatches = 0;
  let received = 0;
  for (let page = 1; ; page += 1) {
    const name = page === 1 ? search : `${search} page ${page}`;
    const request: PersonSearchRequest = { SearchCriteria: criteria, ResultsPage: { PageNumber: page, PageSize: pageSize }, SearchPurposeText: SEARCH_PURPOSE };
    const response = await personSearch(run, request, name);
    if (!response.ok) return response;
    const meta = response.value.SearchResultsMetadata;
    if (meta.PageNumber !== page) {
      return fail(run, name, adapterFailure('protocol-error', `${name}: asked for page ${page}, the service answered page ${meta.PageNumber}`));
    }
    totalMatches = Math.max(totalMatches, meta.TotalMatchCount);
    for (const result of response.value.PersonSearchResult) {
      received += 1;
      const id = result.Nominal.NominalIdentification;
      if (seen.has(id)) continue;
      seen.add(id);
      results.push(result);
    }
    if (results.length >= maxCandidates) {
      return ok({ results: results.slice(0, maxCandidates), cut: candidateCapCut(search, maxCandidates, results.length, meta.MorePagesIndicator, totalMatches) });
    }
    if (!meta.MorePagesIndicator) return ok({ results, cut: lastPageCut(search, received, results.length, totalMatches) });
    if (page >= run.settings.maxPages) return ok({ results, cut: pageCapCut(search, results.length, totalMatches) });
  }
}

/** One PersonSearch call: node-soap builds and parses, our transport carries, zod checks. */
async function personSearch(run: LookupRun, request: PersonSearchRequest, name: string): Promise<Result<PersonSearchResponse, AdapterFailure>> {
  const outcome = await invoke(run.client, request, name);
  const transportFailure = run.transport.takeFailure();
  if (transportFailure !== undefined) return err(transportFailure);
  if (!outcome.ok) return fail(run, name, soapCallFailure(outcome.error, name));
  const parsed = PersonSearchResponse.safeParse(outcome.value);
  if (!parsed.success) {
    return fail(run, name, adapterFailure('malformed-response', `${name}: response is not a valid PersonSearchResponse (${describeIssue(parsed.error.issues)})`));
  }
  return ok(parsed.data);
}

/**
 * Calls the WSDL's PersonSearch operation. node-soap defines operations on the client at run
 * time (its type is an index signature of `any`), so the method is looked up and checked here.
 */
function invoke(client: Client, request: PersonSearchRequest, name: string): Promise<Result<unknown, unknown>> {
  const method: unknown = client.PersonSearch;
  if (typeof method !== 'function') throw new Error('the police WSDL defines no PersonSearch operation');
  return new Promise<Result<unknown, unknown>>((resolve) => {
    // node-soap's callback: the error it raised (a fault, a parse failure), or the parsed result.
    const callback = (error: unknown, result: unknown): void => {
      resolve(error === null || error === undefined ? ok(result) : err(error));
    };
    Reflect.apply(method, client, [request, callback, { [CALL_NAME_OPTION]: name }]);
  });
}

/**
 * Fails the call, and notes the reason on its orchestration: the HTTP exchange itself
 * succeeded, but what came back was a fault or unreadable (OpenHIM: the record says why).
 */
function fail<T>(run: LookupRun, name: string, failure: AdapterFailure): Result<T, AdapterFailure> {
  const index = run.orchestrations.findLastIndex((o) => o.name === name);
  const orchestration = run.orchestrations[index];
  if (orchestration !== undefined && orchestration.error === undefined) {
    run.orchestrations[index] = { ...orchestration, error: `${failure.code}: ${failure.reason}` };
  }
  return err(failure);
}

/** The parsed WSDL, kept by one adapter instance rather than node-soap's process-wide cache. */
function createWsdlCache(): IWSDLCache {
  const wsdls = new Map<string, WSDL>();
  return {
    has: (key) => wsdls.has(key),
    get: (key) => {
      const wsdl = wsdls.get(key);
      if (wsdl === undefined) throw new Error(`WSDL ${key} is not cached`);
      return wsdl;
    },
    set: (key, wsdl) => {
      wsdls.set(key, wsdl);
    },
  };
}
