/**
 * Targets for the audit log (DESIGN.md: every decision audited): ≥ 1,000 appends/s while the gateway serves referrals, and
 * ≥ 200,000 entries/s verified on one core. Run: npm exec -- node bench/audit.ts [windowSeconds]
 *
 * (a) Append rate: a real PostgreSQL (test/support/postgres.ts), an in-process gateway wired as
 *     src/main.ts wires it (createApp, the in-process job runner, the research processors, the
 *     five agency simulators), referrals submitted concurrently through the API, and audit
 *     entries appended from concurrent transactions beside them (in a thread of their own, as a
 *     worker process's transactions would be). Counted from the chain head over
 *     a fixed window, so every entry counts: the gateway's own (referral.received,
 *     lookup.completed, …) and the extra appenders'. Appends serialise on the head row's lock
 *     (src/audit/log.ts), so the rate is also measured with 1 and with many appenders and no
 *     gateway load, and the mean time an append transaction holds the lock is printed.
 * (b) Verification rate: 200,000 entries are chained in memory and bulk-loaded, then
 *     verifyAuditLog (src/audit/verify.ts: read from PostgreSQL in batches, recompute, check the
 *     signed checkpoints) runs over the whole log; separately, the pure recomputation (verifyRun
 *     over the in-memory entries) on one core. The target applies to verifyAuditLog, the figure
 *     an auditor waits for.
 *
 * Note: the test PostgreSQL runs with fsync=off and synchronous_commit=off (it is thrown away
 * after the run). A production server flushes WAL at each commit, and the head lock is held until
 * the commit returns, so there the append ceiling is about 1 / (commit flush time).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { GENESIS_HASH, verifyRun, type ChainEntry } from '../src/audit/chain.ts';
import { appendAudit, type AuditEntry } from '../src/audit/log.ts';
import { checkpointMessage, signerFromPem } from '../src/audit/signing.ts';
import { verifyAuditLog } from '../src/audit/verify.ts';
import { sealAll } from '../src/audit/seal.ts';
import { createApp } from '../src/gateway/app.ts';
import { signToken } from '../src/gateway/embedded-key.ts';
import { createTokenVerifier } from '../src/gateway/token-verifier.ts';
import { systemClock } from '../src/lib/clock.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { createInProcessRunner } from '../src/queue/in-process.ts';
import type { JobProcessors } from '../src/queue/runner.ts';
import { completeResearch } from '../src/research/complete.ts';
import { defaultRegistry } from '../src/research/kits.ts';
import { createConnectorGuards } from '../src/research/connector-guard.ts';
import { memoryRateWindow } from '../src/research/rate-limit.ts';
import { executeLookup, type ResearchDeps } from '../src/research/lookup.ts';
import { upsertConnector } from '../src/store/connectors.ts';
import type { Db } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { openPostgres } from '../src/store/postgres.ts';
import { createVault } from '../src/store/vault.ts';
import { z } from 'zod';
import type { ResearchPlan } from '../src/model/jobs.ts';
import { chainOf } from '../test/audit/support.ts';
import { startEmbeddedSimulators } from '../simulators/embedded.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { testIdentity } from '../test/support/identity.ts';
import { testSigningKey } from '../test/support/tokens.ts';
import { loadConfig } from '../src/config.ts';
import { createSlaClock } from '../src/model/working-calendar.ts';
import { testSla } from '../test/support/sla.ts';

const APPEND_TARGET = 1_000;
const VERIFY_TARGET = 200_000;
const WINDOW_MS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 10) * 1_000;
const SUBMITTERS = 4;
const APPENDERS = 8;
const VERIFY_ENTRIES = 200_000;
const CHECKPOINT_EVERY = 10_000;
const ROOT = path.resolve(import.meta.dirname, '..');
const EXAMPLE = readFileSync(path.join(ROOT, 'examples', 'referral.json'), 'utf8');

const rate = (count: number, ms: number): number => (count * 1_000) / ms;
/** Public keys of the checkpoints the benchmark signs, for verifyAuditLog. */
const keys = new Map<string, string>();

const fmt = (n: number): string => Math.round(n).toLocaleString('en-GB');

/** Entries appended so far (sealed or not: appends no longer wait for the chain). */
async function headSeq(db: Db): Promise<number> {
  const [count] = await db.query<{ n: number | string }>('SELECT count(*) AS n FROM audit_log');
  return Number(count?.n ?? 0);
}

/** An entry like a picture view: the commonest append a busy hub makes. */
const viewEntry = (n: number): AuditEntry => ({
  at: new Date(),
  actor: `bench-practitioner-${n % 50}`,
  action: 'picture.viewed',
  referralId: '7d0f4c1e-8f3a-4b5c-9d2e-1a2b3c4d5e6f',
  agency: 'police',
  detail: { role: 'hub-practitioner', items: 3, itemIds: [`fact_${n}a`, `fact_${n}b`, `fact_${n}c`] },
});

/** Append from `workers` concurrent loops until `until`; returns appends made and the mean transaction time. */
async function appendLoops(db: Db, workers: number, until: number): Promise<{ appended: number; meanMs: number }> {
  let appended = 0;
  let totalMs = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await db.transaction((tx) => appendAudit(tx, viewEntry(appended)));
        totalMs += performance.now() - started;
        appended += 1;
      }
    }),
  );
  return { appended, meanMs: appended === 0 ? 0 : totalMs / appended };
}

/** Appends/s with no other load, to show whether more appenders add throughput. */
async function appendScaling(db: Db, workers: number, ms: number): Promise<{ perSecond: number; meanMs: number }> {
  const before = await headSeq(db);
  const started = performance.now();
  const { meanMs } = await appendLoops(db, workers, started + ms);
  return { perSecond: rate((await headSeq(db)) - before, performance.now() - started), meanMs };
}

/** Messages between the benchmark and its appender thread. */
type ToAppender = { readonly kind: 'start'; readonly ms: number };
type FromAppender = { readonly kind: 'ready' } | { readonly kind: 'done'; readonly appended: number; readonly meanMs: number };

/**
 * The extra appenders run in a thread of their own, as a worker process's transactions would:
 * their event loop is not the gateway's. (The gateway's own appends still take the same head lock.)
 */
async function appenderThread(): Promise<void> {
  const port = parentPort;
  if (port === null) return;
  const data = z.object({ url: z.string(), workers: z.number().int() }).parse(workerData);
  const db = openPostgres(data.url, { max: data.workers });
  try {
    const start = new Promise<ToAppender>((resolve) => port.once('message', (message: ToAppender) => resolve(message)));
    port.postMessage({ kind: 'ready' } satisfies FromAppender);
    const { ms } = await start;
    const { appended, meanMs } = await appendLoops(db, data.workers, performance.now() + ms);
    port.postMessage({ kind: 'done', appended, meanMs } satisfies FromAppender);
  } finally {
    await db.close();
  }
}

interface LoadFigures {
  readonly perSecond: number;
  readonly ownPerSecond: number;
  readonly referrals: number;
  readonly pictures: number;
  readonly meanMs: number;
  readonly windowMs: number;
  /** Event-loop delay of the gateway's thread: how long a ready callback (a query's answer) waits. */
  readonly loopDelayMs: { readonly p50: number; readonly p99: number };
}

async function appendUnderLoad(db: Db, url: string): Promise<LoadFigures> {
  const simulators = await startEmbeddedSimulators();
  const vault = createVault(randomBytes(32));
  const logger = silentLogger();
  for (const connector of simulators.connectors) await upsertConnector(db, connector, 'embedded', new Date());
  const guards = createConnectorGuards({ rateWindow: memoryRateWindow(), clock: systemClock, logger });
  const researchDeps: ResearchDeps = { db, vault, registry: defaultRegistry(), clock: systemClock, logger, env: process.env, actor: 'system:bench', guards };
  let schedule: (plan: ResearchPlan) => Promise<void> = () => Promise.resolve();
  const identity = testIdentity({ db, vault, clock: systemClock, masterKey: randomBytes(32) });
  const processors: JobProcessors = {
    lookup: (data) => executeLookup(data, researchDeps),
    referral: (data) => completeResearch(data, { ...researchDeps, familyDepth: 1, identity, sla: testSla, schedule: (plan) => schedule(plan) }),
    // Nothing is published here, so the outbox never has a delivery to make.
    delivery: () => Promise.reject(new Error('the audit benchmark publishes nothing')),
  };
  const runner = createInProcessRunner({ processors }, { concurrency: 8, attempts: 3, backoffMs: 200 }, logger);
  schedule = (plan) => runner.schedule(plan);
  const key = testSigningKey();
  const app = createApp({
    sla: createSlaClock(loadConfig({}).calendar, 0.75),
    db,
    vault,
    identity,
    scheduler: runner,
    clock: systemClock,
    logger,
    auditKeys: new Map(),
    verifyToken: createTokenVerifier({ publicKey: key.publicKey, issuer: 'mash-gateway', audience: 'mash-gateway', maxLifetimeSeconds: 8 * 3600, clockSkewSeconds: 60 }),
  });
  const intake = await signToken(key, { sub: 'bench-intake', role: 'referral-intake' }, { issuer: 'mash-gateway', audience: 'mash-gateway' });
  const submit = () => app.request('/v1/referrals', { method: 'POST', headers: { authorization: `Bearer ${intake}`, 'content-type': 'application/json' }, body: EXAMPLE });
  const appenders = new Worker(new URL(import.meta.url), { workerData: { url, workers: APPENDERS } });
  const fromAppenders = (kind: FromAppender['kind']): Promise<FromAppender> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: FromAppender): void => {
        if (message.kind === kind) {
          appenders.off('message', onMessage);
          resolve(message);
        }
      };
      appenders.on('message', onMessage);
      appenders.once('error', reject);
    });

  try {
    await fromAppenders('ready');
    // Warm up: one referral through to its picture, so connections and simulators are hot.
    await submit();
    await runner.idle();
    const [readyBefore] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'referral.picture-ready'");

    const before = await headSeq(db);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const until = started + WINDOW_MS;
    let referrals = 0;
    const submitters = Array.from({ length: SUBMITTERS }, async () => {
      while (performance.now() < until) {
        const response = await submit();
        if (response.status !== 202) throw new Error(`referral refused: ${response.status}`);
        referrals += 1;
      }
    });
    const done = fromAppenders('done');
    appenders.postMessage({ kind: 'start', ms: WINDOW_MS } satisfies ToAppender);
    const [appends] = await Promise.all([done, ...submitters]);
    const windowMs = performance.now() - started;
    delay.disable();
    const after = await headSeq(db);
    const [readyAfter] = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'referral.picture-ready'");
    if (appends.kind !== 'done') throw new Error('appender thread did not finish');
    return {
      perSecond: rate(after - before, windowMs),
      ownPerSecond: rate(appends.appended, windowMs),
      referrals,
      pictures: (readyAfter?.n ?? 0) - (readyBefore?.n ?? 0),
      meanMs: appends.meanMs,
      windowMs,
      loopDelayMs: { p50: delay.percentile(50) / 1e6, p99: delay.percentile(99) / 1e6 },
    };
  } finally {
    await appenders.terminate();
    await runner.close();
    await simulators.close();
  }
}

/** Chain `count` entries after the head in memory, bulk-load them with signed checkpoints; returns them. */
async function loadEntries(db: Db, count: number): Promise<ChainEntry[]> {
  const [head] = await db.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  const start = { seq: Number(head?.seq ?? 0), hash: head?.hash ?? GENESIS_HASH };
  const base = Date.now();
  const entries = chainOf(Array.from({ length: count }, (_, i) => ({ ...viewEntry(i), at: new Date(base + i) })), start);
  const signer = signerFromPem(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  for (let i = 0; i < entries.length; i += 10_000) {
    const batch = entries.slice(i, i + 10_000);
    // Text arrays cannot hold NULL through the driver port: '' stands for NULL (no column here is legitimately '').
    const column = (k: keyof ChainEntry): string[] => batch.map((e) => (e[k] === null ? '' : String(e[k])));
    await db.query(
      `INSERT INTO audit_log (seq, at, actor, action, referral_id, agency, subject, detail, prev_hash, hash)
       SELECT s, a, ac, act, NULLIF(r, '')::uuid, NULLIF(ag, ''), NULLIF(sub, ''), d, p, h
         FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) AS t(s, a, ac, act, r, ag, sub, d, p, h)`,
      [column('seq'), column('at'), column('actor'), column('action'), column('referralId'), column('agency'), column('subject'), column('detail'), column('prevHash'), column('hash')],
    );
  }
  const last = entries.at(-1);
  if (last !== undefined) await db.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [last.seq, last.hash]);
  for (const entry of entries.filter((e) => e.seq % CHECKPOINT_EVERY === 0)) {
    await db.query('INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature) VALUES ($1, $2, now(), $3, $4)', [entry.seq, entry.hash, signer.keyId, signer.sign(checkpointMessage(entry.seq, entry.hash))]);
  }
  keys.set(signer.keyId, signer.publicKeyPem);
  return entries;
}

async function main(): Promise<number> {
  const postgres = await startPostgres();
  const db = openPostgres(postgres.url, { max: 20 });
  try {
    await migrate(db);
    console.log(`audit log benchmark (PostgreSQL ${(await db.query<{ v: string }>("SELECT current_setting('server_version') AS v"))[0]?.v ?? '?'}, fsync=off; node ${process.version}; ${WINDOW_MS / 1000} s windows)`);

    const one = await appendScaling(db, 1, 3_000);
    const many = await appendScaling(db, APPENDERS, 3_000);
    console.log(`appends, no other load: 1 appender ${fmt(one.perSecond)}/s (${one.meanMs.toFixed(2)} ms per append transaction); ${APPENDERS} appenders ${fmt(many.perSecond)}/s (${many.meanMs.toFixed(2)} ms each, ${(many.perSecond / one.perSecond).toFixed(2)}× one appender — appends take no lock; a sealer chains them)`);

    const load = await appendUnderLoad(db, postgres.url);
    console.log(
      `(a) append rate while the gateway serves referrals: ${fmt(load.perSecond)} entries/s over ${(load.windowMs / 1000).toFixed(1)} s ` +
        `(${fmt(load.ownPerSecond)}/s from ${APPENDERS} concurrent appenders in another thread, the rest the gateway's own; ${load.referrals} referrals accepted, ${load.pictures} pictures completed; ` +
        `${load.meanMs.toFixed(2)} ms per append transaction; gateway event-loop delay p50 ${load.loopDelayMs.p50.toFixed(0)} ms, p99 ${load.loopDelayMs.p99.toFixed(0)} ms); target ≥ ${fmt(APPEND_TARGET)}/s; ratio ${(load.perSecond / APPEND_TARGET).toFixed(2)}`,
    );

    // Chain what the append phases wrote, then bulk-load a long, already chained log after it.
    await sealAll(db);
    const entries = await loadEntries(db, VERIFY_ENTRIES);
    const total = await headSeq(db);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const verification = await verifyAuditLog(db, keys);
    const cpu = process.cpuUsage(cpuBefore);
    const verifySeconds = (performance.now() - started) / 1000;
    // The verifier's own CPU time (user + system): what one core spent, the database server aside.
    const verifierCpuSeconds = (cpu.user + cpu.system) / 1e6;
    if (!verification.ok) throw new Error(`the benchmark log does not verify: ${verification.failure?.reason ?? ''}`);
    const wallRate = verification.entries / verifySeconds;
    const verifyRate = verification.entries / verifierCpuSeconds;
    console.log(
      `(b) verifyAuditLog over ${fmt(verification.entries)} entries (${verification.checkpoints} signed checkpoints, read from PostgreSQL on the same 2 cores): ` +
        `${verifySeconds.toFixed(2)} s wall, ${fmt(wallRate)} entries/s wall-clock; verifier CPU ${verifierCpuSeconds.toFixed(2)} s, ${fmt(verifyRate)} entries/s per core; ` +
        `target ≥ ${fmt(VERIFY_TARGET)}/s on one core; ratio ${(verifyRate / VERIFY_TARGET).toFixed(2)} (wall-clock ratio ${(wallRate / VERIFY_TARGET).toFixed(2)})`,
    );
    if (verification.entries !== total) throw new Error('verification did not cover the whole log');

    const first = entries[0];
    if (first === undefined) throw new Error('no entries');
    const pureStarted = performance.now();
    const pure = verifyRun(entries, { afterSeq: first.seq - 1, afterHash: first.prevHash });
    const pureSeconds = (performance.now() - pureStarted) / 1000;
    if (!pure.ok) throw new Error('the in-memory chain does not verify');
    const pureRate = pure.value.count / pureSeconds;
    console.log(`    pure chain recomputation (verifyRun, in memory, one core) over ${fmt(pure.value.count)} entries: ${pureSeconds.toFixed(2)} s, ${fmt(pureRate)} entries/s; ratio ${(pureRate / VERIFY_TARGET).toFixed(2)} of the target`);

    const missed = [load.perSecond < APPEND_TARGET ? 'append rate' : undefined, verifyRate < VERIFY_TARGET ? 'verification rate' : undefined].filter((m) => m !== undefined);
    console.log(missed.length === 0 ? 'all audit targets met' : `MISSED: ${missed.join(', ')}`);
    return missed.length === 0 ? 0 : 1;
  } finally {
    await db.close();
    await postgres.stop();
  }
}

if (isMainThread) process.exitCode = await main();
else await appenderThread();
