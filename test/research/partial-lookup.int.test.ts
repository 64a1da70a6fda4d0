/**
 * One lookup's answer, recorded: `executeLookup` and `completeResearch` over a real embedded
 * store, with a connector kit standing in for an agency (the adapters are proven against their
 * simulators elsewhere; here the question is what the research layer does with their answer).
 * - An answer with cuts ends the lookup `partial` — terminal, with its facts, its reason and its
 *   counts — and its audit entry says so.
 * - A partial answer is an answer: the wave matches its person records to the subject like a
 *   complete one's, and counts it apart in the picture-ready audit entry.
 * - The lookup's stored count is the facts stored: an answer that repeats a fact id stores it
 *   once and counts it once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../src/lib/clock.ts';
import { stableId } from '../../src/lib/ids.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { Connector } from '../../src/model/connector.ts';
import type { Fact } from '../../src/model/fact.ts';
import { ReferralInput } from '../../src/model/referral.ts';
import { completeResearch } from '../../src/research/complete.ts';
import { executeLookup } from '../../src/research/lookup.ts';
import { lookupIdFor } from '../../src/research/plan.ts';
import { createRegistry, type KitOutcome } from '../../src/research/registry.ts';
import { upsertConnector } from '../../src/store/connectors.ts';
import type { Db } from '../../src/store/db.ts';
import { listSubjectMatches } from '../../src/store/identity.ts';
import { openStore } from '../../src/store/open.ts';
import { insertReferral } from '../../src/store/referrals.ts';
import { getLookup } from '../../src/store/lookups.ts';
import { createVault } from '../../src/store/vault.ts';
import { testIdentity } from '../support/identity.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { testSla } from '../support/sla.ts';
import { createConnectorGuards } from '../../src/research/connector-guard.ts';
import { memoryRateWindow } from '../../src/research/rate-limit.ts';

const EXAMPLE = ReferralInput.parse(JSON.parse(readFileSync(new URL('../../examples/referral.json', import.meta.url), 'utf8')));
const child = EXAMPLE.subjects.find((s) => s.role === 'child');
if (child === undefined) throw new Error('the example referral names a child');

const tmp = makeTempDir('mash-partial-lookup-');
const clock = fixedClock(new Date('2026-11-21T09:00:00Z'));
const masterKey = randomBytes(32);
const vault = createVault(masterKey);
let db: Db;
/** What the stand-in agency answers next. */
let answer: (lookupId: string) => KitOutcome;

const registry = createRegistry([{ type: 'fhir-r4', lookup: (_query, _settings, mapping) => Promise.resolve(answer(mapping.lookupId)) }]);
const deps = () => ({ db, vault, registry, clock, logger: silentLogger(), env: {}, actor: 'system:test', guards: createConnectorGuards({ rateWindow: memoryRateWindow(), clock, logger: silentLogger() }) });

/** The referred child, as the agency records him: a person record identity matching will match. */
function childRecord(lookupId: string): Fact {
  return {
    id: stableId('fact', lookupId, 'Patient/c1', 'person'),
    kind: 'person',
    personRef: 'Patient/c1',
    names: [{ given: child?.name.given ?? [], family: child?.name.family ?? '' }],
    birthDate: child?.birthDate,
    identifiers: child?.identifiers ?? [],
    addresses: child?.address === undefined ? [] : [child.address],
    provenance: { agency: 'health', connectorId: 'health-test', sourceSystem: 'Test FHIR', sourceRecordId: 'Patient/c1', lookupId, retrievedAt: clock.now().toISOString(), lawfulBasis: 'children-act-1989-s47', sensitivity: 'open' },
  };
}

async function referralWithOneLookup(): Promise<{ referralId: string; lookupId: string }> {
  const referralId = randomUUID();
  const lookupId = lookupIdFor(referralId, 'health-test', child?.ref ?? '');
  const lookups = [{ id: lookupId, connectorId: 'health-test', agency: 'health' as const, subjectRef: child?.ref ?? '', status: 'queued' as const, lawfulBasis: 'children-act-1989-s47' as const, reason: null }];
  await db.transaction((tx) => insertReferral(tx, vault, { id: referralId, idempotencyKey: null, input: EXAMPLE, receivedAt: clock.now(), slaDueAt: clock.now(), slaAtRiskAt: clock.now(), submittedBy: 'test', lookups }));
  return { referralId, lookupId };
}

async function auditOf(referralId: string, action: string): Promise<Record<string, unknown>[]> {
  const rows = await db.query<{ detail: string }>('SELECT detail FROM audit_log WHERE referral_id = $1 AND action = $2 ORDER BY id', [referralId, action]);
  return rows.map((r) => JSON.parse(r.detail) as Record<string, unknown>);
}

beforeAll(async () => {
  seedEmbeddedStore(tmp.dir); // the run's empty PGlite cluster (test/support/templates.ts)
  db = await openStore({ databaseUrl: undefined, dataDir: tmp.dir });
  await upsertConnector(db, Connector.parse({ id: 'health-test', agency: 'health', type: 'fhir-r4', sourceSystem: 'Test FHIR', baseUrl: 'http://127.0.0.1:9/fhir' }), 'file', clock.now());
});
afterAll(async () => {
  await db.close();
  tmp.remove();
});

describe('a lookup whose answer was cut', () => {
  it('ends partial, with its facts, its reason and its counts, and says so in its audit entry', async () => {
    const { referralId, lookupId } = await referralWithOneLookup();
    answer = (id) => ({ kind: 'found', facts: [childRecord(id)], cuts: [{ reason: 'candidate-cap', search: 'Patient search', read: 5, reported: 19 }], orchestrations: [] });
    await executeLookup({ referralId, lookupId }, deps());

    expect(await getLookup(db, lookupId)).toMatchObject({
      status: 'partial',
      reason: 'ANSWER.CANDIDATE_CAP: Patient search: 5 of 19 matching records read (candidate cap)',
      cuts: [{ reason: 'candidate-cap', search: 'Patient search', read: 5, reported: 19 }],
      factsStored: 1,
    });
    expect(await auditOf(referralId, 'lookup.completed')).toEqual([expect.objectContaining({ status: 'partial', factCount: 1, cuts: ['candidate-cap Patient search: read 5 of 19'] })]);

    // Terminal: a redelivered job leaves it as it is.
    answer = (id) => ({ kind: 'found', facts: [childRecord(id)], cuts: [], orchestrations: [] });
    await executeLookup({ referralId, lookupId }, deps());
    expect(await getLookup(db, lookupId)).toMatchObject({ status: 'partial' });
    expect(await auditOf(referralId, 'lookup.completed')).toHaveLength(1);
  });

  it('is an answer: the wave matches its records to the subject, and counts it apart when the picture is ready', async () => {
    const { referralId, lookupId } = await referralWithOneLookup();
    answer = (id) => ({ kind: 'found', facts: [childRecord(id)], cuts: [{ reason: 'page-cap', search: 'Encounter search', read: 4, reported: 7 }], orchestrations: [] });
    await executeLookup({ referralId, lookupId }, deps());
    await completeResearch({ referralId, wave: 1 }, { ...deps(), familyDepth: 0, identity: testIdentity({ db, vault, clock, masterKey }), sla: testSla, schedule: () => Promise.resolve() });

    expect(await listSubjectMatches(db, referralId)).toEqual([expect.objectContaining({ lookupId, personRef: 'Patient/c1', subjectRef: child?.ref, outcome: 'match' })]);
    expect(await auditOf(referralId, 'referral.picture-ready')).toEqual([expect.objectContaining({ lookups: 1, done: 0, partial: 1, failed: 0, personRecordsMatched: 1 })]);
  });
});

describe('the facts of an answer', () => {
  it('are stored and counted once each, even when the answer repeats one', async () => {
    const { referralId, lookupId } = await referralWithOneLookup();
    answer = (id) => ({ kind: 'found', facts: [childRecord(id), childRecord(id)], cuts: [], orchestrations: [] });
    await executeLookup({ referralId, lookupId }, deps());
    const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM facts WHERE lookup_id = $1', [lookupId]);
    expect(stored[0]?.n).toBe(1);
    expect(await getLookup(db, lookupId)).toMatchObject({ status: 'done', factsStored: 1, cuts: [], reason: null });
    expect(await auditOf(referralId, 'lookup.completed')).toEqual([expect.objectContaining({ status: 'done', factCount: 1 })]);
  });
});
