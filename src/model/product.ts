/**
 * The product: what leaves the hub (DESIGN.md rule 2, 5). Built only by the firewall's product
 * builder from released and redacted items, signposts for withheld ones, and the manager's
 * decision. Versioned and immutable; `contentHash` is the SHA-256 of its canonical JSON without
 * the hash itself.
 */
import { z } from 'zod';
import { Agency, Sensitivity } from './agency.ts';
import { AgencyCheck } from './check.ts';
import { HumanName, IsoDate } from './person.ts';
import { Rag, SubjectRole, Threshold } from './referral.ts';

export const Outcome = z.enum(['no-further-action', 'early-help', 'child-in-need-assessment', 'strategy-discussion', 'section-47-enquiry', 'police-referral', 'other']);
export type Outcome = z.infer<typeof Outcome>;

export const ManagerDecision = z.object({
  rag: Rag,
  outcome: Outcome,
  rationale: z.string().min(1).max(4000),
  decidedAt: z.iso.datetime({ offset: true }),
  decidedBy: z.string().min(1),
});
export type ManagerDecision = z.infer<typeof ManagerDecision>;

/** One field replaced by the owning agency, and what stands in its place. */
export const Redaction = z.object({ field: z.string().min(1).max(100), replacement: z.string().min(1).max(500) });
export type Redaction = z.infer<typeof Redaction>;

/** The marker text that stands in the product where a field was redacted. */
export const redactionMarker = (agency: Agency, replacement: string): string => `[REDACTED by ${agency}] ${replacement}`;

export const ProductItem = z.object({
  itemId: z.string().min(1),
  agency: Agency,
  kind: z.enum(['person', 'relationship', 'event', 'flag']),
  disposition: z.enum(['released', 'redacted']),
  sensitivity: Sensitivity,
  /** The fact as released: redacted fields hold a redaction marker, never the original. */
  content: z.record(z.string(), z.unknown()),
  redactedFields: z.array(z.string()),
  source: z.object({ sourceSystem: z.string(), sourceRecordId: z.string(), retrievedAt: z.iso.datetime({ offset: true }), lawfulBasis: z.string() }),
});
export type ProductItem = z.infer<typeof ProductItem>;

/** Where an agency withheld an item: that relevant information exists and whom to ask — never the content. */
export const Signpost = z.object({
  agency: Agency,
  itemCount: z.number().int().min(1),
  contact: z.string().min(1).max(500),
  note: z.string().min(1).max(500),
});
export type Signpost = z.infer<typeof Signpost>;

export const ProductSubject = z.object({ ref: z.string(), role: SubjectRole, name: HumanName, birthDate: IsoDate.optional() });

export const Product = z.object({
  productId: z.string().min(1),
  referralId: z.uuid(),
  externalReference: z.string().nullable(),
  version: z.number().int().min(1),
  publishedAt: z.iso.datetime({ offset: true }),
  publishedBy: z.string().min(1),
  threshold: Threshold,
  decision: ManagerDecision,
  subjects: z.array(ProductSubject),
  items: z.array(ProductItem),
  signposts: z.array(Signpost),
  /**
   * Which agencies were checked and how completely — complete, incomplete (answers cut short,
   * failed, timed out, not permitted), not permitted, not checked — so that an agency with no
   * items is never read as "nothing known". Every version the builder makes carries it; only
   * versions published before it existed lack it.
   */
  checks: z.array(AgencyCheck).optional(),
  /** Rationale when the manager published with undecided items withheld by default. */
  withheldByDefault: z.object({ itemCount: z.number().int().min(1), rationale: z.string().min(1) }).optional(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type Product = z.infer<typeof Product>;

/** A stored product version and its place in the hosts' change feed. */
export interface ProductVersion {
  readonly cursor: number;
  readonly product: Product;
}
