/**
 * The police PersonSearch response as the adapter accepts it, as zod schemas over what node-soap
 * makes of the SOAP body, and `PoliceRaw`, the raw records handed to the police mapper.
 *
 * Why this file exists: every response is outside data (CONVENTIONS.md §2). node-soap turns the
 * XML into plain objects guided by the WSDL, but it checks nothing: a missing element is simply
 * absent, a repeated one may be an array or not, and every leaf arrives as text (the adapter
 * switches off node-soap's own number, date and boolean conversion, which would turn a bad date
 * into `Invalid Date` silently). These schemas restate the facets of
 * contracts/police/pole-person-search.xsd that the mapper relies on — required elements, code
 * lists, date formats, lengths — so a response that breaks them fails the lookup as
 * `malformed-response` instead of flowing into the hub half-understood. Unknown elements are
 * dropped by parsing.
 */
import { z } from 'zod';

/** Target namespace of contracts/police/pole-person-search.xsd. */
export const POLE_NAMESPACE = 'https://mash-gateway.invalid/schema/police/pole/1';

/** SOAP 1.2 envelope namespace (the only SOAP version the police contract speaks). */
export const SOAP12_NAMESPACE = 'http://www.w3.org/2003/05/soap-envelope';

/** Element lists: node-soap gives an array for repeated elements, a value for a single one, nothing for none (an empty element is `null`, and invalid). */
function list<T extends z.ZodType>(item: T, max: number) {
  return z.preprocess((value: unknown): unknown => (value === undefined ? [] : Array.isArray(value) ? value : [value]), z.array(item).max(max));
}

const text = (max: number) => z.string().trim().min(1).max(max);
const xsDate = z.iso.date();
const xsDateTime = z.iso.datetime({ offset: true });
const recordId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9/_.-]{0,39}$/);
const pncId = z.string().regex(/^(\d{2}|\d{4})\/\d{1,7}[A-Z]$/);
const xsBoolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const count = (max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/)
    .transform(Number)
    .pipe(z.number().int().min(0).max(max));
const digitCode = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

export const PersonName = z.object({
  PersonGivenName: list(text(100), 5),
  PersonSurName: text(100),
});
export type PersonName = z.infer<typeof PersonName>;

export const PoleAddress = z.object({
  AddressLine: list(text(200), 6),
  LocationTownName: text(100).optional(),
  LocationPostalCode: z.string().trim().regex(/^[A-Za-z0-9 ]{2,10}$/).optional(),
  UPRN: z.string().regex(/^\d{1,12}$/).optional(),
});
export type PoleAddress = z.infer<typeof PoleAddress>;

export const NominalAddress = PoleAddress.extend({ AddressCategoryCode: z.enum(['home', 'previous', 'other']) });
export type NominalAddress = z.infer<typeof NominalAddress>;

export const WarningMarker = z.object({
  WarningMarkerCode: z.string().regex(/^[A-Z]{2,4}$/),
  WarningMarkerDescriptionText: text(200),
  WarningMarkerStartDate: xsDate.optional(),
  WarningMarkerEndDate: xsDate.optional(),
});
export type WarningMarker = z.infer<typeof WarningMarker>;

export const SexCode = z.enum(['M', 'F', 'U']);

/** The Person of POLE: a nominal record. */
export const Nominal = z.object({
  NominalIdentification: recordId,
  PNCIdentification: pncId.optional(),
  PersonName,
  PersonAlternateName: list(PersonName, 20),
  PersonBirthDate: xsDate.optional(),
  PersonSexCode: SexCode.optional(),
  NominalAddress: list(NominalAddress, 20),
  WarningMarker: list(WarningMarker, 50),
  RecordLastUpdatedDateTime: xsDateTime.optional(),
});
export type Nominal = z.infer<typeof Nominal>;

export const NominalSummary = z.object({
  NominalIdentification: recordId,
  PNCIdentification: pncId.optional(),
  PersonName,
  PersonBirthDate: xsDate.optional(),
});
export type NominalSummary = z.infer<typeof NominalSummary>;

export const AssociationTypeCode = z.enum(['partner', 'former-partner', 'parent', 'child', 'sibling', 'family-member', 'household-member', 'associate', 'other']);
export type AssociationTypeCode = z.infer<typeof AssociationTypeCode>;

/** "AssociatedNominal is <AssociationTypeCode> of the subject nominal". */
export const Association = z.object({
  AssociatedNominal: NominalSummary,
  AssociationTypeCode,
  AssociationStartDate: xsDate.optional(),
  AssociationEndDate: xsDate.optional(),
});
export type Association = z.infer<typeof Association>;

export const InvolvementRoleCode = z.enum(['victim', 'suspect', 'offender', 'witness', 'reporting-person', 'missing-person', 'child-present', 'subject', 'involved']);
export type InvolvementRoleCode = z.infer<typeof InvolvementRoleCode>;

export const InvolvedNominal = z.object({ NominalIdentification: recordId, InvolvementRoleCode });
export type InvolvedNominal = z.infer<typeof InvolvedNominal>;

/** 5x5x5 handling code 1–5 (README.md "Grading"). */
export const HandlingCode = digitCode(1, 5);

export const IncidentCategoryCode = z.enum(['domestic-abuse', 'missing-person', 'asb', 'concern-for-welfare', 'public-order', 'other']);
export type IncidentCategoryCode = z.infer<typeof IncidentCategoryCode>;

export const Incident = z.object({
  IncidentIdentification: recordId,
  IncidentCategoryCode,
  IncidentDate: xsDate,
  IncidentLocation: PoleAddress.optional(),
  IncidentSummaryText: text(4000),
  HandlingCode,
  SubjectRoleCode: InvolvementRoleCode,
  InvolvedNominal: list(InvolvedNominal, 50),
});
export type Incident = z.infer<typeof Incident>;

export const Crime = z.object({
  CrimeReferenceIdentification: recordId,
  CrimeClassificationText: text(200),
  OffenceDate: xsDate,
  CrimeLocation: PoleAddress.optional(),
  CrimeSummaryText: text(4000),
  HandlingCode,
  SubjectRoleCode: InvolvementRoleCode,
  InvolvedNominal: list(InvolvedNominal, 50),
});
export type Crime = z.infer<typeof Crime>;

export const Grading5x5x5 = z.object({
  SourceEvaluationCode: z.enum(['A', 'B', 'C', 'D', 'E']),
  IntelligenceEvaluationCode: digitCode(1, 5),
  HandlingCode,
});
export type Grading5x5x5 = z.infer<typeof Grading5x5x5>;

export const Grading3x5x2 = z.object({
  SourceEvaluationCode: digitCode(1, 3),
  IntelligenceAssessmentCode: z.enum(['A', 'B', 'C', 'D', 'E']),
  HandlingCode: z.enum(['P', 'C']),
  HandlingConditionsText: text(4000).optional(),
});
export type Grading3x5x2 = z.infer<typeof Grading3x5x2>;

/** An intelligence report carries exactly one grading (an xs:choice in the contract). */
export const IntelligenceReport = z
  .object({
    IntelligenceIdentification: recordId,
    IntelligenceReportDate: xsDate,
    IntelligenceText: text(4000),
    Grading5x5x5: Grading5x5x5.optional(),
    Grading3x5x2: Grading3x5x2.optional(),
    SubjectRoleCode: InvolvementRoleCode,
  })
  .refine((r) => (r.Grading5x5x5 === undefined) !== (r.Grading3x5x2 === undefined), { message: 'exactly one of Grading5x5x5 or Grading3x5x2', path: ['Grading5x5x5'] });
export type IntelligenceReport = z.infer<typeof IntelligenceReport>;

/** One candidate person and everything the force holds that involves them. */
export const PersonSearchResult = z.object({
  Nominal,
  Association: list(Association, 500),
  Incident: list(Incident, 2000),
  Crime: list(Crime, 2000),
  IntelligenceReport: list(IntelligenceReport, 2000),
});
export type PersonSearchResult = z.infer<typeof PersonSearchResult>;

export const SearchResultsMetadata = z.object({
  TotalMatchCount: count(1_000_000),
  PageNumber: count(1000).pipe(z.number().min(1)),
  PageSize: count(50).pipe(z.number().min(1)),
  MorePagesIndicator: xsBoolean,
  SourceSystemNameText: text(200).optional(),
});

/** The body of a PersonSearch response: one page of candidates. */
export const PersonSearchResponse = z.object({
  SearchResultsMetadata,
  PersonSearchResult: list(PersonSearchResult, 50),
});
export type PersonSearchResponse = z.infer<typeof PersonSearchResponse>;

/**
 * What the police adapter found: candidate nominals (deciding which is the referred person is
 * the hub's job) with their records. What it left unread — and the force's `TotalMatchCount` —
 * is the outcome's `cuts`.
 */
export interface PoliceRaw {
  readonly results: readonly PersonSearchResult[];
}
