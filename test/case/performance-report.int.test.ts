/**
 * The performance report (governance rec. 13; docs/decisions.md "Performance reports: a cohort of
 * referrals, counted from the store") over a seeded store with volume, on both stores, through
 * the app: a year of synthetic referrals, with referrals before and after the period, is written
 * row by row from a seeded generator; the test counts what it wrote — per RAG and threshold, SLA
 * met and breached, percentiles (linear interpolation, as PostgreSQL's percentile_cont), lookups
 * per agency, current release decisions, RAG changes, repeat concerns — and the report must say
 * exactly that, in JSON and in CSV. Bad periods get problem documents.
 */
import { randomUUID } from 'node:crypto';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { percentileCont } from '../support/percentile.ts';
import { STORE_KINDS } from '../support/stores.ts';
import { startFirewallHarness, type FirewallHarness } from './harness.ts';

const FROM = new Date('2025-06-01T00:00:00Z');
const TO = new Date('2026-06-01T00:00:00Z');
const NOW = new Date('2026-11-21T09:00:00Z'); // the harness's clock
const PENDING_DUE = new Date('2027-01-04T09:00:00Z');
const AGENCIES = ['education', 'health', 'housing', 'police', 'social-care'] as const;
const RAGS = ['green', 'amber', 'red'] as const;
const THRESHOLDS = ['child-protection', 'child-in-need', 'early-help'] as const;
const LOOKUP_STATUSES = ['done', 'done', 'done', 'partial', 'failed', 'timed-out', 'not-permitted', 'queued'] as const;
const DECISIONS = ['release', 'redact', 'withhold'] as const;
const HOUR = 3_600_000;

/** A small seeded generator (mulberry32): the same store every run. */
function generator(seed: number): { next(): number; int(n: number): number; pick<T>(values: readonly T[]): T } {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { next, int, pick: <T>(values: readonly T[]): T => values[int(values.length)] as T };
}

const percentile = percentileCont;
const percentiles = (values: readonly number[]) => ({ count: values.length, p50: percentile(values, 0.5), p90: percentile(values, 0.9), p95: percentile(values, 0.95) });

interface SeededReferral {
  id: string;
  rag: (typeof RAGS)[number];
  threshold: (typeof THRESHOLDS)[number];
  receivedAt: Date;
  dueAt: Date;
  pictureAt: Date | null;
  publishedAt: Date[];
  referrer: string | null;
  child: number | null;
  lookups: { agency: string; status: (typeof LOOKUP_STATUSES)[number]; seconds: number | null }[];
  items: { agency: string; arrivedAt: Date; decisions: { decision: (typeof DECISIONS)[number]; at: Date }[] }[];
  ragDecisions: { rag: string; previous: string }[];
}

/** The day `n` days after `start` at a set hour; days 1–28 of a month only, so "12 months before" is the same date in SQL and here. */
function receivedOn(g: ReturnType<typeof generator>, year: number, month: number): Date {
  return new Date(Date.UTC(year, month, 1 + g.int(28), 8 + g.int(9), g.int(60)));
}

function seedData(): SeededReferral[] {
  const g = generator(20261205);
  const referrals: SeededReferral[] = [];
  const months: [number, number][] = [];
  for (let m = 0; m < 18; m += 1) months.push([2025 + Math.floor((2 + m) / 12), (2 + m) % 12]); // March 2025 to August 2026
  for (const [year, month] of months) {
    for (let n = 0; n < 3; n += 1) {
      const receivedAt = receivedOn(g, year, month);
      const rag = g.pick(RAGS);
      const pending = g.next() < 0.1;
      const dueAt = pending ? PENDING_DUE : new Date(receivedAt.getTime() + (rag === 'red' ? 4 : rag === 'amber' ? 24 : 72) * HOUR);
      const pictureAt = pending || g.next() < 0.1 ? null : new Date(receivedAt.getTime() + (1 + g.int(100)) * 60_000 + g.int(1000));
      const publishedAt = pictureAt === null || g.next() < 0.2 ? [] : [new Date(pictureAt.getTime() + g.int(96) * HOUR), new Date(pictureAt.getTime() + 200 * HOUR)].slice(0, 1 + g.int(2));
      const previousRags = [rag, ...Array.from({ length: g.int(3) }, () => g.pick(RAGS))];
      referrals.push({
        id: randomUUID(),
        rag: previousRags.at(-1) ?? rag,
        threshold: g.pick(THRESHOLDS),
        receivedAt,
        dueAt,
        pictureAt,
        publishedAt,
        referrer: g.next() < 0.1 ? null : g.pick(AGENCIES),
        child: g.next() < 0.2 ? null : g.int(4),
        lookups: AGENCIES.map((agency) => {
          const status = g.pick(LOOKUP_STATUSES);
          return { agency, status, seconds: status === 'queued' || status === 'not-permitted' ? null : 0.2 + g.int(30_000) / 1000 };
        }),
        items: Array.from({ length: g.int(4) }, () => {
          const arrivedAt = new Date(receivedAt.getTime() + g.int(3600) * 1000);
          let at = arrivedAt.getTime();
          return { agency: g.pick(AGENCIES), arrivedAt, decisions: Array.from({ length: g.int(3) }, () => ({ decision: g.pick(DECISIONS), at: new Date((at += (1 + g.int(7200)) * 1000)) })) };
        }),
        ragDecisions: previousRags.slice(1).map((r, n) => ({ rag: r, previous: previousRags[n] ?? rag })),
      });
    }
  }
  return referrals;
}

async function seed(harness: FirewallHarness, referrals: readonly SeededReferral[]): Promise<void> {
  const { db } = harness;
  const persons = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  for (const person of persons) await db.query('INSERT INTO hub_persons (id, created_at) VALUES ($1, $2)', [person, FROM]);
  for (const r of referrals) {
    await db.query(
      `INSERT INTO referrals (id, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, picture_ready_at, submitted_by, sealed_body, referrer_agency, child_refs)
       VALUES ($1, $2, $3, $4, $5, $6, $6, $7, 'seed', '\\x00'::bytea, $8, '{child-1}')`,
      [r.id, r.pictureAt === null ? 'researching' : 'picture-ready', r.rag, r.threshold, r.receivedAt, r.dueAt, r.pictureAt, r.referrer],
    );
    for (const [n, l] of r.lookups.entries()) {
      const startedAt = l.status === 'queued' || l.status === 'not-permitted' ? null : new Date(r.receivedAt.getTime() + 1000);
      const finishedAt = startedAt === null || l.seconds === null ? null : new Date(startedAt.getTime() + Math.round(l.seconds * 1000));
      await db.query(`INSERT INTO lookups (id, referral_id, connector_id, agency, subject_ref, status, started_at, finished_at) VALUES ($1, $2, $3, $3, 'child-1', $4, $5, $6)`, [
        `lkp-${r.id}-${n}`,
        r.id,
        l.agency,
        l.status,
        startedAt,
        finishedAt,
      ]);
    }
    for (const [n, item] of r.items.entries()) {
      const factId = `fact-${r.id}-${n}`;
      const lookupId = `lkp-${r.id}-${AGENCIES.indexOf(item.agency as (typeof AGENCIES)[number])}`;
      await db.query(`INSERT INTO facts (id, referral_id, lookup_id, agency, kind, person_ref, sensitivity, sealed, created_at) VALUES ($1, $2, $3, $4, 'event', 'Record/1', 'open', '\\x00'::bytea, $5)`, [
        factId,
        r.id,
        lookupId,
        item.agency,
        item.arrivedAt,
      ]);
      for (const [revision, d] of item.decisions.entries()) {
        await db.query(
          `INSERT INTO release_decision_revisions (fact_id, revision, referral_id, agency, decision, sealed_detail, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, '\\x00'::bytea, 'seed', $6)`,
          [factId, revision + 1, r.id, item.agency, d.decision, d.at],
        );
      }
    }
    for (const [n, at] of r.publishedAt.entries()) {
      await db.query(`INSERT INTO products (product_id, referral_id, version, content_hash, sealed_document, published_at, published_by) VALUES ($1, $2, $3, 'h', '\\x00'::bytea, $4, 'seed')`, [`prd-${r.id}`, r.id, n + 1, at]);
    }
    for (const d of r.ragDecisions) {
      await db.query(`INSERT INTO audit_log (at, actor, action, referral_id, detail) VALUES ($1, 'seed', 'referral.decided', $2, $3)`, [r.receivedAt, r.id, JSON.stringify({ rag: d.rag, previousRag: d.previous, revision: 1 })]);
    }
    if (r.child !== null) {
      const record = await db.query<{ id: string }>(
        `INSERT INTO person_index_records (record_key, first_referral_id, sealed_record, key_digests, created_at) VALUES ($1, $2, '\\x00'::bytea, '{}', $3) RETURNING id::text AS id`,
        [`health:gp:${r.id}`, r.id, r.receivedAt],
      );
      const recordId = record[0]?.id ?? '';
      await db.query(`INSERT INTO person_links (record_id, hub_person_id, outcome, linked_at) VALUES ($1::bigint, $2, 'match', $3)`, [recordId, persons[r.child] ?? '', r.receivedAt]);
      await db.query(`INSERT INTO person_index_sightings (record_id, referral_id, seen_at, subject_ref) VALUES ($1::bigint, $2, $3, 'child-1')`, [recordId, r.id, r.receivedAt]);
    }
  }
}

/** What the report must say, counted from the seeded rows alone. */
function expected(all: readonly SeededReferral[]) {
  const cohort = all.filter((r) => r.receivedAt >= FROM && r.receivedAt < TO);
  const byRag = new Map<string, number>();
  for (const r of cohort) byRag.set(`${r.rag}|${r.threshold}`, (byRag.get(`${r.rag}|${r.threshold}`) ?? 0) + 1);
  const stage = (at: (r: SeededReferral) => Date | null) => ({
    met: cohort.filter((r) => at(r) !== null && (at(r) as Date) <= r.dueAt).length,
    breached: cohort.filter((r) => { const t = at(r); return t === null ? r.dueAt <= NOW : t > r.dueAt; }).length,
    pending: cohort.filter((r) => at(r) === null && r.dueAt > NOW).length,
    seconds: percentiles(cohort.flatMap((r) => { const t = at(r); return t === null ? [] : [(t.getTime() - r.receivedAt.getTime()) / 1000]; })),
  });
  const firstProduct = (r: SeededReferral): Date | null => (r.publishedAt.length === 0 ? null : new Date(Math.min(...r.publishedAt.map((d) => d.getTime()))));
  const agencies = AGENCIES.map((agency) => {
    const ls = cohort.flatMap((r) => r.lookups.filter((l) => l.agency === agency));
    const n = (s: string) => ls.filter((l) => l.status === s).length;
    const finished = n('done') + n('partial') + n('failed') + n('timed-out');
    return {
      agency, lookups: ls.length, done: n('done'), partial: n('partial'), failed: n('failed'), timedOut: n('timed-out'), notPermitted: n('not-permitted'), unfinished: n('queued') + n('running'),
      failureRate: finished === 0 ? null : (n('failed') + n('timed-out')) / finished,
      partialRate: finished === 0 ? null : n('partial') / finished,
      responseSeconds: percentiles(ls.flatMap((l) => (l.seconds === null ? [] : [l.seconds]))),
    };
  });
  const releaseDecisions = AGENCIES.map((agency) => {
    const items = cohort.flatMap((r) => r.items.filter((i) => i.agency === agency && i.decisions.length > 0));
    const current = (d: string) => items.filter((i) => i.decisions.at(-1)?.decision === d).length;
    return {
      agency, decided: items.length, released: current('release'), redacted: current('redact'), withheld: current('withhold'),
      decisionSeconds: percentiles(items.flatMap((i) => { const first = i.decisions[0]; return first === undefined ? [] : [(first.at.getTime() - i.arrivedAt.getTime()) / 1000]; })),
    };
  }).filter((a) => a.decided > 0);
  const rank = (rag: string) => RAGS.indexOf(rag as (typeof RAGS)[number]);
  const changes = cohort.flatMap((r) => r.ragDecisions);
  // Repeat concerns: the child's referrals in the twelve months up to each one, from two agencies.
  let flagged = 0;
  const flaggedBy = new Map<string, number>();
  for (const r of cohort.filter((c) => c.child !== null)) {
    const start = new Date(r.receivedAt);
    start.setUTCMonth(start.getUTCMonth() - 12);
    const notes = all.filter((o) => o.child === r.child && o.receivedAt >= start && o.receivedAt <= r.receivedAt);
    const agencies = new Set(notes.flatMap((o) => (o.referrer === null ? [] : [o.referrer])));
    if (notes.length >= 3 && agencies.size >= 2) {
      flagged += 1;
      flaggedBy.set(r.referrer ?? 'none', (flaggedBy.get(r.referrer ?? 'none') ?? 0) + 1);
    }
  }
  return {
    period: { from: FROM.toISOString(), to: TO.toISOString() },
    generatedAt: NOW.toISOString(),
    referrals: { total: cohort.length, byRagAndThreshold: [...byRag].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, count]) => ({ rag: key.split('|')[0], threshold: key.split('|')[1], count })) },
    timeliness: { picture: stage((r) => r.pictureAt), product: stage(firstProduct) },
    agencies,
    releaseDecisions,
    ragChanges: {
      escalations: changes.filter((c) => rank(c.rag) > rank(c.previous)).length,
      deescalations: changes.filter((c) => rank(c.rag) < rank(c.previous)).length,
      unchanged: changes.filter((c) => rank(c.rag) === rank(c.previous)).length,
    },
    repeatConcerns: {
      rule: { minNotifications: 3, minAgencies: 2, windowMonths: 12 },
      flagged,
      linked: cohort.filter((r) => r.child !== null).length,
      byReferrerAgency: [...flaggedBy].sort(([a], [b]) => a.localeCompare(b)).map(([agency, count]) => ({ agency, flagged: count })),
    },
  };
}

describe.each(STORE_KINDS)('the performance report on $name', (kind) => {
  let harness: FirewallHarness;
  let manager: string;
  const seeded = seedData();

  beforeAll(async () => {
    harness = await startFirewallHarness({ store: kind });
    await seed(harness, seeded);
    manager = await harness.token('hub-manager');
  }, 120_000);
  afterAll(async () => {
    await harness.close();
  });

  const get = (query: string, headers: Record<string, string> = {}) => harness.app.request(`/v1/reports/performance?${query}`, { headers: { authorization: `Bearer ${manager}`, ...headers } });

  it('says, in JSON, exactly what the test counted in the rows it wrote', async () => {
    const want = expected(seeded);
    // The seed exercises every branch: some flagged, some pending, escalations and de-escalations.
    expect(want.repeatConcerns.flagged).toBeGreaterThan(0);
    expect(want.timeliness.picture.pending).toBeGreaterThan(0);
    expect(want.ragChanges.escalations * want.ragChanges.deescalations).toBeGreaterThan(0);
    const response = await get('from=2025-06-01&to=2026-06-01T00:00:00Z');
    expect(response.status).toBe(200);
    const report = (await response.json()) as ReturnType<typeof expected>;
    const close = (value: unknown): unknown =>
      typeof value === 'number' && !Number.isInteger(value) ? expect.closeTo(value, 6) : Array.isArray(value) ? value.map(close) : value !== null && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, close(v)])) : value;
    expect(report).toEqual(close(want));
  });

  it('says the same in CSV, asked by Accept or by format', async () => {
    const want = expected(seeded);
    const byAccept = await get('from=2025-06-01&to=2026-06-01', { accept: 'text/csv' });
    const byFormat = await get('from=2025-06-01&to=2026-06-01&format=csv');
    expect(byAccept.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await byAccept.text();
    expect(await byFormat.text()).toBe(text);
    const rows = parse<{ section: string; measure: string; dimension: string; value: string }>(text, { columns: true });
    const value = (section: string, measure: string, dimension = ''): string | undefined => rows.find((r) => r.section === section && r.measure === measure && r.dimension === dimension)?.value;
    expect(value('referrals', 'total')).toBe(String(want.referrals.total));
    for (const r of want.referrals.byRagAndThreshold) expect(value('referrals', 'count', `rag=${r.rag};threshold=${r.threshold}`)).toBe(String(r.count));
    for (const stage of ['picture', 'product'] as const) {
      const t = want.timeliness[stage];
      expect([value('timeliness', `${stage}.met`), value('timeliness', `${stage}.breached`), value('timeliness', `${stage}.pending`)]).toEqual([String(t.met), String(t.breached), String(t.pending)]);
      expect(Number(value('timeliness', `${stage}.seconds.p90`))).toBeCloseTo(t.seconds.p90 ?? Number.NaN, 6);
    }
    for (const a of want.agencies) {
      const d = `agency=${a.agency}`;
      expect([value('agencies', 'lookups', d), value('agencies', 'failed', d), value('agencies', 'timedOut', d), value('agencies', 'partial', d)]).toEqual([String(a.lookups), String(a.failed), String(a.timedOut), String(a.partial)]);
      expect(Number(value('agencies', 'failureRate', d))).toBeCloseTo(a.failureRate ?? Number.NaN, 9);
      expect(Number(value('agencies', 'responseSeconds.p95', d))).toBeCloseTo(a.responseSeconds.p95 ?? Number.NaN, 6);
    }
    for (const a of want.releaseDecisions) {
      const d = `agency=${a.agency}`;
      expect([value('releaseDecisions', 'released', d), value('releaseDecisions', 'redacted', d), value('releaseDecisions', 'withheld', d)]).toEqual([String(a.released), String(a.redacted), String(a.withheld)]);
    }
    expect([value('ragChanges', 'escalations'), value('ragChanges', 'deescalations')]).toEqual([String(want.ragChanges.escalations), String(want.ragChanges.deescalations)]);
    expect(value('repeatConcerns', 'flagged')).toBe(String(want.repeatConcerns.flagged));
  });

  it('refuses a period that is not one, with a problem document', async () => {
    for (const query of ['from=2026-06-01&to=2026-01-01', 'from=2025-01-01&to=2026-06-01', 'from=yesterday&to=2026-01-01', 'from=2026-02-30&to=2026-03-02', 'to=2026-01-01', 'from=2026-01-01&to=2026-02-01&format=xml']) {
      const response = await get(query);
      expect(response.status, query).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(((await response.json()) as { code: string }).code).toBe('REQUEST.INVALID');
    }
    const practitioner = await harness.token('hub-practitioner', 'police');
    expect((await harness.app.request('/v1/reports/performance?from=2026-01-01&to=2026-02-01', { headers: { authorization: `Bearer ${practitioner}` } })).status).toBe(403);
  });
});
