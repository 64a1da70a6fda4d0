/**
 * The agency views of the synthetic population: what each of the five simulators serves — its
 * people, events and links, with the noise of real records (names, dates and addresses may be
 * misspelt, swapped or missing).
 *
 * Why this file exists: a simulator reads only its own `AgencyViews[agency]` (types.ts); these
 * are the shapes it reads, one section per agency, apart from the ground truth (truth-types.ts).
 * All people, addresses and identifiers are synthetic.
 */
import type { IsoDate, TrueSex } from './truth-types.ts';

/** A name as an agency holds it. */
export interface RecordedName {
  readonly given: readonly string[];
  readonly family: string;
}

/** An address as an agency holds it (shape close to src/model/person.ts `Address`). */
export interface RecordedAddress {
  /** ["14 Acacia Road"] or ["Flat 3", "22 Mill Lane"] */
  readonly lines: readonly string[];
  readonly town: string;
  readonly postcode: string;
  /** Not every agency holds UPRNs: housing and social care do, others usually not. */
  readonly uprn?: string;
}

/** Fields every agency person record has. `recordId` is the agency-local id. */
export interface AgencyPersonBase {
  readonly recordId: string;
  readonly name: RecordedName;
  /** Aliases / known-as names (e.g. health "usual" name "Bobby", police aliases). */
  readonly otherNames: readonly RecordedName[];
  readonly sex: TrueSex | 'unknown';
  readonly birthDate?: IsoDate;
  readonly address?: RecordedAddress;
  /** When the agency record was last updated. */
  readonly updatedOn: IsoDate;
}

/** A link between two person records of the same agency, in the agency's own terms. */
export interface AgencyLink<R extends string> {
  readonly fromRecordId: string;
  readonly toRecordId: string;
  /** "from is <relationship> of to" */
  readonly relationship: R;
}

/** Fields every agency event has. `recordIds` are the agency's person record ids involved. */
export interface AgencyEventBase<K extends string, S> {
  /** Agency-local, unique within the agency. */
  readonly eventId: string;
  readonly kind: K;
  readonly recordIds: readonly string[];
  readonly date: IsoDate;
  readonly endDate?: IsoDate;
  /** Sensitivity in the agency's own terms. */
  readonly sensitivity: S;
  /** Short synthetic narrative. */
  readonly text: string;
}

/** Simple marking used by education, housing and social care. */
export type SimpleMarking = 'open' | 'sensitive' | 'restricted';

// ---- health (FHIR) ----

/** FHIR v3-Confidentiality: N normal, R restricted, V very restricted. */
export type FhirConfidentiality = 'N' | 'R' | 'V';

/** FHIR v3-RoleCode codes used for RelatedPerson.relationship. */
export type HealthRelationshipCode = 'MTH' | 'FTH' | 'STPMTH' | 'STPFTH' | 'GRMTH' | 'GRFTH' | 'SIB' | 'HSIB' | 'SPS' | 'FAMMEMB';

/** A FHIR RelatedPerson attached to a patient (not a separate person record). */
export interface HealthRelatedPerson {
  /** RelatedPerson id, unique in the health view. */
  readonly id: string;
  readonly relationship: HealthRelationshipCode;
  readonly name: RecordedName;
  /** Patient id of the related person when they are also a patient here. */
  readonly patientRecordId?: string;
  /** Synthetic UK mobile number (07700 900xxx, Ofcom drama range). Ground truth: `Population.relatedPersonTruth`. */
  readonly phone?: string;
}

export interface HealthPatient extends AgencyPersonBase {
  /** Usually exact; absent for a few (temporary residents). */
  readonly nhsNumber?: string;
  readonly gpPractice: { readonly odsCode: string; readonly name: string };
  readonly relatedPersons: readonly HealthRelatedPerson[];
}

export type HealthEventKind = 'ae-attendance' | 'admission' | 'condition' | 'episode-of-care' | 'cp-is-flag';

/** A coded concept (SNOMED CT where we are confident of the code, else text only). */
export interface CodedConcept {
  readonly system?: string;
  readonly code?: string;
  readonly display: string;
}

export interface HealthEvent extends AgencyEventBase<HealthEventKind, FhirConfidentiality> {
  readonly code: CodedConcept;
  /** For episodes of care: the service ("Health visiting", "CAMHS", "School nursing", "Sexual health"). */
  readonly service?: string;
  /** For encounters: the hospital / provider name. */
  readonly provider?: string;
}

export interface HealthView {
  readonly agency: 'health';
  readonly patients: readonly HealthPatient[];
  readonly events: readonly HealthEvent[];
}

// ---- police (SOAP) ----

/** Police handling code 1–5: 1 = may be disseminated; higher = more restricted (3x5x2 spirit). */
export type HandlingCode = 1 | 2 | 3 | 4 | 5;
/** Source evaluation A–E (A = always reliable). */
export type SourceGrading = 'A' | 'B' | 'C' | 'D' | 'E';
/** Intelligence assessment 1–5 (1 = known to be true). */
export type IntelligenceGrading = 1 | 2 | 3 | 4 | 5;

export interface WarningMarker {
  /** e.g. "VI" violent, "WE" weapons, "DA" domestic abuse, "MH" mental health, "SH" self-harm, "DR" drugs */
  readonly code: string;
  readonly label: string;
  readonly since: IsoDate;
}

export interface PoliceNominal extends AgencyPersonBase {
  readonly pncId?: string;
  readonly warningMarkers: readonly WarningMarker[];
}

export type PoliceEventKind = 'incident' | 'crime' | 'intelligence';
export type PoliceIncidentType = 'domestic-abuse' | 'missing-person' | 'asb' | 'concern-for-welfare' | 'public-order';

export interface PoliceEvent extends AgencyEventBase<PoliceEventKind, HandlingCode> {
  /** For incidents and crimes: the incident type / crime classification. */
  readonly incidentType?: PoliceIncidentType;
  readonly crimeType?: string;
  /** For incidents: where it happened. */
  readonly location?: RecordedAddress;
  /** Per record id: "victim" | "suspect" | "witness" | "reporting person" | "missing person" | "subject" | "involved". */
  readonly roles: Readonly<Record<string, string>>;
  /** For intelligence: 3x5x2-style grading. */
  readonly sourceGrading?: SourceGrading;
  readonly intelligenceGrading?: IntelligenceGrading;
}

export type PoliceLinkKind = 'associate' | 'partner' | 'family' | 'household';

export interface PoliceView {
  readonly agency: 'police';
  readonly nominals: readonly PoliceNominal[];
  readonly links: readonly AgencyLink<PoliceLinkKind>[];
  readonly events: readonly PoliceEvent[];
}

// ---- education (XML) ----

export type SenStatus = 'none' | 'sen-support' | 'ehc-plan';

export interface SchoolEnrolment {
  /** Synthetic 6-digit URN. */
  readonly urn: string;
  readonly name: string;
  readonly from: IsoDate;
  readonly to?: IsoDate;
}

export interface Pupil extends AgencyPersonBase {
  readonly kind: 'pupil';
  /** Usually exact; missing for a few. Never an NHS number in education. */
  readonly upn?: string;
  /** Oldest first; last without `to` is current (absent when child is missing education). */
  readonly schools: readonly SchoolEnrolment[];
  readonly sen: SenStatus;
  /** Contact record ids, priority order. */
  readonly contactRecordIds: readonly string[];
}

export interface PupilContact extends AgencyPersonBase {
  readonly kind: 'contact';
  readonly phone?: string;
}

export type EducationPerson = Pupil | PupilContact;

export type EducationEventKind = 'attendance' | 'exclusion' | 'children-missing-education' | 'sen-change' | 'school-move';

export interface EducationEvent extends AgencyEventBase<EducationEventKind, SimpleMarking> {
  /** For attendance: term label "2025/26 Autumn" and percentage attended. */
  readonly term?: string;
  readonly attendancePercent?: number;
  /** Attendance below 90% in the term (DfE persistent absence). */
  readonly persistentAbsence?: boolean;
  readonly exclusionType?: 'fixed-term' | 'permanent';
  readonly exclusionDays?: number;
  readonly schoolUrn?: string;
}

export type EducationLinkKind = 'mother' | 'father' | 'step-mother' | 'step-father' | 'grandparent' | 'carer';

export interface EducationView {
  readonly agency: 'education';
  readonly persons: readonly EducationPerson[];
  /** Contact → pupil links: "contact is <relationship> of pupil". */
  readonly contactLinks: readonly (AgencyLink<EducationLinkKind> & { readonly parentalResponsibility: boolean; readonly priority: number })[];
  readonly events: readonly EducationEvent[];
}

// ---- housing (REST) ----

/** A UKHDS person-alert (codes from ../shared/data/external/housing/ukhds-person-alert-codes). */
export interface HousingPersonAlert {
  /** UKHDS sub-code, e.g. "SAF1.02". */
  readonly code: string;
  readonly description: string;
  readonly raisedOn: IsoDate;
  readonly status: 'active' | 'inactive';
  readonly confidentiality: SimpleMarking;
}

export interface HousingPerson extends AgencyPersonBase {
  /** `applicant`: homelessness applicant without a council tenancy. */
  readonly role: 'lead-tenant' | 'joint-tenant' | 'household-member' | 'applicant';
  /** Absent for homelessness applicants. */
  readonly tenancyRef?: string;
  readonly alerts: readonly HousingPersonAlert[];
}

export type HousingEventKind = 'tenancy-start' | 'tenancy-end' | 'asb-case' | 'rent-arrears' | 'notice' | 'homelessness-application' | 'person-alert';

export interface HousingEvent extends AgencyEventBase<HousingEventKind, SimpleMarking> {
  readonly tenancyRef?: string;
  /** For notices: Notice of Seeking Possession / Notice to Quit. */
  readonly noticeType?: 'NOSP' | 'NTQ';
  /** For rent arrears: balance in pounds. */
  readonly arrearsAmount?: number;
  readonly alertCode?: string;
}

export interface Tenancy {
  readonly tenancyRef: string;
  readonly address: RecordedAddress;
  readonly start: IsoDate;
  readonly end?: IsoDate;
  readonly tenure: 'secure' | 'introductory' | 'assured' | 'temporary-accommodation';
  readonly memberRecordIds: readonly string[];
}

export type HousingLinkKind = 'partner' | 'child' | 'parent' | 'household-member';

export interface HousingView {
  readonly agency: 'housing';
  readonly tenancies: readonly Tenancy[];
  readonly persons: readonly HousingPerson[];
  readonly links: readonly AgencyLink<HousingLinkKind>[];
  readonly events: readonly HousingEvent[];
}

// ---- children's social care (REST) ----

/** CIN census category of abuse (categoryofabuse in CIN_schema_2023-2024.xsd). */
export type CpCategory = 'NEG' | 'PHY' | 'SAB' | 'EMO' | 'MUL';

export interface SocialCarePerson extends AgencyPersonBase {
  readonly role: 'child' | 'adult';
  /** Children only: allocated worker name (synthetic), when the case is open. */
  readonly allocatedWorker?: string;
  /** Children only: UPN when known to social care. */
  readonly upn?: string;
  readonly nhsNumber?: string;
}

export type SocialCareEventKind = 'contact' | 'referral' | 'assessment' | 'section-47' | 'cin-plan' | 'cp-plan' | 'looked-after';

export interface SocialCareEvent extends AgencyEventBase<SocialCareEventKind, SimpleMarking> {
  /** Outcome of a contact/referral/assessment, e.g. "NFA", "Early help", "Referral to CSC", "CIN plan". */
  readonly outcome?: string;
  /** CP plans: initial category of abuse. */
  readonly cpCategory?: CpCategory;
  /** CIN census primary need code N0–N9 for referrals. */
  readonly primaryNeed?: string;
  /** Looked-after episodes: SSDA903 legal status (e.g. "C2", "V2") and placement type (e.g. "U4"). */
  readonly legalStatus?: string;
  readonly placement?: string;
}

export type SocialCareLinkKind = 'mother' | 'father' | 'step-parent' | 'sibling' | 'grandparent' | 'partner' | 'household-member';

export interface SocialCareView {
  readonly agency: 'social-care';
  readonly persons: readonly SocialCarePerson[];
  readonly links: readonly AgencyLink<SocialCareLinkKind>[];
  readonly events: readonly SocialCareEvent[];
}

/** Each agency's view, keyed by agency. */
export interface AgencyViews {
  readonly health: HealthView;
  readonly police: PoliceView;
  readonly education: EducationView;
  readonly housing: HousingView;
  readonly 'social-care': SocialCareView;
}
