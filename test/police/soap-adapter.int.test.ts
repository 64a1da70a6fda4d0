/**
 * The police SOAP adapter against the real police simulator on loopback, serving the default
 * synthetic population, in what is particular to SOAP: fuzzy search (the referral's noisy details
 * find the featured child), PNC search, paging, SOAP faults, a slow later page, broken and hostile
 * XML, and WS-Security. What every adapter must show (deadline, size cap, HTTP errors, cuts, redirects, clean
 * orchestrations) is the adapter contract, test/adapters/contract.int.test.ts.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestration, SubjectQuery } from '../../src/adapters/port.ts';
import { createPoliceSoapAdapter } from '../../src/adapters/police/adapter.ts';
import { DEFAULT_SEED, FEATURED_FAMILY, generatePopulation, type Population } from '../../simulators/population/index.ts';
import { startPoliceSimulator, type PoliceSimulator } from '../../simulators/police/server.ts';
import { makeTempDir } from '../support/tmp.ts';
import { failure, featuredStepFatherQuery, found, referralChildQuery, settingsFor } from './fixtures.ts';

const population: Population = generatePopulation({ seed: DEFAULT_SEED });
const childQuery = referralChildQuery();

/** Values that identify the featured child: none may appear in an orchestration. */
const IDENTIFYING = ['Robert', 'Smith', 'Bobby', '2017-03-04', 'WF13', 'Alder', FEATURED_FAMILY.nhsNumber, 'NOM000001'];

function expectNoIdentifyingValues(orchestrations: readonly Orchestration[]): void {
  const text = JSON.stringify(orchestrations);
  for (const value of IDENTIFYING) expect(text).not.toContain(value);
}

describe('police SOAP adapter against the police simulator (no auth)', () => {
  let sim: PoliceSimulator;
  const adapter = createPoliceSoapAdapter();

  beforeAll(async () => {
    sim = await startPoliceSimulator({ population });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.setFaults({});
  });

  it('finds the featured child from the referral (Robert James Smith, "Bobby") though police hold "R. Smith-Jones"', async () => {
    const outcome = await adapter.search(childQuery, settingsFor(sim.url));
    const raw = found(outcome);
    expect(raw.results[0]?.Nominal).toMatchObject({
      NominalIdentification: FEATURED_FAMILY.childRecords.police,
      PersonName: { PersonGivenName: ['R.'], PersonSurName: 'Smith-Jones' },
      PersonBirthDate: FEATURED_FAMILY.birthDate,
    });
    // Like a real RMS, other candidates come too (the household shares surname and postcode); matching is the hub's job.
    expect(raw.results.map((r) => r.Nominal.NominalIdentification)).toEqual(expect.arrayContaining(['NOM000001', 'NOM000002', 'NOM000003']));
    expect(raw.results.length).toBeLessThanOrEqual(5);
    const incident = raw.results[0]?.Incident.find((i) => i.IncidentIdentification === 'INC0000002');
    expect(incident).toMatchObject({ IncidentCategoryCode: 'domestic-abuse', IncidentDate: FEATURED_FAMILY.domesticIncidentDate, SubjectRoleCode: 'child-present', HandlingCode: 2 });

    expect(outcome.orchestrations).toHaveLength(1);
    expect(outcome.orchestrations[0]).toMatchObject({ name: 'PersonSearch', method: 'POST', url: `${sim.url}/`, status: 200 });
    expectNoIdentifyingValues(outcome.orchestrations);
  });

  it('finds the step-father by his usual name though police know him as "Danny"', async () => {
    const raw = found(await adapter.search(featuredStepFatherQuery, settingsFor(sim.url)));
    const father = raw.results.find((r) => r.Nominal.NominalIdentification === 'NOM000004');
    expect(father?.Nominal).toMatchObject({ PersonName: { PersonGivenName: ['Danny'], PersonSurName: 'Jones' }, PNCIdentification: '05/418273V' });
    expect(father?.Nominal.WarningMarker.map((m) => m.WarningMarkerCode)).toEqual(['VI', 'DA']);
    expect(father?.IntelligenceReport.map((r) => r.IntelligenceIdentification)).toEqual(['INT0000001']);
  });

  it('searches by PNC id first, exactly, in one call', async () => {
    const query: SubjectQuery = { ...featuredStepFatherQuery, identifiers: [{ system: 'pnc-id', value: '05/418273V' }] };
    const outcome = await adapter.search(query, settingsFor(sim.url));
    expect(found(outcome).results.map((r) => r.Nominal.NominalIdentification)).toEqual(['NOM000004']);
    expect(outcome.orchestrations).toHaveLength(1);
    expect(JSON.stringify(outcome.orchestrations)).not.toContain('418273');
  });

  it('falls back to the demographic search when the PNC id finds no one', async () => {
    const query: SubjectQuery = { ...featuredStepFatherQuery, identifiers: [{ system: 'pnc-id', value: '99/999999Z' }] };
    const outcome = await adapter.search(query, settingsFor(sim.url));
    expect(found(outcome).results.map((r) => r.Nominal.NominalIdentification)).toContain('NOM000004');
    expect(outcome.orchestrations.map((o) => o.name)).toEqual(['PersonSearch', 'PersonSearch']);
  });

  it('follows pages until the last one', async () => {
    const outcome = await createPoliceSoapAdapter({ pageSize: 1 }).search(childQuery, settingsFor(sim.url));
    const raw = found(outcome);
    expect(raw.results.length).toBeGreaterThanOrEqual(3);
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([]);
    expect(outcome.orchestrations.map((o) => o.name)).toEqual(['PersonSearch', ...Array.from({ length: raw.results.length - 1 }, (_, i) => `PersonSearch page ${i + 2}`)]);
    expectNoIdentifyingValues(outcome.orchestrations);
  });

  it('a Receiver fault fails the lookup as protocol-error with its code and reason', async () => {
    sim.setFaults({ soapFault: { code: 'Receiver', subcode: 'pole:ServiceUnavailable', reason: 'RMS is in maintenance until 06:00' } });
    const outcome = await adapter.search(childQuery, settingsFor(sim.url));
    expect(failure(outcome)).toEqual({
      kind: 'protocol-error',
      code: 'ADAPTER.PROTOCOL_ERROR',
      reason: 'PersonSearch: SOAP fault env:Receiver (pole:ServiceUnavailable): RMS is in maintenance until 06:00',
      // SOAP 1.2 Part 1 §5.4.6: a Receiver fault may succeed if resent later.
      transient: {},
    });
    expect(outcome.orchestrations[0]?.status).toBe(500);
  });

  it('a fault on a later page fails the lookup after the first page succeeded', async () => {
    sim.setFaults({ soapFault: true, match: 'page=2' });
    const outcome = await createPoliceSoapAdapter({ pageSize: 1 }).search(childQuery, settingsFor(sim.url));
    expect(failure(outcome)).toMatchObject({ kind: 'protocol-error', reason: 'PersonSearch page 2: SOAP fault env:Receiver (pole:ServiceUnavailable): simulated failure' });
    expect(outcome.orchestrations.map((o) => [o.name, o.status])).toEqual([['PersonSearch', 200], ['PersonSearch page 2', 500]]);
  });

  it('a slow later page that passes the whole-lookup deadline fails as a timeout', async () => {
    sim.setFaults({ latencyMs: 1_000, match: 'page=2' });
    const outcome = await createPoliceSoapAdapter({ pageSize: 1 }).search(childQuery, settingsFor(sim.url, { timeoutMs: 500 }));
    expect(failure(outcome)).toMatchObject({ kind: 'timeout', reason: 'PersonSearch page 2: lookup deadline reached' });
  });

  it.each([
    ['xml', 'PersonSearch: response is not well-formed XML'],
    ['json', 'PersonSearch: response is not well-formed XML'],
    ['not-soap', 'PersonSearch: response is not a valid PersonSearchResponse'],
    ['wrong-shape', 'PersonSearch: response is not a valid PersonSearchResponse (SearchResultsMetadata:'],
    ['html', 'PersonSearch: response contains a DOCTYPE or ENTITY declaration, which SOAP forbids; it was not parsed'],
  ] as const)('a malformed body (%s) fails as malformed-response without echoing it', async (malformed, reason) => {
    sim.setFaults({ malformed });
    const outcome = await adapter.search(childQuery, settingsFor(sim.url));
    const failed = failure(outcome);
    expect(failed).toMatchObject({ kind: 'malformed-response', code: 'ADAPTER.MALFORMED_RESPONSE' });
    expect(failed.reason.startsWith(reason)).toBe(true);
    expect(JSON.stringify(outcome)).not.toMatch(/unavailable|NOM999999/i);
  });

  it('a DTD with nested internal entities is refused before parsing: nothing is expanded', async () => {
    sim.setFaults({ malformed: 'doctype' });
    const outcome = await adapter.search(childQuery, settingsFor(sim.url));
    expect(failure(outcome)).toEqual({
      kind: 'malformed-response',
      code: 'ADAPTER.MALFORMED_RESPONSE',
      reason: 'PersonSearch: response contains a DOCTYPE or ENTITY declaration, which SOAP forbids; it was not parsed',
    });
    expect(JSON.stringify(outcome)).not.toContain('expanded');
  });

  it('an external entity naming a local file is refused: the file is never read into the outcome', async () => {
    const tmp = makeTempDir('mash-police-xxe-');
    try {
      const marker = `XXE-MARKER-${process.pid}-${Date.now()}`;
      const secret = path.join(tmp.dir, 'secret.txt');
      writeFileSync(secret, marker);
      sim.setFaults({ externalEntityFile: secret });
      const outcome = await adapter.search(childQuery, settingsFor(sim.url));
      expect(failure(outcome)).toMatchObject({ kind: 'malformed-response', reason: 'PersonSearch: response contains a DOCTYPE or ENTITY declaration, which SOAP forbids; it was not parsed' });
      expect(JSON.stringify(outcome)).not.toContain(marker);
      expect(JSON.stringify(outcome)).not.toContain(tmp.dir);
    } finally {
      tmp.remove();
    }
  });

});

describe('police SOAP adapter against the police simulator with WS-Security', () => {
  let sim: PoliceSimulator;

  beforeAll(async () => {
    sim = await startPoliceSimulator({ population, auth: { users: [{ username: 'mash-gateway', password: 'correct horse battery' }] } });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('is answered with a valid UsernameToken, and never records the password', async () => {
    const outcome = await createPoliceSoapAdapter().search(childQuery, settingsFor(sim.url, { auth: { kind: 'ws-security', username: 'mash-gateway', password: 'correct horse battery' } }));
    expect(found(outcome).results[0]?.Nominal.NominalIdentification).toBe('NOM000001');
    expect(JSON.stringify(outcome.orchestrations)).not.toMatch(/correct horse|mash-gateway/);
  });

  it('every page carries a fresh token (nonces are never replayed)', async () => {
    const outcome = await createPoliceSoapAdapter({ pageSize: 1 }).search(childQuery, settingsFor(sim.url, { auth: { kind: 'ws-security', username: 'mash-gateway', password: 'correct horse battery' } }));
    expect(found(outcome).results.length).toBeGreaterThanOrEqual(3);
  });

  it('fails as auth-failed with a wrong password', async () => {
    const outcome = await createPoliceSoapAdapter().search(childQuery, settingsFor(sim.url, { auth: { kind: 'ws-security', username: 'mash-gateway', password: 'wrong' } }));
    expect(failure(outcome)).toEqual({
      kind: 'auth-failed',
      code: 'ADAPTER.AUTH_FAILED',
      reason: 'PersonSearch: SOAP fault env:Sender (wsse:FailedAuthentication): The security token could not be authenticated or authorized',
    });
    expect(outcome.orchestrations[0]?.status).toBe(400);
  });

  it('fails as auth-failed without a security header', async () => {
    const outcome = await createPoliceSoapAdapter().search(childQuery, settingsFor(sim.url));
    expect(failure(outcome)).toMatchObject({ kind: 'auth-failed', reason: 'PersonSearch: SOAP fault env:Sender (wsse:InvalidSecurity): A WS-Security header is required' });
  });
});
