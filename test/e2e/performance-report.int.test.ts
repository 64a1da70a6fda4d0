/**
 * The performance report through the real process (`node src/main.ts`, embedded store and jobs,
 * agency simulators), over HTTP (governance rec. 13; docs/decisions.md "Performance reports: a
 * cohort of referrals, counted from the store"). Three referrals of the example child are made
 * through the API — by the police, a school and a health visitor (the third notification in a year,
 * from a third agency: a repeat concern) —, the manager lowers one rating and raises another,
 * practitioners release and withhold items, and one product is published. The test counts what
 * the API told it (statuses, lookups, items, decisions, the product) and the report for the day
 * must say the same, in JSON and in CSV.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percentileCont } from '../support/percentile.ts';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import type { Agency } from '../../src/model/agency.ts';
import { makeTempDir } from '../support/tmp.ts';
import { EXAMPLE_REFERRAL, startGatewayOnSimulators, tokenIn, waitForPicture, type GatewayOnSimulators } from './support.ts';

const AGENCIES: readonly Agency[] = ['education', 'health', 'housing', 'police', 'social-care'];
type Rag = 'green' | 'amber' | 'red';

interface Status {
  rag: Rag;
  threshold: string;
  receivedAt: string;
  slaDueAt: string;
  pictureReadyAt: string | null;
  lookups: { agency: string; status: string; startedAt: string | null; finishedAt: string | null }[];
}

const tmp = makeTempDir('mash-e2e-performance-');
let deployment: GatewayOnSimulators | undefined;

beforeAll(async () => {
  deployment = await startGatewayOnSimulators(tmp.dir);
}, 60_000);

afterAll(async () => {
  await deployment?.stop();
  tmp.remove();
});

const percentile = percentileCont;
const seconds = (from: string, to: string): number => (Date.parse(to) - Date.parse(from)) / 1000;

describe('the performance report of a day at the hub', () => {
  it('counts what was done through the API, in JSON and in CSV', async () => {
    if (deployment === undefined) throw new Error('no deployment');
    const { url } = deployment.gateway;
    const as = async (role: 'referral-intake' | 'hub-manager', body?: unknown) => ({ token: await tokenIn(tmp.dir, role), body });
    const practitioner = (agency: Agency): Promise<string> => signToken(loadOrCreateSigningKey(tmp.dir), { sub: `e2e-${agency}`, role: 'hub-practitioner', agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });
    const call = async (token: string, method: string, path: string, body?: unknown): Promise<Response> =>
      fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const intake = (await as('referral-intake')).token;
    const manager = (await as('hub-manager')).token;

    const base = EXAMPLE_REFERRAL as Record<string, unknown> & { concern: Record<string, unknown>; consent: Record<string, unknown> };
    const made: { rag: Rag; threshold: string; referrer: string; consent?: Record<string, unknown> }[] = [
      { rag: 'red', threshold: 'child-protection', referrer: 'Police' },
      { rag: 'amber', threshold: 'child-in-need', referrer: 'School' },
      // Early help with consent, but none specific to health: health is not looked up.
      { rag: 'green', threshold: 'early-help', referrer: 'Health visitor', consent: { obtained: true, givenBy: 'mother', healthSpecific: false } },
    ];
    const ids: string[] = [];
    for (const m of made) {
      const response = await call(intake, 'POST', '/v1/referrals', { ...base, rag: m.rag, threshold: m.threshold, concern: { ...base.concern, referrer: { agency: m.referrer } }, consent: m.consent ?? base.consent });
      expect(response.status).toBe(202);
      const id = ((await response.json()) as { id: string }).id;
      ids.push(id);
      await waitForPicture(url, manager, id, 60_000);
    }
    const [first, second] = ids as [string, string, string];

    // The manager lowers the first rating and raises the second.
    expect((await call(manager, 'POST', `/v1/referrals/${first}/decision`, { rag: 'amber', outcome: 'strategy-discussion', rationale: 'Synthetic.' })).status).toBe(200);
    expect((await call(manager, 'POST', `/v1/referrals/${second}/decision`, { rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic.' })).status).toBe(200);

    // The police and health practitioners decide two of their items in the first referral each: one released, one withheld.
    const decided = new Map<string, { released: number; withheld: number }>();
    for (const agency of ['police', 'health'] as const) {
      const token = await practitioner(agency);
      for (const id of [first]) {
        const picture = await call(token, 'GET', `/v1/referrals/${id}/picture`);
        expect(picture.status).toBe(200);
        const own = ((await picture.json()) as { items: { itemId: string; agency: string }[] }).items.filter((i) => i.agency === agency);
        const [toRelease, toWithhold] = own;
        const tally = { released: 0, withheld: 0 };
        if (toRelease !== undefined) {
          expect((await call(token, 'PUT', `/v1/referrals/${id}/items/${toRelease.itemId}/release`, { decision: 'release', rationale: 'Synthetic.' })).status).toBe(200);
          tally.released += 1;
        }
        if (toWithhold !== undefined) {
          expect((await call(token, 'PUT', `/v1/referrals/${id}/items/${toWithhold.itemId}/release`, { decision: 'withhold', rationale: 'Synthetic.', signpost: { contact: 'MASH desk' } })).status).toBe(200);
          tally.withheld += 1;
        }
        decided.set(agency, tally);
      }
    }
    const published = await call(manager, 'POST', `/v1/referrals/${first}/products`, { withholdUndecided: { rationale: 'Synthetic.' } });
    expect(published.status).toBe(201);
    const product = await call(manager, 'GET', `/v1/products/${((await published.json()) as { productId: string }).productId}`);
    const publishedAt = ((await product.json()) as { publishedAt: string }).publishedAt;

    const statuses: Status[] = [];
    for (const id of ids) statuses.push((await (await call(manager, 'GET', `/v1/referrals/${id}`)).json()) as Status);
    const now = Date.now();
    const day = new Date(now - 86_400_000).toISOString().slice(0, 10);
    const after = new Date(now + 86_400_000).toISOString().slice(0, 10);

    const response = await call(manager, 'GET', `/v1/reports/performance?from=${day}&to=${after}`);
    expect(response.status).toBe(200);
    const report = (await response.json()) as {
      referrals: { total: number; byRagAndThreshold: { rag: string; threshold: string; count: number }[] };
      timeliness: Record<'picture' | 'product', { met: number; breached: number; pending: number; seconds: { count: number; p50: number; p90: number; p95: number } }>;
      agencies: { agency: string; lookups: number; done: number; partial: number; failed: number; timedOut: number; notPermitted: number; responseSeconds: { count: number; p50: number; p95: number } }[];
      releaseDecisions: { agency: string; decided: number; released: number; withheld: number; redacted: number; decisionSeconds: { count: number } }[];
      ragChanges: { escalations: number; deescalations: number; unchanged: number };
      repeatConcerns: { flagged: number; linked: number; byReferrerAgency: { agency: string; flagged: number }[] };
    };

    expect(report.referrals.total).toBe(3);
    expect(report.referrals.byRagAndThreshold).toEqual(
      statuses.map((s) => ({ rag: s.rag, threshold: s.threshold, count: 1 })).sort((a, b) => (a.rag + a.threshold < b.rag + b.threshold ? -1 : 1)),
    );
    // Every picture came within seconds, long before any due time; one product, published now.
    const pictureSeconds = statuses.map((s) => seconds(s.receivedAt, s.pictureReadyAt ?? ''));
    expect(report.timeliness.picture).toMatchObject({ met: 3, breached: 0, pending: 0 });
    expect(report.timeliness.picture.seconds.count).toBe(3);
    expect(report.timeliness.picture.seconds.p50).toBeCloseTo(percentile(pictureSeconds, 0.5) ?? Number.NaN, 2);
    expect(report.timeliness.picture.seconds.p95).toBeCloseTo(percentile(pictureSeconds, 0.95) ?? Number.NaN, 2);
    expect(report.timeliness.product).toMatchObject({ met: 1, breached: 0, pending: 2 });
    expect(report.timeliness.product.seconds.p50).toBeCloseTo(seconds(statuses[0]?.receivedAt ?? '', publishedAt), 2);

    for (const agency of AGENCIES) {
      const lookups = statuses.flatMap((s) => s.lookups.filter((l) => l.agency === agency));
      const row = report.agencies.find((a) => a.agency === agency);
      const n = (status: string): number => lookups.filter((l) => l.status === status).length;
      expect(row, agency).toMatchObject({ lookups: lookups.length, done: n('done'), partial: n('partial'), failed: n('failed'), timedOut: n('timed-out'), notPermitted: n('not-permitted') });
      const timed = lookups.filter((l) => ['done', 'partial', 'failed', 'timed-out'].includes(l.status) && l.startedAt !== null && l.finishedAt !== null).map((l) => seconds(l.startedAt ?? '', l.finishedAt ?? ''));
      expect(row?.responseSeconds.count).toBe(timed.length);
      expect(row?.responseSeconds.p50).toBeCloseTo(percentile(timed, 0.5) ?? Number.NaN, 2);
      expect(row?.responseSeconds.p95).toBeCloseTo(percentile(timed, 0.95) ?? Number.NaN, 2);
    }
    // Health was not looked up for the early-help referral: the gate refused it.
    expect(report.agencies.find((a) => a.agency === 'health')?.notPermitted).toBeGreaterThan(0);

    // Only the items owners decided on count (the default withholding at publication is the product's, not a decision).
    expect(report.releaseDecisions.map((a) => ({ agency: a.agency, decided: a.decided, released: a.released, redacted: a.redacted, withheld: a.withheld }))).toEqual(
      [...decided].filter(([, d]) => d.released + d.withheld > 0).sort(([a], [b]) => a.localeCompare(b)).map(([agency, d]) => ({ agency, decided: d.released + d.withheld, released: d.released, redacted: 0, withheld: d.withheld })),
    );
    expect(report.releaseDecisions.every((a) => a.decisionSeconds.count === a.decided)).toBe(true);
    expect(report.ragChanges).toEqual({ escalations: 1, deescalations: 1, unchanged: 0 });
    // The third referral of the child in a year, from a third agency.
    expect(report.repeatConcerns).toMatchObject({ flagged: 1, linked: 3, byReferrerAgency: [{ agency: 'health', flagged: 1 }] });

    // The same numbers in CSV.
    const csv = await call(manager, 'GET', `/v1/reports/performance?from=${day}&to=${after}&format=csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = parse<{ section: string; measure: string; dimension: string; value: string }>(await csv.text(), { columns: true });
    const value = (section: string, measure: string, dimension = ''): string | undefined => rows.find((r) => r.section === section && r.measure === measure && r.dimension === dimension)?.value;
    expect(value('referrals', 'total')).toBe('3');
    expect([value('timeliness', 'product.met'), value('timeliness', 'product.pending')]).toEqual(['1', '2']);
    for (const a of report.agencies) expect(value('agencies', 'lookups', `agency=${a.agency}`)).toBe(String(a.lookups));
    for (const a of report.releaseDecisions) expect(value('releaseDecisions', 'withheld', `agency=${a.agency}`)).toBe(String(a.withheld));
    expect([value('ragChanges', 'escalations'), value('ragChanges', 'deescalations'), value('repeatConcerns', 'flagged')]).toEqual(['1', '1', '1']);
  }, 240_000);
});
