/**
 * The SLA on the working-hours clock, as the hub sees it (DESIGN.md rule 4): due and at-risk times
 * worked out at intake, a referral flagged at risk once 75 % of its working time is used and
 * breached once due, the open-referral list filtered by that standing (`GET /v1/referrals?sla=`)
 * in urgency order, need-to-know applied to every row, and a RAG change moving the clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Connector } from '../../src/model/connector.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { Role } from '../../src/model/principal.ts';
import type { ReprioritiseRequest } from '../../src/model/jobs.ts';
import { upsertConnector } from '../../src/store/connectors.ts';
import { EXAMPLE, startFirewallHarness, type FirewallHarness } from './harness.ts';

interface Entry {
  id: string;
  rag: string;
  externalReference: string | null;
  sla: { dueAt: string; atRiskAt: string; standing: string };
}
interface Page {
  referrals: Entry[];
  next: string | null;
}

const HOUR = 3_600_000;
let harness: FirewallHarness;
let red: string;
let green: string;
/** What the job system was asked to re-prioritise. */
const reprioritised: ReprioritiseRequest[] = [];

async function call(role: Role, method: string, path: string, options: { agency?: Agency; body?: unknown } = {}): Promise<Response> {
  return harness.app.request(path, {
    method,
    headers: { authorization: `Bearer ${await harness.token(role, options.agency)}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
}

async function list(query: string, role: Role = 'hub-manager', agency?: Agency): Promise<Page> {
  const response = await call(role, 'GET', `/v1/referrals${query}`, { agency });
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
}

/** Moves the harness clock to an instant (it only moves forward). */
function setClock(iso: string): void {
  harness.clock.advance(new Date(iso).getTime() - harness.clock.now().getTime());
}

async function submit(rag: 'red' | 'green', reference: string): Promise<string> {
  const response = await call('referral-intake', 'POST', '/v1/referrals', { body: { ...EXAMPLE, rag, externalReference: reference } });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

beforeAll(async () => {
  harness = await startFirewallHarness({
    scheduler: {
      schedule: () => Promise.resolve(),
      reprioritise: (change) => {
        reprioritised.push(change);
        return Promise.resolve();
      },
      ping: () => Promise.resolve(true),
    },
  });
  // A police connector, so police contributes to every referral (its lookups stay queued: no jobs run here).
  await upsertConnector(harness.db, Connector.parse({ id: 'police-sla', agency: 'police', type: 'police-soap', sourceSystem: 'Synthetic RMS', baseUrl: 'http://127.0.0.1:9/soap' }), 'database', harness.clock.now());
  // Monday 23 November 2026, 09:00 GMT: the hub opens.
  setClock('2026-11-23T09:00:00Z');
  green = await submit('green', 'SLA-GREEN');
  red = await submit('red', 'SLA-RED');
});

afterAll(async () => {
  await harness.close();
});

describe('the SLA on the working-hours clock', () => {
  it('lists open referrals soonest due first, each with its due and at-risk times', async () => {
    const page = await list('?sla=on-track');
    expect(page.referrals.map((r) => r.externalReference)).toEqual(['SLA-RED', 'SLA-GREEN']);
    expect(page.referrals[0]?.sla).toEqual({ dueAt: '2026-11-23T13:00:00.000Z', atRiskAt: '2026-11-23T12:00:00.000Z', standing: 'on-track' });
    // Green: 3 working days of 8 hours, Monday to Wednesday; at risk after 18 working hours.
    expect(page.referrals[1]?.sla).toEqual({ dueAt: '2026-11-25T17:00:00.000Z', atRiskAt: '2026-11-25T11:00:00.000Z', standing: 'on-track' });
    expect((await list('?sla=at-risk')).referrals).toEqual([]);
    expect((await list('?sla=breached')).referrals).toEqual([]);
  });

  it('flags a red referral at risk once three quarters of its working time are used, and breached when due', async () => {
    setClock('2026-11-23T12:00:00Z');
    expect((await list('?sla=at-risk')).referrals.map((r) => r.id)).toEqual([red]);
    setClock('2026-11-23T13:00:00Z');
    expect((await list('?sla=at-risk')).referrals).toEqual([]);
    expect((await list('?sla=breached')).referrals.map((r) => r.id)).toEqual([red]);
    const status = (await (await call('hub-manager', 'GET', `/v1/referrals/${red}`)).json()) as { sla: { standing: string } };
    expect(status.sla.standing).toBe('breached');
    expect((await list('?sla=breached&rag=green')).referrals).toEqual([]);
  });

  it('shows each practitioner only the referrals their agency contributed to', async () => {
    expect((await list('?sla=breached', 'hub-practitioner', 'police')).referrals.map((r) => r.id)).toEqual([red]);
    expect((await list('', 'hub-practitioner', 'housing')).referrals).toEqual([]);
    expect((await call('auditor', 'GET', '/v1/referrals')).status).toBe(403);
  });

  it('pages in urgency order with a cursor, and refuses a cursor it did not give', async () => {
    const first = await list('?limit=1');
    expect(first.referrals.map((r) => r.id)).toEqual([red]);
    expect(first.next).not.toBeNull();
    const second = await list(`?limit=1&cursor=${encodeURIComponent(first.next ?? '')}`);
    expect(second.referrals.map((r) => r.id)).toEqual([green]);
    expect(second.next).toBeNull();
    const bad = await call('hub-manager', 'GET', '/v1/referrals?cursor=bm90LWEtY3Vyc29y');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('REQUEST.INVALID');
  });

  it('moves the clock with the rating when the manager changes it', async () => {
    const decided = await call('hub-manager', 'POST', `/v1/referrals/${red}/decision`, { body: { rag: 'green', outcome: 'early-help', rationale: 'Synthetic: risk reassessed after a call with the school.' } });
    expect(decided.status).toBe(200);
    expect((await list('?sla=breached')).referrals).toEqual([]);
    const status = (await (await call('hub-manager', 'GET', `/v1/referrals/${red}`)).json()) as { slaDueAt: string; sla: { standing: string } };
    expect(status.slaDueAt).toBe('2026-11-25T17:00:00.000Z');
    expect(status.sla.standing).toBe('on-track');
    // Its waiting lookups follow the new due time (earliest deadline first): the working time from
    // Monday 13:00 to Wednesday 17:00 — 4 + 8 + 8 working hours — in seconds.
    const lookups = (await (await call('hub-manager', 'GET', `/v1/referrals/${red}`)).json()) as { lookups: { id: string; status: string }[] };
    expect(reprioritised).toEqual([{ referralId: red, lookupIds: lookups.lookups.filter((l) => l.status === 'queued').map((l) => l.id), priority: 20 * 3_600 }]);
    expect(reprioritised[0]?.lookupIds.length).toBeGreaterThan(0);
    expect(harness.clock.now().getTime() - new Date('2026-11-23T09:00:00Z').getTime()).toBe(4 * HOUR);
  });
});
