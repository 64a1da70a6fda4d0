/**
 * The health view: what GP, community and acute systems (behind the FHIR simulator) hold.
 *
 * Why: health knows almost everyone (registration is near-universal) and holds the most
 * sensitive items — mental and sexual health are marked R or V (FHIR v3-Confidentiality), and
 * the CP-IS flag mirrors social care's child-protection plans. A&E attendances on the day of a
 * police-recorded domestic incident carry the shared incident id in the ground truth.
 */
import { addYears, ageOn, isoOf, REFERENCE_DAY } from '../dates.ts';
import { GP_PRACTICES, HOSPITALS, nicknamesOf } from '../names.ts';
import type { PlannedIncident } from '../plan.ts';
import type { CodedConcept, FhirConfidentiality, HealthEvent, HealthEventKind, HealthPatient, HealthRelatedPerson, HealthRelationshipCode } from '../types.ts';
import { relationshipsTo } from '../world.ts';
import type { WorldPerson } from '../world.ts';
import { recordEventTruth, noisyRecord } from './common.ts';
import type { BuildContext } from './common.ts';

const SCT = 'http://snomed.info/sct';
/** SNOMED CT concepts used (codes as in Synthea's UK-relevant output); text-only where unsure. */
export const HEALTH_CONCEPTS = {
  asthma: { system: SCT, code: '195967001', display: 'Asthma' },
  childhoodAsthma: { system: SCT, code: '233678006', display: 'Childhood asthma' },
  asthmaAdmission: { system: SCT, code: '183478001', display: 'Emergency hospital admission for asthma' },
  sprainAnkle: { system: SCT, code: '44465007', display: 'Sprain of ankle' },
  fractureAnkle: { system: SCT, code: '16114001', display: 'Fracture of ankle' },
  fractureForearm: { system: SCT, code: '65966004', display: 'Fracture of forearm' },
  concussion: { system: SCT, code: '62106007', display: 'Concussion with no loss of consciousness' },
  lacerationForearm: { system: SCT, code: '283371005', display: 'Laceration of forearm' },
  lacerationHand: { system: SCT, code: '284549007', display: 'Laceration of hand' },
  facialLaceration: { system: SCT, code: '370247008', display: 'Facial laceration' },
  bronchitis: { system: SCT, code: '10509002', display: 'Acute bronchitis' },
  pregnancy: { system: SCT, code: '72892002', display: 'Normal pregnancy' },
  anxiety: { system: SCT, code: '80583007', display: 'Severe anxiety (panic)' },
  depression: { system: SCT, code: '35489007', display: 'Depressive disorder' },
  emergencyAttendance: { system: SCT, code: '50849002', display: 'Emergency room admission' },
  fracturedWrist: { display: 'Fractured wrist' },
  selfHarm: { display: 'Self-harm' },
  overdose: { display: 'Overdose of medication' },
  abdominalPain: { display: 'Abdominal pain' },
  assault: { display: 'Assault — injury' },
  cpis: { display: 'Child protection plan (CP-IS)' },
  healthVisiting: { display: 'Health visiting' },
  camhs: { display: 'Child and adolescent mental health services' },
  sexualHealth: { display: 'Sexual health clinic' },
  substance: { display: 'Drug and alcohol service' },
  perinatal: { display: 'Perinatal mental health' },
} as const satisfies Record<string, CodedConcept>;

const AE_REASONS: readonly CodedConcept[] = [
  HEALTH_CONCEPTS.sprainAnkle, HEALTH_CONCEPTS.fractureAnkle, HEALTH_CONCEPTS.fractureForearm, HEALTH_CONCEPTS.concussion,
  HEALTH_CONCEPTS.lacerationForearm, HEALTH_CONCEPTS.lacerationHand, HEALTH_CONCEPTS.bronchitis, HEALTH_CONCEPTS.abdominalPain,
  HEALTH_CONCEPTS.fracturedWrist,
];

/** Earliest event date the simulators carry (electronic records from 2012). */
const EARLIEST = 15_340; // 2012-01-01

/** Builds the health view for generated households (the featured family is added separately). */
export function buildHealth(ctx: BuildContext): { patients: HealthPatient[]; events: HealthEvent[]; relatedPersonTruth: { relatedPersonId: string; personId: string }[] } {
  const { world, plan, rng } = ctx;
  const patients: HealthPatient[] = [];
  const events: HealthEvent[] = [];
  const relatedPersonTruth: { relatedPersonId: string; personId: string }[] = [];
  const patientIdOf = new Map<string, string>();

  // Records first, so related persons can point at patient ids.
  for (const p of world.persons) {
    if (p.householdId === world.featuredHouseholdId || !plan.knownToHealth.has(p.id)) continue;
    patientIdOf.set(p.id, world.ids.draw('pat-', 7));
  }
  const practiceOf = new Map<string, (typeof GP_PRACTICES)[number]>();
  for (const h of world.households) practiceOf.set(h.id, rng.pick(GP_PRACTICES));

  const event = (kind: HealthEventKind, p: WorldPerson | readonly WorldPerson[], day: number, code: CodedConcept, sensitivity: FhirConfidentiality, text: string, extra: Partial<Pick<HealthEvent, 'endDate' | 'service' | 'provider'>> = {}, incident?: PlannedIncident): void => {
    const people = Array.isArray(p) ? (p as readonly WorldPerson[]) : [p as WorldPerson];
    const recordIds = people.map((x) => patientIdOf.get(x.id)).filter((x): x is string => x !== undefined);
    if (recordIds.length === 0) return;
    const prefix = kind === 'condition' ? 'cond-' : kind === 'episode-of-care' ? 'eoc-' : kind === 'cp-is-flag' ? 'flag-' : 'enc-';
    const eventId = world.ids.draw(prefix, 7);
    events.push({ eventId, kind, recordIds, date: isoOf(day), ...extra, sensitivity, text, code });
    recordEventTruth(ctx, 'health', eventId, people.map((x) => x.id), incident);
  };

  for (const p of world.persons) {
    const recordId = patientIdOf.get(p.id);
    if (recordId === undefined) continue;
    const { base, dropIdentifier } = noisyRecord(ctx, 'health', p, recordId, { holdsIdentifier: true, withUprn: false });
    const age = ageOn(p.birthDay, REFERENCE_DAY);
    const first = p.givenNames[0] ?? '';
    const nick = nicknamesOf(first);
    const otherNames = age < 18 && nick.length > 0 && rng.chance(0.2) ? [{ given: [rng.pick(nick)], family: p.familyName }] : [];
    const relatedPersons: HealthRelatedPerson[] = [];
    if (age < 18) {
      for (const r of relationshipsTo(world, p.id)) {
        if ((r.kind !== 'parent' && r.kind !== 'step-parent' && r.kind !== 'grandparent')) continue;
        const rel = world.personById.get(r.fromId);
        if (rel === undefined || rel.householdId !== p.householdId) continue;
        const code: HealthRelationshipCode = r.kind === 'parent' ? (rel.sex === 'female' ? 'MTH' : 'FTH') : r.kind === 'step-parent' ? (rel.sex === 'female' ? 'STPMTH' : 'STPFTH') : rel.sex === 'female' ? 'GRMTH' : 'GRFTH';
        const id = world.ids.draw('rp-', 7);
        const patientRecordId = patientIdOf.get(rel.id);
        relatedPersons.push({
          id, relationship: code, name: { given: [rel.givenNames[0] ?? ''], family: rel.familyName },
          ...(patientRecordId === undefined ? {} : { patientRecordId }),
          ...(rng.chance(0.7) ? { phone: `07700 900${String(rng.int(0, 999)).padStart(3, '0')}` } : {}),
        });
        relatedPersonTruth.push({ relatedPersonId: id, personId: rel.id });
      }
    }
    patients.push({
      ...base,
      otherNames,
      ...(dropIdentifier ? {} : { nhsNumber: p.nhsNumber }),
      gpPractice: practiceOf.get(p.householdId) ?? { odsCode: 'Y90101', name: 'Fieldhead Surgery' },
      relatedPersons,
    });

    // Background events.
    const traits = world.traits.get(p.id);
    const from = Math.max(EARLIEST, p.birthDay);
    if (p.birthDay >= EARLIEST - 5 * 365 && addYears(p.birthDay, 5) > EARLIEST) {
      const end = addYears(p.birthDay, 5);
      event('episode-of-care', p, Math.min(Math.max(p.birthDay + 10, EARLIEST), REFERENCE_DAY), HEALTH_CONCEPTS.healthVisiting, 'N', 'Health visiting caseload: universal service.', {
        service: 'Health visiting', ...(end < REFERENCE_DAY ? { endDate: isoOf(end) } : {}),
      });
    }
    if (traits?.asthma === true) {
      const onset = Math.max(from, addYears(p.birthDay, rng.int(2, 10)));
      if (onset < REFERENCE_DAY) {
        event('condition', p, onset, age < 16 ? HEALTH_CONCEPTS.childhoodAsthma : HEALTH_CONCEPTS.asthma, 'N', 'Asthma diagnosed; inhalers prescribed.');
        if (rng.chance(0.3)) event('admission', p, rng.int(onset, REFERENCE_DAY - 1), HEALTH_CONCEPTS.asthmaAdmission, 'N', 'Admitted overnight with acute asthma.', { provider: rng.pick(HOSPITALS) });
      }
    }
    const years = (REFERENCE_DAY - from) / 365;
    const aeRate = age < 18 ? 0.1 : 0.06;
    for (let i = 0; i < Math.round(years); i++) {
      if (!rng.chance(aeRate)) continue;
      const day = rng.int(from, REFERENCE_DAY - 1);
      const reason = rng.pick(AE_REASONS);
      event('ae-attendance', p, day, reason, 'N', `A&E attendance: ${reason.display.toLowerCase()}. Discharged home.`, { provider: rng.pick(HOSPITALS) });
    }
    if (traits?.mentalHealth === true) {
      if (age >= 11 && age < 18) {
        const start = Math.max(from, addYears(p.birthDay, rng.int(11, Math.max(11, age))));
        if (start < REFERENCE_DAY) {
          event('episode-of-care', p, start, HEALTH_CONCEPTS.camhs, 'R', 'Referred to CAMHS for low mood and anxiety.', { service: 'CAMHS' });
          event('condition', p, start, HEALTH_CONCEPTS.anxiety, 'R', 'Anxiety; under CAMHS.');
          if (rng.chance(0.35)) event('ae-attendance', p, rng.int(start, REFERENCE_DAY - 1), HEALTH_CONCEPTS.selfHarm, 'R', 'Attended A&E after self-harm (superficial cuts). Seen by liaison psychiatry.', { provider: rng.pick(HOSPITALS) });
        }
      } else if (age >= 18) {
        const day = rng.int(Math.max(from, addYears(p.birthDay, 16)), REFERENCE_DAY - 1);
        event('condition', p, day, rng.chance(0.5) ? HEALTH_CONCEPTS.depression : HEALTH_CONCEPTS.anxiety, 'R', 'Managed in primary care; talking therapies offered.');
        if (rng.chance(0.15)) event('ae-attendance', p, rng.int(day, REFERENCE_DAY), HEALTH_CONCEPTS.overdose, 'R', 'Attended A&E after intentional overdose; mental health assessment.', { provider: rng.pick(HOSPITALS) });
      }
    }
    if (traits?.substanceMisuse === true) {
      event('episode-of-care', p, rng.int(Math.max(from, REFERENCE_DAY - 6 * 365), REFERENCE_DAY - 1), HEALTH_CONCEPTS.substance, 'R', 'Engaged with drug and alcohol service.', { service: 'Drug and alcohol service' });
    }
    if (age >= 14 && age <= 30 && rng.chance(0.08)) {
      const day = rng.int(Math.max(from, addYears(p.birthDay, 14)), REFERENCE_DAY - 1);
      event('episode-of-care', p, day, HEALTH_CONCEPTS.sexualHealth, 'V', 'Sexual health clinic attendance.', { service: 'Sexual health' });
    }
  }

  // Pregnancies: a condition for the mother before each birth in the record window.
  for (const r of world.relationships) {
    if (r.kind !== 'parent') continue;
    const mother = world.personById.get(r.fromId);
    const child = world.personById.get(r.toId);
    if (mother === undefined || child === undefined || mother.sex !== 'female' || child.birthDay - 270 < EARLIEST) continue;
    if (mother.householdId === world.featuredHouseholdId) continue;
    event('condition', mother, child.birthDay - 250, HEALTH_CONCEPTS.pregnancy, 'N', 'Pregnancy confirmed; booked with midwifery.', { endDate: isoOf(child.birthDay) });
    const perinatal = child.birthDay + rng.int(20, 120);
    if (world.traits.get(mother.id)?.mentalHealth === true && perinatal <= REFERENCE_DAY && rng.chance(0.4)) {
      event('episode-of-care', mother, perinatal, HEALTH_CONCEPTS.perinatal, 'R', 'Referred to perinatal mental health team.', { service: 'Perinatal mental health' });
    }
  }

  // Shared incidents.
  for (const incident of plan.incidents) {
    if (!incident.agencies.includes('health')) continue;
    for (const [personId, role] of incident.roles) {
      const p = world.personById.get(personId);
      if (p === undefined) continue;
      switch (incident.kind) {
        case 'domestic-abuse':
          if (role === 'victim') {
            event('ae-attendance', p, incident.day, HEALTH_CONCEPTS.assault, 'R', `A&E attendance: ${incident.injury ?? 'injuries'}. Patient disclosed assault by partner at home.`, { provider: rng.pick(HOSPITALS) }, incident);
          }
          break;
        case 'injury':
          event('ae-attendance', p, incident.day, { display: incident.injury ?? 'Injury' }, 'N', `A&E attendance: ${incident.injury ?? 'injury'}; account given by parent. Safeguarding referral made.`, { provider: rng.pick(HOSPITALS) }, incident);
          break;
        case 'child-protection-plan':
          event('cp-is-flag', p, incident.day, HEALTH_CONCEPTS.cpis, 'R', 'CP-IS: child is subject to a child protection plan (local authority 382).', incident.endDay === undefined ? {} : { endDate: isoOf(incident.endDay) }, incident);
          break;
        case 'missing-person':
        case 'asb':
          break;
        default:
          incident.kind satisfies never;
      }
    }
  }
  return { patients, events, relatedPersonTruth };
}
