/**
 * Police mapping values: POLE names, sex codes and addresses as the common model's, and the
 * reference a nominal is known by.
 *
 * Why this file exists: split out of police.ts (house file-size limit); reading POLE's data
 * types is shared by the people, event and flag facts.
 */
import type { PersonName, PoleAddress } from '../../adapters/police/types.ts';
import type { Address, HumanName, Sex } from '../../model/person.ts';
import { optional, usableAddress } from '../fact-parts.ts';

/** How the hub names a nominal's record: `Nominal/<id>`. */
export const nominalRef = (id: string): string => `Nominal/${id}`;

/** A recorded name as the model's; a name without a given name (the model needs one) is left out. */
export function humanName(name: PersonName): HumanName | undefined {
  const given = name.PersonGivenName.slice(0, 5);
  return given.length === 0 ? undefined : { given, family: name.PersonSurName };
}

/** Names without repeats, compared without regard to case. */
export function dedupeNames(names: readonly HumanName[]): HumanName[] {
  const seen = new Set<string>();
  return names.filter((n) => {
    const key = [...n.given, n.family].join('\u0000').toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const SEXES: Readonly<Record<'M' | 'F' | 'U', Sex>> = { M: 'male', F: 'female', U: 'unknown' };

/** POLE PersonSexCode → the model's sex. */
export function sexOf(code: 'M' | 'F' | 'U' | undefined): Sex | undefined {
  return code === undefined ? undefined : SEXES[code];
}

/** A POLE address as the model's; undefined when it says nothing. */
export function address(source: PoleAddress): Address | undefined {
  const postcode = source.LocationPostalCode?.toUpperCase();
  return usableAddress({
    lines: [...source.AddressLine],
    ...optional('town', source.LocationTownName),
    ...optional('postcode', postcode),
    ...optional('uprn', source.UPRN),
  });
}

/** "Location: 14 Alder Grove, Northtown, WF13 2QP." — undefined for an empty location. */
export function locationSentence(location: PoleAddress | undefined): string | undefined {
  const text = location === undefined ? '' : [...location.AddressLine, location.LocationTownName, location.LocationPostalCode].filter((p) => p !== undefined).join(', ');
  return text === '' ? undefined : `Location: ${text}.`;
}
