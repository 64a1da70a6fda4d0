/**
 * What the host simulator accepts, written in zod from the host contract — the JSON Schema in
 * contracts/host/product.schema.json for the REST body, and the document rules of
 * contracts/host/README.md for the FHIR body — not from src/model.
 *
 * Why a mirror and not the model's own schema: the simulator plays the host, which knows only
 * the published contract. If the model drifts from the contract, the gateway's products start
 * failing here (and test/host/contract.test.ts shows the schema file, this mirror and the model
 * disagreeing on a document), instead of the model silently redefining the contract.
 */
import { z } from 'zod';

/** contracts/host/product.schema.json#/$defs/Uuid (RFC 9562 versions 1–8, nil and max). */
const Uuid = z
  .string()
  .regex(/^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/);
/** #/$defs/DateTime: RFC 3339 with seconds and a zone, a real calendar day. */
const DateTime = z.iso.datetime({ offset: true });
/** #/$defs/Date. */
const CalendarDate = z.iso.date();
const Count = z.number().int().min(1);

const Agency = z.enum(['health', 'police', 'education', 'housing', 'social-care']);

const HumanName = z.object({
  given: z.array(z.string().min(1).max(100)).min(1).max(5),
  family: z.string().min(1).max(100),
  use: z.enum(['usual', 'official', 'nickname', 'maiden', 'old']).optional(),
});

const ProductSubject = z.object({
  ref: z.string(),
  role: z.enum(['child', 'parent', 'carer', 'sibling', 'household-member', 'other']),
  name: HumanName,
  birthDate: CalendarDate.optional(),
});

const ProductItem = z.object({
  itemId: z.string().min(1),
  agency: Agency,
  kind: z.enum(['person', 'relationship', 'event', 'flag']),
  disposition: z.enum(['released', 'redacted']),
  sensitivity: z.enum(['open', 'sensitive', 'restricted']),
  content: z.record(z.string(), z.unknown()),
  redactedFields: z.array(z.string()),
  source: z.object({ sourceSystem: z.string(), sourceRecordId: z.string(), retrievedAt: DateTime, lawfulBasis: z.string() }),
});

const Signpost = z.object({ agency: Agency, itemCount: Count, contact: z.string().min(1).max(500), note: z.string().min(1).max(500) });

const Tally = z.number().int().min(0);

/** #/$defs/AgencyCheck: which agency was checked, and how completely. */
const AgencyCheck = z.object({
  agency: Agency,
  answer: z.enum(['complete', 'incomplete', 'not-permitted', 'pending', 'not-checked']),
  lookups: Tally,
  complete: Tally,
  partial: Tally,
  failed: Tally,
  timedOut: Tally,
  notPermitted: Tally,
  pending: Tally,
  statement: z.string().min(1).max(2000),
});

/** The REST JSON product document (contracts/host/product.schema.json). Unknown properties are allowed. */
export const HostProduct = z.object({
  productId: z.string().min(1),
  referralId: Uuid,
  externalReference: z.string().nullable(),
  version: Count,
  publishedAt: DateTime,
  publishedBy: z.string().min(1),
  threshold: z.enum(['child-protection', 'child-in-need', 'early-help']),
  decision: z.object({
    rag: z.enum(['red', 'amber', 'green']),
    outcome: z.enum(['no-further-action', 'early-help', 'child-in-need-assessment', 'strategy-discussion', 'section-47-enquiry', 'police-referral', 'other']),
    rationale: z.string().min(1).max(4000),
    decidedAt: DateTime,
    decidedBy: z.string().min(1),
  }),
  subjects: z.array(ProductSubject),
  items: z.array(ProductItem),
  signposts: z.array(Signpost),
  checks: z.array(AgencyCheck).optional(),
  withheldByDefault: z.object({ itemCount: Count, rationale: z.string().min(1) }).optional(),
  contentHash: z.string().regex(/^[0-9a-f]{64}$/),
});
export type HostProduct = z.infer<typeof HostProduct>;

/**
 * The FHIR variant, as far as the host checks it on receipt (README "FHIR variant"): a document
 * Bundle whose identifier names the product version and whose first entry is the Composition.
 * Full R4 validity is the gateway's test's business (test/host/fhir-document.test.ts).
 */
export const HostFhirDocument = z.object({
  resourceType: z.literal('Bundle'),
  type: z.literal('document'),
  identifier: z.object({ system: z.string().min(1), value: z.string().min(1) }),
  timestamp: DateTime,
  entry: z
    .array(z.object({ fullUrl: z.string().min(1), resource: z.looseObject({ resourceType: z.string().min(1) }) }))
    .min(1)
    .refine((entries) => entries[0]?.resource.resourceType === 'Composition', 'the first entry must be the Composition'),
});
export type HostFhirDocument = z.infer<typeof HostFhirDocument>;
