/**
 * Reads the UKHDS Person Alert Codes SQL (../shared/data/external/housing/
 * ukhds-person-alert-codes/person_alert_codes.sql) into the JSON code list kept in
 * contracts/housing/ukhds-person-alert-codes.json.
 *
 * Why this file exists: the code list is published only as SQL INSERT rows, and the upstream
 * file is not valid SQL throughout (the safeguarding and communication rows follow a `;` with no
 * INSERT of their own), so no SQL engine reads it as published. Each alert-code row is
 * therefore read line by line; the small lookup tables are read from their INSERT statements.
 * The contract test regenerates the list from the SQL and compares, so the JSON copy cannot
 * drift from its source; `node test/housing/ukhds-sql.ts --write` rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { externalPath } from '../support/external.ts';

export const UKHDS_SQL = externalPath('housing', 'ukhds-person-alert-codes', 'person_alert_codes.sql');
export const UKHDS_SCHEMA = externalPath('housing', 'ukhds-person-alert-codes', 'person_alert.schema.json');
export const CODE_LIST_JSON = join(import.meta.dirname, '../../contracts/housing/ukhds-person-alert-codes.json');

type SqlValue = string | number | boolean | null;

/** The values of one SQL tuple body: 'text' (with '' escapes), NULL, TRUE, FALSE, integers. */
export function sqlTuple(body: string): SqlValue[] {
  const values: SqlValue[] = [];
  const token = /\s*(?:'((?:[^']|'')*)'|(NULL)|(TRUE|FALSE)|(-?\d+))\s*(?:,|$)/gy;
  let match: RegExpExecArray | null;
  while (token.lastIndex < body.length && (match = token.exec(body)) !== null) {
    if (match[1] !== undefined) values.push(match[1].replace(/''/g, "'"));
    else if (match[2] !== undefined) values.push(null);
    else if (match[3] !== undefined) values.push(match[3] === 'TRUE');
    else if (match[4] !== undefined) values.push(Number(match[4]));
  }
  if (token.lastIndex < body.length) throw new Error(`unreadable SQL tuple: ${body.slice(0, 60)}`);
  return values;
}

/** Rows of the first `INSERT INTO table (...) VALUES ...;` statement. */
function insertRows(sql: string, table: string): SqlValue[][] {
  const start = sql.indexOf(`INSERT INTO ${table}`);
  if (start < 0) throw new Error(`no INSERT INTO ${table}`);
  const values = sql.indexOf('VALUES', start);
  const end = sql.indexOf(';', values);
  const rows: SqlValue[][] = [];
  for (const line of sql.slice(values + 'VALUES'.length, end).split('\n')) {
    const tuple = /^\s*\((.*)\)\s*,?\s*(?:--.*)?$/.exec(line);
    if (tuple?.[1] !== undefined) rows.push(sqlTuple(tuple[1]));
  }
  return rows;
}

const text = (v: SqlValue | undefined): string => {
  if (typeof v !== 'string') throw new Error('expected text');
  return v;
};
const textOrNull = (v: SqlValue | undefined): string | null => (v === null ? null : text(v));

export interface UkhdsCodeList {
  readonly source: string;
  readonly licence: string;
  readonly categories: { alert_category_id: number; alert_category_name: string }[];
  readonly sourceTypes: { source_type_id: number; source_code: string; source_name: string; description: string | null }[];
  readonly specialCategoryDataTypes: { special_category_data_id: number; category_code: string; category_name: string; description: string | null }[];
  readonly codes: {
    person_alert_code_id: number;
    alert_code: string;
    alert_subcode: string;
    alert_category_id: number;
    alert_name: string;
    alert_subname: string | null;
    is_critical: boolean;
    is_awaab_relevant: boolean;
    repairs_impact: string | null;
    support_required: string | null;
  }[];
}

/** The code list as the SQL defines it; ids are the AUTOINCREMENT ids the rows would receive, in order. */
export function readCodeList(sql: string): UkhdsCodeList {
  const codeRow = /^\s*\(('[A-Z]+\d+',\s*'[A-Z]+\d+\.\d+',.*)\)\s*[,;]?\s*(?:--.*)?$/;
  const codes: UkhdsCodeList['codes'] = [];
  for (const line of sql.split('\n')) {
    const body = codeRow.exec(line)?.[1];
    if (body === undefined) continue;
    const v = sqlTuple(body);
    const category = v[2];
    if (typeof category !== 'number' || typeof v[5] !== 'boolean' || typeof v[6] !== 'boolean') throw new Error(`unexpected alert code row: ${line.slice(0, 60)}`);
    codes.push({
      person_alert_code_id: codes.length + 1,
      alert_code: text(v[0]),
      alert_subcode: text(v[1]),
      alert_category_id: category,
      alert_name: text(v[3]),
      alert_subname: textOrNull(v[4]),
      is_critical: v[5],
      is_awaab_relevant: v[6],
      repairs_impact: textOrNull(v[7]),
      support_required: textOrNull(v[8]),
    });
  }
  return {
    source: 'UKHDS Person Alert Codes draft v1.1, github.com/data-futurists/UKHDS-person-alert-codes @ 46ff4eebebbbb4bc2babd47388c0db34cea317d4 (person_alert_sql)',
    licence: 'MIT, (c) 2025 data-futurists',
    categories: insertRows(sql, 'alert_categories').map((v, i) => ({ alert_category_id: i + 1, alert_category_name: text(v[0]) })),
    sourceTypes: insertRows(sql, 'source_types').map((v, i) => ({ source_type_id: i + 1, source_code: text(v[0]), source_name: text(v[1]), description: textOrNull(v[2]) })),
    specialCategoryDataTypes: insertRows(sql, 'special_category_data_types').map((v, i) => ({
      special_category_data_id: i + 1,
      category_code: text(v[0]),
      category_name: text(v[1]),
      description: textOrNull(v[2]),
    })),
    codes,
  };
}

if (process.argv.includes('--write')) {
  writeFileSync(CODE_LIST_JSON, `${JSON.stringify(readCodeList(readFileSync(UKHDS_SQL, 'utf8')), null, 2)}\n`);
  console.log(`wrote ${CODE_LIST_JSON}`);
}
