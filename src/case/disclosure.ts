/**
 * Reading published products: the pull API's side of the firewall (DESIGN.md rule 2: only the
 * product leaves the hub). Who may read which product is the policy's to decide, from the
 * product and its referral's context like every other decision (`policy.ts`); a product is opened
 * only once the policy has allowed its read, and every read is audited as a disclosure in the
 * same transaction as the read (CONVENTIONS.md §8).
 */
import { appendAudit } from '../audit/log.ts';
import type { Principal } from '../model/principal.ts';
import type { Product, ProductVersion } from '../model/product.ts';
import { findProductVersion, openProductVersion, productFeedRefs, type ProductVersionRef } from '../store/products.ts';
import { MashError } from '../lib/errors.ts';
import { ContentDestroyedError } from '../store/vault.ts';
import { authorize, type PolicyContext } from './policy.ts';
import { enforce, referralContext, type CaseStoreDeps } from './access.ts';

/** Rows read per batch of the feed, and the most scanned for one page (versions the caller may not read are skipped). */
const FEED_BATCH = 100;
const FEED_MAX_SCANNED = 1000;

const productContext = (ref: ProductVersionRef, referral: PolicyContext['referral']): PolicyContext => ({
  referral,
  product: { productId: ref.productId, referralId: ref.referralId, version: ref.version },
});

/** One product version (the latest, or `version`), if the policy lets this caller read it. */
export async function readProduct(deps: CaseStoreDeps, principal: Principal, productId: string, version: number | undefined): Promise<Product> {
  await enforce(deps, principal, 'product:list', {});
  const ref = await findProductVersion(deps.db, productId, version);
  if (ref === undefined) throw new MashError('PRODUCT.NOT_FOUND', `no product ${productId}${version === undefined ? '' : ' at that version'}`);
  await enforce(deps, principal, 'product:read', productContext(ref, await referralContext(deps.db, ref.referralId)), ref.referralId, productId);
  return deps.db.transaction(async (tx) => {
    const found = await openProductVersion(tx, deps.vault, ref);
    if (found === undefined) throw new MashError('PRODUCT.NOT_FOUND', `no product ${productId}`);
    await appendAudit(tx, { at: deps.clock.now(), actor: principal.sub, action: 'product.read', referralId: ref.referralId, subject: productId, detail: { version: ref.version, role: principal.role } });
    return found.product;
  });
}

/** A page of the change feed: up to `limit` versions after `after` that this caller may read, and the cursor to continue from. */
export interface FeedPage {
  readonly entries: readonly ProductVersion[];
  /** The last version scanned, read or skipped: the next page starts after it. */
  readonly nextCursor: number;
}

/**
 * The change feed as this caller may read it. Versions of referrals the policy keeps from the
 * caller are skipped, not answered: the feed is the list of what they may read. At most
 * FEED_MAX_SCANNED versions are scanned per page, so a page may hold fewer than `limit` entries
 * while `nextCursor` moves on.
 */
export async function readProductFeed(deps: CaseStoreDeps, principal: Principal, after: number, limit: number): Promise<FeedPage> {
  await enforce(deps, principal, 'product:list', {});
  const contexts = new Map<string, PolicyContext['referral']>();
  const readable: ProductVersionRef[] = [];
  let cursor = after;
  let scanned = 0;
  while (readable.length < limit && scanned < FEED_MAX_SCANNED) {
    const batch = await productFeedRefs(deps.db, cursor, FEED_BATCH);
    for (const ref of batch) {
      cursor = ref.cursor;
      scanned += 1;
      let referral = contexts.get(ref.referralId);
      if (referral === undefined) {
        referral = await referralContext(deps.db, ref.referralId);
        contexts.set(ref.referralId, referral);
      }
      if (authorize(principal, 'product:read', productContext(ref, referral)).allowed) readable.push(ref);
      if (readable.length === limit) break;
    }
    if (batch.length < FEED_BATCH) break;
  }
  const entries = await deps.db.transaction(async (tx) => {
    const opened: ProductVersion[] = [];
    for (const ref of readable) {
      let found: ProductVersion | undefined;
      try {
        found = await openProductVersion(tx, deps.vault, ref);
      } catch (error) {
        // Retention destroyed this case's content: the version is gone, and must not stop the feed.
        if (error instanceof ContentDestroyedError) continue;
        throw error;
      }
      if (found === undefined) continue;
      opened.push(found);
      await appendAudit(tx, { at: deps.clock.now(), actor: principal.sub, action: 'product.read', referralId: ref.referralId, subject: ref.productId, detail: { version: ref.version, role: principal.role, via: 'feed' } });
    }
    return opened;
  });
  return { entries, nextCursor: cursor };
}
