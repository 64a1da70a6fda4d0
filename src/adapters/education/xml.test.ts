/**
 * Reading education XML: DTDs refused before parsing, XML that is not well-formed refused,
 * and the zod schemas refusing wrong shapes, all without echoing what the document said.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasMarkupDeclaration, parseXml, readPupilSearch } from './xml.ts';

const FIXTURES = join(import.meta.dirname, '../../../contracts/education/fixtures');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** The edge-cases fixture with one substitution; fails the test if the text to replace is absent. */
function edited(from: string | RegExp, to: string): string {
  const original = fixture('edge-cases.xml');
  const changed = original.replace(from, to);
  expect(changed).not.toBe(original);
  return changed;
}

async function reason(xml: string): Promise<string> {
  const read = await readPupilSearch(xml, 'Pupil search');
  if (read.ok) throw new Error('expected the document to be refused');
  expect(read.error.kind).toBe('malformed-response');
  return read.error.reason;
}

describe('hasMarkupDeclaration', () => {
  it.each([
    '<!DOCTYPE PupilSearchResponse>',
    '<?xml version="1.0"?>\n<!doctype x [<!ENTITY a "b">]><x/>',
    '<x><!ENTITY a SYSTEM "file:///etc/passwd"></x>',
    '<!ELEMENT x ANY>',
    '<!ATTLIST x a CDATA #IMPLIED>',
    '<!NOTATION n SYSTEM "n">',
    '\uFEFF<!DOCTYPE x>',
  ])('refuses %j', (xml) => {
    expect(hasMarkupDeclaration(xml)).toBe(true);
  });

  it('lets comments and CDATA sections through', () => {
    expect(hasMarkupDeclaration('<x><!-- a comment --><y><![CDATA[a < b]]></y></x>')).toBe(false);
  });

  it('finds a declaration wherever it is put in an otherwise valid response', () => {
    const valid = fixture('featured-family.xml');
    fc.assert(
      fc.property(fc.nat(valid.length), fc.constantFrom('<!DOCTYPE a>', '<!ENTITY x "y">', '<!doctype html>'), (at, declaration) => {
        expect(hasMarkupDeclaration(`${valid.slice(0, at)}${declaration}${valid.slice(at)}`)).toBe(true);
      }),
    );
  });
});

describe('parseXml', () => {
  it('refuses a billion-laughs document at once, without expanding it', async () => {
    const lol = ['<!ENTITY l0 "lol">', ...Array.from({ length: 9 }, (_, i) => `<!ENTITY l${i + 1} "${`&l${i};`.repeat(10)}">`)].join('');
    const started = performance.now();
    expect(await parseXml(`<?xml version="1.0"?><!DOCTYPE x [${lol}]><x>&l9;</x>`, 'Pupil search')).toEqual({
      ok: false,
      error: { kind: 'malformed-response', code: 'ADAPTER.MALFORMED_RESPONSE', reason: 'Pupil search: response contains a DOCTYPE or entity declaration, refused unparsed' },
    });
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('refuses text that is not XML, and XML that is not well-formed, without quoting it', async () => {
    expect(await parseXml('{"resourceType":"Bundle"}', 'P')).toMatchObject({ ok: false, error: { reason: 'P: response is not XML' } });
    expect(await parseXml('', 'P')).toMatchObject({ ok: false, error: { reason: 'P: response is not XML' } });
    const broken = await parseXml('<Pupil><Surname>SECRET-NAME</Pupil>', 'P');
    expect(broken).toEqual({ ok: false, error: { kind: 'malformed-response', code: 'ADAPTER.MALFORMED_RESPONSE', reason: 'P: response is not well-formed XML' } });
    expect(await parseXml('<a>&undefinedEntity;</a>', 'P')).toMatchObject({ ok: false, error: { reason: 'P: response is not well-formed XML' } });
  });

  it('never throws, whatever the text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), async (text) => {
        const read = await readPupilSearch(text, 'P');
        expect(typeof read.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('readPupilSearch', () => {
  it('reads the fixtures: responses with and without pupils, and an error document', async () => {
    const featured = await readPupilSearch(fixture('featured-family.xml'), 'P');
    expect(featured.ok && featured.value.kind === 'response' && featured.value.response.PupilSearchResponse.CTfile.CTFpupilData.Pupil.map((p) => p.RecordID)).toEqual(['PUP000001', 'PUP000002']);
    const empty = await readPupilSearch(fixture('empty.xml'), 'P');
    expect(empty.ok && empty.value.kind === 'response' && empty.value.response.PupilSearchResponse.CTfile.CTFpupilData.Pupil).toEqual([]);
    expect(await readPupilSearch(fixture('error.xml'), 'P')).toEqual({ ok: true, value: { kind: 'error', code: 'QUERY_TOO_BROAD' } });
  });

  it('turns the CTF elements into typed values', async () => {
    const read = await readPupilSearch(fixture('edge-cases.xml'), 'P');
    if (!read.ok || read.value.kind !== 'response') throw new Error('expected a response');
    const [first, second] = read.value.response.PupilSearchResponse.CTfile.CTFpupilData.Pupil;
    expect(first?.Contacts.map((c) => [c.Order, c.Relationship, c.Responsibility])).toEqual([
      [1, 'GNM', true],
      [2, 'FTH', false],
      [3, 'SIB', false],
      [4, 'AUN', false],
      [5, 'SWR', false],
    ]);
    expect(first?.Attendance[0]).toMatchObject({ SessionsPossible: 140, SessionsAttended: 119 });
    expect(first?.Attendance[0]?.PersistentAbsence).toBeUndefined();
    expect(first?.SENhistory[0]?.SENneeds).toEqual([
      { SENtypeRank: 2, SENtype: 'SLCN' },
      { SENtypeRank: 1, SENtype: 'ASD' },
    ]);
    expect(second).toMatchObject({ Marking: 'restricted', Contacts: [], Attendance: [], CMEstatus: { Status: 'located', EndDate: '2025-05-30' } });
  });

  it('ignores elements it does not know (a newer CTF may add some)', async () => {
    const read = await readPupilSearch(edited('<Gender>U</Gender>', '<Gender>U</Gender><Ethnicity>WBRI</Ethnicity>'), 'P');
    expect(read.ok).toBe(true);
  });

  it.each([
    ['a missing surname', /<Surname>Nowak<\/Surname>/, '', 'Pupil[1].Surname: '],
    ['two surnames', '<Surname>Nowak</Surname>', '<Surname>Nowak</Surname><Surname>SECRET</Surname>', 'Pupil[1].Surname: '],
    ['a gender outside the code list', '<Gender>U</Gender>', '<Gender>SECRET</Gender>', 'Pupil[1].Gender[0]: '],
    ['an element where text belongs', '<Forename>Zofia</Forename>', '<Forename><b>SECRET</b></Forename>', 'Pupil[1].Forename[0]: '],
    ['a day that does not exist', '<DOB>2012-11-30</DOB>', '<DOB>2012-11-31</DOB>', 'Pupil[0].DOB[0]: '],
    ['a malformed UPN', '<UPN>A123456789012</UPN>', '<UPN>SECRET</UPN>', 'Pupil[0].UPN[0]: '],
    ['more absence than possible sessions', '<SessionsAttended>119</SessionsAttended>', '<SessionsAttended>139</SessionsAttended>', 'Pupil[0].Attendance[0].TermAttendance[0]: attended and absent sessions exceed the possible sessions'],
    ['a negative session count', '<Sessions>1</Sessions>', '<Sessions>-1</Sessions>', 'Exclusion[0].Sessions[0]: '],
    ['an unknown relationship code', '<Relationship>SWR</Relationship>', '<Relationship>SECRET</Relationship>', 'Contact[4].Relationship[0]: '],
    ['no paging', /<Paging>[\s\S]*?<\/Paging>/, '', 'PupilSearchResponse.Paging: '],
    ['an address with both forms', '<AddressLines>', '<BS7666Address><PAON>1</PAON><Street>SECRET</Street></BS7666Address><AddressLines>', 'Address[0]: an Address has either BS7666Address or AddressLines'],
  ] as const)('refuses %s, naming where but not what', async (_label, from, to, where) => {
    const text = await reason(edited(from, to));
    expect(text).toMatch(/^Pupil search: PupilSearchResponse is not valid \(/);
    expect(text).toContain(where);
    expect(text).not.toContain('SECRET');
  });

  it('refuses another root element, and an error document with an unknown code', async () => {
    expect(await reason('<Bundle><type>searchset</type></Bundle>')).toBe('Pupil search: expected a PupilSearchResponse, got <Bundle>');
    expect(await reason('<PupilSearchError><Code>SECRET</Code></PupilSearchError>')).toMatch(/^Pupil search: PupilSearchError is not valid \(PupilSearchError\.Code\[0\]: /);
  });
});

describe('parseXml and what follows the document element', () => {
  it('refuses content after the document element, which xml2js alone would ignore', async () => {
    expect(await parseXml('<PupilSearchError><Code>NOT_FOUND</Code></PupilSearchError><Pupil>SECRET</Pupil>', 'P')).toEqual({ ok: false, error: { kind: 'malformed-response', code: 'ADAPTER.MALFORMED_RESPONSE', reason: 'P: response is not well-formed XML' } });
    expect(await parseXml('<PupilSearchError><Code>NOT_FOUND</Code></PupilSearchError><Extra/>', 'P')).toMatchObject({ ok: false });
  });

  it('allows white space, comments and processing instructions after it, and an empty root', async () => {
    expect(await parseXml('<PupilSearchError><Code>NOT_FOUND</Code></PupilSearchError >\n<!-- served by x -->\n<?pi y?>\n  ', 'P')).toMatchObject({ ok: true });
    expect(await parseXml('<?xml version="1.0"?>\n<Empty a="1"/>\n', 'P')).toEqual({ ok: true, value: { Empty: '' } });
  });
});
