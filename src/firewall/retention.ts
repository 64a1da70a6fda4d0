/**
 * Closing a case and retention (issue 6 §5). A closed case whose product was published more than
 * the hub's retention period ago has its content destroyed: every data key of the referral is
 * crypto-shredded, so the sealed referral, facts, decisions and products can never be read again,
 * while the audit chain — which never held content — stays whole and verifiable.
 */
import { appendAudit } from '../audit/log.ts';
import { MashError } from '../lib/errors.ts';
import { sha256Hex } from '../lib/ids.ts';
import type { Principal } from '../model/principal.ts';
import { CONTENT_OWNERS } from '../store/vault.ts';
import type { PersonIndex } from '../identity/index.ts';
import { enforce, referralContext, type FirewallDeps } from './workflow.ts';

export async function closeCase(deps: FirewallDeps, principal: Principal, referralId: string, rationale: string): Promise<{ closedAt: string; changed: boolean }> {
  const exists = await deps.db.query<{ closed_at: Date | null }>('SELECT closed_at FROM referrals WHERE id = $1', [referralId]);
  const row = exists[0];
  if (row === undefined) throw new MashError('REFERRAL.NOT_FOUND', `no referral ${referralId}`);
  await enforce(deps, principal, 'referral:decide', { referral: await referralContext(deps.db, referralId) }, referralId);
  if (row.closed_at !== null) return { closedAt: new Date(row.closed_at).toISOString(), changed: false };
  const at = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await tx.query('UPDATE referrals SET closed_at = $2, closed_by = $3, updated_at = $2 WHERE id = $1 AND closed_at IS NULL', [referralId, at, principal.sub]);
    await appendAudit(tx, { at, actor: principal.sub, action: 'referral.closed', referralId, detail: { rationaleSha256: sha256Hex(rationale) } });
  });
  return { closedAt: at.toISOString(), changed: true };
}

/**
 * Destroy the content of every closed case whose latest product was published, and which was
 * closed, more than `retentionDays` ago. Returns the referrals destroyed.
 */
export async function applyRetention(deps: FirewallDeps & { readonly personIndex?: PersonIndex }, retentionDays: number, actor: string): Promise<string[]> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  const due = await deps.db.query<{ id: string }>(
    `SELECT r.id FROM referrals r
      WHERE r.closed_at IS NOT NULL AND r.content_destroyed_at IS NULL AND r.closed_at <= $1
        AND EXISTS (SELECT 1 FROM products p WHERE p.referral_id = r.id)
        AND (SELECT max(p.published_at) FROM products p WHERE p.referral_id = r.id) <= $1
      ORDER BY r.closed_at LIMIT 500`,
    [cutoff],
  );
  const destroyed: string[] = [];
  for (const { id } of due) {
    await deps.db.transaction(async (tx) => {
      const owners: string[] = [];
      for (const owner of CONTENT_OWNERS) if (await deps.vault.destroy(tx, id, owner, now)) owners.push(owner);
      await tx.query('UPDATE referrals SET content_destroyed_at = $2, updated_at = $2 WHERE id = $1', [id, now]);
      // The person index forgets the records only this case had seen; decisions stay.
      if (deps.personIndex !== undefined) await deps.personIndex.forgetReferral(tx, id);
      await appendAudit(tx, { at: now, actor, action: 'retention.destroyed', referralId: id, detail: { owners, retentionDays } });
    });
    destroyed.push(id);
  }
  return destroyed;
}
