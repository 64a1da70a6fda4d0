/**
 * The one policy function (CONVENTIONS.md §7, governance: need-to-know). Every route asks it;
 * anything not granted here is denied. The firewall issue extends the actions and adds
 * per-referral conditions (assignment, contributing agency).
 */
import type { Principal, Role } from '../model/principal.ts';

export const ACTIONS = ['referral:create', 'referral:read', 'picture:read', 'audit:verify'] as const;
export type Action = (typeof ACTIONS)[number];

const GRANTS: Readonly<Record<Role, readonly Action[]>> = {
  'referral-intake': ['referral:create', 'referral:read'],
  'hub-practitioner': ['referral:read', 'picture:read'],
  'hub-manager': ['referral:read', 'picture:read'],
  // Connector admins manage connectors and never see case content.
  'connector-admin': [],
  // Hosts read published products only.
  'host-system': [],
  auditor: ['audit:verify'],
};

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

export function authorize(principal: Principal, action: Action): Decision {
  if (GRANTS[principal.role].includes(action)) return { allowed: true };
  return { allowed: false, reason: `role ${principal.role} may not ${action}` };
}
