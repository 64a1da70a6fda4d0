/**
 * Composition root (CONVENTIONS.md §1): config → store → connectors → job engine → adapters →
 * app and workers. The only module that imports everything. `MASH_ROLE` picks what this process
 * runs: `all` (embedded default), `gateway` (HTTP only) or `worker` (jobs only).
 */
import { readFileSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { checkpointIfDue } from './audit/checkpoints.ts';
import { appendAudit } from './audit/log.ts';
import { loadAuditSigner, type AuditSigner } from './audit/signing.ts';
import { sealAll } from './audit/seal.ts';
import { loadConfig, type Config } from './config.ts';
import { createSlaClock, type SlaClock } from './model/working-calendar.ts';
import { createApp } from './gateway/app.ts';
import { loadOrCreateSigningKey } from './gateway/embedded-key.ts';
import { createTokenVerifier, type TokenVerifier } from './gateway/token-verifier.ts';
import { ConfigError, describeError } from './lib/errors.ts';
import { systemClock } from './lib/clock.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import type { Metrics } from './lib/metrics.ts';
import { createPrometheusMetrics } from './metrics/prometheus.ts';
import { startMetricsServer } from './metrics/server.ts';
import { readStoreFigures } from './store/metrics-figures.ts';
import { startJobEngine, type JobEngine } from './queue/engine.ts';
import { createQueueDashboard } from './queue/dashboard.ts';
import { deliverMessage, sweepOutbox, type OutboxDeps } from './queue/outbox.ts';
import type { JobWork } from './queue/runner.ts';
import { createPictures, type Pictures } from './case/pictures.ts';
import { applyRetention } from './case/retention.ts';
import { createIdentityAccess } from './case/identity-access.ts';
import { createFeedbackNotifier } from './host/feedback.ts';
import { createHostPublisher, type HostSettings } from './host/publisher.ts';
import { createIdentity, createLiveModel, type Identity } from './identity/index.ts';
import { buildChronology } from './mapping/chronology.ts';
import { buildFamily } from './mapping/family.ts';
import { completeResearch } from './research/complete.ts';
import { resumeResearch } from './research/intake.ts';
import { executeLookup, type ResearchDeps } from './research/lookup.ts';
import { createConnectorGuards } from './research/connector-guard.ts';
import { recoverLookups } from './research/rerun.ts';
import { memoryRateWindow, type RateWindow } from './research/rate-limit.ts';
import { redisRateWindow } from './queue/rate-limit-redis.ts';
import { recordBreakerChange } from './store/connector-health.ts';
import { defaultRegistry } from './research/kits.ts';
import { declareConnectors as declareConnectorsOf } from './research/connector-admin.ts';
import type { Db } from './store/db.ts';
import { DataDirLockedError } from './store/lock.ts';
import { resolveMasterKey } from './store/master-key.ts';
import { openStore } from './store/open.ts';
import { createVault, type Vault } from './store/vault.ts';
import { createIdentityStore } from './store/identity.ts';
import { createPersonIndexStore, deriveIndexKey, type PersonIndexRows } from './store/person-index.ts';
import { createModelStore, type ModelRows } from './store/person-index-models.ts';
import { startEmbeddedSimulators, type EmbeddedSimulators } from '../simulators/embedded.ts';

type Closer = () => Promise<void>;

/** How often committed audit entries are chained (docs/decisions.md, "The audit chain is sealed just after commit"). */
const AUDIT_SEAL_EVERY_MS = 200;
/** How often a due checkpoint is looked for (MASH_AUDIT_CHECKPOINT_EVERY / _MS say when one is due). */
const AUDIT_CHECKPOINT_EVERY_MS = 1_000;
/** How often the outbox is swept for due messages whose job was lost (a crash, Redis data lost, a failed enqueue). */
const OUTBOX_SWEEP_EVERY_MS = 1_000;

async function main(): Promise<void> {
  const config = readConfigOrExit();
  const logger = createLogger({ level: config.logLevel, name: `mash-${config.role}` });
  const closers: Closer[] = [];
  installShutdown(closers, logger, config.shutdownGraceMs);
  const sla = slaClockOf(config, logger);

  let db: Db;
  try {
    db = await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.dataDir,
      // The pool reconnects by itself; requests meanwhile get 503 and jobs wait (docs/decisions.md).
      onConnectionError: (error) => logger.warn({ code: 'STORE.CONNECTION_LOST', error: describeError(error) }, 'store connection lost'),
    });
  } catch (error) {
    exitWith(error instanceof DataDirLockedError ? error.message : `cannot open the store: ${describeError(error)}`);
  }
  closers.unshift(() => db.close());

  let vault: Vault;
  let personIndexRows: PersonIndexRows;
  let modelRows: ModelRows;
  try {
    const masterKey = resolveMasterKey({ ...config.masterKey, embedded: config.databaseUrl === undefined, env: process.env });
    vault = createVault(masterKey);
    personIndexRows = createPersonIndexStore(deriveIndexKey(masterKey));
    modelRows = createModelStore(deriveIndexKey(masterKey));
  } catch (error) {
    exitWith(error instanceof ConfigError ? `configuration error: ${error.message}` : `cannot load the master key: ${describeError(error)}`);
  }
  // After the vault: inline credentials of declared connectors are sealed before they are stored.
  const simulators = await declareConnectors(config, db, vault, logger);
  if (simulators !== undefined) closers.unshift(() => simulators.close());
  let auditSigner: AuditSigner;
  try {
    auditSigner = loadAuditSigner({ pem: config.audit.signingKeyPem, dataDir: config.dataDir, embedded: config.databaseUrl === undefined });
  } catch (error) {
    exitWith(error instanceof ConfigError ? `configuration error: ${error.message}` : `cannot load the audit signing key: ${describeError(error)}`);
  }
  const actor = `system:${config.role}`;
  // The person index's live model: its active version, read per resolution, and its estimation;
  // the configured outcome bands apply to every version (docs/decisions.md "The live person index
  // trains its own model", "Outcome bands are configuration").
  const models = createLiveModel({
    db,
    store: modelRows,
    audit: appendAudit,
    clock: systemClock,
    thresholds: { match: config.matching.matchBits, possible: config.matching.possibleBits, requirePersonalEvidence: true },
  });
  // Identity over its ports, with the prior's matcher for subject matching and the live model for
  // the person index (docs/decisions.md "One home for identity").
  const identity = createIdentity({
    db,
    clock: systemClock,
    matcher: models.prior,
    models,
    store: createIdentityStore(vault),
    personIndexStore: personIndexRows,
    audit: appendAudit,
    access: createIdentityAccess({ db, vault, clock: systemClock }),
    pictureSections: { chronology: buildChronology, family: buildFamily },
  });
  // Before the index serves: digests written under an older blocking scheme are written again
  // (docs/decisions.md "Blocking keys are re-keyed when they change"); a second process waits and finds it done.
  try {
    const rekeyed = await db.transaction((tx) => identity.personIndex.ensureKeyScheme(tx, systemClock.now()));
    if (rekeyed.records > 0) logger.info({ from: rekeyed.from, to: rekeyed.to, records: rekeyed.records }, 'person index re-keyed');
  } catch (error) {
    exitWith(`cannot re-key the person index: ${describeError(error)}`);
  }
  // Stored pictures are built again after every change, in the background of whichever process made it.
  const pictures = createPictures({ db, vault, clock: systemClock, identity, logger }, { background: true });
  closers.unshift(() => pictures.close());
  const runsJobs = config.role === 'all' || config.role === 'worker';
  // Connector rate limits hold across every worker: in Redis when distributed (docs/decisions.md "Resilient connectors").
  const redisWindow = runsJobs && config.redisUrl !== undefined ? redisRateWindow(config.redisUrl, logger) : undefined;
  if (redisWindow !== undefined) closers.unshift(() => redisWindow.close());
  const rateWindow: RateWindow = redisWindow ?? memoryRateWindow();
  const servesHttp = config.role === 'all' || config.role === 'gateway';
  // One registry per process (docs/decisions.md "Metrics: one registry per process"); the figures
  // read from the store and the queues at scrape time only from a process that serves the API, so
  // N workers do not count them N times. The engine is late bound, as for the processors.
  const metrics = createPrometheusMetrics({ logger, sources: servesHttp ? { store: () => readStoreFigures(db, systemClock.now()), queues: () => engine.queueStats() } : undefined });
  // Late bound: the processors schedule follow-up work through the engine they run in.
  const engine: JobEngine = startJobEngine({
    redisUrl: config.redisUrl,
    ...config.jobs,
    work: runsJobs ? jobWork({ config, db, vault, identity, pictures, auditSigner, logger, actor, sla, rateWindow, metrics, hostUrl: config.hostSystem.url ?? simulators?.host.url, jobs: () => engine }) : undefined,
    logger,
  });
  closers.unshift(() => engine.close());
  if (config.metrics.port !== undefined) {
    const metricsServer = await startMetricsServer(metrics, { host: config.metrics.host, port: config.metrics.port });
    closers.unshift(() => metricsServer.close());
    logger.info({ url: `${metricsServer.url}/metrics` }, 'metrics listening');
  }

  if (servesHttp) {
    const verifyToken = tokenVerifier(config, logger);
    const auditKeys = new Map([[auditSigner.keyId, auditSigner.publicKeyPem]]);
    // The read-only queue dashboard at /admin/queues, on the engine's Redis: distributed only.
    const dashboard = config.redisUrl === undefined ? undefined : createQueueDashboard({ connection: config.redisUrl, logger });
    if (dashboard !== undefined) closers.unshift(() => dashboard.close());
    const metricsExposition = config.metrics.onGateway ? { contentType: metrics.contentType, text: () => metrics.exposition() } : undefined;
    const app = createApp({ db, vault, identity, pictures, scheduler: engine, deliveries: engine, verifyToken, clock: systemClock, logger, publicUrl: config.publicUrl, auditKeys, sla, queueDashboard: dashboard?.app, metrics, metricsExposition, console: config.console, connectorEnv: process.env, repeatConcernRule: config.repeatConcern });
    const server = await listen(app.fetch, config);
    closers.unshift(() => closeServer(server));
    printBanner(config, serverUrl(server, config), simulators?.host.url);
  } else {
    logger.info({ role: config.role }, 'worker started');
  }
}

/** What `jobWork` needs from the composition root. */
interface JobWorkDeps {
  readonly config: Config;
  readonly db: Db;
  readonly vault: Vault;
  readonly identity: Identity;
  /** Stored pictures, built again after each change research makes. */
  readonly pictures: Pictures;
  readonly auditSigner: AuditSigner;
  readonly logger: Logger;
  readonly actor: string;
  /** The working-hours SLA clock: research priority follows the referral's due time. */
  readonly sla: SlaClock;
  /** Where connector rate limits count sends: memory, or Redis when distributed. */
  readonly rateWindow: RateWindow;
  /** Where lookups, breakers, rate-limit waits, pictures ready and deliveries are counted. */
  readonly metrics: Metrics;
  /** The host products are pushed to; without one, hosts pull. */
  readonly hostUrl: string | undefined;
  /** The engine this work runs in, for the follow-up work it schedules (late bound). */
  readonly jobs: () => JobEngine;
}

/**
 * Every kind of background work a job-running process registers (docs/decisions.md, "One job
 * engine, one retry policy"): a processor per keyed kind, and each periodic kind with its
 * schedule. The engine runs them; nothing here loops.
 */
function jobWork(deps: JobWorkDeps): JobWork {
  const { config, db, vault, identity, logger, actor } = deps;
  const guards = createConnectorGuards({
    rateWindow: deps.rateWindow,
    clock: systemClock,
    logger,
    // Best effort: a breaker change the store misses is written again at the next change.
    onBreakerChange: (change) => {
      deps.metrics.breakerChanged({ connectorId: change.connectorId, state: change.state });
      recordBreakerChange(db, change).catch((error: unknown) => {
        logger.warn({ connectorId: change.connectorId, err: describeError(error) }, 'could not record a breaker change');
      });
    },
    onRateLimitWait: (connectorId, waitedMs) => deps.metrics.rateLimitWaited({ connectorId, seconds: waitedMs / 1000 }),
  });
  const researchDeps: ResearchDeps = { db, vault, registry: defaultRegistry(), clock: systemClock, logger, env: process.env, actor, guards, caseChanged: (referralId) => deps.pictures.caseChanged(referralId), metrics: deps.metrics };
  if (deps.hostUrl === undefined) logger.warn({ code: 'HOST.NOT_CONFIGURED' }, 'no MASH_HOST_URL: products wait for hosts to pull them (GET /v1/products)');
  const outboxDeps: OutboxDeps = {
    db,
    vault,
    clock: systemClock,
    logger,
    actor,
    env: process.env,
    host: deps.hostUrl === undefined ? undefined : { publisher: createHostPublisher({ format: config.hostSystem.format }), settings: hostSettings(deps.hostUrl, config) },
    feedback: createFeedbackNotifier(),
    maxAttempts: config.outbox.attempts,
    backoffMs: config.outbox.backoffMs,
    leaseMs: config.outbox.leaseMs,
    deliveries: { deliver: (requests) => deps.jobs().deliver(requests) },
    metrics: deps.metrics,
  };
  const retentionDays = config.retention.days;
  return {
    processors: {
      lookup: (data) => executeLookup(data, researchDeps),
      referral: (data) => completeResearch(data, { ...researchDeps, familyDepth: config.familyDepth, identity, sla: deps.sla, schedule: (plan) => deps.jobs().schedule(plan) }),
      delivery: async (data) => {
        await deliverMessage(data, outboxDeps);
      },
    },
    periodic: {
      // Committed audit entries are chained a moment after commit; one sealer works at a time.
      'audit-seal': { everyMs: AUDIT_SEAL_EVERY_MS, run: () => sealAll(db) },
      'audit-checkpoint': {
        everyMs: AUDIT_CHECKPOINT_EVERY_MS,
        run: () => checkpointIfDue(db, deps.auditSigner, { every: config.audit.checkpointEvery, maxAgeMs: config.audit.checkpointMaxAgeMs }, systemClock),
      },
      // The store is the source of truth: whatever it shows due or unfinished is handed to the
      // engine again, at start and on a schedule (work lost with Redis or a crash is picked up).
      'outbox-sweep': { everyMs: OUTBOX_SWEEP_EVERY_MS, atStart: true, run: () => sweepOutbox(outboxDeps) },
      'recovery-sweep': { everyMs: config.recoverySweepMs, atStart: true, run: () => resumeResearch({ db, scheduler: deps.jobs(), logger, clock: systemClock, sla: deps.sla }) },
      // Lookups that failed while their agency was away run again once it answers (docs/decisions.md "Resilient connectors").
      'lookup-recovery': {
        everyMs: config.lookupRecoveryMs,
        atStart: true,
        run: () =>
          recoverLookups({
            db,
            clock: systemClock,
            logger,
            actor,
            scheduler: deps.jobs(),
            calendar: deps.sla.calendar,
            caseChanged: (referralId) => deps.pictures.caseChanged(referralId),
            probeAfterMs: config.lookupRecoveryMs,
            breakerState: (connectorId) => guards.breakerState(connectorId),
          }),
      },
      // The person index's model, estimated again from its own records (docs/decisions.md "The live person index trains its own model").
      ...(config.modelEstimationEveryMs === undefined || identity.models === undefined
        ? {}
        : {
            'model-estimation': {
              everyMs: config.modelEstimationEveryMs,
              run: async () => {
                const outcome = await identity.models?.estimate({ trigger: 'schedule', actor });
                if (outcome !== undefined && outcome.kind !== 'unchanged') logger.info({ version: outcome.version.version, outcome: outcome.kind, records: outcome.version.records, reasons: outcome.version.reasons.map((r) => r.code) }, 'person index model estimated');
              },
            },
          }),
      ...(retentionDays === undefined
        ? {}
        : {
            retention: {
              everyMs: config.retention.sweepMs,
              run: async () => {
                const destroyed = await applyRetention({ db, vault, clock: systemClock, personIndex: identity.personIndex }, retentionDays, actor);
                if (destroyed.length > 0) logger.info({ referrals: destroyed.length }, 'retention destroyed case content');
              },
            },
          }),
    },
  };
}

function readConfigOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) exitWith(`configuration error: ${error.message}`);
    throw error;
  }
}

function exitWith(message: string): never {
  process.stderr.write(`mash: ${message}\n`);
  process.exit(1);
}

/**
 * Connectors from MASH_CONNECTORS go into the store, each change a version (docs/decisions.md
 * "Connector administration": the file owns what it declares); with none anywhere, embedded mode
 * starts the simulators.
 */
async function declareConnectors(config: Config, db: Db, vault: Vault, logger: Logger): Promise<EmbeddedSimulators | undefined> {
  const admin = { db, vault, clock: systemClock };
  await declareConnectorsOf(admin, config.declaredConnectors, 'file');
  const wantSimulators = config.simulators === 'on' || (config.simulators === 'auto' && config.databaseUrl === undefined && config.declaredConnectors.length === 0);
  // Simulators not started here: their connectors of an earlier start pass to the API (a worker leaves them to the gateway).
  if (!wantSimulators) await declareConnectorsOf(admin, [], 'embedded');
  if (!wantSimulators || config.role === 'worker') return undefined;
  const simulators = await startEmbeddedSimulators({ host: config.simulatorHost });
  await declareConnectorsOf(admin, simulators.connectors, 'embedded');
  logger.info({ connectors: simulators.connectors.map((c) => c.id) }, 'agency simulators started');
  return simulators;
}

function hostSettings(baseUrl: string, config: Config): HostSettings {
  let auth: HostSettings['auth'] = { kind: 'none' };
  if (config.hostSystem.tokenFile !== undefined) {
    try {
      auth = { kind: 'bearer', token: readFileSync(config.hostSystem.tokenFile, 'utf8').trim() };
    } catch {
      exitWith('configuration error: MASH_HOST_TOKEN_FILE: cannot read the file');
    }
  }
  return { baseUrl, auth, timeoutMs: 15_000, maxResponseBytes: 1024 * 1024 };
}

function tokenVerifier(config: Config, logger: Logger): TokenVerifier {
  const { jwt } = config;
  const rules = { issuer: jwt.issuer, audience: jwt.audience, maxLifetimeSeconds: jwt.maxLifetimeSeconds, clockSkewSeconds: jwt.clockSkewSeconds };
  if (jwt.jwksUrl !== undefined) return createTokenVerifier({ jwksUrl: jwt.jwksUrl, ...rules });
  if (jwt.publicKeyPem !== undefined) return createTokenVerifier({ publicKey: jwt.publicKeyPem, ...rules });
  if (config.databaseUrl !== undefined) logger.warn({ code: 'AUTH.EMBEDDED_KEY' }, 'no MASH_JWKS_URL or MASH_JWT_PUBLIC_KEY: verifying tokens with the data directory key');
  return createTokenVerifier({ publicKey: loadOrCreateSigningKey(config.dataDir).publicKey, ...rules });
}

function listen(fetch: (request: Request) => Response | Promise<Response>, config: Config): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: config.host, port: config.port }, () => resolve(server));
    server.once('error', reject);
  });
}

function serverUrl(server: ServerType, config: Config): string {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function printBanner(config: Config, url: string, hostSimulatorUrl: string | undefined): void {
  const embeddedKey = config.jwt.jwksUrl === undefined && config.jwt.publicKeyPem === undefined;
  const lines = [
    `MASH Gateway listening on ${url}  (role ${config.role}, store ${config.databaseUrl === undefined ? `PGlite in ${config.dataDir}` : 'PostgreSQL'}, jobs ${config.redisUrl === undefined ? 'in-process' : 'BullMQ'})`,
    `  ready:    curl ${url}/readyz`,
    `  API docs: ${url}/docs`,
  ];
  if (config.console !== undefined && config.role !== 'worker') lines.push(`  console:  ${url}/console${config.console.demoSignIn ? ' (demonstration sign-in: choose a role)' : ''}`);
  // Products are pushed to the host simulator unless MASH_HOST_URL names a real host.
  if (hostSimulatorUrl !== undefined && config.hostSystem.url === undefined) lines.push(`  host case system simulator: ${hostSimulatorUrl} (what it received: curl ${hostSimulatorUrl}/mash-products)`);
  if (embeddedKey) {
    lines.push(
      '  send the example referral:',
      '    TOKEN=$(npm run --silent token -- --role referral-intake)',
      `    curl -s -X POST ${url}/v1/referrals -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data @examples/referral.json`,
      '  then read its picture (use the id from the answer):',
      '    TOKEN=$(npm run --silent token -- --role hub-manager)',
      `    curl -s ${url}/v1/referrals/<id>/picture -H "Authorization: Bearer $TOKEN"`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * SIGTERM/SIGINT: stop taking work, let what is running finish, close the store, exit 0
 * (docs/decisions.md, "Crash recovery in seconds"). The HTTP server stops accepting and finishes
 * its requests, and the job engine stops taking jobs and waits for the running ones — together
 * for at most the grace period less a reserve for closing the rest. Jobs still running then are
 * left for recovery, as after a crash (their rows say unfinished; BullMQ's lock on them lapses), and
 * the process still exits 0: leaving them is the design, not a failure. Only a close that overruns
 * the whole grace period exits 1. A signal that arrives while shutting down is ignored, not fatal:
 * Ctrl-C on `npm start` delivers SIGINT twice (from the terminal, and forwarded by npm), and the
 * second must not cut the first's orderly close of the store short.
 */
function installShutdown(closers: Closer[], logger: Logger, graceMs: number): void {
  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const startedAt = Date.now();
    // What closing the store and the connections may still need after the drain.
    const drainUntil = startedAt + graceMs - Math.min(2_000, Math.floor(graceMs / 4));
    const force = setTimeout(() => {
      logger.error({ code: 'SHUTDOWN.TIMEOUT' }, 'shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    logger.info({ graceMs }, 'shutting down: finishing running work');
    for (const close of closers) {
      const until = Date.now() < drainUntil ? drainUntil : startedAt + graceMs - 250;
      try {
        if ((await settlesBy(close(), until)) === 'late') {
          logger.warn({ code: 'SHUTDOWN.DRAIN_INCOMPLETE' }, 'work still running at the end of the grace period is left for recovery');
        }
      } catch (error) {
        logger.warn({ code: 'SHUTDOWN.CLOSE_FAILED', error: describeError(error) }, 'a component failed to close');
      }
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

/** Whether `promise` settles before the clock reaches `until` (a rejection is thrown at once). */
async function settlesBy(promise: Promise<void>, until: number): Promise<'settled' | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, until - Date.now()));
  });
  try {
    return await Promise.race([promise.then(() => 'settled' as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

main().catch((error: unknown) => {
  exitWith(`failed to start: ${describeError(error)}`);
});

/** The SLA clock; warns when the bank holidays it knows run out within 90 days (contracts/calendar/README.md). */
function slaClockOf(config: Config, logger: Logger): SlaClock {
  const sla = createSlaClock(config.calendar, config.slaAtRiskFraction);
  const until = sla.calendar.holidaysKnownUntil;
  const horizon = new Date(systemClock.now().getTime() + 90 * 86_400_000).toISOString().slice(0, 10);
  if (until === undefined || until < horizon) {
    logger.warn({ code: 'CONFIG.BANK_HOLIDAYS_ENDING', knownUntil: until ?? null }, 'the bank holidays file ends within 90 days: replace it (MASH_BANK_HOLIDAYS) or later holidays count as working days');
  }
  return sla;
}
