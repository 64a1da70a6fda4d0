/**
 * The person index with its live model over a real store, as the composition root wires it
 * (src/main.ts): the store's index rows and model rows under one master key, the audit log, and
 * a referral row the loaded records are seen for. For the live-model suites.
 */
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../../../src/audit/log.ts';
import { createLiveModel, createPersonIndex, type LiveModel, type PersonIndex } from '../../../src/identity/index.ts';
import type { Clock } from '../../../src/lib/clock.ts';
import type { Db, Sql } from '../../../src/store/db.ts';
import { createModelStore } from '../../../src/store/person-index-models.ts';
import { createPersonIndexStore, deriveIndexKey } from '../../../src/store/person-index.ts';
import type { SyntheticIndexRecord } from './model-population.ts';

/** A live model and the person index scoring with it, over one store and master key. */
export function liveIndex(db: Db, masterKey: Uint8Array, clock: Clock, thresholds?: { match: number; possible: number }): { models: LiveModel; index: PersonIndex } {
  const indexKey = deriveIndexKey(masterKey);
  const models = createLiveModel({ db, store: createModelStore(indexKey), audit: appendAudit, clock, ...(thresholds === undefined ? {} : { thresholds: { ...thresholds, requirePersonalEvidence: true } }) });
  const index = createPersonIndex({ store: createPersonIndexStore(indexKey), matcher: models.prior, activeModel: (sql) => models.active(sql) });
  return { models, index };
}

/** A referral row for records loaded outside any research (its body is not a referral: never opened by these suites). */
export async function loadingReferral(sql: Sql): Promise<string> {
  const id = randomUUID();
  await sql.query(
    `INSERT INTO referrals (id, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, submitted_by, sealed_body)
     VALUES ($1, 'picture-ready', 'green', 'child-protection', now(), now(), now(), 'synthetic-load', '\\x00'::bytea)`,
    [id],
  );
  return id;
}

/** Resolves the records into the index, fifty to a transaction, as research would link them. */
export async function loadRecords(db: Db, index: PersonIndex, referralId: string, records: readonly SyntheticIndexRecord[], at: Date): Promise<void> {
  for (let i = 0; i < records.length; i += 50) {
    const batch = records.slice(i, i + 50);
    await db.transaction((tx) => index.resolveMany(tx, batch.map((r) => ({ recordKey: r.recordKey, referralId, record: r.record })), at));
  }
}
