/**
 * Housing chronology events: tenancy, rent arrears, possession notices, ASB cases and
 * homelessness applications → EventFacts (the mapping decisions are in housing.ts's header).
 *
 * Why this file exists: split out of housing.ts (house file-size limit); what the housing
 * record says happened, and when, is one responsibility.
 */
import type {
  HousingAsbCase,
  HousingHomelessnessApplication,
  HousingNotice,
  HousingPerson,
  HousingRentAccount,
  HousingTenancy,
  HousingTenancyMember,
} from '../../adapters/housing/types.ts';
import type { Sensitivity } from '../../model/agency.ts';
import type { EventFact } from '../../model/fact.ts';
import type { FactMaker } from '../fact-parts.ts';
import { leadTenant } from './persons.ts';
import { markingSensitivity } from './sensitivity.ts';
import { addressText, clip, nameText, personRecordId, pounds } from './values.ts';

type EventKind = EventFact['eventKind'];

const TENURE_LABEL: Readonly<Record<HousingTenancy['tenure'], string>> = {
  secure: 'Secure tenancy',
  introductory: 'Introductory tenancy',
  flexible: 'Flexible tenancy',
  assured: 'Assured tenancy',
  'assured-shorthold': 'Assured shorthold tenancy',
  demoted: 'Demoted tenancy',
  'temporary-accommodation': 'Temporary accommodation',
  licence: 'Licence',
};

const ROLE_LABEL: Readonly<Record<HousingTenancyMember['role'], string>> = { 'lead-tenant': 'lead tenant', 'joint-tenant': 'joint tenant', 'household-member': 'household member' };

/** Tenancy → EventFact 'tenancy', on the lead tenant (else the candidate). */
export function tenancyFact(tenancy: HousingTenancy, candidate: HousingPerson, make: FactMaker): EventFact {
  const where = addressText(tenancy.address);
  const members = tenancy.members.map((m) => `${nameText(m.forenames, m.surname)} (${ROLE_LABEL[m.role]})`).join(', ');
  return eventFact(`Tenancy/${tenancy.tenancyRef}`, 'tenancy', leadTenant(tenancy)?.personRef ?? candidate.personRef, make, {
    date: tenancy.startDate,
    endDate: tenancy.endDate,
    summary: `${TENURE_LABEL[tenancy.tenure]} ${tenancy.tenancyRef}${where === '' ? '' : ` at ${where}`} (${tenancy.members.length} in household)`,
    detail: [`Household: ${members}.`, tenancy.endReason === undefined ? undefined : `Ended: ${tenancy.endReason}.`].filter((d) => d !== undefined).join(' '),
    status: tenancy.status,
    sensitivity: markingSensitivity(tenancy),
    updatedAt: tenancy.updatedAt,
  });
}

/** Each arrears balance in a rent account's history → EventFact 'other' with the amount. */
export function arrearsFacts(account: HousingRentAccount, personRef: string | undefined, make: FactMaker): EventFact[] {
  if (personRef === undefined) return [];
  const entries = account.arrearsHistory.filter((e) => e.arrearsBalance > 0);
  const facts = entries.map((entry) =>
    eventFact(`RentAccount/${account.accountRef}/arrears/${entry.entryId}`, 'other', personRef, make, {
      date: entry.date,
      summary: `Rent arrears of ${pounds(entry.arrearsBalance)} on tenancy ${account.tenancyRef}`,
      detail: entry.note,
      status: undefined,
      sensitivity: entry.protectiveMarking === undefined && entry.restrictedAccess === undefined ? markingSensitivity(account) : markingSensitivity(entry),
      updatedAt: account.updatedAt,
    }),
  );
  if (entries.length === 0 && account.currentArrears > 0) {
    facts.push(
      eventFact(`RentAccount/${account.accountRef}/arrears/current`, 'other', personRef, make, {
        date: account.balanceDate,
        summary: `Rent arrears of ${pounds(account.currentArrears)} on tenancy ${account.tenancyRef}`,
        status: undefined,
        sensitivity: markingSensitivity(account),
        updatedAt: account.updatedAt,
      }),
    );
  }
  return facts;
}

const NOTICE_LABEL: Readonly<Record<HousingNotice['noticeType'], string>> = {
  NOSP: 'Notice of Seeking Possession',
  NTQ: 'Notice to Quit',
  'possession-order': 'Possession order',
  'warrant-of-possession': 'Warrant of possession',
};

/** A possession-process step → EventFact 'eviction' (see the header of ../housing.ts for why). */
export function noticeFact(notice: HousingNotice, personRef: string | undefined, make: FactMaker): EventFact | undefined {
  if (personRef === undefined) return undefined;
  const verb = notice.noticeType === 'possession-order' ? 'granted' : notice.noticeType === 'warrant-of-possession' ? 'issued' : 'served';
  const arrears = notice.arrearsAtService === undefined ? '' : ` (arrears ${pounds(notice.arrearsAtService)})`;
  const detail = [notice.ground === undefined ? undefined : `Ground: ${notice.ground}.`, notice.expiryDate === undefined ? undefined : `Expires ${notice.expiryDate}.`, notice.description]
    .filter((d) => d !== undefined)
    .join(' ');
  return eventFact(`Notice/${notice.noticeRef}`, 'eviction', personRef, make, {
    date: notice.servedDate,
    endDate: notice.expiryDate,
    summary: `${NOTICE_LABEL[notice.noticeType]} ${verb} on tenancy ${notice.tenancyRef}${arrears}`,
    detail: detail === '' ? undefined : detail,
    status: notice.status,
    sensitivity: markingSensitivity(notice),
    updatedAt: notice.updatedAt,
  });
}

/** ASB case → EventFact 'incident' on the candidate, with their role in it. */
export function asbFact(asbCase: HousingAsbCase, candidate: HousingPerson, make: FactMaker): EventFact {
  const role = asbCase.parties.find((p) => p.personRef === candidate.personRef)?.role;
  return eventFact(`AsbCase/${asbCase.caseRef}`, 'incident', candidate.personRef, make, {
    date: asbCase.openedDate,
    endDate: asbCase.closedDate,
    summary: `Anti-social behaviour case ${asbCase.caseRef}: ${asbCase.category.replace(/-/g, ' ')}${role === undefined ? '' : ` (${role.replace(/-/g, ' ')})`}`,
    detail: asbCase.description,
    status: asbCase.status,
    sensitivity: markingSensitivity(asbCase),
    updatedAt: asbCase.updatedAt,
  });
}

const DUTY_LABEL: Readonly<Record<HousingHomelessnessApplication['dutyOwed'], string>> = {
  prevention: 'prevention duty owed',
  relief: 'relief duty owed',
  main: 'main housing duty owed',
  'no-duty': 'no duty owed',
};

/** Homelessness application → 'referral' under the duty to refer, else 'other'; on the applicant. */
export function homelessnessFact(application: HousingHomelessnessApplication, make: FactMaker): EventFact {
  const referred = application.referral?.dutyToRefer === true;
  const eventKind: EventKind = referred ? 'referral' : 'other';
  const by = application.referral === undefined ? '' : ` Referred by ${application.referral.referringAgency}${referred ? ' under the duty to refer' : ''}.`;
  return eventFact(`HomelessnessApplication/${application.applicationRef}`, eventKind, application.applicant.personRef, make, {
    date: application.approachDate,
    endDate: application.outcome === 'open' ? undefined : application.outcomeDate,
    summary: `Homelessness application: ${application.reasonForLoss.replace(/-/g, ' ')}; ${DUTY_LABEL[application.dutyOwed]}; outcome ${application.outcome.replace(/-/g, ' ')}`,
    detail: `${application.reasonText ?? ''}${by} Household of ${application.householdMembers.length + 1}.`.trim(),
    status: application.outcome,
    sensitivity: markingSensitivity(application),
    updatedAt: application.updatedAt,
  });
}

interface EventParts {
  readonly date: string;
  readonly endDate?: string | undefined;
  readonly summary: string;
  readonly detail?: string | undefined;
  readonly status: string | undefined;
  readonly sensitivity: Sensitivity;
  readonly updatedAt: string | undefined;
}

function eventFact(sourceRecordId: string, eventKind: EventKind, personRef: string, make: FactMaker, parts: EventParts): EventFact {
  const detail = parts.detail?.trim();
  return make.event(
    { sourceRecordId, personRef: personRecordId(personRef), sensitivity: parts.sensitivity, sourceUpdatedAt: parts.updatedAt },
    {
      eventKind,
      date: parts.date,
      endDate: parts.endDate,
      summary: parts.summary,
      detail: detail === undefined || detail === '' ? undefined : detail,
      status: parts.status === undefined ? undefined : clip(parts.status, 60),
    },
  );
}
