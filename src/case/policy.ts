/**
 * The one policy function (CONVENTIONS.md §7; governance: need-to-know, owner keeps the duty of
 * care). Every route asks it; anything not granted here is denied. Decisions depend on the
 * caller's role and agency and, for case content, on the referral (which agencies contributed,
 * who is assigned), the item (which agency owns it) and the product (which referral it is of).
 *
 * Products: the host reads every published product and the manager every product of the hub; a
 * practitioner reads the products of the referrals they may see (their agency contributed, or
 * they are assigned: DESIGN.md rule 8, contributing agencies hear the outcome) and no other.
 */
import type { Agency } from '../model/agency.ts';
import type { Principal, Role } from '../model/principal.ts';

export const ACTIONS = [
  'referral:create',
  'referral:read',
  'referral:list',
  'referral:assign',
  'referral:decide',
  'picture:read',
  'item:reveal',
  'item:decide',
  'item:history',
  'product:publish',
  'identity:decide',
  // The review queue of possible matches across referrals: each entry is then `identity:decide`'s to show.
  'identity:list',
  'product:list',
  'product:read',
  'audit:verify',
  'audit:read',
  'connector:read',
  'connector:manage',
  'connector:test',
  'failure:read',
  'failure:reprocess',
  'queue:read',
  // Operational figures (GET /metrics): counts by connector, agency and kind, never case content.
  'metrics:read',
  'report:read',
  // The person index's model versions (counts, status, reasons; no personal data), and running an
  // estimation now (docs/decisions.md "The live person index trains its own model").
  'model:read',
  'model:estimate',
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
  /** A published product version, with the referral it was published for (`referral` is that referral's context). */
  readonly product?: { readonly productId: string; readonly referralId: string; readonly version: number };
  /**
   * A failed piece of work (the dead-letter list): its kind and the agency it concerns (a
   * lookup's or a notification's; none for a publication to the host).
   */
  readonly failure?: { readonly kind: 'lookup' | 'publication' | 'notification'; readonly agency: Agency | null };
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const allow: Decision = { allowed: true };
const deny = (reason: string): Decision => ({ allowed: false, reason });

/** Practitioners see referrals they are assigned to or that their agency contributed to. */
function practitionerMaySee(principal: Principal, context: PolicyContext): boolean {
  const referral = context.referral;
  if (referral === undefined) return false;
  return (principal.agency !== undefined && referral.contributingAgencies.includes(principal.agency)) || referral.assignees.includes(principal.sub);
}

/**
 * A product read needs the product and its referral's context: without them nobody reads one, so
 * a route that forgot to look them up denies rather than discloses.
 */
function productNamed(context: PolicyContext): Decision {
  if (context.product === undefined || context.referral === undefined) return deny('no product named');
  return allow;
}

const ITEM_VERB = { 'item:reveal': 'reveal', 'item:decide': 'decide on', 'item:history': 'read the decision history of', 'identity:decide': 'confirm or reject' } as const;

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
      if (action === 'product:read') return productNamed(context);
      return action === 'referral:read' ||
        action === 'referral:list' ||
        action === 'identity:list' ||
        action === 'picture:read' ||
        action === 'referral:assign' ||
        action === 'referral:decide' ||
        action === 'product:publish' ||
        action === 'product:list' ||
        // The manager runs the hub: every failure, publications to the host included.
        action === 'failure:read' ||
        action === 'failure:reprocess' ||
        // The queue dashboard: counts, states and ids of the hub's work, read-only.
        action === 'queue:read' ||
        // Operational figures (GET /metrics).
        action === 'metrics:read' ||
        // Performance reports (governance rec. 13): counts only, for the manager and the board.
        action === 'report:read' ||
        // The manager runs the hub: which model links its people, and when it is estimated again.
        action === 'model:read' ||
        action === 'model:estimate'
        ? allow
        : deny(`role ${role} may not ${action}`);
    case 'hub-practitioner': {
      // The product, referral and possible-match lists are open to practitioners; each entry is theirs to read only on need-to-know.
      if (action === 'product:list' || action === 'referral:list' || action === 'identity:list') return allow;
      if (action !== 'referral:read' && action !== 'picture:read' && action !== 'item:reveal' && action !== 'item:decide' && action !== 'item:history' && action !== 'identity:decide' && action !== 'product:read') {
        return deny(`role ${role} may not ${action}`);
      }
      if (action === 'product:read') {
        const named = productNamed(context);
        if (!named.allowed) return named;
      }
      if (!practitionerMaySee(principal, context)) return deny('this referral is not assigned to you and your agency did not contribute to it');
      if (action === 'item:reveal' || action === 'item:decide' || action === 'item:history' || action === 'identity:decide') {
        // Owner keeps the duty of care: only the owning agency reveals or releases its items, reads
        // the history of its release decisions, and confirms or rejects one of its records as a subject.
        if (context.item === undefined) return deny('no item named');
        if (context.item.agency !== principal.agency) return deny(`item belongs to ${context.item.agency}; only its owning agency may ${ITEM_VERB[action]} it`);
      }
      return allow;
    }
    case 'connector-admin':
      // Manages its agency's connectors and their failures (ids, codes, counts); never sees case content.
      // The queue dashboard shows the same kind of thing for every agency's work: job ids, states,
      // counts and failure codes (src/queue/dashboard.ts), read-only; connector health needs it.
      if (action === 'queue:read') return allow;
      // The operational figures are counts by connector and agency too, and run the service (GET /metrics).
      if (action === 'metrics:read') return allow;
      if (action === 'failure:read' || action === 'failure:reprocess') {
        if (context.failure === undefined) return allow;
        if (context.failure.kind === 'publication') return deny('publications to the host are the hub manager\'s to reprocess');
        return context.failure.agency === principal.agency ? allow : deny(`the failure concerns ${context.failure.agency ?? 'the hub'}`);
      }
      // A live test reaches the agency's system with the connector's credentials: its own agency's only.
      if (action !== 'connector:read' && action !== 'connector:manage' && action !== 'connector:test') return deny(`role ${role} may not ${action}`);
      if (context.connector !== undefined && context.connector.agency !== principal.agency) return deny(`connector belongs to ${context.connector.agency}`);
      return allow;
    case 'host-system':
      // Hosts read published products only: every one, being where products are published to.
      if (action === 'product:read') return productNamed(context);
      return action === 'product:list' ? allow : deny(`role ${role} may not ${action}`);
    case 'auditor':
      // The auditor reads the trail and, to audit a decision, the confidential record of its
      // revisions and rationale (governance: every decision and its rationale is retained).
      if (action === 'item:history') return context.referral !== undefined && context.item !== undefined ? allow : deny('no item named');
      return action === 'audit:verify' || action === 'audit:read' ? allow : deny(`role ${role} may not ${action}`);
    default:
      return role satisfies never;
  }
}
