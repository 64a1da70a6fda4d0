/**
 * The confidential record keeps every revision of a decision (governance model: the full record of
 * what was exchanged and what was redacted; every decision and its rationale retained). An owner
 * withholds, then redacts, then releases an item: all three revisions — decision, redactions,
 * rationale, signpost, who and when — stay sealed in the store, the current decision is the
 * latest, and each revision's audit entry says what changed (fields redacted, hashes, revision).
 * The owning practitioner and the auditor read the history through the API; no one else does.
 * The manager's decision keeps its revisions too. Rows written before migration 007 are carried
 * over and still open; on PostgreSQL, concurrent decisions on one item number their revisions
 * one after the other.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealAll } from '../../src/audit/seal.ts';
import { scanAudit } from '../../src/audit/search.ts';
import { sha256Hex, stableId } from '../../src/lib/ids.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { Fact } from '../../src/model/fact.ts';
import type { Role } from '../../src/model/principal.ts';
import { lookupIdFor } from '../../src/research/plan.ts';
import { getManagerDecision, listItems, managerDecisionRevisions, releaseRevisions } from '../../src/store/items.ts';
import { listMigrations, migrate } from '../../src/store/migrate.ts';
import { openPglite } from '../../src/store/pglite.ts';
import { recordLookupOutcome } from '../../src/case/arrival.ts';
import { insertReferral } from '../../src/store/referrals.ts';
import { createVault } from '../../src/store/vault.ts';
import { createFeedbackNotifier } from '../../src/host/feedback.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { Connector } from '../../src/model/connector.ts';
import { upsertConnector } from '../../src/store/connectors.ts';
import { startFeedbackSink } from '../../simulators/feedback.ts';
import { outboxPasses } from '../support/outbox.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { makeTempDir } from '../support/tmp.ts';
import { EXAMPLE, startFirewallHarness, type FirewallHarness } from './harness.ts';

const REVISIONS = [
  { decision: 'withhold', rationale: 'Synthetic: source protection while the enquiry runs.', signpost: { contact: 'MASH police desk' } },
  { decision: 'redact', rationale: 'Synthetic: the officer may now be named, not the informant.', redactions: [{ field: 'detail', replacement: 'Informant details withheld by police.' }] },
  { decision: 'release', rationale: 'Synthetic: the enquiry has closed; release in full.' },
] as const;

interface RevisionView {
  revision: number;
  decision: string;
  rationale: string;
  redactions: { field: string; replacement: string }[];
  signpost: { contact: string } | null;
  decidedBy: string;
  decidedAt: string;
  current: boolean;
}

async function call(harness: FirewallHarness, who: { role: Role; agency?: Agency }, method: string, path: string, body?: unknown): Promise<Response> {
  return harness.app.request(path, {
    method,
    headers: { authorization: `Bearer ${await harness.token(who.role, who.agency)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

const police = { role: 'hub-practitioner', agency: 'police' } as const;

describe('release and manager decisions keep every revision (PGlite, through the app)', () => {
  let harness: FirewallHarness;
  let referralId: string;
  let itemId: string;

  beforeAll(async () => {
    harness = await startFirewallHarness();
    const seeded = await harness.seedReferral(['health', 'police']);
    referralId = seeded.referralId;
    itemId = seeded.items.find((i) => i.agency === 'police' && i.sensitivity === 'restricted')?.id ?? '';
    for (const [n, body] of REVISIONS.entries()) {
      harness.clock.advance(60_000);
      const response = await call(harness, police, 'PUT', `/v1/referrals/${referralId}/items/${itemId}/release`, body);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ revision: n + 1, decision: body.decision });
    }
  }, 60_000);

  afterAll(async () => {
    await harness.close();
  });

  it('keeps each revision, sealed, with its decision, redactions, rationale, signpost, who and when; the latest is current', async () => {
    const revisions = await releaseRevisions(harness.db, harness.vault, referralId, itemId);
    expect(revisions.map((r) => ({ revision: r.revision, decision: r.decision, rationale: r.rationale, redactions: r.redactions, signpostContact: r.signpostContact, decidedBy: r.decidedBy }))).toEqual([
      { revision: 1, decision: 'withhold', rationale: REVISIONS[0].rationale, redactions: [], signpostContact: 'MASH police desk', decidedBy: 'test-hub-practitioner-police' },
      { revision: 2, decision: 'redact', rationale: REVISIONS[1].rationale, redactions: REVISIONS[1].redactions, signpostContact: undefined, decidedBy: 'test-hub-practitioner-police' },
      { revision: 3, decision: 'release', rationale: REVISIONS[2].rationale, redactions: [], signpostContact: undefined, decidedBy: 'test-hub-practitioner-police' },
    ]);
    expect(new Set(revisions.map((r) => r.decidedAt)).size).toBe(3);
    const [item] = await listItems(harness.db, harness.vault, referralId, { itemId });
    expect(item?.release).toEqual(revisions[2]);

    // At rest, no revision's text is readable.
    const rows = await harness.db.query<{ sealed_detail: Uint8Array }>('SELECT sealed_detail FROM release_decision_revisions WHERE fact_id = $1 ORDER BY revision', [itemId]);
    expect(rows).toHaveLength(3);
    const bytes = Buffer.concat(rows.map((r) => Buffer.from(r.sealed_detail)));
    for (const text of [...REVISIONS.map((r) => r.rationale), 'MASH police desk', 'Informant details']) expect(bytes.includes(Buffer.from(text))).toBe(false);
  });

  it('writes an audit entry per revision saying what changed: fields redacted, hashes of the text, revision', async () => {
    await sealAll(harness.db);
    const details: Record<string, unknown>[] = [];
    for await (const batch of scanAudit(harness.db, { referralId, actions: ['item.release-decided'] })) {
      for (const entry of batch) if (entry.subject === itemId) details.push(JSON.parse(entry.detail) as Record<string, unknown>);
    }
    expect(details).toEqual([
      {
        decision: 'withhold',
        revision: 1,
        previousRevision: null,
        previousDecision: null,
        changed: ['decision', 'rationale', 'signpost'],
        redactedFields: [],
        previousRedactedFields: null,
        rationaleSha256: sha256Hex(REVISIONS[0].rationale),
        redactionsSha256: null,
        signpostSha256: sha256Hex('MASH police desk'),
      },
      {
        decision: 'redact',
        revision: 2,
        previousRevision: 1,
        previousDecision: 'withhold',
        changed: ['decision', 'redactions', 'rationale', 'signpost'],
        redactedFields: ['detail'],
        previousRedactedFields: [],
        rationaleSha256: sha256Hex(REVISIONS[1].rationale),
        redactionsSha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown,
        signpostSha256: null,
      },
      {
        decision: 'release',
        revision: 3,
        previousRevision: 2,
        previousDecision: 'redact',
        changed: ['decision', 'redactions', 'rationale'],
        redactedFields: [],
        previousRedactedFields: ['detail'],
        rationaleSha256: sha256Hex(REVISIONS[2].rationale),
        redactionsSha256: null,
        signpostSha256: null,
      },
    ]);
  });

  it('shows the history to the owning practitioner and the auditor, each read audited', async () => {
    for (const who of [police, { role: 'auditor' as const }]) {
      const response = await call(harness, who, 'GET', `/v1/referrals/${referralId}/items/${itemId}/release/revisions`);
      expect(response.status, who.role).toBe(200);
      const body = (await response.json()) as { itemId: string; agency: string; revisions: RevisionView[] };
      expect(body.agency).toBe('police');
      expect(body.revisions.map((r) => [r.revision, r.decision, r.rationale, r.current])).toEqual(REVISIONS.map((r, n) => [n + 1, r.decision, r.rationale, n === 2]));
      expect(body.revisions[0]?.signpost).toEqual({ contact: 'MASH police desk' });
      expect(body.revisions[1]?.redactions).toEqual(REVISIONS[1].redactions);
    }
    await sealAll(harness.db);
    const views: string[] = [];
    for await (const batch of scanAudit(harness.db, { referralId, actions: ['item.history-viewed'] })) for (const entry of batch) views.push(entry.actor);
    expect(views.sort()).toEqual(['test-auditor', 'test-hub-practitioner-police']);
  });

  it('keeps the history from everyone else', async () => {
    for (const who of [{ role: 'hub-practitioner', agency: 'health' }, { role: 'hub-manager' }, { role: 'host-system' }, { role: 'connector-admin', agency: 'police' }, { role: 'referral-intake' }] as const) {
      const response = await call(harness, who, 'GET', `/v1/referrals/${referralId}/items/${itemId}/release/revisions`);
      expect(response.status, who.role).toBe(403);
      expect(((await response.json()) as { code: string }).code).toBe('FIREWALL.DENIED');
    }
    const unknown = await call(harness, police, 'GET', `/v1/referrals/${referralId}/items/fact_${'0'.repeat(32)}/release/revisions`);
    expect(unknown.status).toBe(404);
  });

  it("keeps every revision of the manager's decision; the latest is current and the product is built from it", async () => {
    const manager = { role: 'hub-manager' } as const;
    const first = { rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic: immediate risk.' };
    const second = { rag: 'amber', outcome: 'child-in-need-assessment', rationale: 'Synthetic: risk reduced after the strategy meeting.' };
    for (const body of [first, second]) expect((await call(harness, manager, 'POST', `/v1/referrals/${referralId}/decision`, body)).status).toBe(200);
    const revisions = await managerDecisionRevisions(harness.db, harness.vault, referralId);
    expect(revisions.map((r) => [r.revision, r.rag, r.outcome, r.rationale])).toEqual([
      [1, first.rag, first.outcome, first.rationale],
      [2, second.rag, second.outcome, second.rationale],
    ]);
    expect(await getManagerDecision(harness.db, harness.vault, referralId)).toEqual(revisions[1]);
    expect(await getManagerDecision(harness.db, harness.vault, referralId, 1)).toEqual(revisions[0]);

    await sealAll(harness.db);
    const details: Record<string, unknown>[] = [];
    for await (const batch of scanAudit(harness.db, { referralId, actions: ['referral.decided'] })) for (const entry of batch) details.push(JSON.parse(entry.detail) as Record<string, unknown>);
    expect(details.map((d) => [d.revision, d.previousRevision, d.changed, d.rationaleSha256])).toEqual([
      [1, null, ['rag', 'outcome', 'rationale'], sha256Hex(first.rationale)],
      [2, 1, ['rag', 'outcome', 'rationale'], sha256Hex(second.rationale)],
    ]);

    const published = await call(harness, manager, 'POST', `/v1/referrals/${referralId}/products`, { withholdUndecided: { rationale: 'Synthetic.' } });
    expect(published.status).toBe(201);
    const { productId } = (await published.json()) as { productId: string };
    const product = (await (await call(harness, manager, 'GET', `/v1/products/${productId}`)).json()) as { decision: { outcome: string }; items: { itemId: string; disposition: string }[] };
    expect(product.decision.outcome).toBe(second.outcome);
    expect(product.items.find((i) => i.itemId === itemId)?.disposition).toBe('released');
  });
});

describe('outcome notices (DESIGN.md rule 8)', () => {
  it("tell each agency the revision they were queued for, though a later one is current by delivery", async () => {
    const harness = await startFirewallHarness();
    const sink = await startFeedbackSink();
    try {
      await upsertConnector(harness.db, Connector.parse({ id: 'police-sim', agency: 'police', type: 'police-soap', sourceSystem: 'Synthetic RMS', baseUrl: 'http://127.0.0.1:9/', feedbackUrl: `${sink.url}/agencies/police` }), 'file', harness.clock.now());
      const { referralId } = await harness.seedReferral(['police']);
      const manager = { role: 'hub-manager' } as const;
      for (const body of [{ rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic.' }, { rag: 'green', outcome: 'no-further-action', rationale: 'Synthetic: stepped down.' }]) {
        expect((await call(harness, manager, 'POST', `/v1/referrals/${referralId}/decision`, body)).status).toBe(200);
      }
      const outbox = outboxPasses({ db: harness.db, vault: harness.vault, clock: harness.clock, logger: silentLogger(), actor: 'system:test', env: {}, host: undefined, feedback: createFeedbackNotifier(), maxAttempts: 3, backoffMs: 1, leaseMs: 60_000 });
      harness.clock.advance(1_000);
      expect(await outbox.pass()).toEqual(['delivered', 'delivered']);
      const outcomes = sink.received().map((n) => (n.body as { outcome: string; rag: string }).outcome).sort();
      expect(outcomes).toEqual(['no-further-action', 'strategy-discussion']);
    } finally {
      await sink.close();
      await harness.close();
    }
  }, 60_000);
});

describe('decisions written before migration 007', () => {
  it('are carried over as revisions, still open, and later revisions follow them', async () => {
    const tmp = makeTempDir('mash-007-');
    const db = await openPglite(tmp.dir);
    try {
      // Every migration but 007 (and 010, which builds on 007's tables, and 014, which builds on 010), so the rows below are
      // written by the current store code as before 007; 011 (the SLA's at-risk time) is the
      // current store code's too, and independent of 007.
      await migrate(db, listMigrations().filter((m) => m.version !== 7 && m.version !== 10 && m.version !== 14));
      const vault = createVault(randomBytes(32));
      const referralId = randomUUID();
      const at = new Date('2026-11-21T09:00:00Z');
      const lookupId = lookupIdFor(referralId, 'police-sim', 'child-1');
      const lookups = [{ id: lookupId, connectorId: 'police-sim', agency: 'police' as const, subjectRef: 'child-1', status: 'queued' as const, lawfulBasis: 'children-act-1989-s47' as const, reason: null }];
      await db.transaction((tx) => insertReferral(tx, vault, { id: referralId, idempotencyKey: null, input: EXAMPLE, receivedAt: at, slaDueAt: at, slaAtRiskAt: at, submittedBy: 'seed', lookups }));
      const itemId = stableId('fact', lookupId, 'rec-1', 'event');
      const fact: Fact = {
        id: itemId,
        kind: 'event',
        personRef: 'Record/police-1',
        eventKind: 'incident',
        date: '2026-09-12',
        summary: 'Synthetic incident',
        detail: 'Synthetic detail',
        provenance: { agency: 'police', connectorId: 'police-sim', sourceSystem: 'Synthetic RMS', sourceRecordId: 'rec-1', lookupId, retrievedAt: at.toISOString(), lawfulBasis: 'children-act-1989-s47', sensitivity: 'restricted' },
      };
      await db.transaction((tx) => recordLookupOutcome(tx, vault, { lookupId, referralId, status: 'done', reason: null, facts: [fact], orchestrations: [], at, autoReveal: [] }));
      // As the store wrote them before 007: one row each, revision 2, sealed bound to the item alone.
      await db.transaction(async (tx) => {
        const keys = vault.keyRing(tx, referralId);
        const detail = await keys.seal('police', JSON.stringify({ rationale: 'Synthetic: legacy rationale.', redactions: [] }), `release:${itemId}`);
        await tx.query(
          `INSERT INTO release_decisions (fact_id, referral_id, agency, decision, sealed_detail, decided_by, decided_at, revision) VALUES ($1, $2, 'police', 'withhold', $3, 'legacy-officer', $4, 2)`,
          [itemId, referralId, detail, at],
        );
        const rationale = await keys.seal('hub', 'Synthetic: legacy manager rationale.', `manager-decision:${referralId}`);
        await tx.query(`INSERT INTO manager_decisions (referral_id, rag, outcome, sealed_rationale, decided_by, decided_at, revision) VALUES ($1, 'red', 'strategy-discussion', $2, 'legacy-manager', $3, 2)`, [
          referralId,
          rationale,
          at,
        ]);
      });

      expect(await migrate(db)).toContain('007_decision_revisions.sql');
      const carried = await releaseRevisions(db, vault, referralId, itemId);
      expect(carried.map((r) => [r.revision, r.decision, r.rationale, r.decidedBy])).toEqual([[2, 'withhold', 'Synthetic: legacy rationale.', 'legacy-officer']]);
      expect(await getManagerDecision(db, vault, referralId)).toMatchObject({ revision: 2, rationale: 'Synthetic: legacy manager rationale.' });

      const { decideRelease, setManagerDecision } = await import('../../src/store/items.ts');
      const next = await db.transaction((tx) => decideRelease(tx, vault, { referralId, itemId, agency: 'police', decision: 'release', detail: { rationale: 'Synthetic: now released.', redactions: [] }, by: 'officer', at }));
      expect(next.revision).toBe(3);
      expect(next.previous?.rationale).toBe('Synthetic: legacy rationale.');
      expect((await releaseRevisions(db, vault, referralId, itemId)).map((r) => r.rationale)).toEqual(['Synthetic: legacy rationale.', 'Synthetic: now released.']);
      const manager = await db.transaction((tx) => setManagerDecision(tx, vault, { referralId, rag: 'amber', outcome: 'early-help', rationale: 'Synthetic: stepped down.', by: 'manager', at }));
      expect(manager).toMatchObject({ revision: 3, previous: { rationale: 'Synthetic: legacy manager rationale.' } });
      expect((await managerDecisionRevisions(db, vault, referralId)).map((r) => r.revision)).toEqual([2, 3]);
    } finally {
      await db.close();
      tmp.remove();
    }
  }, 60_000);
});

describe('concurrent decisions on one item (PostgreSQL)', () => {
  let pg: TestPostgres;
  let harness: FirewallHarness;

  beforeAll(async () => {
    pg = await startPostgres();
    harness = await startFirewallHarness({ databaseUrl: pg.url });
  }, 120_000);

  afterAll(async () => {
    await harness.close();
    await pg.stop();
  });

  it('numbers ten parallel revisions 1 to 10 and keeps them all', async () => {
    const { referralId, items } = await harness.seedReferral(['police']);
    const itemId = items[0]?.id ?? '';
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, n) => call(harness, police, 'PUT', `/v1/referrals/${referralId}/items/${itemId}/release`, { decision: 'withhold', rationale: `Synthetic rationale ${n}.` })),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    const numbers = await Promise.all(responses.map(async (r) => ((await r.json()) as { revision: number }).revision));
    expect(numbers.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const revisions = await releaseRevisions(harness.db, harness.vault, referralId, itemId);
    expect(revisions.map((r) => r.rationale).sort()).toEqual(Array.from({ length: 10 }, (_, n) => `Synthetic rationale ${n}.`).sort());
  }, 60_000);
});
