/**
 * The FHIR R4 (UK Core) adapter: a subject query in, candidate patients and their
 * encounters, conditions, flags, episodes of care and related persons out.
 *
 * Why this file exists: health is the one agency that speaks FHIR REST. The search strategy
 * lives here — NHS number first, then demographic searches from most to least specific —
 * because what a FHIR server can search on is protocol knowledge; deciding which candidate is
 * the referred child is the hub's job (identity matching), so several candidates may return.
 *
 * Every call shares one deadline (`settings.timeoutMs`, all pages included); the first
 * failure cancels the calls still running and fails the lookup with its reason. Expected
 * failures are values (CONVENTIONS.md §3); nothing here throws for them.
 */
import type { AdapterContext, AdapterFailure, AdapterOutcome, AgencyAdapter, AnswerCut, ConnectorSettings, Orchestration, SubjectQuery } from '../port.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import { candidateCapCut, lastPageCut, pageCapCut, tooManyMatchesCut } from '../cuts.ts';
import { createTokenCache } from '../http/auth.ts';
import { adapterFailure, decodeJson, statusFailure } from '../http/exchange.ts';
import { describeIssue, type ItemSchema } from '../http/issues.ts';
import { sameServerUrl } from '../http/links.ts';
import { authorizedGet, gatherFetched, inSlot, withLookupRun, type Fetched, type LookupRun } from '../http/lookup-run.ts';
import { normalisePostcode, searchList, type SearchParams } from '../search-plan.ts';
import {
  FhirCondition,
  FhirEncounter,
  FhirEpisodeOfCare,
  FhirFlag,
  FhirOperationOutcome,
  FhirPatient,
  FhirRelatedPerson,
  FhirSearchBundle,
  NHS_NUMBER_SYSTEM,
  type HealthPatientRecords,
  type HealthRaw,
} from './types.ts';

/** Tuning of one adapter instance; the defaults suit a trust or national endpoint. The candidate cap is the connector's (`maxCandidates`). */
export interface FhirAdapterOptions {
  readonly clock?: Clock;
  /** Most calls in flight at once for one lookup. Default 4. */
  readonly concurrency?: number;
  /** `_count` asked for on searches of a patient's records. Default 100. */
  readonly pageSize?: number;
}

interface SearchResult<T> {
  readonly resources: readonly T[];
  /** Why further matches were left unread, if they were. */
  readonly cut: AnswerCut | undefined;
}

const cutsOf = (...cuts: readonly (AnswerCut | undefined)[]): AnswerCut[] => cuts.filter((c) => c !== undefined);

const ADAPTER_TYPE = 'fhir-r4';

/**
 * Creates the FHIR R4 adapter. One instance serves every FHIR connector; it holds the
 * OAuth token cache, so make it once in the composition root.
 */
export function createFhirAdapter(options: FhirAdapterOptions = {}): AgencyAdapter<HealthRaw> {
  const clock = options.clock ?? systemClock;
  const concurrency = options.concurrency ?? 4;
  const pageSize = options.pageSize ?? 100;
  const tokens = createTokenCache();

  return {
    type: ADAPTER_TYPE,
    async search(query: SubjectQuery, settings: ConnectorSettings, context?: AdapterContext): Promise<AdapterOutcome<HealthRaw>> {
      const orchestrations: Orchestration[] = [];
      return withLookupRun(settings, context, { clock, tokens, concurrency, orchestrations }, async (run) => {
        const candidates = await findPatients(run, query, settings.maxCandidates);
        if (!candidates.ok) return { kind: 'failed', failure: candidates.error, orchestrations };

        const fetched = gatherFetched(run, await Promise.all(candidates.value.resources.map((patient) => patientRecords(run, patient, pageSize))));
        if (!fetched.ok) return { kind: 'failed', failure: fetched.error, orchestrations };
        return { kind: 'found', records: { patients: fetched.value.records }, cuts: [...cutsOf(candidates.value.cut), ...fetched.value.cuts], orchestrations };
      });
    },
  };
}

/**
 * NHS number first; when it finds no one (or there is none), demographic searches, most specific
 * first. A search the agency refuses as matching too many people ends the list too: the later
 * searches are broader still.
 */
async function findPatients(run: LookupRun, query: SubjectQuery, maxCandidates: number): Promise<Result<SearchResult<FhirPatient>, AdapterFailure>> {
  for (const params of patientSearches(query)) {
    const found = await searchAll(run, 'Patient', FhirPatient, params, { pageSize: maxCandidates, limit: maxCandidates, candidates: true });
    if (!found.ok || found.value.resources.length > 0 || found.value.cut !== undefined) return found;
  }
  return ok({ resources: [], cut: undefined });
}

/**
 * The Patient searches to try, in order, without duplicates. Each later search drops a
 * criterion that agency records often get wrong: the postcode (people move), the given name
 * (nicknames, initials), the family name (step-families, typos); aliases come last.
 */
export function patientSearches(query: SubjectQuery): SearchParams[] {
  const { searches, add } = searchList(1);

  const nhsNumber = query.identifiers.find((i) => i.system === 'nhs-number')?.value.replace(/\s+/g, '');
  if (nhsNumber !== undefined && nhsNumber !== '') add([['identifier', `${NHS_NUMBER_SYSTEM}|${nhsNumber}`]]);

  const birthDate = query.birthDate;
  // "ls62qr" → "LS6 2QR": FHIR string search is a prefix match, so the space must be where the server has it.
  const postcode = query.postcode === undefined ? undefined : normalisePostcode(query.postcode);
  const names = [{ given: query.given, family: query.family }, ...query.otherNames].map((n) => ({ given: n.given[0]?.trim() ?? '', family: n.family.trim() }));
  const primary = names[0];
  if (primary === undefined) return searches;
  const p = (name: string, value: string | undefined): readonly (readonly [string, string])[] => (value === undefined || value === '' ? [] : [[name, value]]);

  if (birthDate !== undefined) {
    if (postcode !== undefined) add([...p('family', primary.family), ...p('given', primary.given), ['birthdate', birthDate], ['address-postalcode', postcode]]);
    add([...p('family', primary.family), ...p('given', primary.given), ['birthdate', birthDate]]);
    add([...p('family', primary.family), ['birthdate', birthDate]]);
    if (postcode !== undefined) add([...p('given', primary.given), ['birthdate', birthDate], ['address-postalcode', postcode]]);
    for (const alias of names.slice(1)) add([...p('family', alias.family), ...p('given', alias.given), ['birthdate', birthDate]]);
  } else if (primary.family !== '') {
    // Without a birth date a name alone matches too many people; the postcode must narrow it.
    if (postcode !== undefined) add([['family', primary.family], ...p('given', primary.given), ['address-postalcode', postcode]]);
    for (const alias of names.slice(1)) {
      if (postcode !== undefined && alias.family !== '') add([['family', alias.family], ...p('given', alias.given), ['address-postalcode', postcode]]);
    }
  }
  return searches;
}

/** Everything recorded against one patient: five searches, run within the lookup's slots. */
async function patientRecords(run: LookupRun, patient: FhirPatient, pageSize: number): Promise<Result<Fetched<HealthPatientRecords>, AdapterFailure>> {
  const byPatient: SearchParams = [['patient', patient.id]];
  const options = { pageSize, limit: Number.POSITIVE_INFINITY, candidates: false };
  const [encounters, conditions, flags, episodes, related] = await Promise.all([
    inSlot(run, () => searchAll(run, 'Encounter', FhirEncounter, byPatient, options)),
    inSlot(run, () => searchAll(run, 'Condition', FhirCondition, byPatient, options)),
    inSlot(run, () => searchAll(run, 'Flag', FhirFlag, byPatient, options)),
    inSlot(run, () => searchAll(run, 'EpisodeOfCare', FhirEpisodeOfCare, byPatient, options)),
    inSlot(run, () => searchAll(run, 'RelatedPerson', FhirRelatedPerson, byPatient, options)),
  ]);
  if (!encounters.ok) return encounters;
  if (!conditions.ok) return conditions;
  if (!flags.ok) return flags;
  if (!episodes.ok) return episodes;
  if (!related.ok) return related;
  return ok({
    records: {
      patient,
      encounters: encounters.value.resources,
      conditions: conditions.value.resources,
      flags: flags.value.resources,
      episodesOfCare: episodes.value.resources,
      relatedPersons: related.value.resources,
    },
    cuts: cutsOf(encounters.value.cut, conditions.value.cut, flags.value.cut, episodes.value.cut, related.value.cut),
  });
}

/**
 * Runs a search and follows `Bundle.link[next]` up to `maxPages`, parsing every entry of the
 * asked-for type with its schema. Stops early once `limit` resources are in hand. Whatever it
 * leaves unread is its cut: the limit (a candidate search's cap), the page cap, or the agency's
 * own (a `Bundle.total` above what it sent; PDS `TOO_MANY_MATCHES` on a candidate search).
 */
async function searchAll<T extends { readonly id: string }>(
  run: LookupRun,
  resourceType: string,
  schema: ItemSchema<T>,
  params: SearchParams,
  options: { readonly pageSize: number; readonly limit: number; readonly candidates: boolean },
): Promise<Result<SearchResult<T>, AdapterFailure>> {
  const query = new URLSearchParams([...params.map(([k, v]): [string, string] => [k, v]), ['_count', String(options.pageSize)]]);
  const search = `${resourceType} search`;
  let url = `${run.base}/${resourceType}?${query.toString()}`;
  const byId = new Map<string, T>();
  let received = 0;
  for (let page = 1; ; page += 1) {
    const name = page === 1 ? search : `${search} page ${page}`;
    const got = await getBundle(run, name, url);
    if (!got.ok) return got;
    if (got.value.kind === 'too-many-matches') {
      // PDS answers 200 with this OperationOutcome when more match than it will list: an
      // agency limit on who the hub may consider, not a failure — but only where candidates are
      // sought; anywhere else it is not an answer to the question asked.
      if (options.candidates && page === 1) return ok({ resources: [], cut: tooManyMatchesCut(search) });
      return err(adapterFailure('protocol-error', `${name}: HTTP 200, OperationOutcome multiple-matches`));
    }
    const bundle = got.value.bundle;

    for (const [index, entry] of (bundle.entry ?? []).entries()) {
      // Included resources and outcome warnings are not matches (FHIR R4 §3.1.1.5.6).
      if (entry.search?.mode === 'include' || entry.search?.mode === 'outcome') continue;
      if (entry.resource === undefined || entry.resource.resourceType !== resourceType) continue;
      const parsed = schema.safeParse(entry.resource);
      if (!parsed.success) {
        return err(adapterFailure('malformed-response', `${name}: entry ${index} is not a valid ${resourceType} (${describeIssue(parsed.error.issues)})`));
      }
      received += 1;
      byId.set(parsed.data.id, parsed.data);
    }

    // Bundle.total: the number of matches, when the server says (FHIR R4 Bundle.total, search only).
    const reported = bundle.total;
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (byId.size >= options.limit) {
      const resources = [...byId.values()];
      return ok({ resources: resources.slice(0, options.limit), cut: candidateCapCut(search, options.limit, resources.length, next !== undefined, reported) });
    }
    if (next === undefined) return ok({ resources: [...byId.values()], cut: lastPageCut(search, received, byId.size, reported) });
    if (page >= run.settings.maxPages) return ok({ resources: [...byId.values()], cut: pageCapCut(search, byId.size, reported) });
    const nextUrl = sameServerUrl(run.base, next);
    if (nextUrl === undefined) {
      // Following it would send our Authorization header to a server the connector does not name.
      return err(adapterFailure('protocol-error', `${name}: next link points outside the connector's base URL`));
    }
    url = nextUrl;
  }
}

type SearchPage = { readonly kind: 'bundle'; readonly bundle: FhirSearchBundle } | { readonly kind: 'too-many-matches' };

/** GET one searchset Bundle, authorising (and once re-authorising, for a refused cached token). */
async function getBundle(run: LookupRun, name: string, url: string): Promise<Result<SearchPage, AdapterFailure>> {
  const got = await authorizedGet(run, name, url, 'application/fhir+json', decodeJson);
  return got.ok ? readBundle(name, got.value.status, got.value.body, got.value.retryAfterMs) : got;
}

/**
 * An OperationOutcome that says the search matched too many to list: issue type
 * `multiple-matches` (FHIR R4 issue-type), or the Spine code `TOO_MANY_MATCHES` (PDS FHIR API,
 * patient search: "HTTP 200 … TOO_MANY_MATCHES").
 */
function saysTooManyMatches(outcome: FhirOperationOutcome): boolean {
  return outcome.issue.some((issue) => issue.code === 'multiple-matches' || (issue.details?.coding ?? []).some((c) => c.code === 'TOO_MANY_MATCHES'));
}

/** Turns a JSON body into a searchset Bundle (or PDS's "too many matches"), or the failure it represents. */
function readBundle(name: string, status: number, json: unknown, retryAfterMs?: number): Result<SearchPage, AdapterFailure> {
  const outcome = FhirOperationOutcome.safeParse(json);
  if (outcome.success) {
    if (status >= 200 && status < 300 && saysTooManyMatches(outcome.data)) return ok({ kind: 'too-many-matches' });
    const reason = `${name}: HTTP ${status}, OperationOutcome ${describeOutcome(outcome.data)}`;
    if (status >= 200 && status < 300) return err(adapterFailure('protocol-error', reason));
    return err(statusFailure(status, reason, retryAfterMs));
  }
  if (status < 200 || status >= 300) return err(statusFailure(status, `${name}: HTTP ${status}`, retryAfterMs));
  const bundle = FhirSearchBundle.safeParse(json);
  if (!bundle.success) {
    const resourceType = typeof json === 'object' && json !== null && 'resourceType' in json ? json.resourceType : undefined;
    if (typeof resourceType === 'string' && resourceType !== 'Bundle') {
      const shown = /^[A-Za-z]{1,64}$/.test(resourceType) ? resourceType : 'another resource';
      return err(adapterFailure('protocol-error', `${name}: expected a searchset Bundle, got ${shown}`));
    }
    return err(adapterFailure('malformed-response', `${name}: response is not a FHIR Bundle (${describeIssue(bundle.error.issues)})`));
  }
  if (bundle.data.type !== undefined && bundle.data.type !== 'searchset') {
    return err(adapterFailure('protocol-error', `${name}: expected a searchset Bundle, got Bundle.type ${bundle.data.type.slice(0, 30)}`));
  }
  return ok({ kind: 'bundle', bundle: bundle.data });
}

/** "not-found: <diagnostics>" from the first issue; server text is cut short and stripped of control characters. */
function describeOutcome(outcome: FhirOperationOutcome): string {
  const issue = outcome.issue[0];
  if (issue === undefined) return 'without issues';
  const code = issue.code !== undefined && /^[a-z-]{1,40}$/.test(issue.code) ? issue.code : 'unknown';
  const text = issue.diagnostics ?? issue.details?.text;
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const cleaned = text?.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim().slice(0, 200);
  return cleaned === undefined || cleaned === '' ? code : `${code}: ${cleaned}`;
}
