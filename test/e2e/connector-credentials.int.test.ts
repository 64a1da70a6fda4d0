/**
 * Write-only connector credentials and file-owned declarations, distributed (real PostgreSQL and
 * Redis, `MASH_ROLE=gateway` and `MASH_ROLE=worker` processes; docs/decisions.md "Connector
 * administration"):
 * - an education administrator creates an OAuth2 connector with its client secret given inline,
 *   wrong at first: the live test fails at the token step, saying why; given the right one, the
 *   test passes every step, and the worker's lookups on it succeed — the sealed secret is opened
 *   in memory where it is used;
 * - neither secret is in a `pg_dump` of the database (as text or as the hex of a bytea), in any
 *   answer of the connector routes, in the audit log or in the processes' output;
 * - connectors of `MASH_CONNECTORS` are the file's: the API answers 409, a start with a changed
 *   file records a version by `MASH_CONNECTORS`, one the file no longer declares passes to the
 *   API, and connectors created through the API are left alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { Connector } from '../../src/model/connector.ts';
import type { Role } from '../../src/model/principal.ts';
import { startEducationSimulator, type EducationSimulator } from '../../simulators/education/server.ts';
import { DEFAULT_SEED, generatePopulation } from '../../simulators/population/index.ts';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import { EXAMPLE_REFERRAL, waitForPicture } from './support.ts';
import { startDistributedStack, type DistributedStack } from './distributed.ts';

const SECRET = 'synthetic-Client-Secret-0d8e52';
const WRONG_SECRET = 'synthetic-Wrong-Secret-93bb17';

let stack: DistributedStack;
let education: EducationSimulator;
let gateway: GatewayProcess;
const answers: string[] = [];

const token = (role: Role, agency?: Agency): Promise<string> => signToken(loadOrCreateSigningKey(stack.dataDir), { sub: `e2e-${role}-${agency ?? 'hub'}`, role, agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });

async function call(role: Role, agency: Agency | undefined, method: string, route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${await token(role, agency)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  answers.push(text);
  return { status: response.status, json: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
}
const admin = (method: string, route: string, body?: unknown) => call('connector-admin', 'education', method, route, body);

interface Check {
  ok: boolean;
  failedStep: string | null;
  summary: string | null;
  steps: { step: string; status: string }[];
}

beforeAll(async () => {
  education = await startEducationSimulator({ population: generatePopulation({ seed: DEFAULT_SEED }), auth: { clients: [{ clientId: 'mash-hub', clientSecret: SECRET }] } });
  stack = await startDistributedStack({ tmpPrefix: 'mash-e2e-connector-credentials-', workers: 1, env: { LOG_LEVEL: 'info' } });
  gateway = stack.gateway;
}, 120_000);

afterAll(async () => {
  if (gateway !== stack.gateway) await gateway.kill('SIGTERM');
  await stack.stop();
  await education.close();
});

describe('a credential given through the API', () => {
  it('is sealed, tested step by step, and opened where the worker uses it', async () => {
    const created = await admin('POST', '/v1/connectors', {
      connector: {
        id: 'education-oauth',
        agency: 'education',
        type: 'education-xml',
        sourceSystem: 'Synthetic pupil database',
        baseUrl: education.url,
        auth: { kind: 'oauth2-client-credentials', tokenUrl: education.tokenUrl, clientId: 'mash-hub', clientSecret: { value: WRONG_SECRET } },
      },
      reason: 'The pupil database behind OAuth2 (synthetic).',
    });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json.auth).toMatchObject({ clientSecret: { sealed: true } });

    const refused = (await admin('POST', '/v1/connectors/education-oauth/test')).json as unknown as Check;
    expect(refused).toMatchObject({ ok: false, failedStep: 'token' });
    expect(refused.summary).toMatch(/^token: OAuth2 token endpoint refused the client \(HTTP 401.*\) — check tokenUrl, clientId and the client secret or key$/);

    // The rest of `auth` sent back as it was read; only the secret is new.
    const fixed = await admin('PATCH', '/v1/connectors/education-oauth', {
      changes: { auth: { ...(created.json.auth as Record<string, unknown>), clientSecret: { value: SECRET } } },
      reason: 'The right client secret (synthetic).',
    });
    expect(fixed.status, JSON.stringify(fixed.json)).toBe(200);
    const versions = (await admin('GET', '/v1/connectors/education-oauth/versions')).json as { versions: { version: number; changedPaths: string[] }[] };
    expect(versions.versions[0]).toMatchObject({ version: 2, changedPaths: ['auth.clientSecret'] });

    const passed = (await admin('POST', '/v1/connectors/education-oauth/test')).json as unknown as Check;
    expect(passed, JSON.stringify(passed)).toMatchObject({ ok: true, failedStep: null });
    expect(passed.steps.map((s) => s.status)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
    // Sending {"sealed": true} back keeps the secret: no new version.
    const unchanged = await admin('PATCH', '/v1/connectors/education-oauth', { changes: { auth: fixed.json.auth }, reason: 'No change (synthetic).' });
    expect(unchanged.json).toMatchObject({ version: 2 });

    // A referral: the worker process looks the subjects up on the new connector with the sealed secret.
    const referral = await fetch(`${gateway.url}/v1/referrals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('referral-intake')}`, 'content-type': 'application/json' },
      body: JSON.stringify(EXAMPLE_REFERRAL),
    });
    expect(referral.status).toBe(202);
    const { id } = (await referral.json()) as { id: string };
    const view = (await waitForPicture(gateway.url, await token('hub-manager'), id, 60_000)) as unknown as { lookups: { connectorId: string; status: string; reason: string | null }[] };
    const ours = view.lookups.filter((l) => l.connectorId === 'education-oauth');
    expect(ours.length).toBeGreaterThan(0);
    for (const lookup of ours) expect(lookup, JSON.stringify(lookup)).toMatchObject({ status: 'done' });

    const health = (await admin('GET', '/v1/connectors/education-oauth/health')).json as { status: string; windows: { hour: { lookups: number; tests: number } } };
    expect(health.status).toBe('green');
    expect(health.windows.hour.lookups).toBe(ours.length);
    expect(health.windows.hour.tests).toBe(2);
  }, 120_000);

  it('is in no pg_dump of the database, no API answer, no audit entry and no process output', async () => {
    // Every read route of the connector, once more, into the answers looked through.
    for (const route of ['/v1/connectors', '/v1/connectors?deleted=include', '/v1/connectors/education-oauth', '/v1/connectors/education-oauth/versions', '/v1/connectors/education-oauth/health']) {
      expect((await admin('GET', route)).status, route).toBe(200);
    }
    // PUT seals an inline credential too; and the other changes answer without it.
    const put = await admin('PUT', '/v1/connectors/education-put', {
      id: 'education-put',
      agency: 'education',
      type: 'education-xml',
      sourceSystem: 'Synthetic pupil database',
      baseUrl: education.url,
      auth: { kind: 'bearer', token: { value: SECRET } },
      reason: 'Created with PUT (synthetic).',
    });
    expect(put.status, JSON.stringify(put.json)).toBe(200);
    expect(put.json.auth).toEqual({ kind: 'bearer', token: { sealed: true } });
    for (const [method, route, body] of [
      ['POST', '/v1/connectors/education-put/disable', { reason: 'Synthetic.' }],
      ['POST', '/v1/connectors/education-put/enable', { reason: 'Synthetic.' }],
      ['GET', '/v1/connectors/education-put/versions', undefined],
      ['DELETE', '/v1/connectors/education-put?reason=Synthetic.', undefined],
    ] as const) {
      expect((await admin(method, route, body)).status, `${method} ${route}`).toBe(200);
    }
    expect((await admin('POST', '/v1/connectors/education-oauth/versions/1/restore', { reason: 'Back to the first secret (synthetic).' })).status).toBe(200);
    expect((await admin('POST', '/v1/connectors/education-oauth/versions/2/restore', { reason: 'The right secret again (synthetic).' })).status).toBe(200);

    const auditor = await token('auditor');
    const audit = await waitFor(
      async () => {
        const text = await (await fetch(`${gateway.url}/v1/audit/entries?limit=500`, { headers: { authorization: `Bearer ${auditor}` } })).text();
        return text.includes('connector.tested') && text.includes('restoredFrom') ? text : undefined;
      },
      10_000,
      'the audit entries of the connector',
    );
    answers.push(audit);

    const dump = spawnSync(path.join(postgresBin(), 'pg_dump'), ['--dbname', stack.postgres.url, '--no-owner'], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    expect(dump.status, dump.stderr).toBe(0);
    // The dump is whole: the connector, its versions and its sealed credentials are in it.
    expect(dump.stdout).toContain('education-oauth');
    expect(dump.stdout).toContain('COPY public.connector_versions');
    expect(dump.stdout).toContain('"clientSecret": {"sealed": true}');

    for (const secret of [SECRET, WRONG_SECRET]) {
      expect(dump.stdout, 'pg_dump (text)').not.toContain(secret);
      // A bytea is dumped as hex: the secret's bytes as hex would be its plain text there.
      expect(dump.stdout.toLowerCase(), 'pg_dump (bytea hex)').not.toContain(Buffer.from(secret, 'utf8').toString('hex'));
      expect(dump.stdout, 'pg_dump (base64)').not.toContain(Buffer.from(secret, 'utf8').toString('base64').slice(0, 24));
      for (const answer of answers) expect(answer).not.toContain(secret);
      for (const process of [gateway, ...stack.workers]) expect(process.output()).not.toContain(secret);
    }
  }, 60_000);
});

describe('connectors declared in MASH_CONNECTORS', () => {
  it('are the file’s: 409 from the API, one version however many processes declared them', async () => {
    const refused = await call('connector-admin', 'health', 'PATCH', '/v1/connectors/health-sim', { changes: { timeoutMs: 4000 }, reason: 'x' });
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('CONNECTOR.DECLARED_IN_FILE');
    expect(String(refused.json.detail)).toContain('MASH_CONNECTORS');
    // The gateway and the worker both started with the file: one version, by MASH_CONNECTORS.
    const versions = (await call('connector-admin', 'health', 'GET', '/v1/connectors/health-sim/versions')).json as { versions: { action: string; changedBy: string; managedBy: string }[] };
    expect(versions.versions).toEqual([expect.objectContaining({ action: 'declared', changedBy: 'config:MASH_CONNECTORS', managedBy: 'file' })]);
  });

  it('records a changed declaration at the next start, releases one no longer declared, and leaves API-made ones alone', async () => {
    const file = stack.env.MASH_CONNECTORS ?? '';
    const declared = (JSON.parse(readFileSync(file, 'utf8')) as { connectors: Connector[] }).connectors;
    const changed = declared.filter((c) => c.agency !== 'housing').map((c) => (c.agency === 'health' ? { ...c, timeoutMs: 7_000 } : c));
    writeFileSync(file, JSON.stringify({ connectors: changed }));
    const before = (await admin('GET', '/v1/connectors/education-oauth')).json;

    await gateway.kill('SIGTERM');
    gateway = await startGatewayProcess({ env: { ...stack.env, MASH_ROLE: 'gateway' } });

    const health = (await call('connector-admin', 'health', 'GET', '/v1/connectors/health-sim/versions')).json as { versions: { version: number; action: string; changedBy: string; changedPaths: string[]; reason: string }[] };
    expect(health.versions[0]).toMatchObject({ version: 2, action: 'declared', changedBy: 'config:MASH_CONNECTORS', changedPaths: ['timeoutMs'], reason: 'declared in MASH_CONNECTORS' });
    const housing = await call('connector-admin', 'housing', 'GET', '/v1/connectors/housing-sim');
    expect(housing.json).toMatchObject({ managedBy: 'api', version: 2, enabled: true });
    // Released: its administrator may now change it.
    expect((await call('connector-admin', 'housing', 'POST', '/v1/connectors/housing-sim/disable', { reason: 'Managed here now (synthetic).' })).status).toBe(200);
    const after = (await admin('GET', '/v1/connectors/education-oauth')).json;
    expect(after).toEqual(before);
  }, 60_000);
});

function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'pg_dump'))).sort((a, b) => Number(b) - Number(a))[0];
  if (version === undefined) throw new Error('pg_dump not found');
  return path.join(root, version, 'bin');
}
