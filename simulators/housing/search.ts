/**
 * Person search of the housing simulator, as a council housing system does it: criteria
 * combined with AND; surname matched on any part of a hyphenated or double-barrelled name,
 * ignoring case and punctuation; forename matched from its start (so "Rob" finds Robert and an
 * initial "R." finds anyone whose forename starts with R); postcode ignoring spacing; date of
 * birth and UPRN exact. Searches broader than the contract allows are refused.
 *
 * Why this file exists: the adapter's search plan (surname + birth date, then address-based
 * fallbacks) is only proven against a server that matches loosely where housing systems do and
 * strictly where they do, and refuses what they refuse.
 */
import { err, ok, type Result } from '../../src/lib/result.ts';
import type { ServedPerson } from './records.ts';

/** The persons a search finds, or why it is refused (the problem document's detail). */
export type SearchOutcome = Result<readonly ServedPerson[], string>;

const CRITERIA = ['surname', 'forename', 'dateOfBirth', 'postcode', 'uprn'] as const;

interface Indexed {
  readonly person: ServedPerson;
  readonly surnameParts: ReadonlySet<string>;
  readonly surnames: ReadonlySet<string>;
  readonly forename: string;
  readonly postcode: string;
}

/** Letters only, lower case, accents dropped: "O'Neil-Smith" → "oneilsmith". */
const fold = (text: string): string => text.normalize('NFKD').replace(/[^A-Za-z]/g, '').toLowerCase();
const parts = (surname: string): string[] => surname.split(/[\s-]+/).map(fold).filter((p) => p !== '');
const compactPostcode = (postcode: string): string => postcode.replace(/\s+/g, '').toUpperCase();

/** Prepares persons for searching: done once, at start-up. */
export function createPersonSearch(persons: readonly ServedPerson[]): (params: URLSearchParams) => SearchOutcome {
  const index: Indexed[] = persons.map((person) => {
    const allSurnames = [person.surname, ...person.otherNames.map((n) => n.surname)];
    return {
      person,
      surnames: new Set(allSurnames.map(fold)),
      surnameParts: new Set(allSurnames.flatMap(parts)),
      forename: fold(person.forenames[0] ?? ''),
      postcode: compactPostcode(person.currentAddress?.postcode ?? ''),
    };
  });

  return (params) => {
    const given = new Map<string, string>();
    for (const name of CRITERIA) {
      const value = params.get(name)?.trim();
      if (value !== undefined && value !== '') given.set(name, value);
    }
    const surname = given.get('surname');
    const forename = given.get('forename');
    const dateOfBirth = given.get('dateOfBirth');
    const postcode = given.get('postcode');
    const uprn = given.get('uprn');
    if (dateOfBirth !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(dateOfBirth)) return err('dateOfBirth must be YYYY-MM-DD');
    if (uprn !== undefined && !/^\d{1,12}$/.test(uprn)) return err('uprn must be 1 to 12 digits');
    const anchored = surname !== undefined || dateOfBirth !== undefined || postcode !== undefined;
    if (uprn === undefined && (given.size < 2 || !anchored)) {
      return err('search too broad: give a UPRN, or two criteria including surname, dateOfBirth or postcode');
    }

    const wantedSurname = surname === undefined ? undefined : { whole: fold(surname), parts: parts(surname) };
    const wantedForename = forename === undefined ? undefined : fold(forename);
    const wantedPostcode = postcode === undefined ? undefined : compactPostcode(postcode);
    const persons = index
      .filter((p) => {
        if (wantedSurname !== undefined && !p.surnames.has(wantedSurname.whole) && !wantedSurname.parts.some((part) => p.surnameParts.has(part))) return false;
        if (wantedForename !== undefined && !(p.forename.startsWith(wantedForename) || (p.forename.length === 1 && wantedForename.startsWith(p.forename)))) return false;
        if (dateOfBirth !== undefined && p.person.dateOfBirth !== dateOfBirth) return false;
        if (wantedPostcode !== undefined && p.postcode !== wantedPostcode) return false;
        if (uprn !== undefined && p.person.currentAddress?.uprn !== uprn) return false;
        return true;
      })
      .map((p) => p.person);
    return ok(persons);
  };
}
