/**
 * The housing management REST API's JSON shapes (contracts/housing/openapi.json) as zod
 * schemas, and `HousingRaw`, the raw records the housing adapter hands to the housing mapper.
 *
 * Why this file exists: every housing response is outside data (CONVENTIONS.md §2), so it is
 * parsed, never cast. The schemas follow the contract but keep only what the mapper reads;
 * unknown properties are dropped by parsing. Types are strict (a date must be a real day, an
 * enum one of its values): a record the hub would half-understand fails the lookup as
 * `malformed-response` instead. Person alerts keep the UK Housing Data Standards
 * (UKHDS) person-alert shape and snake_case names (`person_alert.schema.json`, draft v1.1).
 */
import { z } from 'zod';

/** Housing references go into follow-up query strings and fact person refs: short, plain. */
const Ref = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/);
const IsoDate = z.iso.date();
const Instant = z.iso.datetime({ offset: true });
const Text = (max: number): z.ZodString => z.string().max(max);

/**
 * The housing system's own record marking: the Government Security Classifications tier
 * (OFFICIAL, OFFICIAL-SENSITIVE) and its "restricted access" lock, which limits a record to
 * named officers (domestic abuse, witness protection). The mapper turns this into sensitivity.
 */
const marking = {
  protectiveMarking: z.enum(['OFFICIAL', 'OFFICIAL-SENSITIVE']).optional(),
  restrictedAccess: z.boolean().optional(),
};

export const HousingAddress = z.object({
  addressLines: z.array(Text(200)).max(6).default([]),
  town: Text(100).optional(),
  postcode: Text(10).optional(),
  /** Unique Property Reference Number (OS AddressBase), up to 12 digits. */
  uprn: z.string().regex(/^\d{1,12}$/).optional(),
});
export type HousingAddress = z.infer<typeof HousingAddress>;

export const HousingName = z.object({
  forenames: z.array(Text(100)).min(1).max(5),
  surname: Text(100),
});

export const HousingOtherName = HousingName.extend({
  type: z.enum(['alias', 'known-as', 'previous', 'maiden']).optional(),
});

export const HousingRole = z.enum(['lead-tenant', 'joint-tenant', 'household-member', 'applicant']);
export type HousingRole = z.infer<typeof HousingRole>;

export const HousingPerson = z.object({
  personRef: Ref,
  /** The UKHDS `person_id` the person's alerts refer to. */
  personId: z.number().int().nonnegative(),
  ...HousingName.shape,
  otherNames: z.array(HousingOtherName).default([]),
  dateOfBirth: IsoDate.optional(),
  sex: z.enum(['female', 'male', 'other', 'unknown']).optional(),
  currentAddress: HousingAddress.optional(),
  role: HousingRole.optional(),
  tenancyRef: Ref.optional(),
  updatedAt: Instant.optional(),
  ...marking,
});
export type HousingPerson = z.infer<typeof HousingPerson>;

/** How a household member is related to the lead tenant or applicant (CORE lettings-log style). */
export const HouseholdRelationship = z.enum(['partner', 'child', 'parent', 'other-relative', 'non-relative']);
export type HouseholdRelationship = z.infer<typeof HouseholdRelationship>;

export const RelationshipToLeadTenant = z.enum(['self', ...HouseholdRelationship.options]);
export type RelationshipToLeadTenant = z.infer<typeof RelationshipToLeadTenant>;

export const HousingTenancyMember = z.object({
  personRef: Ref,
  ...HousingName.shape,
  dateOfBirth: IsoDate.optional(),
  role: z.enum(['lead-tenant', 'joint-tenant', 'household-member']),
  relationshipToLeadTenant: RelationshipToLeadTenant.optional(),
  startDate: IsoDate.optional(),
  endDate: IsoDate.optional(),
});
export type HousingTenancyMember = z.infer<typeof HousingTenancyMember>;

export const HousingTenancy = z.object({
  tenancyRef: Ref,
  address: HousingAddress,
  tenure: z.enum(['secure', 'introductory', 'flexible', 'assured', 'assured-shorthold', 'demoted', 'temporary-accommodation', 'licence']),
  startDate: IsoDate,
  endDate: IsoDate.optional(),
  endReason: Text(200).optional(),
  status: z.enum(['current', 'ended']),
  members: z.array(HousingTenancyMember).min(1).max(30),
  updatedAt: Instant.optional(),
  ...marking,
});
export type HousingTenancy = z.infer<typeof HousingTenancy>;

export const HousingArrearsEntry = z.object({
  entryId: Ref,
  date: IsoDate,
  /** Arrears in pounds: what the tenant owed on that date (0 when clear). */
  arrearsBalance: z.number().min(0).max(10_000_000),
  note: Text(500).optional(),
  ...marking,
});
export type HousingArrearsEntry = z.infer<typeof HousingArrearsEntry>;

export const HousingRentAccount = z.object({
  accountRef: Ref,
  tenancyRef: Ref,
  /** The tenants liable for the rent, lead tenant first. */
  accountHolders: z.array(Ref).max(10).default([]),
  currentArrears: z.number().min(0).max(10_000_000),
  balanceDate: IsoDate,
  arrearsHistory: z.array(HousingArrearsEntry).max(2000),
  updatedAt: Instant.optional(),
  ...marking,
});
export type HousingRentAccount = z.infer<typeof HousingRentAccount>;

/**
 * Steps of the possession process: Notice of Seeking Possession (Housing Act 1985 s83, secure
 * tenancies), Notice to Quit (common law, licences and non-secure tenancies), the court's
 * possession order, and the warrant of possession (eviction by bailiffs).
 */
export const NoticeType = z.enum(['NOSP', 'NTQ', 'possession-order', 'warrant-of-possession']);
export type NoticeType = z.infer<typeof NoticeType>;

export const HousingNotice = z.object({
  noticeRef: Ref,
  tenancyRef: Ref,
  noticeType: NoticeType,
  servedDate: IsoDate,
  expiryDate: IsoDate.optional(),
  /** Ground for possession, e.g. "Housing Act 1985 Schedule 2 Ground 1 (rent arrears)". */
  ground: Text(200).optional(),
  arrearsAtService: z.number().min(0).max(10_000_000).optional(),
  status: z.enum(['served', 'expired', 'withdrawn', 'proceedings-issued', 'order-granted', 'executed']),
  servedOn: z.array(Ref).max(10).default([]),
  description: Text(2000).optional(),
  updatedAt: Instant.optional(),
  ...marking,
});
export type HousingNotice = z.infer<typeof HousingNotice>;

export const AsbPartyRole = z.enum(['alleged-perpetrator', 'perpetrator', 'complainant', 'victim', 'witness']);

export const HousingAsbCase = z.object({
  caseRef: Ref,
  openedDate: IsoDate,
  closedDate: IsoDate.optional(),
  category: z.enum(['noise', 'verbal-abuse', 'harassment', 'violence', 'criminal-damage', 'drugs', 'hate-incident', 'domestic-abuse', 'other']),
  status: z.enum(['open', 'closed']),
  parties: z.array(z.object({ personRef: Ref, role: AsbPartyRole })).min(1).max(30),
  description: Text(2000).optional(),
  updatedAt: Instant.optional(),
  ...marking,
});
export type HousingAsbCase = z.infer<typeof HousingAsbCase>;

/** H-CLIC reason for loss, or threat of loss, of last settled home (simplified). */
export const HomelessnessReason = z.enum([
  'end-of-private-rented-tenancy',
  'family-or-friends-no-longer-willing',
  'relationship-breakdown-non-violent',
  'domestic-abuse',
  'other-violence-or-harassment',
  'end-of-social-rented-tenancy',
  'overcrowding',
  'left-institution',
  'other',
]);

/** Housing Act 1996 Part 7 duties: prevention (s195), relief (s189B), main duty (s193(2)), none. */
export const HomelessnessDuty = z.enum(['prevention', 'relief', 'main', 'no-duty']);

/** A person as a homelessness application names them. */
const ApplicationPerson = z.object({ personRef: Ref, ...HousingName.shape, dateOfBirth: IsoDate.optional() });

export const HousingHomelessnessApplication = z.object({
  applicationRef: Ref,
  applicant: ApplicationPerson,
  approachDate: IsoDate,
  assessmentDate: IsoDate.optional(),
  reasonForLoss: HomelessnessReason,
  reasonText: Text(500).optional(),
  priorityNeed: z.boolean().optional(),
  dutyOwed: HomelessnessDuty,
  outcome: z.enum(['open', 'accommodation-secured', 'main-duty-accepted', 'no-duty-owed', 'contact-lost', 'withdrawn']),
  outcomeDate: IsoDate.optional(),
  /** Set when a public authority referred the household under the duty to refer (s213B). */
  referral: z.object({ dutyToRefer: z.boolean(), referringAgency: Text(100) }).optional(),
  householdMembers: z.array(ApplicationPerson.extend({ relationshipToApplicant: HouseholdRelationship.optional() })).max(30).default([]),
  updatedAt: Instant.optional(),
  ...marking,
});
export type HousingHomelessnessApplication = z.infer<typeof HousingHomelessnessApplication>;

/** UKHDS `confidentiality_level`: who in the housing organisation may see the alert. */
export const UkhdsConfidentiality = z.enum(['Public', 'Private', 'Restricted', 'Confidential']);
export type UkhdsConfidentiality = z.infer<typeof UkhdsConfidentiality>;

/**
 * A person alert, in the UKHDS `person_alert` shape, with its code row (`person_alert_codes`)
 * expanded, as an API returns it rather than as foreign keys.
 */
export const UkhdsPersonAlert = z.object({
  person_alert_id: z.number().int().nonnegative(),
  person_id: z.number().int().nonnegative(),
  person_alert_code_id: z.number().int().nonnegative(),
  person_alert_code: z.object({
    /** Top-level code, e.g. "SAF2". */
    alert_code: z.string().regex(/^[A-Z]{2,6}\d{1,2}$/),
    /** Sub-code, e.g. "SAF2.02". */
    alert_subcode: z.string().regex(/^[A-Z]{2,6}\d{1,2}\.\d{2}$/),
    alert_category_name: Text(50).optional(),
    alert_name: Text(100),
    alert_subname: Text(100).nullable().optional(),
    is_critical: z.boolean().optional(),
  }),
  alert_description: Text(2000).nullable().optional(),
  start_date: IsoDate,
  end_date: IsoDate.nullable().optional(),
  review_date: IsoDate.nullable().optional(),
  is_active: z.boolean().default(true),
  alert_status: z.enum(['Open', 'Closed', 'Pending', 'In Review', 'Archived']).optional(),
  last_updated: Instant.optional(),
  confidentiality_level: UkhdsConfidentiality.default('Public'),
  special_category_data_type: z.object({ category_code: Text(20), category_name: Text(100).optional() }).nullable().optional(),
});
export type UkhdsPersonAlert = z.infer<typeof UkhdsPersonAlert>;

/** The paging envelope of every collection: items, page numbers, and a `next` link. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    page: z.number().int().min(1),
    pageSize: z.number().int().min(1),
    totalItems: z.number().int().min(0).optional(),
    totalPages: z.number().int().min(0).optional(),
    links: z.object({ self: z.string().optional(), next: z.string().optional() }).optional(),
  });
}

/** An RFC 9457 problem document; only recognised, never echoed into failure reasons. */
export const ProblemDocument = z.object({ type: z.string().optional(), title: z.string(), status: z.number().int().optional() });

/** One person the housing system returned for the subject, with everything recorded against them. */
export interface HousingPersonRecords {
  readonly person: HousingPerson;
  readonly tenancies: readonly HousingTenancy[];
  readonly asbCases: readonly HousingAsbCase[];
  readonly homelessnessApplications: readonly HousingHomelessnessApplication[];
  readonly alerts: readonly UkhdsPersonAlert[];
}

/** A tenancy's money and possession records: they belong to the tenancy, not to one person. */
export interface HousingTenancyRecords {
  readonly tenancyRef: string;
  readonly rentAccounts: readonly HousingRentAccount[];
  readonly notices: readonly HousingNotice[];
}

/**
 * What the housing adapter found: candidate persons (matching is the hub's job) with their
 * records, and the rent accounts and notices of their tenancies. What it left unread is the
 * outcome's `cuts`.
 */
export interface HousingRaw {
  readonly persons: readonly HousingPersonRecords[];
  readonly tenancies: readonly HousingTenancyRecords[];
}
