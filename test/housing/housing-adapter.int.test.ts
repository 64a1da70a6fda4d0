/**
 * The housing adapter against the real housing simulator on loopback, serving the default
 * synthetic population: the featured family found from the referral's details and mapped to
 * facts, search fallbacks past noisy records, paging, problem documents, follow-up calls failing
 * or passing the deadline, wrong shapes, XML with an external entity, and OAuth 2.0 client
 * credentials: what is particular to the housing REST API. What every adapter must show (deadline, size cap, HTTP errors, cuts, redirects, clean
 * orchestrations) is the adapter contract, test/adapters/contract.int.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorAuth, Orchestration, SubjectQuery } from '../../src/adapters/port.ts';
import { createHousingAdapter } from '../../src/adapters/housing/adapter.ts';
import type { HousingRaw } from '../../src/adapters/housing/types.ts';
import { mapHousing } from '../../src/mapping/housing.ts';
import { connectorKit } from '../../src/research/registry.ts';
import { Fact, type EventFact, type FlagFact, type RelationshipFact } from '../../src/model/fact.ts';
import { agencyView, DEFAULT_SEED, FEATURED_FAMILY, generatePopulation, type Population } from '../../simulators/population/index.ts';
import { startHousingSimulator, type HousingSimulator } from '../../simulators/housing/server.ts';
import { failure, found } from '../support/outcomes.ts';
import { makeTempDir } from '../support/tmp.ts';
import { IDENTIFYING_VALUES, mappingContext, referralQuery, settingsFor } from './fixtures.ts';

function expectNoIdentifyingValues(orchestrations: readonly Orchestration[]): void {
  const text = JSON.stringify(orchestrations);
  for (const value of IDENTIFYING_VALUES) expect(text).not.toContain(value);
  expect(text).not.toContain(encodeURIComponent('WF13 2QP'));
}

const facts = (raw: HousingRaw): Fact[] => {
  const mapped = mapHousing(raw, mappingContext);
  for (const fact of mapped) expect(Fact.safeParse(fact).success, JSON.stringify(fact)).toBe(true);
  return mapped;
};

let population: Population;

beforeAll(() => {
  population = generatePopulation({ seed: DEFAULT_SEED });
});

describe('housing adapter against the housing simulator (no auth)', () => {
  let sim: HousingSimulator;
  const adapter = createHousingAdapter();

  beforeAll(async () => {
    const started = performance.now();
    sim = await startHousingSimulator({ population });
    expect(performance.now() - started).toBeLessThan(1_000);
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.setFaults({});
  });

  it("finds the featured child from the referral's details, with his household's tenancy, rent account, notices and alerts", async () => {
    const outcome = await adapter.search(referralQuery, settingsFor(sim.url));
    const raw = found(outcome);
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([]);
    expect(raw.persons.map((p) => p.person.personRef)).toEqual([FEATURED_FAMILY.childRecords.housing]);
    const [child] = raw.persons;
    expect(child?.tenancies.map((t) => [t.tenancyRef, t.address.uprn, t.members.length])).toEqual([['TEN000001', FEATURED_FAMILY.uprn, 4]]);
    expect(child?.alerts.map((a) => a.person_alert_code.alert_subcode)).toEqual(['SAF2.02']);
    expect(raw.tenancies).toHaveLength(1);
    expect(raw.tenancies[0]?.rentAccounts[0]?.arrearsHistory.map((e) => e.arrearsBalance)).toEqual([640, 1240]);
    expect(raw.tenancies[0]?.notices.map((n) => n.noticeType)).toEqual(['NOSP']);

    expect(outcome.orchestrations.map((o) => o.name)).toEqual(['Person search', 'Tenancies', 'ASB cases', 'Homelessness applications', 'Person alerts', 'Rent accounts', 'Notices']);
    expect(outcome.orchestrations.every((o) => o.status === 200 && o.method === 'GET' && o.durationMs >= 0)).toBe(true);
    expect(outcome.orchestrations[0]?.url).toBe(`${sim.url}/persons?surname=[redacted]&dateOfBirth=[redacted]&page=[redacted]&pageSize=[redacted]`);
    expect(outcome.orchestrations[1]?.url).toBe(`${sim.url}/tenancies?personRef=[redacted]&page=[redacted]&pageSize=[redacted]`);
    expectNoIdentifyingValues(outcome.orchestrations);
  });

  it("brings the featured family's key housing events through as facts", async () => {
    const child = facts(found(await adapter.search(referralQuery, settingsFor(sim.url))));
    const events = child.filter((f): f is EventFact => f.kind === 'event');
    expect(events.map((e) => [e.eventKind, e.date, e.personRef, e.provenance.sensitivity]).sort()).toEqual(
      [
        ['tenancy', '2022-05-16', 'Person/HPR-000003', 'open'],
        ['other', '2026-04-07', 'Person/HPR-000003', 'open'],
        ['other', '2026-07-14', 'Person/HPR-000003', 'open'],
        ['eviction', '2026-10-01', 'Person/HPR-000003', 'sensitive'],
      ].sort(),
    );
    expect(events.find((e) => e.eventKind === 'eviction')?.summary).toBe('Notice of Seeking Possession served on tenancy TEN000001 (arrears £1,515.00)');
    expect(events.filter((e) => e.eventKind === 'other').map((e) => e.summary)).toEqual(['Rent arrears of £640.00 on tenancy TEN000001', 'Rent arrears of £1,240.00 on tenancy TEN000001']);
    expect(child.find((f): f is FlagFact => f.kind === 'flag')).toMatchObject({ personRef: 'Person/HPR-000001', flagKind: 'SAF2.02', status: 'active', provenance: { sensitivity: 'sensitive' } });
    const ties = child.filter((f): f is RelationshipFact => f.kind === 'relationship').map((r) => [r.relatedRef, r.relationship]);
    expect(ties.sort()).toEqual([['Person/HPR-000002', 'household-member'], ['Person/HPR-000003', 'parent'], ['Person/HPR-000004', 'household-member']]);
    expect(child.find((f) => f.kind === 'person' && f.personRef === 'Person/HPR-000001')).toMatchObject({ addresses: [{ uprn: FEATURED_FAMILY.uprn, postcode: 'WF13 2QP' }] });

    // Second wave: the mother (recorded as "Clare Smith-Jones") and the step-father (no birth date on record).
    const mother = facts(found(await adapter.search({ ...referralQuery, given: ['Claire', 'Louise'], otherNames: [{ given: ['Claire'], family: 'Hughes' }], birthDate: '1991-02-17', sex: 'female', identifiers: [] }, settingsFor(sim.url))));
    expect(mother.find((f): f is FlagFact => f.kind === 'flag')).toMatchObject({ personRef: 'Person/HPR-000003', flagKind: 'SAF1.02', provenance: { sensitivity: 'restricted' } });
    expect(mother.filter((f): f is RelationshipFact => f.kind === 'relationship').map((r) => [r.relatedRef, r.relationship]).sort()).toEqual([
      ['Person/HPR-000001', 'household-member'],
      ['Person/HPR-000002', 'household-member'],
      ['Person/HPR-000004', 'partner'],
    ]);
    const stepFather = await adapter.search({ ...referralQuery, given: ['Daniel'], family: 'Jones', otherNames: [], birthDate: '1987-09-30', identifiers: [] }, settingsFor(sim.url));
    expect(found(stepFather).persons.map((p) => p.person.personRef)).toEqual(['HPR-000004']);
    expect(stepFather.orchestrations.filter((o) => o.name === 'Person search').map((o) => o.url.replace(sim.url, ''))).toEqual([
      '/persons?surname=[redacted]&dateOfBirth=[redacted]&page=[redacted]&pageSize=[redacted]',
      '/persons?postcode=[redacted]&dateOfBirth=[redacted]&page=[redacted]&pageSize=[redacted]',
      '/persons?surname=[redacted]&forename=[redacted]&postcode=[redacted]&page=[redacted]&pageSize=[redacted]',
    ]);
    expect(facts(found(stepFather)).find((f) => f.kind === 'flag')).toMatchObject({ flagKind: 'RISK2.04', provenance: { sensitivity: 'sensitive' } });
  });

  it("works as the 'housing-rest' connector kit: adapter and mapper paired", async () => {
    const kit = connectorKit('housing-rest', createHousingAdapter(), mapHousing);
    const outcome = await kit.lookup(referralQuery, settingsFor(sim.url), mappingContext);
    if (outcome.kind !== 'found') throw new Error(outcome.failure.reason);
    expect(outcome.facts.filter((f) => f.kind === 'person').map((f) => f.personRef).sort()).toEqual(['Person/HPR-000001', 'Person/HPR-000002', 'Person/HPR-000003', 'Person/HPR-000004']);
    expect(outcome.orchestrations).toHaveLength(7);
  });

  it('falls back past a misspelt surname to postcode and birth date, or UPRN and birth date', async () => {
    const misspelt: SubjectQuery = { ...referralQuery, family: 'Smyth', otherNames: [] };
    expect(found(await adapter.search(misspelt, settingsFor(sim.url))).persons.map((p) => p.person.personRef)).toEqual(['HPR-000001']);
    const byUprn: SubjectQuery = { ...misspelt, postcode: undefined, identifiers: [{ system: 'uprn', value: FEATURED_FAMILY.uprn }] };
    const outcome = await adapter.search(byUprn, settingsFor(sim.url));
    expect(found(outcome).persons.map((p) => p.person.personRef)).toEqual(['HPR-000001']);
    expect(outcome.orchestrations[1]?.url).toBe(`${sim.url}/persons?uprn=[redacted]&dateOfBirth=[redacted]&page=[redacted]&pageSize=[redacted]`);
    expectNoIdentifyingValues(outcome.orchestrations);
  });

  it('brings ASB cases and homelessness applications of other households through as incident and referral/other events', async () => {
    const view = agencyView(population, 'housing');
    const queryFor = (recordId: string): SubjectQuery => {
      const person = view.persons.find((p) => p.recordId === recordId);
      if (person?.birthDate === undefined) throw new Error(`no usable housing person ${recordId}`);
      return { given: person.name.given, family: person.name.family, otherNames: [], birthDate: person.birthDate, addressLines: [], identifiers: [] };
    };
    const asb = view.events.find((e) => e.kind === 'asb-case' && view.persons.some((p) => p.recordId === e.recordIds[0] && p.birthDate !== undefined));
    const application = view.events.find((e) => e.kind === 'homelessness-application' && /domestic abuse/.test(e.text));
    if (asb?.recordIds[0] === undefined || application?.recordIds[0] === undefined) throw new Error('population lacks an ASB case or a domestic-abuse homelessness application');

    const asbFacts = facts(found(await adapter.search(queryFor(asb.recordIds[0]), settingsFor(sim.url))));
    expect(asbFacts.find((f) => f.provenance.sourceRecordId === `AsbCase/${asb.eventId}`)).toMatchObject({ kind: 'event', eventKind: 'incident', date: asb.date, personRef: `Person/${asb.recordIds[0]}` });

    const applicantFacts = facts(found(await adapter.search(queryFor(application.recordIds[0]), settingsFor(sim.url))));
    expect(applicantFacts.find((f) => f.provenance.sourceRecordId === `HomelessnessApplication/${application.eventId}`)).toMatchObject({
      kind: 'event',
      eventKind: 'referral',
      date: application.date,
      summary: expect.stringMatching(/^Homelessness application: domestic abuse; relief duty owed; outcome /) as unknown,
      provenance: { sensitivity: 'sensitive' },
    });
  });

  it('follows links.next across pages', async () => {
    const person = agencyView(population, 'housing').persons.find((p) => p.alerts.length >= 2 && p.birthDate !== undefined);
    if (person?.birthDate === undefined) throw new Error('population has no person with two alerts');
    const query: SubjectQuery = { given: person.name.given, family: person.name.family, otherNames: [], birthDate: person.birthDate, addressLines: [], identifiers: [] };
    const paging = createHousingAdapter({ pageSize: 1 });
    const outcome = await paging.search(query, settingsFor(sim.url));
    const records = found(outcome).persons.find((p) => p.person.personRef === person.recordId);
    expect(records?.alerts).toHaveLength(person.alerts.length);
    const pages = outcome.orchestrations.filter((o) => o.name.startsWith('Person alerts') && o.url.includes('/person-alerts'));
    expect(pages.map((o) => o.name).slice(0, 2)).toEqual(['Person alerts', 'Person alerts page 2']);
    expect(pages[1]?.url).toBe(`${sim.url}/person-alerts?personRef=[redacted]&page=[redacted]&pageSize=[redacted]`);

    // Stopping at maxPages with a page-cap cut is the adapter contract's (test/adapters/contract.int.test.ts).
  });

  it('a problem document fails the lookup without echoing its text', async () => {
    sim.setFaults({ status: 422, operationOutcome: { code: 'too-costly', diagnostics: 'Refine the search for Robert Smith' } });
    const outcome = await adapter.search(referralQuery, settingsFor(sim.url));
    expect(failure(outcome)).toEqual({ kind: 'http-error', code: 'ADAPTER.HTTP_ERROR', reason: 'Person search: HTTP 422, problem document' });
    expect(JSON.stringify(outcome)).not.toMatch(/too-costly|Refine|Robert/);
  });

  it.each([
    ['/person-alerts', 'Person alerts'],
    ['/notices', 'Notices'],
  ])('a failure on a follow-up call (%s) fails the lookup after a successful search', async (match, name) => {
    sim.setFaults({ status: 500, match });
    const outcome = await adapter.search(referralQuery, settingsFor(sim.url));
    expect(failure(outcome)).toMatchObject({ kind: 'http-error', reason: `${name}: HTTP 500 with a non-JSON body` });
    expect(outcome.orchestrations[0]).toMatchObject({ name: 'Person search', status: 200 });
  });

  it('a slow tenancy call past the whole-lookup deadline fails as a timeout', async () => {
    sim.setFaults({ latencyMs: 1_000, match: '/rent-accounts' });
    const outcome = await adapter.search(referralQuery, settingsFor(sim.url, { timeoutMs: 400 }));
    expect(failure(outcome)).toMatchObject({ kind: 'timeout', reason: 'Rent accounts: lookup deadline reached' });
  });

  it('well-formed JSON of the wrong shape fails as malformed-response, naming the element only', async () => {
    sim.setFaults({ wrongShape: true, match: '/tenancies' });
    const outcome = await adapter.search(referralQuery, settingsFor(sim.url));
    expect(failure(outcome)).toMatchObject({ kind: 'malformed-response', reason: expect.stringMatching(/^Tenancies: response is not a page of results \((items|page): /) as unknown });
    expect(JSON.stringify(outcome)).not.toContain('not a list');
  });

  it.each(['xml', 'html'] as const)('a %s body with a DOCTYPE instead of JSON fails cleanly, without echoing it', async (kind) => {
    sim.setFaults({ malformed: kind });
    const outcome = await adapter.search(referralQuery, settingsFor(sim.url));
    expect(failure(outcome)).toEqual({ kind: 'malformed-response', code: 'ADAPTER.MALFORMED_RESPONSE', reason: 'Person search: expected JSON, got XML or HTML' });
    expect(JSON.stringify(outcome)).not.toMatch(/DOCTYPE|ENTITY|unavailable|simulated/);
  });

  it('XML declaring an external entity on a local file is refused unparsed: the file is never read', async () => {
    const tmp = makeTempDir('mash-housing-xxe-');
    try {
      const marker = `HOUSING-XXE-MARKER-${Date.now().toString(36)}`;
      const secret = join(tmp.dir, 'secret.txt');
      writeFileSync(secret, marker);
      sim.setFaults({ doctypeEntityFile: secret, match: '/person-alerts' });
      const outcome = await adapter.search(referralQuery, settingsFor(sim.url));
      expect(failure(outcome)).toEqual({ kind: 'malformed-response', code: 'ADAPTER.MALFORMED_RESPONSE', reason: 'Person alerts: expected JSON, got XML or HTML' });
      const everything = JSON.stringify(outcome);
      expect(everything).not.toContain(marker);
      expect(everything).not.toContain(secret);
      expect(everything).not.toMatch(/ENTITY|DOCTYPE/);
    } finally {
      tmp.remove();
    }
  });

});

describe('housing adapter against the housing simulator with OAuth 2.0 client credentials', () => {
  let sim: HousingSimulator;

  beforeAll(async () => {
    sim = await startHousingSimulator({ population, auth: { clients: [{ clientId: 'mash-housing', clientSecret: 'h0using-s3cret' }], staticTokens: ['static-housing-token'] } });
  });
  afterAll(async () => {
    await sim.close();
  });

  const oauth = (clientSecret: string): ConnectorAuth => ({ kind: 'oauth2-client-credentials', tokenUrl: sim.tokenUrl, clientId: 'mash-housing', clientSecret, scope: 'housing.read' });

  it('refuses a lookup without a token', async () => {
    const outcome = await createHousingAdapter().search(referralQuery, settingsFor(sim.url));
    expect(failure(outcome)).toEqual({ kind: 'auth-failed', code: 'ADAPTER.AUTH_FAILED', reason: 'Person search: HTTP 401, problem document' });
  });

  it('accepts a static bearer token, and never records it', async () => {
    const outcome = await createHousingAdapter().search(referralQuery, settingsFor(sim.url, { auth: { kind: 'bearer', token: 'static-housing-token' } }));
    expect(found(outcome).persons).toHaveLength(1);
    expect(JSON.stringify(outcome.orchestrations)).not.toContain('static-housing-token');
  });

  it('gets a token with the client secret, then reuses it from the cache', async () => {
    const adapter = createHousingAdapter();
    const first = await adapter.search(referralQuery, settingsFor(sim.url, { auth: oauth('h0using-s3cret') }));
    expect(found(first).persons).toHaveLength(1);
    expect(first.orchestrations[0]).toMatchObject({ name: 'OAuth2 token', method: 'POST', url: sim.tokenUrl, status: 200 });
    expect(first.orchestrations.filter((o) => o.name === 'OAuth2 token')).toHaveLength(1);
    expect(JSON.stringify(first.orchestrations)).not.toContain('h0using-s3cret');

    const second = await adapter.search(referralQuery, settingsFor(sim.url, { auth: oauth('h0using-s3cret') }));
    expect(found(second).persons).toHaveLength(1);
    expect(second.orchestrations.some((o) => o.name === 'OAuth2 token')).toBe(false);
  });

  it('fetches a fresh token once when the server refuses the cached one', async () => {
    const adapter = createHousingAdapter();
    found(await adapter.search(referralQuery, settingsFor(sim.url, { auth: oauth('h0using-s3cret') })));
    sim.revokeTokens();
    const outcome = await adapter.search(referralQuery, settingsFor(sim.url, { auth: oauth('h0using-s3cret') }));
    expect(found(outcome).persons).toHaveLength(1);
    expect(outcome.orchestrations.slice(0, 3).map((o) => [o.name, o.status])).toEqual([
      ['Person search', 401],
      ['OAuth2 token', 200],
      ['Person search', 200],
    ]);
  });

  it('fails as auth-failed when the token endpoint refuses a wrong secret', async () => {
    const outcome = await createHousingAdapter().search(referralQuery, settingsFor(sim.url, { auth: oauth('wrong') }));
    expect(failure(outcome)).toEqual({ kind: 'auth-failed', code: 'ADAPTER.AUTH_FAILED', reason: 'OAuth2 token endpoint refused the client (HTTP 401: invalid_client)' });
    expect(outcome.orchestrations).toHaveLength(1);
  });
});
