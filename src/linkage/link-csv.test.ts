/**
 * The link command's CSV contract: tolerant of shape, strict about ids, output in input order.
 */
import { describe, expect, it } from 'vitest';
import { parseLinkCsv, readBirthDate, readSex, runLinkCsv } from './link-csv.ts';

describe('parseLinkCsv', () => {
  it('reads columns in any order, trims, ignores unknown columns and empty cells', () => {
    const parsed = parseLinkCsv(' Family , ID,shoe_size,given,birth_date, postcode \n Smith ,a1, 42 ,Mary Ann,2001-02-03,\n,a2,,,,\n');
    expect(parsed.ok && parsed.value).toEqual([
      { id: 'a1', given: ['Mary', 'Ann'], family: 'Smith', birthDate: '2001-02-03' },
      { id: 'a2' },
    ]);
  });
  it('treats invalid dates as missing and reads common sex codes', () => {
    const parsed = parseLinkCsv('id,birth_date,sex\n1,2001-02-30,F\n2,not a date,male\n3,20010203,x\n');
    expect(parsed.ok && parsed.value).toEqual([
      { id: '1', sex: 'female' },
      { id: '2', sex: 'male' },
      { id: '3', birthDate: '2001-02-03', sex: 'other' },
    ]);
    expect(readBirthDate('1999-12-31')).toBe('1999-12-31');
    expect(readSex('?')).toBe('unknown');
  });
  it('refuses input without an id column, with an empty or repeated id, or malformed', () => {
    const message = (text: string): string => {
      const r = parseLinkCsv(text);
      return r.ok ? 'ok' : r.error.message;
    };
    expect(message('given,family\nAnn,Lee\n')).toBe('no id column in the header');
    expect(message('')).toMatch(/^empty input/);
    expect(message('id,given\n1,Ann\n1,Bob\n')).toBe('duplicate id: rows 2 and 3');
    expect(message('id,given\n,Ann\n')).toBe('row 2 has no id');
    expect(message('id,given\n"1,Ann\n')).toMatch(/^malformed CSV/);
  });
  it('never quotes a cell value in its messages', () => {
    const r = parseLinkCsv('id,given\nsecret-id-7,Ann\nsecret-id-7,Ann\n');
    expect(!r.ok && r.error.message).not.toContain('secret');
  });
});

describe('runLinkCsv', () => {
  it('writes id,cluster for every row in input order, clusters numbered from 1', () => {
    const out = runLinkCsv([
      'id,given,family,birth_date,postcode',
      'p3,Jane,Doe,1990-05-06,LS1 4AP',
      'p1,Robert,Smith,1980-01-02,WF13 2QP',
      'p2,Bob,Smith,1980-01-02,WF13 2QP',
    ].join('\n'));
    expect(out.ok && out.value.csv).toBe('id,cluster\np3,1\np1,2\np2,2\n');
  });
  it('quotes ids that need it', () => {
    const out = runLinkCsv('id,given\n"a,1",Ann\n');
    expect(out.ok && out.value.csv).toBe('id,cluster\n"a,1",1\n');
  });
});
