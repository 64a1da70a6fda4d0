/**
 * The product builder (DESIGN.md: "nothing leaves the hub except through the firewall"): the only
 * path from the picture to the outside. Pure: from the items with their owners' decisions, the
 * manager's decision and the referral, it builds the product — released items, redacted items
 * with markers, signposts for withheld ones — and its content hash.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json.ts';
import { err, ok, type Result } from '../lib/result.ts';
import type { Agency } from '../model/agency.ts';
import { agencyChecks, type CheckedLookup } from '../model/check.ts';
import type { ManagerDecision, Product, ProductItem, Signpost } from '../model/product.ts';
import type { ReferralInput } from '../model/referral.ts';
import type { ItemRecord } from '../model/item.ts';
import { applyRedactions } from './redact.ts';

export const defaultSignpostContact = (agency: Agency): string => `Contact the ${agency} representative at the MASH`;

export interface ProductInput {
  readonly productId: string;
  readonly referralId: string;
  readonly externalReference: string | null;
  readonly version: number;
  readonly publishedAt: string;
  readonly publishedBy: string;
  readonly referral: ReferralInput;
  readonly decision: ManagerDecision;
  readonly items: readonly ItemRecord[];
  /** Every lookup of the referral: the product says which agencies were checked, and how completely. */
  readonly lookups: readonly CheckedLookup[];
  /** Undecided items are withheld by default, with this rationale; without it they block publication. */
  readonly withholdUndecidedRationale?: string | undefined;
}

/** Why a product could not be built: items without a release decision, and no default to withhold them. */
export interface UndecidedItems {
  readonly kind: 'undecided-items';
  /** Fact ids of the undecided items. */
  readonly undecided: readonly string[];
}

export function hashProduct(product: Omit<Product, 'contentHash'>): string {
  return createHash('sha256').update(canonicalJson(product)).digest('hex');
}

/** What makes two versions the same: everything but the version stamp. */
export function productSubstanceHash(product: Product): string {
  const { version: _v, publishedAt: _at, publishedBy: _by, contentHash: _h, ...substance } = product;
  return createHash('sha256').update(canonicalJson(substance)).digest('hex');
}

export function buildProduct(input: ProductInput): Result<Product, UndecidedItems> {
  const undecided = input.items.filter((i) => i.release === null).map((i) => i.fact.id);
  if (undecided.length > 0 && input.withholdUndecidedRationale === undefined) return err({ kind: 'undecided-items', undecided });

  const items: ProductItem[] = [];
  const withheld = new Map<Agency, { count: number; ownerContact: string | undefined }>();
  for (const item of input.items) {
    const release = item.release;
    const decision = release?.decision ?? 'withhold';
    if (decision === 'withhold') {
      // Signpost: that relevant information exists and whom to ask — never the content (rule 5).
      // Whom to ask is the owner's word when it gave one, whichever of its items comes first;
      // the hub's default only stands in for an owner that said nothing (or has not decided).
      const current = withheld.get(item.agency);
      withheld.set(item.agency, { count: (current?.count ?? 0) + 1, ownerContact: current?.ownerContact ?? release?.signpostContact });
      continue;
    }
    const { provenance } = item.fact;
    items.push({
      itemId: item.fact.id,
      agency: item.agency,
      kind: item.fact.kind,
      disposition: decision === 'redact' ? 'redacted' : 'released',
      sensitivity: provenance.sensitivity,
      content: withoutProvenance(decision === 'redact' ? applyRedactions(item.fact, item.agency, release?.redactions ?? []) : (item.fact)),
      redactedFields: decision === 'redact' ? (release?.redactions ?? []).map((r) => r.field) : [],
      source: { sourceSystem: provenance.sourceSystem, sourceRecordId: provenance.sourceRecordId, retrievedAt: provenance.retrievedAt, lawfulBasis: provenance.lawfulBasis },
    });
  }
  const signposts: Signpost[] = [...withheld.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([agency, { count, ownerContact }]) => ({
      agency,
      itemCount: count,
      contact: ownerContact ?? defaultSignpostContact(agency),
      note: `The ${agency} agency holds relevant information it has not shared in this product. Contact it for more.`,
    }));

  const body: Omit<Product, 'contentHash'> = {
    productId: input.productId,
    referralId: input.referralId,
    externalReference: input.externalReference,
    version: input.version,
    publishedAt: input.publishedAt,
    publishedBy: input.publishedBy,
    threshold: input.referral.threshold,
    decision: input.decision,
    subjects: input.referral.subjects.map((s) => ({ ref: s.ref, role: s.role, name: s.name, ...(s.birthDate === undefined ? {} : { birthDate: s.birthDate }) })),
    items,
    signposts,
    checks: agencyChecks(input.lookups),
    ...(undecided.length > 0 && input.withholdUndecidedRationale !== undefined ? { withheldByDefault: { itemCount: undecided.length, rationale: input.withholdUndecidedRationale } } : {}),
  };
  return ok({ ...body, contentHash: hashProduct(body) });
}

/** Provenance is summarised in `source`; the connector and lookup ids are the hub's own business. */
function withoutProvenance(content: Record<string, unknown>): Record<string, unknown> {
  const { provenance: _provenance, ...rest } = content;
  return rest;
}
