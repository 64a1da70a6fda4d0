/**
 * The person index's live model over a real store (both stores): before any estimation the prior
 * is version 0 and scores every link; an estimation on too few records is refused, recorded with
 * its reasons and audited, and the prior stays active; an estimation on the index's own records
 * (synthetic persons, some seen twice) is activated, and later links record it — also in another
 * process's live model that had the prior cached; the same records are not estimated twice, even
 * by two processes at once; the model rows hold no name or town in plain text; and the configured
 * outcome bands move a pair between possible and match (docs/decisions.md "The live person index
 * trains its own model", "Outcome bands are configuration").
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { LiveModel, PersonIndex, Resolution } from '../../src/identity/index.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import type { IndexedRecord } from '../../src/model/person-index.ts';
import type { Db } from '../../src/store/db.ts';
import { createModelStore } from '../../src/store/person-index-models.ts';
import { deriveIndexKey } from '../../src/store/person-index.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';
import { syntheticIndexRecords } from './support/model-population.ts';
import { liveIndex, loadingReferral, loadRecords } from './support/model-index.ts';

const zebedee: IndexedRecord = { id: 'z-1', given: ['Zebedee'], family: 'Quartermain', birthDate: '2015-06-14', sex: 'male', addressLines: ['3 Larch Close'], postcode: 'HX1 2AB', town: 'Halifax' };
// The same boy at another agency: a birth date one digit out, no address (the prior scores it 5.4 bits, p ≈ 0.977).
const zebedeeElsewhere: IndexedRecord = { id: 'z-2', given: ['Zebedee'], family: 'Quartermain', birthDate: '2015-06-15' };
// Only a shortened name and a birth date one out (0.6 bits, p ≈ 0.60).
const zeb: IndexedRecord = { id: 'z-3', given: ['Zeb'], family: 'Quartermain', birthDate: '2015-06-15', sex: 'male' };

// A girl's GP record, and her housing record without a birth date: at most a possible match, whatever the score.
const ottoline: IndexedRecord = { id: 'o-1', given: ['Ottoline'], family: 'Fairweather', birthDate: '2012-02-03', sex: 'female', addressLines: ['9 Birch Row'], postcode: 'HX3 5QT', town: 'Halifax' };
const ottolineAtHome: IndexedRecord = { id: 'o-2', given: ['Ottoline'], family: 'Fairweather', addressLines: ['9 Birch Row'], postcode: 'HX3 5QT' };

/** Rolled back after answering: how a record would resolve, leaving the index as it was. */
class Rollback extends Error {
  readonly resolution: Resolution;
  constructor(resolution: Resolution) {
    super('rollback');
    this.resolution = resolution;
  }
}
async function tryResolve(db: Db, index: PersonIndex, referralId: string, recordKey: string, record: IndexedRecord, at: Date): Promise<Resolution> {
  try {
    await db.transaction(async (tx) => {
      throw new Rollback(await index.resolve(tx, { recordKey, referralId, record }, at));
    });
  } catch (error) {
    if (error instanceof Rollback) return error.resolution;
    throw error;
  }
  throw new Error('unreachable');
}

const bands = (env: Record<string, string>): { match: number; possible: number } => {
  const { matchBits, possibleBits } = loadConfig({ MASH_DATA_DIR: '/tmp/unused', ...env }).matching;
  return { match: matchBits, possible: possibleBits };
};

describe.each(STORE_KINDS)('the live person index model on $name', (kind) => {
  const clock = fixedClock(new Date('2026-11-21T09:00:00Z'));
  const masterKey = randomBytes(32);
  const records = syntheticIndexRecords(300);
  let store: Awaited<ReturnType<typeof openTestStore>>;
  let db: Db;
  let models: LiveModel;
  let index: PersonIndex;
  let referralId: string;

  beforeAll(async () => {
    store = await openTestStore(kind);
    db = store.db;
    ({ models, index } = liveIndex(db, masterKey, clock));
    referralId = await loadingReferral(db);
  }, 60_000);

  afterAll(async () => {
    await store.close();
  });

  it('starts on the prior, version 0, and records it on every link', async () => {
    const versions = await models.list();
    expect(versions).toEqual([expect.objectContaining({ version: 0, kind: 'prior', status: 'active', trigger: 'migration' })]);
    const first = await db.transaction((tx) => index.resolve(tx, { recordKey: 'health:gp:z-1', referralId, record: zebedee }, clock.now()));
    expect(first).toMatchObject({ outcome: 'new', modelVersion: 0 });
    const [person] = await index.personsOfReferral(db, referralId);
    expect(person?.records[0]).toMatchObject({ recordKey: 'health:gp:z-1', modelVersion: 0 });
    // A possible match names the version that scored it too.
    await db.transaction((tx) => index.resolve(tx, { recordKey: 'health:gp:o-1', referralId, record: ottoline }, clock.now()));
    const possible = await db.transaction((tx) => index.resolve(tx, { recordKey: 'housing:hms:o-2', referralId, record: ottolineAtHome }, clock.now()));
    expect(possible).toMatchObject({ outcome: 'possible', modelVersion: 0 });
    expect(await index.pendingMatches(db, referralId)).toEqual([expect.objectContaining({ id: possible.possibleMatchId, recordKey: 'housing:hms:o-2', modelVersion: 0 })]);
  });

  it('applies the configured outcome bands: a pair moves between possible and match, and between possible and none', async () => {
    const byDefault = liveIndex(db, masterKey, clock, bands({}));
    // The DfE SUI matcher's bands: automatic at 0.95, possible from 0.85.
    const sui = liveIndex(db, masterKey, clock, bands({ MASH_MATCH_AUTO_PROBABILITY: '0.95', MASH_MATCH_POSSIBLE_PROBABILITY: '0.85' }));
    expect(await tryResolve(db, byDefault.index, referralId, 'education:school:z-2', zebedeeElsewhere, clock.now())).toMatchObject({ outcome: 'possible', modelVersion: 0 });
    expect(await tryResolve(db, sui.index, referralId, 'education:school:z-2', zebedeeElsewhere, clock.now())).toMatchObject({ outcome: 'match', modelVersion: 0 });
    expect(await tryResolve(db, byDefault.index, referralId, 'police:rms:z-3', zeb, clock.now())).toMatchObject({ outcome: 'possible' });
    expect(await tryResolve(db, sui.index, referralId, 'police:rms:z-3', zeb, clock.now())).toMatchObject({ outcome: 'new' });
    // Nothing was kept of the tries.
    expect((await index.personsOfReferral(db, referralId)).flatMap((p) => p.records)).toHaveLength(3);
  });

  it('refuses an estimation on too few records: recorded with its reasons, audited, and the prior stays active', async () => {
    const outcome = await models.estimate({ trigger: 'request', actor: 'manager-1' });
    expect(outcome.kind).toBe('refused');
    expect(outcome.version).toMatchObject({ version: 1, status: 'refused', records: 3, requestedBy: 'manager-1' });
    expect(outcome.version.reasons.map((r) => r.code)).toContain('too-few-records');
    expect(await db.transaction((tx) => models.active(tx))).toMatchObject({ version: 0 });
    const audit = await db.query<{ action: string; subject: string; detail: string }>("SELECT action, subject, detail::text AS detail FROM audit_log WHERE action LIKE 'person-index.model.%'");
    expect(audit).toEqual([expect.objectContaining({ action: 'person-index.model.refused', subject: 'model-version:1' })]);
    const detail = JSON.parse(audit[0]?.detail ?? '{}') as { version: number; records: number; reasons: string[] };
    expect(detail).toMatchObject({ version: 1, records: 3 });
    expect(detail.reasons).toContain('too-few-records');
    // The same records again: nothing new is recorded.
    expect(await models.estimate({ trigger: 'schedule', actor: 'system:worker' })).toMatchObject({ kind: 'unchanged', version: { version: 1 } });
    expect(await models.list()).toHaveLength(2);
  });

  it('activates a model estimated from the index’s own records; later links record it, in every process', async () => {
    // Another process's live model, which has the prior cached already.
    const elsewhere = liveIndex(db, masterKey, clock);
    expect(await db.transaction((tx) => elsewhere.models.active(tx))).toMatchObject({ version: 0 });

    await loadRecords(db, index, referralId, records, clock.now());
    // Two processes estimate at once: one version is recorded.
    const [a, b] = await Promise.all([models.estimate({ trigger: 'schedule', actor: 'system:worker' }), elsewhere.models.estimate({ trigger: 'schedule', actor: 'system:worker-2' })]);
    expect([a.kind, b.kind].sort()).toEqual(['activated', 'unchanged']);
    expect(a.version.version).toBe(2);
    expect(b.version.version).toBe(2);
    expect(a.version).toMatchObject({ status: 'active', kind: 'estimated', records: records.length + 3, converged: true, reasons: [] });
    expect(a.version.trainingPairs).toBeGreaterThan(50);

    const versions = await models.list();
    expect(versions.map((v) => [v.version, v.status])).toEqual([[2, 'active'], [1, 'refused'], [0, 'superseded']]);
    const audit = await db.query<{ action: string; subject: string }>("SELECT action, subject FROM audit_log WHERE action = 'person-index.model.estimated'");
    expect(audit).toEqual([{ action: 'person-index.model.estimated', subject: 'model-version:2' }]);

    // A later record, resolved by the other process without a restart: scored by version 2.
    const later = await db.transaction((tx) => elsewhere.index.resolve(tx, { recordKey: 'health:gp:z-2', referralId, record: zebedeeElsewhere }, clock.now()));
    expect(later.modelVersion).toBe(2);
    const link = (await index.personsOfReferral(db, referralId)).flatMap((p) => p.records).find((r) => r.recordKey === 'health:gp:z-2');
    expect(link?.modelVersion).toBe(2);
    // The record indexed before keeps the version that scored it.
    const earlier = (await index.personsOfReferral(db, referralId)).flatMap((p) => p.records).find((r) => r.recordKey === 'health:gp:z-1');
    expect(earlier?.modelVersion).toBe(0);
  }, 120_000);

  it('keeps no name or town in plain text in the model rows (the term frequencies are sealed)', async () => {
    const rows = await db.query<{ row: string }>('SELECT row_to_json(m)::text AS row FROM person_index_models AS m');
    const text = rows.map((r) => r.row).join('\n').toLowerCase();
    const values = new Set(records.flatMap((r) => [...(r.record.given ?? []), r.record.family ?? '', r.record.town ?? '', ...(r.record.addressLines ?? [])]).filter((v) => v.length >= 5).map((v) => v.toLowerCase()));
    expect(values.size).toBeGreaterThan(50);
    expect([...values].filter((v) => text.includes(v))).toEqual([]);
    // They are there, sealed: opened with the index key, the common names are counted.
    const stored = await createModelStore(deriveIndexKey(masterKey)).readVersion(db, 2);
    const opened = JSON.stringify(stored?.termFrequencies).toLowerCase();
    expect([...values].filter((v) => opened.includes(v)).length).toBeGreaterThan(10);
  });
});
