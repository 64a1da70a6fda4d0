/**
 * Social care mapping values: the case system's record marking as the hub's sensitivity, names,
 * addresses and code labels as the common model's.
 *
 * Why this file exists: split out of social-care.ts (house file-size limit); the sensitivity
 * rules and the case system's data types are shared by the people, event and flag facts.
 */
import type { ScName, ScPerson } from '../../adapters/social-care/types.ts';
import type { Sensitivity } from '../../model/agency.ts';
import type { Address, HumanName } from '../../model/person.ts';
import { clip, moreSensitive, optional, usableAddress } from '../fact-parts.ts';

/** How the hub names a case-system person's record: `Person/<personId>`. */
export const personRefOf = (personId: string): string => `Person/${personId}`;

/** A record marking as a sensitivity: absent is open, an unknown marking is restricted (it fails closed). */
export function marking(recordMarking: string | undefined): Sensitivity {
  switch (recordMarking) {
    case undefined:
    case 'open':
      return 'open';
    case 'sensitive':
      return 'sensitive';
    default:
      return 'restricted';
  }
}

/**
 * The sensitivity of a record (see the header of ../social-care.ts): its marking, raised to the
 * floor of its kind (sensitive for section 47 enquiries and CP plans). That a restricted person
 * restricts every fact about them is the skeleton's floor (../skeleton.ts).
 */
export function sensitivityOf(recordMarking: string | undefined, floor: Sensitivity): Sensitivity {
  return moreSensitive(marking(recordMarking), floor);
}

/** A name the model can hold (blank parts dropped), or undefined when nothing usable is left. */
export function humanName(name: ScName): HumanName | undefined {
  const given = name.given.map((g) => g.trim()).filter((g) => g !== '').slice(0, 5).map((g) => clip(g, 100));
  const family = clip(name.family.trim(), 100);
  return given.length === 0 || family === '' ? undefined : { given, family };
}

/** The usable names, each once. */
export function uniqueNames(names: readonly ScName[]): HumanName[] {
  const result: HumanName[] = [];
  for (const name of names.map(humanName)) {
    if (name === undefined) continue;
    if (!result.some((n) => n.family === name.family && n.given.join(' ') === name.given.join(' '))) result.push(name);
  }
  return result;
}

/** The case system's address as the model's; undefined when it says nothing. */
export function toAddress(source: ScPerson['address']): Address | undefined {
  if (source === undefined) return undefined;
  const lines = source.lines.map((l) => l.trim()).filter((l) => l !== '');
  const town = source.town?.trim();
  const postcode = source.postcode?.trim().toUpperCase();
  return usableAddress({
    lines,
    ...optional('town', town === undefined || town === '' ? undefined : town),
    ...optional('postcode', postcode === undefined || postcode === '' ? undefined : postcode),
    ...optional('uprn', source.uprn),
  });
}

/** "Neglect (NEG)" for a known code; "category XYZ" for one the tables do not know. */
export function codeLabel(table: Readonly<Record<string, string>>, code: string, noun = 'code'): string {
  const label = table[code];
  return label === undefined ? `${noun} ${code}` : `${label} (${code})`;
}

/** True when the text says no more than the label ("Child in need plan." under "Child in need plan"). */
export function sameWords(text: string, label: string): boolean {
  const words = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
  return words(text) === words(label);
}
