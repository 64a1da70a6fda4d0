/**
 * Running failed work again (docs/decisions.md "Resilient connectors"):
 * - **recovery**: a lookup that failed because its agency was away (unreachable, overloaded,
 *   breaker open, no answer by the deadline) runs again by itself once the agency answers again,
 *   while its referral is open — so a brief outage does not leave an agency out of a picture for
 *   good. The sweep (a periodic kind of the job engine) probes a silent agency with its oldest
 *   such lookup, at a growing interval, and once the agency has answered anything since a
 *   failure, runs every lookup that failed before that answer again.
 * - **reprocess**: an administrator or the manager asks for failed lookups, publications or
 *   notifications to be tried again (the dead-letter list, `GET /v1/admin/failures`).
 * Each re-run is audited with a request id that its history also records: the lineage.
 */
import { appendAudit } from '../audit/log.ts';
import { newId } from '../lib/ids.ts';
import type { Clock } from '../lib/clock.ts';
import { describeError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { researchPriority, type DeliveryScheduler, type ResearchScheduler } from '../model/jobs.ts';
import type { WorkingCalendar } from '../model/working-calendar.ts';
import type { Db } from '../store/db.ts';
import { listRecoverable, listUnfinishedReruns, queueLookupRerun, queueOutboxRetry, type QueuedRerun, type RerunRefusal } from '../store/reruns.ts';
import type { BreakerState } from './connector-guard.ts';

export interface RerunDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly scheduler: Pick<ResearchScheduler, 'schedule'>;
  /** The working-hours calendar: a re-run's priority follows its referral's due time, as research does. */
  readonly calendar: Pick<WorkingCalendar, 'workingTimeBetween'>;
  readonly caseChanged?: ((referralId: string) => void) | undefined;
}

/** What a re-run request became, per item. */
export type RerunResult = { readonly outcome: 'queued'; readonly referralId: string; readonly run: number; readonly requestId: string } | { readonly outcome: RerunRefusal };

/** Queues failed lookups to run again and schedules them; each one audited, with its lineage. */
export async function rerunLookups(deps: RerunDeps, lookupIds: readonly string[], request: { trigger: 'recovery' | 'reprocess'; by: string }): Promise<Map<string, RerunResult>> {
  const results = new Map<string, RerunResult>();
  for (const lookupId of new Set(lookupIds)) {
    const at = deps.clock.now();
    const requestId = newId();
    const queued = await deps.db.transaction(async (tx) => {
      const result = await queueLookupRerun(tx, lookupId, { trigger: request.trigger, by: request.by, at, requestId });
      if (typeof result === 'string') return result;
      await appendAudit(tx, {
        at,
        actor: request.by,
        action: 'lookup.rerun',
        referralId: result.referralId,
        subject: lookupId,
        detail: { trigger: request.trigger, requestId, run: result.run },
      });
      return result;
    });
    if (typeof queued === 'string') {
      results.set(lookupId, { outcome: queued });
      continue;
    }
    results.set(lookupId, { outcome: 'queued', referralId: queued.referralId, run: queued.run, requestId });
    deps.caseChanged?.(queued.referralId);
    await scheduleRerun(deps, queued);
  }
  return results;
}

/** Hands a queued re-run to the job system; left for the recovery sweep when the queue is away. */
async function scheduleRerun(deps: RerunDeps, rerun: QueuedRerun): Promise<void> {
  try {
    await deps.scheduler.schedule({ referralId: rerun.referralId, priority: researchPriority(deps.calendar, rerun.slaDueAt, deps.clock.now(), rerun.wave), lookupIds: [rerun.lookupId], wave: rerun.wave, rerun: rerun.run });
  } catch (error) {
    deps.logger.warn({ lookupId: rerun.lookupId, code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'could not schedule a re-run; left for the recovery sweep');
  }
}

export interface OutboxRerunDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly deliveries: DeliveryScheduler;
}

/** Queues failed outbox messages (publications, notifications) to be sent again, each audited. */
export async function resendOutbox(deps: OutboxRerunDeps, outboxIds: readonly string[], by: string): Promise<Map<string, { outcome: 'queued'; requestId: string } | { outcome: 'not-failed' }>> {
  const results = new Map<string, { outcome: 'queued'; requestId: string } | { outcome: 'not-failed' }>();
  for (const outboxId of new Set(outboxIds)) {
    const at = deps.clock.now();
    const requestId = newId();
    const queued = await deps.db.transaction(async (tx) => {
      if (!(await queueOutboxRetry(tx, outboxId, { trigger: 'reprocess', by, at, requestId }))) return false;
      await appendAudit(tx, { at, actor: by, action: 'outbox.resend', subject: outboxId, detail: { trigger: 'reprocess', requestId } });
      return true;
    });
    if (!queued) {
      results.set(outboxId, { outcome: 'not-failed' });
      continue;
    }
    await deps.deliveries.deliver([{ outboxId, dueAt: at }]);
    results.set(outboxId, { outcome: 'queued', requestId });
  }
  return results;
}

export interface RecoveryDeps extends RerunDeps {
  /** The system's own actor, named as who asked for recovery re-runs. */
  readonly actor: string;
  /** The first wait before probing a silent agency again; it doubles per probe, up to {@link MAX_PROBE_WAIT_MS}. */
  readonly probeAfterMs: number;
  /** This process's breaker for a connector: an open one would refuse the probe without asking the agency. */
  readonly breakerState: (connectorId: string) => BreakerState;
}

/** The longest a silent agency goes unprobed: 15 minutes. */
export const MAX_PROBE_WAIT_MS = 15 * 60_000;

/** The outcome of one recovery sweep, for its log line and tests. */
export interface RecoverySweep {
  readonly resumed: number;
  readonly recovered: number;
  readonly probes: number;
}

/** One run of the recovery sweep (see the file header). Idempotent, and safe beside another. */
export async function recoverLookups(deps: RecoveryDeps): Promise<RecoverySweep> {
  // Re-runs a restart (or the queue being away) left unscheduled: job ids dedupe the rest.
  const unfinished = await listUnfinishedReruns(deps.db);
  for (const rerun of unfinished) await scheduleRerun(deps, rerun);

  let recovered = 0;
  let probes = 0;
  const now = deps.clock.now().getTime();
  for (const connector of await listRecoverable(deps.db)) {
    // A lookup of the connector in flight will say whether the agency is back.
    if (connector.inFlight > 0) continue;
    const answeredAt = connector.lastAnsweredAt === null ? undefined : Date.parse(connector.lastAnsweredAt);
    const mended = answeredAt === undefined ? [] : connector.lookups.filter((l) => Date.parse(l.finishedAt) < answeredAt);
    if (mended.length > 0) {
      const results = await rerunLookups(deps, mended.map((l) => l.id), { trigger: 'recovery', by: deps.actor });
      recovered += [...results.values()].filter((r) => r.outcome === 'queued').length;
      continue;
    }
    if (deps.breakerState(connector.connectorId) === 'open') continue;
    const oldest = connector.lookups[0];
    if (oldest === undefined) continue;
    const wait = Math.min(deps.probeAfterMs * 2 ** Math.min(oldest.runs, 20), MAX_PROBE_WAIT_MS);
    if (now - Date.parse(oldest.finishedAt) < wait) continue;
    const results = await rerunLookups(deps, [oldest.id], { trigger: 'recovery', by: deps.actor });
    if (results.get(oldest.id)?.outcome === 'queued') probes += 1;
  }
  if (unfinished.length + recovered + probes > 0) deps.logger.info({ resumed: unfinished.length, recovered, probes }, 'lookup recovery');
  return { resumed: unfinished.length, recovered, probes };
}
