/**
 * The one policy function (CONVENTIONS.md §7; governance: need-to-know, owner keeps the duty of
 * care). Every route asks it; anything not granted here is denied. Decisions depend on the
 * caller's role and agency and, for case content, on the referral (which agencies contributed,
 * who is assigned) and the item (which agency owns it).
 */
import type { Agency } from '../model/agency.ts';
import type { Principal, Role } from '../model/principal.ts';

export const ACTIONS = [
  'referral:create',
  'referral:read',
  'referral:assign',
  'referral:decide',
  'picture:read',
  'item:reveal',
  'item:decide',
  'product:publish',
  'identity:decide',
  'product:read',
  'audit:verify',
  'audit:read',
  'connector:read',
  'connector:manage',
] as const;
export type Action = (typeof ACTIONS)[number];

/** What a decision about case content needs to know; absent parts deny the actions that need them. */
export interface PolicyContext {
  readonly referral?: { readonly contributingAgencies: readonly Agency[]; readonly assignees: readonly string[] };
  /**
   * The item acted on: its owning agency, and whether the owner has revealed it to the hub. For
   * `identity:decide`, the candidate person record of the possible match.
   */
  readonly item?: { readonly agency: Agency; readonly revealed?: boolean };
  readonly connector?: { readonly agency: Agency };
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const allow: Decision = { allowed: true };
const deny = (reason: string): Decision => ({ allowed: false, reason });

/** Practitioners see referrals they are assigned to or that their agency contributed to (issue 5 §1). */
function practitionerMaySee(principal: Principal, context: PolicyContext): boolean {
  const referral = context.referral;
  if (referral === undefined) return false;
  return (principal.agency !== undefined && referral.contributingAgencies.includes(principal.agency)) || referral.assignees.includes(principal.sub);
}

export function authorize(principal: Principal, action: Action, context: PolicyContext = {}): Decision {
  const role: Role = principal.role;
  switch (role) {
    case 'referral-intake':
      return action === 'referral:create' || action === 'referral:read' ? allow : deny(`role ${role} may not ${action}`);
    case 'hub-manager':
      if (action === 'identity:decide') {
        // The manager decides whose record a candidate is only on what the hub may see: a record
        // its owner revealed. An unrevealed one is its owning agency's to judge (need-to-know).
        if (context.item === undefined) return deny('no candidate record named');
        return context.item.revealed === true ? allow : deny(`the candidate record is not revealed to the hub; its owning agency (${context.item.agency}) decides`);
      }
      // The manager reads the revealed picture and decides; items stay the owners' to release.
      return action === 'referral:read' || action === 'picture:read' || action === 'referral:assign' || action === 'referral:decide' || action === 'product:publish' || action === 'product:read'
        ? allow
        : deny(`role ${role} may not ${action}`);
    case 'hub-practitioner': {
      if (action !== 'referral:read' && action !== 'picture:read' && action !== 'item:reveal' && action !== 'item:decide' && action !== 'identity:decide') return deny(`role ${role} may not ${action}`);
      if (!practitionerMaySee(principal, context)) return deny('this referral is not assigned to you and your agency did not contribute to it');
      if (action === 'item:reveal' || action === 'item:decide' || action === 'identity:decide') {
        // Owner keeps the duty of care: only the owning agency reveals or releases its items, and
        // confirms or rejects one of its records as a subject.
        if (context.item === undefined) return deny('no item named');
        const verb = action === 'item:reveal' ? 'reveal' : action === 'item:decide' ? 'decide on' : 'confirm or reject';
        if (context.item.agency !== principal.agency) return deny(`item belongs to ${context.item.agency}; only its owning agency may ${verb} it`);
      }
      return allow;
    }
    case 'connector-admin':
      // Manages its agency's connectors; never sees case content.
      if (action !== 'connector:read' && action !== 'connector:manage') return deny(`role ${role} may not ${action}`);
      if (context.connector !== undefined && context.connector.agency !== principal.agency) return deny(`connector belongs to ${context.connector.agency}`);
      return allow;
    case 'host-system':
      // Hosts read published products only.
      return action === 'product:read' ? allow : deny(`role ${role} may not ${action}`);
    case 'auditor':
      return action === 'audit:verify' || action === 'audit:read' ? allow : deny(`role ${role} may not ${action}`);
    default:
      return role satisfies never;
  }
}
