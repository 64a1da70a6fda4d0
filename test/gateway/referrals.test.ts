/**
 * The HTTP contract of intake and status, driven in-process: validation problems name the field, every
 * /v1 route needs a valid token, unknown routes are problem documents, and intake stores the
 * referral with its planned lookups and hands the plan to the scheduler.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/gateway/app.ts';
import { createTokenVerifier } from '../../src/gateway/token-verifier.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { ResearchPlan, ResearchScheduler } from '../../src/model/jobs.ts';
import { Connector } from '../../src/model/connector.ts';
import type { Db } from '../../src/store/db.ts';
import { upsertConnector } from '../../src/store/connectors.ts';
import { openStore } from '../../src/store/open.ts';
import { storeUnavailable } from '../../src/store/unavailable.ts';
import { createVault } from '../../src/store/vault.ts';
import { testIdentity } from '../support/identity.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { testSigningKey, tokenFor, TEST_AUDIENCE, TEST_ISSUER, TEST_TOKEN_LIFETIME } from '../support/tokens.ts';
import { testSla } from '../support/sla.ts';

const example: unknown = JSON.parse(readFileSync(new URL('../../examples/referral.json', import.meta.url), 'utf8'));
const key = testSigningKey();
const clock = fixedClock(new Date('2026-11-21T09:00:00Z'));
const tmp = makeTempDir();
let db: Db;
const plans: ResearchPlan[] = [];
let queueUp = true;
const scheduler: ResearchScheduler = {
  schedule: (plan) => {
    plans.push(plan);
    return Promise.resolve();
  },
  reprioritise: () => Promise.resolve(),
  ping: () => Promise.resolve(queueUp),
};
let app: ReturnType<typeof createApp>;

beforeAll(async () => {
  seedEmbeddedStore(tmp.dir); // the run's empty PGlite cluster (test/support/templates.ts)
  db = await openStore({ databaseUrl: undefined, dataDir: tmp.dir });
  const connector = Connector.parse({ id: 'health-test', agency: 'health', type: 'fhir-r4', sourceSystem: 'Test FHIR', baseUrl: 'http://127.0.0.1:9/fhir' });
  await upsertConnector(db, connector, 'file', clock.now());
  const vault = createVault(randomBytes(32));
  app = createApp({ sla: testSla, db, vault, identity: testIdentity({ db, vault, clock, masterKey: randomBytes(32) }), scheduler, clock, logger: silentLogger(), auditKeys: new Map(), verifyToken: createTokenVerifier({ publicKey: key.publicKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ...TEST_TOKEN_LIFETIME }) });
});

afterAll(async () => {
  await db.close();
  tmp.remove();
});

beforeEach(() => {
  plans.length = 0;
  queueUp = true;
});

async function post(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return app.request('/v1/referrals', {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenFor(key, 'referral-intake')}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function problemOf(response: Response): Promise<{ code: string; detail: string; status: number; invalidParams?: { name: string; reason: string }[] }> {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as { code: string; detail: string; status: number; invalidParams?: { name: string; reason: string }[] };
}

const withChanges = (change: (r: Record<string, unknown>) => void): Record<string, unknown> => {
  const copy = structuredClone(example) as Record<string, unknown>;
  change(copy);
  return copy;
};

describe('POST /v1/referrals', () => {
  it('accepts the example referral: 202, Location, stored lookups, and a plan prioritised by its due time', async () => {
    const response = await post(example);
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string; status: string; location: string };
    expect(response.headers.get('location')).toBe(`http://localhost/v1/referrals/${body.id}`);
    expect(body.status).toBe('received');
    expect(plans).toHaveLength(1);
    expect(plans[0]?.referralId).toBe(body.id);
    // Earliest deadline first (docs/decisions.md "Priority follows the referral"): a red referral
    // just received has its whole allowance left, 4 working hours, in seconds.
    expect(plans[0]?.priority).toBe(4 * 3_600);
    expect(plans[0]?.lookupIds.length).toBeGreaterThan(0);

    const status = await app.request(`/v1/referrals/${body.id}`, { headers: { authorization: `Bearer ${await tokenFor(key, 'hub-manager')}` } });
    expect(status.status).toBe(200);
    const view = (await status.json()) as { slaDueAt: string; receivedAt: string; sla: { dueAt: string; atRiskAt: string; standing: string }; lookups: { connectorId: string; status: string; lawfulBasis: string }[] };
    // Red: product due within 4 working hours of receipt (DESIGN.md rule 4). Received on Saturday
    // 21 November 2026, the clock starts at 09:00 on Monday: due 13:00, at risk from 12:00 (75 %).
    expect(view.receivedAt).toBe('2026-11-21T09:00:00.000Z');
    expect(view.slaDueAt).toBe('2026-11-23T13:00:00.000Z');
    expect(view.sla).toEqual({ dueAt: '2026-11-23T13:00:00.000Z', atRiskAt: '2026-11-23T12:00:00.000Z', standing: 'on-track' });
    expect(view.lookups.map((l) => [l.connectorId, l.status, l.lawfulBasis])).toEqual([['health-test', 'queued', 'children-act-1989-s47']]);
  });

  it('returns the same referral for a repeated Idempotency-Key, without scheduling twice', async () => {
    const first = await post(example, { 'idempotency-key': 'intake-0001-abcdef' });
    const second = await post(example, { 'idempotency-key': 'intake-0001-abcdef' });
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(((await second.json()) as { id: string }).id).toBe(((await first.json()) as { id: string }).id);
    expect(plans).toHaveLength(1);
  });

  it('records early-help lookups without consent as not permitted, and schedules none of them', async () => {
    const response = await post(withChanges((r) => { r.threshold = 'early-help'; }));
    const { id } = (await response.json()) as { id: string };
    const view = (await (await app.request(`/v1/referrals/${id}`, { headers: { authorization: `Bearer ${await tokenFor(key, 'hub-manager')}` } })).json()) as { lookups: { status: string; reason: string }[] };
    expect(view.lookups[0]?.status).toBe('not-permitted');
    expect(view.lookups[0]?.reason).toMatch(/consent/);
    expect(plans[0]?.lookupIds).toEqual([]);
  });

  it.each([
    ['a missing field', (r: Record<string, unknown>) => { delete r.rag; }, 'json.rag'],
    ['a bad RAG', (r: Record<string, unknown>) => { r.rag = 'purple'; }, 'json.rag'],
    ['an impossible birth date', (r: Record<string, unknown>) => { (r.subjects as Record<string, unknown>[])[0]!.birthDate = '2019-02-30'; }, 'json.subjects.0.birthDate'],
    ['no child among the subjects', (r: Record<string, unknown>) => { (r.subjects as Record<string, unknown>[])[0]!.role = 'parent'; }, 'json.subjects'],
    ['an unknown field', (r: Record<string, unknown>) => { r.colour = 'blue'; }, 'json'],
    ['an unknown threshold', (r: Record<string, unknown>) => { r.threshold = 'urgent'; }, 'json.threshold'],
  ])('rejects %s with 400 problem+json naming the field', async (_label, change, field) => {
    const response = await post(withChanges(change));
    expect(response.status).toBe(400);
    const body = await problemOf(response);
    expect(body.code).toBe('REQUEST.INVALID');
    expect(body.invalidParams?.map((p) => p.name)).toContain(field);
    expect(plans).toHaveLength(0);
  });

  it('rejects a body that is not JSON with 400 REQUEST.MALFORMED_JSON', async () => {
    const response = await post('{"rag": "red",');
    expect(response.status).toBe(400);
    expect((await problemOf(response)).code).toBe('REQUEST.MALFORMED_JSON');
  });

  it('rejects a non-JSON content type with 415', async () => {
    const response = await post(JSON.stringify(example), { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect((await problemOf(response)).code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
  });

  it('rejects an oversized body with 413', async () => {
    const response = await post(withChanges((r) => { r.concern = { summary: 'x'.repeat(2 * 1024 * 1024) }; }));
    expect(response.status).toBe(413);
    expect((await problemOf(response)).code).toBe('REQUEST.TOO_LARGE');
  });
});

describe('authentication and authorisation', () => {
  it('answers 401 with a challenge when there is no token', async () => {
    const response = await app.request('/v1/referrals', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(example) });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await problemOf(response)).code).toBe('AUTH.MISSING_TOKEN');
    expect(plans).toHaveLength(0);
  });

  it.each([
    ['signed by another key', async () => tokenFor(testSigningKey(), 'referral-intake')],
    ['expired', async () => tokenFor(key, 'referral-intake', undefined, { expiresIn: '-10m' })],
    ['for another audience', async () => tokenFor(key, 'referral-intake', undefined, { audience: 'someone-else' })],
    ['not a JWT at all', () => Promise.resolve('not-a-jwt')],
  ])('answers 401 for a token %s', async (_label, makeToken) => {
    const response = await app.request('/v1/referrals/8a0c1c52-5d0f-4a53-9a43-3b8f0e0a0c11', { headers: { authorization: `Bearer ${await makeToken()}` } });
    expect(response.status).toBe(401);
    expect((await problemOf(response)).code).toBe('AUTH.INVALID_TOKEN');
  });

  it('answers 403 when the role may not do it: a connector admin cannot read a picture', async () => {
    const { id } = (await (await post(example)).json()) as { id: string };
    const response = await app.request(`/v1/referrals/${id}/picture`, { headers: { authorization: `Bearer ${await tokenFor(key, 'connector-admin', 'health')}` } });
    expect(response.status).toBe(403);
    expect((await problemOf(response)).code).toBe('FIREWALL.DENIED');
  });
});

describe('problems and service routes', () => {
  it('answers an unknown route with 404 problem+json', async () => {
    const response = await app.request('/v2/nothing-here');
    expect(response.status).toBe(404);
    expect((await problemOf(response)).code).toBe('ROUTE.NOT_FOUND');
  });

  it('answers an unknown referral with 404 and a malformed id with 400', async () => {
    const headers = { authorization: `Bearer ${await tokenFor(key, 'hub-manager')}` };
    const missing = await app.request('/v1/referrals/8a0c1c52-5d0f-4a53-9a43-3b8f0e0a0c11', { headers });
    expect(missing.status).toBe(404);
    expect((await problemOf(missing)).code).toBe('REFERRAL.NOT_FOUND');
    const malformed = await app.request('/v1/referrals/not-an-id/picture', { headers });
    expect(malformed.status).toBe(400);
    expect((await problemOf(malformed)).invalidParams?.[0]?.name).toBe('param.id');
  });

  it('reports readiness of the store and the queue', async () => {
    expect((await app.request('/readyz')).status).toBe(200);
    queueUp = false;
    const down = await app.request('/readyz');
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'not-ready', store: 'up', queue: 'down' });
    expect((await app.request('/healthz')).status).toBe(200);
  });

  it('publishes the OpenAPI document and the docs page', async () => {
    const document = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/referrals', '/v1/referrals/{id}', '/v1/referrals/{id}/picture']));
    const docs = await app.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger-ui');
    expect((await app.request('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
  });
});

describe('while the store is unavailable', () => {
  // The store as PostgreSQL leaves it during a restart: every call fails with STORE.UNAVAILABLE, or never answers.
  const storeDown = (mode: 'refusing' | 'silent'): Db => {
    const fail = (): Promise<never> => (mode === 'refusing' ? Promise.reject(storeUnavailable(new Error('connect ECONNREFUSED 127.0.0.1:5432'))) : new Promise<never>(() => undefined));
    return { kind: 'postgres', query: fail, transaction: fail, exec: fail, close: () => Promise.resolve() };
  };
  const appOn = (store: Db): ReturnType<typeof createApp> => {
    const vault = createVault(randomBytes(32));
    return createApp({ sla: testSla, db: store, vault, identity: testIdentity({ db: store, vault, clock, masterKey: randomBytes(32) }), scheduler, clock, logger: silentLogger(), auditKeys: new Map(), verifyToken: createTokenVerifier({ publicKey: key.publicKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ...TEST_TOKEN_LIFETIME }) });
  };

  it('answers 503 STORE.UNAVAILABLE problem documents with Retry-After (RFC 9110 §10.2.3), never 500', async () => {
    const down = appOn(storeDown('refusing'));
    const intake = await tokenFor(key, 'referral-intake');
    const manager = await tokenFor(key, 'hub-manager');
    const responses = [
      await down.request('/v1/referrals', { method: 'POST', headers: { authorization: `Bearer ${intake}`, 'content-type': 'application/json' }, body: JSON.stringify(example) }),
      await down.request('/v1/referrals/00000000-0000-4000-8000-000000000000', { headers: { authorization: `Bearer ${manager}` } }),
      await down.request('/v1/referrals', { headers: { authorization: 'Bearer not-a-token' } }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
      const body = await problemOf(response);
      expect(body.code).toBe('STORE.UNAVAILABLE');
      expect(body.detail).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    }
  });

  it('says not-ready on /readyz within its deadline, whether the store refuses or never answers', async () => {
    for (const mode of ['refusing', 'silent'] as const) {
      const started = Date.now();
      const response = await appOn(storeDown(mode)).request('/readyz');
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ status: 'not-ready', store: 'down', queue: 'up' });
      expect(Date.now() - started).toBeLessThan(4_000);
    }
  });
});
