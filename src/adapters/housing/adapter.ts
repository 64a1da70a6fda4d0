/**
 * The housing adapter: a subject query in, candidate persons from a housing management REST
 * API out, each with their tenancies (and household members), anti-social behaviour cases,
 * homelessness applications and UKHDS person alerts, plus the rent accounts and possession
 * notices of those tenancies.
 *
 * Why this file exists: housing is the agency that speaks plain REST JSON (contracts/housing/
 * openapi.json) behind OAuth 2.0 client credentials. The lookup is: person searches from most
 * to least specific (searches.ts) until one finds someone, capped at `maxCandidates`; then, per
 * candidate, four person-filtered collections; then, per tenancy found, the rent account and
 * notices — because arrears and a Notice of Seeking Possession belong to the household's
 * tenancy, and the referred child is a household member, never the account holder.
 *
 * Identifying values travel only in query strings (`?personRef=`, `?tenancyRef=`), which the
 * shared transport redacts from orchestrations; paths carry none. One deadline covers every
 * call (`settings.timeoutMs`); the first failure cancels the calls still running and fails the
 * lookup with its reason. Expected failures are values (CONVENTIONS.md §3).
 */
import type { AdapterContext, AdapterFailure, AdapterOutcome, AgencyAdapter, AnswerCut, ConnectorSettings, Orchestration, SubjectQuery } from '../port.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { ok, type Result } from '../../lib/result.ts';
import { createTokenCache } from '../http/auth.ts';
import { gatherFetched, inSlot, withLookupRun, type Fetched, type LookupRun } from '../http/lookup-run.ts';
import { readCollection, type Collection } from './client.ts';
import { personSearches } from './searches.ts';
import {
  HousingAsbCase,
  HousingHomelessnessApplication,
  HousingNotice,
  HousingPerson,
  HousingRentAccount,
  HousingTenancy,
  UkhdsPersonAlert,
  type HousingPersonRecords,
  type HousingRaw,
  type HousingTenancyRecords,
} from './types.ts';

/** The connector type this adapter serves. */
export const HOUSING_ADAPTER_TYPE = 'housing-rest';

/** Tuning of one adapter instance; the defaults suit a council housing system. The candidate cap is the connector's (`maxCandidates`). */
export interface HousingAdapterOptions {
  readonly clock?: Clock;
  /** Most calls in flight at once for one lookup. Default 4. */
  readonly concurrency?: number;
  /** `pageSize` asked for on a person's or tenancy's collections. Default 50. */
  readonly pageSize?: number;
}

/**
 * Creates the housing adapter. One instance serves every housing connector; it holds the
 * OAuth token cache, so make it once in the composition root.
 */
export function createHousingAdapter(options: HousingAdapterOptions = {}): AgencyAdapter<HousingRaw> {
  const clock = options.clock ?? systemClock;
  const concurrency = options.concurrency ?? 4;
  const pageSize = options.pageSize ?? 50;
  const tokens = createTokenCache();

  return {
    type: HOUSING_ADAPTER_TYPE,
    async search(query: SubjectQuery, settings: ConnectorSettings, context?: AdapterContext): Promise<AdapterOutcome<HousingRaw>> {
      const orchestrations: Orchestration[] = [];
      const outcome = await withLookupRun(settings, context, { clock, tokens, concurrency, orchestrations }, (run) => lookup(run, query, settings.maxCandidates, pageSize));
      return outcome.ok ? { kind: 'found', records: outcome.value.records, cuts: outcome.value.cuts, orchestrations } : { kind: 'failed', failure: outcome.error, orchestrations };
    },
  };
}

const cutsOf = (...cuts: readonly (AnswerCut | undefined)[]): AnswerCut[] => cuts.filter((c) => c !== undefined);

async function lookup(run: LookupRun, query: SubjectQuery, maxCandidates: number, pageSize: number): Promise<Result<Fetched<HousingRaw>, AdapterFailure>> {
  const candidates = await findPersons(run, query, maxCandidates);
  if (!candidates.ok) return candidates;

  const persons = gatherFetched(run, await Promise.all(candidates.value.items.map((person) => personRecords(run, person, pageSize))));
  if (!persons.ok) return persons;

  const tenancyRefs = [...new Set(persons.value.records.flatMap((p) => p.tenancies.map((t) => t.tenancyRef)))];
  const tenancies = gatherFetched(run, await Promise.all(tenancyRefs.map((ref) => tenancyRecords(run, ref, pageSize))));
  if (!tenancies.ok) return tenancies;
  const cuts = [...cutsOf(candidates.value.cut), ...persons.value.cuts, ...tenancies.value.cuts];
  return ok({ records: { persons: persons.value.records, tenancies: tenancies.value.records }, cuts });
}

/** Each search in turn until one finds someone (or is cut); at most `maxCandidates` of them. */
async function findPersons(run: LookupRun, query: SubjectQuery, maxCandidates: number): Promise<Result<Collection<HousingPerson>, AdapterFailure>> {
  for (const params of personSearches(query)) {
    const found = await readCollection(run, {
      name: 'Person search',
      path: '/persons',
      params,
      schema: HousingPerson,
      pageSize: maxCandidates,
      limit: maxCandidates,
      key: (p) => p.personRef,
    });
    if (!found.ok || found.value.items.length > 0 || found.value.cut !== undefined) return found;
  }
  return ok({ items: [], cut: undefined });
}

/** Everything filed against one person: four collections, run within the lookup's slots. */
async function personRecords(run: LookupRun, person: HousingPerson, pageSize: number): Promise<Result<Fetched<HousingPersonRecords>, AdapterFailure>> {
  const ref = person.personRef;
  const byPerson = [['personRef', ref]] as const;
  const common = { params: byPerson, pageSize, limit: Number.POSITIVE_INFINITY };
  const [tenancies, asbCases, applications, alerts] = await Promise.all([
    inSlot(run, () =>
      readCollection(run, { ...common, name: 'Tenancies', path: '/tenancies', schema: HousingTenancy, key: (t) => t.tenancyRef, belongs: (t) => t.members.some((m) => m.personRef === ref) }),
    ),
    inSlot(run, () =>
      readCollection(run, { ...common, name: 'ASB cases', path: '/asb-cases', schema: HousingAsbCase, key: (c) => c.caseRef, belongs: (c) => c.parties.some((p) => p.personRef === ref) }),
    ),
    inSlot(run, () =>
      readCollection(run, {
        ...common,
        name: 'Homelessness applications',
        path: '/homelessness-applications',
        schema: HousingHomelessnessApplication,
        key: (a) => a.applicationRef,
        belongs: (a) => a.applicant.personRef === ref || a.householdMembers.some((m) => m.personRef === ref),
      }),
    ),
    inSlot(run, () =>
      readCollection(run, {
        ...common,
        name: 'Person alerts',
        path: '/person-alerts',
        schema: UkhdsPersonAlert,
        key: (a) => String(a.person_alert_id),
        belongs: (a) => a.person_id === person.personId,
      }),
    ),
  ]);
  if (!tenancies.ok) return tenancies;
  if (!asbCases.ok) return asbCases;
  if (!applications.ok) return applications;
  if (!alerts.ok) return alerts;
  return ok({
    records: { person, tenancies: tenancies.value.items, asbCases: asbCases.value.items, homelessnessApplications: applications.value.items, alerts: alerts.value.items },
    cuts: cutsOf(tenancies.value.cut, asbCases.value.cut, applications.value.cut, alerts.value.cut),
  });
}

/** A tenancy's rent accounts and possession notices. */
async function tenancyRecords(run: LookupRun, tenancyRef: string, pageSize: number): Promise<Result<Fetched<HousingTenancyRecords>, AdapterFailure>> {
  const common = { params: [['tenancyRef', tenancyRef]] as const, pageSize, limit: Number.POSITIVE_INFINITY };
  const [accounts, notices] = await Promise.all([
    inSlot(run, () =>
      readCollection(run, { ...common, name: 'Rent accounts', path: '/rent-accounts', schema: HousingRentAccount, key: (a) => a.accountRef, belongs: (a) => a.tenancyRef === tenancyRef }),
    ),
    inSlot(run, () =>
      readCollection(run, { ...common, name: 'Notices', path: '/notices', schema: HousingNotice, key: (n) => n.noticeRef, belongs: (n) => n.tenancyRef === tenancyRef }),
    ),
  ]);
  if (!accounts.ok) return accounts;
  if (!notices.ok) return notices;
  return ok({ records: { tenancyRef, rentAccounts: accounts.value.items, notices: notices.value.items }, cuts: cutsOf(accounts.value.cut, notices.value.cut) });
}
