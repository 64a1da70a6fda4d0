/**
 * Which person searches the housing adapter asks of a housing management system, in order.
 *
 * Why this file exists: housing systems search the way housing officers do — surname and date
 * of birth at the front desk, or everyone at an address (postcode or UPRN) — and their records
 * are noisy in known ways: the surname is a step-family's or hyphenated, the birth date was
 * never captured for a joint tenant, the forename is a nickname. The order below goes from the
 * most to the least specific and lets each later search drop the criterion most often wrong.
 * Pure and exported, so the plan is tested on its own.
 */
import type { SubjectQuery } from '../port.ts';
import { normalisePostcode, searchList, type SearchParams } from '../search-plan.ts';

/**
 * The searches to try, without duplicates:
 * 1. surname + date of birth, for the name and then each other name;
 * 2. UPRN + date of birth, then postcode + date of birth (surname changed or misspelt);
 * 3. surname + forename + UPRN or postcode, for each name (records without a date of birth).
 * Without a birth date only (3) is tried: a name alone matches too many people.
 */
export function personSearches(query: SubjectQuery): SearchParams[] {
  // One criterion alone matches too many people: every search has two or more.
  const { searches, add } = searchList(2);

  const names = [{ given: query.given, family: query.family }, ...query.otherNames]
    .map((n) => ({ forename: n.given[0]?.trim() ?? '', surname: n.family.trim() }))
    .filter((n) => n.surname !== '');
  const birthDate = query.birthDate?.trim() === '' ? undefined : query.birthDate?.trim();
  const postcode = query.postcode === undefined ? undefined : normalisePostcode(query.postcode);
  const uprn = query.identifiers.find((i) => i.system === 'uprn' && /^\d{1,12}$/.test(i.value.trim()))?.value.trim();

  if (birthDate !== undefined) {
    for (const name of names) add([['surname', name.surname], ['dateOfBirth', birthDate]]);
    if (uprn !== undefined) add([['uprn', uprn], ['dateOfBirth', birthDate]]);
    if (postcode !== undefined) add([['postcode', postcode], ['dateOfBirth', birthDate]]);
  }
  for (const name of names) {
    if (name.forename === '') continue;
    if (uprn !== undefined) add([['surname', name.surname], ['forename', name.forename], ['uprn', uprn]]);
    if (postcode !== undefined) add([['surname', name.surname], ['forename', name.forename], ['postcode', postcode]]);
  }
  return searches;
}
