/**
 * Publication (DESIGN.md: "nothing leaves the hub except through the firewall"): the product is
 * built by the product builder (`product.ts`, the only way out) from the owners' current decisions
 * and the manager's, stored as a new immutable version with its outbox message for the host, and
 * audited — all in one transaction. Publishing again with nothing changed returns the latest.
 */
import { clearNewProductOffer } from '../store/reruns.ts';
import { appendAudit } from '../audit/log.ts';
import { MashError } from '../lib/errors.ts';
import { stableId } from '../lib/ids.ts';
import type { DeliveryRequest, DeliveryScheduler } from '../model/jobs.ts';
import type { Principal } from '../model/principal.ts';
import type { Product } from '../model/product.ts';
import { listSubjectMatches } from '../store/identity.ts';
import { getManagerDecision, listItems } from '../store/items.ts';
import { enqueueOutbox } from '../store/outbox.ts';
import { insertProductVersion, latestProductVersion } from '../store/products.ts';
import { getReferral, lockReferral } from '../store/referrals.ts';
import { listLookups } from '../store/lookups.ts';
import type { Sql } from '../store/db.ts';
import { enforce, referralContext, requireReferral, type CaseStoreDeps } from './access.ts';
import { buildProduct, productSubstanceHash } from './product.ts';
import { relevantItems } from './relevance.ts';

/** The one product of a referral; its versions are numbered. */
export const productIdFor = (referralId: string): string => stableId('prd', referralId);

/** What the manager asks of a publication. */
export interface PublishRequest {
  /** Publish with undecided items withheld by default, for this reason. */
  readonly withholdUndecided?: { readonly rationale: string } | undefined;
}

/**
 * The product as publishing it now would build it — the same builder over the same decisions,
 * the next version number — for the manager to read before publishing (DESIGN.md: nothing leaves
 * except through the firewall; what the manager previews is what the host receives). Nothing is
 * stored but the audit entry: a preview shows case content, as a picture does.
 */
export async function previewProduct(deps: CaseStoreDeps, principal: Principal, referralId: string, request: PublishRequest): Promise<Product> {
  await requireReferral(deps.db, referralId);
  await enforce(deps, principal, 'product:publish', { referral: await referralContext(deps.db, referralId) }, referralId);
  return deps.db.transaction(async (tx) => {
    const at = deps.clock.now();
    const { product } = await draftProduct(tx, deps, principal, referralId, request, at);
    await appendAudit(tx, { at, actor: principal.sub, action: 'product.previewed', referralId, subject: product.productId, detail: { version: product.version, contentHash: product.contentHash } });
    return product;
  });
}

/** Builds the next version from the store's current decisions; throws what publishing would refuse. */
async function draftProduct(tx: Sql, deps: CaseStoreDeps, principal: Principal, referralId: string, request: PublishRequest, at: Date): Promise<{ product: Product; latest: Awaited<ReturnType<typeof latestProductVersion>>; productId: string }> {
  const referral = await getReferral(tx, deps.vault, referralId);
  if (referral === undefined) throw new MashError('REFERRAL.NOT_FOUND', `no referral ${referralId}`);
  const decision = await getManagerDecision(tx, deps.vault, referralId);
  if (decision === undefined) throw new MashError('PUBLICATION.NO_DECISION', 'record the RAG, outcome and rationale (POST /decision) before publishing');
  const productId = productIdFor(referralId);
  const latest = await latestProductVersion(tx, deps.vault, productId, referralId);
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
  return { product: built.value, latest, productId };
}

/**
 * Publish: build the product from the current decisions; store it as a new immutable version
 * (or return the latest when nothing changed) with its outbox message, in one transaction.
 */
export async function publish(
  deps: CaseStoreDeps & { readonly deliveries?: DeliveryScheduler | undefined },
  principal: Principal,
  referralId: string,
  request: PublishRequest,
): Promise<{ product: Product; created: boolean }> {
  await requireReferral(deps.db, referralId);
  await enforce(deps, principal, 'product:publish', { referral: await referralContext(deps.db, referralId) }, referralId);
  const queued: DeliveryRequest[] = [];
  const published = await deps.db.transaction(async (tx) => {
    // One publication at a time per referral: the version number must not race.
    await lockReferral(tx, referralId);
    const at = deps.clock.now();
    const { product, latest, productId } = await draftProduct(tx, deps, principal, referralId, request, at);
    // Publishing takes up any offer of a new version (a lookup ran again after the last one).
    await clearNewProductOffer(tx, referralId);
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
    queued.push({ outboxId, dueAt: at });
    return { product, created: true };
  });
  // After the commit (docs/decisions.md "One job engine, one retry policy"): a delivery job must
  // never run ahead of the row it delivers. Best effort: the outbox sweep finds what it misses.
  await deps.deliveries?.deliver(queued);
  return published;
}
