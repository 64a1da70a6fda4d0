/**
 * The children's social care API shapes the adapter accepts (contracts/social-care), as zod
 * schemas, and `SocialCareRaw`, the raw records it hands to the social care mapper.
 *
 * Why this file exists: every response is outside data (CONVENTIONS.md §2), so it is parsed,
 * never cast. The schemas follow the contract's JSON Schema with two deliberate differences:
 * unknown fields are dropped rather than refused (a newer case-system release may add some),
 * and statutory codes are accepted by shape rather than by list (a newer CIN census or SSDA903
 * year may add codes; the mapper labels the codes it knows and shows others as they are).
 * Types, dates, ids and required fields are strict: a record that breaks them fails the lookup
 * as `malformed-response` rather than flow into the hub half-understood.
 */
import { z } from 'zod';

/** A case-system record id. Checked, since person ids go into follow-up query strings. */
export const RecordId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/);

/** A statutory-return code (CIN census, SSDA903), by shape: letters and digits, at most 6. */
const Code = z.string().regex(/^[A-Za-z0-9]{1,6}$/);

const IsoDate = z.iso.date();
const Instant = z.iso.datetime({ offset: true });

/**
 * The case system's record marking. Known values are open, sensitive, restricted; anything else
 * is kept as given and treated by the mapper as restricted (an unknown marking fails closed).
 */
export const RecordMarking = z.string().min(1).max(40);

export const ScName = z.object({
  given: z.array(z.string().min(1).max(100)).min(1).max(5),
  family: z.string().min(1).max(100),
});
export type ScName = z.infer<typeof ScName>;

export const ScAddress = z.object({
  lines: z.array(z.string().max(200)).max(6).default([]),
  town: z.string().max(100).optional(),
  postcode: z.string().max(10).optional(),
  uprn: z.string().regex(/^\d{1,12}$/).optional(),
});
export type ScAddress = z.infer<typeof ScAddress>;

export const ScAllocatedWorker = z.object({
  workerId: z.string().regex(/^[A-Za-z0-9-]{1,20}$/),
  workerRole: z.string().min(1).max(40),
  team: z.string().min(1).max(100),
  allocatedOn: IsoDate,
});
export type ScAllocatedWorker = z.infer<typeof ScAllocatedWorker>;

const marked = {
  recordMarking: RecordMarking.optional(),
  lastUpdated: Instant.optional(),
};

export const ScPerson = z.object({
  personId: RecordId,
  name: ScName,
  knownAs: z.array(ScName).default([]),
  personBirthDate: IsoDate.optional(),
  genderCurrent: Code,
  nhsNumber: z.string().regex(/^\d{10}$/).optional(),
  upn: z.string().regex(/^[A-Za-z]\d{11}[A-Za-z0-9]$/).optional(),
  address: ScAddress.optional(),
  role: z.enum(['child', 'adult']),
  allocatedWorker: ScAllocatedWorker.optional(),
  ...marked,
});
export type ScPerson = z.infer<typeof ScPerson>;

export const ScOutcome = z.object({ code: z.string().regex(/^[A-Z_]{1,40}$/), text: z.string().max(200).optional() });
export type ScOutcome = z.infer<typeof ScOutcome>;

const Summary = z.string().min(1).max(2000);

export const ScContact = z.object({
  id: RecordId,
  recordType: z.enum(['contact', 'referral']),
  date: IsoDate,
  referralSource: Code,
  primaryNeedCode: Code.optional(),
  outcome: ScOutcome.optional(),
  summary: Summary,
  ...marked,
});
export type ScContact = z.infer<typeof ScContact>;

export const ScAssessment = z.object({
  id: RecordId,
  assessmentActualStartDate: IsoDate,
  assessmentAuthorisationDate: IsoDate.optional(),
  factorsIdentifiedAtAssessment: z.array(Code).max(50).default([]),
  outcome: ScOutcome.optional(),
  summary: Summary,
  ...marked,
});
export type ScAssessment = z.infer<typeof ScAssessment>;

export const ScSection47 = z.object({
  id: RecordId,
  s47ActualStartDate: IsoDate,
  dateOfInitialCpc: IsoDate.optional(),
  icpcNotRequired: z.boolean(),
  outcome: ScOutcome.optional(),
  summary: Summary,
  ...marked,
});
export type ScSection47 = z.infer<typeof ScSection47>;

export const ScCinPlan = z.object({
  id: RecordId,
  cinPlanStartDate: IsoDate,
  cinPlanEndDate: IsoDate.optional(),
  summary: Summary,
  ...marked,
});
export type ScCinPlan = z.infer<typeof ScCinPlan>;

export const ScChildProtectionPlan = z.object({
  id: RecordId,
  cppStartDate: IsoDate,
  cppEndDate: IsoDate.optional(),
  initialCategoryOfAbuse: Code,
  latestCategoryOfAbuse: Code,
  numberOfPreviousCpp: z.number().int().min(0).optional(),
  summary: Summary,
  ...marked,
});
export type ScChildProtectionPlan = z.infer<typeof ScChildProtectionPlan>;

export const ScLookedAfterEpisode = z.object({
  id: RecordId,
  startDate: IsoDate,
  reasonForNewEpisode: Code.optional(),
  legalStatus: Code,
  categoryOfNeed: Code.optional(),
  placement: Code,
  placementProvider: Code.optional(),
  endDate: IsoDate.optional(),
  reasonEpisodeCeased: Code.optional(),
  summary: Summary.optional(),
  ...marked,
});
export type ScLookedAfterEpisode = z.infer<typeof ScLookedAfterEpisode>;

export const ScRelationship = z.object({
  id: RecordId,
  relationship: z.string().regex(/^[a-z-]{1,40}$/),
  relatedPerson: z.object({ personId: RecordId, name: ScName, personBirthDate: IsoDate.optional() }),
  ...marked,
});
export type ScRelationship = z.infer<typeof ScRelationship>;

/** The paging block every collection response carries. */
export const ScPageInfo = z.object({
  number: z.number().int().min(1),
  size: z.number().int().min(1),
  totalItems: z.number().int().min(0),
  totalPages: z.number().int().min(0),
});
export type ScPageInfo = z.infer<typeof ScPageInfo>;

/** One page of a collection: items are kept unknown here and parsed one by one with their schema. */
export const ScPage = z.object({ items: z.array(z.unknown()), page: ScPageInfo });

/** An RFC 9457 problem document: recognised, never echoed (its text is the server's). */
export const ScProblem = z.object({ title: z.string(), status: z.number().int().optional(), detail: z.string().optional() });

/** One person the case system returned for the subject, with everything recorded about them. */
export interface SocialCarePersonRecords {
  readonly person: ScPerson;
  readonly contacts: readonly ScContact[];
  readonly assessments: readonly ScAssessment[];
  readonly section47Enquiries: readonly ScSection47[];
  readonly cinPlans: readonly ScCinPlan[];
  readonly childProtectionPlans: readonly ScChildProtectionPlan[];
  readonly lookedAfterEpisodes: readonly ScLookedAfterEpisode[];
  readonly relationships: readonly ScRelationship[];
}

/**
 * What the social care adapter found: candidate people (matching is the hub's job) and their
 * records. What it left unread is the outcome's `cuts`.
 */
export interface SocialCareRaw {
  readonly people: readonly SocialCarePersonRecords[];
}
