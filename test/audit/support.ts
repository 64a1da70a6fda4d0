/**
 * Audit entries for the audit tests: one of every action with the detail its writer puts there
 * (src/case/workflow.ts, src/research/*, src/queue/outbox.ts, src/gateway/*), and a seeded
 * log for the report whose counts are worked out by hand in report.int.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { entryHash, GENESIS_HASH, type ChainEntry } from '../../src/audit/chain.ts';
import type { AuditAction, AuditEntry } from '../../src/audit/log.ts';
import { appendAudit } from '../../src/audit/log.ts';
import { sealAll } from '../../src/audit/seal.ts';
import { canonicalJson } from '../../src/lib/canonical-json.ts';
import type { Db } from '../../src/store/db.ts';

const HASH = 'ab'.repeat(32);

/** One entry of every action, as its writer makes it (ids, hashes and counts only). */
export function entryOfEveryAction(at: Date, referralId: string): Record<AuditAction, AuditEntry> {
  const base = { at, referralId };
  return {
    'referral.received': { ...base, actor: 'intake-system', action: 'referral.received', detail: { rag: 'red', threshold: 'child-protection', subjects: 3, lookups: 15 } },
    'referral.picture-ready': { ...base, actor: 'system:worker', action: 'referral.picture-ready', detail: { lookups: 15, done: 12, failed: 1, notPermitted: 2 } },
    'lookup.not-permitted': { ...base, actor: 'intake-system', action: 'lookup.not-permitted', subject: 'lkp_0123456789abcdef0123456789abcdef', detail: { connectorId: 'health-sim', agency: 'health', reason: 'early-help lookups need consent from a key person' } },
    'lookup.completed': {
      ...base,
      actor: 'system:worker',
      action: 'lookup.completed',
      subject: 'lkp_fedcba9876543210fedcba9876543210',
      detail: { connectorId: 'police-sim', agency: 'police', status: 'done', lawfulBasis: 'children-act-1989-s47', factCount: 7, factsSha256: HASH, calls: 2 },
    },
    'picture.viewed': { ...base, actor: 'manager-1', action: 'picture.viewed', detail: { role: 'hub-manager', items: 2, itemIds: ['fact_00000000000000000000000000000001', 'fact_00000000000000000000000000000002'] } },
    'connector.declared': { at, actor: 'police-admin', action: 'connector.declared', agency: 'police', subject: 'police-rms', detail: { created: true, enabled: true, definitionSha256: HASH } },
    'connector.tested': { at, actor: 'police-admin', action: 'connector.tested', agency: 'police', subject: 'police-rms', detail: { version: 2, ok: false, failedStep: 'connect', durationMs: 12 } },
    'access.denied': { ...base, actor: 'admin-7', action: 'access.denied', agency: 'housing', subject: 'picture:read', detail: { role: 'connector-admin', action: 'picture:read', reason: 'role connector-admin may not picture:read' } },
    'auth.failed': { at, actor: 'anonymous', action: 'auth.failed', subject: 'GET /v1/referrals/:id/picture' },
    'audit.verified': { at, actor: 'auditor-1', action: 'audit.verified', detail: { ok: true, entries: 400, firstBadEntry: null } },
    'audit.exported': { at, actor: 'auditor-1', action: 'audit.exported', detail: { via: 'export', format: 'fhir-ndjson', throughSeq: 401, from: null, to: null } },
    'referral.assigned': { ...base, actor: 'manager-1', action: 'referral.assigned', subject: 'practitioner-housing-2' },
    'referral.decided': {
      ...base,
      actor: 'manager-1',
      action: 'referral.decided',
      detail: { rag: 'red', previousRag: 'amber', outcome: 'strategy-discussion', previousOutcome: null, revision: 1, previousRevision: null, changed: ['rag', 'outcome', 'rationale'], rationaleSha256: HASH },
    },
    'item.revealed': { ...base, actor: 'practitioner-police', action: 'item.revealed', agency: 'police', subject: 'fact_00000000000000000000000000000003' },
    'item.release-decided': {
      ...base,
      actor: 'practitioner-health',
      action: 'item.release-decided',
      agency: 'health',
      subject: 'fact_00000000000000000000000000000004',
      detail: {
        decision: 'redact',
        revision: 2,
        previousRevision: 1,
        previousDecision: 'withhold',
        changed: ['decision', 'redactions', 'rationale'],
        redactedFields: ['detail'],
        previousRedactedFields: [],
        rationaleSha256: HASH,
        redactionsSha256: HASH,
        signpostSha256: null,
      },
    },
    'item.history-viewed': { ...base, actor: 'practitioner-health', action: 'item.history-viewed', agency: 'health', subject: 'fact_00000000000000000000000000000004', detail: { role: 'hub-practitioner', revisions: 2 } },
    'product.published': {
      ...base,
      actor: 'manager-1',
      action: 'product.published',
      subject: 'prd_00000000000000000000000000000009',
      detail: {
        version: 1,
        contentHash: HASH,
        releasedItemIds: ['fact_00000000000000000000000000000001', 'fact_00000000000000000000000000000004'],
        redactedItemIds: ['fact_00000000000000000000000000000004'],
        signpostAgencies: ['police'],
        withheldByDefault: 0,
        outbox: 'pub_00000000000000000000000000000009',
      },
    },
    'product.read': { ...base, actor: 'host-case-system', action: 'product.read', subject: 'prd_00000000000000000000000000000009', detail: { version: 1, role: 'host-system' } },
    'product.previewed': { ...base, actor: 'manager-1', action: 'product.previewed', subject: 'prd_00000000000000000000000000000009', detail: { version: 2, contentHash: 'a'.repeat(64) } },
    'publication.delivered': { ...base, actor: 'system:worker', action: 'publication.delivered', subject: 'host', detail: { outbox: 'pub_00000000000000000000000000000009', attempt: 1, status: 201 } },
    'publication.failed': { ...base, actor: 'system:worker', action: 'publication.failed', subject: 'host', detail: { outbox: 'pub_00000000000000000000000000000008', attempt: 5, reason: 'HTTP 503' } },
    'feedback.queued': { ...base, actor: 'manager-1', action: 'feedback.queued', subject: 'police-sim', detail: { outbox: 'fbk_00000000000000000000000000000001', outcome: 'strategy-discussion' } },
    'feedback.delivered': { ...base, actor: 'system:worker', action: 'feedback.delivered', subject: 'police-sim', detail: { outbox: 'fbk_00000000000000000000000000000001', attempt: 1, status: 204, agency: 'police' } },
    'feedback.failed': { ...base, actor: 'system:worker', action: 'feedback.failed', subject: 'health-sim', detail: { outbox: 'fbk_00000000000000000000000000000002', attempt: 5, reason: 'timeout' } },
    'referral.closed': { ...base, actor: 'manager-1', action: 'referral.closed', detail: { rationaleSha256: HASH } },
    'lookup.rerun': { ...base, actor: 'system:worker', action: 'lookup.rerun', subject: 'lkp_fedcba9876543210fedcba9876543210', detail: { trigger: 'recovery', requestId: '0b9a6c1e-2f44-4f3c-9d63-6b1f8a0e7c21', run: 1 } },
    'outbox.resend': { ...base, actor: 'manager-1', action: 'outbox.resend', subject: 'pub_00000000000000000000000000000001', detail: { trigger: 'reprocess', requestId: '5d2f1b7a-8c3e-4a90-b6d4-2e7f9c1a3b55' } },
    'research.next-wave': { ...base, actor: 'system:worker', action: 'research.next-wave', detail: { wave: 2, subjects: 2, relationships: ['parent', 'sibling'], lookups: 10 } },
    'identity.match-decided': { ...base, actor: 'practitioner-health', action: 'identity.match-decided', agency: 'health', subject: 'match_0123456789abcdef', detail: { decision: 'confirmed' } },
    'identity.linked': { ...base, actor: 'system:worker', action: 'identity.linked', detail: { linked: 3, possible: 1, created: 2 } },
    // The person index's model: no referral, counts and reason codes only.
    'person-index.model.estimated': { at, actor: 'system:worker', action: 'person-index.model.estimated', subject: 'model-version:2', detail: { version: 2, trigger: 'schedule', records: 5000, trainingPairs: 1200, candidatePairs: 9000, iterations: 41, converged: true, reasons: [] } },
    'person-index.model.refused': { at, actor: 'manager-1', action: 'person-index.model.refused', subject: 'model-version:3', detail: { version: 3, trigger: 'request', records: 12, trainingPairs: 0, candidatePairs: 0, iterations: 0, converged: false, reasons: ['too-few-records', 'too-few-pairs'] } },
    'retention.destroyed': { ...base, actor: 'system:worker', action: 'retention.destroyed', detail: { owners: ['hub', 'health', 'police'], retentionDays: 365 } },
  };
}

/** Append entries in order, each in its own transaction, as the gateway does. */
export async function appendAll(db: Db, entries: readonly AuditEntry[]): Promise<void> {
  for (const entry of entries) await db.transaction((tx) => appendAudit(tx, entry));
  // Chain them, as the sealer in every process does shortly after each commit.
  await sealAll(db);
}

/** The period the seeded report log is about: March 2026. */
export const REPORT_PERIOD = { from: new Date('2026-03-01T00:00:00.000Z'), to: new Date('2026-04-01T00:00:00.000Z') };

/**
 * A log for the report, inside REPORT_PERIOD unless said otherwise; its counts are in
 * report.int.test.ts, worked out from this list by hand. Also used by the search tests.
 */
export function reportLog(): { entries: AuditEntry[]; referralA: string; referralB: string } {
  const referralA = randomUUID();
  const referralB = randomUUID();
  let minute = 0;
  const at = (): Date => new Date(REPORT_PERIOD.from.getTime() + 60_000 * ++minute);
  const entries: AuditEntry[] = [];
  const add = (entry: Omit<AuditEntry, 'at'>, when: Date = at()): void => {
    entries.push({ ...entry, at: when });
  };
  const lookup = (referralId: string, agency: string, lawfulBasis: string, status: string): void =>
    add({ actor: 'system:worker', action: 'lookup.completed', referralId, subject: `lkp_${agency}_${entries.length}`, detail: { connectorId: `${agency}-sim`, agency, status, lawfulBasis, factCount: status === 'done' || status === 'partial' ? 3 : 0, calls: 1 } });
  const notPermitted = (referralId: string, agency: string): void =>
    add({ actor: 'intake-system', action: 'lookup.not-permitted', referralId, subject: `lkp_${agency}_${entries.length}`, detail: { connectorId: `${agency}-sim`, agency, reason: 'early-help lookups need consent from a key person' } });
  const decision = (agency: string, item: string, value: string): void =>
    add({ actor: `practitioner-${agency}`, action: 'item.release-decided', referralId: referralA, agency, subject: item, detail: { decision: value, revision: 1, redactedFields: value === 'redact' ? ['detail'] : [] } });
  const view = (actor: string, role: string, agency: string | undefined, items: number): void =>
    add({ actor, action: 'picture.viewed', referralId: referralA, agency, detail: { role, items, itemIds: Array.from({ length: items }, (_, i) => `fact_${i}`) } });
  const read = (actor: string, role: string): void => add({ actor, action: 'product.read', referralId: referralA, subject: 'prd_a', detail: { version: 1, role } });
  const denied = (actor: string, role: string): void => add({ actor, action: 'access.denied', referralId: referralA, subject: 'picture:read', detail: { role, action: 'picture:read', reason: `role ${role} may not picture:read` } });

  // Just before the period: not counted.
  entries.push({ at: new Date(REPORT_PERIOD.from.getTime() - 1), actor: 'manager-1', action: 'picture.viewed', referralId: referralA, detail: { role: 'hub-manager', items: 9, itemIds: [] } });
  add({ actor: 'intake-system', action: 'referral.received', referralId: referralA, detail: { rag: 'red', threshold: 'child-protection', subjects: 2, lookups: 10 } });
  add({ actor: 'intake-system', action: 'referral.received', referralId: referralB, detail: { rag: 'amber', threshold: 'early-help', subjects: 1, lookups: 5 } });
  add({ actor: 'police-admin', action: 'connector.declared', agency: 'police', subject: 'police-rms', detail: { created: true, enabled: true } });
  for (const status of ['done', 'done', 'done', 'failed', 'timed-out']) lookup(referralA, 'health', 'children-act-1989-s47', status);
  for (const status of ['done', 'done']) lookup(referralA, 'police', 'children-act-1989-s47', status);
  lookup(referralA, 'social-care', 'children-act-1989-s47', 'partial');
  for (const status of ['done', 'failed', 'failed']) lookup(referralB, 'education', 'children-act-1989-s17', status);
  notPermitted(referralB, 'health');
  notPermitted(referralB, 'health');
  notPermitted(referralB, 'housing');
  for (const item of ['p1', 'p2']) add({ actor: 'practitioner-police', action: 'item.revealed', referralId: referralA, agency: 'police', subject: item });
  for (const item of ['h1', 'h2', 'h3']) add({ actor: 'practitioner-health', action: 'item.revealed', referralId: referralA, agency: 'health', subject: item });
  decision('police', 'p1', 'release');
  decision('police', 'p2', 'withhold');
  decision('police', 'p3', 'release');
  decision('police', 'p1', 'withhold');
  decision('health', 'h1', 'redact');
  decision('health', 'h2', 'release');
  decision('health', 'h3', 'redact');
  decision('health', 'h3', 'release');
  for (let i = 0; i < 4; i += 1) view('manager-1', 'hub-manager', undefined, 5);
  for (let i = 0; i < 3; i += 1) view(`practitioner-${i}`, 'hub-practitioner', 'police', 3);
  add({ actor: 'manager-1', action: 'referral.decided', referralId: referralA, detail: { rag: 'red', previousRag: 'red', outcome: 'strategy-discussion', revision: 1 } });
  add({ actor: 'manager-1', action: 'product.published', referralId: referralA, subject: 'prd_a', detail: { version: 1, releasedItemIds: ['p3', 'h1'], redactedItemIds: ['h1'], outbox: 'pub_a1' } });
  add({ actor: 'manager-1', action: 'product.published', referralId: referralA, subject: 'prd_a', detail: { version: 2, releasedItemIds: ['p3', 'h2'], redactedItemIds: [], outbox: 'pub_a2' } });
  add({ actor: 'manager-1', action: 'product.published', referralId: referralB, subject: 'prd_b', detail: { version: 1, releasedItemIds: [], redactedItemIds: [], outbox: 'pub_b1' } });
  add({ actor: 'system:worker', action: 'publication.delivered', referralId: referralA, subject: 'host', detail: { outbox: 'pub_a1', attempt: 1, status: 201 } });
  add({ actor: 'system:worker', action: 'publication.delivered', referralId: referralA, subject: 'host', detail: { outbox: 'pub_a2', attempt: 2, status: 201 } });
  add({ actor: 'system:worker', action: 'publication.failed', referralId: referralB, subject: 'host', detail: { outbox: 'pub_b1', attempt: 5, reason: 'HTTP 503' } });
  add({ actor: 'manager-1', action: 'feedback.queued', referralId: referralA, subject: 'police-sim', detail: { outbox: 'fbk_1', outcome: 'strategy-discussion' } });
  add({ actor: 'system:worker', action: 'feedback.delivered', referralId: referralA, subject: 'police-sim', detail: { outbox: 'fbk_1', attempt: 1, status: 204, agency: 'police' } });
  for (let i = 0; i < 5; i += 1) read('host-case-system', 'host-system');
  read('manager-1', 'hub-manager');
  for (let i = 0; i < 4; i += 1) add({ actor: 'anonymous', action: 'auth.failed', subject: 'GET /v1/referrals/:id/picture' });
  denied('admin-police', 'connector-admin');
  denied('admin-health', 'connector-admin');
  denied('auditor-1', 'auditor');
  for (let i = 0; i < 3; i += 1) denied('outsider-housing', 'hub-practitioner');
  add({ actor: 'manager-1', action: 'referral.closed', referralId: referralA, detail: {} });
  add({ actor: 'manager-1', action: 'referral.closed', referralId: referralB, detail: {} });
  add({ actor: 'system:worker', action: 'retention.destroyed', referralId: referralB, detail: { owners: ['hub'], retentionDays: 0 } });
  // At the period's exclusive end: not counted.
  add({ actor: 'system:worker', action: 'lookup.completed', referralId: referralA, subject: 'lkp_late', detail: { connectorId: 'health-sim', agency: 'health', status: 'done', lawfulBasis: 'children-act-1989-s47' } }, REPORT_PERIOD.to);
  return { entries, referralA, referralB };
}

/** Entries as appendAudit would chain them, in memory (for the pure tests and the benchmark). */
export function chainOf(entries: readonly AuditEntry[], start: { readonly seq: number; readonly hash: string } = { seq: 0, hash: GENESIS_HASH }): ChainEntry[] {
  let prevHash = start.hash;
  return entries.map((entry, i) => {
    const unhashed = {
      seq: start.seq + i + 1,
      at: entry.at.toISOString(),
      actor: entry.actor,
      action: entry.action,
      referralId: entry.referralId ?? null,
      agency: entry.agency ?? null,
      subject: entry.subject ?? null,
      detail: canonicalJson(entry.detail ?? {}),
      prevHash,
    };
    const chained = { ...unhashed, hash: entryHash(unhashed) };
    prevHash = chained.hash;
    return chained;
  });
}
