/**
 * Education mapping: CTF-shaped pupil records from the education adapter → facts with provenance.
 *
 * Why this file exists: the hub reasons over one common model (DESIGN.md "The common model"),
 * and education speaks the DfE Common Transfer File's terms (contracts/education/). This is the
 * one place that knows a pupil is a person identified by UPN, that a school contact holding
 * parental responsibility is a parent for the hub's purposes, that a term's sessions make an
 * attendance figure and a persistent-absence marker, what the School Census exclusion and SEN
 * codes mean, and how the education system's marking becomes the hub's sensitivity.
 * Pure: no I/O, no clock — the same records and context always give the same facts, with the
 * same ids (CONVENTIONS.md §6).
 *
 * Sensitivity (the record's own `Marking`, contracts/education/ctf.xsd):
 *   open → open, sensitive → sensitive, restricted → restricted. Unmarked records default to
 *   open, except exclusions, SEN and children-missing-education, which default to sensitive
 *   (they describe a child's behaviour, needs and welfare). A pupil's marking applies at least
 *   to everything recorded under that pupil: the stricter of the two wins (the skeleton's floor).
 *
 * The walk over candidates is the shared skeleton's (skeleton.ts); this file gives education's
 * parts: a pupil, their contacts, and what their school records say.
 */
import type { CtfAddress, CtfCmeStatus, CtfContact, CtfExclusion, CtfPupil, CtfSchool, CtfTermAttendance, EducationRaw, ExclusionReason, Marking, RelationshipCode, SenType } from '../adapters/education/types.ts';
import type { EventFact, FlagFact, PersonFact, RelationshipFact } from '../model/fact.ts';
import type { Address, HumanName, Identifier, Sex } from '../model/person.ts';
import { clip, optional, period, type FactMaker, type FactSource } from './fact-parts.ts';
import { agencyMapper } from './skeleton.ts';

type RelationshipType = RelationshipFact['relationship'];
type EventKind = EventFact['eventKind'];

/**
 * Maps everything the education adapter found to facts. Each candidate pupil yields a
 * PersonFact under `Pupil/<record id>`; each of their contacts a PersonFact of their own under
 * `Contact/<pupil record id>/<n>` (n = the contact's place in the pupil's list) and a
 * RelationshipFact linking them to the pupil, so identity matching can link the contact to the
 * same adult elsewhere; attendance, exclusions and school history become chronology events;
 * SEN provision and children-missing-education status become flags.
 */
export const mapEducation = agencyMapper<EducationRaw, CtfPupil>({
  agency: 'education',
  candidates: (raw) => raw.pupils,
  // A pupil's marking applies at least to everything recorded under that pupil.
  floor: (pupil) => pupil.Marking ?? 'open',
  person: (pupil, make) => pupilFact(pupil, make),
  *records(pupil, make) {
    const pupilRef = pupilRefOf(pupil);
    for (const [index, contact] of pupil.Contacts.entries()) {
      const contactRef = `Contact/${pupil.RecordID}/${index + 1}`;
      yield contactFact(contact, contactRef, pupil, make);
      yield relationshipFact(contact, contactRef, pupilRef, make);
    }
    for (const term of pupil.Attendance) yield attendanceFact(term, pupil, make);
    for (const exclusion of pupil.Exclusions) yield exclusionFact(exclusion, pupil, make);
    for (const school of pupil.SchoolHistory) yield schoolFact(school, pupil, make);
    yield* senFacts(pupil, make);
    if (pupil.CMEstatus !== undefined) yield cmeFact(pupil.CMEstatus, pupil, make);
  },
});

const pupilRefOf = (pupil: CtfPupil): string => `Pupil/${pupil.RecordID}`;

/** A record under the pupil, marked `marking` (the pupil's own marking is the skeleton's floor). */
const under = (pupil: CtfPupil, sourceRecordId: string, marking: Marking, sourceUpdatedAt?: string): FactSource => ({ sourceRecordId, personRef: pupilRefOf(pupil), sensitivity: marking, sourceUpdatedAt });

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

/**
 * Pupil → PersonFact. The legal name is `official`; the preferred name is `nickname` when only
 * the forename differs ("Bobby" for Robert) and `usual` when the surname does too (a child known
 * by a step-parent's surname); a former surname is `old`.
 */
export function pupilFact(pupil: CtfPupil, make: FactMaker): PersonFact {
  const sourceRecordId = pupilRefOf(pupil);
  const details = pupil.BasicDetails;
  const middle = details?.MiddleNames?.split(/\s+/).filter((m) => m !== '') ?? [];
  const names: HumanName[] = [humanName([pupil.Forename, ...middle], pupil.Surname, 'official')];
  const preferredForename = details?.PreferredForename ?? pupil.Forename;
  const preferredSurname = details?.PreferredSurname ?? pupil.Surname;
  if (!sameText(preferredForename, pupil.Forename) || !sameText(preferredSurname, pupil.Surname)) {
    names.push(humanName([preferredForename], preferredSurname, sameText(preferredSurname, pupil.Surname) ? 'nickname' : 'usual'));
  }
  if (details?.FormerSurname !== undefined && !sameText(details.FormerSurname, pupil.Surname)) names.push(humanName([pupil.Forename], details.FormerSurname, 'old'));

  const identifiers: Identifier[] = [];
  if (pupil.UPN !== undefined) identifiers.push({ system: 'upn', value: pupil.UPN });
  if (details?.FormerUPN !== undefined && details.FormerUPN !== pupil.UPN) identifiers.push({ system: 'upn', value: details.FormerUPN });
  const address = pupil.Address === undefined ? undefined : toAddress(pupil.Address);
  return make.person(under(pupil, sourceRecordId, pupil.Marking ?? 'open', pupil.LastUpdated), {
    names,
    birthDate: pupil.DOB,
    sex: SEX[pupil.Gender],
    identifiers,
    addresses: address === undefined ? [] : [address],
  });
}

const SEX: Readonly<Record<CtfPupil['Gender'], Sex>> = { M: 'male', F: 'female', U: 'unknown' };

/** A contact's own details as a PersonFact; their MIS contact id, when given, as a local identifier. */
function contactFact(contact: CtfContact, contactRef: string, pupil: CtfPupil, make: FactMaker): PersonFact {
  const address = contact.Address !== undefined ? toAddress(contact.Address) : contact.AddressAsPupil === true && pupil.Address !== undefined ? toAddress(pupil.Address) : undefined;
  return make.person(
    { sourceRecordId: contactRef, personRef: contactRef, sensitivity: contact.Marking ?? 'open', sourceUpdatedAt: pupil.LastUpdated },
    {
      names: [humanName([contact.Forename], contact.Surname)],
      sex: contact.Gender === undefined ? undefined : SEX[contact.Gender],
      identifiers: contact.ContactID === undefined ? [] : [{ system: 'local', value: contact.ContactID, issuer: clip(make.ctx.sourceSystem, 120) }],
      addresses: address === undefined ? [] : [address],
    },
  );
}

/** Contact → RelationshipFact: "the contact is <relationship> of the pupil". */
function relationshipFact(contact: CtfContact, contactRef: string, pupilRef: string, make: FactMaker): RelationshipFact {
  return make.relationship(
    { sourceRecordId: contactRef, personRef: pupilRef, sensitivity: contact.Marking ?? 'open' },
    { relationship: contactRelationship(contact.Relationship, contact.Responsibility), relatedRef: contactRef, relatedName: humanName([contact.Forename], contact.Surname) },
  );
}

/**
 * School contacts → the hub's relationship types. Whoever holds parental responsibility is a
 * `parent`: that is what entitles an adult to a child's school information, and the model has
 * no other place for it. Without it, the hub is never told more than the school knows:
 * adults who care for the child day to day (step-parents, partners of a parent, foster
 * carers, grandparents, carers, childminders) are `carer`; relatives and other named adults the
 * school would ring in an emergency are `emergency-contact`; an adult sibling is a `sibling`;
 * professionals, and a birth parent the school records *without* parental responsibility, are
 * `other`, so the hub never treats them as holding it.
 */
const RELATIONSHIP_WITHOUT_PR: Readonly<Record<RelationshipCode, RelationshipType>> = {
  MTH: 'other', FTH: 'other', PAR: 'other',
  STM: 'carer', STF: 'carer', PAM: 'carer', PAF: 'carer', FOM: 'carer', FOF: 'carer', GNM: 'carer', GNF: 'carer', CAR: 'carer', CHM: 'carer',
  AUN: 'emergency-contact', UNC: 'emergency-contact', REL: 'emergency-contact', FAM: 'emergency-contact', OTH: 'emergency-contact',
  SIB: 'sibling',
  SWR: 'other', DOC: 'other', HTR: 'other', AGN: 'other',
};

/** The relationship type of a school contact (see RELATIONSHIP_WITHOUT_PR). */
export function contactRelationship(code: RelationshipCode, parentalResponsibility: boolean): RelationshipType {
  return parentalResponsibility ? 'parent' : RELATIONSHIP_WITHOUT_PR[code];
}

// ---------------------------------------------------------------------------------------------
// Chronology events
// ---------------------------------------------------------------------------------------------

const TERM_NAME: Readonly<Record<CtfTermAttendance['Term'], string>> = { AUT: 'autumn', SPR: 'spring', SUM: 'summer' };

/** DfE: a pupil missing 10% or more of their possible sessions is persistently absent. */
const PERSISTENT_ABSENCE_THRESHOLD = 0.1;

/** One term's attendance → EventFact 'absence': the attendance rate, the absences, and whether it is persistent absence. */
function attendanceFact(term: CtfTermAttendance, pupil: CtfPupil, make: FactMaker): EventFact {
  const year = Number(term.AcademicYear);
  const label = `${year}/${String((year + 1) % 100).padStart(2, '0')} ${TERM_NAME[term.Term]} term`;
  const sourceRecordId = `Attendance/${pupil.RecordID}/${term.RecordID ?? `${term.AcademicYear}-${term.Term}-${term.LEA}${term.Estab}`}`;
  const possible = term.SessionsPossible;
  const absent = term.SessionsAuthorised + term.SessionsUnauthorised;
  const persistent = term.PersistentAbsence ?? (possible > 0 && absent / possible >= PERSISTENT_ABSENCE_THRESHOLD);
  const rate = possible > 0 ? `${(Math.round((term.SessionsAttended / possible) * 1000) / 10).toFixed(1)}%` : undefined;
  const where = term.SchoolName === undefined ? '' : ` at ${term.SchoolName}`;
  const figure = rate === undefined ? 'no possible sessions recorded' : `${rate} (${term.SessionsAttended} of ${possible} sessions)`;
  return eventFact(sourceRecordId, 'absence', pupil, make, {
    marking: term.Marking ?? 'open',
    date: term.StartDate,
    endDate: term.EndDate,
    summary: `Attendance ${label}${where}: ${figure}${persistent ? '; persistent absence' : ''}`,
    detail: `Authorised absence: ${term.SessionsAuthorised} sessions; unauthorised absence: ${term.SessionsUnauthorised} sessions.`,
    status: persistent ? 'persistent absence' : undefined,
  });
}

const EXCLUSION_CATEGORY: Readonly<Record<CtfExclusion['Category'], string>> = {
  FIXD: 'Suspension (fixed-period exclusion)',
  SUSP: 'Suspension',
  LNCH: 'Lunchtime suspension',
  PERM: 'Permanent exclusion',
};

/** School Census exclusion reason codes. */
const EXCLUSION_REASON: Readonly<Record<ExclusionReason, string>> = {
  PP: 'physical assault against a pupil',
  PA: 'physical assault against an adult',
  VP: 'verbal abuse or threatening behaviour against a pupil',
  VA: 'verbal abuse or threatening behaviour against an adult',
  BU: 'bullying',
  RA: 'racist abuse',
  LG: 'abuse against sexual orientation or gender identity',
  DS: 'abuse relating to disability',
  SM: 'sexual misconduct',
  DA: 'drug and alcohol related',
  DM: 'damage',
  TH: 'theft',
  PD: 'persistent disruptive behaviour',
  MT: 'inappropriate use of social media or online technology',
  WP: 'use or threat of use of an offensive weapon or prohibited item',
  OT: 'other',
};

/** Exclusion → EventFact 'exclusion'; sensitive unless marked otherwise. */
function exclusionFact(exclusion: CtfExclusion, pupil: CtfPupil, make: FactMaker): EventFact {
  const sourceRecordId = `Exclusion/${pupil.RecordID}/${exclusion.RecordID ?? `${exclusion.StartDate}-${exclusion.Category}`}`;
  const sessions = exclusion.Sessions;
  const length = sessions === undefined || exclusion.Category === 'PERM' ? '' : `, ${formatDays(sessions / 2)}`;
  const where = exclusion.SchoolName === undefined ? '' : ` from ${exclusion.SchoolName}`;
  return eventFact(sourceRecordId, 'exclusion', pupil, make, {
    marking: exclusion.Marking ?? 'sensitive',
    date: exclusion.StartDate,
    endDate: exclusion.EndDate,
    summary: `${EXCLUSION_CATEGORY[exclusion.Category]}${where}${length}: ${EXCLUSION_REASON[exclusion.Reason]}`,
    detail: exclusion.Notes,
    status: exclusion.Category === 'PERM' ? 'permanent' : 'suspension',
  });
}

/** "2 days", "1 day", "1.5 days" from a count of half-day sessions. */
function formatDays(days: number): string {
  return `${days} day${days === 1 ? '' : 's'}`;
}

/** A school on the pupil's history → EventFact 'other' (no event kind fits an enrolment), from entry to leaving. */
function schoolFact(school: CtfSchool, pupil: CtfPupil, make: FactMaker): EventFact {
  const sourceRecordId = `School/${pupil.RecordID}/${school.LEA}${school.Estab}-${school.EntryDate}`;
  return eventFact(sourceRecordId, 'other', pupil, make, {
    marking: school.Marking ?? 'open',
    date: school.EntryDate,
    endDate: school.LeavingDate,
    summary: `${school.LeavingDate === undefined ? 'On roll at' : 'Was on roll at'} ${school.SchoolName} (LA ${school.LEA}, establishment ${school.Estab})`,
    detail: school.LeavingReason === undefined ? undefined : `Leaving reason: ${school.LeavingReason}.`,
    status: school.LeavingDate === undefined ? 'on roll' : 'left',
  });
}

interface EventParts {
  readonly marking: Marking;
  readonly date: string;
  readonly endDate: string | undefined;
  readonly summary: string;
  readonly detail: string | undefined;
  readonly status: string | undefined;
}

function eventFact(sourceRecordId: string, eventKind: EventKind, pupil: CtfPupil, make: FactMaker, parts: EventParts): EventFact {
  return make.event(under(pupil, sourceRecordId, parts.marking), { eventKind, date: parts.date, endDate: parts.endDate, summary: parts.summary, detail: parts.detail, status: parts.status });
}

// ---------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------

const SEN_NEED: Readonly<Record<SenType, string>> = {
  SPLD: 'specific learning difficulty',
  MLD: 'moderate learning difficulty',
  SLD: 'severe learning difficulty',
  PMLD: 'profound and multiple learning difficulty',
  SEMH: 'social, emotional and mental health',
  SLCN: 'speech, language and communication needs',
  HI: 'hearing impairment',
  VI: 'visual impairment',
  MSI: 'multi-sensory impairment',
  PD: 'physical disability',
  ASD: 'autistic spectrum disorder',
  OTH: 'other difficulty or disability',
  NSA: 'no specialist assessment of type of need',
};

/**
 * SEN history → FlagFacts 'sen-support' (K) and 'ehc-plan' (E); N (no SEN) is no flag. The CTF
 * keeps provision as a history of start dates, so an entry ends where the next begins; only the
 * latest open entry is active. Sensitive unless marked otherwise.
 */
function senFacts(pupil: CtfPupil, make: FactMaker): FlagFact[] {
  const history = [...pupil.SENhistory].sort((a, b) => (a.StartDate ?? '').localeCompare(b.StartDate ?? ''));
  const flags: FlagFact[] = [];
  history.forEach((sen, index) => {
    if (sen.SENprovision === 'N') return;
    const next = history[index + 1];
    const end = sen.EndDate ?? next?.StartDate;
    const sourceRecordId = `SEN/${pupil.RecordID}/${sen.RecordID ?? sen.StartDate ?? String(index + 1)}`;
    const needs = [...sen.SENneeds].sort((a, b) => a.SENtypeRank - b.SENtypeRank).map((n) => SEN_NEED[n.SENtype]);
    const label = sen.SENprovision === 'E' ? 'Education, health and care plan' : 'SEN support';
    flags.push(
      make.flag(under(pupil, sourceRecordId, sen.Marking ?? 'sensitive'), {
        flagKind: sen.SENprovision === 'E' ? 'ehc-plan' : 'sen-support',
        summary: `${label}${needs.length === 0 ? '' : ` (${needs.join('; ')})`}`,
        period: period(sen.StartDate, end),
        status: end === undefined ? 'active' : 'inactive',
      }),
    );
  });
  return flags;
}

/** CME status → FlagFact 'children-missing-education': active while the child is missing. Sensitive unless marked otherwise. */
function cmeFact(cme: CtfCmeStatus, pupil: CtfPupil, make: FactMaker): FlagFact {
  const sourceRecordId = `CME/${pupil.RecordID}/${cme.RecordID ?? cme.StartDate}`;
  const active = cme.Status === 'missing' && cme.EndDate === undefined;
  const state = cme.Status === 'missing' ? 'whereabouts unknown' : cme.Status === 'located' ? 'located' : 'closed';
  return make.flag(under(pupil, sourceRecordId, cme.Marking ?? 'sensitive'), {
    flagKind: 'children-missing-education',
    summary: `Child missing education: ${state}${cme.Notes === undefined ? '' : `. ${cme.Notes}`}`,
    period: period(cme.StartDate, cme.EndDate),
    status: active ? 'active' : 'inactive',
  });
}

// ---------------------------------------------------------------------------------------------
// Data types
// ---------------------------------------------------------------------------------------------

function humanName(given: readonly string[], family: string, use?: HumanName['use']): HumanName {
  return { given: given.slice(0, 5).map((g) => clip(g, 100)), family: clip(family, 100), ...optional('use', use) };
}

function sameText(a: string, b: string): boolean {
  return a.localeCompare(b, 'en', { sensitivity: 'base' }) === 0;
}

/** A CTF address: BS7666 (SAON; PAON and street; locality) or free lines, with postcode and UPRN. */
function toAddress(address: CtfAddress): Address | undefined {
  const bs = address.BS7666Address;
  const free = address.AddressLines;
  const lines = (
    bs !== undefined ? [bs.SAON, `${bs.PAON} ${bs.Street}`, bs.Locality]
    : free !== undefined ? [free.AddressLine1, free.AddressLine2, free.AddressLine3, free.AddressLine4, free.AddressLine5]
    : []
  )
    .filter((l) => l !== undefined)
    .map((l) => clip(l.trim(), 200))
    .filter((l) => l !== '');
  const town = bs?.PostTown ?? bs?.Town;
  const postcode = address.PostCode?.trim().toUpperCase();
  const mapped: Address = {
    lines: lines.slice(0, 6),
    ...optional('town', town === undefined ? undefined : clip(town, 100)),
    ...optional('postcode', postcode === undefined || postcode === '' ? undefined : postcode),
    ...optional('uprn', address.UniquePropertyReferenceNumber),
  };
  return mapped.lines.length > 0 || mapped.postcode !== undefined || mapped.uprn !== undefined ? mapped : undefined;
}
