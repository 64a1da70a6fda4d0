/**
 * Check-character algorithms of the trusted identifiers, against values published elsewhere
 * (so the tests do not just agree with the code).
 */
import { describe, expect, it } from 'vitest';
import { canonicalIdentifier, canonicalNhsNumber, canonicalPncId, canonicalUpn, isValidNhsNumber, isValidPncId, isValidUpn, nhsCheckDigit } from './identifiers.ts';

describe('NHS number (modulus 11)', () => {
  it('accepts known-good numbers, with or without spaces', () => {
    // 9000000009: the PDS FHIR API sandbox patient; 9434765919: a widely used validator example.
    expect(isValidNhsNumber('9000000009')).toBe(true);
    expect(isValidNhsNumber('9434765919')).toBe(true);
    expect(canonicalNhsNumber('943 476 5919')).toBe('9434765919');
  });
  it('rejects a wrong check digit, transposed digits, wrong length and non-digits', () => {
    expect(isValidNhsNumber('9434765918')).toBe(false);
    expect(isValidNhsNumber('4934765919')).toBe(false);
    expect(isValidNhsNumber('943476591')).toBe(false);
    expect(isValidNhsNumber('94347659l9')).toBe(false);
  });
  it('has no valid number when the check would be 10', () => {
    let nine: string | undefined;
    for (let n = 999_000_000; n < 999_000_100 && nine === undefined; n++) if (nhsCheckDigit(String(n)) === undefined) nine = String(n);
    expect(nine).toBeDefined();
    for (let d = 0; d <= 9; d++) expect(isValidNhsNumber(`${nine}${d}`)).toBe(false);
  });
});

describe('UPN (DfE check letter)', () => {
  it('accepts a known-good UPN, in any case', () => {
    // python-stdnum's doctest examples for English UPNs.
    expect(isValidUpn('B801200005001')).toBe(true);
    expect(canonicalUpn('b801200005001')).toBe('B801200005001');
  });
  it('rejects a wrong letter, wrong length and letters in the middle', () => {
    expect(isValidUpn('A801200005001')).toBe(false);
    expect(isValidUpn('B80120000500')).toBe(false);
    expect(isValidUpn('X80120000A001')).toBe(false);
  });
});

describe('PNC id (check letter mod 23)', () => {
  it('accepts published ids in long form and their short forms', () => {
    // Examples from the Ministry of Justice person-record service's PNC validator tests.
    for (const id of ['2001/0171310W', '2011/0275516Q', '2008/0056560Z', '2003/0062845E', '1981/0154257C']) expect(isValidPncId(id)).toBe(true);
    expect(isValidPncId('08/056560Z')).toBe(true);
  });
  it('gives the long and the short form of one id the same canonical form', () => {
    expect(canonicalPncId('2008/0056560Z')).toBe(canonicalPncId('08/056560Z'));
  });
  it('rejects a wrong check letter and malformed ids', () => {
    expect(isValidPncId('2008/0056560A')).toBe(false);
    expect(isValidPncId('2008-0056560Z')).toBe(false);
    expect(isValidPncId('')).toBe(false);
  });
});

describe('canonicalIdentifier', () => {
  it('dispatches by system and refuses what fails its check', () => {
    expect(canonicalIdentifier('nhsNumber', '9434765919')).toBe('9434765919');
    expect(canonicalIdentifier('upn', 'B801200005001')).toBe('B801200005001');
    expect(canonicalIdentifier('pncId', '2008/0056560Z')).toBe('08/56560Z');
    expect(canonicalIdentifier('nhsNumber', '9434765918')).toBeUndefined();
  });
});
