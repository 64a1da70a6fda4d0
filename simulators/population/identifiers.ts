/**
 * UK identifier formats and their check characters, for the synthetic population.
 *
 * Why: identity matching in the hub relies on NHS numbers, UPNs and PNC ids; the simulators
 * must hand out values that pass the same checks real systems apply, so that the gateway's
 * validation is exercised, and generated values must stay obviously synthetic:
 * - NHS numbers are drawn from the 999 range, which NHS England reserves for testing.
 * - UPNs use Kirklees (LA 382) and invented establishment numbers.
 * All check algorithms are implemented here from their published definitions.
 */
import type { Rng } from './rng.ts';

// ---- NHS number (NHS Data Dictionary: "NHS NUMBER", modulus 11) ----

/**
 * Check digit of an NHS number from its first nine digits: weights 10..2, sum, 11 − (sum mod
 * 11); 11 becomes 0; 10 means the nine digits can never form a valid number (returns undefined).
 */
export function nhsCheckDigit(first9: string): number | undefined {
  if (!/^\d{9}$/.test(first9)) return undefined;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(first9[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return undefined;
  return check;
}

/** True for 10 digits whose last digit is the modulus-11 check digit of the first nine. */
export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  return nhsCheckDigit(value.slice(0, 9)) === Number(value[9]);
}

// ---- Unique Pupil Number (DfE "Unique pupil numbers (UPNs)" guidance, check letter) ----

/** The 23 letters the DfE uses for check characters: A–Z without I, O and S. */
const UPN_LETTERS = 'ABCDEFGHJKLMNPQRTUVWXYZ';

/**
 * Check letter of a UPN from characters 2–13: character n (n = 2..13) is weighted by n, sum
 * modulo 23 indexes UPN_LETTERS. A letter in position 13 (temporary UPNs) counts as its index
 * in UPN_LETTERS.
 */
export function upnCheckLetter(last12: string): string | undefined {
  if (!/^\d{11}[\dABCDEFGHJKLMNPQRTUVWXYZ]$/.test(last12)) return undefined;
  let sum = 0;
  for (let i = 0; i < 12; i++) {
    const ch = last12[i] ?? '';
    const value = /\d/.test(ch) ? Number(ch) : UPN_LETTERS.indexOf(ch);
    sum += value * (i + 2);
  }
  return UPN_LETTERS[sum % 23];
}

/** True for a 13-character UPN with a correct check letter. */
export function isValidUpn(value: string): boolean {
  if (value.length !== 13) return false;
  return upnCheckLetter(value.slice(1)) === value[0];
}

/** A permanent UPN: check letter + LA (3) + establishment (4) + year of allocation (2) + serial (3). */
export function makeUpn(la: number, establishment: number, year2: number, serial: number): string {
  const body = `${String(la).padStart(3, '0')}${String(establishment).padStart(4, '0')}${String(year2 % 100).padStart(2, '0')}${String(serial).padStart(3, '0')}`;
  const check = upnCheckLetter(body);
  if (check === undefined) throw new Error(`bad UPN body ${body}`);
  return `${check}${body}`;
}

// ---- PNC id (Police National Computer person id) ----

/** Check letters of PNC ids: index = (year digits and serial as one number) mod 23. */
const PNC_LETTERS = 'ZABCDEFGHJKLMNPQRTUVWXY';

/** Check letter of PNC id for a 2-digit year and a serial number (up to 7 digits). */
export function pncCheckLetter(year2: number, serial: number): string {
  const n = (year2 % 100) * 10_000_000 + serial;
  return PNC_LETTERS[n % 23] ?? 'Z';
}

/**
 * Short-form PNC id, `YY/NNNNNNX` (6-digit serial). The long form `YYYY/NNNNNNNX` has the same
 * check letter; `isValidPncId` accepts both.
 */
export function makePncId(year2: number, serial: number): string {
  return `${String(year2 % 100).padStart(2, '0')}/${String(serial).padStart(6, '0')}${pncCheckLetter(year2, serial)}`;
}

/** True for `YY/N…NX` (1–7 digit serial) or `YYYY/NNNNNNNX` with a correct check letter. */
export function isValidPncId(value: string): boolean {
  const m = /^(\d{2}|\d{4})\/(\d{1,7})([A-Z])$/.exec(value);
  if (m === null) return false;
  const [, year, serial, letter] = m;
  return pncCheckLetter(Number(year) % 100, Number(serial)) === letter;
}

// ---- Postcode and UPRN ----

/** Letters allowed in the inward code's last two characters (Royal Mail: no C I K M O V). */
const INWARD_LETTERS = Array.from('ABDEFGHJLNPQRSTUWXYZ');

/** A valid-format inward code ("2QR"). */
export function randomInward(rng: Rng): string {
  return `${rng.int(0, 9)}${rng.pick(INWARD_LETTERS)}${rng.pick(INWARD_LETTERS)}`;
}

/** UK postcode format check (outward + space + inward), the common validation pattern. */
export function isValidPostcodeFormat(value: string): boolean {
  return /^[A-Z]{1,2}\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2}$/.test(value);
}

/** True for a 12-digit UPRN string. */
export function isValidUprn(value: string): boolean {
  return /^\d{12}$/.test(value);
}

// ---- unique random ids ----

/**
 * Hands out unique random numeric ids with a prefix, so that agency-local ids carry no
 * ordering that would leak households or ground truth. Reserve fixed ids (the featured
 * family's) before drawing.
 */
export interface IdAllocator {
  /** A new id `${prefix}${digits}`. */
  draw(prefix: string, digits: number): string;
  /** Marks an id as taken. */
  reserve(id: string): void;
}

export function createIdAllocator(rng: Rng): IdAllocator {
  const used = new Set<string>();
  return {
    draw(prefix, digits) {
      const min = 10 ** (digits - 1);
      for (;;) {
        const id = `${prefix}${rng.int(min, min * 10 - 1)}`;
        if (!used.has(id)) {
          used.add(id);
          return id;
        }
      }
    },
    reserve(id) {
      used.add(id);
    },
  };
}
