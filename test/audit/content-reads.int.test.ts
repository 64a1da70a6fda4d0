/**
 * "A test counts the case-content reads served by the API and the view
 * entries in the log: equal." Through the real app: the manager and practitioners read pictures,
 * the host, the manager and contributing practitioners read published products (by id and through
 * the feed); other roles,
 * outsiders, bad tokens and unknown ids are refused. Every content read served (a 200 picture, a
 * 200 product, each product in a feed page) is matched by exactly one picture.viewed or
 * product.read entry, role by role, and the information audit report says the same. On both
 * stores, PGlite and PostgreSQL.
 */
import { sealAll } from '../../src/audit/seal.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAuditReport } from '../../src/audit/report.ts';
import { scanAudit } from '../../src/audit/search.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { Role } from '../../src/model/principal.ts';
import { startFirewallHarness, type FirewallHarness } from '../case/harness.ts';
import { STORE_KINDS } from '../support/stores.ts';

type Who = { role: Role; agency?: Agency; sub?: string };
const manager: Who = { role: 'hub-manager' };
const host: Who = { role: 'host-system' };
const practitioner = (agency: Agency, sub?: string): Who => ({ role: 'hub-practitioner', agency, ...(sub === undefined ? {} : { sub }) });
const others: Who[] = [{ role: 'referral-intake' }, { role: 'connector-admin', agency: 'police' }, { role: 'auditor' }, host];

interface Read {
  readonly who: Who | 'bad-token';
  readonly path: string;
  /** How many content reads a 200 answer serves. */
  readonly served: (body: unknown) => number;
}

describe.each(STORE_KINDS)('content reads on $name', (kind) => {
  let harness: FirewallHarness;
  let referralA: string;
  let referralB: string;
  let productA: string;

  async function request(who: Who | 'bad-token', method: string, path: string, body?: unknown): Promise<Response> {
    const token = who === 'bad-token' ? 'not.a.token' : await harness.token(who.role, who.agency, who.sub);
    return harness.app.request(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  beforeAll(async () => {
    harness = await startFirewallHarness({ store: kind });
    const a = await harness.seedReferral();
    const b = await harness.seedReferral(['health', 'police']);
    referralA = a.referralId;
    referralB = b.referralId;
    // Owners decide every item of A; the manager decides and publishes both referrals.
    for (const item of a.items) {
      const body = item.agency === 'police' ? { decision: 'withhold', rationale: 'Source protection.', signpost: { contact: 'MASH police desk' } } : { decision: 'release', rationale: 'Proportionate.' };
      expect((await request(practitioner(item.agency), 'PUT', `/v1/referrals/${referralA}/items/${item.id}/release`, body)).status).toBe(200);
    }
    for (const referralId of [referralA, referralB]) {
      expect((await request(manager, 'POST', `/v1/referrals/${referralId}/decision`, { rag: 'amber', outcome: 'child-in-need-assessment', rationale: 'Synthetic rationale.' })).status).toBe(200);
    }
    const published = await request(manager, 'POST', `/v1/referrals/${referralA}/products`, {});
    expect(published.status).toBe(201);
    productA = ((await published.json()) as { productId: string }).productId;
    expect((await request(manager, 'POST', `/v1/referrals/${referralB}/products`, { withholdUndecided: { rationale: 'Not yet decided.' } })).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await harness.close();
  });

  const one = (): number => 1;
  const feedSize = (body: unknown): number => {
    const entries = typeof body === 'object' && body !== null && 'entries' in body ? body.entries : undefined;
    return Array.isArray(entries) ? entries.length : 0;
  };

  function reads(): Read[] {
    const pictureA = `/v1/referrals/${referralA}/picture`;
    const pictureB = `/v1/referrals/${referralB}/picture`;
    const list: Read[] = [];
    const add = (who: Who | 'bad-token', path: string, served: Read['served'] = one): void => {
      list.push({ who, path, served });
    };
    for (const who of [manager, ...(['health', 'police', 'education', 'housing', 'social-care'] as const).map((a) => practitioner(a)), ...others]) add(who, pictureA);
    // B: health and police contributed; education and housing did not.
    for (const who of [manager, practitioner('health'), practitioner('police'), practitioner('education', 'outsider-education'), practitioner('housing', 'outsider-housing'), ...others]) add(who, pictureB);
    add(manager, '/v1/referrals/00000000-0000-4000-8000-000000000000/picture');
    add('bad-token', pictureA);
    for (const who of [host, manager, practitioner('police'), { role: 'auditor' } as Who]) add(who, `/v1/products/${productA}`);
    add(host, `/v1/products/${productA}?version=1`);
    add(host, '/v1/products/prd_00000000000000000000000000000000');
    add(host, '/v1/products?after=0', feedSize);
    add(manager, '/v1/products?after=0', feedSize);
    add(host, '/v1/products?after=0&limit=1', feedSize);
    add(host, '/v1/products?after=999999', feedSize);
    add(practitioner('health'), '/v1/products?after=0', feedSize);
    return list;
  }

  describe('case-content reads and the audit log', () => {
    it('has one view entry for every content read the API served, role by role', async () => {
      const servedByRole = new Map<string, number>();
      let served = 0;
      let refused = 0;
      // Each read three times, interleaved and concurrent, as a busy hub would.
      const roleOf = (read: Read): string => (read.who === 'bad-token' ? '' : read.who.role);
      const all = [...reads(), ...reads(), ...reads()].sort((x, y) => x.path.localeCompare(y.path) || roleOf(x).localeCompare(roleOf(y)));
      for (let i = 0; i < all.length; i += 8) {
        await Promise.all(
          all.slice(i, i + 8).map(async (read) => {
            const response = await request(read.who, 'GET', read.path);
            if (response.status === 200 && read.who !== 'bad-token') {
              const count = read.served(await response.json());
              served += count;
              servedByRole.set(read.who.role, (servedByRole.get(read.who.role) ?? 0) + count);
            } else {
              expect([401, 403, 404]).toContain(response.status);
              refused += 1;
            }
          }),
        );
      }
      // Per round: pictures 6 (A) + 3 (B); products 3 (host, manager, and police, which contributed
      // to A) + 1 by version; feeds 2 + 2 + 1 + 2 (health contributed to both); refused 14.
      expect(served).toBe(3 * 20);
      expect(refused).toBe(3 * 14);

      const loggedByRole = new Map<string, number>();
      let logged = 0;
      await sealAll(harness.db);
      for await (const batch of scanAudit(harness.db, { actions: ['picture.viewed', 'product.read'] })) {
        for (const entry of batch) {
          const role = (JSON.parse(entry.detail) as { role: string }).role;
          loggedByRole.set(role, (loggedByRole.get(role) ?? 0) + 1);
          logged += 1;
        }
      }
      expect(logged).toBe(served);
      expect(loggedByRole).toEqual(servedByRole);

      // The information audit report, made from the same log, counts the same reads.
      const report = await buildAuditReport(harness.db, { from: new Date(0), to: new Date(harness.clock.now().getTime() + 1) }, harness.clock.now());
      expect(report.contentAccess.reduce((sum, row) => sum + row.pictureViews + row.productReads, 0)).toBe(served);
      const denied = report.failedAccess.reduce((sum, row) => sum + row.deniedAccesses, 0);
      expect(denied).toBeGreaterThan(0);
    }, 120_000);
  });
});
