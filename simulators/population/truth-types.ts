/**
 * The ground-truth world of the synthetic population: true people, households, addresses,
 * relationships, shared incidents, and the record of which agency record and event is whom.
 *
 * Why this file exists: the truth side is for the generator and the tests only and must never be
 * served by a simulator (types.ts); it sits apart from what the agencies hold (view-types.ts) so
 * the two cannot be confused. All people, addresses and identifiers are synthetic.
 */
import type { Agency } from '../../src/model/agency.ts';

/** Calendar date `YYYY-MM-DD`. */
export type IsoDate = string;

export type TrueSex = 'female' | 'male';

export type Tenure = 'owner-occupied' | 'private-rented' | 'social-rented';

/** A dwelling. UPRN is the key; every address a person ever lived at is in `Population.addresses`. */
export interface TrueAddress {
  /** 12-digit Unique Property Reference Number (synthetic), zero-padded. */
  readonly uprn: string;
  /** "14" or "Flat 3, 22" */
  readonly houseNumber: string;
  readonly street: string;
  readonly town: string;
  /** Valid-format UK postcode, e.g. "LS6 2QR". */
  readonly postcode: string;
  readonly tenure: Tenure;
}

/** A period at an address. `to` absent = current. Periods of one person never overlap. */
export interface AddressPeriod {
  readonly uprn: string;
  readonly from: IsoDate;
  readonly to?: IsoDate;
}

/** Role a person has in their (current) household. */
export type HouseholdRole = 'parent' | 'step-parent' | 'child' | 'grandparent' | 'lodger' | 'adult';

/** A true person. */
export interface TruePerson {
  /** Ground-truth id, e.g. "P000123". */
  readonly id: string;
  readonly householdId: string;
  readonly role: HouseholdRole;
  /** First given name first; a middle name may follow. */
  readonly givenNames: readonly string[];
  readonly familyName: string;
  /** Family name at birth when it differs (marriage, step-family). */
  readonly birthFamilyName?: string;
  /** Other family names used over time (e.g. hyphenated "Smith-Jones"). */
  readonly otherFamilyNames: readonly string[];
  readonly sex: TrueSex;
  readonly birthDate: IsoDate;
  /** 10 digits, valid modulus-11 check digit. Everyone has one. */
  readonly nhsNumber: string;
  /** 13-character DfE Unique Pupil Number; children of school age (reception to Year 11) on the reference date. */
  readonly upn?: string;
  /** Police National Computer id, "YY/NNNNNNX"; some adults and a few teenagers. */
  readonly pncId?: string;
  /** Oldest first; the last has no `to` and is the current address. */
  readonly addressHistory: readonly AddressPeriod[];
}

/**
 * Relationship kinds. Directed ones read "from is <kind> of to":
 * `parent` (birth/adoptive parent), `step-parent`, `grandparent`.
 * Symmetric ones (`sibling`, `half-sibling`, `partner`, `household-member`) are stored once.
 */
export type TrueRelationshipKind = 'parent' | 'step-parent' | 'grandparent' | 'sibling' | 'half-sibling' | 'partner' | 'household-member';

export interface TrueRelationship {
  readonly kind: TrueRelationshipKind;
  readonly fromId: string;
  readonly toId: string;
  /** For `parent` and `step-parent`: whether `from` holds parental responsibility for `to`. */
  readonly parentalResponsibility?: boolean;
}

export interface Household {
  readonly id: string;
  /** Current members (ground truth). */
  readonly memberIds: readonly string[];
  /** Where the household lived, oldest first; last is current. */
  readonly addressHistory: readonly AddressPeriod[];
  readonly tenure: Tenure;
}

/** Kinds of shared incident: one real-world happening recorded by more than one agency. */
export type SharedIncidentKind =
  | 'domestic-abuse' // police incident (+ crime) + same-day A&E attendance + police notification to social care
  | 'child-protection-plan' // social-care CP plan + health CP-IS flag (+ housing alert)
  | 'missing-person' // police missing-person incident + social-care contact (return home interview)
  | 'asb' // police ASB incident + housing ASB case
  | 'injury'; // A&E attendance + social-care contact

/** A ground-truth happening that more than one agency recorded (for chronology de-duplication tests). */
export interface SharedIncident {
  /** e.g. "SI00042" */
  readonly id: string;
  readonly kind: SharedIncidentKind;
  readonly date: IsoDate;
  readonly personIds: readonly string[];
  /** The agencies that recorded it (≥ 2). */
  readonly agencies: readonly Agency[];
  /** The agency event ids that record it. */
  readonly eventIds: readonly string[];
}

/** Noise deliberately applied to an agency's person record (ground truth for matching tests). */
export type NoiseKind =
  | 'typo-given' // one-character edit in a given name
  | 'typo-family' // one-character edit in the family name
  | 'nickname' // "Bobby" for Robert
  | 'initial-only' // "R." for Robert
  | 'hyphenated-family' // "Smith-Jones"
  | 'changed-family' // previous or step-family name
  | 'birth-date-swap' // day and month swapped (only where the result is a valid date)
  | 'birth-date-typo' // one day off / year digit slip
  | 'missing-identifier' // the agency would normally hold an identifier but does not
  | 'old-address' // record still holds a previous address
  | 'missing-birth-date';

/** For every agency person record: the true person it is. */
export interface GroundTruthRecord {
  readonly agency: Agency;
  readonly recordId: string;
  readonly personId: string;
  readonly noise: readonly NoiseKind[];
}

/** For every agency event: the true persons involved, and the shared incident it records (if any). */
export interface GroundTruthEvent {
  readonly agency: Agency;
  readonly eventId: string;
  readonly personIds: readonly string[];
  readonly sharedIncidentId?: string;
}
