/**
 * Housing adapter protocol edges, with outbound HTTP mocked at the network layer (msw): what a
 * hostile or odd housing API may do that the simulator does not — redirect, point `next`
 * elsewhere or in a loop, page by `totalPages` only, ignore the person filter, send items of
 * the wrong shape or a Content-Length over the limit, refuse every token. Also the search plan.
 * Real-server tests live in test/housing/.
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { mockNetwork } from '../../../test/support/msw.ts';
import type { AdapterOutcome, ConnectorSettings, SubjectQuery } from '../port.ts';
import { createHousingAdapter } from './adapter.ts';
import { sameServerUrl } from '../http/links.ts';
import { normalisePostcode } from '../search-plan.ts';
import { personSearches } from './searches.ts';
import type { HousingRaw } from './types.ts';

const BASE = 'http://housing.test/api/v1';
const TOKEN_URL = 'http://auth.test/oauth2/token';

const query: SubjectQuery = {
  given: ['Amara', 'Joy'],
  family: 'Okafor',
  otherNames: [{ given: ['Amy'], family: 'Bello' }],
  birthDate: '2016-08-19',
  postcode: 'nt25px',
  addressLines: [],
  identifiers: [{ system: 'uprn', value: '200004512345' }],
};

const settings: ConnectorSettings = { id: 'c1', baseUrl: `${BASE}/`, auth: { kind: 'none' }, timeoutMs: 2_000, maxResponseBytes: 50_000, maxPages: 5, maxCandidates: 5 };

const person = (ref: string, personId = 1): object => ({ personRef: ref, personId, forenames: ['Amara'], surname: 'Okafor', otherNames: [], sex: 'female', role: 'household-member', updatedAt: '2026-01-01T00:00:00Z' });
const page = (items: readonly object[], extra: object = {}): object => ({ items, page: 1, pageSize: 20, totalItems: items.length, totalPages: items.length === 0 ? 0 : 1, links: { self: `${BASE}/x` }, ...extra });
const empty = (path: string) => http.get(`${BASE}${path}`, () => HttpResponse.json(page([])));
const emptyRecords = ['/tenancies', '/asb-cases', '/homelessness-applications', '/person-alerts', '/rent-accounts', '/notices'].map(empty);

const server = mockNetwork();

const failureOf = (outcome: AdapterOutcome<HousingRaw>) => (outcome.kind === 'failed' ? outcome.failure : undefined);

describe('personSearches', () => {
  it('tries surname and birth date for each name, then UPRN and postcode with the birth date, then name and address', () => {
    expect(personSearches(query)).toEqual([
      [['surname', 'Okafor'], ['dateOfBirth', '2016-08-19']],
      [['surname', 'Bello'], ['dateOfBirth', '2016-08-19']],
      [['uprn', '200004512345'], ['dateOfBirth', '2016-08-19']],
      [['postcode', 'NT2 5PX'], ['dateOfBirth', '2016-08-19']],
      [['surname', 'Okafor'], ['forename', 'Amara'], ['uprn', '200004512345']],
      [['surname', 'Okafor'], ['forename', 'Amara'], ['postcode', 'NT2 5PX']],
      [['surname', 'Bello'], ['forename', 'Amy'], ['uprn', '200004512345']],
      [['surname', 'Bello'], ['forename', 'Amy'], ['postcode', 'NT2 5PX']],
    ]);
  });

  it('without a birth date searches names only with an address, and without either searches nothing', () => {
    const noBirthDate = { ...query, birthDate: undefined, otherNames: [], identifiers: [] };
    expect(personSearches(noBirthDate)).toEqual([[['surname', 'Okafor'], ['forename', 'Amara'], ['postcode', 'NT2 5PX']]]);
    expect(personSearches({ ...noBirthDate, postcode: undefined })).toEqual([]);
  });

  it('ignores identifiers that are not UPRNs, and malformed UPRNs', () => {
    const searches = personSearches({ ...query, otherNames: [], postcode: undefined, identifiers: [{ system: 'nhs-number', value: '9994732153' }, { system: 'uprn', value: 'x1' }] });
    expect(searches).toEqual([[['surname', 'Okafor'], ['dateOfBirth', '2016-08-19']]]);
  });

  it('normalises postcodes the way they are printed', () => {
    expect(normalisePostcode(' wf13 2qp ')).toBe('WF13 2QP');
    expect(normalisePostcode('nt25px')).toBe('NT2 5PX');
    expect(normalisePostcode('  ')).toBeUndefined();
  });
});

describe('sameServerUrl', () => {
  it('accepts links under the base, refuses other origins, paths and credentials', () => {
    expect(sameServerUrl(BASE, 'persons?page=2')).toBe(`${BASE}/persons?page=2`);
    expect(sameServerUrl(BASE, `${BASE}/persons?page=2`)).toBe(`${BASE}/persons?page=2`);
    expect(sameServerUrl(BASE, 'http://evil.test/api/v1/persons')).toBeUndefined();
    expect(sameServerUrl(BASE, 'http://housing.test/other/persons')).toBeUndefined();
    expect(sameServerUrl(BASE, 'http://u:p@housing.test/api/v1/persons')).toBeUndefined();
  });
});

describe('housing adapter protocol edges (msw)', () => {
  it('caps the candidates and says so in a cut, against the totalItems the server reports', async () => {
    const many = Array.from({ length: 7 }, (_, i) => person(`HPR-${i}`, i));
    server.use(http.get(`${BASE}/persons`, () => HttpResponse.json(page(many, { totalItems: 7 }))), ...emptyRecords);
    const outcome = await createHousingAdapter().search(query, { ...settings, maxCandidates: 3 });
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([{ reason: 'candidate-cap', search: 'Person search', read: 3, reported: 7 }]);
    expect(outcome.kind === 'found' && outcome.records.persons.map((p) => p.person.personRef)).toEqual(['HPR-0', 'HPR-1', 'HPR-2']);
  });

  it('pages by page and totalPages when the server gives no next link', async () => {
    const alert = (id: number): object => ({ person_alert_id: id, person_id: 1, person_alert_code_id: 1, person_alert_code: { alert_code: 'MED1', alert_subcode: 'MED1.01', alert_name: 'Respiratory Condition' }, start_date: '2026-01-01' });
    server.use(
      http.get(`${BASE}/persons`, () => HttpResponse.json(page([person('HPR-1')]))),
      http.get(`${BASE}/person-alerts`, ({ request }) => {
        const n = Number(new URL(request.url).searchParams.get('page'));
        return HttpResponse.json({ items: [alert(n)], page: n, pageSize: 1, totalPages: 3 });
      }),
      ...emptyRecords,
    );
    const outcome = await createHousingAdapter().search(query, settings);
    expect(outcome.kind === 'found' && outcome.records.persons[0]?.alerts.map((a) => a.person_alert_id)).toEqual([1, 2, 3]);
    expect(outcome.orchestrations.filter((o) => o.name.startsWith('Person alerts')).map((o) => o.name)).toEqual(['Person alerts', 'Person alerts page 2', 'Person alerts page 3']);
  });

  it('refuses a next link to another server, and never calls it', async () => {
    let evilCalled = false;
    server.use(
      http.get(`${BASE}/persons`, () => HttpResponse.json(page([person('HPR-1')], { links: { self: `${BASE}/persons`, next: 'http://evil.test/api/v1/persons?page=2' } }))),
      http.get('http://evil.test/api/v1/persons', () => {
        evilCalled = true;
        return HttpResponse.json(page([]));
      }),
    );
    const outcome = await createHousingAdapter().search(query, { ...settings, auth: { kind: 'bearer', token: 't' } });
    expect(failureOf(outcome)).toEqual({ kind: 'protocol-error', code: 'ADAPTER.PROTOCOL_ERROR', reason: "Person search: next link points outside the connector's base URL" });
    expect(evilCalled).toBe(false);
  });

  it('refuses a next link that leads back to a page already read', async () => {
    server.use(http.get(`${BASE}/persons`, ({ request }) => HttpResponse.json(page([person('HPR-1')], { links: { self: request.url, next: request.url } }))));
    const outcome = await createHousingAdapter().search(query, settings);
    expect(failureOf(outcome)).toMatchObject({ kind: 'protocol-error', reason: 'Person search: the next page link repeats a page already read' });
    expect(outcome.orchestrations).toHaveLength(1);
  });

  it('refuses to follow redirects', async () => {
    server.use(http.get(`${BASE}/persons`, () => new HttpResponse(null, { status: 302, headers: { location: 'http://evil.test/' } })));
    expect(failureOf(await createHousingAdapter().search(query, settings))).toMatchObject({ kind: 'protocol-error', reason: 'Person search: unexpected redirect (HTTP 302)' });
  });

  it("fails when a server ignores the person filter and returns someone else's records", async () => {
    const otherTenancy = { tenancyRef: 'T9', address: { addressLines: [] }, tenure: 'secure', startDate: '2020-01-01', status: 'current', members: [{ personRef: 'HPR-999', forenames: ['X'], surname: 'Y', role: 'lead-tenant' }] };
    server.use(
      http.get(`${BASE}/persons`, () => HttpResponse.json(page([person('HPR-1')]))),
      http.get(`${BASE}/tenancies`, () => HttpResponse.json(page([otherTenancy]))),
      ...emptyRecords,
    );
    const outcome = await createHousingAdapter().search(query, settings);
    expect(failureOf(outcome)).toEqual({ kind: 'protocol-error', code: 'ADAPTER.PROTOCOL_ERROR', reason: 'Tenancies: item 0 is not about the record asked for' });
  });

  it('an item of the wrong shape fails as malformed-response, naming the element but not its value', async () => {
    server.use(http.get(`${BASE}/persons`, () => HttpResponse.json(page([{ ...person('HPR-1'), dateOfBirth: '2016-19-08 (Okafor)' }]))));
    const outcome = await createHousingAdapter().search(query, settings);
    expect(failureOf(outcome)?.reason).toMatch(/^Person search: item 0 is not valid \(dateOfBirth: /);
    expect(JSON.stringify(outcome)).not.toContain('Okafor');
  });

  it('a Content-Length over the limit fails as too-large before the body is read', async () => {
    server.use(http.get(`${BASE}/persons`, () => new HttpResponse('{}', { headers: { 'content-length': '999999999', 'content-type': 'application/json' } })));
    expect(failureOf(await createHousingAdapter().search(query, settings))).toEqual({ kind: 'too-large', code: 'ADAPTER.TOO_LARGE', reason: 'Person search: response of 999999999 bytes exceeds the limit of 50000' });
  });

  it('a JSON error body is reported by status alone; a problem document is named but not echoed', async () => {
    server.use(http.get(`${BASE}/persons`, () => HttpResponse.json({ message: 'Okafor not allowed' }, { status: 429 })));
    expect(failureOf(await createHousingAdapter().search(query, settings))).toEqual({ kind: 'http-error', code: 'ADAPTER.HTTP_ERROR', reason: 'Person search: HTTP 429', transient: {} });
    server.use(http.get(`${BASE}/persons`, () => HttpResponse.json({ title: 'Search too broad for Okafor', status: 400 }, { status: 400, headers: { 'content-type': 'application/problem+json' } })));
    const outcome = await createHousingAdapter().search(query, settings);
    expect(failureOf(outcome)?.reason).toBe('Person search: HTTP 400, problem document');
    expect(JSON.stringify(outcome)).not.toContain('Okafor');
  });

  it('a caller cancelling the lookup ends it as cancelled, not as a timeout', async () => {
    const controller = new AbortController();
    server.use(
      http.get(`${BASE}/persons`, async () => {
        controller.abort();
        await new Promise((resolve) => setTimeout(resolve, 50));
        return HttpResponse.json(page([]));
      }),
    );
    const outcome = await createHousingAdapter().search(query, settings, { signal: controller.signal });
    expect(failureOf(outcome)).toMatchObject({ kind: 'timeout', code: 'ADAPTER.CANCELLED' });
  });

  it('refreshes a refused cached token once only, then fails as auth-failed', async () => {
    let tokensIssued = 0;
    let refuseAll = false;
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        expect(new URLSearchParams(await request.text()).get('grant_type')).toBe('client_credentials');
        expect(request.headers.get('authorization')).toBe(`Basic ${Buffer.from('c1:pw').toString('base64')}`);
        tokensIssued += 1;
        return HttpResponse.json({ access_token: `tok-${tokensIssued}`, token_type: 'Bearer', expires_in: 3600 });
      }),
      http.get(`${BASE}/persons`, () => (refuseAll ? HttpResponse.json({ title: 'Unauthorized', status: 401 }, { status: 401 }) : HttpResponse.json(page([])))),
    );
    const adapter = createHousingAdapter();
    const auth = { kind: 'oauth2-client-credentials', tokenUrl: TOKEN_URL, clientId: 'c1', clientSecret: 'pw' } as const;
    expect((await adapter.search({ ...query, otherNames: [], identifiers: [], postcode: undefined }, { ...settings, auth })).kind).toBe('found');
    expect(tokensIssued).toBe(1);

    refuseAll = true;
    const outcome = await adapter.search({ ...query, otherNames: [], identifiers: [], postcode: undefined }, { ...settings, auth });
    expect(failureOf(outcome)).toEqual({ kind: 'auth-failed', code: 'ADAPTER.AUTH_FAILED', reason: 'Person search: HTTP 401, problem document' });
    expect(tokensIssued).toBe(2);
    expect(outcome.orchestrations.map((o) => [o.name, o.status])).toEqual([
      ['Person search', 401],
      ['OAuth2 token', 200],
      ['Person search', 401],
    ]);
  });

  it('WS-Security credentials fail as misconfigured without calling anyone', async () => {
    const outcome = await createHousingAdapter().search(query, { ...settings, auth: { kind: 'ws-security', username: 'u', password: 'p' } });
    expect(failureOf(outcome)).toMatchObject({ kind: 'auth-failed', code: 'ADAPTER.AUTH_MISCONFIGURED' });
    expect(outcome.orchestrations).toEqual([]);
  });
});
