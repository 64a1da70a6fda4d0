/**
 * Check-character algorithms of the identifiers the population hands out, against values
 * published elsewhere (so the tests do not just agree with themselves).
 */
import { describe, expect, it } from 'vitest';
import {
  isValidNhsNumber, isValidPncId, isValidPostcodeFormat, isValidUpn, makePncId, makeUpn, nhsCheckDigit, upnCheckLetter,
} from './identifiers.ts';

describe('NHS number (modulus 11)', () => {
  it('accepts known-good numbers', () => {
    // 9000000009: the PDS FHIR API sandbox patient; 9434765919: a widely used validator example.
    expect(isValidNhsNumber('9000000009')).toBe(true);
    expect(isValidNhsNumber('9434765919')).toBe(true);
  });
  it('rejects a wrong check digit, wrong length and non-digits', () => {
    expect(isValidNhsNumber('9434765918')).toBe(false);
    expect(isValidNhsNumber('943476591')).toBe(false);
    expect(isValidNhsNumber('94347659l9')).toBe(false);
  });
  it('never issues nine digits whose check would be 10', () => {
    // 1..9 weights: find one whose remainder is 1 → check 10 → no valid number.
    let found: string | undefined;
    for (let n = 999_000_000; n < 999_000_100 && found === undefined; n++) if (nhsCheckDigit(String(n)) === undefined) found = String(n);
    expect(found).toBeDefined();
    for (let d = 0; d <= 9; d++) expect(isValidNhsNumber(`${found}${d}`)).toBe(false);
  });
});

describe('UPN (DfE check letter)', () => {
  it('accepts a known-good UPN and rejects its wrong-letter twin', () => {
    // python-stdnum's doctest examples for English UPNs.
    expect(isValidUpn('B801200005001')).toBe(true);
    expect(isValidUpn('A801200005001')).toBe(false);
  });
  it('uses the 23-letter alphabet without I, O, S', () => {
    expect(upnCheckLetter('801200005001')).toBe('B');
    for (let serial = 0; serial < 500; serial++) expect(makeUpn(382, 2047, 21, serial)).toMatch(/^[A-HJ-NP-RT-Z]\d{12}$/);
  });
  it('rejects wrong length and letters in the middle', () => {
    expect(isValidUpn('B80120000500')).toBe(false);
    expect(isValidUpn('X80120000A001')).toBe(false);
  });
});

describe('PNC id (check letter mod 23)', () => {
  it('accepts published valid ids in long form', () => {
    // Examples from the Ministry of Justice person-record service's PNC validator tests.
    for (const id of ['2001/0171310W', '2011/0275516Q', '2008/0056560Z', '2003/0062845E', '1981/0154257C']) expect(isValidPncId(id)).toBe(true);
  });
  it('rejects a wrong check letter', () => {
    expect(isValidPncId('2008/0056560A')).toBe(false);
  });
  it('issues short-form YY/NNNNNNX ids that validate in both forms', () => {
    const short = makePncId(8, 56560);
    expect(short).toBe('08/056560Z');
    expect(isValidPncId(short)).toBe(true);
    expect(isValidPncId('2008/0056560Z')).toBe(true);
  });
});

describe('postcode format', () => {
  it('accepts the common shapes and rejects malformed ones', () => {
    for (const pc of ['WF13 2QP', 'HD1 1AA', 'BD19 3AB', 'M1 1AE', 'EC1A 1BB']) expect(isValidPostcodeFormat(pc)).toBe(true);
    for (const pc of ['WF13 2QC', 'WF132QP', '13 2QP', 'WF13 QP2']) expect(isValidPostcodeFormat(pc)).toBe(false);
  });
});
