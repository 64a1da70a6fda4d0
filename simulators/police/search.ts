/**
 * The police simulator's nominal search: how a force records management system finds
 * candidates for PersonSearch criteria, over the population's police view.
 *
 * Why this file exists: police records are the noisiest in the population (initials, nicknames,
 * hyphenated and changed surnames, swapped birth dates), and a real RMS answers with a ranked
 * list of candidates from a fuzzy search, not an exact match. The rules here are of that kind:
 *
 * - a PNC id is exact, and alone decides;
 * - otherwise a nominal is a candidate when a surname matches phonetically (Soundex, on the whole
 *   surname or any part of a hyphenated or double-barrelled one, aliases included) and the
 *   birth year is within one year, or when the postcode matches and either the surname or the
 *   birth date does (exactly, or with day and month swapped);
 * - candidates are ranked by how much agrees (birth date, surname, given-name initial,
 *   postcode, sex), then by nominal id, so paging is stable.
 *
 * Deciding which candidate is the person is left to the client, as a real RMS leaves it.
 */
import type { AgencyLink, PoliceEvent, PoliceLinkKind, PoliceNominal, PoliceView, RecordedName } from '../population/index.ts';

/** What PersonSearch asks, as the simulator reads it from the request. */
export interface NominalQuery {
  readonly pncId?: string;
  /** The primary name first, then alternates. */
  readonly names: readonly { readonly given: readonly string[]; readonly family: string }[];
  readonly birthDate?: string;
  readonly sex?: 'M' | 'F' | 'U';
  readonly postcode?: string;
}

/** The police view, indexed once at start-up. */
export interface PoliceIndex {
  readonly nominals: readonly PoliceNominal[];
  readonly nominalById: ReadonlyMap<string, PoliceNominal>;
  readonly eventsByNominal: ReadonlyMap<string, readonly PoliceEvent[]>;
  readonly linksByNominal: ReadonlyMap<string, readonly AgencyLink<PoliceLinkKind>[]>;
  /** Each nominal's search keys, computed once. */
  readonly keysByNominal: ReadonlyMap<string, NominalKeys>;
}

/** What the search compares of a nominal: surname parts with their Soundex codes, given-name initials, postcode. */
interface NominalKeys {
  readonly surnames: readonly string[];
  readonly surnameCodes: readonly string[];
  readonly initials: readonly string[];
  readonly postcode: string | undefined;
}

function nominalKeys(nominal: PoliceNominal): NominalKeys {
  const names: RecordedName[] = [nominal.name, ...nominal.otherNames];
  const surnames = names.flatMap((n) => surnameParts(n.family));
  return {
    surnames,
    surnameCodes: surnames.map(soundex),
    initials: names.map((n) => initial(n.given[0])).filter((i) => i !== undefined),
    postcode: nominal.address === undefined ? undefined : compactPostcode(nominal.address.postcode),
  };
}

export function indexPoliceView(view: PoliceView): PoliceIndex {
  const nominalById = new Map(view.nominals.map((n) => [n.recordId, n]));
  const eventsByNominal = new Map<string, PoliceEvent[]>();
  for (const event of [...view.events].sort((a, b) => a.date.localeCompare(b.date) || a.eventId.localeCompare(b.eventId))) {
    for (const id of event.recordIds) pushTo(eventsByNominal, id, event);
  }
  const linksByNominal = new Map<string, AgencyLink<PoliceLinkKind>[]>();
  for (const link of view.links) {
    pushTo(linksByNominal, link.fromRecordId, link);
    if (link.toRecordId !== link.fromRecordId) pushTo(linksByNominal, link.toRecordId, link);
  }
  const keysByNominal = new Map(view.nominals.map((n) => [n.recordId, nominalKeys(n)]));
  return { nominals: view.nominals, nominalById, eventsByNominal, linksByNominal, keysByNominal };
}

function pushTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Ranked candidates for the query: best first, ties by nominal id. */
export function searchNominals(index: PoliceIndex, query: NominalQuery): PoliceNominal[] {
  if (query.pncId !== undefined) {
    const pnc = query.pncId.toUpperCase();
    return index.nominals.filter((n) => n.pncId === pnc).sort((a, b) => a.recordId.localeCompare(b.recordId));
  }
  const wanted = prepareQuery(query);
  const scored: { nominal: PoliceNominal; score: number }[] = [];
  for (const nominal of index.nominals) {
    const keys = index.keysByNominal.get(nominal.recordId) ?? nominalKeys(nominal);
    const score = scoreNominal(nominal, keys, wanted);
    if (score !== undefined) scored.push({ nominal, score });
  }
  return scored.sort((a, b) => b.score - a.score || a.nominal.recordId.localeCompare(b.nominal.recordId)).map((s) => s.nominal);
}

interface PreparedQuery {
  readonly surnames: ReadonlySet<string>;
  readonly surnameCodes: ReadonlySet<string>;
  readonly initials: ReadonlySet<string>;
  readonly birthDate: string | undefined;
  readonly postcode: string | undefined;
  readonly sex: 'M' | 'F' | 'U' | undefined;
}

function prepareQuery(query: NominalQuery): PreparedQuery {
  const surnames = new Set(query.names.flatMap((n) => surnameParts(n.family)));
  return {
    surnames,
    surnameCodes: new Set([...surnames].map(soundex)),
    initials: new Set(query.names.map((n) => initial(n.given[0])).filter((i) => i !== undefined)),
    birthDate: query.birthDate,
    postcode: query.postcode === undefined ? undefined : compactPostcode(query.postcode),
    sex: query.sex,
  };
}

/** The nominal's score, or undefined when it is not a candidate. */
function scoreNominal(nominal: PoliceNominal, keys: NominalKeys, query: PreparedQuery): number | undefined {
  const surnameExact = keys.surnames.some((p) => query.surnames.has(p));
  const surnamePhonetic = surnameExact || keys.surnameCodes.some((c) => query.surnameCodes.has(c));
  const dob = birthDateAgreement(nominal.birthDate, query.birthDate);
  const postcodeHit = query.postcode !== undefined && keys.postcode === query.postcode;

  const candidate = (surnamePhonetic && (dob === 'exact' || dob === 'swapped' || dob === 'year')) || (postcodeHit && (surnamePhonetic || dob === 'exact' || dob === 'swapped'));
  if (!candidate) return undefined;

  let score = 0;
  score += dob === 'exact' ? 40 : dob === 'swapped' ? 25 : dob === 'year' ? 10 : 0;
  score += surnameExact ? 30 : surnamePhonetic ? 20 : 0;
  if (keys.initials.some((i) => query.initials.has(i))) score += 10;
  if (postcodeHit) score += 20;
  if (query.sex !== undefined && query.sex !== 'U' && sexCode(nominal.sex) === query.sex) score += 5;
  return score;
}

type BirthDateAgreement = 'exact' | 'swapped' | 'year' | 'none';

/** Exact, day and month swapped, birth year within one year, or no agreement (or no date to compare). */
function birthDateAgreement(recorded: string | undefined, wanted: string | undefined): BirthDateAgreement {
  if (recorded === undefined || wanted === undefined) return 'none';
  if (recorded === wanted) return 'exact';
  const [ry, rm, rd] = recorded.split('-');
  const [wy, wm, wd] = wanted.split('-');
  if (ry === wy && rm === wd && rd === wm) return 'swapped';
  return Math.abs(Number(ry) - Number(wy)) <= 1 ? 'year' : 'none';
}

/** "Smith-Jones" → smith-jones, smith, jones: a hyphenated or double-barrelled surname matches on any part. */
function surnameParts(family: string): string[] {
  const whole = family.toLowerCase().replace(/[^a-z\s-]/g, '').trim();
  if (whole === '') return [];
  const parts = whole.split(/[\s-]+/).filter((p) => p.length > 1);
  return [...new Set([whole.replace(/\s+/g, ' '), ...parts])];
}

function initial(given: string | undefined): string | undefined {
  const letter = given?.trim().charAt(0).toLowerCase();
  return letter === undefined || !/^[a-z]$/.test(letter) ? undefined : letter;
}

export function compactPostcode(postcode: string): string {
  return postcode.replace(/\s+/g, '').toUpperCase();
}

export function sexCode(sex: PoliceNominal['sex']): 'M' | 'F' | 'U' {
  return sex === 'male' ? 'M' : sex === 'female' ? 'F' : 'U';
}

const SOUNDEX_CODES: Readonly<Record<string, string>> = {
  b: '1', f: '1', p: '1', v: '1',
  c: '2', g: '2', j: '2', k: '2', q: '2', s: '2', x: '2', z: '2',
  d: '3', t: '3', l: '4', m: '5', n: '5', r: '6',
};

/** American Soundex (the phonetic key of PNC-era name searches): first letter and three digits. */
export function soundex(name: string): string {
  const letters = name.toLowerCase().replace(/[^a-z]/g, '');
  const first = letters.charAt(0);
  if (first === '') return '';
  let code = first.toUpperCase();
  let previous = SOUNDEX_CODES[first] ?? '';
  for (const letter of letters.slice(1)) {
    const digit = SOUNDEX_CODES[letter] ?? '';
    // h and w do not separate letters with the same code; vowels do.
    if (digit !== '' && digit !== previous) code += digit;
    if (letter !== 'h' && letter !== 'w') previous = digit;
    if (code.length === 4) break;
  }
  return code.padEnd(4, '0');
}
