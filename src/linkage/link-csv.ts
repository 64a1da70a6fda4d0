/**
 * The CSV contract of the `link` command: people in, `id,cluster` out.
 *
 * Why here and not in the command: the benchmark and the tests call the very code the command
 * runs (held-out sets are scored through the command), so parsing, linking and writing
 * live in one pure function and `src/cli/link.ts` only does the file and the exit code.
 * Tolerant by design: columns in any order, names trimmed and case-folded, unknown columns
 * ignored, empty cells and unreadable dates treated as missing. Intolerant only where an answer
 * would be wrong: no id column, an empty id, or an id used twice.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { parseIsoDate, type PersonRecord } from '../identity/index.ts';
import { err, ok, type Result } from '../lib/result.ts';
import { linkRecords, type LinkOptions, type LinkResult } from './link.ts';

/** Why a CSV could not be linked; `message` is one line and carries no cell values. */
export interface LinkInputError {
  readonly kind: 'invalid-input';
  readonly message: string;
}

/** Record fields a column can fill. */
type Column = 'id' | 'given' | 'family' | 'birthDate' | 'sex' | 'address' | 'postcode' | 'town' | 'nhsNumber' | 'upn' | 'pncId' | 'uprn' | 'email' | 'otherId';

/** Header names (folded) → field. The documented names first, then common synonyms. */
const HEADERS: Readonly<Record<string, Column>> = {
  id: 'id', given: 'given', family: 'family', birth_date: 'birthDate', sex: 'sex', address: 'address', postcode: 'postcode',
  town: 'town', nhs_number: 'nhsNumber', email: 'email', other_id: 'otherId', upn: 'upn', pnc_id: 'pncId', uprn: 'uprn',
  given_name: 'given', first_name: 'given', forename: 'given', family_name: 'family', surname: 'family', last_name: 'family',
  dob: 'birthDate', date_of_birth: 'birthDate', gender: 'sex', city: 'town', suburb: 'town', post_code: 'postcode',
};

const foldHeader = (h: string): string => h.trim().toLowerCase().replace(/[\s-]+/g, '_');

/** A birth date in YYYY-MM-DD (also YYYYMMDD or YYYY/MM/DD); anything else is missing. */
export function readBirthDate(cell: string): string | undefined {
  const m = /^(\d{4})[-/]?(\d{2})[-/]?(\d{2})$/.exec(cell.trim());
  if (m === null) return undefined;
  const iso = `${m[1]}-${m[2]}-${m[3]}`;
  return parseIsoDate(iso) === undefined ? undefined : iso;
}

/** Recorded sex from common spellings; anything else is unknown. */
export function readSex(cell: string): PersonRecord['sex'] {
  const s = cell.trim().toLowerCase();
  if (s === 'm' || s === 'male' || s === '1') return 'male';
  if (s === 'f' || s === 'female' || s === '2') return 'female';
  if (s === 'o' || s === 'other' || s === 'x' || s === '9') return 'other';
  return 'unknown';
}

/** Parses the input CSV into person records, or says in one line why it cannot. */
export function parseLinkCsv(text: string): Result<PersonRecord[], LinkInputError> {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true, relax_quotes: true });
  } catch (error) {
    const line = error instanceof Error && 'lines' in error && typeof error.lines === 'number' ? ` near line ${error.lines}` : '';
    return err({ kind: 'invalid-input', message: `malformed CSV${line}` });
  }
  const header = rows[0];
  if (header === undefined) return err({ kind: 'invalid-input', message: 'empty input: expected a header with an id column' });
  const columns = header.map((h) => HEADERS[foldHeader(h)]);
  const idAt = columns.indexOf('id');
  if (idAt < 0) return err({ kind: 'invalid-input', message: 'no id column in the header' });
  for (const [at, column] of columns.entries()) {
    if (column !== undefined && columns.indexOf(column) !== at) return err({ kind: 'invalid-input', message: `column ${at + 1} repeats another column's field` });
  }

  const records: PersonRecord[] = [];
  const firstRow = new Map<string, number>();
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r] ?? [];
    const cell = (column: Column): string | undefined => {
      const at = columns.indexOf(column);
      const value = at < 0 ? undefined : row[at]?.trim();
      return value === undefined || value.length === 0 ? undefined : value;
    };
    const id = cell('id');
    if (id === undefined) return err({ kind: 'invalid-input', message: `row ${r + 1} has no id` });
    const earlier = firstRow.get(id);
    if (earlier !== undefined) return err({ kind: 'invalid-input', message: `duplicate id: rows ${earlier} and ${r + 1}` });
    firstRow.set(id, r + 1);
    const given = cell('given')?.split(/\s+/).filter((g) => g.length > 0);
    const birthDate = cell('birthDate') === undefined ? undefined : readBirthDate(cell('birthDate') ?? '');
    const sex = cell('sex') === undefined ? undefined : readSex(cell('sex') ?? '');
    const address = cell('address');
    const optional = (['family', 'postcode', 'town', 'nhsNumber', 'upn', 'pncId', 'uprn', 'email', 'otherId'] as const).flatMap((c) => {
      const v = cell(c);
      return v === undefined ? [] : [[c, v] as const];
    });
    records.push({
      id,
      ...(given === undefined || given.length === 0 ? {} : { given }),
      ...(birthDate === undefined ? {} : { birthDate }),
      ...(sex === undefined ? {} : { sex }),
      ...(address === undefined ? {} : { addressLines: [address] }),
      ...Object.fromEntries(optional),
    });
  }
  return ok(records);
}

/** The output CSV: `id,cluster`, one row per record in input order; clusters numbered from 1. */
export function formatClusterCsv(records: readonly PersonRecord[], result: LinkResult): string {
  const rows = records.map((r) => [r.id, String((result.clusterOf.get(r.id) ?? 0) + 1)]);
  return stringify([['id', 'cluster'], ...rows]);
}

/** What the link command does between reading and writing: parse, link, format. */
export function runLinkCsv(text: string, options: LinkOptions = {}): Result<{ csv: string; records: PersonRecord[]; result: LinkResult }, LinkInputError> {
  const parsed = parseLinkCsv(text);
  if (!parsed.ok) return parsed;
  const result = linkRecords(parsed.value, options);
  return ok({ csv: formatClusterCsv(parsed.value, result), records: parsed.value, result });
}
