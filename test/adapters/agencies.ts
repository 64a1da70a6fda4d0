/**
 * The five agencies as the adapter contract suite (contract.int.test.ts) sees them: how to start
 * the agency's real simulator on loopback, its adapter, whom to look for (the featured child by a
 * trusted identifier and by demographics, a crowd, nobody), how its protocol words a failure, and
 * a paging scenario that reaches the page cap.
 *
 * Why this file exists: every adapter must behave alike against its agency (one deadline, capped
 * bodies, no redirects, cuts reported, orchestrations without bodies or personal data); the suite
 * says so once, and each agency supplies only what differs. Synthetic people only.
 */
import type { AdapterOutcome, AgencyAdapter, AnswerCut, ConnectorSettings, SubjectQuery } from '../../src/adapters/port.ts';
import { createEducationAdapter } from '../../src/adapters/education/adapter.ts';
import { createFhirAdapter } from '../../src/adapters/fhir/adapter.ts';
import { createHousingAdapter } from '../../src/adapters/housing/adapter.ts';
import { createPoliceSoapAdapter } from '../../src/adapters/police/adapter.ts';
import { createSocialCareAdapter } from '../../src/adapters/social-care/adapter.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { SimulatorFaults } from '../../simulators/common/faults.ts';
import type { AgencySimulator } from '../../simulators/embedded.ts';
import { startEducationSimulator } from '../../simulators/education/server.ts';
import { startHealthSimulator } from '../../simulators/health/server.ts';
import { startHousingSimulator } from '../../simulators/housing/server.ts';
import { startPoliceSimulator } from '../../simulators/police/server.ts';
import { indexPoliceView, searchNominals } from '../../simulators/police/search.ts';
import { agencyView, DEFAULT_SEED, FEATURED_FAMILY, generatePopulation, type Population, type Pupil } from '../../simulators/population/index.ts';
import { startSocialCareSimulator } from '../../simulators/social-care/server.ts';
import * as education from '../education/fixtures.ts';
import * as health from '../health/fixtures.ts';
import * as housing from '../housing/fixtures.ts';
import * as police from '../police/fixtures.ts';
import * as socialCare from '../social-care/fixtures.ts';

/** One lookup's outcome, and the agency's ids of the candidates it found (none when it failed). */
export interface Looked {
  readonly outcome: AdapterOutcome<unknown>;
  readonly ids: readonly string[];
}

/** What the contract suite needs of one agency. */
export interface AgencyCase {
  readonly agency: Agency;
  /** The orchestration name of the lookup's first call, which every failure reason starts with. */
  readonly firstSearch: string;
  /** Values identifying the featured family: none may appear in an orchestration. */
  readonly identifying: readonly string[];
  start(): Promise<AgencySimulator>;
  settingsFor(baseUrl: string, overrides?: Partial<ConnectorSettings>): ConnectorSettings;
  /** A lookup with the agency's default adapter. */
  search(query: SubjectQuery, settings: ConnectorSettings): Promise<Looked>;
  /** The featured family found by a trusted identifier the agency holds: the query and the record it must find first. */
  readonly byIdentifier: { readonly query: SubjectQuery; readonly id: string };
  /** The featured child from demographics only: the query and a record it must find. */
  readonly byDemographics: { readonly query: SubjectQuery; readonly id: string };
  /** Someone the agency does not know. */
  readonly nobody: SubjectQuery;
  /** A query the agency's first search matches at least two people with. */
  crowd(): SubjectQuery;
  /** How the agency says its own cap bit: it lists the first N with the true total, or refuses (PDS TOO_MANY_MATCHES) with nobody read. */
  readonly agencyLimit: 'lists-first' | 'refuses';
  /** How the agency's protocol words an HTTP error status without an error document. */
  httpErrorReason(status: number): string;
  /**
   * Whether a failure found in reading a call's answer (an error status, a malformed body) is
   * also on the call's orchestration. The education adapter reads its answer after the call is
   * recorded, so its orchestration says only the status: a gap kept as it is (behaviour unchanged).
   */
  readonly recordsReadFailures: boolean;
  /** A broken body the simulator can send, and how the failure reason starts. */
  readonly malformed: { readonly faults: SimulatorFaults; readonly reason: string };
  /** A lookup over small pages that reaches `maxPages`, and the cut it must report (`total`: what the crowd matches). */
  readonly pageCap: { readonly maxPages: number; readonly search: (settings: ConnectorSettings) => Promise<Looked>; readonly cut: (total: number) => AnswerCut };
}

/** The case of one agency with its raw record type, erased to `AgencyCase` for the suite. */
interface AgencySpec<Raw> extends Omit<AgencyCase, 'search' | 'pageCap'> {
  readonly adapter: () => AgencyAdapter<Raw>;
  readonly candidateIds: (raw: Raw) => readonly string[];
  readonly pageCap: { readonly maxPages: number; readonly adapter: () => AgencyAdapter<Raw>; readonly query: () => SubjectQuery; readonly cut: (total: number) => AnswerCut };
}

async function look<Raw>(adapter: AgencyAdapter<Raw>, ids: (raw: Raw) => readonly string[], query: SubjectQuery, settings: ConnectorSettings): Promise<Looked> {
  const outcome = await adapter.search(query, settings);
  return { outcome, ids: outcome.kind === 'found' ? ids(outcome.records) : [] };
}

function agencyCase<Raw>(spec: AgencySpec<Raw>): AgencyCase {
  return {
    ...spec,
    search: (query, settings) => look(spec.adapter(), spec.candidateIds, query, settings),
    pageCap: {
      maxPages: spec.pageCap.maxPages,
      search: (settings) => look(spec.pageCap.adapter(), spec.candidateIds, spec.pageCap.query(), settings),
      cut: spec.pageCap.cut,
    },
  };
}

let population: Population | undefined;
/** The default synthetic population, generated once for the four simulators that serve it. */
function defaultPopulation(): Population {
  population ??= generatePopulation({ seed: DEFAULT_SEED });
  return population;
}

/** The population with `count` more pupils recorded as the featured child is (same name, birth date and home): an education crowd. */
function withLookalikes(base: Population, count: number): Population {
  const view = base.views.education;
  const featured = view.persons.find((p): p is Pupil => p.kind === 'pupil' && p.recordId === FEATURED_FAMILY.childRecords.education);
  if (featured === undefined) throw new Error('featured pupil missing');
  const { upn: _upn, ...rest } = featured;
  const lookalikes: Pupil[] = Array.from({ length: count }, (_, i) => ({ ...rest, recordId: `PUPX${String(i + 1).padStart(5, '0')}`, contactRecordIds: [] }));
  return { ...base, views: { ...base.views, education: { ...view, persons: [...view.persons, ...lookalikes] } } };
}

/** A surname and birth date the police simulator's search answers with at least `min` nominals. */
function policeCrowd(min: number): SubjectQuery {
  const view = defaultPopulation().views.police;
  const index = indexPoliceView(view);
  for (const nominal of view.nominals) {
    if (nominal.birthDate === undefined) continue;
    if (searchNominals(index, { names: [{ given: [], family: nominal.name.family }], birthDate: nominal.birthDate }).length >= min) {
      return { given: [], family: nominal.name.family, otherNames: [], birthDate: nominal.birthDate, addressLines: [], identifiers: [] };
    }
  }
  throw new Error(`no query in the population matches ${min} nominals`);
}

/** People of one agency view sharing `key` (at least `min` of them, key not ending empty): the shared key's parts. */
function sharedKey<P>(persons: readonly P[], key: (p: P) => string, min: number): string[] {
  const groups = new Map<string, number>();
  for (const p of persons) groups.set(key(p), (groups.get(key(p)) ?? 0) + 1);
  const shared = [...groups.entries()].find(([k, n]) => n >= min && !k.endsWith('|'))?.[0];
  if (shared === undefined) throw new Error(`no ${min} people share a key`);
  return shared.split('|');
}

const NOBODY: SubjectQuery = { given: ['Noone'], family: 'Nobody', otherNames: [], birthDate: '2001-01-01', postcode: 'ZZ9 9ZZ', addressLines: [], identifiers: [] };
const nonJson = (search: string) => (status: number): string => `${search}: HTTP ${status} with a non-JSON body`;

const healthCase = agencyCase({
  agency: 'health',
  firstSearch: 'Patient search',
  identifying: [...health.IDENTIFYING_VALUES, encodeURIComponent('NT1 4AB')],
  start: () => startHealthSimulator({ resources: [...health.familyResources(), ...health.extraEncounters(4)] }),
  settingsFor: health.settingsFor,
  adapter: () => createFhirAdapter(),
  candidateIds: (raw) => raw.patients.map((p) => p.patient.id),
  byIdentifier: { query: health.byNhsNumber, id: 'hc-child-1' },
  byDemographics: { query: health.byDemographics, id: 'hc-child-1' },
  nobody: NOBODY,
  // Family name and postcode find two patients: the child and his mother.
  crowd: () => ({ ...health.byDemographics, given: [], birthDate: undefined }),
  agencyLimit: 'refuses',
  httpErrorReason: nonJson('Patient search'),
  recordsReadFailures: true,
  malformed: { faults: { malformed: 'json' }, reason: 'Patient search: response is not valid JSON' },
  // Seven encounters (Bundle.total) in pages of two: two pages read four.
  pageCap: { maxPages: 2, adapter: () => createFhirAdapter({ pageSize: 2 }), query: () => health.byNhsNumber, cut: () => ({ reason: 'page-cap', search: 'Encounter search', read: 4, reported: 7 }) },
});

const policeCase = agencyCase({
  agency: 'police',
  firstSearch: 'PersonSearch',
  identifying: ['Robert', 'Smith', 'Bobby', '2017-03-04', 'WF13', 'Alder', FEATURED_FAMILY.nhsNumber, 'NOM000001', '418273'],
  start: () => startPoliceSimulator({ population: defaultPopulation() }),
  settingsFor: police.settingsFor,
  adapter: () => createPoliceSoapAdapter(),
  candidateIds: (raw) => raw.results.map((r) => r.Nominal.NominalIdentification),
  // The featured child has no PNC id; his step-father has one.
  byIdentifier: { query: { ...police.featuredStepFatherQuery, identifiers: [{ system: 'pnc-id', value: '05/418273V' }] }, id: 'NOM000004' },
  byDemographics: { query: police.referralChildQuery(), id: FEATURED_FAMILY.childRecords.police },
  nobody: { ...NOBODY, birthDate: '1901-01-01' },
  crowd: () => policeCrowd(7),
  agencyLimit: 'lists-first',
  httpErrorReason: (status) => `PersonSearch: HTTP ${status} without a SOAP fault`,
  recordsReadFailures: true,
  malformed: { faults: { malformed: 'xml' }, reason: 'PersonSearch: response is not well-formed XML' },
  pageCap: { maxPages: 2, adapter: () => createPoliceSoapAdapter({ pageSize: 2 }), query: () => policeCrowd(7), cut: (total) => ({ reason: 'page-cap', search: 'PersonSearch', read: 4, reported: total }) },
});

const educationCase = agencyCase({
  agency: 'education',
  firstSearch: 'Pupil search',
  identifying: education.IDENTIFYING_VALUES,
  // Five lookalikes of the featured child make a crowd for his own search.
  start: () => startEducationSimulator({ population: withLookalikes(defaultPopulation(), 5) }),
  settingsFor: education.settingsFor,
  adapter: () => createEducationAdapter(),
  candidateIds: (raw) => raw.pupils.map((p) => p.RecordID),
  byIdentifier: { query: { ...education.referralQuery(), identifiers: [{ system: 'upn', value: FEATURED_FAMILY.upn.toLowerCase() }] }, id: FEATURED_FAMILY.childRecords.education },
  byDemographics: { query: education.referralQuery(), id: FEATURED_FAMILY.childRecords.education },
  nobody: NOBODY,
  crowd: () => education.referralQuery(),
  agencyLimit: 'lists-first',
  httpErrorReason: (status) => `Pupil search: HTTP ${status}`,
  recordsReadFailures: false,
  malformed: { faults: { malformed: 'json' }, reason: 'Pupil search: response is not XML' },
  pageCap: { maxPages: 2, adapter: () => createEducationAdapter({ pageSize: 2 }), query: () => education.referralQuery(), cut: (total) => ({ reason: 'page-cap', search: 'Pupil search', read: 4, reported: total }) },
});

/** A housing person with at least two alerts: their alerts page past a cap of one page of one. */
function housingAlertsPerson(): { readonly query: SubjectQuery; readonly alerts: number } {
  const person = agencyView(defaultPopulation(), 'housing').persons.find((p) => p.alerts.length >= 2 && p.birthDate !== undefined);
  if (person?.birthDate === undefined) throw new Error('population has no person with two alerts');
  return { query: { given: person.name.given, family: person.name.family, otherNames: [], birthDate: person.birthDate, addressLines: [], identifiers: [] }, alerts: person.alerts.length };
}

const housingCase = agencyCase({
  agency: 'housing',
  firstSearch: 'Person search',
  identifying: [...housing.IDENTIFYING_VALUES, encodeURIComponent('WF13 2QP')],
  start: () => startHousingSimulator({ population: defaultPopulation() }),
  settingsFor: housing.settingsFor,
  adapter: () => createHousingAdapter(),
  candidateIds: (raw) => raw.persons.map((p) => p.person.personRef),
  byIdentifier: { query: housing.referralQuery, id: FEATURED_FAMILY.childRecords.housing },
  byDemographics: { query: { ...housing.referralQuery, identifiers: [] }, id: FEATURED_FAMILY.childRecords.housing },
  nobody: NOBODY,
  // Surname, an initial and a postcode (no birth date): several people of one household.
  crowd: () => {
    const [family = '', initial = '', postcode = ''] = sharedKey(
      agencyView(defaultPopulation(), 'housing').persons,
      (p) => `${p.name.family}|${(p.name.given[0] ?? '').charAt(0)}|${p.address?.postcode ?? ''}`,
      3,
    );
    return { given: [initial], family, otherNames: [], postcode, addressLines: [], identifiers: [] };
  },
  agencyLimit: 'lists-first',
  httpErrorReason: nonJson('Person search'),
  recordsReadFailures: true,
  malformed: { faults: { malformed: 'json' }, reason: 'Person search: response is not valid JSON' },
  pageCap: {
    maxPages: 1,
    adapter: () => createHousingAdapter({ pageSize: 1 }),
    query: () => housingAlertsPerson().query,
    cut: () => ({ reason: 'page-cap', search: 'Person alerts', read: 1, reported: housingAlertsPerson().alerts }),
  },
});

const socialCareCase = agencyCase({
  agency: 'social-care',
  firstSearch: 'People search',
  identifying: socialCare.FEATURED_IDENTIFYING_VALUES,
  start: () => startSocialCareSimulator({ population: defaultPopulation() }),
  settingsFor: socialCare.settingsFor,
  adapter: () => createSocialCareAdapter(),
  candidateIds: (raw) => raw.people.map((p) => p.person.personId),
  byIdentifier: { query: socialCare.featuredReferralQuery, id: FEATURED_FAMILY.childRecords['social-care'] },
  byDemographics: { query: socialCare.featuredByDemographics, id: FEATURED_FAMILY.childRecords['social-care'] },
  nobody: NOBODY,
  // Family name and postcode, no birth date (the search the adapter makes without one): a household.
  crowd: () => {
    const [family = '', postcode = ''] = sharedKey(agencyView(defaultPopulation(), 'social-care').persons, (p) => `${p.name.family}|${p.address?.postcode ?? ''}`, 2);
    return { ...socialCare.featuredByDemographics, given: [], family, postcode, otherNames: [], birthDate: undefined };
  },
  agencyLimit: 'lists-first',
  httpErrorReason: nonJson('People search'),
  recordsReadFailures: true,
  malformed: { faults: { malformed: 'json' }, reason: 'People search: response is not valid JSON' },
  // The featured child's three relationships in pages of one: two pages read two.
  pageCap: { maxPages: 2, adapter: () => createSocialCareAdapter({ pageSize: 1 }), query: () => socialCare.featuredReferralQuery, cut: () => ({ reason: 'page-cap', search: 'Relationships', read: 2, reported: 3 }) },
});

/** Every agency, in the order the hub lists them. */
export const AGENCY_CASES: readonly AgencyCase[] = [healthCase, policeCase, educationCase, housingCase, socialCareCase];
