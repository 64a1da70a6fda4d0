/**
 * FHIR adapter protocol edges, with outbound HTTP mocked at the network layer (msw) or an
 * injected fetch: what a hostile or odd server may do that the simulator does not — redirect,
 * point `next` elsewhere, answer 200 with an OperationOutcome, send a Content-Length over the
 * limit, refuse a cached token. Real-server tests live in test/health/.
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { mockNetwork } from '../../../test/support/msw.ts';
import type { ConnectorSettings, SubjectQuery } from '../port.ts';
import { sameServerUrl } from '../http/links.ts';
import { createFhirAdapter, patientSearches } from './adapter.ts';
import { redactUrl } from '../http/redact.ts';

const BASE = 'http://fhir.test/R4';
const TOKEN_URL = 'http://auth.test/oauth2/token';

const query: SubjectQuery = {
  given: ['Kayden', 'Lee'],
  family: 'Featherstone',
  otherNames: [{ given: ['Kay'], family: 'Ashworth' }],
  birthDate: '2017-03-14',
  postcode: 'nt14ab',
  addressLines: [],
  identifiers: [{ system: 'nhs-number', value: '999 100 0003' }],
};

const settings: ConnectorSettings = { id: 'c1', baseUrl: `${BASE}/`, auth: { kind: 'none' }, timeoutMs: 2_000, maxResponseBytes: 50_000, maxPages: 5, maxCandidates: 5 };

const patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Featherstone', given: ['Kayden'] }] };
const searchset = (resources: readonly object[], next?: string): object => ({
  resourceType: 'Bundle',
  type: 'searchset',
  total: resources.length,
  ...(next === undefined ? {} : { link: [{ relation: 'next', url: next }] }),
  entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })),
});
const emptySearches = [
  http.get(`${BASE}/Encounter`, () => HttpResponse.json(searchset([]))),
  http.get(`${BASE}/Condition`, () => HttpResponse.json(searchset([]))),
  http.get(`${BASE}/Flag`, () => HttpResponse.json(searchset([]))),
  http.get(`${BASE}/EpisodeOfCare`, () => HttpResponse.json(searchset([]))),
  http.get(`${BASE}/RelatedPerson`, () => HttpResponse.json(searchset([]))),
];

const server = mockNetwork();

describe('patientSearches', () => {
  it('tries the NHS number, then demographics from most to least specific, then aliases', () => {
    expect(patientSearches(query)).toEqual([
      [['identifier', 'https://fhir.nhs.uk/Id/nhs-number|9991000003']],
      [['family', 'Featherstone'], ['given', 'Kayden'], ['birthdate', '2017-03-14'], ['address-postalcode', 'NT1 4AB']],
      [['family', 'Featherstone'], ['given', 'Kayden'], ['birthdate', '2017-03-14']],
      [['family', 'Featherstone'], ['birthdate', '2017-03-14']],
      [['given', 'Kayden'], ['birthdate', '2017-03-14'], ['address-postalcode', 'NT1 4AB']],
      [['family', 'Ashworth'], ['given', 'Kay'], ['birthdate', '2017-03-14']],
    ]);
  });

  it('without a birth date, searches a name only together with the postcode', () => {
    expect(patientSearches({ ...query, identifiers: [], birthDate: undefined, otherNames: [] })).toEqual([[['family', 'Featherstone'], ['given', 'Kayden'], ['address-postalcode', 'NT1 4AB']]]);
    expect(patientSearches({ ...query, identifiers: [], birthDate: undefined, postcode: undefined, otherNames: [] })).toEqual([]);
  });
});

describe('redactUrl', () => {
  it('keeps result-control parameters and redacts every other value, credentials and fragment', () => {
    expect(redactUrl('http://u:p@fhir.test/R4/Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9991000003&family=Smith&_count=5#x')).toBe(
      'http://fhir.test/R4/Patient?identifier=[redacted]&family=[redacted]&_count=5',
    );
    expect(redactUrl('http://fhir.test/R4/Encounter?patient=p1&_getpages=abc&_offset=10')).toBe('http://fhir.test/R4/Encounter?patient=[redacted]&_getpages=[redacted]&_offset=10');
    expect(redactUrl('not a url with 9991000003')).toBe('[unparseable url]');
  });
});

describe('sameServerUrl', () => {
  it('accepts relative and absolute links under the base, refuses other origins, paths and credentials', () => {
    expect(sameServerUrl(BASE, 'Patient?_offset=5')).toBe(`${BASE}/Patient?_offset=5`);
    expect(sameServerUrl(BASE, `${BASE}/Patient?_offset=5`)).toBe(`${BASE}/Patient?_offset=5`);
    expect(sameServerUrl(BASE, 'http://evil.test/R4/Patient')).toBeUndefined();
    expect(sameServerUrl(BASE, 'http://fhir.test/other/Patient')).toBeUndefined();
    expect(sameServerUrl(BASE, 'http://user:pw@fhir.test/R4/Patient')).toBeUndefined();
  });
});

describe('FHIR adapter protocol edges (msw)', () => {
  it('ignores included resources and outcome entries, and searches each candidate once', async () => {
    server.use(
      http.get(`${BASE}/Patient`, () =>
        HttpResponse.json({
          resourceType: 'Bundle',
          type: 'searchset',
          entry: [
            { resource: patient, search: { mode: 'match' } },
            { resource: { resourceType: 'Organization', id: 'o1' }, search: { mode: 'include' } },
            { resource: { resourceType: 'OperationOutcome', issue: [] }, search: { mode: 'outcome' } },
          ],
        }),
      ),
      ...emptySearches,
    );
    const outcome = await createFhirAdapter().search(query, settings);
    expect(outcome.kind).toBe('found');
    if (outcome.kind === 'found') expect(outcome.records.patients.map((p) => p.patient.id)).toEqual(['p1']);
    expect(outcome.orchestrations).toHaveLength(6);
  });

  it('caps the candidates and says so in a cut: read 3 of the 7 Bundle.total reports', async () => {
    const many = Array.from({ length: 7 }, (_, i) => ({ ...patient, id: `p${i}` }));
    server.use(http.get(`${BASE}/Patient`, () => HttpResponse.json(searchset(many))), ...emptySearches);
    const outcome = await createFhirAdapter().search(query, { ...settings, maxCandidates: 3 });
    expect(outcome.kind === 'found' && outcome.records).toMatchObject({ patients: [{ patient: { id: 'p0' } }, { patient: { id: 'p1' } }, { patient: { id: 'p2' } }] });
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([{ reason: 'candidate-cap', search: 'Patient search', read: 3, reported: 7 }]);
  });

  it('reads Bundle.total: a cap counts against it, and a server that sends fewer than it reports is cut by the agency', async () => {
    const many = Array.from({ length: 3 }, (_, i) => ({ ...patient, id: `p${i}` }));
    server.use(http.get(`${BASE}/Patient`, () => HttpResponse.json({ ...searchset(many), total: 12 })), ...emptySearches);
    const capped = await createFhirAdapter().search(query, { ...settings, maxCandidates: 2 });
    expect(capped.kind === 'found' && capped.cuts).toEqual([{ reason: 'candidate-cap', search: 'Patient search', read: 2, reported: 12 }]);
    const held = await createFhirAdapter().search(query, settings);
    expect(held.kind === 'found' && held.records.patients).toHaveLength(3);
    expect(held.kind === 'found' && held.cuts).toEqual([{ reason: 'agency-limit', search: 'Patient search', read: 3, reported: 12 }]);
  });

  it("PDS's TOO_MANY_MATCHES (HTTP 200, OperationOutcome) is the agency's own limit: found, no one read, no later search", async () => {
    const pds = {
      resourceType: 'OperationOutcome',
      issue: [{ code: 'multiple-matches', severity: 'information', details: { coding: [{ code: 'TOO_MANY_MATCHES', display: 'Too Many Matches', system: 'https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode', version: '1' }] } }],
    };
    server.use(http.get(`${BASE}/Patient`, () => HttpResponse.json(pds)), ...emptySearches);
    const outcome = await createFhirAdapter().search({ ...query, identifiers: [] }, settings);
    expect(outcome.kind === 'found' && outcome.records.patients).toEqual([]);
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([{ reason: 'agency-limit', search: 'Patient search', read: 0, reported: null }]);
    expect(outcome.orchestrations.filter((o) => o.name === 'Patient search')).toHaveLength(1);
  });

  it('refuses a next link to another server, and never calls it', async () => {
    let evilCalled = false;
    server.use(
      http.get(`${BASE}/Patient`, () => HttpResponse.json(searchset([patient], 'http://evil.test/R4/Patient?page=2'))),
      http.get('http://evil.test/R4/Patient', () => {
        evilCalled = true;
        return HttpResponse.json(searchset([]));
      }),
    );
    const wider = await createFhirAdapter().search(query, { ...settings, auth: { kind: 'bearer', token: 't' } });
    expect(wider.kind === 'failed' && wider.failure).toEqual({ kind: 'protocol-error', code: 'ADAPTER.PROTOCOL_ERROR', reason: "Patient search: next link points outside the connector's base URL" });
    expect(evilCalled).toBe(false);
  });

  it('refuses to follow redirects', async () => {
    server.use(http.get(`${BASE}/Patient`, () => new HttpResponse(null, { status: 302, headers: { location: 'http://evil.test/' } })));
    const outcome = await createFhirAdapter().search(query, settings);
    expect(outcome.kind === 'failed' && outcome.failure).toMatchObject({ kind: 'protocol-error', reason: 'Patient search: unexpected redirect (HTTP 302)' });
  });

  it('a 200 OperationOutcome is a protocol error; a non-searchset Bundle too', async () => {
    server.use(http.get(`${BASE}/Patient`, () => HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'processing', diagnostics: 'line1\nline2' }] })));
    const outcome = await createFhirAdapter().search(query, settings);
    expect(outcome.kind === 'failed' && outcome.failure).toEqual({ kind: 'protocol-error', code: 'ADAPTER.PROTOCOL_ERROR', reason: 'Patient search: HTTP 200, OperationOutcome processing: line1 line2' });

    server.use(http.get(`${BASE}/Patient`, () => HttpResponse.json({ resourceType: 'Bundle', type: 'collection', entry: [] })));
    const collection = await createFhirAdapter().search(query, settings);
    expect(collection.kind === 'failed' && collection.failure.reason).toBe('Patient search: expected a searchset Bundle, got Bundle.type collection');

    server.use(http.get(`${BASE}/Patient`, () => HttpResponse.json(patient)));
    const single = await createFhirAdapter().search(query, settings);
    expect(single.kind === 'failed' && single.failure.reason).toBe('Patient search: expected a searchset Bundle, got Patient');
  });

  it('an entry of the wrong shape fails as malformed-response, naming the element but not its value', async () => {
    server.use(
      // msw tries handlers in order: the broken Encounter search comes before the empty ones.
      http.get(`${BASE}/Patient`, () => HttpResponse.json(searchset([patient]))),
      http.get(`${BASE}/Encounter`, () => HttpResponse.json(searchset([{ resourceType: 'Encounter', id: 'e1', status: 'finished', class: 'EMER-9991000003' }]))),
      ...emptySearches,
    );
    const outcome = await createFhirAdapter().search(query, settings);
    expect(outcome.kind === 'failed' && outcome.failure).toMatchObject({ kind: 'malformed-response' });
    expect(outcome.kind === 'failed' && outcome.failure.reason).toMatch(/^Encounter search: entry 0 is not a valid Encounter \(class: /);
    expect(JSON.stringify(outcome)).not.toContain('9991000003');
  });

  it('a Content-Length over the limit fails as too-large before the body is read', async () => {
    server.use(http.get(`${BASE}/Patient`, () => new HttpResponse('{}', { headers: { 'content-length': '999999999', 'content-type': 'application/fhir+json' } })));
    const outcome = await createFhirAdapter().search(query, settings);
    expect(outcome.kind === 'failed' && outcome.failure).toEqual({ kind: 'too-large', code: 'ADAPTER.TOO_LARGE', reason: 'Patient search: response of 999999999 bytes exceeds the limit of 50000' });
  });

  it('a Spine OperationOutcome without diagnostics is reported by its issue code', async () => {
    server.use(http.get(`${BASE}/Patient`, () => HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'value' }] }, { status: 400 })));
    const outcome = await createFhirAdapter().search(query, settings);
    expect(outcome.kind === 'failed' && outcome.failure.reason).toBe('Patient search: HTTP 400, OperationOutcome value');
  });

  it('fetches a fresh token once when the server refuses a cached one', async () => {
    let tokensIssued = 0;
    let revoked = false;
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        const form = new URLSearchParams(await request.text());
        expect(form.get('grant_type')).toBe('client_credentials');
        expect(request.headers.get('authorization')).toBe(`Basic ${Buffer.from('c1:pw').toString('base64')}`);
        tokensIssued += 1;
        return HttpResponse.json({ access_token: `tok-${tokensIssued}`, token_type: 'bearer', expires_in: 3600 });
      }),
      http.get(`${BASE}/Patient`, ({ request }) => {
        const auth = request.headers.get('authorization');
        if (revoked && auth === 'Bearer tok-1') return HttpResponse.json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] }, { status: 401 });
        return HttpResponse.json(searchset([]));
      }),
    );
    const adapter = createFhirAdapter();
    const auth = { kind: 'oauth2-client-credentials', tokenUrl: TOKEN_URL, clientId: 'c1', clientSecret: 'pw' } as const;
    expect((await adapter.search(query, { ...settings, auth })).kind).toBe('found');
    expect(tokensIssued).toBe(1);
    revoked = true;
    const outcome = await adapter.search(query, { ...settings, auth });
    expect(outcome.kind).toBe('found');
    expect(tokensIssued).toBe(2);
    expect(outcome.orchestrations.map((o) => [o.name, o.status])).toContainEqual(['OAuth2 token', 200]);
  });

  it('a token response without a bearer token fails as auth-failed', async () => {
    server.use(http.post(TOKEN_URL, () => HttpResponse.json({ token_type: 'mac', access_token: 'x' })));
    const outcome = await createFhirAdapter().search(query, { ...settings, auth: { kind: 'oauth2-client-credentials', tokenUrl: TOKEN_URL, clientId: 'c1', clientSecret: 'pw' } });
    expect(outcome.kind === 'failed' && outcome.failure).toEqual({ kind: 'auth-failed', code: 'ADAPTER.AUTH_FAILED', reason: 'OAuth2 token endpoint returned no usable bearer token' });
  });
});

describe('FHIR adapter with an injected fetch', () => {
  it('uses the context fetch, sends Accept and Authorization, and reports a caller cancellation', async () => {
    const seen: { url: string; accept: string | null; authorization: string | null }[] = [];
    const controller = new AbortController();
    const fetchImpl: typeof globalThis.fetch = (input, init) => {
      const headers = new Headers(init?.headers);
      seen.push({ url: input instanceof Request ? input.url : input.toString(), accept: headers.get('accept'), authorization: headers.get('authorization') });
      controller.abort();
      return Promise.resolve(new Response(JSON.stringify(searchset([])), { headers: { 'content-type': 'application/fhir+json' } }));
    };
    const outcome = await createFhirAdapter().search(query, { ...settings, auth: { kind: 'bearer', token: 'abc' } }, { fetch: fetchImpl, signal: controller.signal });
    expect(seen[0]).toEqual({ url: `${BASE}/Patient?identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C9991000003&_count=5`, accept: 'application/fhir+json', authorization: 'Bearer abc' });
    expect(outcome.kind === 'failed' && outcome.failure).toMatchObject({ kind: 'timeout', code: 'ADAPTER.CANCELLED' });
  });

  it('a body that is not UTF-8 fails as malformed-response', async () => {
    const fetchImpl: typeof globalThis.fetch = () => Promise.resolve(new Response(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])));
    const outcome = await createFhirAdapter().search(query, settings, { fetch: fetchImpl });
    expect(outcome.kind === 'failed' && outcome.failure.kind).toBe('malformed-response');
  });

  it('never throws for an expected failure: a fetch that rejects is unreachable', async () => {
    const fetchImpl: typeof globalThis.fetch = () => Promise.reject(new TypeError('fetch failed: ECONNREFUSED 9991000003'));
    const outcome = await createFhirAdapter().search(query, settings, { fetch: fetchImpl });
    expect(outcome.kind === 'failed' && outcome.failure).toEqual({ kind: 'unreachable', code: 'ADAPTER.UNREACHABLE', reason: 'Patient search: could not connect to the agency system', transient: {} });
    expect(JSON.stringify(outcome)).not.toContain('9991000003');
  });
});
