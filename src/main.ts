/**
 * Composition root (CONVENTIONS.md §1): config → store → connectors → job engine → adapters →
 * app and workers. The only module that imports everything. `MASH_ROLE` picks what this process
 * runs: `all` (embedded default), `gateway` (HTTP only) or `worker` (jobs only).
 */
import { appendAudit } from './audit/log.ts';
import { loadAuditSigner, type AuditSigner } from './audit/signing.ts';
import { loadConfig, type Config } from './config.ts';
import { createSlaClock, type SlaClock } from './model/working-calendar.ts';
import { createApp } from './gateway/app.ts';
import { loadOrCreateSigningKey } from './gateway/embedded-key.ts';
import { createTokenVerifier, type TokenVerifier } from './gateway/token-verifier.ts';
import { ConfigError, describeError } from './lib/errors.ts';
import { systemClock } from './lib/clock.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { createPrometheusMetrics } from './metrics/prometheus.ts';
import { startMetricsServer } from './metrics/server.ts';
import { readStoreFigures } from './store/metrics-figures.ts';
import { startJobEngine, type JobEngine } from './queue/engine.ts';
import { createQueueDashboard } from './queue/dashboard.ts';
import { createPictures } from './case/pictures.ts';
import { createIdentityAccess } from './case/identity-access.ts';
import { createIdentity, createLiveModel } from './identity/index.ts';
import { buildChronology } from './mapping/chronology.ts';
import { buildFamily } from './mapping/family.ts';
import { memoryRateWindow, type RateWindow } from './research/rate-limit.ts';
import { redisRateWindow } from './queue/rate-limit-redis.ts';
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
import { jobWork } from './main/job-work.ts';
import { closeServer, exitWith, installShutdown, listen, printBanner, serverUrl, type Closer } from './main/process.ts';

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

function readConfigOrExit(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) exitWith(`configuration error: ${error.message}`);
    throw error;
  }
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

function tokenVerifier(config: Config, logger: Logger): TokenVerifier {
  const { jwt } = config;
  const rules = { issuer: jwt.issuer, audience: jwt.audience, maxLifetimeSeconds: jwt.maxLifetimeSeconds, clockSkewSeconds: jwt.clockSkewSeconds };
  if (jwt.jwksUrl !== undefined) return createTokenVerifier({ jwksUrl: jwt.jwksUrl, ...rules });
  if (jwt.publicKeyPem !== undefined) return createTokenVerifier({ publicKey: jwt.publicKeyPem, ...rules });
  if (config.databaseUrl !== undefined) logger.warn({ code: 'AUTH.EMBEDDED_KEY' }, 'no MASH_JWKS_URL or MASH_JWT_PUBLIC_KEY: verifying tokens with the data directory key');
  return createTokenVerifier({ publicKey: loadOrCreateSigningKey(config.dataDir).publicKey, ...rules });
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
