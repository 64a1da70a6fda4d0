/**
 * Education adapter protocol edges, with an injected fetch: the search strategy, and what an
 * odd or hostile server may do that the simulator does not — skip or repeat pages, answer 200
 * with an error document, redirect, declare an oversized body, put a DTD in an error page,
 * refuse a cached token. Real-server tests live in test/education/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failure } from '../../../test/support/outcomes.ts';
import type { ConnectorSettings, SubjectQuery } from '../port.ts';
import { createEducationAdapter, pupilSearches } from './adapter.ts';

const BASE = 'http://education.test/api';
const settings: ConnectorSettings = { id: 'e1', baseUrl: `${BASE}/`, auth: { kind: 'none' }, timeoutMs: 2_000, maxResponseBytes: 100_000, maxPages: 5, maxCandidates: 5 };
const FIXTURE = readFileSync(join(import.meta.dirname, '../../../contracts/education/fixtures/featured-family.xml'), 'utf8');

const query: SubjectQuery = {
  given: ['Robert', 'James'],
  family: 'Smith',
  otherNames: [{ given: ['Bobby'], family: 'Smith-Jones' }],
  birthDate: '2017-03-04',
  postcode: 'wf132qp',
  addressLines: [],
  identifiers: [
    { system: 'nhs-number', value: '9994732153' },
    { system: 'upn', value: 'x382 2047 21317' },
  ],
};

/** A page of the featured-family fixture, renumbered. */
function page(pageNumber: number, nextPage?: number): string {
  return FIXTURE.replace('<Page>1</Page>', `<Page>${pageNumber}</Page>`).replace('</TotalMatches>', `</TotalMatches>${nextPage === undefined ? '' : `<NextPage>${nextPage}</NextPage>`}`);
}

const xml = (body: string, status = 200, headers: Record<string, string> = {}): Response => new Response(body, { status, headers: { 'content-type': 'application/xml', ...headers } });

/** A fetch that answers from `respond` and records what it was asked. */
function fakeFetch(respond: (url: URL, init: RequestInit | undefined, call: number) => Response | Promise<Response>): { fetch: typeof globalThis.fetch; calls: { url: URL; headers: Headers }[] } {
  const calls: { url: URL; headers: Headers }[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    calls.push({ url, headers: new Headers(init?.headers) });
    return respond(url, init, calls.length);
  };
  return { fetch, calls };
}

describe('pupilSearches', () => {
  it('tries the UPN, then demographics from most to least specific, then aliases, then without the birth date', () => {
    const fuzzy = ['fuzzy', 'true'];
    expect(pupilSearches(query)).toEqual([
      [['upn', 'X382204721317']],
      [['surname', 'Smith'], ['forename', 'Robert'], ['dob', '2017-03-04'], ['postcode', 'WF13 2QP'], fuzzy],
      [['surname', 'Smith'], ['forename', 'Robert'], ['dob', '2017-03-04'], fuzzy],
      [['surname', 'Smith'], ['dob', '2017-03-04'], fuzzy],
      [['forename', 'Robert'], ['dob', '2017-03-04'], ['postcode', 'WF13 2QP'], fuzzy],
      [['dob', '2017-03-04'], ['postcode', 'WF13 2QP']],
      [['surname', 'Smith-Jones'], ['forename', 'Bobby'], ['dob', '2017-03-04'], fuzzy],
      [['surname', 'Smith-Jones'], ['dob', '2017-03-04'], fuzzy],
      [['surname', 'Smith'], ['forename', 'Robert'], ['postcode', 'WF13 2QP'], fuzzy],
      [['surname', 'Smith-Jones'], ['forename', 'Bobby'], ['postcode', 'WF13 2QP'], fuzzy],
    ]);
  });

  it('skips a UPN of the wrong form, and never sends a search with a single criterion', () => {
    const bare: SubjectQuery = { given: [], family: 'Smith', otherNames: [], addressLines: [], identifiers: [{ system: 'upn', value: 'not-a-upn' }] };
    expect(pupilSearches(bare)).toEqual([]);
    expect(pupilSearches({ ...bare, postcode: 'WF13 2QP' })).toEqual([[['surname', 'Smith'], ['postcode', 'WF13 2QP'], ['fuzzy', 'true']]]);
  });
});

describe('education adapter protocol edges', () => {
  const byUpn: SubjectQuery = { ...query, identifiers: [{ system: 'upn', value: 'X382204721317' }] };

  it('sends Accept and Authorization, uses the context fetch, and returns the pupils', async () => {
    const { fetch, calls } = fakeFetch(() => xml(page(1)));
    const outcome = await createEducationAdapter().search(byUpn, { ...settings, auth: { kind: 'bearer', token: 't0k3n' } }, { fetch });
    expect(outcome.kind === 'found' && outcome.records.pupils.map((p) => p.RecordID)).toEqual(['PUP000001', 'PUP000002']);
    expect(calls[0]?.url.toString()).toBe(`${BASE}/pupils?upn=X382204721317&pageSize=5&page=1`);
    expect(calls[0]?.headers.get('accept')).toBe('application/xml');
    expect(calls[0]?.headers.get('authorization')).toBe('Bearer t0k3n');
  });

  it('refuses a NextPage that is not the following page, and a page other than the one asked for', async () => {
    const skipping = fakeFetch(() => xml(page(1, 3)));
    expect(failure(await createEducationAdapter().search(byUpn, { ...settings, maxCandidates: 10 }, { fetch: skipping.fetch }))).toEqual({
      kind: 'protocol-error',
      code: 'ADAPTER.PROTOCOL_ERROR',
      reason: 'Pupil search: NextPage is not the following page',
    });
    const repeating = fakeFetch(() => xml(page(1, 2)));
    expect(failure(await createEducationAdapter().search(byUpn, { ...settings, maxCandidates: 10 }, { fetch: repeating.fetch }))).toMatchObject({
      kind: 'protocol-error',
      reason: 'Pupil search page 2: the server answered page 1 instead',
    });
  });

  it('a 200 error document is a protocol error', async () => {
    const { fetch } = fakeFetch(() => xml('<PupilSearchError><Code>INTERNAL_ERROR</Code><Message>secret detail</Message></PupilSearchError>'));
    expect(failure(await createEducationAdapter().search(byUpn, settings, { fetch }))).toEqual({
      kind: 'protocol-error',
      code: 'ADAPTER.PROTOCOL_ERROR',
      reason: 'Pupil search: HTTP 200 with a PupilSearchError (INTERNAL_ERROR)',
    });
  });

  it('an error status whose body has a DTD is reported by its status, the body unparsed', async () => {
    const { fetch } = fakeFetch(() => xml('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><PupilSearchError><Code>&e;</Code></PupilSearchError>', 500));
    const outcome = await createEducationAdapter().search(byUpn, settings, { fetch });
    expect(failure(outcome)).toEqual({ kind: 'http-error', code: 'ADAPTER.HTTP_ERROR', reason: 'Pupil search: HTTP 500' });
    expect(JSON.stringify(outcome)).not.toContain('passwd');
  });

  it('refuses to follow redirects', async () => {
    const { fetch, calls } = fakeFetch(() => new Response(null, { status: 302, headers: { location: 'http://elsewhere.test/pupils' } }));
    expect(failure(await createEducationAdapter().search(byUpn, settings, { fetch }))).toMatchObject({ kind: 'protocol-error', reason: 'Pupil search: unexpected redirect (HTTP 302)' });
    expect(calls).toHaveLength(1);
  });

  it('a Content-Length over the limit fails as too-large before the body is read', async () => {
    const { fetch } = fakeFetch(() => xml(page(1), 200, { 'content-length': '999999999' }));
    expect(failure(await createEducationAdapter().search(byUpn, settings, { fetch }))).toMatchObject({ kind: 'too-large', code: 'ADAPTER.TOO_LARGE' });
  });

  it('fetches a fresh token once when the server refuses a cached one', async () => {
    let tokens = 0;
    const { fetch, calls } = fakeFetch((url, init) => {
      if (url.pathname === '/oauth2/token') {
        tokens += 1;
        return Response.json({ access_token: `token-${tokens}`, token_type: 'Bearer', expires_in: 300 });
      }
      const auth = new Headers(init?.headers).get('authorization');
      return auth === 'Bearer token-2' ? xml(page(1)) : xml('<PupilSearchError><Code>UNAUTHORISED</Code></PupilSearchError>', 401);
    });
    const adapter = createEducationAdapter();
    const oauth: ConnectorSettings = { ...settings, auth: { kind: 'oauth2-client-credentials', tokenUrl: 'http://auth.test/oauth2/token', clientId: 'c', clientSecret: 's' } };
    // The first lookup gets token-1, which the server refuses as fresh (not cached): no retry.
    expect(failure(await adapter.search(byUpn, oauth, { fetch }))).toMatchObject({ kind: 'auth-failed', reason: 'Pupil search: HTTP 401, UNAUTHORISED' });
    // The second lookup uses the cached token-1, is refused, fetches token-2 once and succeeds.
    const second = await adapter.search(byUpn, oauth, { fetch });
    expect(second.kind).toBe('found');
    expect(second.orchestrations.map((o) => [o.name, o.status])).toEqual([
      ['Pupil search', 401],
      ['OAuth2 token', 200],
      ['Pupil search', 200],
    ]);
    expect(calls.filter((c) => c.url.pathname === '/oauth2/token')).toHaveLength(2);
  });

  it('reports a caller cancellation as cancelled, not as a deadline', async () => {
    const controller = new AbortController();
    const { fetch } = fakeFetch(
      (_url, init) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener('abort', () => {
            reject(new DOMException('aborted', 'AbortError'));
          });
          controller.abort();
        }),
    );
    expect(failure(await createEducationAdapter().search(byUpn, settings, { fetch, signal: controller.signal }))).toMatchObject({ kind: 'timeout', code: 'ADAPTER.CANCELLED' });
  });

  it('never throws for an expected failure: a fetch that rejects is unreachable', async () => {
    const { fetch } = fakeFetch(() => Promise.reject(new TypeError('fetch failed')));
    expect(failure(await createEducationAdapter().search(byUpn, settings, { fetch }))).toMatchObject({ kind: 'unreachable', code: 'ADAPTER.UNREACHABLE' });
  });
});
