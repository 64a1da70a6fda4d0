/**
 * The synthetic population's education view as CTF-shaped pupil records
 * (contracts/education/ctf.xsd), for the education simulator to serve.
 *
 * Why this file exists: the population generator describes what education holds in its own terms
 * (`EducationView`: pupils, contacts, contact links and events); a local authority's pupil
 * database serves CTF pupils. This is the translation, written the way such systems record
 * things: LA number and establishment number for every school (LA 382, as the population's UPNs
 * say), BS7666 addresses, CBDS contact relationship codes with the parental-responsibility flag,
 * attendance as sessions per term (two sessions a school day), School Census exclusion
 * categories and reasons, SEN provision codes and children-missing-education status. Each
 * record keeps its marking from the view's own sensitivity. Synthetic data only.
 */
import type { EducationEvent, EducationLinkKind, EducationView, Population, Pupil, PupilContact, RecordedAddress } from '../population/index.ts';
// The school register (URN → establishment number) is not part of the population's public API.
import { SCHOOLS } from '../population/names.ts';
import { el, group, renderDocument, tx, type XmlNode } from './xml-writer.ts';

/** The local authority of every synthetic school (Kirklees' DfE number, as in the population's UPNs). */
export const LA_NUMBER = '382';
const ESTAB_BY_URN: ReadonlyMap<string, string> = new Map(SCHOOLS.map((s) => [s.urn, String(s.establishment).padStart(4, '0')]));

type ContactLink = EducationView['contactLinks'][number];

/** The education view, indexed for rendering pupils one at a time. */
export interface EducationRecords {
  readonly referenceDate: string;
  readonly pupils: readonly Pupil[];
  readonly contactById: ReadonlyMap<string, PupilContact>;
  readonly linksByPupil: ReadonlyMap<string, readonly ContactLink[]>;
  readonly eventsByPupil: ReadonlyMap<string, readonly EducationEvent[]>;
}

/** Indexes the population's education view (linear in its size). */
export function educationRecords(population: Population): EducationRecords {
  const view = population.views.education;
  const pupils: Pupil[] = [];
  const contactById = new Map<string, PupilContact>();
  for (const person of view.persons) {
    if (person.kind === 'pupil') pupils.push(person);
    else contactById.set(person.recordId, person);
  }
  const linksByPupil = new Map<string, ContactLink[]>();
  for (const link of view.contactLinks) push(linksByPupil, link.toRecordId, link);
  for (const links of linksByPupil.values()) links.sort((a, b) => a.priority - b.priority || a.fromRecordId.localeCompare(b.fromRecordId));
  const eventsByPupil = new Map<string, EducationEvent[]>();
  for (const event of view.events) for (const recordId of event.recordIds) push(eventsByPupil, recordId, event);
  return { referenceDate: population.referenceDate, pupils, contactById, linksByPupil, eventsByPupil };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** A search response page as XML text. */
export function searchResponseXml(paging: { page: number; pageSize: number; total: number; nextPage?: number }, pupils: readonly XmlNode[], records: EducationRecords, now: Date): string {
  return renderDocument(
    el(
      'PupilSearchResponse',
      el('Paging', tx('Page', paging.page), tx('PageSize', paging.pageSize), tx('TotalMatches', paging.total), tx('NextPage', paging.nextPage)),
      el(
        'CTfile',
        el(
          'Header',
          tx('DocumentName', 'Common Transfer File'),
          tx('CTFversion', '26.0'),
          tx('DateTime', `${now.toISOString().slice(0, 19)}Z`),
          tx('DocumentQualifier', 'partial'),
          tx('SupplierID', 'MASH Gateway education simulator'),
          el('SourceSchool', tx('LEA', LA_NUMBER), tx('SchoolName', 'Local authority pupil database (simulated)'), tx('AcademicYear', academicYearOf(records.referenceDate))),
        ),
        el('CTFpupilData', ...pupils),
      ),
    ),
  );
}

/** An error document as XML text. */
export function searchErrorXml(code: string, message: string): string {
  return renderDocument(el('PupilSearchError', tx('Code', code), tx('Message', message)));
}

/** One pupil, with contacts, attendance, exclusions, school history, SEN and CME status. */
export function pupilNode(records: EducationRecords, pupil: Pupil): XmlNode {
  const events = records.eventsByPupil.get(pupil.recordId) ?? [];
  const [forename = pupil.name.family, ...middle] = pupil.name.given;
  const preferred = pupil.otherNames[0];
  const onRoll = pupil.schools.some((s) => s.to === undefined);
  return el(
    'Pupil',
    tx('RecordID', pupil.recordId),
    tx('LastUpdated', `${pupil.updatedOn}T09:00:00Z`),
    tx('UPN', pupil.upn),
    tx('Surname', pupil.name.family),
    tx('Forename', forename),
    tx('DOB', pupil.birthDate),
    tx('Gender', gender(pupil.sex)),
    group('BasicDetails', [
      tx('PreferredSurname', preferred?.family),
      tx('PreferredForename', preferred?.given[0]),
      tx('MiddleNames', middle.join(' ')),
      tx('NCyearActual', pupil.birthDate === undefined ? undefined : ncYear(pupil.birthDate, records.referenceDate)),
      tx('EnrolStatus', onRoll ? 'C' : undefined),
    ]),
    pupil.address === undefined ? undefined : addressNode(pupil.address),
    group('Contacts', (records.linksByPupil.get(pupil.recordId) ?? []).map((link, i) => contactNode(records, link, i + 1, pupil.address))),
    group('Attendance', events.filter((e) => e.kind === 'attendance').map(termNode)),
    group('Exclusions', events.filter((e) => e.kind === 'exclusion').map(exclusionNode)),
    group('SchoolHistory', pupil.schools.map((s) => el('School', tx('LEA', LA_NUMBER), tx('Estab', estabOf(s.urn)), tx('URN', s.urn), tx('SchoolName', s.name), tx('EntryDate', s.from), tx('LeavingDate', s.to)))),
    group('SENhistory', [senNode(pupil, events.find((e) => e.kind === 'sen-change'))]),
    cmeNode(events.find((e) => e.kind === 'children-missing-education')),
  );
}

function gender(sex: Pupil['sex']): 'M' | 'F' | 'U' {
  return sex === 'male' ? 'M' : sex === 'female' ? 'F' : 'U';
}

function estabOf(urn: string | undefined): string {
  return (urn === undefined ? undefined : ESTAB_BY_URN.get(urn)) ?? 'MMMM';
}

function schoolNameOf(urn: string | undefined): string | undefined {
  return SCHOOLS.find((s) => s.urn === urn)?.name;
}

/** The calendar year the academic year containing `iso` started in (September). */
function academicYearOf(iso: string): number {
  const year = Number(iso.slice(0, 4));
  return Number(iso.slice(5, 7)) >= 9 ? year : year - 1;
}

/** National Curriculum year: age on 31 August at the start of the academic year, less 4 (4 is Reception). */
function ncYear(birthDate: string, referenceDate: string): string | undefined {
  const start = academicYearOf(referenceDate);
  const born = { y: Number(birthDate.slice(0, 4)), m: Number(birthDate.slice(5, 7)), d: Number(birthDate.slice(8, 10)) };
  const age = start - born.y - (born.m > 8 ? 1 : 0);
  const year = age - 4;
  if (year === 0) return 'R';
  return year >= 1 && year <= 14 ? String(year) : undefined;
}

/** "14 Alder Grove" → PAON 14, Street Alder Grove; ["Flat 2", "61 Bradford Road"] adds SAON Flat 2; anything else as lines. */
function addressNode(address: RecordedAddress): XmlNode {
  const [first, second] = address.lines;
  const numbered = (line: string | undefined): RegExpMatchArray | null => line?.match(/^(\d+[A-Za-z]?)\s+(.+)$/) ?? null;
  const single = address.lines.length === 1 ? numbered(first) : null;
  const flat = address.lines.length === 2 ? numbered(second) : null;
  const bs = single ?? flat;
  const lines =
    bs !== null
      ? el('BS7666Address', tx('SAON', flat === null ? undefined : first), tx('PAON', bs[1]), tx('Street', bs[2]), tx('Town', address.town))
      : el('AddressLines', ...[...address.lines, address.town].slice(0, 5).map((line, i) => tx(`AddressLine${i + 1}`, line)));
  return el('Address', lines, tx('PostCode', address.postcode), tx('UniquePropertyReferenceNumber', address.uprn));
}

function sameAddress(a: RecordedAddress | undefined, b: RecordedAddress | undefined): boolean {
  return a !== undefined && b !== undefined && a.postcode === b.postcode && a.lines.join('|') === b.lines.join('|');
}

function relationshipCode(kind: EducationLinkKind, sex: PupilContact['sex']): string {
  switch (kind) {
    case 'mother':
      return 'MTH';
    case 'father':
      return 'FTH';
    case 'step-mother':
      return 'STM';
    case 'step-father':
      return 'STF';
    case 'grandparent':
      return sex === 'female' ? 'GNM' : sex === 'male' ? 'GNF' : 'REL';
    case 'carer':
      return 'CAR';
    default:
      return kind satisfies never;
  }
}

function contactNode(records: EducationRecords, link: ContactLink, order: number, pupilAddress: RecordedAddress | undefined): XmlNode | undefined {
  const contact = records.contactById.get(link.fromRecordId);
  if (contact === undefined) return undefined;
  const asPupil = sameAddress(contact.address, pupilAddress);
  return el(
    'Contact',
    tx('ContactID', contact.recordId),
    tx('Order', order),
    tx('Surname', contact.name.family),
    tx('Forename', contact.name.given[0] ?? contact.name.family),
    tx('Gender', gender(contact.sex)),
    tx('Relationship', relationshipCode(link.relationship, contact.sex)),
    tx('Responsibility', link.parentalResponsibility),
    tx('AddressAsPupil', asPupil ? true : undefined),
    asPupil || contact.address === undefined ? undefined : addressNode(contact.address),
    contact.phone === undefined ? undefined : el('Phones', el('Phone', tx('TelephoneType', 'M'), tx('PhoneNo', contact.phone))),
  );
}

const TERMS = { Autumn: { code: 'AUT', month: 9, day: 3, nextYear: false }, Spring: { code: 'SPR', month: 1, day: 6, nextYear: true }, Summer: { code: 'SUM', month: 4, day: 14, nextYear: true } } as const;

/** Weekdays from `from` to `to`, both included. */
function schoolDays(from: string, to: string): number {
  let count = 0;
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const weekday = new Date(t).getUTCDay();
    if (weekday !== 0 && weekday !== 6) count += 1;
  }
  return count;
}

/** The date `days` school days on from `from` (day 1 is `from` itself, or the next weekday). */
function addSchoolDays(from: string, days: number): string {
  let t = Date.parse(`${from}T00:00:00Z`);
  let left = days;
  for (;;) {
    const weekday = new Date(t).getUTCDay();
    if (weekday !== 0 && weekday !== 6) left -= 1;
    if (left <= 0) return new Date(t).toISOString().slice(0, 10);
    t += 86_400_000;
  }
}

/**
 * One term's attendance as sessions. The view gives the percentage attended; sessions possible
 * are two a weekday from the term's start to the event date (term end, or today for the current
 * term); absences split into authorised and unauthorised (more unauthorised when persistent).
 */
function termNode(event: EducationEvent): XmlNode | undefined {
  const match = event.term?.match(/^(\d{4})\/\d{2} (Autumn|Spring|Summer)$/);
  const pct = event.attendancePercent;
  if (match?.[1] === undefined || match[2] === undefined || pct === undefined) return undefined;
  const year = Number(match[1]);
  const term = match[2] === 'Autumn' ? TERMS.Autumn : match[2] === 'Spring' ? TERMS.Spring : TERMS.Summer;
  const start = `${term.nextYear ? year + 1 : year}-${String(term.month).padStart(2, '0')}-${String(term.day).padStart(2, '0')}`;
  const possible = schoolDays(start, event.date) * 2;
  const attended = Math.round((possible * pct) / 100);
  const absent = possible - attended;
  const unauthorised = Math.round(absent * (event.persistentAbsence === true ? 0.45 : 0.25));
  return el(
    'TermAttendance',
    tx('RecordID', event.eventId),
    tx('AcademicYear', year),
    tx('Term', term.code),
    tx('StartDate', start),
    tx('EndDate', event.date),
    tx('LEA', LA_NUMBER),
    tx('Estab', estabOf(event.schoolUrn)),
    tx('SchoolName', schoolNameOf(event.schoolUrn)),
    tx('SessionsPossible', possible),
    tx('SessionsAttended', attended),
    tx('SessionsAuthorised', absent - unauthorised),
    tx('SessionsUnauthorised', unauthorised),
    tx('PersistentAbsence', event.persistentAbsence),
    tx('Marking', event.sensitivity),
  );
}

/** School Census reason codes for the view's exclusion narratives. */
const EXCLUSION_REASONS: readonly (readonly [RegExp, string])[] = [
  [/physical assault against a pupil/i, 'PP'],
  [/physical assault against an? (adult|member of staff)/i, 'PA'],
  [/verbal abuse of staff|verbal abuse.*adult/i, 'VA'],
  [/verbal abuse/i, 'VP'],
  [/persistent disruptive behaviour/i, 'PD'],
  [/damage/i, 'DM'],
  [/bullying/i, 'BU'],
];

function exclusionNode(event: EducationEvent): XmlNode {
  const permanent = event.exclusionType === 'permanent';
  const days = event.exclusionDays ?? 0;
  // Fixed-period exclusions are "suspensions" in the School Census from 2021/22.
  const category = permanent ? 'PERM' : event.date >= '2021-09-01' ? 'SUSP' : 'FIXD';
  return el(
    'Exclusion',
    tx('RecordID', event.eventId),
    tx('LEA', LA_NUMBER),
    tx('Estab', estabOf(event.schoolUrn)),
    tx('SchoolName', schoolNameOf(event.schoolUrn)),
    tx('Category', category),
    tx('StartDate', event.date),
    tx('EndDate', permanent || days === 0 ? undefined : addSchoolDays(event.date, days)),
    tx('Reason', EXCLUSION_REASONS.find(([pattern]) => pattern.test(event.text))?.[1] ?? 'OT'),
    tx('Sessions', permanent ? undefined : days * 2),
    tx('Notes', event.text),
    tx('Marking', event.sensitivity),
  );
}

/** SEN need types named in the view's narratives. */
const SEN_NEEDS: readonly (readonly [RegExp, string])[] = [
  [/social, emotional and mental health/i, 'SEMH'],
  [/speech, language and communication/i, 'SLCN'],
  [/autis/i, 'ASD'],
  [/specific learning difficult/i, 'SPLD'],
  [/moderate learning difficult/i, 'MLD'],
];

function senNode(pupil: Pupil, event: EducationEvent | undefined): XmlNode | undefined {
  if (pupil.sen === 'none') return undefined;
  const needs = event === undefined ? [] : SEN_NEEDS.filter(([pattern]) => pattern.test(event.text)).map(([, code]) => code);
  return el(
    'SEN',
    tx('RecordID', event?.eventId),
    tx('StartDate', event?.date),
    tx('SENprovision', pupil.sen === 'ehc-plan' ? 'E' : 'K'),
    group('SENneeds', needs.map((code, i) => el('SENneed', tx('SENtypeRank', i + 1), tx('SENtype', code)))),
    tx('Marking', event?.sensitivity),
  );
}

function cmeNode(event: EducationEvent | undefined): XmlNode | undefined {
  if (event === undefined) return undefined;
  return el('CMEstatus', tx('RecordID', event.eventId), tx('Status', 'missing'), tx('StartDate', event.date), tx('Notes', event.text), tx('Marking', event.sensitivity));
}
