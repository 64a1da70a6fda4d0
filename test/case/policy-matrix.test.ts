/**
 * Every role × every route, allow or deny, through the real app. Deny by
 * default: a connector admin never reads case content, one agency's practitioner never decides
 * another's items, a practitioner sees only referrals their agency contributed to (or is assigned
 * to), a host system sees only published products, and whether a candidate record is a subject is
 * decided by its owning agency (or by the manager once the owner revealed it). A product is read on
 * the policy's word with the product and its referral's context: a practitioner reads only the
 * products of referrals they may see, and the change feed lists only what the caller may read.
 */
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agency } from '../../src/model/agency.ts';
import type { Role } from '../../src/model/principal.ts';
import { subjectMatchId } from '../../src/model/identity.ts';
import { seedCandidateReferral } from '../identity/support/sam-smith.ts';
import { ACTIONS, authorize } from '../../src/case/policy.ts';
import { startFirewallHarness, type FirewallHarness, EXAMPLE } from './harness.ts';

type Who = 'intake' | 'manager' | 'police-practitioner' | 'health-practitioner' | 'outsider-practitioner' | 'police-admin' | 'host' | 'auditor';
const PRINCIPALS: Record<Who, { role: Role; agency?: Agency; sub?: string }> = {
  intake: { role: 'referral-intake' },
  manager: { role: 'hub-manager' },
  'police-practitioner': { role: 'hub-practitioner', agency: 'police' },
  'health-practitioner': { role: 'hub-practitioner', agency: 'health' },
  // Housing did not contribute to the referral under test.
  'outsider-practitioner': { role: 'hub-practitioner', agency: 'housing', sub: 'outsider-housing' },
  'police-admin': { role: 'connector-admin', agency: 'police' },
  host: { role: 'host-system' },
  auditor: { role: 'auditor' },
};
const WHO = Object.keys(PRINCIPALS) as Who[];

interface Ids {
  readonly referralId: string;
  readonly policeItem: string;
  readonly productId: string;
  /** A referral whose health lookup found five people for one subject: subject-level possible matches. */
  readonly candidateReferralId: string;
  /** A health candidate its owner has not revealed, and one it has. */
  readonly unrevealedMatch: string;
  readonly revealedMatch: string;
}

interface RouteCase {
  readonly name: string;
  readonly allowed: readonly Who[];
  request(ids: Ids): { method: string; path: string; body?: unknown };
}

const ROUTES: readonly RouteCase[] = [
  { name: 'POST /v1/referrals', allowed: ['intake'], request: () => ({ method: 'POST', path: '/v1/referrals', body: EXAMPLE }) },
  { name: 'GET /v1/referrals/:id', allowed: ['intake', 'manager', 'police-practitioner', 'health-practitioner'], request: ({ referralId }) => ({ method: 'GET', path: `/v1/referrals/${referralId}` }) },
  { name: 'GET /v1/referrals/:id/picture', allowed: ['manager', 'police-practitioner', 'health-practitioner'], request: ({ referralId }) => ({ method: 'GET', path: `/v1/referrals/${referralId}/picture` }) },
  // Open to the manager and practitioners; each row is the policy's to show (tested beyond the matrix).
  { name: 'GET /v1/referrals?sla=', allowed: ['manager', 'police-practitioner', 'health-practitioner', 'outsider-practitioner'], request: () => ({ method: 'GET', path: '/v1/referrals?sla=breached' }) },
  { name: 'POST …/items/:itemId/reveal (a police item)', allowed: ['police-practitioner'], request: ({ referralId, policeItem }) => ({ method: 'POST', path: `/v1/referrals/${referralId}/items/${policeItem}/reveal` }) },
  {
    name: 'PUT …/items/:itemId/release (a police item)',
    allowed: ['police-practitioner'],
    request: ({ referralId, policeItem }) => ({ method: 'PUT', path: `/v1/referrals/${referralId}/items/${policeItem}/release`, body: { decision: 'withhold', rationale: 'Source protection.' } }),
  },
  {
    name: 'GET …/items/:itemId/release/revisions (a police item)',
    // The owning agency's practitioner, and the auditor auditing the decision; not the manager.
    allowed: ['police-practitioner', 'auditor'],
    request: ({ referralId, policeItem }) => ({ method: 'GET', path: `/v1/referrals/${referralId}/items/${policeItem}/release/revisions` }),
  },
  { name: 'POST /v1/referrals/:id/decision', allowed: ['manager'], request: ({ referralId }) => ({ method: 'POST', path: `/v1/referrals/${referralId}/decision`, body: { rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic rationale.' } }) },
  { name: 'POST /v1/referrals/:id/products', allowed: ['manager'], request: ({ referralId }) => ({ method: 'POST', path: `/v1/referrals/${referralId}/products`, body: {} }) },
  {
    name: 'POST /v1/referrals/:id/possible-matches/:matchId',
    allowed: ['manager', 'police-practitioner', 'health-practitioner'],
    request: ({ referralId }) => ({ method: 'POST', path: `/v1/referrals/${referralId}/possible-matches/pm-unknown`, body: { decision: 'reject', reason: 'Synthetic.' } }),
  },
  // Identity decisions follow the candidate record's owner: its agency's practitioner always, the
  // manager once the owner revealed it; never another agency (docs/decisions.md, "Trusted identifiers separate").
  {
    name: 'POST …/possible-matches/:matchId (an unrevealed health candidate)',
    allowed: ['health-practitioner'],
    request: ({ candidateReferralId, unrevealedMatch }) => ({ method: 'POST', path: `/v1/referrals/${candidateReferralId}/possible-matches/${unrevealedMatch}`, body: { decision: 'reject', reason: 'Synthetic.' } }),
  },
  {
    name: 'POST …/possible-matches/:matchId (a revealed health candidate)',
    allowed: ['manager', 'health-practitioner'],
    request: ({ candidateReferralId, revealedMatch }) => ({ method: 'POST', path: `/v1/referrals/${candidateReferralId}/possible-matches/${revealedMatch}`, body: { decision: 'reject', reason: 'Synthetic.' } }),
  },
  // The review queue of possible matches across referrals: the manager and practitioners; each entry is `identity:decide`'s to show.
  { name: 'GET /v1/possible-matches', allowed: ['manager', 'police-practitioner', 'health-practitioner', 'outsider-practitioner'], request: () => ({ method: 'GET', path: '/v1/possible-matches?kind=subject' }) },
  // Deciding from the queue: roles without a queue are refused; to the others a match they may not decide does not exist (404).
  {
    name: 'POST /v1/possible-matches/:matchId',
    allowed: ['manager', 'police-practitioner', 'health-practitioner', 'outsider-practitioner'],
    request: () => ({ method: 'POST', path: '/v1/possible-matches/pm-unknown', body: { decision: 'reject', reason: 'Synthetic.' } }),
  },
  { name: 'POST /v1/referrals/:id/close', allowed: ['manager'], request: ({ referralId }) => ({ method: 'POST', path: `/v1/referrals/${referralId}/close`, body: { rationale: 'Synthetic closure.' } }) },
  { name: 'POST /v1/referrals/:id/assignments', allowed: ['manager'], request: ({ referralId }) => ({ method: 'POST', path: `/v1/referrals/${referralId}/assignments`, body: { subject: 'someone' } }) },
  // The referral's own product: practitioners of contributing agencies read it, the outsider may not.
  { name: 'GET /v1/products/:id', allowed: ['manager', 'host', 'police-practitioner', 'health-practitioner'], request: ({ productId }) => ({ method: 'GET', path: `/v1/products/${productId}` }) },
  // Listing is open to every role that may read some product; what each sees in it is below.
  { name: 'GET /v1/products?after=', allowed: ['manager', 'host', 'police-practitioner', 'health-practitioner', 'outsider-practitioner'], request: () => ({ method: 'GET', path: '/v1/products?after=0' }) },
  { name: 'GET /v1/audit/verify', allowed: ['auditor'], request: () => ({ method: 'GET', path: '/v1/audit/verify' }) },
  { name: 'GET /v1/audit/entries', allowed: ['auditor'], request: () => ({ method: 'GET', path: '/v1/audit/entries' }) },
  { name: 'GET /v1/audit/export', allowed: ['auditor'], request: () => ({ method: 'GET', path: '/v1/audit/export?format=fhir-ndjson' }) },
  { name: 'GET /v1/audit/report', allowed: ['auditor'], request: () => ({ method: 'GET', path: '/v1/audit/report?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z' }) },
  // Performance reports (governance rec. 13): counts only, the manager's, for the board.
  { name: 'GET /v1/reports/performance', allowed: ['manager'], request: () => ({ method: 'GET', path: '/v1/reports/performance?from=2026-01-01&to=2027-01-01' }) },
  // The person index's model versions (counts and status, no personal data), and an estimation run now: the manager's.
  { name: 'GET /v1/person-index/models', allowed: ['manager'], request: () => ({ method: 'GET', path: '/v1/person-index/models' }) },
  { name: 'POST /v1/person-index/models/estimate', allowed: ['manager'], request: () => ({ method: 'POST', path: '/v1/person-index/models/estimate' }) },
  { name: 'GET /v1/connectors', allowed: ['police-admin'], request: () => ({ method: 'GET', path: '/v1/connectors' }) },
  {
    name: 'PUT /v1/connectors/:id (a police connector)',
    allowed: ['police-admin'],
    request: () => ({ method: 'PUT', path: '/v1/connectors/police-matrix', body: { id: 'police-matrix', agency: 'police', type: 'police-soap', sourceSystem: 'Synthetic RMS', baseUrl: 'http://127.0.0.1:9/soap' } }),
  },
  // Connector administration (docs/decisions.md "Connector administration"): the agency's administrator only.
  {
    name: 'POST /v1/connectors (a police connector)',
    allowed: ['police-admin'],
    request: () => ({ method: 'POST', path: '/v1/connectors', body: { connector: { id: 'police-matrix-new', agency: 'police', type: 'police-soap', sourceSystem: 'Synthetic RMS', baseUrl: 'http://127.0.0.1:9/soap' }, reason: 'Synthetic.' } }),
  },
  { name: 'GET /v1/connectors/:id', allowed: ['police-admin'], request: () => ({ method: 'GET', path: '/v1/connectors/police-matrix' }) },
  { name: 'PATCH /v1/connectors/:id', allowed: ['police-admin'], request: () => ({ method: 'PATCH', path: '/v1/connectors/police-matrix', body: { changes: { timeoutMs: 5000 }, reason: 'Synthetic.' } }) },
  { name: 'POST /v1/connectors/:id/disable', allowed: ['police-admin'], request: () => ({ method: 'POST', path: '/v1/connectors/police-matrix/disable', body: { reason: 'Synthetic.' } }) },
  { name: 'POST /v1/connectors/:id/enable', allowed: ['police-admin'], request: () => ({ method: 'POST', path: '/v1/connectors/police-matrix/enable', body: { reason: 'Synthetic.' } }) },
  { name: 'GET /v1/connectors/:id/versions', allowed: ['police-admin'], request: () => ({ method: 'GET', path: '/v1/connectors/police-matrix/versions' }) },
  { name: 'POST /v1/connectors/:id/versions/:n/restore', allowed: ['police-admin'], request: () => ({ method: 'POST', path: '/v1/connectors/police-matrix/versions/1/restore', body: { reason: 'Synthetic.' } }) },
  { name: 'POST /v1/connectors/:id/test', allowed: ['police-admin'], request: () => ({ method: 'POST', path: '/v1/connectors/police-matrix/test' }) },
  { name: 'GET /v1/connectors/:id/health', allowed: ['police-admin'], request: () => ({ method: 'GET', path: '/v1/connectors/police-matrix/health' }) },
  { name: 'DELETE /v1/connectors/:id', allowed: ['police-admin'], request: () => ({ method: 'DELETE', path: '/v1/connectors/police-matrix-new?reason=Synthetic.' }) },
  // The dead-letter list: the manager, and connector administrators for their agency's failures.
  { name: 'GET /v1/admin/failures', allowed: ['manager', 'police-admin'], request: () => ({ method: 'GET', path: '/v1/admin/failures' }) },
  {
    name: 'POST /v1/admin/failures/reprocess',
    allowed: ['manager', 'police-admin'],
    request: () => ({ method: 'POST', path: '/v1/admin/failures/reprocess', body: { items: [{ kind: 'lookup', id: 'lkp_none' }] } }),
  },
  // The queue dashboard (distributed deployments): connector administrators and the manager, read-only.
  { name: 'GET /admin/queues/api/queues', allowed: ['manager', 'police-admin'], request: () => ({ method: 'GET', path: '/admin/queues/api/queues' }) },
  // Operational figures (counts by connector, agency and kind): the manager and connector administrators.
  { name: 'GET /metrics', allowed: ['manager', 'police-admin'], request: () => ({ method: 'GET', path: '/metrics' }) },
  {
    name: 'PUT /v1/connectors/:id (a health connector)',
    allowed: [],
    request: () => ({ method: 'PUT', path: '/v1/connectors/health-matrix', body: { id: 'health-matrix', agency: 'health', type: 'fhir-r4', sourceSystem: 'Synthetic FHIR', baseUrl: 'http://127.0.0.1:9/fhir' } }),
  },
];

let harness: FirewallHarness;
let ids: Ids;

/** The manager decides and publishes a referral's product (undecided items withheld); returns its id. */
async function publishProduct(referralId: string): Promise<string> {
  const headers = { authorization: `Bearer ${await harness.token('hub-manager')}`, 'content-type': 'application/json' };
  const decided = await harness.app.request(`/v1/referrals/${referralId}/decision`, { method: 'POST', headers, body: JSON.stringify({ rag: 'amber', outcome: 'early-help', rationale: 'Synthetic rationale.' }) });
  expect(decided.status).toBe(200);
  const published = await harness.app.request(`/v1/referrals/${referralId}/products`, { method: 'POST', headers, body: JSON.stringify({ withholdUndecided: { rationale: 'Synthetic.' } }) });
  expect(published.status).toBe(201);
  return ((await published.json()) as { productId: string }).productId;
}

beforeAll(async () => {
  // A stand-in board behind the real door (auth and policy, src/gateway/queue-dashboard.ts); the
  // real bull-board is driven in test/e2e/queue-dashboard.int.test.ts.
  const board = new Hono();
  board.get('/api/queues', (c) => c.json({ queues: [] }));
  harness = await startFirewallHarness({ queueDashboard: board });
  const seeded = await harness.seedReferral(['health', 'police', 'education', 'social-care']);
  const policeItem = seeded.items.find((i) => i.agency === 'police')?.id ?? '';
  const candidates = await seedCandidateReferral(harness);
  const [unrevealed, revealed] = candidates.candidates;
  await harness.db.query('UPDATE facts SET revealed_at = $2, revealed_by = $3 WHERE id = $1', [revealed!.personFactId, harness.clock.now(), 'test-hub-practitioner-health']);
  ids = {
    referralId: seeded.referralId,
    policeItem,
    productId: await publishProduct(seeded.referralId),
    candidateReferralId: candidates.referralId,
    unrevealedMatch: subjectMatchId(candidates.healthLookupId, unrevealed!.personRef),
    revealedMatch: subjectMatchId(candidates.healthLookupId, revealed!.personRef),
  };
});

afterAll(async () => {
  await harness.close();
});

async function call(who: Who, route: RouteCase): Promise<Response> {
  const principal = PRINCIPALS[who];
  const { method, path, body } = route.request(ids);
  return harness.app.request(path, {
    method,
    headers: { authorization: `Bearer ${await harness.token(principal.role, principal.agency, principal.sub)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('role × route matrix', () => {
  const cases = ROUTES.flatMap((route) => WHO.map((who) => ({ route, who, allowed: route.allowed.includes(who) })));
  it.each(cases.map((c) => [c.route.name, c.who, c.allowed ? 'allow' : 'deny', c] as const))('%s as %s: %s', async (_name, _who, _expected, { route, who, allowed }) => {
    const response = await call(who, route);
    if (allowed) {
      expect(response.status, `${who} ${route.name}`).not.toBe(403);
      expect(response.status).not.toBe(401);
      expect(response.status).toBeLessThan(500);
    } else {
      expect(response.status, `${who} ${route.name}`).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe('FIREWALL.DENIED');
    }
  });

  it('covers every route of the /v1 API', async () => {
    const document = (await (await harness.app.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`)).filter((r) => r.includes('/v1/'));
    const walked = new Set(ROUTES.map((r) => r.request(ids)).map((r) => `${r.method} ${r.path.split('?')[0]!.replace(ids.referralId, '{id}').replace(ids.policeItem, '{itemId}').replace(ids.productId, '{productId}').replace('pm-unknown', '{matchId}').replace(/\/v1\/connectors\/[a-z][a-z-]*/, '/v1/connectors/{connectorId}').replace(/\/versions\/\d+\//, '/versions/{version}/')}`));
    for (const route of documented) expect(walked, route).toContain(route.replace(/\/$/, '').replace('/v1/products', '/v1/products').replace(/^GET \/v1\/products$/, 'GET /v1/products'));
  });
});

describe('need-to-know beyond the matrix', () => {
  it('lets a practitioner of a non-contributing agency in once the manager assigns them', async () => {
    const before = await call('outsider-practitioner', ROUTES[2]!);
    expect(before.status).toBe(403);
    const assigned = await harness.app.request(`/v1/referrals/${ids.referralId}/assignments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await harness.token('hub-manager')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'outsider-housing' }),
    });
    expect(assigned.status).toBe(200);
    const after = await call('outsider-practitioner', ROUTES[2]!);
    expect(after.status).toBe(200);
  });

  it('shows the manager only revealed items, and a practitioner their own agency in full', async () => {
    const picture = async (who: Who) => {
      const response = await call(who, ROUTES[2]!);
      return ((await response.json()) as { items: { agency: string; revealed: boolean }[] }).items;
    };
    const manager = await picture('manager');
    expect(manager.length).toBeGreaterThan(0);
    expect(manager.every((i) => i.revealed)).toBe(true);
    const police = await picture('police-practitioner');
    expect(police.filter((i) => i.agency === 'police')).toHaveLength(3);
    expect(police.filter((i) => i.agency !== 'police').every((i) => i.revealed)).toBe(true);
  });
});

describe('products: the policy decides each read from the product and its referral', () => {
  let other: { referralId: string; productId: string };

  beforeAll(async () => {
    // A second referral that police did not contribute to (health and education only).
    const seeded = await harness.seedReferral(['health', 'education']);
    other = { referralId: seeded.referralId, productId: await publishProduct(seeded.referralId) };
  });

  const read = async (who: Who, path: string): Promise<Response> => {
    const principal = PRINCIPALS[who];
    return harness.app.request(path, { headers: { authorization: `Bearer ${await harness.token(principal.role, principal.agency, principal.sub)}` } });
  };
  const feed = async (who: Who): Promise<string[]> => {
    const response = await read(who, '/v1/products?after=0&limit=100');
    expect(response.status, who).toBe(200);
    return ((await response.json()) as { entries: { product: { productId: string } }[] }).entries.map((e) => e.product.productId);
  };

  it('grants no role a product read without the product and its referral', () => {
    for (const who of WHO) {
      const principal = PRINCIPALS[who];
      expect(authorize({ sub: principal.sub ?? who, role: principal.role, agency: principal.agency }, 'product:read', {}).allowed, who).toBe(false);
      expect(authorize({ sub: principal.sub ?? who, role: principal.role, agency: principal.agency }, 'product:read', { referral: { contributingAgencies: ['police'], assignees: [] } }).allowed, who).toBe(false);
    }
    expect(ACTIONS).toContain('product:list');
  });

  it("keeps a referral's product from a practitioner whose agency did not contribute, and lets the others in", async () => {
    const path = `/v1/products/${other.productId}`;
    const denied = await read('police-practitioner', path);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { code: string }).code).toBe('FIREWALL.DENIED');
    for (const who of ['health-practitioner', 'manager', 'host'] as const) expect((await read(who, path)).status, who).toBe(200);
    const audited = await harness.db.query<{ n: number | string }>("SELECT count(*) AS n FROM audit_log WHERE action = 'access.denied' AND subject = $1", [other.productId]);
    expect(Number(audited[0]?.n)).toBeGreaterThan(0);
  });

  it('lists in the change feed only the products the caller may read', async () => {
    expect(await feed('host')).toEqual([ids.productId, other.productId]);
    expect(await feed('manager')).toEqual([ids.productId, other.productId]);
    expect(await feed('health-practitioner')).toEqual([ids.productId, other.productId]);
    expect(await feed('police-practitioner')).toEqual([ids.productId]);
    // The outsider's agency contributed to neither (its assignment to the first came in the test above).
    const outsiderSees = await feed('outsider-practitioner');
    expect(outsiderSees).not.toContain(other.productId);
  });

  it('moves the cursor past versions the caller may not read', async () => {
    const first = await read('police-practitioner', '/v1/products?after=0&limit=1');
    const page = (await first.json()) as { entries: { cursor: string }[]; nextCursor: string };
    expect(page.entries).toHaveLength(1);
    const rest = await read('police-practitioner', `/v1/products?after=${page.nextCursor}&limit=10`);
    const next = (await rest.json()) as { entries: unknown[]; nextCursor: string };
    expect(next.entries).toEqual([]);
    expect(Number(next.nextCursor)).toBeGreaterThan(Number(page.nextCursor));
  });

  it("lets a practitioner read the product once the manager assigns them to its referral", async () => {
    const sub = 'test-hub-practitioner-police';
    const assigned = await harness.app.request(`/v1/referrals/${other.referralId}/assignments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await harness.token('hub-manager')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: sub }),
    });
    expect(assigned.status).toBe(200);
    expect((await read('police-practitioner', `/v1/products/${other.productId}`)).status).toBe(200);
    expect(await feed('police-practitioner')).toEqual([ids.productId, other.productId]);
  });
});

describe('operational metrics (GET /metrics)', () => {
  it('are read by the manager and any agency’s connector administrator, by no other role', () => {
    const allowed = (role: Role, agency?: Agency): boolean => authorize({ sub: `metrics-${role}`, role, agency }, 'metrics:read').allowed;
    expect(allowed('hub-manager')).toBe(true);
    for (const agency of ['police', 'health', 'housing'] as const) expect(allowed('connector-admin', agency), agency).toBe(true);
    for (const role of ['referral-intake', 'hub-practitioner', 'host-system', 'auditor'] as const) expect(allowed(role, role === 'hub-practitioner' ? 'police' : undefined), role).toBe(false);
  });

  it('answer 401 without a token and the exposition as text to the manager', async () => {
    const anonymous = await harness.app.request('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const manager = await harness.app.request('/metrics', { headers: { authorization: `Bearer ${await harness.token('hub-manager')}` } });
    expect(manager.status).toBe(200);
    expect(manager.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await manager.text()).toContain('mash_test');
  });
});
