/**
 * The figures monitoring reads from the store at scrape time (src/store/metrics-figures.ts), on
 * both stores: open referrals by RAG and status (closed ones left out), the SLA standings the
 * referral list uses (at risk from `sla_at_risk_at`, breached from `sla_due_at`), and the audit
 * head lag — entries committed but not yet chained, until the sealer chains them.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRow } from '../../src/audit/log.ts';
import { sealAll } from '../../src/audit/seal.ts';
import type { Rag } from '../../src/model/referral.ts';
import type { Db } from '../../src/store/db.ts';
import { readStoreFigures } from '../../src/store/metrics-figures.ts';
import { insertReferral } from '../../src/store/referrals.ts';
import { createVault } from '../../src/store/vault.ts';
import { EXAMPLE } from '../case/harness.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';

const HOUR = 3_600_000;
const T0 = new Date('2026-11-23T09:00:00Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

describe.each(STORE_KINDS)('store figures for metrics — $name', (kind) => {
  let store: Awaited<ReturnType<typeof openTestStore>>;
  let db: Db;

  beforeAll(async () => {
    store = await openTestStore(kind);
    db = store.db;
    const vault = createVault(randomBytes(32));
    const seed = async (rag: Rag, atRiskMs: number, dueMs: number): Promise<string> => {
      const id = randomUUID();
      const audit = [auditRow({ at: at(0), actor: 'seed', action: 'referral.received', referralId: id })];
      await insertReferral(db, vault, { id, idempotencyKey: null, input: { ...EXAMPLE, rag }, receivedAt: at(0), slaAtRiskAt: at(atRiskMs), slaDueAt: at(dueMs), submittedBy: 'seed', lookups: [] }, audit);
      return id;
    };
    await seed('red', 3 * HOUR, 4 * HOUR);
    await seed('green', 24 * HOUR, 72 * HOUR);
    const closed = await seed('amber', 6 * HOUR, 8 * HOUR);
    await db.query('UPDATE referrals SET closed_at = $2 WHERE id = $1', [closed, at(HOUR)]);
  }, 60_000);

  afterAll(async () => {
    await store.close();
  });

  it('counts open referrals by RAG and status, closed ones left out', async () => {
    const figures = await readStoreFigures(db, at(HOUR));
    expect([...figures.referrals].sort((a, b) => a.rag.localeCompare(b.rag))).toEqual([
      { rag: 'green', status: 'received', count: 1 },
      { rag: 'red', status: 'received', count: 1 },
    ]);
  });

  it('counts referrals at risk of and past their SLA as the clock moves', async () => {
    expect((await readStoreFigures(db, at(HOUR))).sla).toEqual({ atRisk: 0, breached: 0 });
    expect((await readStoreFigures(db, at(3.5 * HOUR))).sla).toEqual({ atRisk: 1, breached: 0 });
    expect((await readStoreFigures(db, at(5 * HOUR))).sla).toEqual({ atRisk: 0, breached: 1 });
    expect((await readStoreFigures(db, at(48 * HOUR))).sla).toEqual({ atRisk: 1, breached: 1 });
    expect((await readStoreFigures(db, at(100 * HOUR))).sla).toEqual({ atRisk: 0, breached: 2 });
  });

  it('counts audit entries not yet chained, with the oldest one’s time, until they are sealed', async () => {
    const before = await readStoreFigures(db, at(HOUR));
    // One per referral, the closed one's too: the trail is the hub's, not the open cases'.
    expect(before.audit.unchained).toBe(3);
    expect(before.audit.oldestUnchainedAt?.toISOString()).toBe(T0.toISOString());
    await sealAll(db);
    expect((await readStoreFigures(db, at(HOUR))).audit).toEqual({ unchained: 0, oldestUnchainedAt: null });
  });
});
