/**
 * The access policy as identity asks it: identity's possible-match decisions go through the one
 * policy function with the referral's context (DESIGN.md "Deny by default"), and a denial is
 * audited and refused like any other. Identity declares what it asks (`IdentityAccess`,
 * src/identity/port.ts); the case answers, and the composition root wires the two
 * (docs/decisions.md "One home for identity").
 */
import type { IdentityAccess } from '../identity/index.ts';
import { enforce, referralContext, type CaseStoreDeps } from './access.ts';

/** Identity's questions to the policy, answered with the referral's context as every other decision is. */
export function createIdentityAccess(deps: CaseStoreDeps): IdentityAccess {
  return {
    async requirePictureRead(principal, referralId, subject) {
      await enforce(deps, principal, 'picture:read', { referral: await referralContext(deps.db, referralId) }, referralId, subject);
    },
    async requireDecision(principal, referralId, record, subject) {
      await enforce(deps, principal, 'identity:decide', { referral: await referralContext(deps.db, referralId), item: { agency: record.agency, revealed: record.revealed } }, referralId, subject);
    },
  };
}
