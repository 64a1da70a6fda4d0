/**
 * One generated household of the true world: its kind, tenure and risk, its members and how
 * they are related, its moves and each member's address periods, the schooling of its children
 * and the police numbers of its offenders.
 *
 * Why this file exists: generating a household is the bulk of the world's rules (household
 * shapes, ages, surnames, moves); the world itself (world.ts) only holds what they produce and
 * hands out identifiers. Each household is drawn from its own PRNG stream (seed × household
 * index), so household n is the same whatever the population size.
 */
import { addYears, ageOn, dayOf, dayOfYmd, isoOf, receptionStart, REFERENCE_DAY } from './dates.ts';
import { ADULT_FEMALE, ADULT_MALE, CHILD_FEMALE, CHILD_MALE, ELDER_FEMALE, ELDER_MALE, SCHOOLS, SURNAMES } from './names.ts';
import { createRng, deriveSeed } from './rng.ts';
import type { Rng } from './rng.ts';
import type { AddressPeriod, HouseholdRole, Tenure, TrueSex } from './types.ts';
import {
  addPerson, drawNhsNumber, drawPnc, drawUpn, newAddress, relate, relateSiblings, type HouseholdKind, type PersonTraits, type SchoolSpell, type World,
  type WorldHousehold, type WorldPerson,
} from './world.ts';
// ---------------------------------------------------------------------------------------------

const KIND_WEIGHTS: readonly (readonly [HouseholdKind, number])[] = [
  ['couple-children', 30], ['single-parent', 14], ['step-family', 10], ['three-generation', 4],
  ['couple', 15], ['single', 18], ['elderly', 9],
];

function tenureFor(rng: Rng, kind: HouseholdKind): Tenure {
  switch (kind) {
    case 'single-parent':
    case 'step-family':
      return rng.weighted([['social-rented', 42], ['private-rented', 33], ['owner-occupied', 25]]);
    case 'couple-children':
    case 'three-generation':
    case 'featured':
      return rng.weighted([['owner-occupied', 58], ['private-rented', 20], ['social-rented', 22]]);
    case 'couple':
    case 'single':
      return rng.weighted([['owner-occupied', 45], ['private-rented', 32], ['social-rented', 23]]);
    case 'elderly':
      return rng.weighted([['owner-occupied', 70], ['social-rented', 25], ['private-rented', 5]]);
    default:
      return kind satisfies never;
  }
}

function riskFor(rng: Rng, kind: HouseholdKind, tenure: Tenure): 0 | 1 | 2 {
  const hasChildren = kind === 'couple-children' || kind === 'single-parent' || kind === 'step-family' || kind === 'three-generation';
  if (!hasChildren) return rng.chance(0.05) ? 1 : 0;
  let high = 0.07;
  let some = 0.18;
  if (kind === 'single-parent' || kind === 'step-family') {
    high += 0.06;
    some += 0.06;
  }
  if (tenure === 'social-rented') {
    high += 0.05;
    some += 0.05;
  }
  const r = rng.next();
  return r < high ? 2 : r < high + some ? 1 : 0;
}

/** A day uniformly between two days (inclusive). */
const between = (rng: Rng, from: number, to: number): number => rng.int(Math.min(from, to), Math.max(from, to));

function givenFor(rng: Rng, sex: TrueSex, birthDay: number): string[] {
  const year = isoOf(birthDay).slice(0, 4);
  const y = Number(year);
  const pool = y >= 2005 ? (sex === 'male' ? CHILD_MALE : CHILD_FEMALE) : y >= 1962 ? (sex === 'male' ? ADULT_MALE : ADULT_FEMALE) : sex === 'male' ? ELDER_MALE : ELDER_FEMALE;
  const first = rng.weighted(pool);
  if (!rng.chance(0.55)) return [first];
  let middle = rng.weighted(pool);
  if (middle === first) middle = rng.weighted(pool);
  return middle === first ? [first] : [first, middle];
}

/** Builds a person with traits. Identifiers are drawn here; UPN and PNC afterwards. */
function makePerson(world: World, rng: Rng, h: WorldHousehold, spec: { role: HouseholdRole; sex: TrueSex; birthDay: number; family: string; birthFamily?: string; otherFamilies?: string[] }): WorldPerson {
  const id = `P${String(world.nextPersonNumber++).padStart(6, '0')}`;
  const otherFamilyNames = (spec.otherFamilies ?? []).filter((f) => f !== spec.family);
  const person: WorldPerson = {
    id,
    householdId: h.id,
    role: spec.role,
    givenNames: givenFor(rng, spec.sex, spec.birthDay),
    familyName: spec.family,
    ...(spec.birthFamily !== undefined && spec.birthFamily !== spec.family ? { birthFamilyName: spec.birthFamily } : {}),
    otherFamilyNames: [...new Set(otherFamilyNames)],
    sex: spec.sex,
    birthDay: spec.birthDay,
    birthDate: isoOf(spec.birthDay),
    nhsNumber: drawNhsNumber(world),
    addressHistory: [],
  };
  const adult = ageOn(spec.birthDay, REFERENCE_DAY) >= 18;
  const riskBoost = h.risk === 2 ? 3 : h.risk === 1 ? 1.8 : 1;
  const traits: PersonTraits = {
    offender: adult ? rng.chance((spec.sex === 'male' ? 0.07 : 0.02) * riskBoost * (h.risk === 2 && spec.sex === 'male' ? 2 : 1)) : false,
    mentalHealth: rng.chance(0.08 * riskBoost),
    substanceMisuse: adult && rng.chance(0.03 * riskBoost),
    asthma: rng.chance(0.1),
    sen: adult ? 'none' : rng.weighted([['none', 84 / riskBoost], ['sen-support', 13], ['ehc-plan', 3]]),
    risk: h.risk,
  };
  addPerson(world, person, traits);
  h.memberIds.push(id);
  return person;
}

/** Children of one mother, spaced 1–5 years, none after the reference date. */
function childBirthDays(rng: Rng, motherBirthDay: number, count: number, earliest?: number): number[] {
  const days: number[] = [];
  let day = Math.max(addYears(motherBirthDay, rng.int(18, 30)), earliest ?? 0);
  for (let i = 0; i < count; i++) {
    if (day > REFERENCE_DAY - 30) break;
    days.push(day);
    day += rng.int(365, 365 * 5);
  }
  return days;
}

/** One generated household (not the featured one). */
export function generateHousehold(world: World, seed: number, index: number): void {
  const rng = createRng(deriveSeed(seed, 'household', index));
  const kind = rng.weighted(KIND_WEIGHTS);
  const tenure = tenureFor(rng, kind);
  const h: WorldHousehold = { id: `H${String(index + 1).padStart(5, '0')}`, kind, tenure, risk: riskFor(rng, kind, tenure), memberIds: [], addressHistory: [] };
  world.households.push(h);
  world.householdById.set(h.id, h);

  const s1 = rng.weighted(SURNAMES);
  let s2 = rng.weighted(SURNAMES);
  while (s2 === s1) s2 = rng.weighted(SURNAMES);
  let s3 = rng.weighted(SURNAMES);
  while (s3 === s1 || s3 === s2) s3 = rng.weighted(SURNAMES);
  const children: WorldPerson[] = [];
  const parent = (p: WorldPerson, child: WorldPerson, pr = true): void => relate(world, { kind: 'parent', fromId: p.id, toId: child.id, parentalResponsibility: pr });

  const childSex = (): TrueSex => (rng.chance(0.51) ? 'male' : 'female');
  const adultBirth = (minAge: number, maxAge: number): number => between(rng, addYears(REFERENCE_DAY, -maxAge), addYears(REFERENCE_DAY, -minAge));

  switch (kind) {
    case 'couple-children':
    case 'three-generation': {
      const fatherBirth = adultBirth(24, 55);
      const motherBirth = fatherBirth + rng.int(-4 * 365, 3 * 365);
      const married = rng.chance(0.7);
      const father = makePerson(world, rng, h, { role: 'parent', sex: 'male', birthDay: fatherBirth, family: s1 });
      const mother = makePerson(world, rng, h, {
        role: 'parent', sex: 'female', birthDay: motherBirth, family: married ? s1 : s2, birthFamily: s2,
        otherFamilies: married ? [s2] : [s1],
      });
      relate(world, { kind: 'partner', fromId: father.id, toId: mother.id });
      const hyphen = !married && rng.chance(0.15);
      for (const day of childBirthDays(rng, motherBirth, rng.weighted([[1, 35], [2, 40], [3, 18], [4, 7]]))) {
        const c = makePerson(world, rng, h, { role: 'child', sex: childSex(), birthDay: day, family: hyphen ? `${s2}-${s1}` : s1, otherFamilies: hyphen ? [s1, s2] : [] });
        parent(father, c);
        parent(mother, c);
        children.push(c);
      }
      if (kind === 'three-generation') {
        const gran = makePerson(world, rng, h, { role: 'grandparent', sex: rng.chance(0.75) ? 'female' : 'male', birthDay: addYears(motherBirth, -rng.int(20, 32)), family: s2 });
        gran.joinedDay = between(rng, REFERENCE_DAY - 6 * 365, REFERENCE_DAY - 90);
        relate(world, { kind: 'parent', fromId: gran.id, toId: mother.id, parentalResponsibility: false });
        relate(world, { kind: 'household-member', fromId: gran.id, toId: father.id });
        for (const c of children) relate(world, { kind: 'grandparent', fromId: gran.id, toId: c.id });
      }
      break;
    }
    case 'single-parent': {
      const mum = rng.chance(0.9);
      const pBirth = adultBirth(19, 50);
      const previouslyMarried = rng.chance(0.4);
      const p = makePerson(world, rng, h, {
        role: 'parent', sex: mum ? 'female' : 'male', birthDay: pBirth,
        family: mum && previouslyMarried ? s1 : s2, birthFamily: s2, otherFamilies: mum && previouslyMarried ? [s2] : [],
      });
      const childFamily = mum && !previouslyMarried && rng.chance(0.5) ? s2 : s1;
      for (const day of childBirthDays(rng, mum ? pBirth : pBirth + rng.int(0, 5 * 365), rng.weighted([[1, 45], [2, 35], [3, 15], [4, 5]]))) {
        const c = makePerson(world, rng, h, { role: 'child', sex: childSex(), birthDay: day, family: childFamily });
        parent(p, c);
        children.push(c);
      }
      break;
    }
    case 'step-family': {
      const motherBirth = adultBirth(22, 48);
      // Older children were born before the step-parent arrived, at least two years ago.
      let olderBirths = childBirthDays(rng, motherBirth, rng.weighted([[1, 45], [2, 40], [3, 15]])).filter((d) => d < REFERENCE_DAY - 730);
      if (olderBirths.length === 0) olderBirths = [between(rng, addYears(motherBirth, 18), REFERENCE_DAY - 730)];
      const lastOlder = olderBirths[olderBirths.length - 1] ?? motherBirth + 20 * 365;
      const joined = between(rng, Math.max(lastOlder + 180, REFERENCE_DAY - 9 * 365), REFERENCE_DAY - 120);
      const motherStyle = rng.weighted([['step', 40], ['prev', 40], ['own', 20]] as const);
      const motherFamily = motherStyle === 'step' ? s3 : motherStyle === 'prev' ? s1 : s2;
      const mother = makePerson(world, rng, h, {
        role: 'parent', sex: 'female', birthDay: motherBirth, family: motherFamily, birthFamily: s2,
        otherFamilies: [s1, s2, s3, `${s1}-${s3}`],
      });
      const step = makePerson(world, rng, h, { role: 'step-parent', sex: 'male', birthDay: motherBirth + rng.int(-6 * 365, 3 * 365), family: s3 });
      step.joinedDay = joined;
      relate(world, { kind: 'partner', fromId: mother.id, toId: step.id });
      const older: WorldPerson[] = [];
      for (const day of olderBirths) {
        const c = makePerson(world, rng, h, { role: 'child', sex: childSex(), birthDay: day, family: s1, otherFamilies: [`${s1}-${s3}`, s3] });
        parent(mother, c);
        relate(world, { kind: 'step-parent', fromId: step.id, toId: c.id, parentalResponsibility: rng.chance(0.2) });
        older.push(c);
      }
      const younger: WorldPerson[] = [];
      if (rng.chance(0.5)) {
        for (const day of childBirthDays(rng, motherBirth, rng.int(1, 2), joined + 300)) {
          const c = makePerson(world, rng, h, { role: 'child', sex: childSex(), birthDay: day, family: s3 });
          parent(mother, c);
          parent(step, c);
          younger.push(c);
        }
      }
      for (const a of older) for (const b of younger) relate(world, { kind: 'half-sibling', fromId: a.id, toId: b.id });
      relateSiblings(world, older);
      relateSiblings(world, younger);
      children.push(...older, ...younger);
      break;
    }
    case 'couple': {
      const aBirth = adultBirth(19, 75);
      const a = makePerson(world, rng, h, { role: 'adult', sex: 'male', birthDay: aBirth, family: s1 });
      const married = rng.chance(0.55);
      const b = makePerson(world, rng, h, { role: 'adult', sex: 'female', birthDay: Math.min(aBirth + rng.int(-5 * 365, 3 * 365), addYears(REFERENCE_DAY, -18)), family: married ? s1 : s2, birthFamily: s2, otherFamilies: married ? [s2] : [] });
      relate(world, { kind: 'partner', fromId: a.id, toId: b.id });
      break;
    }
    case 'single':
      makePerson(world, rng, h, { role: 'adult', sex: rng.chance(0.52) ? 'male' : 'female', birthDay: adultBirth(18, 85), family: s1 });
      break;
    case 'elderly': {
      const aBirth = adultBirth(66, 92);
      const a = makePerson(world, rng, h, { role: 'adult', sex: rng.chance(0.45) ? 'male' : 'female', birthDay: aBirth, family: s1 });
      if (rng.chance(0.5)) {
        const b = makePerson(world, rng, h, { role: 'adult', sex: a.sex === 'male' ? 'female' : 'male', birthDay: aBirth + rng.int(-4 * 365, 4 * 365), family: s1, birthFamily: s2, otherFamilies: [s2] });
        relate(world, { kind: 'partner', fromId: a.id, toId: b.id });
      }
      break;
    }
    case 'featured':
      throw new Error('the featured household is built by featured.ts');
    default:
      kind satisfies never;
  }
  if (kind === 'couple-children' || kind === 'three-generation' || kind === 'single-parent') relateSiblings(world, children);

  // Lodger in a few households.
  if (kind !== 'elderly' && rng.chance(0.03)) {
    const adults = h.memberIds.slice();
    const lodger = makePerson(world, rng, h, { role: 'lodger', sex: rng.chance(0.6) ? 'male' : 'female', birthDay: adultBirth(20, 60), family: rng.weighted(SURNAMES) });
    lodger.joinedDay = between(rng, REFERENCE_DAY - 4 * 365, REFERENCE_DAY - 60);
    for (const other of adults) relate(world, { kind: 'household-member', fromId: lodger.id, toId: other });
  }

  buildAddressHistory(world, rng, h);
  assignSchooling(world, rng, h);
  assignPnc(world, rng, h);
}



/** Household moves and each member's address periods (clipped to birth / joining). */
function buildAddressHistory(world: World, rng: Rng, h: WorldHousehold): void {
  const moves = rng.weighted([[0, 40], [1, 33], [2, 19], [3, 8]]);
  let from = between(rng, REFERENCE_DAY - 12 * 365, REFERENCE_DAY - 60);
  const periods: AddressPeriod[] = [{ uprn: newAddress(world, rng, h.tenure).uprn, from: isoOf(from) }];
  for (let i = 0; i < moves; i++) {
    const to = from;
    from = to - rng.int(365, 6 * 365);
    const tenure = rng.weighted([['owner-occupied', 35], ['private-rented', 40], ['social-rented', 25]] as const);
    periods.unshift({ uprn: newAddress(world, rng, tenure).uprn, from: isoOf(from), to: isoOf(to) });
  }
  h.addressHistory = periods;
  for (const id of h.memberIds) {
    const p = world.personById.get(id);
    if (p === undefined) continue;
    const start = Math.max(p.birthDay, p.joinedDay ?? p.birthDay);
    const own: AddressPeriod[] = [];
    if (p.joinedDay !== undefined) {
      const priorFrom = Math.max(p.joinedDay - rng.int(365, 8 * 365), addYears(p.birthDay, 18));
      const tenure = rng.chance(0.7) ? 'private-rented' : 'social-rented';
      if (priorFrom < p.joinedDay) own.push({ uprn: newAddress(world, rng, tenure).uprn, from: isoOf(priorFrom), to: isoOf(p.joinedDay) });
    }
    for (const period of periods) {
      const pTo = period.to === undefined ? undefined : dayOf(period.to);
      if (pTo !== undefined && pTo <= start) continue;
      own.push({ uprn: period.uprn, from: isoOf(Math.max(dayOf(period.from), start)), ...(period.to === undefined ? {} : { to: period.to }) });
    }
    p.addressHistory = own;
  }
}

/** Schools (true) and UPNs for children of school age on the reference date. */
export function assignSchooling(world: World, rng: Rng, h: WorldHousehold): void {
  const primaries = SCHOOLS.filter((s) => s.phase === 'primary');
  const secondaries = SCHOOLS.filter((s) => s.phase === 'secondary');
  const householdPrimary = rng.pick(primaries);
  const householdSecondary = rng.pick(secondaries);
  for (const id of h.memberIds) {
    const p = world.personById.get(id);
    if (p === undefined || p.role !== 'child') continue;
    const start = receptionStart(p.birthDay);
    const secondaryStart = dayOfYmd(Number(isoOf(start).slice(0, 4)) + 7, 9, 1);
    const leaving = dayOfYmd(Number(isoOf(start).slice(0, 4)) + 12, 7, 22);
    // School age on the reference date: reception (started) to Year 11 (not yet left).
    if (start > REFERENCE_DAY || leaving < REFERENCE_DAY) continue;
    const spells: SchoolSpell[] = [];
    const movedPrimary = rng.chance(0.15);
    if (movedPrimary && Math.min(secondaryStart, REFERENCE_DAY) - start > 400) {
      const change = between(rng, start + 200, Math.min(secondaryStart, REFERENCE_DAY) - 100);
      const first = rng.pick(primaries.filter((s) => s !== householdPrimary));
      spells.push({ school: first, from: start, to: change }, { school: householdPrimary, from: change, ...(secondaryStart <= REFERENCE_DAY ? { to: secondaryStart - 40 } : {}) });
    } else {
      spells.push({ school: householdPrimary, from: start, ...(secondaryStart <= REFERENCE_DAY ? { to: secondaryStart - 40 } : {}) });
    }
    if (secondaryStart <= REFERENCE_DAY) spells.push({ school: householdSecondary, from: secondaryStart });
    world.schooling.set(p.id, spells);
    const firstSchool = spells[0]?.school ?? householdPrimary;
    p.upn = drawUpn(world, firstSchool, Number(isoOf(start).slice(0, 4)));
  }
}

/** PNC ids for offenders (adults, and a few teenagers in high-risk households). */
export function assignPnc(world: World, rng: Rng, h: WorldHousehold): void {
  for (const id of h.memberIds) {
    const p = world.personById.get(id);
    const t = world.traits.get(id);
    if (p === undefined || t === undefined) continue;
    const age = ageOn(p.birthDay, REFERENCE_DAY);
    if (!t.offender && age >= 14 && age < 18 && h.risk === 2 && rng.chance(0.2)) t.offender = true;
    if (!t.offender) continue;
    const firstYear = Number(isoOf(addYears(p.birthDay, Math.max(14, rng.int(15, Math.max(16, Math.min(age, 40)))))).slice(0, 4));
    p.pncId = drawPnc(world, Math.min(firstYear, 2026));
  }
}

