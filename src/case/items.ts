/**
 * An owner's work on its items (DESIGN.md rule 2: owner keeps the duty of care): reveal an item to
 * the hub, decide its release — release, redact or withhold — as a new revision that never
 * overwrites the last, and read the revisions of that decision. Each asks the policy with the
 * item's owner first, then changes the case and writes its audit entry in one transaction.
 */
import { appendAudit } from '../audit/log.ts';
import { MashError } from '../lib/errors.ts';
import type { Agency } from '../model/agency.ts';
import type { ReleaseDecision } from '../model/item.ts';
import type { Principal } from '../model/principal.ts';
import type { Redaction } from '../model/product.ts';
import { decideRelease, itemOwner, listItems, releaseRevisions, revealItem } from '../store/items.ts';
import { enforce, referralContext, requireReferral, type CaseStoreDeps } from './access.ts';
import { releaseRevisionDetail } from './decision-changes.ts';
import type { Action } from './policy.ts';
import { redactionProblem } from './redact.ts';

/** The owning agency of an item, once the policy has allowed `action` on it. */
async function ownedItem(deps: CaseStoreDeps, principal: Principal, action: Action, referralId: string, itemId: string): Promise<Agency> {
  await requireReferral(deps.db, referralId);
  const owner = await itemOwner(deps.db, referralId, itemId);
  if (owner === undefined) throw new MashError('ITEM.NOT_FOUND', `no item ${itemId} in referral ${referralId}`);
  await enforce(deps, principal, action, { referral: await referralContext(deps.db, referralId), item: { agency: owner.agency } }, referralId, itemId);
  return owner.agency;
}

/** Reveal an item to the hub; `revealed` is false when it already was. */
export async function reveal(deps: CaseStoreDeps, principal: Principal, referralId: string, itemId: string): Promise<{ revealed: boolean }> {
  const agency = await ownedItem(deps, principal, 'item:reveal', referralId, itemId);
  return deps.db.transaction(async (tx) => {
    const at = deps.clock.now();
    const revealed = await revealItem(tx, referralId, itemId, principal.sub, at);
    if (revealed) await appendAudit(tx, { at, actor: principal.sub, action: 'item.revealed', referralId, agency, subject: itemId });
    return { revealed };
  });
}

/** An owner's release decision on one item. */
export interface ReleaseRequest {
  readonly decision: 'release' | 'redact' | 'withhold';
  readonly rationale: string;
  readonly redactions?: readonly Redaction[] | undefined;
  readonly signpost?: { readonly contact: string } | undefined;
}

/** Record a new revision of an item's release decision. */
export async function decide(deps: CaseStoreDeps, principal: Principal, referralId: string, itemId: string, request: ReleaseRequest): Promise<{ revision: number }> {
  const agency = await ownedItem(deps, principal, 'item:decide', referralId, itemId);
  const redactions = request.redactions ?? [];
  if (request.decision === 'redact' && redactions.length === 0) throw new MashError('REQUEST.INVALID', 'a redaction names at least one field', { invalidParams: [{ name: 'json.redactions', reason: 'required for decision "redact"' }] });
  if (request.decision !== 'redact' && redactions.length > 0) throw new MashError('REQUEST.INVALID', 'redactions only go with decision "redact"', { invalidParams: [{ name: 'json.redactions', reason: `not allowed for decision "${request.decision}"` }] });
  return deps.db.transaction(async (tx) => {
    const [item] = await listItems(tx, deps.vault, referralId, { itemId });
    if (item === undefined) throw new MashError('ITEM.NOT_FOUND', `no item ${itemId}`);
    const problems = redactions.map((r, i) => ({ i, problem: redactionProblem(item.fact, r) })).filter((p) => p.problem !== undefined);
    if (problems.length > 0) throw new MashError('REQUEST.INVALID', problems[0]?.problem ?? 'bad redaction', { invalidParams: problems.map((p) => ({ name: `json.redactions.${p.i}.field`, reason: p.problem ?? '' })) });
    const at = deps.clock.now();
    const detail = { rationale: request.rationale, redactions: [...redactions], ...(request.signpost === undefined ? {} : { signpostContact: request.signpost.contact }) };
    // A new revision: earlier decisions, their redactions and rationale stay in the confidential record.
    const { revision, previous } = await decideRelease(tx, deps.vault, { referralId, itemId, agency, decision: request.decision, detail, by: principal.sub, at });
    await appendAudit(tx, {
      at,
      actor: principal.sub,
      action: 'item.release-decided',
      referralId,
      agency,
      subject: itemId,
      detail: releaseRevisionDetail(revision, previous, { decision: request.decision, ...detail }),
    });
    // Governance: revealed inside the hub, shared outside only on the owner's approval. Releasing
    // (or redacting) an item the hub never saw shares it: the owner's release reveals it too, so
    // the manager never publishes what the hub was not shown.
    if (request.decision !== 'withhold' && item.revealedAt === null && (await revealItem(tx, referralId, itemId, principal.sub, at))) {
      await appendAudit(tx, { at, actor: principal.sub, action: 'item.revealed', referralId, agency, subject: itemId, detail: { by: 'release-decision', decision: request.decision, revision } });
    }
    return { revision };
  });
}

/**
 * Every revision of an item's release decision, oldest first — decision, redactions, rationale,
 * signpost, who and when — for its owning agency's practitioner and the auditor (the policy
 * decides). A read of the confidential record: audited in the same transaction.
 */
export async function releaseHistory(deps: CaseStoreDeps, principal: Principal, referralId: string, itemId: string): Promise<{ agency: Agency; revisions: ReleaseDecision[] }> {
  const agency = await ownedItem(deps, principal, 'item:history', referralId, itemId);
  return deps.db.transaction(async (tx) => {
    const revisions = await releaseRevisions(tx, deps.vault, referralId, itemId);
    await appendAudit(tx, {
      at: deps.clock.now(),
      actor: principal.sub,
      action: 'item.history-viewed',
      referralId,
      agency,
      subject: itemId,
      detail: { role: principal.role, revisions: revisions.length },
    });
    return { agency, revisions };
  });
}
