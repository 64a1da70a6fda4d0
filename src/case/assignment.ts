/**
 * Assigning a practitioner to a referral (governance: need-to-know): an assigned practitioner may
 * see the case although their agency did not contribute to it. Audited with the change.
 */
import { appendAudit } from '../audit/log.ts';
import type { Principal } from '../model/principal.ts';
import { assign as addAssignee } from '../store/items.ts';
import { enforce, referralContext, requireReferral, type CaseStoreDeps } from './access.ts';

/** Assigns `subject` (a token subject) to the referral; `assigned` is false when they already were. */
export async function assign(deps: CaseStoreDeps, principal: Principal, referralId: string, subject: string): Promise<{ assigned: boolean }> {
  await requireReferral(deps.db, referralId);
  await enforce(deps, principal, 'referral:assign', { referral: await referralContext(deps.db, referralId) }, referralId);
  const assigned = await deps.db.transaction(async (tx) => {
    const at = deps.clock.now();
    const added = await addAssignee(tx, referralId, subject, principal.sub, at);
    if (added) await appendAudit(tx, { at, actor: principal.sub, action: 'referral.assigned', referralId, subject });
    return added;
  });
  return { assigned };
}
