/**
 * The featured family: one hand-written household that is present whatever the seed, known to
 * all five agencies, and used by the README example and examples/referral.json.
 *
 * Why hand-written: a demonstration needs a child whose picture is rich and predictable —
 * A&E attendances (one very restricted), a domestic incident recorded by police with a
 * same-day A&E attendance and a police notification to social care, restricted intelligence
 * on the step-father, school absence and an exclusion, rent arrears and a safeguarding alert,
 * and a previous social-care contact — with the same kinds of noise as everyone else
 * (school knows him as "Bobby Smyth", police as "R. Smith-Jones"), while his NHS number is
 * exact in health and his UPN exact in education.
 */
import type { Agency } from '../../src/model/agency.ts';
import { dayOf } from './dates.ts';
import { HOSPITALS, SCHOOLS } from './names.ts';
import type { PlannedIncident } from './plan.ts';
import type {
  AgencyLink, EducationEvent, EducationPerson, EducationView, FeaturedFamilyIds, HealthEvent, HealthPatient, HousingEvent, HousingPerson,
  NoiseKind, PoliceEvent, PoliceLinkKind, PoliceNominal, RecordedAddress, SocialCareEvent, SocialCareLinkKind, SocialCarePerson, Tenancy,
  AgencyPersonBase, HousingLinkKind,
} from './types.ts';
import { UKHDS_ALERTS, alertDescription } from './ukhds.ts';
import type { BuildContext } from './views/common.ts';
import { recordEventTruth } from './views/common.ts';
import { HEALTH_CONCEPTS } from './views/health.ts';
import { addAddress, addPerson, relate, relateSiblings } from './world.ts';
import type { World, WorldHousehold, WorldPerson } from './world.ts';

/** Ids and key values of the featured family. */
export const FEATURED_FAMILY = {
  householdId: 'H00000',
  childId: 'P000001',
  siblingId: 'P000002',
  motherId: 'P000003',
  fatherId: 'P000004',
  nhsNumber: '9994732153',
  upn: 'X382204721317',
  birthDate: '2017-03-04',
  uprn: '100090382714',
  childRecords: { health: 'pat-0000001', police: 'NOM000001', education: 'PUP000001', housing: 'HPR-000001', 'social-care': 'CSC000001' },
  domesticIncidentId: 'SI-FEATURED-DA',
  domesticIncidentDate: '2026-09-12',
} as const satisfies FeaturedFamilyIds;

const F = FEATURED_FAMILY;
const SIBLING_NHS = '9994732161';
const MOTHER_NHS = '9994732188';
const FATHER_NHS = '9994732196';
const SIBLING_UPN = 'L382204718254';
const FATHER_PNC = '05/418273V';

const HOME = { uprn: F.uprn, houseNumber: '14', street: 'Alder Grove', town: 'Dewsbury', postcode: 'WF13 2QP', tenure: 'social-rented' } as const;
const OLD_HOME = { uprn: '100090117523', houseNumber: 'Flat 2, 61', street: 'Bradford Road', town: 'Batley', postcode: 'WF17 5LR', tenure: 'private-rented' } as const;
const FATHER_OLD = { uprn: '100090204468', houseNumber: '8', street: 'Spring Terrace', town: 'Heckmondwike', postcode: 'WF16 0AJ', tenure: 'private-rented' } as const;

const home: RecordedAddress = { lines: ['14 Alder Grove'], town: 'Dewsbury', postcode: 'WF13 2QP' };
const homeUprn: RecordedAddress = { ...home, uprn: F.uprn };
const oldHome: RecordedAddress = { lines: ['Flat 2', '61 Bradford Road'], town: 'Batley', postcode: 'WF17 5LR', uprn: OLD_HOME.uprn };

/** Adds the featured household to an empty world (before generated households: ids P000001–4). */
export function addFeaturedFamily(world: World): void {
  addAddress(world, HOME);
  addAddress(world, OLD_HOME);
  addAddress(world, FATHER_OLD);
  for (const nhs of [F.nhsNumber, SIBLING_NHS, MOTHER_NHS, FATHER_NHS]) world.usedNhs.add(nhs);
  world.usedUpn.add(F.upn);
  world.usedUpn.add(SIBLING_UPN);
  world.usedPnc.add(FATHER_PNC);
  const h: WorldHousehold = {
    id: F.householdId, kind: 'featured', tenure: 'social-rented', risk: 2, memberIds: [],
    addressHistory: [{ uprn: OLD_HOME.uprn, from: '2014-03-01', to: '2022-05-16' }, { uprn: HOME.uprn, from: '2022-05-16' }],
  };
  world.households.push(h);
  world.householdById.set(h.id, h);
  const familyHistory = h.addressHistory;
  const person = (p: Omit<WorldPerson, 'birthDay' | 'householdId'>, traits: Partial<{ offender: boolean; mentalHealth: boolean; asthma: boolean; sen: 'none' | 'sen-support' }>): WorldPerson => {
    const full: WorldPerson = { ...p, householdId: h.id, birthDay: dayOf(p.birthDate) };
    h.memberIds.push(full.id);
    return addPerson(world, full, {
      offender: traits.offender ?? false, mentalHealth: traits.mentalHealth ?? false, substanceMisuse: false, asthma: traits.asthma ?? false,
      sen: traits.sen ?? 'none', risk: 2,
    });
  };
  const child = person({
    id: F.childId, role: 'child', givenNames: ['Robert', 'James'], familyName: 'Smith', otherFamilyNames: ['Smith-Jones'], sex: 'male',
    birthDate: F.birthDate, nhsNumber: F.nhsNumber, upn: F.upn, addressHistory: [{ uprn: OLD_HOME.uprn, from: F.birthDate, to: '2022-05-16' }, { uprn: HOME.uprn, from: '2022-05-16' }],
  }, { mentalHealth: true, asthma: true, sen: 'sen-support' });
  const sibling = person({
    id: F.siblingId, role: 'child', givenNames: ['Chloe', 'Grace'], familyName: 'Smith', otherFamilyNames: ['Smith-Jones'], sex: 'female',
    birthDate: '2014-06-12', nhsNumber: SIBLING_NHS, upn: SIBLING_UPN, addressHistory: familyHistory.map((x) => ({ ...x })),
  }, {});
  const mother = person({
    id: F.motherId, role: 'parent', givenNames: ['Claire', 'Louise'], familyName: 'Smith', birthFamilyName: 'Hughes', otherFamilyNames: ['Smith-Jones', 'Hughes'],
    sex: 'female', birthDate: '1991-02-17', nhsNumber: MOTHER_NHS, addressHistory: familyHistory.map((x) => ({ ...x })),
  }, {});
  const father = person({
    id: F.fatherId, role: 'step-parent', givenNames: ['Daniel', 'Mark'], familyName: 'Jones', otherFamilyNames: [], sex: 'male', birthDate: '1987-09-30',
    nhsNumber: FATHER_NHS, pncId: FATHER_PNC, joinedDay: dayOf('2023-04-01'),
    addressHistory: [{ uprn: FATHER_OLD.uprn, from: '2019-01-10', to: '2023-04-01' }, { uprn: HOME.uprn, from: '2023-04-01' }],
  }, { offender: true });
  relate(world, { kind: 'parent', fromId: mother.id, toId: child.id, parentalResponsibility: true });
  relate(world, { kind: 'parent', fromId: mother.id, toId: sibling.id, parentalResponsibility: true });
  relate(world, { kind: 'step-parent', fromId: father.id, toId: child.id, parentalResponsibility: false });
  relate(world, { kind: 'step-parent', fromId: father.id, toId: sibling.id, parentalResponsibility: false });
  relate(world, { kind: 'partner', fromId: mother.id, toId: father.id });
  relateSiblings(world, [sibling, child]);
  const oakfield = SCHOOLS.find((s) => s.establishment === 2047);
  const kirkfield = SCHOOLS.find((s) => s.establishment === 4012);
  if (oakfield === undefined || kirkfield === undefined) throw new Error('featured schools missing');
  world.schooling.set(child.id, [{ school: oakfield, from: dayOf('2021-09-01') }]);
  world.schooling.set(sibling.id, [{ school: oakfield, from: dayOf('2018-09-01'), to: dayOf('2025-07-22') }, { school: kirkfield, from: dayOf('2025-09-01') }]);
  for (const id of Object.values(F.childRecords)) world.ids.reserve(id);
}

/** The mutable arrays of the views that the featured records are appended to. */
export interface FeaturedTargets {
  readonly health: { patients: HealthPatient[]; events: HealthEvent[]; relatedPersonTruth: { relatedPersonId: string; personId: string }[] };
  readonly police: { nominals: PoliceNominal[]; links: AgencyLink<PoliceLinkKind>[]; events: PoliceEvent[] };
  readonly education: { persons: EducationPerson[]; contactLinks: EducationView['contactLinks'][number][]; events: EducationEvent[] };
  readonly housing: { tenancies: Tenancy[]; persons: HousingPerson[]; links: AgencyLink<HousingLinkKind>[]; events: HousingEvent[] };
  readonly socialCare: { persons: SocialCarePerson[]; links: AgencyLink<SocialCareLinkKind>[]; events: SocialCareEvent[] };
}

/** Appends the featured family's records and events to the views, with ground truth. */
export function addFeaturedRecords(ctx: BuildContext, t: FeaturedTargets): PlannedIncident {
  const da: PlannedIncident = {
    id: F.domesticIncidentId, kind: 'domestic-abuse', day: dayOf(F.domesticIncidentDate), householdId: F.householdId,
    roles: new Map([[F.motherId, 'victim'], [F.fatherId, 'suspect'], [F.childId, 'child-present'], [F.siblingId, 'child-present']]),
    agencies: ['police', 'health', 'social-care'], injury: 'bruising to face', eventIds: [],
  };
  ctx.plan.incidents.push(da);

  const truth = (agency: Agency, recordId: string, personId: string, noise: NoiseKind[]): void => {
    ctx.world.ids.reserve(recordId);
    ctx.groundTruth.push({ agency, recordId, personId, noise });
  };
  const ev = (agency: Agency, eventId: string, personIds: string[], incident?: PlannedIncident): string => {
    ctx.world.ids.reserve(eventId);
    recordEventTruth(ctx, agency, eventId, personIds, incident);
    return eventId;
  };
  const base = (recordId: string, given: string[], family: string, sex: 'male' | 'female', birthDate: string | undefined, address: RecordedAddress): AgencyPersonBase => ({
    recordId, name: { given, family }, otherNames: [], sex, ...(birthDate === undefined ? {} : { birthDate }), address, updatedOn: '2026-10-08',
  });

  // ---- health ----
  const hp = { child: F.childRecords.health, sibling: 'pat-0000002', mother: 'pat-0000003', father: 'pat-0000004' };
  const gp = { odsCode: 'Y90108', name: 'Kirkgate Surgery' };
  t.health.patients.push(
    {
      ...base(hp.child, ['Robert', 'James'], 'Smith', 'male', F.birthDate, home), otherNames: [{ given: ['Bobby'], family: 'Smith' }], nhsNumber: F.nhsNumber, gpPractice: gp,
      relatedPersons: [
        { id: 'rp-0000001', relationship: 'MTH', name: { given: ['Claire'], family: 'Smith' }, patientRecordId: hp.mother, phone: '07700 900461' },
        { id: 'rp-0000002', relationship: 'STPFTH', name: { given: ['Daniel'], family: 'Jones' }, patientRecordId: hp.father },
      ],
    },
    { ...base(hp.sibling, ['Chloe', 'Grace'], 'Smith', 'female', '2014-06-12', home), nhsNumber: SIBLING_NHS, gpPractice: gp, relatedPersons: [{ id: 'rp-0000003', relationship: 'MTH', name: { given: ['Claire'], family: 'Smith' }, patientRecordId: hp.mother, phone: '07700 900461' }] },
    { ...base(hp.mother, ['Claire', 'Louise'], 'Smith', 'female', '1991-02-17', home), nhsNumber: MOTHER_NHS, gpPractice: gp, relatedPersons: [] },
    { ...base(hp.father, ['Daniel', 'Mark'], 'Jones', 'male', '1987-09-30', home), nhsNumber: FATHER_NHS, gpPractice: gp, relatedPersons: [] },
  );
  truth('health', hp.child, F.childId, []);
  truth('health', hp.sibling, F.siblingId, []);
  truth('health', hp.mother, F.motherId, []);
  truth('health', hp.father, F.fatherId, []);
  t.health.relatedPersonTruth.push({ relatedPersonId: 'rp-0000001', personId: F.motherId }, { relatedPersonId: 'rp-0000002', personId: F.fatherId }, { relatedPersonId: 'rp-0000003', personId: F.motherId });
  for (const id of ['rp-0000001', 'rp-0000002', 'rp-0000003']) ctx.world.ids.reserve(id);
  const [hospital] = HOSPITALS;
  const healthEvents: (HealthEvent & { personIds: string[]; incident?: PlannedIncident })[] = [
    { eventId: 'eoc-0000001', kind: 'episode-of-care', recordIds: [hp.child], personIds: [F.childId], date: '2017-03-14', endDate: '2022-03-04', sensitivity: 'N', text: 'Health visiting caseload: universal service.', code: HEALTH_CONCEPTS.healthVisiting, service: 'Health visiting' },
    { eventId: 'enc-0000001', kind: 'ae-attendance', recordIds: [hp.child], personIds: [F.childId], date: '2019-08-14', sensitivity: 'N', text: 'A&E attendance: fell from trampoline; fractured wrist, plaster cast. Discharged home.', code: HEALTH_CONCEPTS.fracturedWrist, provider: hospital },
    { eventId: 'cond-0000001', kind: 'condition', recordIds: [hp.child], personIds: [F.childId], date: '2020-02-11', sensitivity: 'N', text: 'Asthma diagnosed; inhalers prescribed.', code: HEALTH_CONCEPTS.childhoodAsthma },
    { eventId: 'enc-0000002', kind: 'ae-attendance', recordIds: [hp.child], personIds: [F.childId], date: '2024-11-30', sensitivity: 'N', text: 'A&E attendance: head injury after fall in park; concussion, no loss of consciousness.', code: HEALTH_CONCEPTS.concussion, provider: hospital },
    { eventId: 'enc-0000003', kind: 'ae-attendance', recordIds: [hp.child], personIds: [F.childId], date: '2026-06-18', sensitivity: 'V', text: 'Brought to A&E by mother after saying he wanted to hurt himself. Mental health assessment; referred to CAMHS.', code: HEALTH_CONCEPTS.selfHarm, provider: hospital },
    { eventId: 'eoc-0000002', kind: 'episode-of-care', recordIds: [hp.child], personIds: [F.childId], date: '2026-06-25', sensitivity: 'R', text: 'CAMHS: assessment for anxiety and low mood; on waiting list for therapy.', code: HEALTH_CONCEPTS.camhs, service: 'CAMHS' },
    { eventId: 'enc-0000004', kind: 'ae-attendance', recordIds: [hp.child], personIds: [F.childId], date: F.domesticIncidentDate, sensitivity: 'R', text: 'Late-evening attendance with mother: laceration to forearm from broken glass. Mother reports "an argument at home". Safeguarding referral made.', code: HEALTH_CONCEPTS.lacerationForearm, provider: hospital, incident: da },
    { eventId: 'enc-0000005', kind: 'ae-attendance', recordIds: [hp.mother], personIds: [F.motherId], date: F.domesticIncidentDate, sensitivity: 'R', text: 'A&E attendance: bruising to face. Patient disclosed assault by partner at home.', code: HEALTH_CONCEPTS.assault, provider: hospital, incident: da },
  ];
  for (const { personIds, incident, ...e } of healthEvents) {
    t.health.events.push(e);
    ev('health', e.eventId, personIds, incident);
  }

  // ---- police ----
  const pn = { child: F.childRecords.police, sibling: 'NOM000002', mother: 'NOM000003', father: 'NOM000004' };
  t.police.nominals.push(
    { ...base(pn.child, ['R.'], 'Smith-Jones', 'male', F.birthDate, home), warningMarkers: [] },
    { ...base(pn.sibling, ['Chloe'], 'Smith', 'female', '2014-12-06', home), warningMarkers: [] },
    { ...base(pn.mother, ['Claire'], 'Smith-Jones', 'female', '1991-02-17', home), warningMarkers: [] },
    {
      ...base(pn.father, ['Danny'], 'Jones', 'male', '1987-09-30', home), pncId: FATHER_PNC,
      warningMarkers: [{ code: 'VI', label: 'Violent', since: '2011-06-02' }, { code: 'DA', label: 'Domestic abuse perpetrator', since: F.domesticIncidentDate }],
    },
  );
  truth('police', pn.child, F.childId, ['initial-only', 'hyphenated-family']);
  truth('police', pn.sibling, F.siblingId, ['birth-date-swap']);
  truth('police', pn.mother, F.motherId, ['hyphenated-family']);
  truth('police', pn.father, F.fatherId, ['nickname']);
  t.police.links.push(
    { fromRecordId: pn.mother, toRecordId: pn.father, relationship: 'partner' },
    { fromRecordId: pn.mother, toRecordId: pn.child, relationship: 'family' },
    { fromRecordId: pn.mother, toRecordId: pn.sibling, relationship: 'family' },
    { fromRecordId: pn.father, toRecordId: pn.child, relationship: 'household' },
  );
  const roles = { [pn.father]: 'suspect', [pn.mother]: 'victim', [pn.child]: 'child present', [pn.sibling]: 'child present' };
  const policeEvents: (PoliceEvent & { personIds: string[]; incident?: PlannedIncident })[] = [
    { eventId: 'INC0000001', kind: 'incident', recordIds: [pn.mother, pn.father], personIds: [F.motherId, F.fatherId], date: '2025-02-08', sensitivity: 1, text: 'Verbal argument reported by neighbour; no offences disclosed. DASH risk: standard.', incidentType: 'domestic-abuse', location: home, roles: { [pn.mother]: 'victim', [pn.father]: 'suspect' } },
    { eventId: 'INC0000002', kind: 'incident', recordIds: [pn.father, pn.mother, pn.child, pn.sibling], personIds: [F.fatherId, F.motherId, F.childId, F.siblingId], date: F.domesticIncidentDate, sensitivity: 2, text: 'Neighbour reported shouting and breaking glass at 14 Alder Grove. Victim has bruising to face; suspect (partner) left before police arrived, arrested next day. Two children present; younger child cut by glass and taken to A&E by mother. DASH risk: high. Referred to MARAC.', incidentType: 'domestic-abuse', location: home, roles, incident: da },
    { eventId: 'CRI0000001', kind: 'crime', recordIds: [pn.father, pn.mother], personIds: [F.fatherId, F.motherId], date: F.domesticIncidentDate, sensitivity: 2, text: 'Crime recorded from domestic incident: assault occasioning actual bodily harm. Suspect charged; bail conditions not to contact victim.', crimeType: 'Assault occasioning actual bodily harm (domestic)', roles: { [pn.father]: 'suspect', [pn.mother]: 'victim' }, incident: da },
    { eventId: 'INT0000001', kind: 'intelligence', recordIds: [pn.father], personIds: [F.fatherId], date: '2026-10-02', sensitivity: 4, text: 'Information indicates subject continues to visit the home address in breach of bail conditions and has made threats towards his partner.', roles: { [pn.father]: 'subject' }, sourceGrading: 'B', intelligenceGrading: 2 },
  ];
  for (const { personIds, incident, ...e } of policeEvents) {
    t.police.events.push(e);
    ev('police', e.eventId, personIds, incident);
  }

  // ---- education ----
  const ed = { child: F.childRecords.education, sibling: 'PUP000002', mother: 'CON000003', father: 'CON000004' };
  t.education.persons.push(
    {
      ...base(ed.child, ['Bobby'], 'Smyth', 'male', F.birthDate, home), kind: 'pupil', upn: F.upn,
      schools: [{ urn: '190101', name: 'Oakfield Primary School', from: '2021-09-01' }], sen: 'sen-support', contactRecordIds: [ed.mother, ed.father],
    },
    {
      ...base(ed.sibling, ['Chloe', 'Grace'], 'Smith-Jones', 'female', '2014-06-12', home), kind: 'pupil', upn: SIBLING_UPN,
      schools: [{ urn: '190101', name: 'Oakfield Primary School', from: '2018-09-01', to: '2025-07-22' }, { urn: '190201', name: 'Kirkfield High School', from: '2025-09-01' }],
      sen: 'none', contactRecordIds: [ed.mother, ed.father],
    },
    { ...base(ed.mother, ['Claire'], 'Smith-Jones', 'female', undefined, home), kind: 'contact', phone: '07700 900461' },
    { ...base(ed.father, ['Dan'], 'Jones', 'male', undefined, home), kind: 'contact' },
  );
  truth('education', ed.child, F.childId, ['nickname', 'typo-family']);
  truth('education', ed.sibling, F.siblingId, ['hyphenated-family']);
  truth('education', ed.mother, F.motherId, ['hyphenated-family']);
  truth('education', ed.father, F.fatherId, ['nickname']);
  for (const pupil of [ed.child, ed.sibling]) {
    t.education.contactLinks.push(
      { fromRecordId: ed.mother, toRecordId: pupil, relationship: 'mother', parentalResponsibility: true, priority: 1 },
      { fromRecordId: ed.father, toRecordId: pupil, relationship: 'step-father', parentalResponsibility: false, priority: 3 },
    );
  }
  const attendance: [string, string, number][] = [
    ['2024/25 Autumn', '2024-12-19', 94.1], ['2024/25 Spring', '2025-03-28', 92.3], ['2024/25 Summer', '2025-07-21', 90.8],
    ['2025/26 Autumn', '2025-12-19', 88.6], ['2025/26 Spring', '2026-03-28', 86.0], ['2025/26 Summer', '2026-07-21', 84.2], ['2026/27 Autumn', '2026-11-21', 79.5],
  ];
  const educationEvents: EducationEvent[] = attendance.map(([term, date, pct], i) => ({
    eventId: `EDU000000${i + 1}`, kind: 'attendance', recordIds: [ed.child], date, sensitivity: 'open',
    text: `${term}: attendance ${pct}%${pct < 90 ? ' (persistent absence)' : ''}.`, term, attendancePercent: pct, persistentAbsence: pct < 90, schoolUrn: '190101',
  }));
  educationEvents.push(
    { eventId: 'EDU0000008', kind: 'sen-change', recordIds: [ed.child], date: '2024-01-15', sensitivity: 'sensitive', text: 'Added to SEN support register (social, emotional and mental health).' },
    { eventId: 'EDU0000009', kind: 'exclusion', recordIds: [ed.child], date: '2026-10-06', sensitivity: 'sensitive', text: 'Fixed-term exclusion, 2 day(s): physical assault against a pupil.', exclusionType: 'fixed-term', exclusionDays: 2, schoolUrn: '190101' },
    { eventId: 'EDU0000010', kind: 'attendance', recordIds: [ed.sibling], date: '2026-11-21', sensitivity: 'open', text: '2026/27 Autumn: attendance 91.2%.', term: '2026/27 Autumn', attendancePercent: 91.2, persistentAbsence: false, schoolUrn: '190201' },
  );
  for (const e of educationEvents) {
    t.education.events.push(e);
    ev('education', e.eventId, [e.recordIds[0] === ed.child ? F.childId : F.siblingId]);
  }

  // ---- housing ----
  const ho = { child: F.childRecords.housing, sibling: 'HPR-000002', mother: 'HPR-000003', father: 'HPR-000004' };
  const tenancyRef = 'TEN000001';
  ctx.world.ids.reserve(tenancyRef);
  t.housing.tenancies.push({ tenancyRef, address: homeUprn, start: '2022-05-16', tenure: 'secure', memberRecordIds: [ho.mother, ho.father, ho.child, ho.sibling] });
  const motherAlerts = [{ code: UKHDS_ALERTS.daMarac.code, description: alertDescription(UKHDS_ALERTS.daMarac), raisedOn: '2026-09-20', status: 'active', confidentiality: 'restricted' }] as const;
  const childAlerts = [{ code: UKHDS_ALERTS.schoolAbsenceWelfare.code, description: alertDescription(UKHDS_ALERTS.schoolAbsenceWelfare), raisedOn: '2026-10-08', status: 'active', confidentiality: 'sensitive' }] as const;
  const fatherAlerts = [{ code: UKHDS_ALERTS.historyOfViolence.code, description: alertDescription(UKHDS_ALERTS.historyOfViolence), raisedOn: '2026-09-20', status: 'active', confidentiality: 'sensitive' }] as const;
  t.housing.persons.push(
    { ...base(ho.child, ['Robert'], 'Smith', 'male', F.birthDate, homeUprn), role: 'household-member', tenancyRef, alerts: [...childAlerts] },
    { ...base(ho.sibling, ['Chloe'], 'Smith', 'female', '2014-06-12', homeUprn), role: 'household-member', tenancyRef, alerts: [] },
    { ...base(ho.mother, ['Clare'], 'Smith-Jones', 'female', '1991-02-17', homeUprn), role: 'lead-tenant', tenancyRef, alerts: [...motherAlerts] },
    { ...base(ho.father, ['Daniel'], 'Jones', 'male', undefined, homeUprn), role: 'joint-tenant', tenancyRef, alerts: [...fatherAlerts] },
  );
  truth('housing', ho.child, F.childId, []);
  truth('housing', ho.sibling, F.siblingId, []);
  truth('housing', ho.mother, F.motherId, ['typo-given', 'hyphenated-family']);
  truth('housing', ho.father, F.fatherId, ['missing-birth-date']);
  t.housing.links.push(
    { fromRecordId: ho.mother, toRecordId: ho.father, relationship: 'partner' },
    { fromRecordId: ho.mother, toRecordId: ho.child, relationship: 'parent' },
    { fromRecordId: ho.mother, toRecordId: ho.sibling, relationship: 'parent' },
    { fromRecordId: ho.father, toRecordId: ho.child, relationship: 'household-member' },
  );
  const housingEvents: (HousingEvent & { personIds: string[] })[] = [
    { eventId: 'HEV0000001', kind: 'tenancy-start', recordIds: [ho.mother], personIds: [F.motherId], date: '2022-05-16', sensitivity: 'open', text: `Secure tenancy ${tenancyRef} started.`, tenancyRef },
    { eventId: 'HEV0000002', kind: 'rent-arrears', recordIds: [ho.mother, ho.father], personIds: [F.motherId, F.fatherId], date: '2026-04-07', sensitivity: 'open', text: 'Rent account in arrears: £640. Arrangement to pay offered.', tenancyRef, arrearsAmount: 640 },
    { eventId: 'HEV0000003', kind: 'rent-arrears', recordIds: [ho.mother, ho.father], personIds: [F.motherId, F.fatherId], date: '2026-07-14', sensitivity: 'open', text: 'Rent account in arrears: £1,240. Arrangement broken.', tenancyRef, arrearsAmount: 1240 },
    { eventId: 'HEV0000004', kind: 'person-alert', recordIds: [ho.mother], personIds: [F.motherId], date: '2026-09-20', sensitivity: 'restricted', text: `Person alert raised: ${motherAlerts[0].code} ${motherAlerts[0].description}.`, alertCode: motherAlerts[0].code },
    { eventId: 'HEV0000005', kind: 'person-alert', recordIds: [ho.father], personIds: [F.fatherId], date: '2026-09-20', sensitivity: 'sensitive', text: `Person alert raised: ${fatherAlerts[0].code} ${fatherAlerts[0].description}.`, alertCode: fatherAlerts[0].code },
    { eventId: 'HEV0000006', kind: 'notice', recordIds: [ho.mother, ho.father], personIds: [F.motherId, F.fatherId], date: '2026-10-01', sensitivity: 'sensitive', text: 'Notice of Seeking Possession served; arrears £1,515.', tenancyRef, noticeType: 'NOSP', arrearsAmount: 1515 },
    { eventId: 'HEV0000007', kind: 'person-alert', recordIds: [ho.child], personIds: [F.childId], date: '2026-10-08', sensitivity: 'sensitive', text: `Person alert raised: ${childAlerts[0].code} ${childAlerts[0].description}.`, alertCode: childAlerts[0].code },
  ];
  for (const { personIds, ...e } of housingEvents) {
    t.housing.events.push(e);
    ev('housing', e.eventId, personIds);
  }

  // ---- social care ----
  const sc = { child: F.childRecords['social-care'], sibling: 'CSC000002', mother: 'CSC000003', father: 'CSC000004' };
  t.socialCare.persons.push(
    { ...base(sc.child, ['Robert', 'James'], 'Smith', 'male', '2017-04-03', oldHome), role: 'child', nhsNumber: F.nhsNumber },
    { ...base(sc.sibling, ['Chloe'], 'Smith', 'female', '2014-06-12', oldHome), role: 'child' },
    { ...base(sc.mother, ['Claire'], 'Smith', 'female', '1991-02-17', oldHome), role: 'adult' },
    { ...base(sc.father, ['Daniel'], 'Jones', 'male', '1987-09-30', homeUprn), role: 'adult' },
  );
  truth('social-care', sc.child, F.childId, ['birth-date-swap', 'old-address']);
  truth('social-care', sc.sibling, F.siblingId, ['old-address']);
  truth('social-care', sc.mother, F.motherId, ['old-address']);
  truth('social-care', sc.father, F.fatherId, []);
  t.socialCare.links.push(
    { fromRecordId: sc.mother, toRecordId: sc.child, relationship: 'mother' },
    { fromRecordId: sc.mother, toRecordId: sc.sibling, relationship: 'mother' },
    { fromRecordId: sc.father, toRecordId: sc.child, relationship: 'step-parent' },
    { fromRecordId: sc.sibling, toRecordId: sc.child, relationship: 'sibling' },
    { fromRecordId: sc.mother, toRecordId: sc.father, relationship: 'partner' },
  );
  const socialCareEvents: (SocialCareEvent & { personIds: string[]; incident?: PlannedIncident })[] = [
    { eventId: 'CSE0000001', kind: 'contact', recordIds: [sc.child], personIds: [F.childId], date: '2022-02-10', sensitivity: 'open', text: 'Contact from school: concerns about hygiene and frequent lateness. Outcome: No further action; signposted to early help.', outcome: 'No further action' },
    { eventId: 'CSE0000002', kind: 'contact', recordIds: [sc.child], personIds: [F.childId], date: '2026-09-13', sensitivity: 'sensitive', text: 'Police notification: domestic incident at the home address; child present and injured. Outcome: Early help.', outcome: 'Early help', incident: da },
    { eventId: 'CSE0000003', kind: 'contact', recordIds: [sc.sibling], personIds: [F.siblingId], date: '2026-09-13', sensitivity: 'sensitive', text: 'Police notification: domestic incident at the home address; child present. Outcome: Early help.', outcome: 'Early help', incident: da },
  ];
  for (const { personIds, incident, ...e } of socialCareEvents) {
    t.socialCare.events.push(e);
    ev('social-care', e.eventId, personIds, incident);
  }
  return da;
}
