/**
 * The education adapter: a subject query in, candidate pupils out, each with the contacts,
 * attendance, exclusions, school history, SEN history and children-missing-education status
 * the local authority's education system holds (contracts/education/).
 *
 * Why this file exists: education systems (school MIS, the LA's pupil database) speak XML
 * shaped on the DfE Common Transfer File, searched like a MIS: by UPN exactly, or by surname
 * (fuzzy), forename, date of birth and postcode. The search strategy lives here because what
 * the system can search on is protocol knowledge; deciding which candidate is the referred
 * child is the hub's job (identity matching), so several candidates may come back.
 *
 * Protocol: `GET {base}/pupils?upn=|surname=&forename=&dob=&postcode=&fuzzy=true&pageSize=&page=`
 * with `Accept: application/xml`, answered by a PupilSearchResponse (a page of pupils, and
 * `NextPage` while more remain) or, with a 4xx/5xx status, a PupilSearchError. Each pupil comes
 * whole, so there are no follow-up calls. Every call goes through the shared bounded transport
 * (one deadline for the lookup, capped bodies, redirects refused, an orchestration per call);
 * a body with a DTD is refused before parsing (xml.ts). Expected failures are values
 * (CONVENTIONS.md §3); nothing here throws for them.
 */
import type { AdapterContext, AdapterFailure, AdapterOutcome, AgencyAdapter, AnswerCut, ConnectorSettings, Orchestration, SubjectQuery } from '../port.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import { candidateCapCut, lastPageCut, pageCapCut } from '../cuts.ts';
import { createTokenCache } from '../http/auth.ts';
import { adapterFailure, decodeText, statusFailure, type BodyDecoder } from '../http/exchange.ts';
import { authorizedGet, withLookupRun, type LookupRun } from '../http/lookup-run.ts';
import { normalisePostcode, type SearchParams } from '../search-plan.ts';
import type { CtfPupil, EducationRaw, PupilSearchResponse } from './types.ts';
import { Upn } from './types.ts';
import { hasMarkupDeclaration, readPupilSearch } from './xml.ts';

/** The connector type this adapter serves (src/model/connector.ts). */
export const ADAPTER_TYPE = 'education-xml';

/** Tuning of one adapter instance. The candidate cap is the connector's (`maxCandidates`). */
export interface EducationAdapterOptions {
  readonly clock?: Clock;
  /** `pageSize` asked of the server (which may send fewer). Default: the connector's `maxCandidates`. */
  readonly pageSize?: number;
}

interface Candidates {
  readonly pupils: readonly CtfPupil[];
  /** Why further matches were left unread, if they were. */
  readonly cut: AnswerCut | undefined;
}

/**
 * Creates the education adapter. One instance serves every education connector; it holds the
 * OAuth token cache, so make it once in the composition root.
 */
export function createEducationAdapter(options: EducationAdapterOptions = {}): AgencyAdapter<EducationRaw> {
  const clock = options.clock ?? systemClock;
  const tokens = createTokenCache();

  return {
    type: ADAPTER_TYPE,
    async search(query: SubjectQuery, settings: ConnectorSettings, context?: AdapterContext): Promise<AdapterOutcome<EducationRaw>> {
      const orchestrations: Orchestration[] = [];
      if (settings.auth.kind === 'ws-security') {
        const failure = adapterFailure('auth-failed', 'WS-Security credentials do not apply to an education connector', 'ADAPTER.AUTH_MISCONFIGURED');
        return { kind: 'failed', failure, orchestrations };
      }
      // The searches run one after another: one call in flight at a time.
      return withLookupRun(settings, context, { clock, tokens, concurrency: 1, orchestrations }, async (run) => {
        const limit = settings.maxCandidates;
        for (const params of pupilSearches(query)) {
          const found = await searchPages(run, params, { pageSize: options.pageSize ?? limit, limit });
          if (!found.ok) return { kind: 'failed', failure: found.error, orchestrations };
          const cuts = found.value.cut === undefined ? [] : [found.value.cut];
          if (found.value.pupils.length > 0 || cuts.length > 0) return { kind: 'found', records: { pupils: found.value.pupils }, cuts, orchestrations };
        }
        return { kind: 'found', records: { pupils: [] }, cuts: [], orchestrations };
      });
    },
  };
}

/**
 * The pupil searches to try, in order, without duplicates; the first that finds anyone wins.
 * A UPN is exact, so it comes first. Then demographics, each later search dropping a criterion
 * school records often get wrong: the postcode (families move), the forename (schools record
 * the name a child is known by: "Bobby" for Robert), the surname (step-families, hyphenation;
 * the surname match is fuzzy anyway), and last the birth date (typos, day and month swapped).
 * Aliases follow the primary name. The server refuses searches with fewer than two criteria,
 * so none is sent; without a birth date a name must be narrowed by the postcode.
 */
export function pupilSearches(query: SubjectQuery): SearchParams[] {
  const searches: SearchParams[] = [];
  const seen = new Set<string>();
  const add = (params: readonly (readonly [string, string] | undefined)[]): void => {
    const defined = params.filter((p) => p !== undefined);
    const criteria = defined.filter(([k]) => k !== 'fuzzy').length;
    if (criteria === 0 || (criteria < 2 && !defined.some(([k]) => k === 'upn'))) return;
    const key = JSON.stringify(defined);
    if (!seen.has(key)) {
      seen.add(key);
      searches.push(defined);
    }
  };

  for (const identifier of query.identifiers) {
    if (identifier.system !== 'upn') continue;
    const upn = identifier.value.replace(/\s+/g, '').toUpperCase();
    if (Upn.safeParse(upn).success) add([['upn', upn]]);
  }

  const param = (name: string, value: string | undefined): readonly [string, string] | undefined => (value === undefined || value === '' ? undefined : [name, value]);
  const names = [{ given: query.given, family: query.family }, ...query.otherNames].map((n) => ({ forename: n.given[0]?.trim() ?? '', surname: n.family.trim() }));
  const dob = param('dob', query.birthDate);
  // "wf132qp" → "WF13 2QP": the form schools record.
  const postcode = param('postcode', query.postcode === undefined ? undefined : normalisePostcode(query.postcode));
  const fuzzy = ['fuzzy', 'true'] as const;
  const [primary, ...aliases] = names;
  if (primary === undefined) return searches;
  const surname = (n: { surname: string }): readonly [string, string] | undefined => param('surname', n.surname);
  const forename = (n: { forename: string }): readonly [string, string] | undefined => param('forename', n.forename);

  if (dob !== undefined) {
    add([surname(primary), forename(primary), dob, postcode, fuzzy]);
    add([surname(primary), forename(primary), dob, fuzzy]);
    add([surname(primary), dob, fuzzy]);
    add([forename(primary), dob, postcode, fuzzy]);
    add([dob, postcode]);
    for (const alias of aliases) {
      add([surname(alias), forename(alias), dob, fuzzy]);
      add([surname(alias), dob, fuzzy]);
    }
  }
  // Without a birth date, or when the one given is wrong in the school's records.
  if (postcode !== undefined) {
    for (const n of names) add([surname(n), forename(n), postcode, fuzzy]);
  }
  return searches;
}

/**
 * Runs one search, following `NextPage` up to `maxPages` and stopping once `limit` pupils are in
 * hand; what it leaves unread is its cut (`TotalMatches` is the system's count of matches).
 */
async function searchPages(run: LookupRun, params: SearchParams, options: { readonly pageSize: number; readonly limit: number }): Promise<Result<Candidates, AdapterFailure>> {
  const search = 'Pupil search';
  const byRecord = new Map<string, CtfPupil>();
  let received = 0;
  for (let page = 1; ; page += 1) {
    const name = page === 1 ? search : `${search} page ${page}`;
    const query = new URLSearchParams([...params.map(([k, v]): [string, string] => [k, v]), ['pageSize', String(options.pageSize)], ['page', String(page)]]);
    const response = await getPage(run, name, `${run.base}/pupils?${query.toString()}`);
    if (!response.ok) return response;

    const paging = response.value.PupilSearchResponse.Paging;
    if (paging.Page !== page) return err(adapterFailure('protocol-error', `${name}: the server answered page ${paging.Page} instead`));
    if (paging.NextPage !== undefined && paging.NextPage !== page + 1) {
      return err(adapterFailure('protocol-error', `${name}: NextPage is not the following page`));
    }
    for (const pupil of response.value.PupilSearchResponse.CTfile.CTFpupilData.Pupil) {
      received += 1;
      byRecord.set(pupil.RecordID, pupil);
    }

    const more = paging.NextPage !== undefined;
    const reported = paging.TotalMatches;
    if (byRecord.size >= options.limit) {
      const pupils = [...byRecord.values()];
      return ok({ pupils: pupils.slice(0, options.limit), cut: candidateCapCut(search, options.limit, pupils.length, more, reported) });
    }
    if (!more) return ok({ pupils: [...byRecord.values()], cut: lastPageCut(search, received, byRecord.size, reported) });
    if (page >= run.settings.maxPages) return ok({ pupils: [...byRecord.values()], cut: pageCapCut(search, byRecord.size, reported) });
  }
}

/**
 * The transport's text decoder, refusing a DTD before anything else sees the body — so the
 * refusal is also in the call's orchestration. An error status with a DTD is reported by its
 * status alone.
 */
const decodeXmlText: BodyDecoder<string> = (text, response, callName) => {
  if (hasMarkupDeclaration(text)) {
    return response.ok
      ? err(adapterFailure('malformed-response', `${callName}: response contains a DOCTYPE or entity declaration, refused unparsed`))
      : err(statusFailure(response.status, `${callName}: HTTP ${response.status}`, response.retryAfterMs));
  }
  return decodeText(text, response, callName);
};

/** GET one page, authorising (and once re-authorising, for a refused cached token). */
async function getPage(run: LookupRun, name: string, url: string): Promise<Result<PupilSearchResponse, AdapterFailure>> {
  const got = await authorizedGet(run, name, url, 'application/xml', decodeXmlText);
  return got.ok ? readPage(name, got.value.status, got.value.body, got.value.retryAfterMs) : got;
}

/** Turns a body into a PupilSearchResponse, or the failure it represents. */
async function readPage(name: string, status: number, body: string, retryAfterMs?: number): Promise<Result<PupilSearchResponse, AdapterFailure>> {
  const success = status >= 200 && status < 300;
  if (!success) {
    // Only the error code of a PupilSearchError is reported; its message is server text.
    const document = await readPupilSearch(body, name);
    const code = document.ok && document.value.kind === 'error' ? `, ${document.value.code}` : '';
    return err(statusFailure(status, `${name}: HTTP ${status}${code}`, retryAfterMs));
  }
  const document = await readPupilSearch(body, name);
  if (!document.ok) return document;
  if (document.value.kind === 'error') {
    return err(adapterFailure('protocol-error', `${name}: HTTP ${status} with a PupilSearchError (${document.value.code})`));
  }
  return ok(document.value.response);
}
