/**
 * The social care adapter against the real simulator on loopback: finding the featured child by
 * the referral's details (with and without his NHS number), paging, problem documents, follow-up
 * collections failing or passing the deadline, broken and hostile bodies, and bearer and OAuth2
 * client-credentials auth: what is particular to the case system's read API. What every adapter must show (deadline, size cap, HTTP errors, cuts, redirects, clean
 * orchestrations) is the adapter contract, test/adapters/contract.int.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorAuth, Orchestration } from '../../src/adapters/port.ts';
import { createSocialCareAdapter } from '../../src/adapters/social-care/adapter.ts';
import { DEFAULT_SEED, generatePopulation } from '../../simulators/population/index.ts';
import { startSocialCareSimulator, type SocialCareSimulator } from '../../simulators/social-care/server.ts';
import { failure, found } from '../support/outcomes.ts';
import { makeTempDir } from '../support/tmp.ts';
import { FEATURED_IDENTIFYING_VALUES, featuredByDemographics, featuredReferralQuery, settingsFor } from './fixtures.ts';

const population = generatePopulation({ seed: DEFAULT_SEED, households: 200 });

function expectNoIdentifyingValues(orchestrations: readonly Orchestration[]): void {
  const text = JSON.stringify(orchestrations);
  for (const value of FEATURED_IDENTIFYING_VALUES) expect(text).not.toContain(value);
}

describe('social care adapter against the simulator (no auth)', () => {
  let sim: SocialCareSimulator;
  const adapter = createSocialCareAdapter();

  beforeAll(async () => {
    sim = await startSocialCareSimulator({ population });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.setFaults({});
  });

  it('finds the featured child by the referral’s details (NHS number first), with his records', async () => {
    const outcome = await adapter.search(featuredReferralQuery, settingsFor(sim.url));
    const raw = found(outcome);
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([]);
    expect(raw.people.map((p) => p.person.personId)).toEqual(['CSC000001']);
    const child = raw.people[0];
    expect(child?.contacts.map((c) => c.id)).toEqual(['CSE0000002', 'CSE0000001']);
    expect(child?.relationships.map((r) => [r.relationship, r.relatedPerson.personId]).sort()).toEqual([['mother', 'CSC000003'], ['sibling', 'CSC000002'], ['step-parent', 'CSC000004']]);
    expect(outcome.orchestrations.map((o) => o.name).sort()).toEqual(
      ['Assessments', 'CIN plans', 'Child protection plans', 'Contacts', 'Looked-after episodes', 'People search', 'Relationships', 'Section 47 enquiries'],
    );
    expect(outcome.orchestrations[0]).toMatchObject({ name: 'People search', method: 'GET', status: 200 });
    // Paging values may be kept (they name no one) or redacted, as the shared redactor decides.
    expect(outcome.orchestrations[0]?.url.slice(sim.url.length)).toMatch(/^\/people\?nhsNumber=\[redacted\]&page=(1|\[redacted\])&pageSize=(5|\[redacted\])$/);
    expect(outcome.orchestrations.every((o) => o.status === 200 && o.durationMs >= 0 && o.error === undefined)).toBe(true);
    expectNoIdentifyingValues(outcome.orchestrations);
  });

  it('finds him without the NHS number, past a day/month-swapped birth date the case system will not forgive', async () => {
    const outcome = await adapter.search(featuredByDemographics, settingsFor(sim.url));
    expect(found(outcome).people.map((p) => p.person.personId)).toEqual(['CSC000001']);
    const searches = outcome.orchestrations.filter((o) => o.name === 'People search');
    // Name + birth date, family + birth date, alias, given + birth date + postcode: nobody (he is recorded as born 2017-04-03); then the swapped date.
    expect(searches).toHaveLength(5);
    expect(searches.at(-1)?.url.slice(sim.url.length)).toMatch(/^\/people\?familyName=\[redacted\]&birthDate=\[redacted\]&page=(1|\[redacted\])&pageSize=(5|\[redacted\])$/);
    expectNoIdentifyingValues(outcome.orchestrations);
  });

  it('follows pages by number across three pages', async () => {
    const outcome = await createSocialCareAdapter({ pageSize: 1 }).search(featuredReferralQuery, settingsFor(sim.url));
    expect(found(outcome).people[0]?.relationships).toHaveLength(3);
    const pages = outcome.orchestrations.filter((o) => o.name.startsWith('Relationships'));
    expect(pages.map((o) => o.name)).toEqual(['Relationships', 'Relationships page 2', 'Relationships page 3']);
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([]);
  });

  it('a problem document fails the lookup without echoing its text', async () => {
    sim.setFaults({ status: 422, operationOutcome: { code: 'processing', diagnostics: 'Robert Smith is on a restricted record' } });
    const outcome = await adapter.search(featuredReferralQuery, settingsFor(sim.url));
    expect(failure(outcome)).toEqual({ kind: 'http-error', code: 'ADAPTER.HTTP_ERROR', reason: 'People search: HTTP 422 (problem details)' });
    expect(JSON.stringify(outcome)).not.toContain('restricted record');
  });

  it('a failure on a follow-up collection fails the lookup, after a successful search', async () => {
    sim.setFaults({ status: 500, match: '/looked-after-episodes' });
    const outcome = await adapter.search(featuredReferralQuery, settingsFor(sim.url));
    expect(failure(outcome)).toMatchObject({ kind: 'http-error', reason: 'Looked-after episodes: HTTP 500 with a non-JSON body' });
    expect(outcome.orchestrations[0]).toMatchObject({ name: 'People search', status: 200 });
  });

  it('one deadline covers the whole lookup: a slow follow-up passes it', async () => {
    sim.setFaults({ latencyMs: 1_000, match: '/cin-plans' });
    const outcome = await adapter.search(featuredReferralQuery, settingsFor(sim.url, { timeoutMs: 400 }));
    expect(failure(outcome)).toMatchObject({ kind: 'timeout', reason: 'CIN plans: lookup deadline reached' });
  });

  it.each([
    ['not a page', '{"people":[]}', 'People search: response is not a page of records (items: '],
    ['a page whose item is not a person', '{"items":[{"personId":"CSC000001"}],"page":{"number":1,"size":5,"totalItems":1,"totalPages":1}}', 'People search: item 0 is not a valid record (name: '],
    ['a person with a bad birth date', '{"items":[{"personId":"X1","name":{"given":["A"],"family":"B"},"knownAs":[],"genderCurrent":"1","role":"child","personBirthDate":"2017-02-30","lastUpdated":"2026-01-01T00:00:00Z"}],"page":{"number":1,"size":5,"totalItems":1,"totalPages":1}}', 'People search: item 0 is not a valid record (personBirthDate: '],
    ['the wrong page', '{"items":[],"page":{"number":3,"size":5,"totalItems":0,"totalPages":0}}', 'People search: asked for page 1, got page 3'],
  ])('%s fails the lookup as malformed or a protocol error, naming fields, not values', async (_label, text, reason) => {
    sim.setFaults({ body: { contentType: 'application/json', text }, match: '/people' });
    const result = failure(await adapter.search(featuredReferralQuery, settingsFor(sim.url)));
    expect(['malformed-response', 'protocol-error']).toContain(result.kind);
    expect(result.reason.startsWith(reason)).toBe(true);
    expect(result.reason).not.toContain('2017-02-30');
  });

  it.each(['xml', 'html'] as const)('a DOCTYPE %s body instead of JSON fails cleanly, without echoing it', async (kind) => {
    sim.setFaults({ malformed: kind });
    const outcome = await adapter.search(featuredReferralQuery, settingsFor(sim.url));
    expect(failure(outcome)).toEqual({ kind: 'malformed-response', code: 'ADAPTER.MALFORMED_RESPONSE', reason: 'People search: expected JSON, got XML or HTML' });
    expect(JSON.stringify(outcome)).not.toMatch(/DOCTYPE|ENTITY|simulated|unavailable/);
  });

  it('an external entity naming a local file is never expanded: the file’s marker appears nowhere', async () => {
    const temp = makeTempDir('mash-sc-xxe-');
    try {
      const marker = `XXE-MARKER-${Date.now()}`;
      const secret = join(temp.dir, 'secret.txt');
      writeFileSync(secret, marker);
      const text = `<?xml version="1.0"?>\n<!DOCTYPE people [<!ENTITY leak SYSTEM "file://${secret}">]>\n<people><person>&leak;</person></people>\n`;
      for (const match of ['/people', '/relationships']) {
        sim.setFaults({ body: { contentType: 'application/json', text }, match });
        const outcome = await adapter.search(featuredReferralQuery, settingsFor(sim.url));
        expect(failure(outcome).kind).toBe('malformed-response');
        expect(JSON.stringify(outcome)).not.toContain(marker);
        expect(JSON.stringify(outcome)).not.toContain(secret);
      }
    } finally {
      temp.remove();
    }
  });

});

describe('social care adapter against the simulator with auth', () => {
  let sim: SocialCareSimulator;

  beforeAll(async () => {
    sim = await startSocialCareSimulator({ population, auth: { clients: [{ clientId: 'mash-gateway', clientSecret: 'sc-s3cret' }], staticTokens: ['sc-static-token'] } });
  });
  afterAll(async () => {
    await sim.close();
  });

  const oauth = (clientSecret: string): ConnectorAuth => ({ kind: 'oauth2-client-credentials', tokenUrl: sim.tokenUrl, clientId: 'mash-gateway', clientSecret, scope: 'mash.read' });

  it('refuses a lookup without a token (auth-failed)', async () => {
    const outcome = await createSocialCareAdapter().search(featuredReferralQuery, settingsFor(sim.url));
    expect(failure(outcome)).toEqual({ kind: 'auth-failed', code: 'ADAPTER.AUTH_FAILED', reason: 'People search: HTTP 401 (problem details)' });
  });

  it('refuses a wrong static token', async () => {
    const outcome = await createSocialCareAdapter().search(featuredReferralQuery, settingsFor(sim.url, { auth: { kind: 'bearer', token: 'not-the-token' } }));
    expect(failure(outcome).kind).toBe('auth-failed');
  });

  it('accepts the static bearer token, and never records it', async () => {
    const outcome = await createSocialCareAdapter().search(featuredReferralQuery, settingsFor(sim.url, { auth: { kind: 'bearer', token: 'sc-static-token' } }));
    expect(found(outcome).people).toHaveLength(1);
    expect(JSON.stringify(outcome.orchestrations)).not.toContain('sc-static-token');
  });

  it('gets a token with client credentials, then reuses it from the cache', async () => {
    const adapter = createSocialCareAdapter();
    const first = await adapter.search(featuredReferralQuery, settingsFor(sim.url, { auth: oauth('sc-s3cret') }));
    expect(found(first).people).toHaveLength(1);
    expect(first.orchestrations[0]).toMatchObject({ name: 'OAuth2 token', method: 'POST', url: sim.tokenUrl, status: 200 });
    expect(first.orchestrations.filter((o) => o.name === 'OAuth2 token')).toHaveLength(1);
    expect(JSON.stringify(first.orchestrations)).not.toContain('sc-s3cret');
    const second = await adapter.search(featuredReferralQuery, settingsFor(sim.url, { auth: oauth('sc-s3cret') }));
    expect(found(second).people).toHaveLength(1);
    expect(second.orchestrations.some((o) => o.name === 'OAuth2 token')).toBe(false);
  });

  it('fails as auth-failed when the token endpoint refuses a wrong secret', async () => {
    const outcome = await createSocialCareAdapter().search(featuredReferralQuery, settingsFor(sim.url, { auth: oauth('wrong') }));
    expect(failure(outcome)).toEqual({ kind: 'auth-failed', code: 'ADAPTER.AUTH_FAILED', reason: 'OAuth2 token endpoint refused the client (HTTP 401: invalid_client)' });
    expect(outcome.orchestrations).toHaveLength(1);
  });

  it('refuses WS-Security credentials without calling anyone', async () => {
    const outcome = await createSocialCareAdapter().search(featuredReferralQuery, settingsFor(sim.url, { auth: { kind: 'ws-security', username: 'u', password: 'p' } }));
    expect(failure(outcome)).toMatchObject({ kind: 'auth-failed', code: 'ADAPTER.AUTH_MISCONFIGURED' });
    expect(outcome.orchestrations).toEqual([]);
  });
});
