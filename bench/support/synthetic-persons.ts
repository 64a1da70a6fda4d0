/**
 * A fast synthetic population for the person-index benchmark: a million persons in households,
 * and noisy query records of them.
 *
 * Why our own and not `generatePopulation`: that generator builds five agency views, stories
 * and ground truth for a few thousand households — right for the simulators, far too slow and
 * too narrow in names for a million persons. Blocking behaves at scale only if the name and
 * date distributions look like a real population's: a head of common surnames and given names
 * (the population's own West Yorkshire catalogues, so "Smith" is about 1 % of people and "Smith
 * born 2017" a block of well over a hundred at a million persons), a long tail of rarer names,
 * households sharing a surname, an address and a postcode (about fifteen households a
 * postcode), and ages from newborns to the very old. Everything is synthetic and seeded; NHS
 * numbers come from the 999 test range with valid check digits.
 */
import { swapDayMonth } from '../../simulators/population/dates.ts';
import { nhsCheckDigit } from '../../simulators/population/identifiers.ts';
import { ADULT_FEMALE, ADULT_MALE, CHILD_FEMALE, CHILD_MALE, ELDER_FEMALE, ELDER_MALE, NICKNAMES, STREET_STEMS, STREET_TYPES, SURNAMES, TOWNS } from '../../simulators/population/names.ts';
import { typo } from '../../simulators/population/noise.ts';
import { createRng, type Rng } from '../../simulators/population/rng.ts';
import type { IndexedRecord } from '../../src/model/person-index.ts';

/** One synthetic person as the index files them. */
export interface SyntheticPerson {
  /** 0-based position in generation order. */
  readonly index: number;
  readonly record: IndexedRecord;
}

type Pool = readonly (readonly [string, number])[];

/** Weighted sampling in O(log n): cumulative weights and a binary search. */
function sampler(pool: Pool): (rng: Rng) => string {
  const names = pool.map(([n]) => n);
  const cumulative: number[] = [];
  let total = 0;
  for (const [, w] of pool) cumulative.push((total += w));
  return (rng) => {
    const r = rng.next() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cumulative[mid] ?? 0) > r) hi = mid;
      else lo = mid + 1;
    }
    return names[lo] ?? '';
  };
}

const ONSETS = 'B Br C Ch Cl D Dr F G Gr H J K L M N P R S Sh St T Th W Wh Y'.split(' ');
const VOWELS = 'a e i o u ai ea oo ou y'.split(' ');
const CODAS = 'b ck d dge ff g ll m n nd ng p r rd rn rt s ss st t tt w x'.split(' ');
const SURNAME_ENDINGS = 'ley ton worth wood field ford by ham well son er man s croft shaw more ridge lock ington den'.split(' ');
const GIVEN_ENDINGS = 'a ie o an en in on el er ette ina iel us ah'.split(' ');

/** A long tail of invented surnames and given names, so blocks of rarer names stay small. */
function tail(rng: Rng, endings: readonly string[], count: number): string[] {
  const names = new Set<string>();
  while (names.size < count) names.add(`${rng.pick(ONSETS)}${rng.pick(VOWELS)}${rng.pick(CODAS)}${rng.pick(endings)}`);
  return [...names];
}

/** Options of the generator. */
export interface PopulationShape {
  readonly seed: number;
  /** Share of surnames drawn from the common catalogue (the rest from the tail). */
  readonly commonSurnames?: number;
  /** Share of given names drawn from the catalogues (the rest from the tail). */
  readonly commonGiven?: number;
}

const REFERENCE_YEAR = 2026;
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** A generator of households, deterministic for its seed. */
export function createPersonGenerator(shape: PopulationShape): {
  /** The next household's persons (1–6), with consecutive indexes. */
  nextHousehold(): SyntheticPerson[];
  readonly generated: () => number;
} {
  const rng = createRng(shape.seed);
  const surnameTail = tail(createRng(shape.seed ^ 0x5eed), SURNAME_ENDINGS, 25_000);
  const givenTail = tail(createRng(shape.seed ^ 0x6173), GIVEN_ENDINGS, 6_000);
  const commonSurname = sampler(SURNAMES);
  const given = {
    child: { male: sampler(CHILD_MALE), female: sampler(CHILD_FEMALE) },
    adult: { male: sampler(ADULT_MALE), female: sampler(ADULT_FEMALE) },
    elder: { male: sampler(ELDER_MALE), female: sampler(ELDER_FEMALE) },
  };
  const town = sampler(TOWNS.map((t) => [t.town, t.weight] as const));
  const districtsOf = new Map(TOWNS.map((t) => [t.town, t.districts]));
  const commonSurnames = shape.commonSurnames ?? 0.35;
  const commonGiven = shape.commonGiven ?? 0.6;

  let index = 0;
  let uprn = 100_090_000_000;
  let nhsSerial = 0;
  // The current postcode unit: one street, about fifteen households.
  let unit = { postcode: '', town: '', street: '', left: 0, number: 0 };

  const surname = (): string => (rng.chance(commonSurnames) ? commonSurname(rng) : rng.pick(surnameTail));
  const firstName = (age: number, sex: 'male' | 'female'): string => {
    if (!rng.chance(commonGiven)) return rng.pick(givenTail);
    const pools = age < 18 ? given.child : age < 60 ? given.adult : given.elder;
    return pools[sex](rng);
  };
  const birthDate = (age: number): string => {
    const year = REFERENCE_YEAR - age - (rng.chance(0.5) ? 1 : 0);
    const month = rng.int(1, 12);
    const day = rng.int(1, month === 2 ? 28 : [4, 6, 9, 11].includes(month) ? 30 : 31);
    return `${year}-${pad2(month)}-${pad2(day)}`;
  };
  const nhsNumber = (): string => {
    for (;;) {
      const first9 = `999${String(nhsSerial++).padStart(6, '0')}`.slice(-9);
      const check = nhsCheckDigit(first9);
      if (check !== undefined) return `${first9}${check}`;
    }
  };
  const newUnit = (): void => {
    const t = town(rng);
    const district = rng.pick(districtsOf.get(t) ?? ['HD1']);
    const inward = `${rng.int(0, 9)}${String.fromCharCode(65 + rng.int(0, 25))}${String.fromCharCode(65 + rng.int(0, 25))}`;
    unit = { postcode: `${district} ${inward}`, town: t, street: `${rng.pick(STREET_STEMS)} ${rng.pick(STREET_TYPES)}`, left: rng.int(8, 22), number: 0 };
  };

  const person = (age: number, sex: 'male' | 'female', family: string, address: { lines: string[]; postcode: string; town: string; uprn: string }): SyntheticPerson => {
    const first = firstName(age, sex);
    const middle = rng.chance(0.5) ? [firstName(age, sex)] : [];
    const record: IndexedRecord = {
      id: `S${index}`,
      given: [first, ...middle],
      family,
      birthDate: birthDate(age),
      sex,
      addressLines: address.lines,
      postcode: address.postcode,
      town: address.town,
      ...(rng.chance(0.4) ? { uprn: address.uprn } : {}),
      ...(rng.chance(0.6) ? { nhsNumber: nhsNumber() } : {}),
    };
    return { index: index++, record };
  };

  return {
    generated: () => index,
    nextHousehold() {
      if (unit.left <= 0) newUnit();
      unit.left -= 1;
      unit.number += rng.int(1, 3);
      const address = { lines: [`${unit.number} ${unit.street}`], postcode: unit.postcode, town: unit.town, uprn: String(uprn++) };
      const family = surname();
      const sexOf = (): 'male' | 'female' => (rng.chance(0.5) ? 'male' : 'female');
      const kind = rng.next();
      const out: SyntheticPerson[] = [];
      if (kind < 0.22) {
        out.push(person(rng.int(18, 90), sexOf(), family, address));
      } else if (kind < 0.4) {
        const age = rng.int(25, 85);
        out.push(person(age, 'male', family, address), person(Math.max(18, age + rng.int(-5, 5)), 'female', rng.chance(0.7) ? family : surname(), address));
      } else if (kind < 0.9) {
        // Parents and children: the households a MASH sees most.
        const parentAge = rng.int(20, 50);
        const single = rng.chance(0.3);
        out.push(person(parentAge, single ? 'female' : 'male', family, address));
        if (!single) out.push(person(Math.max(18, parentAge + rng.int(-5, 5)), 'female', rng.chance(0.75) ? family : surname(), address));
        const children = rng.int(1, 4);
        for (let c = 0; c < children; c++) out.push(person(rng.int(0, Math.min(17, parentAge - 17)), sexOf(), family, address));
      } else {
        const age = rng.int(65, 95);
        out.push(person(age, sexOf(), family, address));
        if (rng.chance(0.5)) out.push(person(age + rng.int(-4, 4), sexOf(), family, address));
      }
      return out;
    },
  };
}

/** The noise applied to a query, named for the report. */
export type QueryNoise = 'nickname' | 'typo-given' | 'initial' | 'typo-family' | 'hyphenated' | 'dob-swap' | 'dob-typo' | 'no-dob' | 'no-address' | 'moved';

const nicknameOf = (name: string, rng: Rng): string | undefined => {
  const nicks = NICKNAMES[name];
  return nicks === undefined || nicks.length === 0 ? undefined : rng.pick(nicks);
};

/**
 * A query record of a person as another agency would hold it: a nickname or a typo in a name, a
 * day-month swap or a slip in the birth date, an address missing or out of date; an NHS number
 * only sometimes (most agencies do not hold one), never a UPRN.
 */
export function noisyQuery(rng: Rng, person: IndexedRecord, id: string): { record: IndexedRecord; noise: QueryNoise[] } {
  const noise: QueryNoise[] = [];
  const first = person.given?.[0] ?? '';
  let given = [first];
  const nick = nicknameOf(first, rng);
  if (nick !== undefined && rng.chance(0.3)) {
    given = [nick];
    noise.push('nickname');
  } else if (rng.chance(0.08)) {
    given = [typo(rng, first)];
    noise.push('typo-given');
  } else if (rng.chance(0.03)) {
    given = [`${first[0] ?? 'X'}.`];
    noise.push('initial');
  }
  let family = person.family ?? '';
  if (rng.chance(0.08)) {
    family = typo(rng, family);
    noise.push('typo-family');
  } else if (rng.chance(0.04)) {
    family = `${family}-${rng.pick(SURNAMES)[0]}`;
    noise.push('hyphenated');
  }
  let birthDate = person.birthDate;
  const swapped = birthDate === undefined ? undefined : swapDayMonth(birthDate);
  if (swapped !== undefined && rng.chance(0.08)) {
    birthDate = swapped;
    noise.push('dob-swap');
  } else if (birthDate !== undefined && rng.chance(0.05)) {
    const day = Number(birthDate.slice(8, 10));
    birthDate = `${birthDate.slice(0, 8)}${pad2(day === 1 ? 2 : day - 1)}`;
    noise.push('dob-typo');
  } else if (rng.chance(0.03)) {
    birthDate = undefined;
    noise.push('no-dob');
  }
  let address: Partial<IndexedRecord> = { addressLines: person.addressLines ?? [], postcode: person.postcode ?? '', town: person.town ?? '' };
  if (rng.chance(0.15)) {
    address = {};
    noise.push('no-address');
  } else if (rng.chance(0.1)) {
    address = { addressLines: [`${rng.int(1, 200)} ${rng.pick(STREET_STEMS)} ${rng.pick(STREET_TYPES)}`], postcode: `HD${rng.int(1, 9)} ${rng.int(0, 9)}ZZ`, town: person.town ?? '' };
    noise.push('moved');
  }
  return {
    record: {
      id,
      given,
      family,
      ...(birthDate === undefined ? {} : { birthDate }),
      ...(person.sex === undefined ? {} : { sex: person.sex }),
      ...address,
      ...(person.nhsNumber !== undefined && rng.chance(0.3) ? { nhsNumber: person.nhsNumber } : {}),
    },
    noise,
  };
}
