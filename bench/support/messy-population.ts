/**
 * A messy population for the linkage benchmark: many records per person, each as careless a
 * copy as agency records are, with the truth kept apart.
 *
 * Why our own generator (in the spirit of Splink's synthetic data, which fake_1000 is a
 * sample of): FEBRL has at most a handful of duplicates per person and one error type at a time;
 * fake_1000 is 1,000 records. Recall is lost at scale where one person has four to ten records
 * and several fields are wrong at once, and precision is lost where families share a surname,
 * a home, an e-mail domain and, for twins, a birth date. So the people come from the
 * person-index benchmark's household generator (parents and children sharing a surname and an
 * address; common names at realistic frequencies and a long tail), and each person's records are
 * drawn with corruptions of every kind the hub's records show: names missing, mistyped (letters
 * swapped, dropped, added, replaced), nicknamed, reduced to an initial, given and family written
 * the wrong way round, a surname changed on marriage or double-barrelled; birth dates missing,
 * a few days or months off, day and month swapped, a digit wrong, a decade digit wrong; e-mails
 * missing, their local part altered or at another provider; towns missing, mistyped or moved;
 * addresses missing, out of date or with a postcode slip; sex missing or wrong; an NHS number
 * sometimes, once in a while with a slip that fails its check. How messy a record is varies
 * from record to record, so some records are nearly clean and some have most fields wrong or
 * missing. Seeded: the same size and seed give the same set.
 */
import { NICKNAMES, STREET_STEMS, STREET_TYPES, SURNAMES, TOWNS } from '../../simulators/population/names.ts';
import { typo } from '../../simulators/population/noise.ts';
import { createRng, type Rng } from '../../simulators/population/rng.ts';
import type { IndexedRecord } from '../../src/model/person-index.ts';
import { toLinkCsv, type LinkageSet } from '../../test/identity/support/linkage-sets.ts';
import { createPersonGenerator } from './synthetic-persons.ts';

/** Options of `messyPopulation`. */
export interface MessyOptions {
  /** Records to generate (the set has exactly this many). */
  readonly records: number;
  readonly seed?: number;
}

/** How many records one person has: 1–10, about 3.5 on average (as in Splink's synthetic sets). */
const RECORDS_PER_PERSON: readonly (readonly [number, number])[] = [
  [1, 20], [2, 19], [3, 17], [4, 14], [5, 11], [6, 8], [7, 5], [8, 3], [9, 2], [10, 1],
];

const DOMAINS = ['gmail.com', 'hotmail.co.uk', 'yahoo.co.uk', 'outlook.com', 'btinternet.com', 'icloud.com', 'live.co.uk', 'sky.com'];
const pad2 = (n: number): string => String(n).padStart(2, '0');
const lower = (s: string): string => s.toLowerCase().replace(/[^a-z]/g, '');

/** A plausible personal e-mail: name parts, separators and digits, at a common provider. */
function emailOf(rng: Rng, given: string, family: string, birthYear: number): string {
  const g = lower(given);
  const f = lower(family);
  const local = rng.weighted<string>([
    [`${g}.${f}`, 4],
    [`${g}${f}`, 2],
    [`${g[0] ?? 'x'}${f}`, 2],
    [`${g}.${f}${String(birthYear).slice(2)}`, 2],
    [`${g}${rng.int(1, 999)}`, 2],
    [`${f}${g[0] ?? 'x'}${rng.int(1, 99)}`, 1],
  ]);
  return `${local}@${rng.pick(DOMAINS)}`;
}

/** A calendar-valid date, or undefined when the parts are not one. */
function isoDate(y: number, m: number, d: number): string | undefined {
  if (m < 1 || m > 12 || d < 1) return undefined;
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d > days ? undefined : `${y}-${pad2(m)}-${pad2(d)}`;
}

/** One corruption of a birth date. */
function corruptBirthDate(rng: Rng, iso: string): string {
  const [y = 2000, m = 1, d = 1] = iso.split('-').map(Number);
  for (let attempt = 0; attempt < 10; attempt++) {
    const kind = rng.int(0, 5);
    let out: string | undefined;
    if (kind === 0) out = isoDate(y, m, d + rng.int(-5, 5)); // a few days off
    else if (kind === 1) out = isoDate(y, m + rng.int(-3, 3), d); // months off
    else if (kind === 2) out = isoDate(y, d, m); // day and month swapped
    else if (kind === 3) out = isoDate(y + 10 * (rng.chance(0.5) ? 1 : -1), m, d); // wrong decade digit
    else if (kind === 4) out = isoDate(y + rng.int(-2, 2), m, d); // year slip
    else {
      // One digit of the date mistyped.
      const digits = `${y}${pad2(m)}${pad2(d)}`.split('');
      const at = rng.int(2, 7);
      digits[at] = String(rng.int(0, 9));
      out = isoDate(Number(digits.slice(0, 4).join('')), Number(digits.slice(4, 6).join('')), Number(digits.slice(6, 8).join('')));
    }
    if (out !== undefined && out !== iso) return out;
  }
  return iso;
}

/** A nickname of a given name, when the catalogue has one. */
function nickname(rng: Rng, given: string): string | undefined {
  const nicks = NICKNAMES[given];
  return nicks === undefined || nicks.length === 0 ? undefined : rng.pick(nicks);
}

/** An NHS number with one digit changed: fails its check digit (almost always). */
function nhsSlip(rng: Rng, nhs: string): string {
  const at = rng.int(3, 9);
  const digit = (Number(nhs[at]) + rng.int(1, 9)) % 10;
  return `${nhs.slice(0, at)}${digit}${nhs.slice(at + 1)}`;
}

interface TruePerson {
  readonly id: string;
  readonly record: IndexedRecord;
  readonly email: string;
}

/**
 * A set of `records` link rows with their truth. People come in households; each person gets
 * 1–10 records (more than the set needs is trimmed from the last person).
 */
export function messyPopulation(options: MessyOptions): LinkageSet {
  const seed = options.seed ?? 20_261_205;
  const rng = createRng(seed);
  const people = createPersonGenerator({ seed: seed ^ 0x3e55, commonSurnames: 0.45, commonGiven: 0.7 });
  const towns = TOWNS.map((t) => t.town);
  // A provider gives an address to one person: a second Ruby Wood at one provider gets digits.
  const taken = new Set<string>();
  const uniqueEmail = (given: string, family: string, year: number): string => {
    let email = emailOf(rng, given, family, year);
    while (taken.has(email)) email = email.replace('@', `${rng.int(1, 999)}@`);
    taken.add(email);
    return email;
  };
  const rows: Parameters<typeof toLinkCsv>[0][number][] = [];
  const truth = new Map<string, string>();

  const recordOf = (person: TruePerson, n: number): Parameters<typeof toLinkCsv>[0][number] => {
    const r = person.record;
    // How careless this copy is: most are middling, some nearly clean, some very messy.
    const mess = rng.weighted<number>([[0.25, 3], [0.6, 5], [1.1, 3], [1.6, 1]]);
    const p = (base: number): boolean => rng.chance(Math.min(0.9, base * mess));
    let given = r.given?.[0] ?? '';
    let middle = r.given?.[1];
    let family = r.family ?? '';
    if (p(0.1)) {
      const nick = nickname(rng, given);
      if (nick !== undefined) given = nick;
    }
    if (p(0.18)) given = typo(rng, given);
    if (p(0.04)) given = given[0] ?? '';
    if (p(0.16)) family = typo(rng, family);
    if (r.sex === 'female' && p(0.05)) family = rng.weighted(SURNAMES); // married, or back to a maiden name
    if (p(0.02)) family = `${family}-${rng.weighted(SURNAMES)}`;
    if (p(0.05)) [given, family] = [family, given];
    if (p(0.12)) given = '';
    // Agency systems need a name to file a person under: one of the two is always there.
    if (given !== '' && p(0.12)) family = '';
    if (!p(0.5)) middle = undefined;

    let birth = r.birthDate ?? '';
    if (p(0.18)) birth = corruptBirthDate(rng, birth);
    if (p(0.08)) birth = '';

    let email = person.email;
    if (p(0.1)) email = `${typo(rng, email.slice(0, email.indexOf('@')))}${email.slice(email.indexOf('@'))}`;
    if (p(0.06)) email = `${email.slice(0, email.indexOf('@'))}@${rng.pick(DOMAINS)}`;
    if (p(0.3)) email = '';

    let town = r.town ?? '';
    let address = (r.addressLines ?? []).join(', ');
    let postcode = r.postcode ?? '';
    if (p(0.12)) {
      // Moved: another home, often another town.
      town = rng.chance(0.6) ? rng.pick(towns) : town;
      address = `${rng.int(1, 250)} ${rng.pick(STREET_STEMS)} ${rng.pick(STREET_TYPES)}`;
      postcode = `${rng.pick(['HD1', 'HD2', 'HD3', 'WF12', 'WF13', 'WF17', 'BD19'])} ${rng.int(0, 9)}${String.fromCharCode(65 + rng.int(0, 25))}${String.fromCharCode(65 + rng.int(0, 25))}`;
    }
    if (p(0.08)) town = typo(rng, town);
    if (p(0.04)) postcode = typo(rng, postcode);
    if (p(0.15)) town = '';
    if (p(0.35)) {
      address = '';
      postcode = '';
    }

    let sex: string = r.sex ?? '';
    if (p(0.1)) sex = '';
    else if (p(0.01)) sex = sex === 'male' ? 'female' : 'male';

    let nhs = '';
    if (r.nhsNumber !== undefined && rng.chance(0.12)) nhs = rng.chance(0.05) ? nhsSlip(rng, r.nhsNumber) : r.nhsNumber;

    return {
      id: `${person.id}-${n}`, // replaced by an opaque id once shuffled
      given: middle === undefined || given === '' ? given : `${given} ${middle}`,
      family,
      birth_date: birth,
      sex,
      address,
      postcode,
      town,
      email,
      nhs_number: nhs,
    };
  };

  let personNo = 0;
  while (rows.length < options.records) {
    const household = people.nextHousehold();
    // Twins: now and then a child shares a sibling's birth date (and surname, and home) — the
    // pairs that must never be merged on everything but the first name.
    const children = household.filter((h) => Number(h.record.birthDate?.slice(0, 4) ?? 0) > 2008);
    const twin = children.length >= 2 && children[0]?.record.given?.[0] !== children[1]?.record.given?.[0] && rng.chance(0.04) ? { of: children[0], is: children[1] } : undefined;
    for (const s of household) {
      if (rows.length >= options.records) break;
      const record: IndexedRecord = twin !== undefined && s === twin.is ? { ...s.record, ...(twin.of?.record.birthDate === undefined ? {} : { birthDate: twin.of.record.birthDate }) } : s.record;
      const given = record.given?.[0] ?? 'x';
      const family = record.family ?? 'x';
      const person: TruePerson = { id: `P${personNo++}`, record, email: uniqueEmail(given, family, Number(record.birthDate?.slice(0, 4) ?? 2000)) };
      const count = Math.min(rng.weighted(RECORDS_PER_PERSON), options.records - rows.length);
      for (let n = 0; n < count; n++) {
        const row = recordOf(person, n);
        rows.push(row);
        truth.set(row.id, person.id);
      }
    }
  }
  // Shuffled and renumbered, so that nothing can be read from the order or the ids of the rows.
  const shuffled = rng.shuffle(rows).map((row, i) => {
    const id = `R${String(i).padStart(6, '0')}`;
    truth.set(id, truth.get(row.id) ?? row.id);
    truth.delete(row.id);
    return { ...row, id };
  });
  return { name: `Generated ${options.records.toLocaleString('en-GB')}`, csv: toLinkCsv(shuffled), truth };
}
