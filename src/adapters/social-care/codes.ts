/**
 * Code lists of the children's social care API (contracts/social-care), with short labels.
 *
 * Why this file exists: the case system speaks in statutory-return codes — CIN census categories
 * of abuse, referral sources and primary need; SSDA903 legal statuses and placement types — and
 * the hub shows people words. The codes are the ones in the DfE CIN census schema
 * (CIN_schema_2023-2024.xsd) and the SSDA903 column specification (SSDA903_schema_2024.yml);
 * test/social-care/codes.test.ts checks every code here against those files. CIN census labels
 * are the schema's own documentation; SSDA903 labels paraphrase the DfE SSDA903 guidance (the
 * YAML carries codes only). Adapters and mappers both read these tables; they hold no data.
 */

/** CIN census `categoryofabuse`: the category of a child protection plan. */
export const CATEGORY_OF_ABUSE = {
  NEG: 'Neglect',
  PHY: 'Physical abuse',
  SAB: 'Sexual abuse',
  EMO: 'Emotional abuse',
  MUL: 'Multiple/not recommended',
} as const;
export type CategoryOfAbuse = keyof typeof CATEGORY_OF_ABUSE;

/** CIN census `referralsourcetype`. */
export const REFERRAL_SOURCE = {
  '1A': 'Individual: family member, relative or carer',
  '1B': 'Individual: acquaintance',
  '1C': 'Individual: self',
  '1D': 'Individual: other',
  '2A': 'Schools',
  '2B': 'Education services',
  '3A': 'Health services: GP',
  '3B': 'Health services: health visitor',
  '3C': 'Health services: school nurse',
  '3D': 'Health services: other primary health services',
  '3E': 'Health services: A&E',
  '3F': 'Health services: other',
  '4': 'Housing',
  '5A': 'LA services: social care',
  '5B': 'LA services: other internal',
  '5C': 'LA services: external',
  '5D': 'LA services: early help',
  '6': 'Police',
  '7': 'Other legal agency',
  '8': 'Other',
  '9': 'Anonymous',
  '10': 'Unknown',
} as const;
export type ReferralSource = keyof typeof REFERRAL_SOURCE;

/** CIN census `primaryneedcodetype`. */
export const PRIMARY_NEED = {
  N0: 'Not stated',
  N1: 'Abuse or neglect',
  N2: "Child's disability",
  N3: 'Parental disability or illness',
  N4: 'Family in acute stress',
  N5: 'Family dysfunction',
  N6: 'Socially unacceptable behaviour',
  N7: 'Low income',
  N8: 'Absent parenting',
  N9: 'Cases other than children in need',
} as const;
export type PrimaryNeed = keyof typeof PRIMARY_NEED;

/** CIN census `assessmentfactorstype`, shortened to the factor's heading. */
export const ASSESSMENT_FACTOR = {
  '1A': 'Alcohol misuse: child', '1B': 'Alcohol misuse: parent/carer', '1C': 'Alcohol misuse: other household member',
  '2A': 'Drug misuse: child', '2B': 'Drug misuse: parent/carer', '2C': 'Drug misuse: other household member',
  '3A': 'Domestic violence: child subject', '3B': 'Domestic violence: parent/carer subject', '3C': 'Domestic violence: other household member subject',
  '4A': 'Mental health: child', '4B': 'Mental health: parent/carer', '4C': 'Mental health: other household member',
  '5A': 'Learning disability: child', '5B': 'Learning disability: parent/carer', '5C': 'Learning disability: other household member',
  '6A': 'Physical disability or illness: child', '6B': 'Physical disability or illness: parent/carer', '6C': 'Physical disability or illness: other household member',
  '7A': 'Young carer',
  '8B': 'Privately fostered: overseas, intends to return', '8C': 'Privately fostered: overseas, intends to stay', '8D': 'Privately fostered: UK, educational placement',
  '8E': 'Privately fostered: UK, alternative family arrangement', '8F': 'Privately fostered: other',
  '9A': 'Unaccompanied asylum-seeking child', '10A': 'Going/being missing', '11A': 'Child sexual exploitation', '12A': 'Trafficking', '13A': 'Gangs',
  '14A': 'Socially unacceptable behaviour', '15A': 'Self-harm', '16A': 'Neglect', '17A': 'Emotional abuse',
  '18B': 'Physical abuse (child on child)', '18C': 'Physical abuse (adult on child)', '19B': 'Sexual abuse (child on child)', '19C': 'Sexual abuse (adult on child)',
  '20': 'Other', '21': 'No factors identified', '22A': 'Female genital mutilation', '23A': 'Abuse linked to faith or belief', '24A': 'Child criminal exploitation',
} as const;
export type AssessmentFactor = keyof typeof ASSESSMENT_FACTOR;

/** CIN census `gendertype` (GenderCurrent). */
export const GENDER_CURRENT = { '0': 'Not recorded or unborn', '1': 'Male', '2': 'Female', '9': 'Indeterminate' } as const;
export type GenderCurrent = keyof typeof GENDER_CURRENT;

/** SSDA903 Episodes `LS`: legal status. */
export const LEGAL_STATUS = {
  C1: 'Interim care order',
  C2: 'Full care order',
  D1: 'Freeing order granted',
  E1: 'Placement order granted',
  V2: 'Single period of accommodation under section 20',
  V3: 'Accommodated under an agreed series of short-term breaks (individual episodes recorded)',
  V4: 'Accommodated under an agreed series of short-term breaks (agreements recorded)',
  L1: 'Under police protection and in local authority accommodation',
  L2: 'Emergency protection order',
  L3: 'Under child assessment order and in local authority accommodation',
  J1: 'Remanded to local authority accommodation or youth detention accommodation',
  J2: 'Placed in local authority accommodation under PACE',
  J3: 'Sentenced to a youth rehabilitation order with residence or intensive fostering requirement',
} as const;
export type LegalStatus = keyof typeof LEGAL_STATUS;

/** SSDA903 Episodes `PLACE`: placement type. */
export const PLACEMENT_TYPE = {
  A3: 'Placed for adoption with consent, with current foster carer',
  A4: 'Placed for adoption with consent, not with current foster carer',
  A5: 'Placed for adoption with placement order, with current foster carer',
  A6: 'Placed for adoption with placement order, not with current foster carer',
  H5: 'Supported or semi-independent accommodation',
  K1: "Secure children's home",
  K2: "Children's home",
  P1: 'Placed with own parent(s) or other person with parental responsibility',
  P2: 'Independent living',
  P3: 'Residential employment',
  R1: 'Residential care home',
  R2: 'NHS or other establishment providing medical or nursing care',
  R3: 'Family centre or mother and baby unit',
  R5: 'Young offender institution or prison',
  S1: 'Residential school',
  T0: 'Temporary placement',
  T1: 'Temporary period in hospital',
  T2: 'Temporary absence to visit a relative',
  T3: 'Temporary period of holiday',
  T4: 'Temporary period in other accommodation',
  U1: 'Foster placement with relative or friend: long term',
  U2: 'Foster placement with relative or friend who is also an approved adopter',
  U3: 'Foster placement with relative or friend: not long term',
  U4: 'Foster placement with other foster carer: long term',
  U5: 'Foster placement with other foster carer who is also an approved adopter',
  U6: 'Foster placement with other foster carer: not long term',
  Z1: 'Other placement',
} as const;
export type PlacementType = keyof typeof PLACEMENT_TYPE;

/** SSDA903 Episodes `PLACE_PROVIDER`. */
export const PLACEMENT_PROVIDER = {
  PR0: 'Parent or other person with parental responsibility',
  PR1: 'Own local authority provision',
  PR2: 'Other local authority provision',
  PR3: 'Other public provision',
  PR4: 'Private provision',
  PR5: 'Voluntary or third sector provision',
} as const;
export type PlacementProvider = keyof typeof PLACEMENT_PROVIDER;

/** SSDA903 Episodes `RNE`: reason for a new episode (codes only: S is "started to be looked after"). */
export const REASON_FOR_NEW_EPISODE = ['S', 'L', 'P', 'T', 'B', 'U'] as const;
export type ReasonForNewEpisode = (typeof REASON_FOR_NEW_EPISODE)[number];

/** SSDA903 Episodes `REC`: reason the episode ceased (codes only; the mapper shows the code). */
export const REASON_EPISODE_CEASED = [
  'X1', 'E11', 'E12', 'E2', 'E3', 'E4A', 'E4B', 'E13', 'E41', 'E45', 'E46', 'E47', 'E48', 'E5', 'E6', 'E7', 'E9', 'E14', 'E15', 'E16', 'E17', 'E8',
] as const;
export type ReasonEpisodeCeased = (typeof REASON_EPISODE_CEASED)[number];

/** SSDA903 Episodes `CIN`: category of need (N1–N8). */
export const CATEGORY_OF_NEED = ['N1', 'N2', 'N3', 'N4', 'N5', 'N6', 'N7', 'N8'] as const;

/** What a contact, referral, assessment or enquiry led to: a local list (README), not a DfE one. */
export const OUTCOME = {
  NFA: 'No further action',
  INFORMATION_ADVICE: 'Information and advice',
  EARLY_HELP: 'Early help',
  REFERRAL: "Referral to children's social care",
  ASSESSMENT: 'Assessment',
  CIN_PLAN: 'Child in need plan',
  STRATEGY_DISCUSSION: 'Strategy discussion',
  ICPC: 'Initial child protection conference',
  RETURN_HOME_INTERVIEW: 'Return home interview',
  OTHER: 'Other',
} as const;
export type OutcomeCode = keyof typeof OUTCOME;

/** Roles a worker holds on an allocated case. */
export const WORKER_ROLE = {
  'social-worker': 'Social worker',
  'senior-social-worker': 'Senior social worker',
  'advanced-practitioner': 'Advanced practitioner',
  'team-manager': 'Team manager',
  'family-support-worker': 'Family support worker',
  'personal-adviser': 'Personal adviser',
} as const;
export type WorkerRole = keyof typeof WORKER_ROLE;

/** The keys of a code table, as a non-empty tuple for `z.enum`. */
export function codesOf<T extends Record<string, string>>(table: T): [keyof T & string, ...(keyof T & string)[]] {
  const [first, ...rest] = Object.keys(table);
  if (first === undefined) throw new Error('empty code table');
  return [first, ...rest];
}
