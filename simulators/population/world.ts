/**
 * The true world behind the agency views: households, people, relationships, addresses and
 * moves, plus hidden traits (offending, mental health, schooling) that drive what agencies
 * later record.
 *
 * Why separate from the views: the ground truth must exist before any agency "sees" it, so
 * that every agency record and event can be traced back to a true person and happening.
 * Identifiers come from one shared stream to stay unique; households are generated in
 * households.ts, each from its own stream.
 */
import { isoOf } from './dates.ts';
import { createIdAllocator, makePncId, makeUpn, nhsCheckDigit, randomInward } from './identifiers.ts';
import type { IdAllocator } from './identifiers.ts';
import type { School } from './names.ts';
import { LA_CODE, STREET_STEMS, STREET_TYPES, TOWNS } from './names.ts';
import { createRng, deriveSeed } from './rng.ts';
import type { Rng } from './rng.ts';
import type {
  AddressPeriod, Household, HouseholdRole, SenStatus, Tenure, TrueAddress, TruePerson, TrueRelationship, TrueSex,
} from './types.ts';

/** Hidden traits of a person that shape agency records. */
export interface PersonTraits {
  offender: boolean;
  mentalHealth: boolean;
  substanceMisuse: boolean;
  asthma: boolean;
  sen: SenStatus;
  /** 0 low, 1 some concerns, 2 high (copied from the household). */
  risk: 0 | 1 | 2;
}

/** A school placement (true). */
export interface SchoolSpell {
  readonly school: School;
  readonly from: number;
  readonly to?: number;
}

export type HouseholdKind = 'couple-children' | 'single-parent' | 'step-family' | 'three-generation' | 'couple' | 'single' | 'elderly' | 'featured';

/** A household during and after generation. */
export interface WorldHousehold {
  id: string;
  kind: HouseholdKind;
  tenure: Tenure;
  risk: 0 | 1 | 2;
  memberIds: string[];
  addressHistory: AddressPeriod[];
}

/** A person during generation (mutable), converted to `TruePerson` at the end. */
export interface WorldPerson {
  id: string;
  householdId: string;
  role: HouseholdRole;
  givenNames: string[];
  familyName: string;
  birthFamilyName?: string;
  otherFamilyNames: string[];
  sex: TrueSex;
  birthDay: number;
  birthDate: string;
  nhsNumber: string;
  upn?: string;
  pncId?: string;
  addressHistory: AddressPeriod[];
  /** Day they joined the household (step-parents, lodgers, grandparents). */
  joinedDay?: number;
}

/** The whole true world with lookup indexes. */
export interface World {
  readonly addresses: TrueAddress[];
  readonly addressByUprn: Map<string, TrueAddress>;
  readonly households: WorldHousehold[];
  readonly householdById: Map<string, WorldHousehold>;
  readonly persons: WorldPerson[];
  readonly personById: Map<string, WorldPerson>;
  readonly relationships: TrueRelationship[];
  /** Relationships by `toId` and by either end (filled by `relate`). */
  readonly relationshipsTo: Map<string, TrueRelationship[]>;
  readonly relationshipsOf: Map<string, TrueRelationship[]>;
  readonly traits: Map<string, PersonTraits>;
  readonly schooling: Map<string, SchoolSpell[]>;
  /** Shared allocator for every agency-local id, so ids never collide across kinds. */
  readonly ids: IdAllocator;
  /** Shared identifier stream (NHS numbers, UPRNs, UPN serials, PNC serials). */
  readonly idRng: Rng;
  readonly featuredHouseholdId: string;
  nextPersonNumber: number;
  readonly usedNhs: Set<string>;
  readonly usedUprn: Set<string>;
  readonly usedUpn: Set<string>;
  readonly usedPnc: Set<string>;
}

// ---------------------------------------------------------------------------------------------

/** An empty world whose id streams derive from the seed. */
export function createWorld(seed: number, featuredHouseholdId: string): World {
  const idRng = createRng(deriveSeed(seed, 'identifiers'));
  return {
    addresses: [],
    addressByUprn: new Map(),
    households: [],
    householdById: new Map(),
    persons: [],
    personById: new Map(),
    relationships: [],
    relationshipsTo: new Map(),
    relationshipsOf: new Map(),
    traits: new Map(),
    schooling: new Map(),
    ids: createIdAllocator(createRng(deriveSeed(seed, 'record-ids'))),
    idRng,
    featuredHouseholdId,
    nextPersonNumber: 1,
    usedNhs: new Set(),
    usedUprn: new Set(),
    usedUpn: new Set(),
    usedPnc: new Set(),
  };
}

/** A fresh synthetic NHS number in the 999 test range. */
export function drawNhsNumber(world: World): string {
  for (;;) {
    const first9 = `999${String(world.idRng.int(0, 999_999)).padStart(6, '0')}`;
    const check = nhsCheckDigit(first9);
    if (check === undefined) continue;
    const nhs = `${first9}${check}`;
    if (!world.usedNhs.has(nhs)) {
      world.usedNhs.add(nhs);
      return nhs;
    }
  }
}

function drawUprn(world: World): string {
  for (;;) {
    const uprn = `1000${String(world.idRng.int(0, 99_999_999)).padStart(8, '0')}`;
    if (!world.usedUprn.has(uprn)) {
      world.usedUprn.add(uprn);
      return uprn;
    }
  }
}

export function drawUpn(world: World, school: School, allocationYear: number): string {
  for (;;) {
    const upn = makeUpn(LA_CODE, school.establishment, allocationYear % 100, world.idRng.int(1, 999));
    if (!world.usedUpn.has(upn)) {
      world.usedUpn.add(upn);
      return upn;
    }
  }
}

export function drawPnc(world: World, year: number): string {
  for (;;) {
    const pnc = makePncId(year % 100, world.idRng.int(1, 999_999));
    if (!world.usedPnc.has(pnc)) {
      world.usedPnc.add(pnc);
      return pnc;
    }
  }
}

/** Adds an address to the world. */
export function addAddress(world: World, address: TrueAddress): TrueAddress {
  world.addresses.push(address);
  world.addressByUprn.set(address.uprn, address);
  world.usedUprn.add(address.uprn);
  return address;
}

export function newAddress(world: World, rng: Rng, tenure: Tenure): TrueAddress {
  const town = rng.weighted(TOWNS.map((t) => [t, t.weight] as const));
  const district = rng.pick(town.districts);
  const street = `${rng.pick(STREET_STEMS)} ${rng.pick(STREET_TYPES)}`;
  const number = rng.int(1, 160);
  const flat = tenure !== 'owner-occupied' && rng.chance(0.3);
  return addAddress(world, {
    uprn: drawUprn(world),
    houseNumber: flat ? `Flat ${rng.int(1, 12)}, ${number}` : String(number),
    street,
    town: town.town,
    postcode: `${district} ${randomInward(rng)}`,
    tenure,
  });
}

/** Adds a person to the world, with traits. */
export function addPerson(world: World, person: WorldPerson, traits: PersonTraits): WorldPerson {
  world.persons.push(person);
  world.personById.set(person.id, person);
  world.traits.set(person.id, traits);
  return person;
}

export function relate(world: World, rel: TrueRelationship): void {
  world.relationships.push(rel);
  const push = (map: Map<string, TrueRelationship[]>, key: string): void => {
    const list = map.get(key);
    if (list === undefined) map.set(key, [rel]);
    else list.push(rel);
  };
  push(world.relationshipsTo, rel.toId);
  push(world.relationshipsOf, rel.fromId);
  push(world.relationshipsOf, rel.toId);
}

/** Relationships whose `toId` is the person ("who is parent / step-parent / grandparent of …"). */
export function relationshipsTo(world: World, personId: string): readonly TrueRelationship[] {
  return world.relationshipsTo.get(personId) ?? [];
}

/** Sibling links among full siblings (stored once per pair). */
export function relateSiblings(world: World, children: readonly WorldPerson[]): void {
  for (let i = 0; i < children.length; i++) {
    for (let j = i + 1; j < children.length; j++) {
      const a = children[i];
      const b = children[j];
      if (a !== undefined && b !== undefined) relate(world, { kind: 'sibling', fromId: a.id, toId: b.id });
    }
  }
}

/** The person's address on a day (undefined before their first period). */
export function addressOn(world: World, person: { addressHistory: readonly AddressPeriod[] }, day: number): TrueAddress | undefined {
  const iso = isoOf(day);
  for (const period of person.addressHistory) {
    if (period.from <= iso && (period.to === undefined || iso < period.to)) return world.addressByUprn.get(period.uprn);
  }
  return undefined;
}

/** Current address. */
export function currentAddress(world: World, person: { addressHistory: readonly AddressPeriod[] }): TrueAddress | undefined {
  const last = person.addressHistory[person.addressHistory.length - 1];
  return last === undefined ? undefined : world.addressByUprn.get(last.uprn);
}

/** A previous address, when the person has one. */
export function previousAddress(world: World, rng: Rng, person: { addressHistory: readonly AddressPeriod[] }): TrueAddress | undefined {
  if (person.addressHistory.length < 2) return undefined;
  const period = rng.pick(person.addressHistory.slice(0, -1));
  return world.addressByUprn.get(period.uprn);
}

/** Freezes a world person into the public `TruePerson` shape (stable key order). */
export function toTruePerson(p: WorldPerson): TruePerson {
  return {
    id: p.id,
    householdId: p.householdId,
    role: p.role,
    givenNames: p.givenNames,
    familyName: p.familyName,
    ...(p.birthFamilyName === undefined ? {} : { birthFamilyName: p.birthFamilyName }),
    otherFamilyNames: p.otherFamilyNames,
    sex: p.sex,
    birthDate: p.birthDate,
    nhsNumber: p.nhsNumber,
    ...(p.upn === undefined ? {} : { upn: p.upn }),
    ...(p.pncId === undefined ? {} : { pncId: p.pncId }),
    addressHistory: p.addressHistory,
  };
}

/** Freezes a world household into the public `Household` shape. */
export function toHousehold(h: WorldHousehold): Household {
  return { id: h.id, memberIds: h.memberIds, addressHistory: h.addressHistory, tenure: h.tenure };
}
