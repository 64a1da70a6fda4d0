/**
 * Intake: a referral in, its research planned, stored and started. The store is the source of
 * truth — the referral, its lookups and the audit entry commit together before any job exists —
 * and `resumeResearch` re-enqueues whatever the store shows unfinished (on start, and on a sweep).
 */
import { auditRow } from '../audit/log.ts';
import { newId } from '../lib/ids.ts';
import { addToLogContext } from '../lib/log-context.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { describeError } from '../lib/errors.ts';
import { researchPriority, type ResearchScheduler } from '../model/jobs.ts';
import type { ReferralInput } from '../model/referral.ts';
import type { SlaClock } from '../model/working-calendar.ts';
import { listConnectors } from '../store/connectors.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../store/vault.ts';
import { insertReferral, listUnfinishedResearch } from '../store/referrals.ts';
import { planLookups } from './plan.ts';

export interface IntakeDeps {
  readonly db: Db;
  readonly vault: Vault;
  readonly scheduler: ResearchScheduler;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The working-hours SLA clock: due and at-risk times (DESIGN.md rule 4). */
  readonly sla: SlaClock;
}

export interface SubmittedReferral {
  readonly id: string;
  readonly created: boolean;
}

export async function submitReferral(
  input: ReferralInput,
  submittedBy: string,
  idempotencyKey: string | null,
  deps: IntakeDeps,
): Promise<SubmittedReferral> {
  const { db, clock } = deps;
  const id = newId();
  // Every line logged while handling the intake names the referral (src/lib/log-context.ts).
  addToLogContext({ referralId: id });
  const receivedAt = input.receivedAt === undefined ? clock.now() : new Date(input.receivedAt);
  const connectors = await listConnectors(db, { enabledOnly: true });
  const lookups = planLookups(id, input, connectors);
  const sla = deps.sla.times(receivedAt, input.rag);
  const at = clock.now();
  // The referral, its keys, its lookups and its audit entries in one statement (src/store/referrals.ts).
  const result = await insertReferral(db, deps.vault, { id, idempotencyKey, input, receivedAt, slaDueAt: sla.dueAt, slaAtRiskAt: sla.atRiskAt, submittedBy, lookups }, [
    auditRow({
      at,
      actor: submittedBy,
      action: 'referral.received',
      referralId: id,
      detail: { rag: input.rag, threshold: input.threshold, subjects: input.subjects.length, lookups: lookups.length },
    }),
    ...lookups
      .filter((l) => l.status === 'not-permitted')
      .map((lookup) =>
        auditRow({
          at,
          actor: submittedBy,
          action: 'lookup.not-permitted',
          referralId: id,
          subject: lookup.id,
          detail: { connectorId: lookup.connectorId, agency: lookup.agency, reason: lookup.reason },
        }),
      ),
  ]);
  // A repeated Idempotency-Key answers the referral first submitted with it.
  if (result.id !== id) addToLogContext({ referralId: result.id });
  if (result.created) {
    try {
      await deps.scheduler.schedule({ referralId: id, priority: researchPriority(deps.sla.calendar, sla.dueAt, clock.now()), lookupIds: lookups.filter((l) => l.status === 'queued').map((l) => l.id) });
    } catch (error) {
      // The referral is safely stored; the recovery sweep schedules it once the queue is back.
      deps.logger.error({ referralId: id, code: 'QUEUE.UNAVAILABLE', error: describeError(error) }, 'could not schedule research; left for the recovery sweep');
    }
  }
  return result;
}

/** Re-enqueue every unfinished referral from the store. Safe to run at any time: job ids are deterministic. */
export async function resumeResearch(deps: Pick<IntakeDeps, 'db' | 'scheduler' | 'logger' | 'clock' | 'sla'>): Promise<number> {
  const unfinished = await listUnfinishedResearch(deps.db);
  const now = deps.clock.now();
  for (const work of unfinished) {
    await deps.scheduler.schedule({ referralId: work.referralId, priority: researchPriority(deps.sla.calendar, work.slaDueAt, now, work.wave), lookupIds: work.lookupIds, wave: work.wave });
  }
  if (unfinished.length > 0) deps.logger.info({ referrals: unfinished.length }, 'resumed unfinished research');
  return unfinished.length;
}
