/**
 * Completing research: the body of the referral (parent) job, which runs after every lookup
 * job has finished. A lookup whose job gave up after its last attempt is recorded as failed
 * with that reason, so the picture is honest about the gap.
 */
import { appendAudit } from '../audit/log.ts';
import type { ReferralJobData } from '../model/jobs.ts';
import { isTerminalLookup } from '../model/lookup.ts';
import { finishLookup, getReferral, listLookups, setReferralStatus } from '../store/referrals.ts';
import type { ResearchDeps } from './lookup.ts';

export async function completeResearch(data: ReferralJobData, deps: Pick<ResearchDeps, 'db' | 'vault' | 'clock' | 'logger' | 'actor'>): Promise<void> {
  const { db, clock } = deps;
  const referral = await getReferral(db, deps.vault, data.referralId);
  if (referral === undefined || referral.status === 'picture-ready' || referral.status === 'failed') return;
  const at = clock.now();
  await db.transaction(async (tx) => {
    const lookups = await listLookups(tx, data.referralId);
    for (const lookup of lookups.filter((l) => !isTerminalLookup(l.status))) {
      await finishLookup(tx, deps.vault, {
        lookupId: lookup.id,
        referralId: lookup.referralId,
        status: 'failed',
        reason: 'JOB.EXHAUSTED: the lookup did not complete within its retry attempts',
        facts: [],
        orchestrations: lookup.orchestrations,
        at,
        autoReveal: [],
      });
    }
    if (!(await setReferralStatus(tx, data.referralId, ['received', 'researching'], 'picture-ready', at))) return;
    const finished = await listLookups(tx, data.referralId);
    await appendAudit(tx, {
      at,
      actor: deps.actor,
      action: 'referral.picture-ready',
      referralId: data.referralId,
      detail: {
        lookups: finished.length,
        done: finished.filter((l) => l.status === 'done').length,
        failed: finished.filter((l) => l.status === 'failed' || l.status === 'timed-out').length,
        notPermitted: finished.filter((l) => l.status === 'not-permitted').length,
      },
    });
  });
  deps.logger.info({ referralId: data.referralId }, 'picture ready');
}
