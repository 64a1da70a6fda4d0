/**
 * Trusted person identifiers and their check characters: NHS number, Unique Pupil Number and
 * Police National Computer id.
 *
 * Why this file exists: identity matching links two records outright when they carry the same
 * trusted identifier, and treats two *different* identifiers of one system as strong evidence
 * that they are different people. That is only safe for values that pass the issuer's own check,
 * because a mistyped identifier is far more likely than a shared one. Each value is validated
 * and put in one canonical form here before anything trusts it. The algorithms follow their
 * published definitions (NHS Data Dictionary "NHS NUMBER"; DfE "Unique pupil numbers (UPNs)"
 * guidance; the PNC id check character, modulus 23), written out because no maintained npm
 * package covers the three.
 */

/** The identifier systems trusted for deterministic links. */
export const TRUSTED_SYSTEMS = ['nhsNumber', 'upn', 'pncId'] as const;
export type TrustedSystem = (typeof TRUSTED_SYSTEMS)[number];

/**
 * Check digit of an NHS number from its first nine digits: weights 10..2, 11 − (sum mod 11);
 * 11 becomes 0 and 10 means no valid number has these nine digits (undefined).
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

/** The NHS number in canonical form (10 digits, spaces and dashes removed) when valid. */
export function canonicalNhsNumber(value: string): string | undefined {
  const digits = value.replace(/[\s-]/g, '');
  if (!/^\d{10}$/.test(digits)) return undefined;
  return nhsCheckDigit(digits.slice(0, 9)) === Number(digits[9]) ? digits : undefined;
}

/** True for a 10-digit NHS number with a correct modulus-11 check digit. */
export const isValidNhsNumber = (value: string): boolean => canonicalNhsNumber(value) !== undefined;

/** The 23 letters the DfE uses for UPN check characters: A–Z without I, O and S. */
const UPN_LETTERS = 'ABCDEFGHJKLMNPQRTUVWXYZ';

/**
 * Check letter of a UPN from its characters 2–13: character n is weighted by n and the sum
 * modulo 23 indexes UPN_LETTERS. A letter in position 13 (temporary UPNs) counts as its index.
 */
export function upnCheckLetter(last12: string): string | undefined {
  if (!/^\d{11}[\dA-HJ-NP-RT-Z]$/.test(last12)) return undefined;
  let sum = 0;
  for (let i = 0; i < 12; i++) {
    const ch = last12[i] ?? '';
    sum += (/\d/.test(ch) ? Number(ch) : UPN_LETTERS.indexOf(ch)) * (i + 2);
  }
  return UPN_LETTERS[sum % 23];
}

/** The UPN in canonical form (13 characters, upper case) when its check letter is right. */
export function canonicalUpn(value: string): string | undefined {
  const upn = value.replace(/\s/g, '').toUpperCase();
  if (upn.length !== 13) return undefined;
  return upnCheckLetter(upn.slice(1)) === upn[0] ? upn : undefined;
}

/** True for a 13-character UPN with a correct check letter. */
export const isValidUpn = (value: string): boolean => canonicalUpn(value) !== undefined;

/** PNC check letters: index = (two-digit year and seven-digit serial as one number) mod 23. */
const PNC_LETTERS = 'ZABCDEFGHJKLMNPQRTUVWXY';

/** Check letter of a PNC id for a two-digit year and a serial of up to seven digits. */
export function pncCheckLetter(year2: number, serial: number): string {
  return PNC_LETTERS[((year2 % 100) * 10_000_000 + serial) % 23] ?? 'Z';
}

/**
 * The PNC id in canonical short form `YY/N…X` (serial without leading zeros) when valid. The
 * short form `YY/NNNNNNX` and the long form `YYYY/NNNNNNNX` of one id are equal here.
 */
export function canonicalPncId(value: string): string | undefined {
  const m = /^(\d{2}|\d{4})\/(\d{1,7})([A-Z])$/.exec(value.replace(/\s/g, '').toUpperCase());
  if (m === null) return undefined;
  const [, year = '', serial = '', letter] = m;
  const year2 = Number(year) % 100;
  if (pncCheckLetter(year2, Number(serial)) !== letter) return undefined;
  return `${String(year2).padStart(2, '0')}/${Number(serial)}${letter}`;
}

/** True for a PNC id in short or long form with a correct check letter. */
export const isValidPncId = (value: string): boolean => canonicalPncId(value) !== undefined;

/** Canonical form of a trusted identifier of a system, or undefined when it fails its check. */
export function canonicalIdentifier(system: TrustedSystem, value: string): string | undefined {
  switch (system) {
    case 'nhsNumber':
      return canonicalNhsNumber(value);
    case 'upn':
      return canonicalUpn(value);
    case 'pncId':
      return canonicalPncId(value);
    default:
      return system satisfies never;
  }
}
