/**
 * The manager's decision (DESIGN.md "Users": the hub manager sets RAG and outcome with rationale):
 * a new revision each time, never overwriting the last. A RAG change moves the SLA (rule 4: risk
 * can change at any time); each contributing agency's connectors get an outcome notification
 * through the outbox, in the same transaction (rule 8: feedback).
 */
import { appendAudit } from '../audit/log.ts';
import { MashError } from '../lib/errors.ts';
import { sha256Hex, stableId } from '../lib/ids.ts';
import { researchPriority, type DeliveryRequest, type DeliveryScheduler, type ReprioritiseRequest, type ResearchScheduler } from '../model/jobs.ts';
import type { Principal } from '../model/principal.ts';
import type { Outcome } from '../model/product.ts';
import type { Rag } from '../model/referral.ts';
import type { SlaClock } from '../model/working-calendar.ts';
import { feedbackConnectorIds } from '../store/connectors.ts';
import { contributingAgencies, setManagerDecision } from '../store/items.ts';
import { enqueueOutbox } from '../store/outbox.ts';
import { getReferral, setReferralRag } from '../store/referrals.ts';
import { listLookups } from '../store/lookups.ts';
import { enforce, referralContext, requireReferral, type CaseStoreDeps } from './access.ts';
import { managerChanges } from './decision-changes.ts';

/** The manager's RAG, outcome and rationale. */
export interface DecisionRequest {
  readonly rag: Rag;
  readonly outcome: Outcome;
  readonly rationale: string;
}

/** Record a new revision of the manager's decision; returns it and how many agencies will hear the outcome. */
export async function recordDecision(
  deps: CaseStoreDeps & { readonly sla: SlaClock; readonly deliveries?: DeliveryScheduler | undefined; readonly research?: Pick<ResearchScheduler, 'reprioritise'> | undefined },
  principal: Principal,
  referralId: string,
  request: DecisionRequest,
): Promise<{ revision: number; notified: number }> {
  await requireReferral(deps.db, referralId);
  await enforce(deps, principal, 'referral:decide', { referral: await referralContext(deps.db, referralId) }, referralId);
  const queued: DeliveryRequest[] = [];
  let reprioritise: ReprioritiseRequest | undefined;
  const decided = await deps.db.transaction(async (tx) => {
    const at = deps.clock.now();
    const referral = await getReferral(tx, deps.vault, referralId);
    if (referral === undefined) throw new MashError('REFERRAL.NOT_FOUND', `no referral ${referralId}`);
    const { revision, previous } = await setManagerDecision(tx, deps.vault, { referralId, rag: request.rag, outcome: request.outcome, rationale: request.rationale, by: principal.sub, at });
    // Risk can change at any time (rule 4): the SLA follows the new rating from receipt, on the working-hours clock.
    if (request.rag !== referral.rag) {
      const sla = deps.sla.times(referral.receivedAt, request.rag);
      await setReferralRag(tx, referralId, request.rag, sla, at);
      // Research follows the risk: the referral's waiting lookups move to its new due time (earliest deadline first).
      const pending = (await listLookups(tx, referralId)).filter((l) => l.status === 'queued' || l.status === 'running');
      const wave = Math.max(1, ...pending.map((l) => l.wave ?? 1));
      reprioritise = { referralId, lookupIds: pending.map((l) => l.id), priority: researchPriority(deps.sla.calendar, sla.dueAt, at, wave) };
    }
    await appendAudit(tx, {
      at,
      actor: principal.sub,
      action: 'referral.decided',
      referralId,
      detail: {
        rag: request.rag,
        previousRag: referral.rag,
        outcome: request.outcome,
        previousOutcome: previous?.outcome ?? null,
        revision,
        previousRevision: previous?.revision ?? null,
        changed: managerChanges(previous, request),
        rationaleSha256: sha256Hex(request.rationale),
      },
    });
    // Read inside the transaction, on its handle: the store refuses a root query here.
    const targets = await feedbackConnectorIds(tx, await contributingAgencies(tx, referralId));
    for (const target of targets) {
      const id = stableId('fbk', referralId, target, String(revision));
      await enqueueOutbox(tx, { id, kind: 'feedback', referralId, target, reference: String(revision), idempotencyKey: id }, at);
      await appendAudit(tx, { at, actor: principal.sub, action: 'feedback.queued', referralId, subject: target, detail: { outbox: id, outcome: request.outcome } });
      queued.push({ outboxId: id, dueAt: at });
    }
    return { revision, notified: targets.length };
  });
  // After the commit (docs/decisions.md "One job engine, one retry policy"): a delivery job must
  // never run ahead of the row it delivers. Best effort: the outbox sweep finds what it misses.
  await deps.deliveries?.deliver(queued);
  if (reprioritise !== undefined) await deps.research?.reprioritise(reprioritise);
  return decided;
}
