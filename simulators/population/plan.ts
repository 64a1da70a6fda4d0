/**
 * The true "story" of each household: domestic-abuse incidents, child-protection and
 * child-in-need plans, missing episodes, injuries and anti-social behaviour, each with the
 * agencies that came to record it.
 *
 * Why: real agencies see the same happening from different angles — a domestic incident is a
 * police log, an A&E attendance the same day and a police notification to children's social
 * care. Planning these once, before any agency view is built, lets every agency render its
 * own record of the same happening and lets the ground truth say which records are one
 * incident (chronology de-duplication).
 */
import type { Agency } from '../../src/model/agency.ts';
import { addYears, ageOn, REFERENCE_DAY } from './dates.ts';
import { createRng, deriveSeed } from './rng.ts';
import type { Rng } from './rng.ts';
import type { CpCategory, SharedIncidentKind, SocialCareEventKind } from './types.ts';
import type { World, WorldHousehold, WorldPerson } from './world.ts';

/** Role of a person in a planned incident. */
export type IncidentRole = 'victim' | 'suspect' | 'child-present' | 'missing-person' | 'subject' | 'patient';

/** A planned happening; it becomes a `SharedIncident` when two or more agencies record it. */
export interface PlannedIncident {
  readonly id: string;
  readonly kind: SharedIncidentKind;
  readonly day: number;
  readonly householdId: string;
  readonly roles: ReadonlyMap<string, IncidentRole>;
  readonly agencies: readonly Agency[];
  /** Injury / presenting complaint for health and social-care text. */
  readonly injury?: string;
  /** For CP plans: the plan's category and end day. */
  readonly category?: CpCategory;
  readonly endDay?: number;
  /** Filled in by the view builders: agency event ids that record it. */
  readonly eventIds: string[];
}

/** A children's social care episode about one child. */
export interface CareEpisode {
  readonly kind: SocialCareEventKind;
  readonly childId: string;
  readonly householdId: string;
  readonly day: number;
  readonly endDay?: number;
  readonly outcome?: string;
  readonly category?: CpCategory;
  readonly primaryNeed?: string;
  readonly legalStatus?: string;
  readonly placement?: string;
  readonly referrer?: string;
  readonly incidentId?: string;
  readonly text: string;
}

export interface Plan {
  readonly incidents: PlannedIncident[];
  readonly care: CareEpisode[];
  /** Persons health knows (decided before planning, so health-recorded incidents only involve them). */
  readonly knownToHealth: Set<string>;
}

const INJURIES_ADULT = ['bruising to face and arms', 'laceration to hand', 'head injury, no loss of consciousness', 'bruised ribs', 'facial laceration', 'wrist injury'];
const INJURIES_CHILD = ['bruising to upper arm', 'fractured wrist', 'burn to hand', 'head injury after fall', 'laceration to forehead', 'unexplained bruising to back'];

const CONTACT_OUTCOMES: readonly (readonly [string, number])[] = [
  ['No further action', 35], ['Information and advice', 20], ['Early help', 30], ['Referral to children\'s social care', 15],
];
const CONTACT_SOURCES = ['School', 'Police', 'GP', 'Health visitor', 'Anonymous', 'Neighbour', 'Housing', 'Parent'];
const CATEGORIES: readonly (readonly [CpCategory, number])[] = [['NEG', 50], ['EMO', 35], ['PHY', 8], ['SAB', 4], ['MUL', 3]];

const between = (rng: Rng, from: number, to: number): number => rng.int(Math.min(from, to), Math.max(from, to));

/** Plans every household's story. `incidentIds` numbers incidents SI00001… in order. */
export function planStories(world: World, seed: number): Plan {
  const coverage = createRng(deriveSeed(seed, 'health-coverage'));
  const knownToHealth = new Set<string>();
  for (const p of world.persons) if (p.householdId === world.featuredHouseholdId || !coverage.chance(0.015)) knownToHealth.add(p.id);

  const plan: Plan = { incidents: [], care: [], knownToHealth };
  let next = 1;
  const newIncidentId = (): string => `SI${String(next++).padStart(5, '0')}`;

  for (const [index, h] of world.households.entries()) {
    if (h.id === world.featuredHouseholdId) continue;
    const rng = createRng(deriveSeed(seed, 'story', index));
    planHousehold(world, plan, rng, h, newIncidentId);
  }
  return plan;
}

function planHousehold(world: World, plan: Plan, rng: Rng, h: WorldHousehold, newIncidentId: () => string): void {
  const members = h.memberIds.map((id) => world.personById.get(id)).filter((p): p is WorldPerson => p !== undefined);
  const children = members.filter((p) => ageOn(p.birthDay, REFERENCE_DAY) < 18);
  const female = members.find((p) => (p.role === 'parent' || p.role === 'adult') && p.sex === 'female');
  const male = members.find((p) => (p.role === 'parent' || p.role === 'step-parent' || p.role === 'adult') && p.sex === 'male');
  const partners = female !== undefined && male !== undefined && (world.relationshipsOf.get(female.id) ?? []).some((r) => r.kind === 'partner' && ((r.fromId === female.id && r.toId === male.id) || (r.fromId === male.id && r.toId === female.id)));
  const health = plan.knownToHealth;
  const push = (i: PlannedIncident): PlannedIncident => {
    plan.incidents.push(i);
    return i;
  };

  // Domestic abuse: police log; same-day A&E attendance of the victim; notification to CSC.
  if (partners) {
    const count = h.risk === 2 ? rng.int(1, 4) : h.risk === 1 ? (rng.chance(0.3) ? 1 : 0) : rng.chance(0.02) ? 1 : 0;
    const since = Math.max(male.joinedDay ?? 0, addYears(Math.max(male.birthDay, female.birthDay), 18), REFERENCE_DAY - 8 * 365);
    for (let i = 0; i < count; i++) {
      const day = between(rng, since, REFERENCE_DAY - 3);
      const femaleVictim = rng.chance(0.88);
      const victim = femaleVictim ? female : male;
      const suspect = femaleVictim ? male : female;
      const present = children.filter((c) => c.birthDay <= day);
      const roles = new Map<string, IncidentRole>([[victim.id, 'victim'], [suspect.id, 'suspect']]);
      for (const c of present) roles.set(c.id, 'child-present');
      const agencies: Agency[] = ['police'];
      if (health.has(victim.id) && rng.chance(0.55)) agencies.push('health');
      if (present.length > 0 && rng.chance(0.75)) agencies.push('social-care');
      const incident = push({ id: newIncidentId(), kind: 'domestic-abuse', day, householdId: h.id, roles, agencies, injury: rng.pick(INJURIES_ADULT), eventIds: [] });
      if (agencies.includes('social-care')) {
        for (const c of present) {
          plan.care.push({
            kind: 'contact', childId: c.id, householdId: h.id, day: day + 1, referrer: 'Police', incidentId: incident.id,
            outcome: rng.weighted(CONTACT_OUTCOMES), text: 'Police notification: domestic incident at the home address; child present.',
          });
        }
      }
    }
  }

  if (children.length === 0) return;

  // Children's social care involvement.
  const path = h.risk === 2 ? rng.weighted([['cp', 55], ['cin', 30], ['contacts', 15]] as const)
    : h.risk === 1 ? rng.weighted([['cin', 15], ['contacts', 45], ['none', 40]] as const)
      : rng.chance(0.02) ? 'contacts' : 'none';
  if (path !== 'none') {
    const contacts = rng.int(1, path === 'contacts' ? 2 : 3);
    for (let i = 0; i < contacts; i++) {
      const day = between(rng, REFERENCE_DAY - 9 * 365, REFERENCE_DAY - 20);
      const referrer = rng.pick(CONTACT_SOURCES);
      const outcome = rng.weighted(CONTACT_OUTCOMES);
      for (const c of children) {
        if (c.birthDay > day) continue;
        plan.care.push({ kind: 'contact', childId: c.id, householdId: h.id, day, referrer, outcome, text: `Contact from ${referrer.toLowerCase()} raising concerns about the care of the children.` });
      }
    }
  }
  if (path === 'cp' || path === 'cin') {
    const start = between(rng, REFERENCE_DAY - 7 * 365, REFERENCE_DAY - 40);
    const subjects = children.filter((c) => c.birthDay < start);
    if (subjects.length > 0) {
      const need = path === 'cp' ? 'N1' : rng.pick(['N3', 'N4', 'N5', 'N6', 'N7', 'N8']);
      const category = rng.weighted(CATEGORIES);
      const planStart = start + rng.int(12, 30);
      const planEnd = planStart + rng.int(150, 720);
      const open = planEnd >= REFERENCE_DAY;
      for (const c of subjects) {
        plan.care.push({ kind: 'referral', childId: c.id, householdId: h.id, day: start, primaryNeed: need, outcome: 'Assessment', text: 'Referral accepted for assessment.' });
        plan.care.push({ kind: 'assessment', childId: c.id, householdId: h.id, day: start + 2, endDay: start + rng.int(20, 44), outcome: path === 'cp' ? 'Strategy discussion' : 'CIN plan', text: 'Child and family assessment.' });
        if (path === 'cin') {
          plan.care.push({ kind: 'cin-plan', childId: c.id, householdId: h.id, day: planStart, ...(open ? {} : { endDay: planEnd }), text: 'Child in need plan.' });
          continue;
        }
        plan.care.push({ kind: 'section-47', childId: c.id, householdId: h.id, day: start + rng.int(3, 10), outcome: 'Initial child protection conference', text: 'Section 47 enquiry; concerns substantiated.' });
        const agencies: Agency[] = ['social-care'];
        if (health.has(c.id)) agencies.push('health');
        if (h.tenure === 'social-rented') agencies.push('housing');
        const incident = push({
          id: newIncidentId(), kind: 'child-protection-plan', day: planStart, householdId: h.id, roles: new Map([[c.id, 'subject']]), agencies,
          category, ...(open ? {} : { endDay: planEnd }), eventIds: [],
        });
        plan.care.push({ kind: 'cp-plan', childId: c.id, householdId: h.id, day: planStart, ...(open ? {} : { endDay: planEnd }), category, incidentId: incident.id, text: 'Child protection plan.' });
        if (rng.chance(0.12)) {
          const lac = planStart + rng.int(60, 400);
          if (lac < REFERENCE_DAY - 10) {
            const lacEnd = lac + rng.int(90, 900);
            plan.care.push({
              kind: 'looked-after', childId: c.id, householdId: h.id, day: lac, ...(lacEnd < REFERENCE_DAY ? { endDay: lacEnd } : {}),
              legalStatus: rng.pick(['C2', 'V2', 'C1']), placement: rng.pick(['U4', 'U1', 'U5', 'K2']), text: 'Became looked after.',
            });
          }
        }
      }
    }
  }

  // Missing episodes of teenagers in higher-risk households.
  for (const c of children) {
    const twelve = addYears(c.birthDay, 12);
    if (twelve > REFERENCE_DAY - 30 || h.risk === 0 || !rng.chance(h.risk === 2 ? 0.3 : 0.06)) continue;
    for (let i = rng.int(1, 3); i > 0; i--) {
      const day = between(rng, Math.max(twelve, REFERENCE_DAY - 5 * 365), REFERENCE_DAY - 2);
      const agencies: Agency[] = ['police'];
      if (rng.chance(0.7)) agencies.push('social-care');
      const incident = push({ id: newIncidentId(), kind: 'missing-person', day, householdId: h.id, roles: new Map([[c.id, 'missing-person']]), agencies, eventIds: [] });
      if (agencies.includes('social-care')) {
        plan.care.push({ kind: 'contact', childId: c.id, householdId: h.id, day, referrer: 'Police', incidentId: incident.id, outcome: 'Return home interview', text: 'Reported missing overnight; found safe. Return home interview offered.' });
      }
    }
  }

  // Injuries to young children seen at A&E and referred to CSC.
  for (const c of children) {
    if (h.risk === 0 || !health.has(c.id) || c.birthDay + 60 > REFERENCE_DAY - 2 || !rng.chance(0.12)) continue;
    const day = between(rng, Math.max(c.birthDay + 60, REFERENCE_DAY - 8 * 365), Math.min(addYears(c.birthDay, 5), REFERENCE_DAY - 2));
    if (day <= c.birthDay) continue;
    const injury = rng.pick(INJURIES_CHILD);
    const incident = push({ id: newIncidentId(), kind: 'injury', day, householdId: h.id, roles: new Map([[c.id, 'patient']]), agencies: ['health', 'social-care'], injury, eventIds: [] });
    plan.care.push({ kind: 'contact', childId: c.id, householdId: h.id, day, referrer: 'Hospital', incidentId: incident.id, outcome: rng.weighted(CONTACT_OUTCOMES), text: `Hospital referral: ${injury}; explanation inconsistent with presentation.` });
  }

  // Anti-social behaviour: police incident and housing ASB case for council tenants.
  if (h.risk > 0 && rng.chance(h.tenure === 'social-rented' ? 0.25 : 0.08)) {
    const subject = rng.pick(members.filter((p) => ageOn(p.birthDay, REFERENCE_DAY) >= 13));
    for (let i = rng.int(1, 2); i > 0; i--) {
      const day = between(rng, Math.max(addYears(subject.birthDay, 13), REFERENCE_DAY - 6 * 365), REFERENCE_DAY - 2);
      const agencies: Agency[] = h.tenure === 'social-rented' ? ['police', 'housing'] : ['police'];
      push({ id: newIncidentId(), kind: 'asb', day, householdId: h.id, roles: new Map([[subject.id, 'subject']]), agencies, eventIds: [] });
    }
  }
}
