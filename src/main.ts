/**
 * Composition root (CONVENTIONS.md §1): config → store → connectors → job runner → adapters →
 * app and workers. The only module that imports everything. `MASH_ROLE` picks what this process
 * runs: `all` (embedded default), `gateway` (HTTP only) or `worker` (jobs only).
 */
import { readFileSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { startCheckpointer } from './audit/checkpoints.ts';
import { appendAudit } from './audit/log.ts';
import { loadAuditSigner, type AuditSigner } from './audit/signing.ts';
import { startSealer } from './audit/seal.ts';
import { loadConfig, type Config } from './config.ts';
import { createSlaClock, type SlaClock } from './model/working-calendar.ts';
import { createApp } from './gateway/app.ts';
import { loadOrCreateSigningKey } from './gateway/embedded-key.ts';
import { createTokenVerifier, type TokenVerifier } from './gateway/token-verifier.ts';
import { ConfigError, describeError } from './lib/errors.ts';
import { systemClock } from './lib/clock.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import type { ResearchScheduler } from './model/jobs.ts';
import { createBullmqScheduler, startBullmqWorkers } from './queue/bullmq.ts';
import { createInProcessRunner } from './queue/in-process.ts';
import { startOutboxDispatcher } from './queue/outbox.ts';
import { createPictures } from './case/pictures.ts';
import { applyRetention } from './case/retention.ts';
import { createIdentityAccess } from './case/identity-access.ts';
import { createFeedbackNotifier } from './host/feedback.ts';
import { createHostPublisher, type HostSettings } from './host/publisher.ts';
import { createIdentity, createMatcher, defaultModel } from './identity/index.ts';
import { buildChronology } from './mapping/chronology.ts';
import { buildFamily } from './mapping/family.ts';
import type { ResearchProcessors } from './queue/runner.ts';
import { completeResearch } from './research/complete.ts';
import { resumeResearch } from './research/intake.ts';
import { executeLookup, type ResearchDeps } from './research/lookup.ts';
import { defaultRegistry } from './research/kits.ts';
import { upsertConnector } from './store/connectors.ts';
import type { Db } from './store/db.ts';
import { DataDirLockedError } from './store/lock.ts';
import { resolveMasterKey } from './store/master-key.ts';
import { openStore } from './store/open.ts';
import { isStoreUnavailable } from './store/unavailable.ts';
import { createVault, type Vault } from './store/vault.ts';
import { createIdentityStore } from './store/identity.ts';
import { createPersonIndexStore, deriveIndexKey, type PersonIndexRows } from './store/person-index.ts';
import { startEmbeddedSimulators, type EmbeddedSimulators } from '../simulators/embedded.ts';

type Closer = () => Promise<void>;

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

  const simulators = await declareConnectors(config, db, logger);
  if (simulators !== undefined) closers.unshift(() => simulators.close());

  let vault: Vault;
  let personIndexRows: PersonIndexRows;
  try {
    const masterKey = resolveMasterKey({ ...config.masterKey, embedded: config.databaseUrl === undefined, env: process.env });
    vault = createVault(masterKey);
    personIndexRows = createPersonIndexStore(deriveIndexKey(masterKey));
  } catch (error) {
    exitWith(error instanceof ConfigError ? `configuration error: ${error.message}` : `cannot load the master key: ${describeError(error)}`);
  }
  let auditSigner: AuditSigner;
  try {
    auditSigner = loadAuditSigner({ pem: config.audit.signingKeyPem, dataDir: config.dataDir, embedded: config.databaseUrl === undefined });
  } catch (error) {
    exitWith(error instanceof ConfigError ? `configuration error: ${error.message}` : `cannot load the audit signing key: ${describeError(error)}`);
  }
  const actor = `system:${config.role}`;
  // Identity over its ports, with the one matcher built from the model (docs/decisions.md "One home for identity").
  const identity = createIdentity({
    db,
    clock: systemClock,
    matcher: createMatcher(defaultModel()),
    store: createIdentityStore(vault),
    personIndexStore: personIndexRows,
    audit: appendAudit,
    access: createIdentityAccess({ db, vault, clock: systemClock }),
    pictureSections: { chronology: buildChronology, family: buildFamily },
  });
  // Every process chains committed audit entries; one sealer works at a time.
  closers.unshift(startSealer(db, loopFailureLog(logger, 'AUDIT.SEAL_FAILED', 'audit sealing failed')));
  // Stored pictures are built again after every change, in the background of whichever process made it.
  const pictures = createPictures({ db, vault, clock: systemClock, identity, logger }, { background: true });
  closers.unshift(() => pictures.close());
  const researchDeps: ResearchDeps = { db, vault, registry: defaultRegistry(), clock: systemClock, logger, env: process.env, actor, caseChanged: (referralId) => pictures.caseChanged(referralId) };
  const processors: ResearchProcessors = {
    lookup: (data) => executeLookup(data, researchDeps),
    // The next wave is scheduled through whichever job system is built below (late bound).
    referral: (data) => completeResearch(data, { ...researchDeps, familyDepth: config.familyDepth, identity, schedule: (plan) => scheduler.schedule(plan) }),
  };
  const runsJobs = config.role === 'all' || config.role === 'worker';

  let scheduler: ResearchScheduler;
  if (config.redisUrl === undefined) {
    const runner = createInProcessRunner(processors, config.jobs, logger);
    closers.unshift(() => runner.close());
    scheduler = runner;
  } else {
    const bullmq = createBullmqScheduler({ connection: config.redisUrl, ...config.jobs, logger });
    closers.unshift(() => bullmq.close());
    scheduler = bullmq;
    if (runsJobs) {
      const workers = startBullmqWorkers({ connection: config.redisUrl, processors, concurrency: config.jobs.concurrency, backoffMs: config.jobs.backoffMs, logger });
      closers.unshift(() => workers.close());
    }
  }

  if (runsJobs) {
    const hostUrl = config.hostSystem.url ?? simulators?.host.url;
    if (hostUrl === undefined) logger.warn({ code: 'HOST.NOT_CONFIGURED' }, 'no MASH_HOST_URL: products wait for hosts to pull them (GET /v1/products)');
    const stopDispatcher = startOutboxDispatcher({
      db,
      vault,
      clock: systemClock,
      logger,
      actor,
      env: process.env,
      host: hostUrl === undefined ? undefined : { publisher: createHostPublisher({ format: config.hostSystem.format }), settings: hostSettings(hostUrl, config) },
      feedback: createFeedbackNotifier(),
      maxAttempts: config.outbox.attempts,
      backoffMs: config.outbox.backoffMs,
      leaseMs: config.outbox.leaseMs,
    });
    closers.unshift(stopDispatcher);
    const retentionDays = config.retention.days;
    if (retentionDays !== undefined) {
      let sweeping: Promise<void> | undefined;
      const retention = setInterval(() => {
        sweeping ??= applyRetention({ db, vault, clock: systemClock, personIndex: identity.personIndex }, retentionDays, actor)
          .then((destroyed) => {
            if (destroyed.length > 0) logger.info({ referrals: destroyed.length }, 'retention destroyed case content');
          })
          .catch(loopFailureLog(logger, 'RETENTION.FAILED', 'retention sweep failed'))
          .finally(() => {
            sweeping = undefined;
          });
      }, config.retention.sweepMs);
      retention.unref();
      closers.unshift(async () => {
        clearInterval(retention);
        await sweeping;
      });
    }
    const stopCheckpointer = startCheckpointer(
      db,
      auditSigner,
      { every: config.audit.checkpointEvery, maxAgeMs: config.audit.checkpointMaxAgeMs },
      systemClock,
      loopFailureLog(logger, 'AUDIT.CHECKPOINT_FAILED', 'audit checkpoint failed'),
    );
    closers.unshift(stopCheckpointer);
    // The store is the source of truth: whatever it shows unfinished is scheduled again, now and
    // on a sweep (a referral stored while Redis was unreachable is picked up once it is back).
    // Every periodic loop survives its errors (the store or Redis away): it logs and tries next time.
    const sweepFailed = loopFailureLog(logger, 'RECOVERY.SWEEP_FAILED', 'recovery sweep failed');
    const resume = (): Promise<void> => resumeResearch({ db, scheduler, logger }).then(() => undefined, sweepFailed);
    await resume();
    let sweeping: Promise<void> | undefined;
    const sweep = setInterval(() => {
      sweeping ??= resume().finally(() => {
        sweeping = undefined;
      });
    }, config.recoverySweepMs);
    sweep.unref();
    closers.unshift(async () => {
      clearInterval(sweep);
      await sweeping;
    });
  }

  if (config.role === 'all' || config.role === 'gateway') {
    const verifyToken = tokenVerifier(config, logger);
    const auditKeys = new Map([[auditSigner.keyId, auditSigner.publicKeyPem]]);
    const app = createApp({ db, vault, identity, pictures, scheduler, verifyToken, clock: systemClock, logger, publicUrl: config.publicUrl, auditKeys, sla });
    const server = await listen(app.fetch, config);
    closers.unshift(() => closeServer(server));
    printBanner(config, serverUrl(server, config), simulators?.host.url);
  } else {
    logger.info({ role: config.role }, 'worker started');
  }
}

/**
 * How a periodic loop reports a failed pass. While the store is unavailable every pass fails (the
 * sealer's every 200 ms): one line a minute says so, rather than one per pass.
 */
function loopFailureLog(logger: Logger, code: string, message: string): (error: unknown) => void {
  let quietUntil = 0;
  return (error) => {
    if (isStoreUnavailable(error)) {
      const now = Date.now();
      if (now < quietUntil) return;
      quietUntil = now + 60_000;
    }
    logger.warn({ code, error: describeError(error) }, message);
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

/** Connectors from MASH_CONNECTORS go into the store; with none anywhere, embedded mode starts the simulators. */
async function declareConnectors(config: Config, db: Db, logger: Logger): Promise<EmbeddedSimulators | undefined> {
  const now = systemClock.now();
  for (const connector of config.declaredConnectors) await upsertConnector(db, connector, 'file', now);
  const wantSimulators = config.simulators === 'on' || (config.simulators === 'auto' && config.databaseUrl === undefined && config.declaredConnectors.length === 0);
  if (!wantSimulators || config.role === 'worker') return undefined;
  const simulators = await startEmbeddedSimulators({ host: config.simulatorHost });
  for (const connector of simulators.connectors) await upsertConnector(db, connector, 'embedded', now);
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
 * SIGTERM/SIGINT: stop taking work, finish what is running (up to the grace period), close the
 * store. A signal that arrives while shutting down is ignored, not fatal: Ctrl-C on `npm start`
 * delivers SIGINT twice (from the terminal, and forwarded by npm), and the second must not cut
 * the first's orderly close of the store short. The grace period bounds the wait.
 */
function installShutdown(closers: Closer[], logger: Logger, graceMs: number): void {
  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => {
      logger.error({ code: 'SHUTDOWN.TIMEOUT' }, 'shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    for (const close of closers) {
      try {
        await close();
      } catch (error) {
        logger.warn({ code: 'SHUTDOWN.CLOSE_FAILED', error: describeError(error) }, 'a component failed to close');
      }
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
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
