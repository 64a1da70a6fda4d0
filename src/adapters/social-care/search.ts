/**
 * Which person searches the social care adapter asks the case system, in which order.
 *
 * Why this file exists: case systems search exactly — an identifier, or a name with a birth
 * date — and do not forgive a nickname, a changed family name or a birth date keyed in
 * day-for-month. The tolerance therefore lives here, as a list of exact searches from most to
 * least specific; deciding which candidate is the referred child stays with the hub's identity
 * matching. Pure: no I/O.
 */
import type { SubjectQuery } from '../port.ts';
import { normalisePostcode, searchList, type SearchParams } from '../search-plan.ts';

/**
 * The `GET /people` searches to try, in order, without duplicates: NHS number, UPN, then name
 * and birth date (all names, then family name alone, then aliases, then given name with
 * postcode for a changed family name, then the birth date with day and month swapped); with no
 * birth date, name and postcode. The adapter stops at the first search that finds anyone.
 */
export function peopleSearches(query: SubjectQuery): SearchParams[] {
  const { searches, add } = searchList(1);

  const identifier = (system: string): string | undefined => {
    const value = query.identifiers.find((i) => i.system === system)?.value.replace(/\s+/g, '');
    return value === undefined || value === '' ? undefined : value;
  };
  const nhsNumber = identifier('nhs-number');
  if (nhsNumber !== undefined && /^\d{10}$/.test(nhsNumber)) add([['nhsNumber', nhsNumber]]);
  const upn = identifier('upn')?.toUpperCase();
  if (upn !== undefined && /^[A-Z]\d{11}[A-Z0-9]$/.test(upn)) add([['upn', upn]]);

  const names = [{ given: query.given, family: query.family }, ...query.otherNames]
    .map((n) => ({ given: n.given[0]?.trim().replace(/\.$/, '') ?? '', family: n.family.trim() }))
    .filter((n) => n.family !== '' || n.given !== '');
  const [primary, ...aliases] = names;
  if (primary === undefined) return searches;
  // "wf132qp" → "WF13 2QP": the case system compares postcodes without spaces, but logs read better.
  const postcode = query.postcode === undefined ? undefined : normalisePostcode(query.postcode);
  const p = (name: string, value: string | undefined): SearchParams => (value === undefined || value === '' ? [] : [[name, value]]);
  // An initial ("R.") narrows nothing a prefix search would not; single letters are left out.
  const given = (value: string): string | undefined => (value.length >= 2 ? value : undefined);

  const birthDate = query.birthDate;
  if (birthDate !== undefined) {
    if (primary.family !== '') {
      add([['familyName', primary.family], ...p('givenName', given(primary.given)), ['birthDate', birthDate]]);
      add([['familyName', primary.family], ['birthDate', birthDate]]);
    }
    for (const alias of aliases) {
      if (alias.family !== '') add([['familyName', alias.family], ...p('givenName', given(alias.given)), ['birthDate', birthDate]]);
    }
    if (postcode !== undefined && given(primary.given) !== undefined) add([['givenName', primary.given], ['birthDate', birthDate], ['postcode', postcode]]);
    const swapped = swapDayAndMonth(birthDate);
    if (swapped !== undefined) {
      for (const name of names) if (name.family !== '') add([['familyName', name.family], ['birthDate', swapped]]);
    }
  } else if (postcode !== undefined) {
    // Without a birth date a name alone matches too many people; the postcode must narrow it.
    for (const name of names) {
      if (name.family === '') continue;
      add([['familyName', name.family], ...p('givenName', given(name.given)), ['postcode', postcode]]);
    }
  }
  return searches;
}

/** 2017-03-04 → 2017-04-03, when that is another real date; undefined otherwise. */
export function swapDayAndMonth(isoDate: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate);
  if (match === null) return undefined;
  const [, year, month, day] = match;
  if (year === undefined || month === undefined || day === undefined || month === day) return undefined;
  const swapped = `${year}-${day}-${month}`;
  const parsed = new Date(`${swapped}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(swapped) ? swapped : undefined;
}
