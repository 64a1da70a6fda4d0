/**
 * The pupil search documents the education adapter accepts (contracts/education/*.xsd), as zod
 * schemas over xml2js output, and `EducationRaw`, the raw records handed to the education mapper.
 *
 * Why this file exists: every response is outside data (CONVENTIONS.md §2). xml2js turns XML
 * into untyped nested arrays and strings, so the shape the XSD describes is checked here again,
 * element by element: required elements present and single, codes from their lists, dates real
 * dates, counts whole numbers. A document that fails fails the lookup as `malformed-response`;
 * nothing half-understood flows into the hub. Unknown elements are dropped, as a newer CTF
 * version may add some. Element names stay as in the CTF, so the raw type reads like the contract.
 *
 * xml2js is run with `explicitArray` (every child is an array, so "one" and "many" are checked
 * rather than guessed), `ignoreAttrs` (the contract has no attributes) and `trim`; an empty
 * element arrives as "" and mixed content as an object, which the text schemas refuse.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------
// xml2js element helpers
// ---------------------------------------------------------------------------------------------

/** Exactly one occurrence of a child element. */
const one = <T extends z.ZodType>(schema: T) => z.tuple([schema]).transform(([value]) => value);

/** At most one occurrence; absent → undefined. */
const optional = <T extends z.ZodType>(schema: T) =>
  z
    .tuple([schema])
    .optional()
    .transform((value) => value?.[0]);

/** An empty element (`<Contacts/>`) arrives from xml2js as "": read as a container without children. */
const emptyAsObject = (value: unknown): unknown => (value === '' ? {} : value);

/** A container element (`<Contacts>`) of repeated children (`<Contact>`); absent or empty → []. */
const list = <T extends z.ZodType>(child: string, schema: T) =>
  z
    .tuple([z.preprocess(emptyAsObject, z.object({ [child]: z.array(schema).optional() }))])
    .optional()
    .transform((value): z.output<T>[] => value?.[0][child] ?? []);

/** Text content; xml2js has trimmed it. An element with child elements is not text. */
const text = (max: number) => z.string().min(1).max(max);
const name = text(100);
const shortText = text(200);
const note = text(2000);
const isoDate = z.iso.date();
const instant = z.iso.datetime({ offset: true });
const count = z
  .string()
  .regex(/^\d{1,4}$/)
  .transform(Number)
  .pipe(z.number().int().min(0).max(1000));
const positive = z
  .string()
  .regex(/^0*[1-9]\d{0,5}$/)
  .transform(Number);
const nonNegative = z
  .string()
  .regex(/^\d{1,7}$/)
  .transform(Number);
const boolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** UPN: check letter, 11 digits, then a digit or (temporary UPN) a letter; no I, O or S. */
export const Upn = z.string().regex(/^[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]$/);
const lea = z.string().regex(/^(\d{3}|XXX)$/);
const estab = z.string().regex(/^(\d{4}|MMMM)$/);
const recordId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/);

export const Marking = z.enum(['open', 'sensitive', 'restricted']);
export type Marking = z.infer<typeof Marking>;

export const RELATIONSHIP_CODES = [
  'MTH', 'FTH', 'PAR', 'STM', 'STF', 'PAM', 'PAF', 'FOM', 'FOF', 'GNM', 'GNF', 'CAR',
  'AUN', 'UNC', 'SIB', 'REL', 'FAM', 'CHM', 'SWR', 'DOC', 'HTR', 'AGN', 'OTH',
] as const;
export type RelationshipCode = (typeof RELATIONSHIP_CODES)[number];

export const EXCLUSION_REASONS = ['PP', 'PA', 'VP', 'VA', 'BU', 'RA', 'LG', 'DS', 'SM', 'DA', 'DM', 'TH', 'PD', 'MT', 'WP', 'OT'] as const;
export type ExclusionReason = (typeof EXCLUSION_REASONS)[number];

export const SEN_TYPES = ['SPLD', 'MLD', 'SLD', 'PMLD', 'SEMH', 'SLCN', 'HI', 'VI', 'MSI', 'PD', 'ASD', 'OTH', 'NSA'] as const;
export type SenType = (typeof SEN_TYPES)[number];

// ---------------------------------------------------------------------------------------------
// CTF elements (contracts/education/ctf.xsd)
// ---------------------------------------------------------------------------------------------

export const CtfAddress = z.object({
  BS7666Address: optional(
    z.object({
      SAON: optional(shortText),
      PAON: one(shortText),
      Street: one(shortText),
      Locality: optional(shortText),
      Town: optional(shortText),
      AdministrativeArea: optional(shortText),
      PostTown: optional(shortText),
    }),
  ),
  AddressLines: optional(
    z.object({
      AddressLine1: one(shortText),
      AddressLine2: optional(shortText),
      AddressLine3: optional(shortText),
      AddressLine4: optional(shortText),
      AddressLine5: optional(shortText),
    }),
  ),
  PostCode: optional(z.string().regex(/^[A-Za-z0-9 ]{2,10}$/)),
  UniquePropertyReferenceNumber: optional(z.string().regex(/^\d{1,12}$/)),
}).refine((a) => (a.BS7666Address === undefined) !== (a.AddressLines === undefined), 'an Address has either BS7666Address or AddressLines');
export type CtfAddress = z.infer<typeof CtfAddress>;

export const CtfContact = z.object({
  ContactID: optional(recordId),
  Order: one(positive),
  Title: optional(shortText),
  Surname: one(name),
  Forename: one(name),
  Gender: optional(z.enum(['M', 'F', 'U'])),
  Relationship: one(z.enum(RELATIONSHIP_CODES)),
  Responsibility: one(boolean),
  AddressAsPupil: optional(boolean),
  Address: optional(CtfAddress),
  Marking: optional(Marking),
});
export type CtfContact = z.infer<typeof CtfContact>;

export const CtfTermAttendance = z
  .object({
    RecordID: optional(recordId),
    AcademicYear: one(z.string().regex(/^(19|20)\d{2}$/)),
    Term: one(z.enum(['AUT', 'SPR', 'SUM'])),
    StartDate: one(isoDate),
    EndDate: one(isoDate),
    LEA: one(lea),
    Estab: one(estab),
    SchoolName: optional(shortText),
    SessionsPossible: one(count),
    SessionsAttended: one(count),
    SessionsAuthorised: one(count),
    SessionsUnauthorised: one(count),
    PersistentAbsence: optional(boolean),
    Marking: optional(Marking),
  })
  .refine((t) => t.SessionsAttended + t.SessionsAuthorised + t.SessionsUnauthorised <= t.SessionsPossible, 'attended and absent sessions exceed the possible sessions');
export type CtfTermAttendance = z.infer<typeof CtfTermAttendance>;

export const CtfExclusion = z.object({
  RecordID: optional(recordId),
  LEA: optional(lea),
  Estab: optional(estab),
  SchoolName: optional(shortText),
  Category: one(z.enum(['FIXD', 'SUSP', 'LNCH', 'PERM'])),
  StartDate: one(isoDate),
  EndDate: optional(isoDate),
  Reason: one(z.enum(EXCLUSION_REASONS)),
  Sessions: optional(count),
  Notes: optional(note),
  Marking: optional(Marking),
});
export type CtfExclusion = z.infer<typeof CtfExclusion>;

export const CtfSchool = z.object({
  LEA: one(lea),
  Estab: one(estab),
  URN: optional(z.string().regex(/^\d{6}$/)),
  SchoolName: one(shortText),
  EntryDate: one(isoDate),
  LeavingDate: optional(isoDate),
  LeavingReason: optional(shortText),
  Marking: optional(Marking),
});
export type CtfSchool = z.infer<typeof CtfSchool>;

const SenNeed = z.object({ SENtypeRank: one(positive), SENtype: one(z.enum(SEN_TYPES)) });

export const CtfSen = z.object({
  RecordID: optional(recordId),
  StartDate: optional(isoDate),
  EndDate: optional(isoDate),
  SENprovision: one(z.enum(['N', 'K', 'E'])),
  SENneeds: list('SENneed', SenNeed),
  Marking: optional(Marking),
});
export type CtfSen = z.infer<typeof CtfSen>;

export const CtfCmeStatus = z.object({
  RecordID: optional(recordId),
  Status: one(z.enum(['missing', 'located', 'closed'])),
  StartDate: one(isoDate),
  EndDate: optional(isoDate),
  Notes: optional(note),
  Marking: optional(Marking),
});
export type CtfCmeStatus = z.infer<typeof CtfCmeStatus>;

export const CtfPupil = z.object({
  RecordID: one(recordId),
  LastUpdated: optional(instant),
  Marking: optional(Marking),
  UPN: optional(Upn),
  Surname: one(name),
  Forename: one(name),
  DOB: optional(isoDate),
  Gender: one(z.enum(['M', 'F', 'U'])),
  BasicDetails: optional(
    z.object({
      FormerUPN: optional(Upn),
      PreferredSurname: optional(name),
      FormerSurname: optional(name),
      PreferredForename: optional(name),
      MiddleNames: optional(name),
      NCyearActual: optional(z.string().regex(/^(N1|N2|R|[1-9]|1[0-4]|X)$/)),
      EnrolStatus: optional(z.enum(['C', 'M', 'S', 'G'])),
    }),
  ),
  Address: optional(CtfAddress),
  Contacts: list('Contact', CtfContact),
  Attendance: list('TermAttendance', CtfTermAttendance),
  Exclusions: list('Exclusion', CtfExclusion),
  SchoolHistory: list('School', CtfSchool),
  SENhistory: list('SEN', CtfSen),
  CMEstatus: optional(CtfCmeStatus),
});
export type CtfPupil = z.infer<typeof CtfPupil>;

export const CtfHeader = z.object({
  DocumentName: one(shortText),
  CTFversion: one(z.string().regex(/^\d{1,2}\.\d{1,2}$/)),
  DateTime: one(instant),
  DocumentQualifier: one(z.enum(['full', 'partial'])),
  SupplierID: one(shortText),
  SourceSchool: one(
    z.object({
      LEA: one(lea),
      Estab: optional(estab),
      SchoolName: optional(shortText),
      AcademicYear: optional(z.string().regex(/^(19|20)\d{2}$/)),
    }),
  ),
});
export type CtfHeader = z.infer<typeof CtfHeader>;

// ---------------------------------------------------------------------------------------------
// The search envelope (contracts/education/pupil-search.xsd)
// ---------------------------------------------------------------------------------------------

export const PupilSearchResponse = z.object({
  PupilSearchResponse: z.object({
    Paging: one(
      z.object({
        Page: one(positive),
        PageSize: one(positive),
        TotalMatches: one(nonNegative),
        NextPage: optional(positive),
      }),
    ),
    CTfile: one(
      z.object({
        Header: one(CtfHeader),
        CTFpupilData: one(z.preprocess(emptyAsObject, z.object({ Pupil: z.array(CtfPupil).default([]) }))),
      }),
    ),
  }),
});
export type PupilSearchResponse = z.infer<typeof PupilSearchResponse>;

export const PUPIL_SEARCH_ERROR_CODES = ['INVALID_QUERY', 'QUERY_TOO_BROAD', 'UNAUTHORISED', 'FORBIDDEN', 'NOT_FOUND', 'SERVICE_UNAVAILABLE', 'INTERNAL_ERROR'] as const;

/** The error document. Its Message is server text and never read: only the code is reported. */
export const PupilSearchError = z.object({
  PupilSearchError: z.object({ Code: one(z.enum(PUPIL_SEARCH_ERROR_CODES)) }),
});

/**
 * What the education adapter found: candidate pupils (matching is the hub's job), each with
 * everything the education system holds on them. What it left unread is the outcome's `cuts`.
 */
export interface EducationRaw {
  readonly pupils: readonly CtfPupil[];
}
