/**
 * The police simulator as a SOAP 1.2 service, driven with hand-written envelopes: start-up time,
 * the WSDL and XSD downloads, the media type, SOAP faults for versions, mandatory headers, DTDs
 * and bad requests, paging, WS-Security UsernameToken (text and digest, replay, expiry), and the
 * fault control endpoint.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEED, generatePopulation } from '../population/index.ts';
import type { AgencySimulator } from '../embedded.ts';
import { startPoliceSimulator, type PoliceSimulator } from './server.ts';
import { passwordDigest } from './wssecurity.ts';
import { POLE_NS, SOAP11_NS, SOAP12_NS, WSSE_NS } from './xml.ts';

const population = generatePopulation({ seed: DEFAULT_SEED });
const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const DIGEST = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';

const criteria = (inner: string, page = ''): string => `<p:PersonSearchRequest xmlns:p="${POLE_NS}"><p:SearchCriteria>${inner}</p:SearchCriteria>${page}</p:PersonSearchRequest>`;
const CHILD = '<p:PersonName><p:PersonGivenName>Robert</p:PersonGivenName><p:PersonSurName>Smith</p:PersonSurName></p:PersonName><p:PersonBirthDate>2017-03-04</p:PersonBirthDate><p:Address><p:LocationPostalCode>WF13 2QP</p:LocationPostalCode></p:Address>';
const childCriteria = criteria(CHILD);
const page = (n: number, size: number): string => `<p:ResultsPage><p:PageNumber>${n}</p:PageNumber><p:PageSize>${size}</p:PageSize></p:ResultsPage>`;
const soap12 = (body: string, header = ''): string => `<?xml version="1.0"?><e:Envelope xmlns:e="${SOAP12_NS}">${header === '' ? '' : `<e:Header>${header}</e:Header>`}<e:Body>${body}</e:Body></e:Envelope>`;

interface UsernameToken {
  readonly username: string;
  readonly password: string;
  readonly digest?: boolean;
  readonly nonce?: string;
  readonly created?: string;
}

function securityHeader(token: UsernameToken): string {
  const nonce = token.nonce ?? randomBytes(16).toString('base64');
  const created = token.created ?? new Date().toISOString();
  const password = token.digest === true ? `<wsse:Password Type="${DIGEST}">${passwordDigest(nonce, created, token.password)}</wsse:Password>` : `<wsse:Password>${token.password}</wsse:Password>`;
  return `<wsse:Security xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}" e:mustUnderstand="true"><wsse:UsernameToken><wsse:Username>${token.username}</wsse:Username>${password}<wsse:Nonce>${nonce}</wsse:Nonce><wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`;
}

async function post(url: string, body: string, contentType = 'application/soap+xml; charset=utf-8'): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': contentType }, body });
  return { status: response.status, text: await response.text() };
}

describe('police simulator (no auth)', () => {
  let sim: PoliceSimulator;

  beforeAll(async () => {
    sim = await startPoliceSimulator({ population });
  });
  afterAll(async () => {
    await sim.close();
  });

  // How fast it starts is a benchmark figure (bench/startup.ts: `npm start`, simulators included), not a test's.
  it('starts on loopback for the default population', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
  });

  it('answers a PersonSearch with a SOAP 1.2 response, page by page', async () => {
    const first = await post(sim.url, soap12(criteria(CHILD, page(1, 1))));
    expect(first.status).toBe(200);
    expect(first.text).toContain(`<env:Envelope xmlns:env="${SOAP12_NS}">`);
    expect(first.text).toContain('<pole:NominalIdentification>NOM000001</pole:NominalIdentification>');
    expect(first.text).toMatch(/<pole:PageNumber>1<\/pole:PageNumber><pole:PageSize>1<\/pole:PageSize><pole:MorePagesIndicator>true<\/pole:MorePagesIndicator>/);
    const second = await post(sim.url, soap12(criteria(CHILD, page(2, 1))));
    expect(second.text).toContain('<pole:PageNumber>2</pole:PageNumber>');
    expect(second.text).not.toContain('<pole:NominalIdentification>NOM000001</pole:NominalIdentification><pole:PersonName>');
  });

  it.each([
    ['a SOAP 1.1 envelope', `<s:Envelope xmlns:s="${SOAP11_NS}"><s:Body>${childCriteria}</s:Body></s:Envelope>`, 500, 'env:VersionMismatch'],
    ['an unknown mandatory header', soap12(childCriteria, `<x:Trace xmlns:x="urn:example" e:mustUnderstand="true"/>`), 500, 'env:MustUnderstand'],
    ['a DTD', `<!DOCTYPE e:Envelope [<!ENTITY x "y">]>${soap12(childCriteria)}`, 400, 'pole:InvalidRequest'],
    ['XML that is not well-formed', '<e:Envelope', 400, 'pole:InvalidRequest'],
    ['a body that is not a PersonSearchRequest', soap12(`<p:Other xmlns:p="${POLE_NS}"/>`), 400, 'pole:InvalidRequest'],
    ['a name without a birth date or postcode', soap12(criteria('<p:PersonName><p:PersonSurName>Smith</p:PersonSurName></p:PersonName>')), 400, 'pole:InvalidSearchCriteria'],
    ['an impossible birth date', soap12(criteria('<p:PersonName><p:PersonSurName>Smith</p:PersonSurName></p:PersonName><p:PersonBirthDate>2017-02-30</p:PersonBirthDate>')), 400, 'pole:InvalidSearchCriteria'],
    ['a page size over 50', soap12(criteria('<p:PNCIdentification>05/418273V</p:PNCIdentification>', page(1, 500))), 400, 'pole:InvalidSearchCriteria'],
  ])('answers %s with a fault', async (_label, body, status, code) => {
    const response = await post(sim.url, body);
    expect(response.status).toBe(status);
    expect(response.text).toContain('<env:Fault>');
    expect(response.text).toContain(code);
  });

  it('takes the health vocabulary of faults, as the embedded harness drives every agency: an OperationOutcome becomes a Receiver fault', async () => {
    const agency: AgencySimulator = sim;
    agency.setFaults({ operationOutcome: { code: 'processing', diagnostics: 'index rebuild in progress' } });
    try {
      const response = await post(sim.url, soap12(childCriteria));
      expect(response.status).toBe(500);
      expect(response.text).toContain('<env:Value>env:Receiver</env:Value>');
      expect(response.text).toContain('index rebuild in progress');
    } finally {
      agency.setFaults({});
    }
  });

  it('refuses another media type (SOAP 1.2 is application/soap+xml)', async () => {
    expect((await post(sim.url, soap12(childCriteria), 'text/xml')).status).toBe(415);
  });

  it('refuses a request body over 256 KiB', async () => {
    expect((await post(sim.url, soap12(childCriteria).padEnd(300 * 1024, ' '))).status).toBe(413);
  });

  it('serves the WSDL with its address pointing here, and the XSD; nothing else by GET', async () => {
    expect(await (await fetch(`${sim.url}/?wsdl`)).text()).toContain(`<soap12:address location="${sim.url}"/>`);
    expect((await fetch(`${sim.url}/pole-person-search.xsd`)).status).toBe(200);
    expect((await fetch(`${sim.url}/nothing`)).status).toBe(404);
    expect((await fetch(sim.url, { method: 'PUT', body: 'x' })).status).toBe(405);
  });

  it('takes faults by POST /_sim/faults, shows them by GET, refuses invalid ones, clears them by DELETE', async () => {
    expect((await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ soapFault: { code: 'Sender', subcode: 'pole:InvalidRequest' } }) })).status).toBe(204);
    expect(await (await fetch(`${sim.url}/_sim/faults`)).json()).toEqual({ soapFault: { code: 'Sender', subcode: 'pole:InvalidRequest' } });
    const faulted = await post(sim.url, soap12(childCriteria));
    expect(faulted.status).toBe(400);
    expect(faulted.text).toContain('pole:InvalidRequest');
    expect((await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ malformed: 'yaml' }) })).status).toBe(400);
    expect((await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: 'not json' })).status).toBe(400);
    expect((await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await post(sim.url, soap12(childCriteria))).status).toBe(200);
  });
});

describe('police simulator with WS-Security', () => {
  let sim: PoliceSimulator;
  const user = { username: 'mash', password: 's3cret' };

  beforeAll(async () => {
    sim = await startPoliceSimulator({ population, auth: { users: [user] } });
  });
  afterAll(async () => {
    await sim.close();
  });

  const search = (header: string): Promise<{ status: number; text: string }> => post(sim.url, soap12(childCriteria, header));

  it('accepts a PasswordText token and a PasswordDigest token', async () => {
    expect((await search(securityHeader(user))).status).toBe(200);
    expect((await search(securityHeader({ ...user, digest: true }))).status).toBe(200);
  });

  it.each([
    ['no security header', '', 'wsse:InvalidSecurity'],
    ['a wrong password', securityHeader({ ...user, password: 'nope' }), 'wsse:FailedAuthentication'],
    ['an unknown user', securityHeader({ username: 'other', password: 's3cret' }), 'wsse:FailedAuthentication'],
    ['a digest of a wrong password', securityHeader({ ...user, password: 'nope', digest: true }), 'wsse:FailedAuthentication'],
    ['a token created an hour ago', securityHeader({ ...user, created: new Date(Date.now() - 3_600_000).toISOString() }), 'wsse:MessageExpired'],
  ])('refuses %s with a Sender fault', async (_label, header, subcode) => {
    const response = await search(header);
    expect(response.status).toBe(400);
    expect(response.text).toContain(`>${subcode}</env:Value>`);
  });

  it('refuses a replayed nonce', async () => {
    const header = securityHeader({ ...user, nonce: randomBytes(16).toString('base64') });
    expect((await search(header)).status).toBe(200);
    const replay = await search(header);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('wsse:FailedAuthentication');
  });
});
