/**
 * Field comparators: each error agency records really contain lands on the level meant for it.
 */
import { describe, expect, it } from 'vitest';
import { compareAddress, compareBirthDate, compareEmail, compareFamily, compareGiven, compareNhsUnchecked, compareOtherId, compareSex, compareTown, LEVELS, MISSING, softTokenOverlap } from './comparators.ts';
import { prepareRecord, type PersonRecord } from './record.ts';

const rec = (fields: Omit<PersonRecord, 'id'>) => prepareRecord({ id: 'r', ...fields });
const level = (field: keyof typeof LEVELS, n: number): string => (n === MISSING ? 'missing' : (LEVELS[field] as readonly string[])[n] ?? '?');
const given = (a: Omit<PersonRecord, 'id'>, b: Omit<PersonRecord, 'id'>): string => level('given', compareGiven(rec(a), rec(b)));
const family = (a: string, b: string): string => level('family', compareFamily(rec({ family: a }), rec({ family: b })));
const born = (a: string, b: string): string => level('birthDate', compareBirthDate(rec({ birthDate: a }), rec({ birthDate: b })));

describe('given names', () => {
  it('knows nicknames: Bob and Bobby are Robert, Liz is Elizabeth', () => {
    expect(given({ given: ['Bob'] }, { given: ['Robert'] })).toBe('nickname');
    expect(given({ given: ['Bobby'] }, { given: ['Rob'] })).toBe('nickname');
    expect(given({ given: ['Liz'] }, { given: ['ELIZABETH'] })).toBe('nickname');
  });
  it('does not make nicknames transitive: John and Jonathan differ although Jon is both', () => {
    expect(given({ given: ['John'] }, { given: ['Jonathan'] })).not.toBe('nickname');
  });
  it('grades exact, typo, similar-sounding, middle names, initials and clear differences', () => {
    expect(given({ given: ['Zoë'] }, { given: ['zoe'] })).toBe('exact');
    expect(given({ given: ['Charlotte'] }, { given: ['Charlote'] })).toBe('typo');
    expect(given({ given: ['Catherine'] }, { given: ['Kathryn'] })).toBe('similar');
    expect(given({ given: ['Mary', 'Ann'] }, { given: ['Ann'] })).toBe('middle-name');
    expect(given({ given: ['R.'] }, { given: ['Robert'] })).toBe('initial');
    expect(given({ given: ['J'] }, { given: ['Robert'] })).toBe('different');
    expect(given({ given: ['Oliver'] }, { given: ['Grace'] })).toBe('different');
  });
  it('sees given and family names written the wrong way round', () => {
    expect(given({ given: ['Hall'], family: 'Isla' }, { given: ['Isla'], family: 'Hall' })).toBe('swapped');
    // The family comparison then adds nothing of its own: one fact, counted once.
    expect(compareFamily(rec({ given: ['Hall'], family: 'Isla' }), rec({ given: ['Isla'], family: 'Hall' }))).toBe(MISSING);
  });
  it('needs both names crossed: a given name that is someone else\'s surname is not a swap', () => {
    expect(given({ given: ['Thomas'], family: 'Green' }, { given: ['Grace'], family: 'Thomas' })).toBe('different');
  });
  it('is missing when either side has no given name', () => {
    expect(given({}, { given: ['Ann'] })).toBe('missing');
  });
});

describe('family names', () => {
  it('grades exact, typo, phonetic, hyphenated part and difference', () => {
    expect(family("O'Brien", 'obrien')).toBe('exact');
    expect(family('Johnson', 'Jonhson')).toBe('typo');
    expect(family('Smith', 'Smyth')).toBe('phonetic');
    expect(family('Phillips', 'Fillips')).toBe('phonetic');
    expect(family('Stephens', 'Stevens')).toBe('phonetic');
    expect(family('Smith-Jones', 'Smith')).toBe('part');
    expect(family('Jones', 'Smith-Jones')).toBe('part');
    expect(family('Smith', 'Patel')).toBe('different');
  });
});

describe('birth dates', () => {
  it('grades exact, day-month swap, one digit, same month, within a year and different', () => {
    expect(born('2014-03-07', '2014-03-07')).toBe('exact');
    expect(born('2014-03-07', '2014-07-03')).toBe('day-month-swap');
    expect(born('2014-03-07', '2014-03-08')).toBe('one-digit');
    expect(born('2014-03-07', '2004-03-07')).toBe('one-digit');
    expect(born('2014-03-17', '2014-03-71'.replace('71', '27'))).toBe('one-digit');
    expect(born('2014-03-01', '2014-03-28')).toBe('same-year-month');
    expect(born('2014-03-07', '2013-11-30')).toBe('within-year');
    expect(born('2014-03-07', '1990-01-01')).toBe('different');
  });
  it('treats an impossible date as missing', () => {
    expect(born('2014-02-30', '2014-02-28')).toBe('missing');
  });
});

describe('addresses, postcodes and towns', () => {
  const home = { addressLines: ['14 Alder Grove'], postcode: 'WF13 2QP', town: 'Dewsbury' };
  const address = (a: Omit<PersonRecord, 'id'>, b: Omit<PersonRecord, 'id'>): string => level('address', compareAddress(rec(a), rec(b)));
  it('grades one home, the same lines, the same postcode, near and the same district', () => {
    expect(address(home, { ...home, addressLines: ['14 alder grove'], postcode: 'wf132qp' })).toBe('same-address');
    expect(address(home, { ...home, addressLines: ['14 Alder Gr'], postcode: undefined })).toBe('same-lines');
    expect(address(home, { ...home, addressLines: ['3 Mill Lane'] })).toBe('same-postcode');
    expect(address(home, { ...home, postcode: 'WF13 2QR', addressLines: ['9 Other Road'] })).toBe('near');
    expect(address(home, { addressLines: ['9 Other Road'], postcode: 'WF13 9ZZ' })).toBe('same-district');
    expect(address(home, { addressLines: ['9 Other Road'], postcode: 'HD1 1AA' })).toBe('different');
  });
  it('trusts an equal UPRN, and a different UPRN is a different home', () => {
    expect(address({ uprn: '100090382714' }, { uprn: '00100090382714' })).toBe('uprn');
    expect(address({ ...home, uprn: '1' }, { ...home, uprn: '2' })).toBe('same-postcode');
  });
  it('expands street abbreviations and tolerates a missing locality word', () => {
    expect(softTokenOverlap(['6', 'tullaroop', 'street', 'willaroo'], ['6', 'tullaroop', 'street'])).toBeGreaterThan(0.8);
    expect(address({ addressLines: ['22 Mill Rd'] }, { addressLines: ['22 Mill Road'] })).toBe('same-lines');
  });
  it('compares towns only where the postcode cannot speak', () => {
    expect(level('town', compareTown(rec({ town: 'London' }), rec({ town: 'Londno' })))).toBe('typo');
    expect(compareTown(rec(home), rec(home))).toBe(MISSING);
  });
});

describe('other fields', () => {
  it('compares e-mail, other ids and sex', () => {
    expect(level('email', compareEmail(rec({ email: 'lola.b@example.com' }), rec({ email: 'lola.b@exmaple.com' })))).toBe('typo');
    expect(level('email', compareEmail(rec({ email: 'lola.b@example.com' }), rec({ email: 'lola.b@other.org' })))).toBe('same-local-part');
    // Family members' addresses built alike differ in the initial: not a slip.
    expect(level('email', compareEmail(rec({ email: 'ssytlock@gmail.com' }), rec({ email: 'tsytlock@gmail.com' })))).toBe('different');
    // A provider gives an address to one person: other digits are another account, not a slip.
    expect(level('email', compareEmail(rec({ email: 'sophie.bell@gmail.com' }), rec({ email: 'sophie.bell21@gmail.com' })))).toBe('different');
    // One handle at two providers that only spells both records' names adds nothing to the names.
    const natalie = { given: ['Natalie'], family: 'Wood' };
    expect(compareEmail(rec({ ...natalie, email: 'natalie.wood@gmail.com' }), rec({ ...natalie, email: 'natalie.wood@hotmail.co.uk' }))).toBe(MISSING);
    expect(level('email', compareEmail(rec({ ...natalie, email: 'nat.w.1987@gmail.com' }), rec({ ...natalie, email: 'nat.w.1987@hotmail.co.uk' })))).toBe('same-local-part');
    expect(level('otherId', compareOtherId(rec({ otherId: '4137787' }), rec({ otherId: '4137877' })))).toBe('typo');
    expect(level('sex', compareSex(rec({ sex: 'male' }), rec({ sex: 'female' })))).toBe('different');
    expect(compareSex(rec({ sex: 'unknown' }), rec({ sex: 'female' }))).toBe(MISSING);
  });
  it('weighs an NHS number that fails its check as ordinary evidence, and leaves valid pairs to the trusted check', () => {
    const nhs = (a: string, b: string): string => level('nhsUnchecked', compareNhsUnchecked(rec({ nhsNumber: a }), rec({ nhsNumber: b })));
    expect(nhs('9434765919', '9434765918')).toBe('typo');
    expect(nhs('1234567890', '1234567890')).toBe('exact');
    expect(nhs('9434765919', '9000000009')).toBe('missing');
  });
});
