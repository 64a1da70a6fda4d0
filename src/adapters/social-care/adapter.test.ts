/**
 * Social care adapter edges, with outbound HTTP mocked at the network layer (msw): the search
 * order, the candidate cap, what a hostile or odd server may do that the simulator does not —
 * redirect, claim pages it does not have, repeat items, refuse a cached token — and that no
 * identifying value reaches an orchestration. Real-server tests live in test/social-care/.
 */
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { mockNetwork } from '../../../test/support/msw.ts';
import type { ConnectorSettings, SubjectQuery } from '../port.ts';
import { createSocialCareAdapter } from './adapter.ts';
import { peopleSearches, swapDayAndMonth } from './search.ts';

const BASE = 'http://case-system.test/api/mash/v1';
const TOKEN_URL = 'http://auth.test/oauth2/token';

const query: SubjectQuery = {
  given: ['Kayden', 'Lee'],
  family: 'Featherstone',
  otherNames: [{ given: ['Kay'], family: 'Ashworth' }],
  birthDate: '2017-03-14',
  postcode: 'nt14ab',
  addressLines: [],
  identifiers: [{ system: 'nhs-number', value: '999 100 0003' }, { system: 'upn', value: 'w999302119417' }],
};

const settings: ConnectorSettings = { id: 'c1', baseUrl: `${BASE}/`, auth: { kind: 'none' }, timeoutMs: 2_000, maxResponseBytes: 50_000, maxPages: 5, maxCandidates: 5 };

const person = (personId: string): object => ({ personId, name: { given: ['Kayden'], family: 'Featherstone' }, knownAs: [], genderCurrent: '1', role: 'child', lastUpdated: '2026-01-01T00:00:00Z' });
const page = (items: readonly object[], number = 1, totalPages = 1, totalItems = items.length): object => ({ items, page: { number, size: 50, totalItems, totalPages } });
const COLLECTIONS = ['contacts', 'assessments', 'section47-enquiries', 'cin-plans', 'child-protection-plans', 'looked-after-episodes', 'relationships'];
const emptyCollections = COLLECTIONS.map((c) => http.get(`${BASE}/${c}`, () => HttpResponse.json(page([]))));

const server = mockNetwork();

describe('peopleSearches', () => {
  it('tries NHS number, UPN, then name and birth date from most to least specific, aliases, a changed family name, a swapped date', () => {
    expect(peopleSearches(query)).toEqual([
      [['nhsNumber', '9991000003']],
      [['upn', 'W999302119417']],
      [['familyName', 'Featherstone'], ['givenName', 'Kayden'], ['birthDate', '2017-03-14']],
      [['familyName', 'Featherstone'], ['birthDate', '2017-03-14']],
      [['familyName', 'Ashworth'], ['givenName', 'Kay'], ['birthDate', '2017-03-14']],
      [['givenName', 'Kayden'], ['birthDate', '2017-03-14'], ['postcode', 'NT1 4AB']],
    ]);
  });

  it('adds the day/month-swapped birth date when that is a real, different date', () => {
    const searches = peopleSearches({ ...query, identifiers: [], otherNames: [], birthDate: '2017-03-04' });
    expect(searches.slice(-1)).toEqual([[['familyName', 'Featherstone'], ['birthDate', '2017-04-03']]]);
    expect(swapDayAndMonth('2017-03-04')).toBe('2017-04-03');
    expect(swapDayAndMonth('2017-03-14')).toBeUndefined();
    expect(swapDayAndMonth('2017-05-05')).toBeUndefined();
  });

  it('without a birth date, needs the postcode; initials and malformed identifiers are left out', () => {
    expect(peopleSearches({ ...query, birthDate: undefined, given: ['K.'], otherNames: [], identifiers: [{ system: 'nhs-number', value: '12' }] })).toEqual([
      [['familyName', 'Featherstone'], ['postcode', 'NT1 4AB']],
    ]);
    expect(peopleSearches({ ...query, birthDate: undefined, postcode: undefined, identifiers: [] })).toEqual([]);
  });
});

describe('createSocialCareAdapter', () => {
  it('caps the candidates and says so in a cut, against page.totalItems', async () => {
    server.use(http.get(`${BASE}/people`, () => HttpResponse.json(page([person('P1'), person('P2')], 1, 3, 7))), ...emptyCollections);
    const outcome = await createSocialCareAdapter().search(query, { ...settings, maxCandidates: 2 });
    expect(outcome).toMatchObject({ kind: 'found', cuts: [{ reason: 'candidate-cap', search: 'People search', read: 2, reported: 7 }] });
    expect(outcome.kind === 'found' ? outcome.records.people.map((p) => p.person.personId) : []).toEqual(['P1', 'P2']);
    expect(outcome.orchestrations.filter((o) => o.name === 'People search')).toHaveLength(1);
    const text = JSON.stringify(outcome.orchestrations);
    for (const value of ['9991000003', 'Featherstone', 'Kayden', '2017-03-14', 'NT1', 'P1']) expect(text).not.toContain(value);
  });

  it('stops paging when a page claims more pages but has no items, and keeps each item once', async () => {
    const contact = { id: 'C1', recordType: 'contact', date: '2025-01-01', referralSource: '6', summary: 'Police notification.' };
    server.use(
      http.get(`${BASE}/people`, () => HttpResponse.json(page([person('P1')]))),
      ...emptyCollections.slice(1),
      http.get(`${BASE}/contacts`, ({ request }) => {
        const n = Number(new URL(request.url).searchParams.get('page'));
        return HttpResponse.json(page(n <= 2 ? [contact] : [], n, 99));
      }),
    );
    const outcome = await createSocialCareAdapter().search(query, settings);
    expect(outcome.kind === 'found' ? outcome.records.people[0]?.contacts.map((c) => c.id) : undefined).toEqual(['C1']);
    expect(outcome.orchestrations.filter((o) => o.name.startsWith('Contacts')).map((o) => o.name)).toEqual(['Contacts', 'Contacts page 2', 'Contacts page 3']);
  });

  it('refuses to follow a redirect', async () => {
    server.use(http.get(`${BASE}/people`, () => new HttpResponse(null, { status: 302, headers: { location: 'http://elsewhere.test/people' } })));
    const outcome = await createSocialCareAdapter().search(query, settings);
    expect(outcome).toMatchObject({ kind: 'failed', failure: { kind: 'protocol-error', reason: 'People search: unexpected redirect (HTTP 302)' } });
  });

  it('fails as too-large on a declared Content-Length over the limit', async () => {
    server.use(http.get(`${BASE}/people`, () => new HttpResponse('{}', { headers: { 'content-type': 'application/json', 'content-length': '9999999' } })));
    const outcome = await createSocialCareAdapter().search(query, settings);
    expect(outcome).toMatchObject({ kind: 'failed', failure: { kind: 'too-large' } });
  });

  it('fetches a fresh token once when the server refuses a cached one', async () => {
    let issued = 0;
    server.use(
      http.post(TOKEN_URL, () => {
        issued += 1;
        return HttpResponse.json({ access_token: `token-${issued}`, token_type: 'Bearer', expires_in: 300 });
      }),
      http.get(`${BASE}/people`, ({ request }) => (request.headers.get('authorization') === 'Bearer token-1' && issued > 1
        ? HttpResponse.json({ title: 'Unauthorized', status: 401 }, { status: 401 })
        : HttpResponse.json(page([])))),
    );
    const adapter = createSocialCareAdapter();
    const oauth: ConnectorSettings = { ...settings, auth: { kind: 'oauth2-client-credentials', tokenUrl: TOKEN_URL, clientId: 'mash', clientSecret: 's' } };
    expect((await adapter.search(query, oauth)).kind).toBe('found');
    issued += 1; // The server now refuses token-1, as if it had been revoked.
    const second = await adapter.search({ ...query, identifiers: [], otherNames: [], birthDate: '2017-03-14' }, oauth);
    expect(second.kind).toBe('found');
    expect(second.orchestrations.map((o) => o.name).slice(0, 3)).toEqual(['People search', 'OAuth2 token', 'People search']);
  });
});
