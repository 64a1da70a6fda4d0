/**
 * The police SOAP adapter with an injected `fetch`: what it sends (criteria, SOAP 1.2 headers,
 * WS-Security), and how it reads what comes back — fault fixtures, DTDs, broken and off-contract
 * bodies, HTTP errors — without echoing payloads. The real-server tests are in test/police/.
 */
import { describe, expect, it } from 'vitest';
import type { SubjectQuery } from '../port.ts';
import { createPoliceSoapAdapter } from './adapter.ts';
import { searchCriteria } from './criteria.ts';
import { fixtureChildQuery, failure, found, readFixture, serving, settingsFor } from '../../../test/police/fixtures.ts';

const BASE = 'https://police.invalid/mash/PersonSearchService';

interface Captured {
  readonly url: string;
  readonly headers: Headers;
  readonly body: string;
}

/** A fetch that records each request and answers with the given body. */
function recording(body: string, status = 200): { fetch: typeof globalThis.fetch; calls: Captured[] } {
  const calls: Captured[] = [];
  return {
    calls,
    fetch: (input, init) => {
      calls.push({ url: input instanceof Request ? input.url : input.toString(), headers: new Headers(init?.headers), body: typeof init?.body === 'string' ? init.body : '' });
      return Promise.resolve(new Response(body, { status, headers: { 'content-type': 'application/soap+xml; charset=utf-8' } }));
    },
  };
}

describe('search criteria', () => {
  it('asks by PNC id first when the subject has one, then with every name, birth date, sex and address at once', () => {
    const query: SubjectQuery = { ...fixtureChildQuery, identifiers: [{ system: 'pnc-id', value: '08/731902r' }, { system: 'nhs-number', value: '9990000018' }] };
    expect(searchCriteria(query)).toEqual([
      { PNCIdentification: '08/731902R' },
      {
        PersonName: { PersonGivenName: ['Tyler'], PersonSurName: 'Ashworth' },
        PersonAlternateName: [{ PersonGivenName: ['Ty'], PersonSurName: 'Reid' }],
        PersonBirthDate: '2015-05-20',
        PersonSexCode: 'M',
        Address: { AddressLine: ['7 Larch Close'], LocationPostalCode: 'NT2 7QR' },
      },
    ]);
  });

  it('drops a repeated alias, control characters, and values longer than the contract allows', () => {
    const query: SubjectQuery = { ...fixtureChildQuery, given: ['Ty\u0000ler'], family: 'A'.repeat(150), otherNames: [{ given: ['Tyler'], family: 'A'.repeat(150) }], sex: 'other' };
    const [criteria] = searchCriteria(query);
    expect(criteria?.PersonName).toEqual({ PersonGivenName: ['Ty ler'], PersonSurName: 'A'.repeat(100) });
    expect(criteria?.PersonAlternateName).toEqual([{ PersonGivenName: ['Tyler'], PersonSurName: 'A'.repeat(100) }]);
    expect(criteria?.PersonSexCode).toBeUndefined();
  });

  it('has nothing to search with for a name alone', () => {
    expect(searchCriteria({ ...fixtureChildQuery, birthDate: undefined, postcode: undefined })).toEqual([]);
  });
});

describe('police SOAP adapter (injected fetch)', () => {
  it('sends one SOAP 1.2 PersonSearch to the connector URL, with a WS-Security UsernameToken, and records it without personal data', async () => {
    const { fetch, calls } = recording(readFixture('person-search-response.xml'));
    const outcome = await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE, { auth: { kind: 'ws-security', username: 'mash-gw', password: 'p&ss<word>' } }), { fetch });
    expect(found(outcome).results.map((r) => r.Nominal.NominalIdentification)).toEqual(['NOM100001', 'NOM100003']);

    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.url).toBe(BASE);
    expect(call?.headers.get('content-type')).toBe('application/soap+xml; charset=utf-8; action="https://mash-gateway.invalid/wsdl/police/person-search/1/PersonSearch"');
    expect(call?.body).toContain('<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"');
    expect(call?.body).toMatch(/<wsse:Security soap:mustUnderstand="1"[^>]*><wsu:Timestamp/);
    expect(call?.body).toContain('<wsse:Username>mash-gw</wsse:Username>');
    expect(call?.body).toContain('#PasswordText">p&amp;ss&lt;word&gt;</wsse:Password>');
    expect(call?.body).toMatch(/<wsse:Nonce [^>]*>[A-Za-z0-9+/=]{24}<\/wsse:Nonce>/);
    expect(call?.body).toContain('<pole:PersonSurName>Ashworth</pole:PersonSurName>');
    expect(call?.body).toContain('<pole:PageNumber>1</pole:PageNumber><pole:PageSize>5</pole:PageSize>');

    expect(outcome.orchestrations).toHaveLength(1);
    expect(outcome.orchestrations[0]).toMatchObject({ name: 'PersonSearch', method: 'POST', url: BASE, status: 200 });
    expect(Object.keys(outcome.orchestrations[0] ?? {}).sort()).toEqual(['durationMs', 'method', 'name', 'startedAt', 'status', 'url']);
    const recorded = JSON.stringify(outcome.orchestrations);
    for (const value of ['Ashworth', 'Tyler', '2015-05-20', 'NT2', 'mash-gw', 'p&ss']) expect(recorded).not.toContain(value);
  });

  it('sends HTTP Basic credentials as a header, and no WS-Security header, for a basic connector', async () => {
    const { fetch, calls } = recording(readFixture('person-search-no-match.xml'));
    await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE, { auth: { kind: 'basic', username: 'u', password: 'p' } }), { fetch });
    expect(calls[0]?.headers.get('authorization')).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(calls[0]?.body).not.toContain('wsse:Security');
  });

  it('fails without calling anyone when the subject cannot be searched for', async () => {
    const { fetch, calls } = recording('');
    const outcome = await createPoliceSoapAdapter().search({ ...fixtureChildQuery, birthDate: undefined, postcode: undefined }, settingsFor(BASE), { fetch });
    expect(failure(outcome)).toMatchObject({ kind: 'protocol-error', code: 'ADAPTER.INSUFFICIENT_CRITERIA' });
    expect(calls).toEqual([]);
  });

  it('a SOAP fault fails the lookup with its code, subcode and reason, never its detail', async () => {
    const body = readFixture('fault-invalid-search-criteria.xml').replace(
      '<pole:FaultText>A PNC id, or a surname with a birth date or postcode, is required</pole:FaultText>',
      '<pole:FaultText>DETAIL-MARKER</pole:FaultText>',
    );
    const outcome = await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE), { fetch: serving(body, 400) });
    expect(failure(outcome)).toEqual({
      kind: 'protocol-error',
      code: 'ADAPTER.PROTOCOL_ERROR',
      reason: 'PersonSearch: SOAP fault env:Sender (pole:InvalidSearchCriteria): A PNC id, or a surname with a birth date or postcode, is required',
    });
    expect(outcome.orchestrations[0]?.status).toBe(400);
    expect(outcome.orchestrations[0]?.error).toContain('ADAPTER.PROTOCOL_ERROR: PersonSearch: SOAP fault');
    expect(JSON.stringify(outcome)).not.toContain('DETAIL-MARKER');
  });

  it('a WS-Security fault fails the lookup as auth-failed', async () => {
    const outcome = await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE), { fetch: serving(readFixture('fault-failed-authentication.xml'), 400) });
    expect(failure(outcome)).toEqual({
      kind: 'auth-failed',
      code: 'ADAPTER.AUTH_FAILED',
      reason: 'PersonSearch: SOAP fault env:Sender (wsse:FailedAuthentication): The security token could not be authenticated or authorized',
    });
  });

  it('reads nested subcodes, and a SOAP 1.1 fault from a server that answers in the older version', async () => {
    const nested = readFixture('fault-failed-authentication.xml').replace(
      '>wsse:FailedAuthentication</env:Value>',
      '>pole:InvalidRequest</env:Value><env:Subcode><env:Value>pole:Tampered</env:Value></env:Subcode>',
    );
    expect(failure(await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE), { fetch: serving(nested, 400) })).reason).toBe(
      'PersonSearch: SOAP fault env:Sender (pole:InvalidRequest, pole:Tampered): The security token could not be authenticated or authorized',
    );
    const soap11 = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>Database offline</faultstring><detail><x>DETAIL-MARKER</x></detail></s:Fault></s:Body></s:Envelope>';
    const outcome = await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE), { fetch: serving(soap11, 500, 'text/xml') });
    // A Server (SOAP 1.2: Receiver) fault may succeed if resent later (SOAP 1.2 Part 1 §5.4.6): transient.
    expect(failure(outcome)).toEqual({ kind: 'protocol-error', code: 'ADAPTER.PROTOCOL_ERROR', reason: 'PersonSearch: SOAP fault s:Server: Database offline', transient: {} });
    expect(JSON.stringify(outcome)).not.toContain('DETAIL-MARKER');
  });

  it('a fault reason is cleaned of control characters and cut short', async () => {
    const body = readFixture('fault-failed-authentication.xml').replace('The security token could not be authenticated or authorized', `bad\u0007 ${'x'.repeat(400)}`);
    const { reason } = failure(await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE), { fetch: serving(body, 500) }));
    expect(reason).toMatch(/^PersonSearch: SOAP fault env:Sender \(wsse:FailedAuthentication\): bad x+…$/);
    expect(reason.length).toBeLessThan(300);
  });

  it.each([
    ['a DOCTYPE', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body/></env:Envelope>'],
    ['an ENTITY declaration', '<!ENTITY a SYSTEM "file:///etc/hostname">'],
    ['a DOCTYPE on an error status', '<!DOCTYPE html><html><body>Bad gateway</body></html>'],
  ])('a response with %s is refused before parsing', async (_label, body) => {
    const outcome = await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE), { fetch: serving(body, body.includes('Bad gateway') ? 502 : 200) });
    expect(failure(outcome)).toEqual({
      kind: 'malformed-response',
      code: 'ADAPTER.MALFORMED_RESPONSE',
      reason: 'PersonSearch: response contains a DOCTYPE or ENTITY declaration, which SOAP forbids; it was not parsed',
    });
  });

  it.each([
    [503, 'http-error', 'text/plain'],
    [500, 'http-error', 'text/html'],
    [401, 'auth-failed', 'text/plain'],
    [403, 'auth-failed', 'text/plain'],
  ] as const)('HTTP %i without a SOAP envelope fails as %s', async (status, kind, contentType) => {
    const outcome = await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE), { fetch: serving('upstream said no', status, contentType) });
    expect(failure(outcome)).toMatchObject({ kind, reason: `PersonSearch: HTTP ${status} without a SOAP fault` });
    expect(JSON.stringify(outcome)).not.toContain('upstream said no');
  });

  it.each([
    ['not XML at all', 'hello', 'PersonSearch: response is not well-formed XML'],
    ['truncated XML', readFixture('person-search-response.xml').slice(0, 900), 'PersonSearch: response is not well-formed XML'],
    ['XML that is no envelope', '<error><message>no</message></error>', 'PersonSearch: response is not a valid PersonSearchResponse (SearchResultsMetadata: Invalid input: expected object, received undefined)'],
    ['an envelope breaking the XSD', readFixture('person-search-response.xml').replace('<pole:IncidentDate>2025-12-01</pole:IncidentDate>', '<pole:IncidentDate>1 Dec 2025</pole:IncidentDate>'), 'PersonSearch: response is not a valid PersonSearchResponse'],
    ['an envelope with a bad handling code', readFixture('person-search-response.xml').replace('<pole:HandlingCode>4</pole:HandlingCode>', '<pole:HandlingCode>9</pole:HandlingCode>'), 'PersonSearch: response is not a valid PersonSearchResponse'],
  ])('%s fails as malformed-response, naming elements only', async (_label, body, reason) => {
    const outcome = await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE), { fetch: serving(body) });
    const failed = failure(outcome);
    expect(failed.kind).toBe('malformed-response');
    expect(failed.reason.startsWith(reason)).toBe(true);
    expect(failed.reason).not.toMatch(/1 Dec|Ashworth|no<\/message>/);
  });

  it('refuses a page other than the one it asked for', async () => {
    const body = readFixture('person-search-no-match.xml').replace('<pole:PageNumber>1</pole:PageNumber>', '<pole:PageNumber>3</pole:PageNumber>');
    expect(failure(await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE), { fetch: serving(body) }))).toMatchObject({
      kind: 'protocol-error',
      reason: 'PersonSearch: asked for page 1, the service answered page 3',
    });
  });

  it('refuses a redirect rather than follow it with the credentials', async () => {
    const redirecting: typeof globalThis.fetch = () => Promise.resolve(new Response(null, { status: 302, headers: { location: 'https://elsewhere.invalid/' } }));
    expect(failure(await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE), { fetch: redirecting }))).toMatchObject({
      kind: 'protocol-error',
      reason: 'PersonSearch: unexpected redirect (HTTP 302)',
    });
  });

  it('a caller cancellation ends the lookup', async () => {
    const controller = new AbortController();
    controller.abort();
    const outcome = await createPoliceSoapAdapter().search(fixtureChildQuery, settingsFor(BASE), { fetch: serving(readFixture('person-search-no-match.xml')), signal: controller.signal });
    expect(failure(outcome)).toMatchObject({ kind: 'timeout', code: 'ADAPTER.CANCELLED' });
  });
});
