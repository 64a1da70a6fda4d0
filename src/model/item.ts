/**
 * An item behind the firewall: a fact with its reveal state and its owner's current release
 * decision (DESIGN.md rule 2: owner keeps the duty of care), and the manager's decision. Pure
 * types and schemas; the store seals and keeps every revision.
 */
import { z } from 'zod';
import type { Agency } from './agency.ts';
import type { Fact } from './fact.ts';
import { Redaction, type Outcome } from './product.ts';
import type { Rag } from './referral.ts';

export const ReleaseDecisionKind = z.enum(['release', 'redact', 'withhold']);
export type ReleaseDecisionKind = z.infer<typeof ReleaseDecisionKind>;

/** What a release decision says beyond its kind; sealed at rest. */
export const ReleaseDetail = z.object({
  rationale: z.string(),
  redactions: z.array(Redaction).default([]),
  signpostContact: z.string().optional(),
});
export type ReleaseDetail = z.infer<typeof ReleaseDetail>;

export interface ReleaseDecision extends ReleaseDetail {
  readonly decision: ReleaseDecisionKind;
  readonly decidedBy: string;
  readonly decidedAt: string;
  readonly revision: number;
}

export interface ItemRecord {
  readonly fact: Fact;
  readonly agency: Agency;
  readonly revealedAt: string | null;
  readonly revealedBy: string | null;
  readonly release: ReleaseDecision | null;
}

export interface ManagerDecisionRecord {
  readonly rag: Rag;
  readonly outcome: Outcome;
  readonly rationale: string;
  readonly decidedBy: string;
  readonly decidedAt: string;
  readonly revision: number;
}
