/**
 * Closing a case and retention. A closed case whose product was published more than the hub's
 * retention period ago has its content destroyed: every data key of the referral is
 * crypto-shredded, so the sealed referral, facts, decisions, products and stored pictures can never
 * be read again — and the stored pictures are dropped with them — while the audit chain, which
 * never held content, stays whole and verifiable.
 */
import { appendAudit } from '../audit/log.ts';
import { MashError } from '../lib/errors.ts';
import { sha256Hex } from '../lib/ids.ts';
import type { Principal } from '../model/principal.ts';
import { dropPictures } from '../store/case-pictures.ts';
import type { PersonIndex } from '../identity/index.ts';
import { closedAndPublishedBefore, closeReferral, markContentDestroyed, referralClosedAt } from '../store/referrals.ts';
import { CONTENT_OWNERS } from '../store/vault.ts';
import { enforce, referralContext, type CaseStoreDeps } from './access.ts';

/** Referrals destroyed per sweep at most. */
const SWEEP_LIMIT = 500;

/** The manager closes a case; `changed` is false when it was already closed. */
export async function closeCase(deps: CaseStoreDeps, principal: Principal, referralId: string, rationale: string): Promise<{ closedAt: string; changed: boolean }> {
  const closedAt = await referralClosedAt(deps.db, referralId);
  if (closedAt === undefined) throw new MashError('REFERRAL.NOT_FOUND', `no referral ${referralId}`);
  await enforce(deps, principal, 'referral:decide', { referral: await referralContext(deps.db, referralId) }, referralId);
  if (closedAt !== null) return { closedAt: closedAt.toISOString(), changed: false };
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await closeReferral(tx, referralId, principal.sub, at);
    await appendAudit(tx, { at, actor: principal.sub, action: 'referral.closed', referralId, detail: { rationaleSha256: sha256Hex(rationale) } });
  });
  return { closedAt: at.toISOString(), changed: true };
}

/**
 * Destroy the content of every closed case whose latest product was published, and which was
 * closed, more than `retentionDays` ago. Returns the referrals destroyed.
 */
export async function applyRetention(deps: CaseStoreDeps & { readonly personIndex?: PersonIndex }, retentionDays: number, actor: string): Promise<string[]> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  const due = await closedAndPublishedBefore(deps.db, cutoff, SWEEP_LIMIT);
  const destroyed: string[] = [];
  for (const id of due) {
    const done = await deps.db.transaction(async (tx) => {
      // Claimed first, under the row lock: a run beside this one (another worker; the periodic
      // retention job kind, docs/decisions.md "One job engine, one retry policy") waits, then
      // finds it destroyed and leaves it, so a case is destroyed and audited once.
      if (!(await markContentDestroyed(tx, id, now))) return false;
      const owners: string[] = [];
      for (const owner of CONTENT_OWNERS) if (await deps.vault.destroy(tx, id, owner, now)) owners.push(owner);
      // Pictures derived from the content go with it (they could no longer be opened anyway).
      await dropPictures(tx, id);
      // The person index forgets the records only this case had seen; decisions stay.
      if (deps.personIndex !== undefined) await deps.personIndex.forgetReferral(tx, id);
      await appendAudit(tx, { at: now, actor, action: 'retention.destroyed', referralId: id, detail: { owners, retentionDays } });
      return true;
    });
    if (done) destroyed.push(id);
  }
  return destroyed;
}
