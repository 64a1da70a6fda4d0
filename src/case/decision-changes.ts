/**
 * What a new revision of a decision changed, for its audit entry. The governance model keeps every
 * decision and its rationale in the audit trail; the log holds no case content, so it names the
 * parts that changed, the fields redacted and hashes of the free text, while the text itself stays
 * sealed in the confidential record (src/store/items.ts keeps every revision).
 */
import { canonicalJson } from '../lib/canonical-json.ts';
import { sha256Hex } from '../lib/ids.ts';
import type { AuditDetailValue } from '../audit/log.ts';
import type { ReleaseDecision, ReleaseDetail, ReleaseDecisionKind, ManagerDecisionRecord } from '../model/item.ts';
import type { Outcome } from '../model/product.ts';
import type { Rag } from '../model/referral.ts';

/** The parts of a release decision a revision can change. */
export type ReleasePart = 'decision' | 'redactions' | 'rationale' | 'signpost';

/** A release decision as the owner gives it. */
export interface ReleaseRevisionInput extends ReleaseDetail {
  readonly decision: ReleaseDecisionKind;
}

const partsOfRelease = (d: ReleaseRevisionInput): Record<ReleasePart, string | undefined> => ({
  decision: d.decision,
  redactions: d.redactions.length === 0 ? undefined : canonicalJson(d.redactions),
  rationale: d.rationale,
  signpost: d.signpostContact,
});

/** The parts this revision changed; a first revision changes every part it sets. */
export function releaseChanges(previous: ReleaseDecision | undefined, next: ReleaseRevisionInput): ReleasePart[] {
  const after = partsOfRelease(next);
  const before = previous === undefined ? undefined : partsOfRelease(previous);
  return (['decision', 'redactions', 'rationale', 'signpost'] as const).filter((part) => (before === undefined ? after[part] !== undefined : before[part] !== after[part]));
}

/** The audit detail of a release decision's revision: what changed, the fields redacted, hashes of the text. */
export function releaseRevisionDetail(revision: number, previous: ReleaseDecision | undefined, next: ReleaseRevisionInput): Record<string, AuditDetailValue> {
  return {
    decision: next.decision,
    revision,
    previousRevision: previous?.revision ?? null,
    previousDecision: previous?.decision ?? null,
    changed: releaseChanges(previous, next),
    redactedFields: next.redactions.map((r) => r.field),
    previousRedactedFields: previous === undefined ? null : previous.redactions.map((r) => r.field),
    // The rationale, replacement texts and signpost are sealed in the confidential record; the log proves them by hash.
    rationaleSha256: sha256Hex(next.rationale),
    redactionsSha256: next.redactions.length === 0 ? null : sha256Hex(canonicalJson(next.redactions)),
    signpostSha256: next.signpostContact === undefined ? null : sha256Hex(next.signpostContact),
  };
}

/** The parts of the manager's decision a revision can change. */
export type ManagerPart = 'rag' | 'outcome' | 'rationale';

/** The parts this revision of the manager's decision changed; a first revision changes them all. */
export function managerChanges(previous: ManagerDecisionRecord | undefined, next: { readonly rag: Rag; readonly outcome: Outcome; readonly rationale: string }): ManagerPart[] {
  if (previous === undefined) return ['rag', 'outcome', 'rationale'];
  return (['rag', 'outcome', 'rationale'] as const).filter((part) => previous[part] !== next[part]);
}
