/**
 * Health mapping values: FHIR data types (HumanName, gender, Identifier, Address, Period, dates,
 * CodeableConcept, narrative) as the common model's.
 *
 * Why this file exists: split out of health.ts (house file-size limit); reading FHIR's data
 * types is one responsibility, shared by the people, event and flag facts. Source data is kept,
 * never invented: what the model cannot hold exactly (partial dates, over-long values) is left
 * out rather than guessed.
 */
import {
  ADDRESS_KEY_EXTENSION,
  NHS_NUMBER_SYSTEM,
  type FhirAddress,
  type FhirCodeableConcept,
  type FhirHumanName,
  type FhirIdentifier,
  type FhirNarrative,
  type FhirPeriod,
} from '../../adapters/fhir/types.ts';
import { IsoDate, type Address, type HumanName, type Identifier, type Period, type Sex } from '../../model/person.ts';
import { clip, optional, period, usableAddress } from '../fact-parts.ts';

const NAME_USES: ReadonlyMap<string, HumanName['use']> = new Map([['usual', 'usual'], ['official', 'official'], ['nickname', 'nickname'], ['maiden', 'maiden'], ['old', 'old']]);

/** FHIR HumanNames the model can hold; `anonymous` names are not the person's and are left out. */
export function humanNames(names: readonly FhirHumanName[] | undefined): HumanName[] {
  const result: HumanName[] = [];
  for (const name of names ?? []) {
    if (name.use === 'anonymous') continue;
    let given = (name.given ?? []).map((g) => g.trim()).filter((g) => g !== '');
    let family = name.family?.trim() ?? '';
    if ((given.length === 0 || family === '') && name.text !== undefined) {
      // Only `text` (or half the parts): "Peter James Chalmers" — the last word is the family name.
      const words = name.text.trim().split(/\s+/).filter((w) => w !== '');
      if (words.length >= 2) {
        given = given.length > 0 ? given : words.slice(0, -1);
        family = family !== '' ? family : (words.at(-1) ?? '');
      }
    }
    if (given.length === 0 || family === '') continue;
    const use = name.use === undefined ? undefined : NAME_USES.get(name.use);
    result.push({ given: given.slice(0, 5).map((g) => clip(g, 100)), family: clip(family, 100), ...optional('use', use) });
  }
  return result;
}

const SEXES: ReadonlyMap<string, Sex> = new Map([['female', 'female'], ['male', 'male'], ['other', 'other'], ['unknown', 'unknown']]);

/** FHIR administrative gender → the model's sex (the same four codes). */
export function sex(gender: string | undefined): Sex | undefined {
  return gender === undefined ? undefined : SEXES.get(gender);
}

/** NHS numbers as `nhs-number` (spaces removed); any other identifier as `local`, issued by its system. */
export function identifiers(source: readonly Pick<FhirIdentifier, 'system' | 'value'>[] | undefined): Identifier[] {
  const result: Identifier[] = [];
  for (const identifier of source ?? []) {
    const raw = identifier.value?.trim();
    if (raw === undefined || raw === '') continue;
    if (identifier.system === NHS_NUMBER_SYSTEM) {
      const value = raw.replace(/\s+/g, '');
      if (value.length <= 64) result.push({ system: 'nhs-number', value });
      continue;
    }
    if (raw.length > 64) continue;
    const issuer = identifier.system?.trim();
    result.push({ system: 'local', value: raw, ...optional('issuer', issuer === undefined || issuer === '' ? undefined : clip(issuer, 120)) });
  }
  return result;
}

/** FHIR addresses as the model's, those that say nothing left out. */
export function addresses(source: readonly FhirAddress[] | undefined): Address[] {
  const result: Address[] = [];
  for (const address of source ?? []) {
    const lines = (address.line ?? []).map((l) => l.trim()).filter((l) => l !== '').map((l) => clip(l, 200));
    const town = address.city?.trim();
    const postcode = address.postalCode?.trim().toUpperCase();
    const uprn = addressKey(address, 'UPRN');
    const mapped: Address = {
      lines: lines.slice(0, 6),
      ...optional('town', town === undefined || town === '' ? undefined : clip(town, 100)),
      ...optional('postcode', postcode !== undefined && postcode !== '' && postcode.length <= 10 ? postcode : undefined),
      ...optional('uprn', uprn !== undefined && /^\d{1,12}$/.test(uprn) ? uprn : undefined),
      ...optional('period', toPeriod(address.period)),
    };
    const usable = usableAddress(mapped);
    if (usable !== undefined) result.push(usable);
  }
  return result;
}

/** The value of a UK Core AddressKey extension of the given type (UPRN, PAF). */
export function addressKey(address: FhirAddress, type: string): string | undefined {
  for (const extension of address.extension ?? []) {
    if (extension.url !== ADDRESS_KEY_EXTENSION) continue;
    const parts = extension.extension ?? [];
    if (parts.some((p) => p.url === 'type' && p.valueCoding?.code === type)) {
      return parts.find((p) => p.url === 'value')?.valueString?.trim();
    }
  }
  return undefined;
}

/** A FHIR Period's known ends, as dates. */
export function toPeriod(source: FhirPeriod | undefined): Period | undefined {
  return period(isoDate(source?.start), isoDate(source?.end));
}

/**
 * The calendar date of a FHIR date, dateTime or instant, as recorded (its own time zone).
 * Partial dates ("2017", "2017-03") have no day and are left out rather than guessed.
 */
export function isoDate(value: string | undefined): string | undefined {
  const day = value?.match(/^(\d{4}-\d{2}-\d{2})/)?.[1];
  return day !== undefined && IsoDate.safeParse(day).success ? day : undefined;
}

/** The concept's text, else the first coding's display. */
export function conceptText(concept: FhirCodeableConcept | undefined): string | undefined {
  const candidates = [concept?.text, ...(concept?.coding ?? []).map((c) => c.display)];
  for (const candidate of candidates) {
    const text = candidate?.trim();
    if (text !== undefined && text !== '') return text;
  }
  return undefined;
}

const ENTITIES: ReadonlyMap<string, string> = new Map([['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"], ['nbsp', ' ']]);

/**
 * A narrative's XHTML as plain text: tags dropped, entities decoded, whitespace collapsed.
 * The result is text, never markup — whoever displays it escapes it like any other string.
 */
export function narrativeText(narrative: FhirNarrative | undefined): string | undefined {
  if (narrative?.div === undefined) return undefined;
  const text = narrative.div
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (whole: string, name: string) => {
      const code = name.startsWith('#x') || name.startsWith('#X') ? Number.parseInt(name.slice(2), 16) : name.startsWith('#') ? Number.parseInt(name.slice(1), 10) : undefined;
      if (code === undefined) return ENTITIES.get(name.toLowerCase()) ?? whole;
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
    })
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? undefined : clip(text, 3500);
}

/** The first coding's code of a concept. */
export function firstCode(concept: FhirCodeableConcept | undefined): string | undefined {
  return concept?.coding?.find((c) => c.code !== undefined)?.code;
}
