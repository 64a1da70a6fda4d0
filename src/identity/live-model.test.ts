/**
 * Which matcher the live model hands the person index for the active version: the stored
 * parameters of a version trained on this engine's comparison shape; the prior (version 0) for a
 * version of another shape (trained before an upgrade that changed fields or levels) or one this
 * engine cannot read — so an upgrade never stops linking, and links say honestly what scored them.
 * The store here is a stand-in holding versions in memory; the SQL store is driven in
 * test/identity/live-model.int.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../lib/clock.ts';
import type { ModelVersionSummary, StoredModelVersion } from '../model/person-index-model.ts';
import type { Db, Sql } from '../store/db.ts';
import { defaultModel } from './engine/model.ts';
import { createLiveModel, ENGINE_SHAPE } from './live-model.ts';
import type { ModelStore } from './model-port.ts';

const summary = (version: number, fingerprint: string): ModelVersionSummary => ({
  version,
  kind: 'estimated',
  status: 'active',
  createdAt: new Date(0),
  activatedAt: new Date(0),
  supersededAt: null,
  trigger: 'schedule',
  requestedBy: null,
  records: 500,
  candidatePairs: 9000,
  trainingPairs: 400,
  iterations: 12,
  converged: true,
  expectedMatches: 120,
  dataFingerprint: fingerprint,
  reasons: [],
});

/** A store with one active version. */
function storeWith(stored: StoredModelVersion): ModelStore {
  const refuse = (): never => {
    throw new Error('not used here');
  };
  return {
    activeVersion: () => Promise.resolve(stored.version),
    readVersion: (_sql, version) => Promise.resolve(version === stored.version ? stored : undefined),
    listVersions: () => Promise.resolve([stored]),
    versionForFingerprint: refuse,
    fingerprint: refuse,
    trainingSnapshot: refuse,
    recordVersion: refuse,
  };
}

const sql: Sql = { query: () => Promise.reject(new Error('no SQL here')) };
const db = { ...sql, kind: 'pglite', transaction: () => Promise.reject(new Error('no SQL here')), exec: () => Promise.resolve(), close: () => Promise.resolve() } satisfies Db;
const { termFrequencies, ...parameters } = { ...defaultModel(0.002), termFrequencies: { family: { total: 3, counts: { smith: 2 } } } };

const live = (stored: StoredModelVersion) => createLiveModel({ db, store: storeWith(stored), audit: () => Promise.resolve(), clock: fixedClock(new Date(0)) });

describe('the active version’s matcher', () => {
  it('is built from the stored parameters of a version of this engine’s shape, once', async () => {
    const model = live({ ...summary(3, `500:900:${ENGINE_SHAPE}`), parameters, termFrequencies });
    const active = await model.active(sql);
    expect(active.version).toBe(3);
    expect(active.matcher.model.priorMatch).toBe(0.002);
    expect(active.matcher.model.termFrequencies).toEqual(termFrequencies);
    expect(await model.active(sql)).toBe(active);
  });

  it('is the prior, version 0, for a version trained on another comparison shape', async () => {
    const model = live({ ...summary(3, '500:900:0123456789abcdef'), parameters, termFrequencies });
    const active = await model.active(sql);
    expect(active.version).toBe(0);
    expect(active.matcher).toBe(model.prior);
  });

  it('is the prior, version 0, for stored parameters this engine cannot read', async () => {
    const levels = parameters.fields.sex.m.length;
    const broken = { ...parameters, fields: { ...parameters.fields, sex: { m: new Array<number>(levels + 1).fill(1 / (levels + 1)), u: parameters.fields.sex.u } } };
    const model = live({ ...summary(4, `500:900:${ENGINE_SHAPE}`), parameters: broken, termFrequencies });
    expect(await model.active(sql)).toMatchObject({ version: 0 });
  });

  it('applies the configured bands to the stored version', async () => {
    const stored = { ...summary(3, `500:900:${ENGINE_SHAPE}`), parameters, termFrequencies };
    const model = createLiveModel({ db, store: storeWith(stored), audit: () => Promise.resolve(), clock: fixedClock(new Date(0)), thresholds: { match: 4.25, possible: 2.5, requirePersonalEvidence: true } });
    expect((await model.active(sql)).matcher.model.thresholds).toEqual({ match: 4.25, possible: 2.5, requirePersonalEvidence: true });
    expect(model.prior.model.thresholds).toEqual({ match: 4.25, possible: 2.5, requirePersonalEvidence: true });
  });
});
