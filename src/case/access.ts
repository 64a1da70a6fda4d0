/**
 * Access to a case: the referral's policy context, the policy asked with it, and a denial audited
 * (CONVENTIONS.md §7: deny by default through one policy function, `policy.ts`). Every operation of
 * the case repository starts here; nothing of the case is read or changed before the policy allowed it.
 */
import { recordAudit } from '../audit/log.ts';
import type { Clock } from '../lib/clock.ts';
import { MashError } from '../lib/errors.ts';
import type { Principal } from '../model/principal.ts';
import type { Db, Sql } from '../store/db.ts';
import { assignees, contributingAgencies } from '../store/items.ts';
import { referralExists } from '../store/referrals.ts';
import type { Vault } from '../store/vault.ts';
import { authorize, type Action, type PolicyContext } from './policy.ts';

/** What every case operation needs: the store, the vault its content is sealed in, the clock. */
export interface CaseStoreDeps {
  readonly db: Db;
  readonly vault: Vault;
  readonly clock: Clock;
}

/** The referral's policy context: which agencies contributed, who is assigned. */
export async function referralContext(sql: Sql, referralId: string): Promise<PolicyContext['referral']> {
  return { contributingAgencies: await contributingAgencies(sql, referralId), assignees: await assignees(sql, referralId) };
}

/** Ask the policy; a denial is audited and thrown as 403. */
export async function enforce(deps: Pick<CaseStoreDeps, 'db' | 'clock'>, principal: Principal, action: Action, context: PolicyContext, referralId?: string, subject?: string): Promise<void> {
  const decision = authorize(principal, action, context);
  if (decision.allowed) return;
  await recordAudit(deps.db, { at: deps.clock.now(), actor: principal.sub, action: 'access.denied', referralId, agency: principal.agency, subject: subject ?? action, detail: { role: principal.role, action, reason: decision.reason } });
  throw new MashError('FIREWALL.DENIED', decision.reason);
}

/** 404 for a referral that does not exist, before anything else is said about it. */
export async function requireReferral(sql: Sql, referralId: string): Promise<void> {
  if (!(await referralExists(sql, referralId))) throw new MashError('REFERRAL.NOT_FOUND', `no referral ${referralId}`);
}
