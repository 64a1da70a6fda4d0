/**
 * Every kind of background work a job-running process registers, wired from the composition
 * root's parts (src/main.ts builds them; this says what runs on them). Split from src/main.ts
 * by responsibility: main wires the process, this the job processors and schedules.
 */
import { readFileSync } from 'node:fs';
import { checkpointIfDue } from '../audit/checkpoints.ts';
import type { AuditSigner } from '../audit/signing.ts';
import { sealAll } from '../audit/seal.ts';
import { applyRetention } from '../case/retention.ts';
import type { Pictures } from '../case/pictures.ts';
import type { Config } from '../config.ts';
import { createFeedbackNotifier } from '../host/feedback.ts';
import { createHostPublisher, type HostSettings } from '../host/publisher.ts';
import type { Identity } from '../identity/index.ts';
import { systemClock } from '../lib/clock.ts';
import { describeError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import type { SlaClock } from '../model/working-calendar.ts';
import type { JobEngine } from '../queue/engine.ts';
import { deliverMessage, sweepOutbox, type OutboxDeps } from '../queue/outbox.ts';
import type { JobWork } from '../queue/runner.ts';
import { completeResearch } from '../research/complete.ts';
import { createConnectorGuards } from '../research/connector-guard.ts';
import { resumeResearch } from '../research/intake.ts';
import { defaultRegistry } from '../research/kits.ts';
import { executeLookup, type ResearchDeps } from '../research/lookup.ts';
import type { RateWindow } from '../research/rate-limit.ts';
import { recoverLookups } from '../research/rerun.ts';
import { recordBreakerChange } from '../store/connector-health.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../store/vault.ts';
import { exitWith } from './process.ts';

/** How often committed audit entries are chained (docs/decisions.md, "The audit chain is sealed just after commit"). */
const AUDIT_SEAL_EVERY_MS = 200;
/** How often a due checkpoint is looked for (MASH_AUDIT_CHECKPOINT_EVERY / _MS say when one is due). */
const AUDIT_CHECKPOINT_EVERY_MS = 1_000;
/** How often the outbox is swept for due messages whose job was lost (a crash, Redis data lost, a failed enqueue). */
const OUTBOX_SWEEP_EVERY_MS = 1_000;

/** What `jobWork` needs from the composition root. */
export interface JobWorkDeps {
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
export function jobWork(deps: JobWorkDeps): JobWork {
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
