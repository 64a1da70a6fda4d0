/**
 * The FHIR adapter against the real health simulator on loopback, in what is particular to FHIR:
 * its searches and their URLs, Bundle paging, OperationOutcome, follow-up searches failing or
 * passing the deadline, and the three ways of authenticating. What every adapter must show
 * (deadline, size cap, HTTP errors, cuts, redirects, clean orchestrations) is the adapter
 * contract, test/adapters/contract.int.test.ts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorAuth, Orchestration } from '../../src/adapters/port.ts';
import { createFhirAdapter } from '../../src/adapters/fhir/adapter.ts';
import { mapHealth } from '../../src/mapping/health.ts';
import { Fact } from '../../src/model/fact.ts';
import { startHealthSimulator, type HealthSimulator } from '../../simulators/health/server.ts';
import { failure, found } from '../support/outcomes.ts';
import { byDemographics, byNhsNumber, extraEncounters, familyResources, IDENTIFYING_VALUES, settingsFor } from './fixtures.ts';

function expectNoIdentifyingValues(orchestrations: readonly Orchestration[]): void {
  const text = JSON.stringify(orchestrations);
  for (const value of IDENTIFYING_VALUES) expect(text).not.toContain(value);
  expect(text).not.toContain(encodeURIComponent('NT1 4AB'));
}

describe('FHIR adapter against the health simulator (no auth)', () => {
  let sim: HealthSimulator;
  const adapter = createFhirAdapter();

  beforeAll(async () => {
    sim = await startHealthSimulator({ resources: [...familyResources(), ...extraEncounters(4)] });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.setFaults({});
  });

  it('finds the child by NHS number, with encounters, conditions, flags, episodes and related persons', async () => {
    const outcome = await adapter.search(byNhsNumber, settingsFor(sim.url));
    const raw = found(outcome);
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([]);
    expect(raw.patients).toHaveLength(1);
    const records = raw.patients[0];
    expect(records?.patient.id).toBe('hc-child-1');
    expect(records?.encounters.map((e) => e.id).sort()).toEqual(['hc-enc-1', 'hc-enc-2', 'hc-enc-3', 'hc-enc-extra-1', 'hc-enc-extra-2', 'hc-enc-extra-3', 'hc-enc-extra-4']);
    expect(records?.conditions.map((c) => c.id)).toEqual(['hc-cond-1']);
    expect(records?.flags.map((f) => f.id)).toEqual(['hc-flag-1']);
    expect(records?.episodesOfCare.map((e) => e.id)).toEqual(['hc-eoc-1']);
    expect(records?.relatedPersons.map((r) => r.id).sort()).toEqual(['hc-rp-1', 'hc-rp-2']);

    expect(outcome.orchestrations.map((o) => o.name)).toEqual(
      expect.arrayContaining(['Patient search', 'Encounter search', 'Condition search', 'Flag search', 'EpisodeOfCare search', 'RelatedPerson search']),
    );
    expect(outcome.orchestrations.every((o) => o.status === 200 && o.method === 'GET' && o.durationMs >= 0)).toBe(true);
    expect(outcome.orchestrations[0]?.url).toBe(`${sim.url}/Patient?identifier=[redacted]&_count=5`);
    expectNoIdentifyingValues(outcome.orchestrations);

    // End to end: what the adapter returns maps to valid facts.
    const facts = mapHealth(raw, { connectorId: 'health-sim', sourceSystem: 'Health simulator', lookupId: 'l1', retrievedAt: '2026-11-21T10:00:00Z', lawfulBasis: 'children-act-1989-s47' });
    expect(facts.every((f) => Fact.safeParse(f).success)).toBe(true);
    expect(facts.find((f) => f.kind === 'flag')).toMatchObject({ flagKind: 'child-protection-plan', provenance: { sensitivity: 'restricted' } });
  });

  it('finds the child by family, given, birth date and postcode', async () => {
    const outcome = await adapter.search(byDemographics, settingsFor(sim.url));
    expect(found(outcome).patients.map((p) => p.patient.id)).toEqual(['hc-child-1']);
    expect(outcome.orchestrations[0]?.url).toBe(`${sim.url}/Patient?family=[redacted]&given=[redacted]&birthdate=[redacted]&address-postalcode=[redacted]&_count=5`);
    expectNoIdentifyingValues(outcome.orchestrations);
  });

  it('falls back to demographics when the NHS number finds no one, and past a moved postcode and a nickname', async () => {
    const query = { ...byNhsNumber, identifiers: [{ system: 'nhs-number', value: '9991000038' }], given: ['Kay'], postcode: 'ZZ9 9ZZ' };
    const outcome = await adapter.search(query, settingsFor(sim.url));
    expect(found(outcome).patients.map((p) => p.patient.id)).toEqual(['hc-child-1']);
    const patientSearches = outcome.orchestrations.filter((o) => o.name === 'Patient search');
    // NHS number; +postcode; -postcode; family + birth date (the nickname "Kay" is a prefix of "Kayden", so it hits here).
    expect(patientSearches.length).toBeGreaterThanOrEqual(2);
    expect(patientSearches[0]?.url).toContain('identifier=[redacted]');
  });

  it('follows Bundle.link[next] across three or more pages', async () => {
    const paging = createFhirAdapter({ pageSize: 2 });
    const outcome = await paging.search(byNhsNumber, settingsFor(sim.url));
    expect(found(outcome).patients[0]?.encounters).toHaveLength(7);
    const pages = outcome.orchestrations.filter((o) => o.name.startsWith('Encounter search'));
    expect(pages.map((o) => o.name)).toEqual(['Encounter search', 'Encounter search page 2', 'Encounter search page 3', 'Encounter search page 4']);
    expect(pages[1]?.url).toBe(`${sim.url}/Encounter?patient=[redacted]&_count=2&_offset=2`);
    expectNoIdentifyingValues(outcome.orchestrations);
  });

  // The cut itself (nobody read, total unknown) is in the adapter contract (test/adapters/contract.int.test.ts).
  it("after PDS's TOO_MANY_MATCHES the broader searches are not tried: they match more still", async () => {
    sim.setFaults({ resultCap: 1 });
    const outcome = await adapter.search({ ...byDemographics, given: [], birthDate: undefined }, settingsFor(sim.url));
    expect(found(outcome).patients).toEqual([]);
    expect(outcome.orchestrations.filter((o) => o.name === 'Patient search')).toHaveLength(1);
  });

  it('an OperationOutcome fails the lookup with its issue code and diagnostics, nothing more', async () => {
    sim.setFaults({ status: 422, operationOutcome: { code: 'too-costly', diagnostics: 'Too many matches; refine the search' } });
    const outcome = await adapter.search(byNhsNumber, settingsFor(sim.url));
    expect(failure(outcome)).toEqual({
      kind: 'http-error',
      code: 'ADAPTER.HTTP_ERROR',
      reason: 'Patient search: HTTP 422, OperationOutcome too-costly: Too many matches; refine the search',
    });
  });

  it('a failure on a follow-up search fails the lookup, after a successful patient search', async () => {
    sim.setFaults({ status: 500, match: '/Flag' });
    const outcome = await adapter.search(byNhsNumber, settingsFor(sim.url));
    expect(failure(outcome)).toMatchObject({ kind: 'http-error', reason: 'Flag search: HTTP 500 with a non-JSON body' });
    expect(outcome.orchestrations[0]).toMatchObject({ name: 'Patient search', status: 200 });
  });

  it('a slow follow-up search that passes the whole-lookup deadline fails as a timeout', async () => {
    sim.setFaults({ latencyMs: 1_000, match: '/EpisodeOfCare' });
    const outcome = await adapter.search(byNhsNumber, settingsFor(sim.url, { timeoutMs: 400 }));
    expect(failure(outcome)).toMatchObject({ kind: 'timeout', reason: 'EpisodeOfCare search: lookup deadline reached' });
  });

  it.each(['xml', 'html'] as const)('a DOCTYPE %s body instead of JSON fails cleanly, without echoing it', async (kind) => {
    sim.setFaults({ malformed: kind });
    const outcome = await adapter.search(byNhsNumber, settingsFor(sim.url));
    expect(failure(outcome)).toEqual({ kind: 'malformed-response', code: 'ADAPTER.MALFORMED_RESPONSE', reason: 'Patient search: expected JSON, got XML or HTML' });
    expect(JSON.stringify(outcome)).not.toMatch(/DOCTYPE|ENTITY|unavailable/);
  });

});

describe('FHIR adapter against the health simulator with auth', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = (key: { export(options: { type: 'pkcs8'; format: 'pem' }): string | Buffer }): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();
  const spki = (key: { export(options: { type: 'spki'; format: 'pem' }): string | Buffer }): string => key.export({ type: 'spki', format: 'pem' }).toString();
  let sim: HealthSimulator;

  beforeAll(async () => {
    sim = await startHealthSimulator({
      resources: familyResources(),
      auth: {
        clients: [
          { clientId: 'mash-secret', clientSecret: 's3cret-value' },
          { clientId: 'mash-rsa', publicKey: spki(rsa.publicKey) },
          { clientId: 'mash-ec', publicKey: spki(ec.publicKey) },
        ],
        staticTokens: ['static-token-1'],
      },
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  const oauth = (extra: Partial<Extract<ConnectorAuth, { kind: 'oauth2-client-credentials' }>>): ConnectorAuth => ({
    kind: 'oauth2-client-credentials',
    tokenUrl: sim.tokenUrl,
    clientId: 'mash-secret',
    scope: 'system/*.read',
    ...extra,
  });

  it('refuses a lookup without a token (auth-failed, from the OperationOutcome)', async () => {
    const outcome = await createFhirAdapter().search(byNhsNumber, settingsFor(sim.url));
    expect(failure(outcome)).toMatchObject({ kind: 'auth-failed', reason: 'Patient search: HTTP 401, OperationOutcome login: a valid bearer token is required' });
  });

  it('accepts a static bearer token, and never records it', async () => {
    const outcome = await createFhirAdapter().search(byNhsNumber, settingsFor(sim.url, { auth: { kind: 'bearer', token: 'static-token-1' } }));
    expect(found(outcome).patients).toHaveLength(1);
    expect(JSON.stringify(outcome.orchestrations)).not.toContain('static-token-1');
  });

  it('gets a token with client credentials and a secret, then reuses it from the cache', async () => {
    const adapter = createFhirAdapter();
    const first = await adapter.search(byNhsNumber, settingsFor(sim.url, { auth: oauth({ clientSecret: 's3cret-value' }) }));
    expect(found(first).patients).toHaveLength(1);
    expect(first.orchestrations[0]).toMatchObject({ name: 'OAuth2 token', method: 'POST', url: sim.tokenUrl, status: 200 });
    expect(JSON.stringify(first.orchestrations)).not.toContain('s3cret-value');

    const second = await adapter.search(byNhsNumber, settingsFor(sim.url, { auth: oauth({ clientSecret: 's3cret-value' }) }));
    expect(found(second).patients).toHaveLength(1);
    expect(second.orchestrations.some((o) => o.name === 'OAuth2 token')).toBe(false);
  });

  it.each([
    ['RS384 (RSA key)', 'mash-rsa', () => pem(rsa.privateKey)],
    ['ES384 (EC P-384 key)', 'mash-ec', () => pem(ec.privateKey)],
  ] as const)('gets a token with a signed JWT client assertion: %s', async (_label, clientId, privateKeyPem) => {
    const outcome = await createFhirAdapter().search(byNhsNumber, settingsFor(sim.url, { auth: oauth({ clientId, privateKeyPem: privateKeyPem(), keyId: 'k1' }) }));
    expect(found(outcome).patients).toHaveLength(1);
    expect(outcome.orchestrations[0]).toMatchObject({ name: 'OAuth2 token', status: 200 });
  });

  it('fails as auth-failed when the token endpoint refuses a wrong secret', async () => {
    const outcome = await createFhirAdapter().search(byNhsNumber, settingsFor(sim.url, { auth: oauth({ clientSecret: 'wrong' }) }));
    expect(failure(outcome)).toEqual({ kind: 'auth-failed', code: 'ADAPTER.AUTH_FAILED', reason: 'OAuth2 token endpoint refused the client (HTTP 401: invalid_client)' });
    expect(outcome.orchestrations).toHaveLength(1);
  });

  it('fails as auth-failed when the assertion is signed with a key the server does not know', async () => {
    const outcome = await createFhirAdapter().search(byNhsNumber, settingsFor(sim.url, { auth: oauth({ clientId: 'mash-rsa', privateKeyPem: pem(otherRsa.privateKey) }) }));
    expect(failure(outcome)).toMatchObject({ kind: 'auth-failed', reason: 'OAuth2 token endpoint refused the client (HTTP 401: invalid_client)' });
  });

  it('fails as auth-failed, without calling anyone, when the private key cannot be read', async () => {
    const outcome = await createFhirAdapter().search(byNhsNumber, settingsFor(sim.url, { auth: oauth({ clientId: 'mash-rsa', privateKeyPem: 'not a key' }) }));
    expect(failure(outcome)).toMatchObject({ kind: 'auth-failed', code: 'ADAPTER.AUTH_MISCONFIGURED' });
    expect(outcome.orchestrations).toEqual([]);
  });

  it('serves /metadata without a token, naming its token endpoint', async () => {
    const response = await fetch(`${sim.url}/metadata`);
    expect(response.status).toBe(200);
    expect(JSON.stringify(await response.json())).toContain(sim.tokenUrl);
  });
});
