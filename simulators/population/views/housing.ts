/**
 * The housing view: council tenancies, their households, rent arrears and possession notices,
 * anti-social behaviour cases, homelessness applications and UKHDS person alerts.
 *
 * Why: housing officers are often the only agency inside the home; arrears and notices signal
 * a family under pressure, and person alerts (UKHDS codes) carry safeguarding markers such as
 * "Child Protection Plan in Place" that mirror social care's plans. Housing knows only tenants
 * of social housing, their household members, and homelessness applicants.
 */
import { addYears, ageOn, dayOf, isoOf, REFERENCE_DAY } from '../dates.ts';
import type { PlannedIncident } from '../plan.ts';
import type { HousingEvent, HousingEventKind, HousingLinkKind, HousingPerson, HousingPersonAlert, AgencyLink, SimpleMarking, Tenancy } from '../types.ts';
import { alertDescription, UKHDS_ALERTS } from '../ukhds.ts';
import type { UkhdsAlertCode } from '../ukhds.ts';
import { currentAddress } from '../world.ts';
import type { WorldHousehold, WorldPerson } from '../world.ts';
import { noisyRecord, recordedAddress, recordEventTruth } from './common.ts';
import type { BuildContext } from './common.ts';

/** Builds the housing view for generated households. */
export function buildHousing(ctx: BuildContext): { tenancies: Tenancy[]; persons: HousingPerson[]; links: AgencyLink<HousingLinkKind>[]; events: HousingEvent[] } {
  const { world, plan, rng } = ctx;
  const tenancies: Tenancy[] = [];
  const persons: HousingPerson[] = [];
  const links: AgencyLink<HousingLinkKind>[] = [];
  const events: HousingEvent[] = [];
  const recordOf = new Map<string, string>();
  const alertsOf = new Map<string, HousingPersonAlert[]>();

  const emit = (kind: HousingEventKind, people: readonly WorldPerson[], day: number, sensitivity: SimpleMarking, text: string, extra: Partial<HousingEvent> = {}, incident?: PlannedIncident): void => {
    const recordIds = people.map((p) => recordOf.get(p.id)).filter((x): x is string => x !== undefined);
    if (recordIds.length === 0) return;
    const eventId = world.ids.draw('HEV', 7);
    events.push({ eventId, kind, recordIds, date: isoOf(day), sensitivity, text, ...extra });
    recordEventTruth(ctx, 'housing', eventId, people.filter((p) => recordOf.has(p.id)).map((p) => p.id), incident);
  };
  const alert = (p: WorldPerson, a: UkhdsAlertCode, day: number, confidentiality: SimpleMarking, incident?: PlannedIncident): void => {
    if (!recordOf.has(p.id) || day > REFERENCE_DAY) return;
    const list = alertsOf.get(p.id) ?? [];
    if (list.some((x) => x.code === a.code)) return;
    list.push({ code: a.code, description: alertDescription(a), raisedOn: isoOf(day), status: 'active', confidentiality });
    alertsOf.set(p.id, list);
    emit('person-alert', [p], day, confidentiality, `Person alert raised: ${a.code} ${alertDescription(a)}.`, { alertCode: a.code }, incident);
  };

  type Pending = { person: WorldPerson; role: HousingPerson['role']; tenancyRef?: string };
  /** A tenancy before record ids exist; `tenancy` undefined for a homelessness application. */
  type Draft = { h: WorldHousehold; tenancy?: Omit<Tenancy, 'memberRecordIds'>; lead: WorldPerson; members: WorldPerson[] };
  const pending: Pending[] = [];
  const drafts: Draft[] = [];

  for (const h of world.households) {
    if (h.id === world.featuredHouseholdId) continue;
    const members = h.memberIds.map((id) => world.personById.get(id)).filter((p): p is WorldPerson => p !== undefined);
    const adults = members.filter((p) => ageOn(p.birthDay, REFERENCE_DAY) >= 18 && p.role !== 'lodger');
    const lead = adults.find((p) => p.sex === 'female' && p.role === 'parent') ?? adults[0];
    if (lead === undefined) continue;
    if (h.tenure === 'social-rented') {
      const period = h.addressHistory[h.addressHistory.length - 1];
      const address = currentAddress(world, h.addressHistory.length > 0 ? { addressHistory: h.addressHistory } : lead);
      if (period === undefined || address === undefined) continue;
      const start = dayOf(period.from);
      const tenancyRef = world.ids.draw('TEN', 6);
      const joint = adults.find((p) => p !== lead && (p.role === 'parent' || p.role === 'step-parent' || p.role === 'adult'));
      const isJoint = joint !== undefined && rng.chance(0.6);
      for (const m of members) pending.push({ person: m, role: m === lead ? 'lead-tenant' : isJoint && m === joint ? 'joint-tenant' : 'household-member', tenancyRef });
      const tenancy = { tenancyRef, address: recordedAddress(address, true), start: isoOf(start), tenure: REFERENCE_DAY - start < 365 ? 'introductory' : 'secure' } as const;
      drafts.push({ h, tenancy, lead, members });
    } else if (h.tenure === 'private-rented' && (h.risk > 0 || members.length > adults.length) && rng.chance(0.05)) {
      for (const m of members) pending.push({ person: m, role: m === lead ? 'applicant' : 'household-member' });
      drafts.push({ h, lead, members });
    }
  }

  for (const { person } of pending) recordOf.set(person.id, world.ids.draw('HPR-', 6));

  // Events per tenancy / application.
  for (const { h, tenancy, lead, members } of drafts) {
    if (tenancy === undefined) {
      const day = rng.int(REFERENCE_DAY - 4 * 365, REFERENCE_DAY - 20);
      emit('homelessness-application', [lead], day, 'sensitive', `Homelessness application: ${rng.pick(['section 21 notice from private landlord', 'overcrowding', 'relationship breakdown', 'fleeing domestic abuse'])}. Household of ${members.length}.`);
      continue;
    }
    tenancies.push({ ...tenancy, memberRecordIds: members.map((m) => recordOf.get(m.id)).filter((x): x is string => x !== undefined) });
    const start = dayOf(tenancy.start);
    emit('tenancy-start', [lead], start, 'open', `${tenancy.tenure === 'introductory' ? 'Introductory' : 'Secure'} tenancy ${tenancy.tenancyRef} started.`, { tenancyRef: tenancy.tenancyRef });
    const arrearsChance = 0.2 + 0.15 * h.risk;
    if (rng.chance(arrearsChance)) {
      let day = rng.int(Math.max(start + 60, REFERENCE_DAY - 5 * 365), REFERENCE_DAY - 10);
      let amount = rng.int(150, 900);
      for (let i = rng.int(1, 3); i > 0 && day < REFERENCE_DAY; i--) {
        emit('rent-arrears', [lead], day, 'open', `Rent account in arrears: £${amount}. Arrangement to pay offered.`, { tenancyRef: tenancy.tenancyRef, arrearsAmount: amount });
        day += rng.int(40, 200);
        amount += rng.int(100, 700);
      }
      if (amount > 1000 && day < REFERENCE_DAY && rng.chance(0.6)) {
        emit('notice', [lead], day, 'sensitive', `Notice of Seeking Possession served; arrears £${amount}.`, { tenancyRef: tenancy.tenancyRef, noticeType: 'NOSP', arrearsAmount: amount });
        if (rng.chance(0.1)) emit('notice', [lead], Math.min(day + rng.int(30, 120), REFERENCE_DAY), 'sensitive', 'Notice to Quit served.', { tenancyRef: tenancy.tenancyRef, noticeType: 'NTQ' });
      }
    }
  }

  // Person records (alerts filled below, so push after).
  for (const { person } of pending) {
    const t = world.traits.get(person.id);
    const age = ageOn(person.birthDay, REFERENCE_DAY);
    if (t?.mentalHealth === true && age >= 16 && rng.chance(0.3)) alert(person, rng.chance(0.5) ? UKHDS_ALERTS.anxiety : UKHDS_ALERTS.depression, rng.int(REFERENCE_DAY - 5 * 365, REFERENCE_DAY - 1), 'sensitive');
    if (t?.asthma === true && rng.chance(0.3)) alert(person, UKHDS_ALERTS.asthma, rng.int(Math.max(person.birthDay, REFERENCE_DAY - 6 * 365), REFERENCE_DAY - 1), 'sensitive');
    if (age >= 65 && rng.chance(0.5)) alert(person, UKHDS_ALERTS.elderly, Math.max(addYears(person.birthDay, 65), REFERENCE_DAY - 8 * 365), 'open');
    if (t?.substanceMisuse === true && rng.chance(0.5)) alert(person, UKHDS_ALERTS.substanceMisuse, rng.int(REFERENCE_DAY - 4 * 365, REFERENCE_DAY - 1), 'sensitive');
    if (t?.offender === true && rng.chance(0.2)) alert(person, UKHDS_ALERTS.physicalAggression, rng.int(REFERENCE_DAY - 4 * 365, REFERENCE_DAY - 1), 'open');
    if (age >= 5 && age < 18 && t?.risk === 2 && rng.chance(0.2)) alert(person, UKHDS_ALERTS.schoolAbsenceWelfare, rng.int(REFERENCE_DAY - 3 * 365, REFERENCE_DAY - 1), 'sensitive');
  }

  // Shared incidents and derived alerts.
  for (const incident of plan.incidents) {
    for (const [personId, role] of incident.roles) {
      const p = world.personById.get(personId);
      if (p === undefined || !recordOf.has(p.id)) continue;
      if (incident.kind === 'child-protection-plan' && incident.agencies.includes('housing')) {
        alert(p, UKHDS_ALERTS.childProtectionPlan, incident.day, 'restricted', incident);
      } else if (incident.kind === 'asb' && incident.agencies.includes('housing')) {
        emit('asb-case', [p], incident.day, 'open', 'ASB case opened after neighbour complaints about noise and abusive behaviour.', {}, incident);
      } else if (incident.kind === 'domestic-abuse' && role === 'victim' && rng.chance(0.5)) {
        alert(p, rng.chance(0.6) ? UKHDS_ALERTS.daMarac : UKHDS_ALERTS.daSurvivor, incident.day + rng.int(3, 30), 'restricted');
      } else if (incident.kind === 'domestic-abuse' && role === 'suspect' && rng.chance(0.4)) {
        alert(p, UKHDS_ALERTS.historyOfViolence, incident.day + rng.int(3, 30), 'sensitive');
      }
    }
  }

  for (const { person, role, tenancyRef } of pending) {
    const recordId = recordOf.get(person.id);
    if (recordId === undefined) continue;
    const { base } = noisyRecord(ctx, 'housing', person, recordId, { holdsIdentifier: false, withUprn: true });
    persons.push({ ...base, role, ...(tenancyRef === undefined ? {} : { tenancyRef }), alerts: alertsOf.get(person.id) ?? [] });
  }

  for (const r of world.relationships) {
    const a = recordOf.get(r.fromId);
    const b = recordOf.get(r.toId);
    if (a === undefined || b === undefined) continue;
    const relationship: HousingLinkKind = r.kind === 'partner' ? 'partner' : r.kind === 'parent' || r.kind === 'step-parent' ? 'parent' : 'household-member';
    links.push({ fromRecordId: a, toRecordId: b, relationship });
  }
  return { tenancies, persons, links, events };
}
