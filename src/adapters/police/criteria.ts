/**
 * The PersonSearch criteria the police adapter sends for a subject: pure translation of the
 * port's `SubjectQuery` into the request of contracts/police/pole-person-search.xsd.
 *
 * Why this file exists: a police records system searches differently from a FHIR server. It
 * takes every name the person is known by, the birth date, sex and address at once and does
 * its own fuzzy matching (phonetic surnames, birth-year ranges, postcode), so the adapter asks
 * once with everything it has — after an exact Police National Computer id search when the
 * subject has one. Values are cut to the contract's facets here, so a long or odd referral
 * field never makes a request the service must refuse.
 */
import type { SubjectQuery } from '../port.ts';

/** `PersonNameType`: given names (at most 5) and a surname. */
export interface PersonNameCriteria {
  readonly PersonGivenName: readonly string[];
  readonly PersonSurName: string;
}

/** `SearchCriteriaType`, in the contract's element order. */
export interface SearchCriteria {
  readonly PNCIdentification?: string;
  readonly PersonName?: PersonNameCriteria;
  readonly PersonAlternateName?: readonly PersonNameCriteria[];
  readonly PersonBirthDate?: string;
  readonly PersonSexCode?: 'M' | 'F';
  readonly Address?: { readonly AddressLine?: readonly string[]; readonly LocationPostalCode?: string };
}

/** `PersonSearchRequestType`: what node-soap serialises into the SOAP body. */
export interface PersonSearchRequest {
  readonly SearchCriteria: SearchCriteria;
  readonly ResultsPage: { readonly PageNumber: number; readonly PageSize: number };
  readonly SearchPurposeText: string;
}

/** Why we ask: recorded by the force against the search (OJBC `SearchPurposeText`). */
export const SEARCH_PURPOSE = 'Safeguarding: Multi-Agency Safeguarding Hub research';

const PNC_PATTERN = /^(\d{2}|\d{4})\/\d{1,7}[A-Z]$/;

/**
 * The searches to make, in order: the PNC id alone when the subject has one (exact, and a
 * nominal found that way is certainly held), then everything else at once. Empty when the
 * subject cannot be searched for: a name needs a birth date or a postcode beside it, or it
 * would match half the county.
 */
export function searchCriteria(query: SubjectQuery): SearchCriteria[] {
  const searches: SearchCriteria[] = [];
  const pnc = query.identifiers.find((i) => i.system === 'pnc-id')?.value.trim().toUpperCase();
  if (pnc !== undefined && PNC_PATTERN.test(pnc)) searches.push({ PNCIdentification: pnc });

  const primary = personName(query.given, query.family);
  const postcode = normalisePostcode(query.postcode);
  const birthDate = query.birthDate !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(query.birthDate) ? query.birthDate : undefined;
  if (primary === undefined || (birthDate === undefined && postcode === undefined)) return searches;

  const seen = new Set([nameKey(primary)]);
  const alternates: PersonNameCriteria[] = [];
  for (const other of query.otherNames) {
    const name = personName(other.given, other.family);
    if (name === undefined || seen.has(nameKey(name)) || alternates.length >= 10) continue;
    seen.add(nameKey(name));
    alternates.push(name);
  }
  const lines = query.addressLines.map((l) => clean(l, 200)).filter((l) => l !== '').slice(0, 6);
  const sex = query.sex === 'male' ? 'M' : query.sex === 'female' ? 'F' : undefined;
  searches.push({
    PersonName: primary,
    ...(alternates.length > 0 ? { PersonAlternateName: alternates } : {}),
    ...(birthDate === undefined ? {} : { PersonBirthDate: birthDate }),
    ...(sex === undefined ? {} : { PersonSexCode: sex }),
    ...(lines.length > 0 || postcode !== undefined
      ? { Address: { ...(lines.length > 0 ? { AddressLine: lines } : {}), ...(postcode === undefined ? {} : { LocationPostalCode: postcode }) } }
      : {}),
  });
  return searches;
}

function personName(given: readonly string[], family: string): PersonNameCriteria | undefined {
  const surname = clean(family, 100);
  if (surname === '') return undefined;
  const givenNames = given.map((g) => clean(g, 100)).filter((g) => g !== '').slice(0, 5);
  return { PersonGivenName: givenNames, PersonSurName: surname };
}

const nameKey = (name: PersonNameCriteria): string => [...name.PersonGivenName, name.PersonSurName].join('\u0000').toLowerCase();

/** "wf132qp" → "WF13 2QP"; undefined when it cannot be a postcode (the contract allows letters, digits, one space). */
export function normalisePostcode(raw: string | undefined): string | undefined {
  const compact = raw?.replace(/\s+/g, '').toUpperCase() ?? '';
  if (!/^[A-Z0-9]{2,9}$/.test(compact)) return undefined;
  return compact.length >= 5 && compact.length <= 7 ? `${compact.slice(0, -3)} ${compact.slice(-3)}` : compact;
}

/** Control characters out (they cannot be sent in XML 1.0), whitespace collapsed, cut to `max`. */
function clean(value: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return value.replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, max);
}
