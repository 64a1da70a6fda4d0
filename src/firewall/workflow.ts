/**
 * The firewall's operations (issue 5): reveal, owners' release decisions, the manager's decision,
 * and publication. Each checks the policy with the referral's context first, then changes the
 * store and writes its audit entry in one transaction. Reading the picture is here too, because a
 * view of case content is itself audited (issue 6 §1).
 */
import { appendAudit, recordAudit } from '../audit/log.ts';
import type { Clock } from '../lib/clock.ts';
import { MashError } from '../lib/errors.ts';
import { sha256Hex, stableId } from '../lib/ids.ts';
import type { Agency } from '../model/agency.ts';
import type { Principal } from '../model/principal.ts';
import type { Outcome, Product, Redaction } from '../model/product.ts';
import { slaDueAt, type Rag } from '../model/referral.ts';
import type { Db, Sql } from '../store/db.ts';
import { assignees, contributingAgencies, decideRelease, getManagerDecision, itemOwner, listItems, releaseRevisions, revealItem, setManagerDecision } from '../store/items.ts';
import type { ItemRecord, ReleaseDecision } from '../model/item.ts';
import { enqueueOutbox } from '../store/outbox.ts';
import { insertProductVersion, latestProductVersion } from '../store/products.ts';
import { getReferral, listLookups } from '../store/referrals.ts';
import type { Vault } from '../store/vault.ts';
import { authorize, type Action, type PolicyContext } from './policy.ts';
import { buildProduct, productSubstanceHash } from './product.ts';
import { managerChanges, releaseRevisionDetail } from './decision-changes.ts';
import { redactionProblem } from './redact.ts';
import { tallyLookupFacts, type LookupFacts } from './lookup-facts.ts';
import { candidateRecords, relevantItems } from './relevance.ts';
import { listSubjectMatches } from '../store/identity.ts';
import { feedbackConnectorIds } from '../store/connectors.ts';

export interface FirewallDeps {
  readonly db: Db;
  readonly vault: Vault;
  readonly clock: Clock;
}

/** The referral's policy context: which agencies contributed, who is assigned. */
export async function referralContext(sql: Sql, referralId: string): Promise<PolicyContext['referral']> {
  return { contributingAgencies: await contributingAgencies(sql, referralId), assignees: await assignees(sql, referralId) };
}

/** Ask the policy; a denial is audited and thrown as 403. */
export async function enforce(deps: FirewallDeps, principal: Principal, action: Action, context: PolicyContext, referralId?: string, subject?: string): Promise<void> {
  const decision = authorize(principal, action, context);
  if (decision.allowed) return;
  await recordAudit(deps.db, { at: deps.clock.now(), actor: principal.sub, action: 'access.denied', referralId, agency: principal.agency, subject: subject ?? action, detail: { role: principal.role, action, reason: decision.reason } });
  throw new MashError('FIREWALL.DENIED', decision.reason);
}

async function requireReferral(deps: FirewallDeps, referralId: string): Promise<void> {
  const rows = await deps.db.query<{ id: string }>('SELECT id FROM referrals WHERE id = $1', [referralId]);
  if (rows.length === 0) throw new MashError('REFERRAL.NOT_FOUND', `no referral ${referralId}`);
}

/**
 * Whether a caller may see an item: its owning agency's practitioner always, anyone who reads the
 * picture once the owner has revealed it (governance: owner keeps the duty of care; need-to-know).
 */
export function maySeeItem(principal: Principal, item: { readonly agency: Agency; readonly revealedAt: string | null }): boolean {
  return item.revealedAt !== null || (principal.role === 'hub-practitioner' && item.agency === principal.agency);
}

/** What one caller may see of a referral's picture. */
export interface PictureView {
  /** The items of records that stand as matches, as this caller may see them. */
  readonly items: readonly ItemRecord[];
  /**
   * The person records awaiting a practitioner's decision (subject-level possible matches) that
   * this caller may see: out of the picture's facts, shown so that their owner can decide.
   */
  readonly candidates: readonly ItemRecord[];
  /** Every lookup's facts counted as the picture holds them (whatever this caller may see). */
  readonly lookupFacts: ReadonlyMap<string, LookupFacts>;
}

/**
 * The picture as this caller may see it: a practitioner sees all of their own agency's items and
 * what other agencies revealed; the manager sees what is revealed. Records awaiting an identity
 * decision are not among the items; their person records are shown, under the same rule, as
 * candidates. The read and its audit entry (naming every item shown) commit together.
 */
export async function viewPicture(deps: FirewallDeps, principal: Principal, referralId: string): Promise<PictureView> {
  await requireReferral(deps, referralId);
  await enforce(deps, principal, 'picture:read', { referral: await referralContext(deps.db, referralId) }, referralId);
  return deps.db.transaction(async (tx) => {
    const all = await listItems(tx, deps.vault, referralId);
    const matches = await listSubjectMatches(tx, referralId);
    const relevant = relevantItems(all, matches);
    const visible = relevant.filter((i) => maySeeItem(principal, i));
    const candidates = candidateRecords(all, matches).filter((i) => maySeeItem(principal, i));
    await appendAudit(tx, {
      at: deps.clock.now(),
      actor: principal.sub,
      action: 'picture.viewed',
      referralId,
      agency: principal.agency,
      // Candidate records are shown too (to let their owner decide): named among the items shown, and apart.
      detail: { role: principal.role, items: visible.length + candidates.length, itemIds: [...visible, ...candidates].map((i) => i.fact.id), candidateItemIds: candidates.map((i) => i.fact.id) },
    });
    return { items: visible, candidates, lookupFacts: tallyLookupFacts(all, relevant, matches) };
  });
}

async function ownedItem(deps: FirewallDeps, principal: Principal, action: Action, referralId: string, itemId: string): Promise<Agency> {
  await requireReferral(deps, referralId);
  const owner = await itemOwner(deps.db, referralId, itemId);
  if (owner === undefined) throw new MashError('ITEM.NOT_FOUND', `no item ${itemId} in referral ${referralId}`);
  await enforce(deps, principal, action, { referral: await referralContext(deps.db, referralId), item: { agency: owner.agency } }, referralId, itemId);
  return owner.agency;
}

export async function reveal(deps: FirewallDeps, principal: Principal, referralId: string, itemId: string): Promise<{ revealed: boolean }> {
  const agency = await ownedItem(deps, principal, 'item:reveal', referralId, itemId);
  return deps.db.transaction(async (tx) => {
    const at = deps.clock.now();
    const revealed = await revealItem(tx, referralId, itemId, principal.sub, at);
    if (revealed) await appendAudit(tx, { at, actor: principal.sub, action: 'item.revealed', referralId, agency, subject: itemId });
    return { revealed };
  });
}

export interface ReleaseRequest {
  readonly decision: 'release' | 'redact' | 'withhold';
  readonly rationale: string;
  readonly redactions?: readonly Redaction[] | undefined;
  readonly signpost?: { readonly contact: string } | undefined;
}

export async function decide(deps: FirewallDeps, principal: Principal, referralId: string, itemId: string, request: ReleaseRequest): Promise<{ revision: number }> {
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
export async function releaseHistory(deps: FirewallDeps, principal: Principal, referralId: string, itemId: string): Promise<{ agency: Agency; revisions: ReleaseDecision[] }> {
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

export interface DecisionRequest {
  readonly rag: Rag;
  readonly outcome: Outcome;
  readonly rationale: string;
}

/**
 * The manager's RAG, outcome and rationale. A RAG change moves the SLA; each contributing
 * agency's connectors get an outcome notification through the outbox (DESIGN.md rule 8).
 */
export async function recordDecision(deps: FirewallDeps, principal: Principal, referralId: string, request: DecisionRequest): Promise<{ revision: number; notified: number }> {
  await requireReferral(deps, referralId);
  await enforce(deps, principal, 'referral:decide', { referral: await referralContext(deps.db, referralId) }, referralId);
  return deps.db.transaction(async (tx) => {
    const at = deps.clock.now();
    const referral = await getReferral(tx, deps.vault, referralId);
    if (referral === undefined) throw new MashError('REFERRAL.NOT_FOUND', `no referral ${referralId}`);
    const { revision, previous } = await setManagerDecision(tx, deps.vault, { referralId, rag: request.rag, outcome: request.outcome, rationale: request.rationale, by: principal.sub, at });
    if (request.rag !== referral.rag) {
      // Risk can change at any time (rule 4): the SLA follows the new rating from receipt.
      await tx.query('UPDATE referrals SET rag = $2, sla_due_at = $3, updated_at = $4 WHERE id = $1', [referralId, request.rag, slaDueAt(referral.receivedAt, request.rag), at]);
    }
    await appendAudit(tx, {
      at,
      actor: principal.sub,
      action: 'referral.decided',
      referralId,
      detail: {
        rag: request.rag,
        previousRag: referral.rag,
        outcome: request.outcome,
        previousOutcome: previous?.outcome ?? null,
        revision,
        previousRevision: previous?.revision ?? null,
        changed: managerChanges(previous, request),
        rationaleSha256: sha256Hex(request.rationale),
      },
    });
    // Read inside the transaction, on its handle: the store refuses a root query here.
    const targets = await feedbackConnectorIds(tx, await contributingAgencies(tx, referralId));
    for (const target of targets) {
      const id = stableId('fbk', referralId, target, String(revision));
      await enqueueOutbox(tx, { id, kind: 'feedback', referralId, target, reference: String(revision), idempotencyKey: id }, at);
      await appendAudit(tx, { at, actor: principal.sub, action: 'feedback.queued', referralId, subject: target, detail: { outbox: id, outcome: request.outcome } });
    }
    return { revision, notified: targets.length };
  });
}

export const productIdFor = (referralId: string): string => stableId('prd', referralId);

export interface PublishRequest {
  /** Publish with undecided items withheld by default, for this reason. */
  readonly withholdUndecided?: { readonly rationale: string } | undefined;
}

/**
 * Publish: build the product from the current decisions; store it as a new immutable version
 * (or return the latest when nothing changed) with its outbox message, in one transaction.
 */
export async function publish(deps: FirewallDeps, principal: Principal, referralId: string, request: PublishRequest): Promise<{ product: Product; created: boolean }> {
  await requireReferral(deps, referralId);
  await enforce(deps, principal, 'product:publish', { referral: await referralContext(deps.db, referralId) }, referralId);
  return deps.db.transaction(async (tx) => {
    // One publication at a time per referral: the version number must not race.
    await tx.query('SELECT id FROM referrals WHERE id = $1 FOR UPDATE', [referralId]);
    const referral = await getReferral(tx, deps.vault, referralId);
    if (referral === undefined) throw new MashError('REFERRAL.NOT_FOUND', `no referral ${referralId}`);
    const decision = await getManagerDecision(tx, deps.vault, referralId);
    if (decision === undefined) throw new MashError('PUBLICATION.NO_DECISION', 'record the RAG, outcome and rationale (POST /decision) before publishing');
    const productId = productIdFor(referralId);
    const latest = await latestProductVersion(tx, deps.vault, productId, referralId);
    const at = deps.clock.now();
    const built = buildProduct({
      productId,
      referralId,
      externalReference: referral.externalReference,
      version: (latest?.product.version ?? 0) + 1,
      publishedAt: at.toISOString(),
      publishedBy: principal.sub,
      referral: referral.input,
      decision: { rag: decision.rag, outcome: decision.outcome, rationale: decision.rationale, decidedAt: decision.decidedAt, decidedBy: decision.decidedBy },
      items: relevantItems(await listItems(tx, deps.vault, referralId), await listSubjectMatches(tx, referralId)),
      lookups: await listLookups(tx, referralId),
      withholdUndecidedRationale: request.withholdUndecided?.rationale,
    });
    if (!built.ok) {
      throw new MashError('PUBLICATION.UNDECIDED_ITEMS', `${built.error.undecided.length} items have no release decision; decide them, or publish with "withholdUndecided": {"rationale": …}`);
    }
    const product = built.value;
    if (latest !== undefined && productSubstanceHash(latest.product) === productSubstanceHash(product)) return { product: latest.product, created: false };
    await insertProductVersion(tx, deps.vault, product);
    const outboxId = stableId('pub', productId, String(product.version));
    await enqueueOutbox(tx, { id: outboxId, kind: 'publication', referralId, target: 'host', reference: `${productId}@${product.version}`, idempotencyKey: `${productId}-v${product.version}` }, at);
    await appendAudit(tx, {
      at,
      actor: principal.sub,
      action: 'product.published',
      referralId,
      subject: productId,
      detail: {
        version: product.version,
        contentHash: product.contentHash,
        releasedItemIds: product.items.map((i) => i.itemId),
        redactedItemIds: product.items.filter((i) => i.disposition === 'redacted').map((i) => i.itemId),
        signpostAgencies: product.signposts.map((s) => s.agency),
        withheldByDefault: product.withheldByDefault?.itemCount ?? 0,
        outbox: outboxId,
      },
    });
    return { product, created: true };
  });
}
