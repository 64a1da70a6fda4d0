/**
 * The person index's live model through the real processes (`node src/main.ts`), over HTTP, as
 * an operator meets it (docs/decisions.md "The live person index trains its own model",
 * "Outcome bands are configuration"):
 * - embedded (one process, PGlite, the in-process runner's schedule): the first scheduled
 *   estimation finds too few records and is refused — listed with its reasons, audited, the prior
 *   still active; synthetic persons are then loaded into the index (the process stopped: PGlite is
 *   one process's), and after a restart the schedule activates a model trained on them; the next
 *   referral's person links carry the new version, read in the picture;
 * - distributed (PostgreSQL, Redis, a gateway and a worker): the estimation runs as the worker's
 *   BullMQ periodic job while the records arrive, neither process restarts, the referral's links
 *   carry the new version, and the model rows hold no name or town in plain text;
 * - a bad outcome band stops start-up with one line naming the variable.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { Role } from '../../src/model/principal.ts';
import { openStore } from '../../src/store/open.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { waitFor } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { syntheticIndexRecords } from '../identity/support/model-population.ts';
import { liveIndex, loadingReferral, loadRecords } from '../identity/support/model-index.ts';
import { startDistributedStack, type DistributedStack } from './distributed.ts';
import { startGatewayOnSimulators, submitExample, waitForPicture, type GatewayOnSimulators } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const RECORDS = syntheticIndexRecords(300, { seed: 11 });

interface ModelVersionView {
  version: number;
  kind: string;
  status: string;
  trigger: string;
  records: number;
  trainingPairs: number;
  reasons: { code: string; message: string }[];
}
interface ModelList {
  active: number | null;
  versions: ModelVersionView[];
}
interface PersonLinkView {
  hubPersonId: string;
  outcome: string;
  score: number | null;
  evidence: { field: string; level: string; weight: number }[];
  modelVersion: number | null;
}
interface PictureWithLinks {
  persons: { subjectRef: string; records: { agency: string; personLink?: PersonLinkView | null }[] }[];
}

const token = (dataDir: string, role: Role, agency?: Agency): Promise<string> =>
  signToken(loadOrCreateSigningKey(dataDir), { sub: `e2e-${role}${agency === undefined ? '' : `-${agency}`}`, role, agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });

async function models(url: string, bearer: string): Promise<ModelList> {
  const response = await fetch(`${url}/v1/person-index/models`, { headers: { authorization: `Bearer ${bearer}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as ModelList;
}

/** Waits until the versions listed satisfy `done`. */
const waitForModels = (url: string, bearer: string, done: (list: ModelList) => boolean, what: string): Promise<ModelList> =>
  waitFor(async () => {
    const list = await models(url, bearer);
    return done(list) ? list : undefined;
  }, 60_000, what);

/** The person links of the referral's records, as a health practitioner's picture shows them. */
async function personLinks(url: string, dataDir: string, referralId: string): Promise<PersonLinkView[]> {
  const response = await fetch(`${url}/v1/referrals/${referralId}/picture`, { headers: { authorization: `Bearer ${await token(dataDir, 'hub-practitioner', 'health')}` } });
  expect(response.status).toBe(200);
  const picture = (await response.json()) as PictureWithLinks;
  return picture.persons.flatMap((p) => p.records.flatMap((r) => (r.personLink === undefined || r.personLink === null ? [] : [r.personLink])));
}

/**
 * Every link was scored by a trained version at least as new as `trained`: the referral's own
 * records change the index, so the schedule (every second here) may train a newer one while the
 * referral is still being linked. Some links compare with a candidate: their evidence is shown.
 */
async function expectTrainedLinks(url: string, manager: string, links: readonly PersonLinkView[], trained: number): Promise<void> {
  expect(links.length).toBeGreaterThan(0);
  const versions = new Map((await models(url, manager)).versions.map((v) => [v.version, v]));
  for (const link of links) {
    expect(link.modelVersion).toBeGreaterThanOrEqual(trained);
    expect(versions.get(link.modelVersion ?? -1)).toMatchObject({ kind: 'estimated', status: expect.stringMatching(/^(active|superseded)$/) as unknown });
  }
  expect(links.some((l) => l.evidence.length > 0 && l.score !== null)).toBe(true);
}

/** Indexes the synthetic records in a store, as research would have linked them, under the deployment's master key. */
async function loadSyntheticPersons(store: { databaseUrl?: string; dataDir: string }, masterKey: Buffer): Promise<void> {
  const db = await openStore({ databaseUrl: store.databaseUrl, dataDir: store.dataDir });
  try {
    const clock = fixedClock(new Date());
    const { index } = liveIndex(db, masterKey, clock);
    await loadRecords(db, index, await loadingReferral(db), RECORDS, clock.now());
  } finally {
    await db.close();
  }
}

describe('the live person index model, embedded', () => {
  const tmp = makeTempDir('mash-e2e-model-');
  const masterKey = randomBytes(32);
  const env = { MASH_MASTER_KEY: masterKey.toString('base64'), MASH_MODEL_ESTIMATION_EVERY: '1s' };
  let embedded: GatewayOnSimulators | undefined;

  afterAll(async () => {
    await embedded?.stop();
    tmp.remove();
  });

  it('refuses the first estimation on too few records, keeps the prior, and says why', async () => {
    embedded = await startGatewayOnSimulators(tmp.dir, { env });
    const url = embedded.gateway.url;
    const manager = await token(tmp.dir, 'hub-manager');
    const list = await waitForModels(url, manager, (l) => l.versions.some((v) => v.status === 'refused'), 'the scheduled estimation to be refused');
    expect(list.active).toBe(0);
    const refused = list.versions.find((v) => v.status === 'refused');
    expect(refused).toMatchObject({ version: 1, trigger: 'schedule', records: 0 });
    expect(refused?.reasons.map((r) => r.code)).toEqual(['too-few-records', 'too-few-pairs']);
    expect(list.versions.find((v) => v.version === 0)).toMatchObject({ kind: 'prior', status: 'active' });

    // Asked again on the same records: nothing new.
    const again = await fetch(`${url}/v1/person-index/models/estimate`, { method: 'POST', headers: { authorization: `Bearer ${manager}` } });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ outcome: 'unchanged', version: { version: 1, status: 'refused' } });
    // Only the manager's.
    expect((await fetch(`${url}/v1/person-index/models`, { headers: { authorization: `Bearer ${await token(tmp.dir, 'hub-practitioner', 'health')}` } })).status).toBe(403);

    const audit = await fetch(`${url}/v1/audit/entries?action=person-index.model.refused`, { headers: { authorization: `Bearer ${await token(tmp.dir, 'auditor')}` } });
    expect(audit.status).toBe(200);
    const entries = ((await audit.json()) as { entries: { actor: string; subject: string | null; detail: string }[] }).entries;
    expect(entries).toEqual([expect.objectContaining({ actor: 'system:all', subject: 'model-version:1' })]);
    expect(JSON.parse(entries[0]?.detail ?? '{}')).toMatchObject({ version: 1, records: 0, reasons: ['too-few-records', 'too-few-pairs'] });
  }, 90_000);

  it('activates a model trained on the index’s records, and the next referral’s links record it', async () => {
    await embedded?.stop();
    embedded = undefined;
    await loadSyntheticPersons({ dataDir: tmp.dir }, masterKey);
    embedded = await startGatewayOnSimulators(tmp.dir, { env });
    const url = embedded.gateway.url;
    const manager = await token(tmp.dir, 'hub-manager');
    const list = await waitForModels(url, manager, (l) => l.active !== null && l.active > 0, 'a trained model to be activated');
    expect(list.active).toBe(2);
    expect(list.versions.find((v) => v.version === 2)).toMatchObject({ kind: 'estimated', status: 'active', trigger: 'schedule', records: RECORDS.length, reasons: [] });
    expect(list.versions.find((v) => v.version === 0)?.status).toBe('superseded');

    const referralId = await submitExample(url, await token(tmp.dir, 'referral-intake'));
    await waitForPicture(url, manager, referralId, 60_000);
    await expectTrainedLinks(url, manager, await personLinks(url, tmp.dir, referralId), 2);
  }, 120_000);
});

describe('the live person index model, distributed', () => {
  let stack: DistributedStack;

  beforeAll(async () => {
    stack = await startDistributedStack({ tmpPrefix: 'mash-e2e-model-dist-', env: { MASH_MODEL_ESTIMATION_EVERY: '1s' } });
  }, 120_000);

  afterAll(async () => {
    await stack.stop();
  });

  it('estimates on the worker’s schedule while records arrive, and both processes use the new version without a restart', async () => {
    const url = stack.gateway.url;
    const manager = await token(stack.dataDir, 'hub-manager');
    await waitForModels(url, manager, (l) => l.versions.some((v) => v.status === 'refused'), 'the first scheduled estimation (too few records)');
    expect((await models(url, manager)).active).toBe(0);

    await loadSyntheticPersons({ databaseUrl: stack.postgres.url, dataDir: stack.dataDir }, Buffer.from(stack.env.MASH_MASTER_KEY ?? '', 'base64'));
    // The schedule may train on the records loaded so far, more than once; in the end on all of them.
    const list = await waitForModels(url, manager, (l) => l.versions.some((v) => v.status === 'active' && v.records === RECORDS.length), 'the worker to activate a model trained on every record');
    const active = list.versions.find((v) => v.version === list.active);
    expect(active).toMatchObject({ kind: 'estimated', trigger: 'schedule', records: RECORDS.length, reasons: [] });

    const referralId = await submitExample(url, await token(stack.dataDir, 'referral-intake'));
    await waitForPicture(url, manager, referralId, 60_000);
    await expectTrainedLinks(url, manager, await personLinks(url, stack.dataDir, referralId), list.active ?? 1);

    // The estimation ran on the worker (its audit actor), and its rows hold no name or town in plain text.
    const db = await openStore({ databaseUrl: stack.postgres.url, dataDir: stack.dataDir });
    try {
      const actors = await db.query<{ actor: string }>("SELECT DISTINCT actor FROM audit_log WHERE action LIKE 'person-index.model.%'");
      expect(actors.map((a) => a.actor)).toEqual(['system:worker']);
      const rows = (await db.query<{ row: string }>('SELECT row_to_json(m)::text AS row FROM person_index_models AS m')).map((r) => r.row.toLowerCase()).join('\n');
      const values = new Set(RECORDS.flatMap((r) => [...(r.record.given ?? []), r.record.family ?? '', r.record.town ?? '']).filter((v) => v.length >= 5).map((v) => v.toLowerCase()));
      expect([...values].filter((v) => rows.includes(v))).toEqual([]);
    } finally {
      await db.close();
    }
  }, 150_000);
});

describe('outcome bands at start-up', () => {
  const tmp = makeTempDir('mash-e2e-model-bands-');
  afterAll(() => tmp.remove());

  it.each([
    [{ MASH_MATCH_AUTO_PROBABILITY: '0.85', MASH_MATCH_POSSIBLE_PROBABILITY: '0.95' }, 'MASH_MATCH_POSSIBLE_PROBABILITY', 'must be below MASH_MATCH_AUTO_PROBABILITY'],
    [{ MASH_MATCH_AUTO_PROBABILITY: '1.5' }, 'MASH_MATCH_AUTO_PROBABILITY', 'strictly between 0 and 1'],
    [{ MASH_MODEL_ESTIMATION_EVERY: 'sometimes' }, 'MASH_MODEL_ESTIMATION_EVERY', 'must be off, or a duration'],
  ])('stops with one line naming the variable: %o', (bad, variable, message) => {
    const result = spawnSync(process.execPath, ['src/main.ts'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', MASH_DATA_DIR: tmp.dir, ...bad }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`mash: configuration error: ${variable}: `);
    expect(result.stderr).toContain(message);
  });
});
