/**
 * The person record identity matching works on, how one is made from a PersonFact, and its
 * normalised form.
 *
 * Why: agencies describe people in different shapes (FHIR names, police nominals, CSV rows), and
 * the matcher should not care. `PersonRecord` is the flat, source-neutral description the
 * comparators read; `prepareRecord` normalises it once (case, accents, punctuation, phonetic
 * codes, parsed dates, canonical identifiers) so that comparing two records is cheap and does
 * the same normalisation every time. Identifiers that fail their check are dropped here, so no
 * later step can trust a mistyped one.
 */
import type { PersonFact } from '../../model/fact.ts';
import type { Address, HumanName } from '../../model/person.ts';
import { canonicalNhsNumber, canonicalPncId, canonicalUpn } from './identifiers.ts';
import { phoneticCodes } from './strings.ts';

/** What one source says about a person, flat and source-neutral. All fields but `id` optional. */
export interface PersonRecord {
  /** Caller's id for the record; unique within one linkage run. */
  readonly id: string;
  /** Given names, first name first. */
  readonly given?: readonly string[];
  readonly family?: string;
  /** `YYYY-MM-DD`. */
  readonly birthDate?: string;
  readonly sex?: 'female' | 'male' | 'other' | 'unknown';
  readonly addressLines?: readonly string[];
  readonly postcode?: string;
  readonly town?: string;
  readonly nhsNumber?: string;
  readonly upn?: string;
  readonly pncId?: string;
  readonly uprn?: string;
  readonly email?: string;
  /** Any other identifier shared by the sources being linked (a local id, a social security number). */
  readonly otherId?: string;
}

/** A parsed birth date. */
export interface DateParts {
  readonly y: number;
  readonly m: number;
  readonly d: number;
  /** `YYYYMMDD`. */
  readonly digits: string;
  /** Days since 1970-01-01. */
  readonly day: number;
}

/** A record normalised for comparison. Built once per record by `prepareRecord`. */
export interface PreparedRecord {
  readonly record: PersonRecord;
  /** First given name, folded; a bare initial stays one letter. */
  readonly givenFirst?: string;
  /** All given-name tokens, folded. */
  readonly givenAll: readonly string[];
  readonly givenCodes: readonly string[];
  /** Family name folded with separators removed ("smith-jones" → "smithjones"). */
  readonly family?: string;
  readonly familyTokens: readonly string[];
  readonly familyCodes: readonly string[];
  readonly birth?: DateParts;
  readonly sex?: 'female' | 'male' | 'other';
  /** Address lines folded and joined, abbreviations expanded. */
  readonly address?: string;
  readonly addressTokens: readonly string[];
  /** Postcode in upper case without spaces. */
  readonly postcode?: string;
  /** Outward code of a UK postcode, otherwise the postcode without its last character. */
  readonly postcodeDistrict?: string;
  readonly town?: string;
  readonly uprn?: string;
  readonly email?: string;
  readonly emailLocal?: string;
  readonly otherId?: string;
  /** Valid NHS number (canonical); absent when missing or failing its check. */
  readonly nhsNumber?: string;
  /** The NHS number's digits as given, valid or not (for the unchecked comparison). */
  readonly nhsDigits?: string;
  readonly upn?: string;
  readonly pncId?: string;
}

/** Lower case, accents removed, whitespace collapsed. */
export function foldText(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Name tokens: folded letters only, split at spaces, hyphens and other punctuation; apostrophes dropped. */
export function nameTokens(value: string): string[] {
  return foldText(value).replace(/['’`]/g, '').split(/[^a-z]+/).filter((t) => t.length > 0);
}

/** Parses `YYYY-MM-DD` (a real calendar day) or returns undefined. */
export function parseIsoDate(value: string): DateParts | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  if (m === null) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const time = Date.UTC(y, mo - 1, d);
  const check = new Date(time);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return { y, m: mo, d, digits: `${m[1]}${m[2]}${m[3]}`, day: Math.round(time / 86_400_000) };
}

/** Common street-type abbreviations in UK and Australian addresses, expanded before comparison. */
const STREET_WORDS: Readonly<Record<string, string>> = {
  rd: 'road', st: 'street', str: 'street', ave: 'avenue', av: 'avenue', ln: 'lane', dr: 'drive', cl: 'close', cres: 'crescent',
  cr: 'crescent', ct: 'court', crt: 'court', pl: 'place', sq: 'square', gdns: 'gardens', gr: 'grove', ter: 'terrace', terr: 'terrace',
  pde: 'parade', hwy: 'highway', cct: 'circuit', pk: 'park', mt: 'mount', apt: 'flat',
};

/** Address tokens: folded letters and digits, abbreviations expanded. */
export function addressTokens(lines: readonly string[]): string[] {
  return foldText(lines.join(' '))
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0)
    .map((t) => STREET_WORDS[t] ?? t);
}

const UK_POSTCODE = /^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$/;

/** Postcode without spaces in upper case, and its district (UK outward code, else all but the last character). */
export function normalisePostcode(value: string): { postcode: string; district?: string } | undefined {
  const postcode = value.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (postcode.length === 0) return undefined;
  if (UK_POSTCODE.test(postcode)) return { postcode, district: postcode.slice(0, -3) };
  return postcode.length >= 4 ? { postcode, district: postcode.slice(0, -1) } : { postcode };
}

const present = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed.length === 0 ? undefined : trimmed;
};

/** Normalises a record once for comparison. */
export function prepareRecord(record: PersonRecord): PreparedRecord {
  const givenAll = (record.given ?? []).flatMap(nameTokens);
  const givenFirst = givenAll[0];
  const familyTokens = nameTokens(record.family ?? '');
  const family = familyTokens.length > 0 ? familyTokens.join('') : undefined;
  const lines = (record.addressLines ?? []).filter((l) => l.trim().length > 0);
  const tokens = addressTokens(lines);
  const pc = normalisePostcode(record.postcode ?? '');
  const town = present(record.town) === undefined ? undefined : foldText(record.town ?? '').replace(/[^a-z0-9]+/g, ' ').trim();
  const email = present(record.email) === undefined ? undefined : foldText(record.email ?? '').replace(/\s/g, '');
  const uprn = present(record.uprn)?.replace(/^0+/, '');
  const otherId = present(record.otherId)?.toUpperCase().replace(/\s/g, '');
  const sex = record.sex === 'female' || record.sex === 'male' || record.sex === 'other' ? record.sex : undefined;
  const birth = record.birthDate === undefined ? undefined : parseIsoDate(record.birthDate);
  const nhsNumber = record.nhsNumber === undefined ? undefined : canonicalNhsNumber(record.nhsNumber);
  const nhsDigits = record.nhsNumber?.replace(/[\s-]/g, '');
  const upn = record.upn === undefined ? undefined : canonicalUpn(record.upn);
  const pncId = record.pncId === undefined ? undefined : canonicalPncId(record.pncId);
  return {
    record,
    givenAll,
    givenCodes: givenFirst === undefined || givenFirst.length < 2 ? [] : phoneticCodes(givenFirst),
    familyTokens,
    familyCodes: family === undefined ? [] : phoneticCodes(family),
    addressTokens: tokens,
    ...(givenFirst === undefined ? {} : { givenFirst }),
    ...(family === undefined ? {} : { family }),
    ...(birth === undefined ? {} : { birth }),
    ...(sex === undefined ? {} : { sex }),
    ...(tokens.length === 0 ? {} : { address: tokens.join(' ') }),
    ...(pc === undefined ? {} : { postcode: pc.postcode, ...(pc.district === undefined ? {} : { postcodeDistrict: pc.district }) }),
    ...(town === undefined || town.length === 0 ? {} : { town }),
    ...(uprn === undefined || uprn.length === 0 ? {} : { uprn }),
    ...(email === undefined || email.length === 0 ? {} : { email, emailLocal: email.split('@')[0] ?? email }),
    ...(otherId === undefined || otherId.length === 0 ? {} : { otherId }),
    ...(nhsNumber === undefined ? {} : { nhsNumber }),
    ...(nhsDigits === undefined || nhsDigits.length < 6 ? {} : { nhsDigits }),
    ...(upn === undefined ? {} : { upn }),
    ...(pncId === undefined ? {} : { pncId }),
  };
}

/** The name a person is best known by in a fact: usual, then official, then the first given. */
function mainName(names: readonly HumanName[]): HumanName | undefined {
  return names.find((n) => n.use === 'usual') ?? names.find((n) => n.use === 'official') ?? names.find((n) => n.use === undefined) ?? names[0];
}

/** The address a fact gives as current: no end date, latest start. */
function currentAddress(addresses: readonly Address[]): Address | undefined {
  const open = addresses.filter((a) => a.period?.end === undefined);
  const pool = open.length > 0 ? open : addresses;
  return [...pool].sort((a, b) => (b.period?.start ?? '').localeCompare(a.period?.start ?? ''))[0];
}

/**
 * A PersonRecord from what an agency says about a person. The record id is the fact id;
 * local identifiers become `otherId` scoped by their issuer, so only the same issuer's ids meet.
 */
export function personRecordFromFact(fact: PersonFact): PersonRecord {
  const name = mainName(fact.names);
  const address = currentAddress(fact.addresses);
  const idOf = (system: string): string | undefined => fact.identifiers.find((i) => i.system === system)?.value;
  const local = fact.identifiers.find((i) => i.system === 'local');
  const uprn = address?.uprn ?? idOf('uprn');
  const nhsNumber = idOf('nhs-number');
  const upn = idOf('upn');
  const pncId = idOf('pnc-id');
  return {
    id: fact.id,
    ...(name === undefined ? {} : { given: name.given, family: name.family }),
    ...(fact.birthDate === undefined ? {} : { birthDate: fact.birthDate }),
    ...(fact.sex === undefined ? {} : { sex: fact.sex }),
    ...(address === undefined
      ? {}
      : {
          addressLines: address.lines,
          ...(address.postcode === undefined ? {} : { postcode: address.postcode }),
          ...(address.town === undefined ? {} : { town: address.town }),
        }),
    ...(uprn === undefined ? {} : { uprn }),
    ...(nhsNumber === undefined ? {} : { nhsNumber }),
    ...(upn === undefined ? {} : { upn }),
    ...(pncId === undefined ? {} : { pncId }),
    ...(local === undefined ? {} : { otherId: `${local.issuer ?? fact.provenance.sourceSystem}:${local.value}` }),
  };
}
