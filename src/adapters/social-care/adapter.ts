/**
 * The children's social care adapter: a subject query in, candidate people from the host case
 * system's REST API (contracts/social-care) and each one's contacts, referrals, assessments,
 * section 47 enquiries, CIN and CP plans, looked-after episodes and relationships out.
 *
 * Why this file exists: social care is the hub's host agency, reached over plain REST JSON with
 * a static bearer token or OAuth2 client credentials. The calls go through the shared bounded
 * transport (src/adapters/http), so every call is capped, timed and recorded as an orchestration
 * without bodies; every page is parsed with the schemas in types.ts, item by item.
 *
 * Paging is by page number, never by following a URL the server gave: the adapter asks its own
 * base URL for page n+1 while `page.number < page.totalPages`, up to `settings.maxPages`. One
 * deadline covers the whole lookup; the first failure cancels the calls still running and fails
 * the lookup with its reason. Expected failures are values (CONVENTIONS.md §3).
 */
import type { ZodType } from 'zod';
import type { AdapterContext, AdapterFailure, AdapterOutcome, AgencyAdapter, AnswerCut, ConnectorSettings, Orchestration, SubjectQuery } from '../port.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import { candidateCapCut, lastPageCut, pageCapCut } from '../cuts.ts';
import { createTokenCache } from '../http/auth.ts';
import { adapterFailure, decodeJson, statusFailure } from '../http/exchange.ts';
import { describeIssue } from '../http/issues.ts';
import { authorizedGet, gatherFetched, inSlot, withLookupRun, type Fetched, type LookupRun } from '../http/lookup-run.ts';
import type { SearchParams } from '../search-plan.ts';
import { peopleSearches } from './search.ts';
import {
  ScAssessment,
  ScChildProtectionPlan,
  ScCinPlan,
  ScContact,
  ScLookedAfterEpisode,
  ScPage,
  ScPerson,
  ScProblem,
  ScRelationship,
  ScSection47,
  type SocialCarePersonRecords,
  type SocialCareRaw,
} from './types.ts';

/** The connector type this adapter speaks (src/model/connector.ts). */
export const SOCIAL_CARE_ADAPTER_TYPE = 'social-care-rest';

/** Tuning of one adapter instance. The candidate cap is the connector's (`maxCandidates`, at most 100: the API's largest page). */
export interface SocialCareAdapterOptions {
  readonly clock?: Clock;
  /** Most calls in flight at once for one lookup. Default 4. */
  readonly concurrency?: number;
  /** `pageSize` asked for on a person's collections (the API allows 1–100). Default 50. */
  readonly pageSize?: number;
}

interface Listing<T> {
  readonly items: readonly T[];
  /** Why further items were left unread, if they were. */
  readonly cut: AnswerCut | undefined;
}

const cutsOf = (...cuts: readonly (AnswerCut | undefined)[]): AnswerCut[] => cuts.filter((c) => c !== undefined);

/** A person's collections: endpoint, orchestration name, item schema. */
const COLLECTIONS = {
  contacts: { path: 'contacts', name: 'Contacts', schema: ScContact },
  assessments: { path: 'assessments', name: 'Assessments', schema: ScAssessment },
  section47Enquiries: { path: 'section47-enquiries', name: 'Section 47 enquiries', schema: ScSection47 },
  cinPlans: { path: 'cin-plans', name: 'CIN plans', schema: ScCinPlan },
  childProtectionPlans: { path: 'child-protection-plans', name: 'Child protection plans', schema: ScChildProtectionPlan },
  lookedAfterEpisodes: { path: 'looked-after-episodes', name: 'Looked-after episodes', schema: ScLookedAfterEpisode },
  relationships: { path: 'relationships', name: 'Relationships', schema: ScRelationship },
} as const;

/** Largest page the API serves (contract: pageSize 1–100). */
const MAX_PAGE_SIZE = 100;

/**
 * Creates the social care adapter. One instance serves every social-care-rest connector; it
 * holds the OAuth token cache, so make it once in the composition root.
 */
export function createSocialCareAdapter(options: SocialCareAdapterOptions = {}): AgencyAdapter<SocialCareRaw> {
  const clock = options.clock ?? systemClock;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, options.pageSize ?? 50));
  const tokens = createTokenCache();

  return {
    type: SOCIAL_CARE_ADAPTER_TYPE,
    async search(query: SubjectQuery, settings: ConnectorSettings, context?: AdapterContext): Promise<AdapterOutcome<SocialCareRaw>> {
      const orchestrations: Orchestration[] = [];
      if (settings.auth.kind === 'ws-security') {
        return { kind: 'failed', failure: adapterFailure('auth-failed', 'WS-Security credentials do not apply to a social care REST connector', 'ADAPTER.AUTH_MISCONFIGURED'), orchestrations };
      }
      return withLookupRun(settings, context, { clock, tokens, concurrency, orchestrations }, async (run) => {
        const candidates = await findPeople(run, query, Math.min(MAX_PAGE_SIZE, Math.max(1, settings.maxCandidates)));
        if (!candidates.ok) return { kind: 'failed', failure: candidates.error, orchestrations };

        const fetched = gatherFetched(run, await Promise.all(candidates.value.items.map((person) => personRecords(run, person, pageSize))));
        if (!fetched.ok) return { kind: 'failed', failure: fetched.error, orchestrations };
        return { kind: 'found', records: { people: fetched.value.records }, cuts: [...cutsOf(candidates.value.cut), ...fetched.value.cuts], orchestrations };
      });
    },
  };
}

/** The searches of `peopleSearches` in order, stopping at the first that finds anyone (or is cut). */
async function findPeople(run: LookupRun, query: SubjectQuery, maxCandidates: number): Promise<Result<Listing<ScPerson>, AdapterFailure>> {
  for (const params of peopleSearches(query)) {
    const found = await listAll(run, 'People search', 'people', params, ScPerson, { pageSize: maxCandidates, limit: maxCandidates, idOf: (p) => p.personId });
    if (!found.ok || found.value.items.length > 0 || found.value.cut !== undefined) return found;
  }
  return ok({ items: [], cut: undefined });
}

/** Everything recorded about one person: seven collections, run within the lookup's slots. */
async function personRecords(run: LookupRun, person: ScPerson, pageSize: number): Promise<Result<Fetched<SocialCarePersonRecords>, AdapterFailure>> {
  const byPerson: SearchParams = [['personId', person.personId]];
  const options = { pageSize, limit: Number.POSITIVE_INFINITY };
  const list = <T extends { readonly id: string }>(c: { readonly path: string; readonly name: string; readonly schema: ZodType<T> }): Promise<Result<Listing<T>, AdapterFailure>> =>
    inSlot(run, () => listAll(run, c.name, c.path, byPerson, c.schema, { ...options, idOf: (item) => item.id }));
  const [contacts, assessments, section47Enquiries, cinPlans, childProtectionPlans, lookedAfterEpisodes, relationships] = await Promise.all([
    list(COLLECTIONS.contacts),
    list(COLLECTIONS.assessments),
    list(COLLECTIONS.section47Enquiries),
    list(COLLECTIONS.cinPlans),
    list(COLLECTIONS.childProtectionPlans),
    list(COLLECTIONS.lookedAfterEpisodes),
    list(COLLECTIONS.relationships),
  ]);
  if (!contacts.ok) return contacts;
  if (!assessments.ok) return assessments;
  if (!section47Enquiries.ok) return section47Enquiries;
  if (!cinPlans.ok) return cinPlans;
  if (!childProtectionPlans.ok) return childProtectionPlans;
  if (!lookedAfterEpisodes.ok) return lookedAfterEpisodes;
  if (!relationships.ok) return relationships;
  const all = [contacts, assessments, section47Enquiries, cinPlans, childProtectionPlans, lookedAfterEpisodes, relationships];
  return ok({
    records: {
      person,
      contacts: contacts.value.items,
      assessments: assessments.value.items,
      section47Enquiries: section47Enquiries.value.items,
      cinPlans: cinPlans.value.items,
      childProtectionPlans: childProtectionPlans.value.items,
      lookedAfterEpisodes: lookedAfterEpisodes.value.items,
      relationships: relationships.value.items,
    },
    cuts: cutsOf(...all.map((s) => s.value.cut)),
  });
}

/**
 * Reads a collection page by page (page 1, 2, … while the server says there are more), up to
 * `maxPages`, parsing every item with its schema; stops early once `limit` items are in hand.
 * What it leaves unread is its cut, counted against the server's `page.totalItems`.
 */
async function listAll<T>(
  run: LookupRun,
  collectionName: string,
  path: string,
  params: SearchParams,
  schema: ZodType<T>,
  options: { readonly pageSize: number; readonly limit: number; readonly idOf: (item: T) => string },
): Promise<Result<Listing<T>, AdapterFailure>> {
  const byId = new Map<string, T>();
  let received = 0;
  for (let pageNumber = 1; ; pageNumber += 1) {
    const name = pageNumber === 1 ? collectionName : `${collectionName} page ${pageNumber}`;
    const query = new URLSearchParams([...params.map(([k, v]): [string, string] => [k, v]), ['page', String(pageNumber)], ['pageSize', String(options.pageSize)]]);
    const page = await getPage(run, name, `${run.base}/${path}?${query.toString()}`);
    if (!page.ok) return page;
    if (page.value.page.number !== pageNumber) {
      return err(adapterFailure('protocol-error', `${name}: asked for page ${pageNumber}, got page ${page.value.page.number}`));
    }
    for (const [index, raw] of page.value.items.entries()) {
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        return err(adapterFailure('malformed-response', `${name}: item ${index} is not a valid record (${describeIssue(parsed.error.issues)})`));
      }
      received += 1;
      byId.set(options.idOf(parsed.data), parsed.data);
    }
    const more = page.value.page.number < page.value.page.totalPages && page.value.items.length > 0;
    const reported = page.value.page.totalItems;
    if (byId.size >= options.limit) {
      const items = [...byId.values()];
      return ok({ items: items.slice(0, options.limit), cut: candidateCapCut(collectionName, options.limit, items.length, more, reported) });
    }
    if (!more) return ok({ items: [...byId.values()], cut: lastPageCut(collectionName, received, byId.size, reported) });
    if (pageNumber >= run.settings.maxPages) return ok({ items: [...byId.values()], cut: pageCapCut(collectionName, byId.size, reported) });
  }
}

type Page = ReturnType<typeof ScPage.parse>;

/** GETs one page, authorising (and once re-authorising, for a refused cached token). */
async function getPage(run: LookupRun, name: string, url: string): Promise<Result<Page, AdapterFailure>> {
  const got = await authorizedGet(run, name, url, 'application/json', decodeJson);
  return got.ok ? readPage(name, got.value.status, got.value.body, got.value.retryAfterMs) : got;
}

/**
 * Turns a JSON body into a page, or the failure it represents. A problem document's text is
 * never copied into the reason: it is the server's free text and could name someone.
 */
function readPage(name: string, status: number, json: unknown, retryAfterMs?: number): Result<Page, AdapterFailure> {
  if (status < 200 || status >= 300) {
    const detail = ScProblem.safeParse(json).success ? ' (problem details)' : '';
    return err(statusFailure(status, `${name}: HTTP ${status}${detail}`, retryAfterMs));
  }
  const page = ScPage.safeParse(json);
  if (!page.success) return err(adapterFailure('malformed-response', `${name}: response is not a page of records (${describeIssue(page.error.issues)})`));
  return ok(page.data);
}
