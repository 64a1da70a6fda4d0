/**
 * Pupil search as a school MIS or LA pupil database does it, for the education simulator.
 *
 * Why this file exists: the adapter's search strategy is only proven against search semantics
 * like the real ones, which are looser than exact equality and stricter than "anything goes":
 * - a UPN matches exactly (current or former), and then nothing else is asked;
 * - a surname matches from its start ("Smith" finds "Smith-Jones"), on any part of a double
 *   surname, and on the preferred surname too; with `fuzzy=true` also by Soundex ("Smith"
 *   finds "Smyth") or one typing slip;
 * - a forename matches the forename, middle names or preferred forename the same way;
 * - a date of birth matches exactly; a postcode ignoring case and spaces, or by its start
 *   when only the outward code is given.
 * Every given criterion must match. Fewer than two criteria without a UPN is refused, as real
 * systems refuse trawls. Results are ordered by how many criteria matched exactly, then by
 * record id, so paging is stable.
 */
import { err, ok, type Result } from '../../src/lib/result.ts';
import type { Pupil } from '../population/index.ts';
import type { EducationRecords } from './ctf.ts';

/** A parsed search: the criteria and the page asked for. */
export interface PupilQuery {
  readonly upn?: string | undefined;
  readonly surname?: string | undefined;
  readonly forename?: string | undefined;
  readonly dob?: string | undefined;
  readonly postcode?: string | undefined;
  readonly fuzzy: boolean;
  readonly page: number;
  readonly pageSize: number | undefined;
}

/** Why a query is refused: the PupilSearchError code and its message. */
export interface QueryRefusal {
  readonly code: 'INVALID_QUERY' | 'QUERY_TOO_BROAD';
  readonly message: string;
}

const NAME = /^[\p{L}\p{M}' .-]{1,100}$/u;

/** Reads and checks the query string of `GET /pupils`. */
export function parsePupilQuery(params: URLSearchParams): Result<PupilQuery, QueryRefusal> {
  const get = (name: string): string | undefined => {
    const value = params.get(name)?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const invalid = (message: string): Result<PupilQuery, QueryRefusal> => err({ code: 'INVALID_QUERY', message });
  const upn = get('upn')?.toUpperCase();
  if (upn !== undefined && !/^[A-Z]\d{11}[0-9A-Z]$/.test(upn)) return invalid('upn must be 13 characters: a letter, 11 digits, a digit or letter');
  const surname = get('surname');
  if (surname !== undefined && !NAME.test(surname)) return invalid('surname may hold letters, spaces, hyphens and apostrophes only');
  const forename = get('forename');
  if (forename !== undefined && !NAME.test(forename)) return invalid('forename may hold letters, spaces, hyphens and apostrophes only');
  const dob = get('dob');
  if (dob !== undefined && (!/^\d{4}-\d{2}-\d{2}$/.test(dob) || Number.isNaN(Date.parse(`${dob}T00:00:00Z`)))) return invalid('dob must be a date, YYYY-MM-DD');
  const postcode = get('postcode');
  if (postcode !== undefined && !/^[A-Za-z0-9 ]{2,10}$/.test(postcode)) return invalid('postcode must be 2 to 10 letters, digits and spaces');
  const fuzzy = get('fuzzy');
  if (fuzzy !== undefined && fuzzy !== 'true' && fuzzy !== 'false') return invalid('fuzzy must be true or false');
  const page = get('page') ?? '1';
  if (!/^[1-9]\d{0,4}$/.test(page)) return invalid('page must be a whole number from 1');
  const pageSize = get('pageSize');
  if (pageSize !== undefined && !/^[1-9]\d{0,2}$/.test(pageSize)) return invalid('pageSize must be a whole number from 1 to 999');

  const criteria = [surname, forename, dob, postcode].filter((c) => c !== undefined).length;
  if (upn === undefined && criteria < 2) return err({ code: 'QUERY_TOO_BROAD', message: 'give a UPN, or at least two of surname, forename, dob and postcode' });
  return ok({ upn, surname, forename, dob, postcode, fuzzy: fuzzy === 'true', page: Number(page), pageSize: pageSize === undefined ? undefined : Number(pageSize) });
}

interface IndexedPupil {
  readonly pupil: Pupil;
  readonly upns: readonly string[];
  readonly surnames: readonly string[];
  readonly forenames: readonly string[];
  readonly postcode: string | undefined;
}

/** The pupils, indexed for searching. */
export interface PupilIndex {
  search(query: PupilQuery): readonly Pupil[];
}

/** Letters only, lower case, accents removed: "O'Brien-Smith" → "obriensmith". */
function fold(text: string): string {
  return text.normalize('NFKD').toLowerCase().replace(/[^a-z]/g, '');
}

/** A name and, for double-barrelled or spaced names, each of its parts. */
function nameForms(name: string): string[] {
  const parts = name.split(/[\s-]+/).map(fold).filter((p) => p !== '');
  return [...new Set([fold(name), ...parts])].filter((p) => p !== '');
}

const compactPostcode = (postcode: string): string => postcode.replace(/\s+/g, '').toUpperCase();

/** Builds the index (linear in the number of pupils). */
export function createPupilIndex(records: EducationRecords): PupilIndex {
  const entries: IndexedPupil[] = records.pupils.map((pupil) => ({
    pupil,
    upns: pupil.upn === undefined ? [] : [pupil.upn.toUpperCase()],
    surnames: [...new Set([pupil.name.family, ...pupil.otherNames.map((n) => n.family)].flatMap(nameForms))],
    forenames: [...new Set([...pupil.name.given, ...pupil.otherNames.flatMap((n) => n.given)].flatMap(nameForms))],
    postcode: pupil.address === undefined ? undefined : compactPostcode(pupil.address.postcode),
  }));
  return {
    search(query) {
      if (query.upn !== undefined) {
        const upn = query.upn;
        return entries.filter((e) => e.upns.includes(upn)).map((e) => e.pupil).sort(byRecordId);
      }
      const scored: { pupil: Pupil; score: number }[] = [];
      for (const entry of entries) {
        const score = matchScore(entry, query);
        if (score !== undefined) scored.push({ pupil: entry.pupil, score });
      }
      return scored.sort((a, b) => b.score - a.score || byRecordId(a.pupil, b.pupil)).map((s) => s.pupil);
    },
  };
}

const byRecordId = (a: Pupil, b: Pupil): number => a.recordId.localeCompare(b.recordId);

/** How many criteria matched exactly, or undefined when any criterion does not match at all. */
function matchScore(entry: IndexedPupil, query: PupilQuery): number | undefined {
  let score = 0;
  for (const [wanted, forms] of [
    [query.surname, entry.surnames],
    [query.forename, entry.forenames],
  ] as const) {
    if (wanted === undefined) continue;
    const match = nameMatch(fold(wanted), forms, query.fuzzy);
    if (match === 'none') return undefined;
    if (match === 'exact') score += 1;
  }
  if (query.dob !== undefined) {
    if (entry.pupil.birthDate !== query.dob) return undefined;
    score += 1;
  }
  if (query.postcode !== undefined) {
    const wanted = compactPostcode(query.postcode);
    if (entry.postcode === undefined || !(entry.postcode === wanted || (wanted.length <= 4 && entry.postcode.startsWith(wanted)))) return undefined;
    score += 1;
  }
  return score;
}

function nameMatch(wanted: string, forms: readonly string[], fuzzy: boolean): 'exact' | 'close' | 'none' {
  if (wanted === '') return 'none';
  if (forms.includes(wanted)) return 'exact';
  if (forms.some((f) => f.startsWith(wanted))) return 'close';
  if (!fuzzy) return 'none';
  const code = soundex(wanted);
  if (forms.some((f) => soundex(f) === code || (wanted.length >= 4 && withinOneEdit(f, wanted)))) return 'close';
  return 'none';
}

const SOUNDEX_CODES: Readonly<Record<string, string>> = {
  b: '1', f: '1', p: '1', v: '1',
  c: '2', g: '2', j: '2', k: '2', q: '2', s: '2', x: '2', z: '2',
  d: '3', t: '3', l: '4', m: '5', n: '5', r: '6',
};

/** American Soundex (as in the US National Archives' rules): first letter and three digits; h and w do not separate equal codes. */
export function soundex(folded: string): string {
  const first = folded[0];
  if (first === undefined) return '';
  let result = first.toUpperCase();
  let previous = SOUNDEX_CODES[first] ?? '';
  for (const letter of folded.slice(1)) {
    const code = SOUNDEX_CODES[letter];
    if (code === undefined) {
      if (letter !== 'h' && letter !== 'w') previous = '';
      continue;
    }
    if (code !== previous) result += code;
    previous = code;
    if (result.length === 4) break;
  }
  return result.padEnd(4, '0');
}

/** True when a and b differ by at most one insertion, deletion or substitution. */
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  let j = 0;
  let edits = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i += 1;
      j += 1;
      continue;
    }
    edits += 1;
    if (edits > 1) return false;
    if (a.length > b.length) i += 1;
    else if (b.length > a.length) j += 1;
    else {
      i += 1;
      j += 1;
    }
  }
  return edits + (a.length - i) + (b.length - j) <= 1;
}
