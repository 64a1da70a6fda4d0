/**
 * Connector administration through the real process (`node src/main.ts`, embedded as `npm start`
 * runs it, with its agency simulators; docs/decisions.md "Connector administration"):
 * - a police administrator creates a connector pointing at a dead port; its live test says which
 *   step failed and why; the administrator points it at the police simulator, the test passes and
 *   its health turns green; restoring the first version makes it current again;
 * - every change is a version with who, when, the changed paths and why; delete keeps the history;
 * - the connector's credential, given inline, is in no answer of any connector route, nor in the
 *   audit log;
 * - another agency's administrator can neither see nor change it (403), no administrator opens
 *   any case route (403), and the simulators' own connectors are the declaration's (409).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { Role } from '../../src/model/principal.ts';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import { freePort } from '../support/ports.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { makeTempDir } from '../support/tmp.ts';
import { EXAMPLE_REFERRAL, waitForPicture } from './support.ts';

/** The credential given inline: it must never come back, in any answer or the audit log. */
const SECRET = 'synthetic-ws-Password-7f3a91';

const tmp = makeTempDir('mash-e2e-connector-admin-');
let gateway: GatewayProcess;
/** Every answer body the connector routes gave, to look for the credential in. */
const answers: string[] = [];

const token = (role: Role, agency?: Agency): Promise<string> => signToken(loadOrCreateSigningKey(tmp.dir), { sub: `e2e-${role}-${agency ?? 'hub'}`, role, agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });

interface Answer {
  readonly status: number;
  readonly json: Record<string, unknown>;
}

async function call(role: Role, agency: Agency | undefined, method: string, route: string, body?: unknown): Promise<Answer> {
  const response = await fetch(`${gateway.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${await token(role, agency)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (route.startsWith('/v1/connectors')) answers.push(text);
  return { status: response.status, json: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown> };
}
const admin = (method: string, route: string, body?: unknown): Promise<Answer> => call('connector-admin', 'police', method, route, body);

interface Check {
  ok: boolean;
  failedStep: string | null;
  summary: string | null;
  steps: { step: string; status: string; durationMs: number; detail: string }[];
}
interface Health {
  status: string;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  windows: Record<'hour' | 'day' | 'week', { outcomes: number; failures: number; errorRate: number | null; tests: number; p50Ms: number | null }>;
}
interface Version {
  version: number;
  action: string;
  changedBy: string;
  reason: string;
  changedPaths: string[];
  restoredFrom: number | null;
  current: boolean;
  connector: { baseUrl: string };
}

let deadPort: number;
let policeSimUrl: string;

beforeAll(async () => {
  seedEmbeddedStore(tmp.dir);
  // As README's `npm start`: embedded store, in-process jobs, the agency simulators.
  gateway = await startGatewayProcess({ env: { MASH_DATA_DIR: tmp.dir, XDG_CONFIG_HOME: tmp.dir, LOG_LEVEL: 'info' } });
  deadPort = await freePort();
  const policeSim = await admin('GET', '/v1/connectors/police-sim');
  expect(policeSim.status).toBe(200);
  policeSimUrl = String(policeSim.json.baseUrl);
}, 60_000);

afterAll(async () => {
  await gateway.kill('SIGTERM');
  tmp.remove();
});

const DEAD_CONNECTOR = () => ({
  id: 'police-rms-new',
  agency: 'police',
  type: 'police-soap',
  sourceSystem: 'Synthetic RMS',
  baseUrl: `http://127.0.0.1:${deadPort}/soap`,
  auth: { kind: 'ws-security', username: 'mash-hub', password: { value: SECRET } },
  timeoutMs: 3_000,
});

describe('an administrator adds, tests, fixes and restores a connector', () => {
  it('creates a connector on a dead port: the test says the connect step failed, and why', async () => {
    const created = await admin('POST', '/v1/connectors', { connector: DEAD_CONNECTOR(), reason: 'New RMS endpoint (synthetic).' });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json).toMatchObject({ id: 'police-rms-new', version: 1, managedBy: 'api', auth: { kind: 'ws-security', username: 'mash-hub', password: { sealed: true } } });

    const test = await admin('POST', '/v1/connectors/police-rms-new/test');
    expect(test.status).toBe(200);
    const check = test.json as unknown as Check;
    expect(check.ok).toBe(false);
    expect(check.failedStep).toBe('connect');
    expect(check.summary).toBe(`connect: nothing is listening at 127.0.0.1:${deadPort} (connection refused) — check baseUrl and that the service is running`);
    expect(check.steps.map((s) => [s.step, s.status])).toEqual([
      ['credentials', 'passed'],
      ['token', 'skipped'],
      ['connect', 'failed'],
      ['search', 'skipped'],
      ['shape', 'skipped'],
    ]);
    for (const step of check.steps) expect(step.durationMs).toBeGreaterThanOrEqual(0);

    const health = (await admin('GET', '/v1/connectors/police-rms-new/health')).json as unknown as Health;
    expect(health.status).toBe('red');
    expect(health.lastFailureAt).not.toBeNull();
    expect(health.windows.hour).toMatchObject({ outcomes: 1, failures: 1, errorRate: 1, tests: 1 });
  });

  it('points it at the simulator: a new version, the test passes step by step, and health turns green', async () => {
    const changed = await admin('PATCH', '/v1/connectors/police-rms-new', { changes: { baseUrl: policeSimUrl }, reason: 'The RMS moved (synthetic).' });
    expect(changed.status, JSON.stringify(changed.json)).toBe(200);
    expect(changed.json).toMatchObject({ version: 2, baseUrl: policeSimUrl });

    const check = (await admin('POST', '/v1/connectors/police-rms-new/test')).json as unknown as Check;
    expect(check, JSON.stringify(check)).toMatchObject({ ok: true, failedStep: null, summary: null });
    expect(check.steps.map((s) => [s.step, s.status])).toEqual([
      ['credentials', 'passed'],
      ['token', 'skipped'],
      ['connect', 'passed'],
      ['search', 'passed'],
      ['shape', 'passed'],
    ]);

    const health = (await admin('GET', '/v1/connectors/police-rms-new/health')).json as unknown as Health;
    expect(health.status).toBe('green');
    expect(health.lastSuccessAt).not.toBeNull();
    expect(health.windows.day).toMatchObject({ outcomes: 2, failures: 1, errorRate: 0.5, tests: 2 });
  });

  it('lists the versions with who, why and the changed paths, and restores the first as a new version', async () => {
    const { versions } = (await admin('GET', '/v1/connectors/police-rms-new/versions')).json as unknown as { versions: Version[] };
    expect(versions.map((v) => [v.version, v.action, v.reason, v.changedPaths, v.current])).toEqual([
      [2, 'updated', 'The RMS moved (synthetic).', ['baseUrl'], true],
      [1, 'created', 'New RMS endpoint (synthetic).', expect.arrayContaining(['auth.password', 'baseUrl', 'id']), false],
    ]);
    expect(versions.every((v) => v.changedBy === 'e2e-connector-admin-police')).toBe(true);

    const restored = await admin('POST', '/v1/connectors/police-rms-new/versions/1/restore', { reason: 'Back to the first endpoint (synthetic).' });
    expect(restored.status, JSON.stringify(restored.json)).toBe(200);
    expect(restored.json).toMatchObject({ version: 3, baseUrl: `http://127.0.0.1:${deadPort}/soap` });
    const current = await admin('GET', '/v1/connectors/police-rms-new');
    expect(current.json).toMatchObject({ version: 3, baseUrl: `http://127.0.0.1:${deadPort}/soap`, enabled: true, deletedAt: null });
    const after = (await admin('GET', '/v1/connectors/police-rms-new/versions')).json as unknown as { versions: Version[] };
    expect(after.versions[0]).toMatchObject({ version: 3, action: 'restored', restoredFrom: 1, changedPaths: ['baseUrl'], current: true });
    // The restored version's credential came with it: the test gets past the credentials step again.
    const check = (await admin('POST', '/v1/connectors/police-rms-new/test')).json as unknown as Check;
    expect(check).toMatchObject({ ok: false, failedStep: 'connect' });
    expect(check.steps[0]).toMatchObject({ step: 'credentials', status: 'passed' });
  });

  it('enables, disables and deletes with a reason each; a deleted connector keeps its history and leaves the list', async () => {
    expect((await admin('POST', '/v1/connectors/police-rms-new/disable', { reason: 'Maintenance (synthetic).' })).json).toMatchObject({ version: 4, enabled: false });
    expect((await admin('POST', '/v1/connectors/police-rms-new/enable', { reason: 'Maintenance over (synthetic).' })).json).toMatchObject({ version: 5, enabled: true });
    const missingReason = await admin('POST', '/v1/connectors/police-rms-new/disable', {});
    expect(missingReason.status).toBe(400);
    expect(missingReason.json.code).toBe('REQUEST.INVALID');

    expect((await admin('DELETE', `/v1/connectors/police-rms-new?reason=${encodeURIComponent('Replaced (synthetic).')}`)).status).toBe(200);
    const listed = (await admin('GET', '/v1/connectors')).json as { connectors: { id: string }[] };
    expect(listed.connectors.map((c) => c.id)).not.toContain('police-rms-new');
    const withDeleted = (await admin('GET', '/v1/connectors?deleted=include')).json as { connectors: { id: string; deletedAt: string | null }[] };
    expect(withDeleted.connectors.find((c) => c.id === 'police-rms-new')?.deletedAt).not.toBeNull();
    const { versions } = (await admin('GET', '/v1/connectors/police-rms-new/versions')).json as unknown as { versions: Version[] };
    expect(versions.map((v) => v.action)).toEqual(['deleted', 'enabled', 'disabled', 'restored', 'updated', 'created']);
    // Changes to a deleted connector: not found; restoring brings it back.
    expect((await admin('PATCH', '/v1/connectors/police-rms-new', { changes: { timeoutMs: 4000 }, reason: 'x' })).json.code).toBe('CONNECTOR.NOT_FOUND');
    expect((await admin('POST', '/v1/connectors/police-rms-new/versions/99/restore', { reason: 'x' })).json.code).toBe('CONNECTOR.VERSION_NOT_FOUND');
    expect((await admin('POST', '/v1/connectors/police-rms-new/versions/2/restore', { reason: 'Needed after all (synthetic).' })).json).toMatchObject({ version: 7, baseUrl: policeSimUrl, deletedAt: null });
    expect((await admin('GET', '/v1/connectors/nobody-here')).json.code).toBe('CONNECTOR.NOT_FOUND');
  });

  it('keeps the simulators’ connectors the declaration’s: 409 with a stable code', async () => {
    const refused = await admin('PATCH', '/v1/connectors/police-sim', { changes: { timeoutMs: 4000 }, reason: 'x' });
    expect(refused.status).toBe(409);
    expect(refused.json.code).toBe('CONNECTOR.DECLARED_IN_FILE');
    expect((await admin('POST', '/v1/connectors', { connector: { ...DEAD_CONNECTOR(), id: 'police-rms-new' }, reason: 'again' })).json.code).toBe('CONNECTOR.EXISTS');
  });
});

describe('the firewall around connector administration', () => {
  it("refuses another agency's administrator every route of the connector (403), and lists it to nobody else", async () => {
    const other = (method: string, route: string, body?: unknown): Promise<Answer> => call('connector-admin', 'health', method, route, body);
    const id = 'police-rms-new';
    const attempts: [string, string, unknown?][] = [
      ['GET', `/v1/connectors/${id}`],
      ['GET', `/v1/connectors/${id}/versions`],
      ['GET', `/v1/connectors/${id}/health`],
      ['POST', `/v1/connectors/${id}/test`],
      ['PATCH', `/v1/connectors/${id}`, { changes: { timeoutMs: 4000 }, reason: 'takeover' }],
      ['PUT', `/v1/connectors/${id}`, { ...DEAD_CONNECTOR(), reason: 'takeover' }],
      ['POST', `/v1/connectors/${id}/disable`, { reason: 'takeover' }],
      ['POST', `/v1/connectors/${id}/enable`, { reason: 'takeover' }],
      ['POST', `/v1/connectors/${id}/versions/1/restore`, { reason: 'takeover' }],
      ['DELETE', `/v1/connectors/${id}?reason=takeover`],
      ['POST', '/v1/connectors', { connector: { ...DEAD_CONNECTOR(), id: 'police-by-health' }, reason: 'takeover' }],
    ];
    for (const [method, route, body] of attempts) {
      const answer = await other(method, route, body);
      expect(answer.status, `${method} ${route}`).toBe(403);
      expect(answer.json.code, `${method} ${route}`).toBe('FIREWALL.DENIED');
    }
    const listed = (await other('GET', '/v1/connectors?deleted=include')).json as { connectors: { id: string; agency: string }[] };
    expect(listed.connectors.length).toBeGreaterThan(0);
    expect(listed.connectors.every((c) => c.agency === 'health')).toBe(true);
    // Still as the police administrator left it.
    expect((await admin('GET', `/v1/connectors/${id}`)).json).toMatchObject({ version: 7, enabled: true });
    // Other roles are not administrators.
    expect((await call('hub-manager', undefined, 'GET', `/v1/connectors/${id}`)).status).toBe(403);
  });

  it('refuses an administrator every case route: referrals, picture, items, products, audit (403)', async () => {
    const referral = await fetch(`${gateway.url}/v1/referrals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('referral-intake')}`, 'content-type': 'application/json' },
      body: JSON.stringify(EXAMPLE_REFERRAL),
    });
    expect(referral.status).toBe(202);
    const referralId = ((await referral.json()) as { id: string }).id;
    const manager = await token('hub-manager');
    await waitForPicture(gateway.url, manager, referralId, 60_000);
    const picture = (await (await fetch(`${gateway.url}/v1/referrals/${referralId}/picture`, { headers: { authorization: `Bearer ${manager}` } })).json()) as { items: { itemId: string }[] };
    const itemId = picture.items[0]?.itemId ?? '';
    const managerCall = (method: string, route: string, body: unknown): Promise<Response> =>
      fetch(`${gateway.url}${route}`, { method, headers: { authorization: `Bearer ${manager}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await managerCall('POST', `/v1/referrals/${referralId}/decision`, { rag: 'amber', outcome: 'early-help', rationale: 'Synthetic.' })).status).toBe(200);
    const published = await managerCall('POST', `/v1/referrals/${referralId}/products`, { withholdUndecided: { rationale: 'Synthetic.' } });
    expect(published.status).toBe(201);
    const productId = ((await published.json()) as { productId: string }).productId;

    /** A good request of each case route that takes a body or a required query, so only the firewall can refuse it. */
    const GOOD: Readonly<Record<string, { body?: unknown; query?: string }>> = {
      'POST /v1/referrals': { body: EXAMPLE_REFERRAL },
      'PUT /v1/referrals/{id}/items/{itemId}/release': { body: { decision: 'withhold', rationale: 'Synthetic.' } },
      'POST /v1/referrals/{id}/decision': { body: { rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic.' } },
      'POST /v1/referrals/{id}/products': { body: { withholdUndecided: { rationale: 'Synthetic.' } } },
      'POST /v1/referrals/{id}/possible-matches/{matchId}': { body: { decision: 'reject', reason: 'Synthetic.' } },
      'POST /v1/referrals/{id}/close': { body: { rationale: 'Synthetic.' } },
      'POST /v1/referrals/{id}/assignments': { body: { subject: 'someone' } },
      'GET /v1/audit/export': { query: 'format=fhir-ndjson' },
      'GET /v1/audit/report': { query: 'from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z' },
    };
    const values: Readonly<Record<string, string>> = { id: referralId, itemId, productId, matchId: 'pm-unknown' };
    const document = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    const caseRoutes = Object.entries(document.paths)
      .filter(([path]) => /^\/v1\/(referrals|products|audit)(\/|$)/.test(path))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ method: method.toUpperCase(), path: path.replace(/\/$/, ''), takesBody: op.requestBody !== undefined })));
    expect(caseRoutes.length).toBeGreaterThanOrEqual(18);
    for (const route of caseRoutes) {
      const name = `${route.method} ${route.path}`;
      const good = GOOD[name];
      if (route.takesBody && good?.body === undefined) throw new Error(`no good body for ${name}: add it to GOOD`);
      const path = route.path.replace(/\{(\w+)\}/g, (_m, key: string) => encodeURIComponent(values[key] ?? key));
      for (const agency of ['police', 'health'] as const) {
        const answer = await call('connector-admin', agency, route.method, `${path}${good?.query === undefined ? '' : `?${good.query}`}`, good?.body);
        expect(answer.status, `${name} as the ${agency} administrator`).toBe(403);
        expect(answer.json.code, name).toBe('FIREWALL.DENIED');
      }
    }
  }, 120_000);
});

describe('write-only credentials', () => {
  it('never gives the credential back: not in any connector answer, nor in the audit log', async () => {
    expect(answers.length).toBeGreaterThan(30);
    for (const answer of answers) expect(answer).not.toContain(SECRET);
    // Each change is audited with its paths and reason, never the value.
    const auditor = await token('auditor');
    const entries = await waitFor(
      async () => {
        const response = await fetch(`${gateway.url}/v1/audit/entries?limit=500`, { headers: { authorization: `Bearer ${auditor}` } });
        const text = await response.text();
        return text.includes('connector.tested') ? text : undefined;
      },
      10_000,
      'the audit entries of the connector changes',
    );
    expect(entries).toContain('police-rms-new');
    expect(entries).not.toContain(SECRET);
    expect(gateway.output()).not.toContain(SECRET);
  });
});
