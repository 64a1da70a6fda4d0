/**
 * The population's housing view as the housing API serves it (contracts/housing/openapi.json):
 * persons, tenancies with their households, rent accounts with arrears history, possession
 * notices, ASB cases, homelessness applications and UKHDS person alerts — built once at
 * start-up and indexed by the filters the API offers.
 *
 * Why this file exists: the population keeps housing as tenancies, persons and dated events;
 * a housing system keeps records. This is where an arrears event becomes a point in a rent
 * account's balance history, a NOSP event a notice with its 28-day expiry, a homelessness event
 * an H-CLIC-like application with a duty and an outcome, and the view's links each member's
 * relationship to the lead tenant. Deterministic: the same population gives the same records.
 */
import type { AgencyLink, HousingEvent, HousingLinkKind, HousingPerson, HousingView, IsoDate, RecordedAddress, SimpleMarking } from '../population/index.ts';
import { addDays, createAlertBuilder, type ServedPersonAlert, type UkhdsCodeList } from './alerts.ts';

type Marking = { readonly protectiveMarking: 'OFFICIAL' | 'OFFICIAL-SENSITIVE'; readonly restrictedAccess?: true };
type Relationship = 'partner' | 'child' | 'parent' | 'other-relative' | 'non-relative';

export interface ServedAddress {
  readonly addressLines: readonly string[];
  readonly town: string;
  readonly postcode: string;
  readonly uprn?: string;
}

export interface ServedPerson extends Marking {
  readonly personRef: string;
  readonly personId: number;
  readonly forenames: readonly string[];
  readonly surname: string;
  readonly otherNames: readonly { readonly forenames: readonly string[]; readonly surname: string; readonly type: 'alias' }[];
  readonly dateOfBirth?: IsoDate;
  readonly sex: 'female' | 'male' | 'unknown';
  readonly currentAddress?: ServedAddress;
  readonly role: HousingPerson['role'];
  readonly tenancyRef?: string;
  readonly updatedAt: string;
}

interface ServedMemberName {
  readonly personRef: string;
  readonly forenames: readonly string[];
  readonly surname: string;
  readonly dateOfBirth?: IsoDate;
}

export interface ServedTenancy extends Marking {
  readonly tenancyRef: string;
  readonly address: ServedAddress;
  readonly tenure: 'secure' | 'introductory' | 'assured' | 'temporary-accommodation';
  readonly startDate: IsoDate;
  readonly endDate?: IsoDate;
  readonly status: 'current' | 'ended';
  readonly members: readonly (ServedMemberName & { readonly role: 'lead-tenant' | 'joint-tenant' | 'household-member'; readonly relationshipToLeadTenant: 'self' | Relationship })[];
  readonly updatedAt: string;
}

export interface ServedRentAccount extends Marking {
  readonly accountRef: string;
  readonly tenancyRef: string;
  readonly accountHolders: readonly string[];
  readonly currentArrears: number;
  readonly balanceDate: IsoDate;
  readonly arrearsHistory: readonly (Marking & { readonly entryId: string; readonly date: IsoDate; readonly arrearsBalance: number; readonly note: string })[];
  readonly updatedAt: string;
}

export interface ServedNotice extends Marking {
  readonly noticeRef: string;
  readonly tenancyRef: string;
  readonly noticeType: 'NOSP' | 'NTQ';
  readonly servedDate: IsoDate;
  readonly expiryDate: IsoDate;
  readonly ground?: string;
  readonly arrearsAtService?: number;
  readonly status: 'served' | 'expired';
  readonly servedOn: readonly string[];
  readonly description: string;
  readonly updatedAt: string;
}

export interface ServedAsbCase extends Marking {
  readonly caseRef: string;
  readonly openedDate: IsoDate;
  readonly closedDate?: IsoDate;
  readonly category: 'noise';
  readonly status: 'open' | 'closed';
  readonly parties: readonly { readonly personRef: string; readonly role: 'alleged-perpetrator' }[];
  readonly description: string;
  readonly updatedAt: string;
}

export interface ServedHomelessnessApplication extends Marking {
  readonly applicationRef: string;
  readonly applicant: ServedMemberName;
  readonly approachDate: IsoDate;
  readonly assessmentDate: IsoDate;
  readonly reasonForLoss: 'end-of-private-rented-tenancy' | 'overcrowding' | 'relationship-breakdown-non-violent' | 'domestic-abuse' | 'other';
  readonly reasonText: string;
  readonly priorityNeed: boolean;
  readonly dutyOwed: 'prevention' | 'relief';
  readonly outcome: 'open' | 'accommodation-secured' | 'main-duty-accepted';
  readonly outcomeDate?: IsoDate;
  readonly referral?: { readonly dutyToRefer: true; readonly referringAgency: string };
  readonly householdMembers: readonly (ServedMemberName & { readonly relationshipToApplicant: Relationship })[];
  readonly updatedAt: string;
}

/** Everything the simulator serves, indexed by the API's filters. */
export interface HousingRecords {
  readonly persons: readonly ServedPerson[];
  readonly personByRef: ReadonlyMap<string, ServedPerson>;
  readonly tenanciesByPerson: ReadonlyMap<string, readonly ServedTenancy[]>;
  readonly asbByPerson: ReadonlyMap<string, readonly ServedAsbCase[]>;
  readonly applicationsByPerson: ReadonlyMap<string, readonly ServedHomelessnessApplication[]>;
  readonly alertsByPerson: ReadonlyMap<string, readonly ServedPersonAlert[]>;
  readonly rentAccountsByTenancy: ReadonlyMap<string, readonly ServedRentAccount[]>;
  readonly noticesByTenancy: ReadonlyMap<string, readonly ServedNotice[]>;
}

/** Simple marking → the housing system's marking: sensitive is OFFICIAL-SENSITIVE, restricted also locked. */
function marking(sensitivity: SimpleMarking): Marking {
  switch (sensitivity) {
    case 'open':
      return { protectiveMarking: 'OFFICIAL' };
    case 'sensitive':
      return { protectiveMarking: 'OFFICIAL-SENSITIVE' };
    case 'restricted':
      return { protectiveMarking: 'OFFICIAL-SENSITIVE', restrictedAccess: true };
    default:
      return sensitivity satisfies never;
  }
}

const address = (a: RecordedAddress): ServedAddress => ({ addressLines: a.lines, town: a.town, postcode: a.postcode, ...(a.uprn === undefined ? {} : { uprn: a.uprn }) });
const instant = (day: IsoDate): string => `${day}T09:00:00Z`;
const push = <T>(map: Map<string, T[]>, key: string, value: T): void => {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
};
/** The digits of a reference ("HPR-000123" → 123, "HEV0000004" → 4). */
const numberOf = (ref: string): number => Number.parseInt(ref.replace(/\D/g, ''), 10) || 0;

/** Builds the served records from the housing view. `referenceDate` is the synthetic world's today. */
export function housingRecords(view: HousingView, referenceDate: IsoDate, codes: UkhdsCodeList): HousingRecords {
  const sourcePerson = new Map(view.persons.map((p) => [p.recordId, p]));
  const relationOf = relationshipIndex(view.links);
  const buildAlert = createAlertBuilder(codes);

  const persons = [...view.persons].sort((a, b) => a.recordId.localeCompare(b.recordId)).map((p): ServedPerson => ({
    personRef: p.recordId,
    personId: numberOf(p.recordId),
    forenames: p.name.given,
    surname: p.name.family,
    otherNames: p.otherNames.map((n) => ({ forenames: n.given, surname: n.family, type: 'alias' })),
    ...(p.birthDate === undefined ? {} : { dateOfBirth: p.birthDate }),
    sex: p.sex,
    ...(p.address === undefined ? {} : { currentAddress: address(p.address) }),
    role: p.role,
    ...(p.tenancyRef === undefined ? {} : { tenancyRef: p.tenancyRef }),
    updatedAt: instant(p.updatedOn),
    protectiveMarking: 'OFFICIAL',
  }));
  const personByRef = new Map(persons.map((p) => [p.personRef, p]));
  const nameOf = (ref: string): ServedMemberName => {
    const p = sourcePerson.get(ref);
    if (p === undefined) throw new Error(`housing simulator: unknown person ${ref}`);
    return { personRef: ref, forenames: p.name.given, surname: p.name.family, ...(p.birthDate === undefined ? {} : { dateOfBirth: p.birthDate }) };
  };

  const eventsOf = (kind: HousingEvent['kind']): HousingEvent[] => view.events.filter((e) => e.kind === kind).sort((a, b) => a.date.localeCompare(b.date) || a.eventId.localeCompare(b.eventId));
  const tenanciesByPerson = new Map<string, ServedTenancy[]>();
  const rentAccountsByTenancy = new Map<string, ServedRentAccount[]>();
  const noticesByTenancy = new Map<string, ServedNotice[]>();
  const arrears = eventsOf('rent-arrears');
  const notices = eventsOf('notice');

  for (const t of view.tenancies) {
    const lead = t.memberRecordIds.find((id) => sourcePerson.get(id)?.role === 'lead-tenant') ?? t.memberRecordIds[0];
    if (lead === undefined) continue;
    const tenancy: ServedTenancy = {
      tenancyRef: t.tenancyRef,
      address: address(t.address),
      tenure: t.tenure,
      startDate: t.start,
      ...(t.end === undefined ? {} : { endDate: t.end }),
      status: t.end === undefined ? 'current' : 'ended',
      members: t.memberRecordIds.map((id) => {
        const role = sourcePerson.get(id)?.role;
        return { ...nameOf(id), role: role === 'lead-tenant' || role === 'joint-tenant' ? role : 'household-member', relationshipToLeadTenant: id === lead ? 'self' : relationOf(id, lead) };
      }),
      updatedAt: instant(t.start),
      protectiveMarking: 'OFFICIAL',
    };
    for (const id of t.memberRecordIds) push(tenanciesByPerson, id, tenancy);

    const history = arrears.filter((e) => e.tenancyRef === t.tenancyRef);
    const tenancyNotices = notices.filter((e) => e.tenancyRef === t.tenancyRef);
    const balances = [...history, ...tenancyNotices].filter((e) => e.arrearsAmount !== undefined).sort((a, b) => a.date.localeCompare(b.date));
    const holders = tenancy.members.filter((m) => m.role !== 'household-member').map((m) => m.personRef);
    push(rentAccountsByTenancy, t.tenancyRef, {
      accountRef: `RA-${t.tenancyRef}`,
      tenancyRef: t.tenancyRef,
      accountHolders: [lead, ...holders.filter((h) => h !== lead)],
      currentArrears: balances.at(-1)?.arrearsAmount ?? 0,
      balanceDate: referenceDate,
      arrearsHistory: history.map((e) => ({ entryId: e.eventId, date: e.date, arrearsBalance: e.arrearsAmount ?? 0, note: e.text, ...marking(e.sensitivity) })),
      updatedAt: instant(balances.at(-1)?.date ?? t.start),
      protectiveMarking: 'OFFICIAL',
    });
    for (const e of tenancyNotices) {
      const expiryDate = addDays(e.date, 28);
      push(noticesByTenancy, t.tenancyRef, {
        noticeRef: e.eventId,
        tenancyRef: t.tenancyRef,
        noticeType: e.noticeType ?? 'NOSP',
        servedDate: e.date,
        expiryDate,
        ...(e.noticeType === 'NTQ' ? {} : { ground: 'Housing Act 1985 Schedule 2 Ground 1 (rent arrears)' }),
        ...(e.arrearsAmount === undefined ? {} : { arrearsAtService: e.arrearsAmount }),
        status: expiryDate < referenceDate ? 'expired' : 'served',
        servedOn: e.recordIds,
        description: e.text,
        updatedAt: instant(e.date),
        ...marking(e.sensitivity),
      });
    }
  }

  const asbByPerson = new Map<string, ServedAsbCase[]>();
  for (const e of eventsOf('asb-case')) {
    const closedDate = addDays(e.date, 120);
    const closed = closedDate < referenceDate;
    const asbCase: ServedAsbCase = {
      caseRef: e.eventId,
      openedDate: e.date,
      ...(closed ? { closedDate } : {}),
      category: 'noise',
      status: closed ? 'closed' : 'open',
      parties: e.recordIds.map((personRef) => ({ personRef, role: 'alleged-perpetrator' })),
      description: e.text,
      updatedAt: instant(closed ? closedDate : e.date),
      ...marking(e.sensitivity),
    };
    for (const id of e.recordIds) push(asbByPerson, id, asbCase);
  }

  const applicationsByPerson = new Map<string, ServedHomelessnessApplication[]>();
  for (const e of eventsOf('homelessness-application')) {
    const applicant = e.recordIds[0];
    if (applicant === undefined) continue;
    const application = homelessnessApplication(e, applicant, referenceDate, view, relationOf, nameOf);
    push(applicationsByPerson, applicant, application);
    for (const m of application.householdMembers) push(applicationsByPerson, m.personRef, application);
  }

  const alertsByPerson = new Map<string, ServedPersonAlert[]>();
  const alertEvents = new Map(eventsOf('person-alert').map((e) => [`${e.recordIds[0] ?? ''}|${e.alertCode ?? ''}`, e.eventId]));
  for (const p of view.persons) {
    p.alerts.forEach((alert, i) => {
      const eventId = alertEvents.get(`${p.recordId}|${alert.code}`);
      // Ids follow the alert's event where there is one; otherwise a range no event id reaches.
      const alertId = eventId === undefined ? 90_000_000 + numberOf(p.recordId) * 10 + i : numberOf(eventId);
      push(alertsByPerson, p.recordId, buildAlert(alert, numberOf(p.recordId), alertId));
    });
  }

  return { persons, personByRef, tenanciesByPerson, asbByPerson, applicationsByPerson, alertsByPerson, rentAccountsByTenancy, noticesByTenancy };
}

type RelationOf = (memberId: string, headId: string) => Relationship;

/** How a member stands to the household's head, from the view's links ("from is <kind> of to"). */
function relationshipIndex(links: readonly AgencyLink<HousingLinkKind>[]): RelationOf {
  const kinds = new Map<string, HousingLinkKind>();
  for (const l of links) kinds.set(`${l.fromRecordId}|${l.toRecordId}`, l.relationship);
  return (member, head) => {
    const forward = kinds.get(`${member}|${head}`);
    const backward = kinds.get(`${head}|${member}`);
    if (forward === 'partner' || backward === 'partner') return 'partner';
    if (backward === 'parent' || forward === 'child') return 'child';
    if (forward === 'parent' || backward === 'child') return 'parent';
    return forward === undefined && backward === undefined ? 'non-relative' : 'other-relative';
  };
}

const REASONS: readonly (readonly [RegExp, ServedHomelessnessApplication['reasonForLoss']])[] = [
  [/section 21/i, 'end-of-private-rented-tenancy'],
  [/overcrowding/i, 'overcrowding'],
  [/domestic abuse/i, 'domestic-abuse'],
  [/relationship breakdown/i, 'relationship-breakdown-non-violent'],
];

/**
 * An H-CLIC-like application from a homelessness event: the reason from its text; a
 * prevention duty when the home is threatened (section 21, overcrowding), relief when already
 * lost; decided after the 56-day duty period; police referral under the duty to refer for
 * households fleeing domestic abuse. The household is the applicant's linked, untenanted people.
 */
function homelessnessApplication(
  e: HousingEvent,
  applicant: string,
  referenceDate: IsoDate,
  view: HousingView,
  relationOf: RelationOf,
  nameOf: (ref: string) => ServedMemberName,
): ServedHomelessnessApplication {
  const reasonForLoss = REASONS.find(([pattern]) => pattern.test(e.text))?.[1] ?? 'other';
  const reasonText = /^Homelessness application: ([^.]*)\./.exec(e.text)?.[1] ?? e.text;
  const dutyOwed = reasonForLoss === 'end-of-private-rented-tenancy' || reasonForLoss === 'overcrowding' ? 'prevention' : 'relief';
  const untenanted = new Set(view.persons.filter((p) => p.tenancyRef === undefined && p.recordId !== applicant).map((p) => p.recordId));
  const memberIds = [
    ...new Set(view.links.flatMap((l) => (l.fromRecordId === applicant ? [l.toRecordId] : l.toRecordId === applicant ? [l.fromRecordId] : [])).filter((id) => untenanted.has(id))),
  ].sort();
  const householdMembers = memberIds.map((id) => ({ ...nameOf(id), relationshipToApplicant: relationOf(id, applicant) }));
  const priorityNeed = householdMembers.some((m) => m.relationshipToApplicant === 'child');
  const outcomeDate = addDays(e.date, 56);
  const decided = outcomeDate < referenceDate;
  const outcome = !decided ? 'open' : dutyOwed === 'relief' && priorityNeed ? 'main-duty-accepted' : 'accommodation-secured';
  return {
    applicationRef: e.eventId,
    applicant: nameOf(applicant),
    approachDate: e.date,
    assessmentDate: addDays(e.date, 14),
    reasonForLoss,
    reasonText,
    priorityNeed,
    dutyOwed,
    outcome,
    ...(decided ? { outcomeDate } : {}),
    ...(reasonForLoss === 'domestic-abuse' ? { referral: { dutyToRefer: true, referringAgency: 'Police' } } : {}),
    householdMembers,
    updatedAt: instant(decided ? outcomeDate : e.date),
    ...marking(e.sensitivity),
  };
}
