/**
 * Audit search and report on both stores (PGlite and a real PostgreSQL): auditors search the log by
 * referral, actor, agency, action and time in keyset pages; the information audit report counts a seeded log
 * exactly (numbers worked out by hand from test/audit/support.ts), its JSON and CSV agree, and
 * the route and `audit:report` give the same numbers. Only auditors may do either.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChainEntry } from '../../src/audit/chain.ts';
import { buildAuditReport, reportCsv, reportRows, REPORT_CSV_COLUMNS, type AuditReport } from '../../src/audit/report.ts';
import { scanAudit, searchAudit } from '../../src/audit/search.ts';
import { createApp } from '../../src/gateway/app.ts';
import { createTokenVerifier } from '../../src/gateway/token-verifier.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { Role } from '../../src/model/principal.ts';
import type { Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { createVault } from '../../src/store/vault.ts';
import { testIdentity } from '../support/identity.ts';
import { testSigningKey, tokenFor, TEST_AUDIENCE, TEST_ISSUER, TEST_TOKEN_LIFETIME } from '../support/tokens.ts';
import { appendAll, REPORT_PERIOD, reportLog } from './support.ts';
import { STORE_KINDS, type ProvisionedStore } from '../support/stores.ts';
import { testSla } from '../support/sla.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

describe.each(STORE_KINDS)('audit search and report on $name', (kind) => {
  let store: ProvisionedStore;
  let db: Db;
  let app: ReturnType<typeof createApp>;
  let seeded: ReturnType<typeof reportLog>;
  const key = testSigningKey();
  const clock = fixedClock(new Date('2026-04-02T09:00:00Z'));

  beforeAll(async () => {
    store = await kind.provision();
    db = await openStore({ databaseUrl: store.databaseUrl, dataDir: store.dataDir });
    seeded = reportLog();
    await appendAll(db, seeded.entries);
    const vault = createVault(randomBytes(32));
    app = createApp({ sla: testSla,
      db,
      vault,
      identity: testIdentity({ db, vault, clock, masterKey: randomBytes(32) }),
      clock,
      logger: silentLogger(),
      auditKeys: new Map(),
      scheduler: { schedule: () => Promise.resolve(), reprioritise: () => Promise.resolve(), ping: () => Promise.resolve(true) },
      verifyToken: createTokenVerifier({ publicKey: key.publicKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ...TEST_TOKEN_LIFETIME }),
    });
  }, 120_000);

  afterAll(async () => {
    await db.close();
    await store.stop();
  });

  async function get(pathAndQuery: string, role: Role = 'auditor'): Promise<Response> {
    return app.request(pathAndQuery, { headers: { authorization: `Bearer ${await tokenFor(key, role)}` } });
  }

  async function all(query: Parameters<typeof scanAudit>[1]): Promise<ChainEntry[]> {
    const entries: ChainEntry[] = [];
    for await (const batch of scanAudit(db, query, 7)) entries.push(...batch);
    return entries;
  }

  interface EntriesPage {
    entries: ChainEntry[];
    nextAfter: string | null;
  }

  describe('search', () => {
    it('filters by referral, actor, action and time, each entry with its chain columns', async () => {
      const seededCount = seeded.entries.length;
      const byReferral = await all({ referralId: seeded.referralB, through: seededCount });
      expect(byReferral.length).toBe(seeded.entries.filter((e) => e.referralId === seeded.referralB).length);
      expect(byReferral.every((e) => e.referralId === seeded.referralB)).toBe(true);

      const byActor = await all({ actor: 'host-case-system', through: seededCount });
      expect(byActor.map((e) => e.action)).toEqual(Array(5).fill('product.read'));

      const views = await all({ actions: ['picture.viewed'], through: seededCount });
      expect(views).toHaveLength(8);
      const inPeriod = await all({ actions: ['picture.viewed'], from: REPORT_PERIOD.from, to: REPORT_PERIOD.to });
      expect(inPeriod).toHaveLength(7);

      const first = views[0]!;
      expect(Object.keys(first).sort()).toEqual(['action', 'actor', 'agency', 'at', 'detail', 'hash', 'prevHash', 'referralId', 'seq', 'subject']);
      expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('matches an agency in the column or, for lookups and notices, in the detail', async () => {
      const police = await all({ agency: 'police', through: seeded.entries.length });
      const actions = police.map((e) => e.action);
      // Two lookups (detail), two reveals and four decisions (column), three practitioner views
      // (column), the connector declaration (column) and the feedback delivery (detail).
      expect(actions.filter((a) => a === 'lookup.completed')).toHaveLength(2);
      expect(actions.filter((a) => a === 'item.revealed')).toHaveLength(2);
      expect(actions.filter((a) => a === 'item.release-decided')).toHaveLength(4);
      expect(actions.filter((a) => a === 'picture.viewed')).toHaveLength(3);
      expect(actions.filter((a) => a === 'connector.declared')).toHaveLength(1);
      expect(actions.filter((a) => a === 'feedback.delivered')).toHaveLength(1);
      expect(police).toHaveLength(13);
    });

    it('pages by seq through the route, with nothing lost or repeated', async () => {
      const seen: number[] = [];
      let after = '0';
      for (let page = 0; page < 20; page += 1) {
        const response = await get(`/v1/audit/entries?action=lookup.completed&limit=3&after=${after}`);
        expect(response.status).toBe(200);
        const body = (await response.json()) as EntriesPage;
        seen.push(...body.entries.map((e) => e.seq));
        if (body.nextAfter === null) break;
        after = body.nextAfter;
      }
      const expected = (await all({ actions: ['lookup.completed'] })).map((e) => e.seq);
      expect(expected).toHaveLength(12);
      expect(seen).toEqual(expected);
    });

    it('combines filters in the route, and answers an empty page with no next cursor', async () => {
      const from = new Date(REPORT_PERIOD.from.getTime() + 1).toISOString();
      const response = await get(`/v1/audit/entries?referralId=${seeded.referralA}&agency=health&action=item.release-decided&from=${encodeURIComponent(from)}&to=${encodeURIComponent(REPORT_PERIOD.to.toISOString())}`);
      const body = (await response.json()) as EntriesPage;
      expect(body.entries.map((e) => e.subject)).toEqual(['h1', 'h2', 'h3', 'h3']);
      expect(body.nextAfter).toBeNull();
      const none = (await (await get(`/v1/audit/entries?actor=nobody`)).json()) as EntriesPage;
      expect(none).toEqual({ entries: [], nextAfter: null });
      expect((await get('/v1/audit/entries?limit=0')).status).toBe(400);
      expect((await get('/v1/audit/entries?agency=martians')).status).toBe(400);
    });

    it('is for auditors only, and each search is itself audited', async () => {
      for (const role of ['hub-manager', 'hub-practitioner', 'referral-intake', 'host-system', 'connector-admin'] as const) {
        const response = await app.request('/v1/audit/entries', { headers: { authorization: `Bearer ${await tokenFor(key, role, role === 'hub-practitioner' || role === 'connector-admin' ? 'police' : undefined)}` } });
        expect(response.status, role).toBe(403);
      }
      const before = await searchAudit(db, { actions: ['audit.exported'] }, 1000);
      await get('/v1/audit/entries?actor=manager-1');
      const after = await searchAudit(db, { actions: ['audit.exported'] }, 1000);
      expect(after.entries.length).toBe(before.entries.length + 1);
      expect(JSON.parse(after.entries.at(-1)!.detail)).toMatchObject({ via: 'search', actor: 'manager-1' });
    });
  });

  const EXPECTED: Omit<AuditReport, 'generatedAt' | 'throughSeq'> = {
    period: { from: REPORT_PERIOD.from.toISOString(), to: REPORT_PERIOD.to.toISOString() },
    entriesRead: 59,
    unreadableEntries: 0,
    lookups: [
      { agency: 'education', lawfulBasis: 'children-act-1989-s17', done: 1, partial: 0, failed: 2, timedOut: 0, notPermitted: 0 },
      { agency: 'health', lawfulBasis: 'children-act-1989-s47', done: 3, partial: 0, failed: 1, timedOut: 1, notPermitted: 0 },
      { agency: 'health', lawfulBasis: 'none', done: 0, partial: 0, failed: 0, timedOut: 0, notPermitted: 2 },
      { agency: 'housing', lawfulBasis: 'none', done: 0, partial: 0, failed: 0, timedOut: 0, notPermitted: 1 },
      { agency: 'police', lawfulBasis: 'children-act-1989-s47', done: 2, partial: 0, failed: 0, timedOut: 0, notPermitted: 0 },
      // An answer cut short is its own count, never folded into done or failed.
      { agency: 'social-care', lawfulBasis: 'children-act-1989-s47', done: 0, partial: 1, failed: 0, timedOut: 0, notPermitted: 0 },
    ],
    items: [
      { agency: 'health', revealed: 3, released: 2, redacted: 1, withheld: 0, decisions: 4 },
      { agency: 'police', revealed: 2, released: 1, redacted: 0, withheld: 2, decisions: 4 },
    ],
    products: { published: 3, referrals: 2, delivered: 2, deliveryFailed: 1 },
    cases: { closed: 2, contentDestroyed: 1 },
    contentAccess: [
      { role: 'host-system', pictureViews: 0, itemsShown: 0, productReads: 5 },
      { role: 'hub-manager', pictureViews: 4, itemsShown: 20, productReads: 1 },
      { role: 'hub-practitioner', pictureViews: 3, itemsShown: 9, productReads: 0 },
    ],
    failedAccess: [
      { role: 'auditor', failedLogins: 0, deniedAccesses: 1 },
      { role: 'connector-admin', failedLogins: 0, deniedAccesses: 2 },
      { role: 'hub-practitioner', failedLogins: 0, deniedAccesses: 3 },
      { role: 'unknown', failedLogins: 4, deniedAccesses: 0 },
    ],
  };

  const csvRecords = (csv: string): string[][] => parse(csv, { relax_column_count: false });

  describe('information audit report', () => {
    it('counts the seeded log exactly', async () => {
      const report = await buildAuditReport(db, REPORT_PERIOD, clock.now());
      expect(report).toMatchObject(EXPECTED);
      expect(report.generatedAt).toBe(clock.now().toISOString());
    });

    it('says the same in CSV as in JSON', async () => {
      const report = await buildAuditReport(db, REPORT_PERIOD, clock.now());
      const [header, ...rows] = csvRecords(reportCsv(report));
      expect(header).toEqual([...REPORT_CSV_COLUMNS]);
      expect(rows).toEqual(reportRows(report).map((r) => [r.section, r.agency, r.basis, r.role, r.metric, String(r.count)]));
      // Every non-zero number of the JSON is one CSV row, and nothing else is.
      const fromJson = [
        ...report.lookups.flatMap(({ agency, lawfulBasis, ...c }) => Object.entries(c).map(([m, n]) => ['lookups', agency, lawfulBasis, '', m, n] as const)),
        ...report.items.flatMap(({ agency, ...c }) => Object.entries(c).map(([m, n]) => ['items', agency, '', '', m, n] as const)),
        ...Object.entries(report.products).map(([m, n]) => ['products', '', '', '', m, n] as const),
        ...Object.entries(report.cases).map(([m, n]) => ['cases', '', '', '', m, n] as const),
        ...report.contentAccess.flatMap(({ role, ...c }) => Object.entries(c).map(([m, n]) => ['content-access', '', '', role, m, n] as const)),
        ...report.failedAccess.flatMap(({ role, ...c }) => Object.entries(c).map(([m, n]) => ['failed-access', '', '', role, m, n] as const)),
        ['log', '', '', '', 'entriesRead', report.entriesRead] as const,
      ]
        .filter((r) => r[5] !== 0)
        .map((r) => r.map(String).join(','))
        .sort();
      expect(rows.map((r) => r.join(',')).sort()).toEqual(fromJson);
      expect(rows.find((r) => r[0] === 'lookups' && r[1] === 'health' && r[2] === 'none' && r[4] === 'notPermitted')?.[5]).toBe('2');
    });

    it('is served to auditors as JSON and CSV, and made by audit:report with the same numbers', async () => {
      const query = `from=${encodeURIComponent(REPORT_PERIOD.from.toISOString())}&to=${encodeURIComponent(REPORT_PERIOD.to.toISOString())}`;
      const json = await get(`/v1/audit/report?${query}`);
      expect(json.status).toBe(200);
      expect(await json.json()).toMatchObject(EXPECTED);
      const csv = await get(`/v1/audit/report?${query}&format=csv`);
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const csvText = await csv.text();
      expect(csvText.split('\n')[0]).toBe('section,agency,basis,role,metric,count');
      expect((await get(`/v1/audit/report?${query}`, 'hub-manager')).status).toBe(403);
      expect((await get('/v1/audit/report?from=2026-04-01T00:00:00Z&to=2026-03-01T00:00:00Z')).status).toBe(400);

      // The CLI opens the store itself; PGlite's data directory is ours until we let it go (README:
      // the audit commands run with the gateway stopped).
      if (store.databaseUrl === undefined) await db.close();
      const env = { PATH: process.env.PATH ?? '', MASH_DATA_DIR: store.dataDir, ...(store.databaseUrl === undefined ? {} : { DATABASE_URL: store.databaseUrl }) };
      const cli = spawnSync(process.execPath, ['src/cli/audit-report.ts', '--from', '2026-03-01', '--to', '2026-04-01'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
      expect(cli.stderr).toBe('');
      expect(cli.status).toBe(0);
      expect(JSON.parse(cli.stdout)).toMatchObject(EXPECTED);
      const cliCsv = spawnSync(process.execPath, ['src/cli/audit-report.ts', '--from', '2026-03-01T00:00:00Z', '--to', '2026-04-01T00:00:00Z', '--format', 'csv'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
      expect(cliCsv.status).toBe(0);
      expect(cliCsv.stdout).toBe(csvText);
      const bad = spawnSync(process.execPath, ['src/cli/audit-report.ts', '--from', 'yesterday'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
      expect(bad.status).toBe(2);
      if (store.databaseUrl === undefined) db = await openStore({ databaseUrl: undefined, dataDir: store.dataDir });
    }, 120_000);
  });
});
