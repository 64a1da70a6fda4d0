/**
 * Thin routes (docs/decisions.md "The case has one owner, and its picture is stored"): the
 * gateway parses, calls the case repository (or another owner), and answers. It holds no SQL:
 * no statement text and no query run on a store handle, anywhere under src/gateway/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const GATEWAY = new URL('../../src/gateway/', import.meta.url).pathname;

/** Every TypeScript file under src/gateway/, tests included (a test of a route talks HTTP). */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * SQL statement text (written in capitals, as everywhere in this codebase: the console's pages
 * say "Select your role" and build `<select>` elements), or a store handle asked to run some
 * (Hono's `c.req.query()` reads the URL's query string, not a store).
 */
const SQL = [/\bSELECT\s+[\w*(]/, /\bINSERT\s+INTO\b/, /\bUPDATE\s+\w+\s+SET\b/, /\bDELETE\s+FROM\b/, /(?<!\breq)\.query\s*[<(]/];

/** Where a source names SQL: `file:line` with the line. */
function sqlIn(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line, n) => (SQL.some((pattern) => pattern.test(line)) ? [`${path.relative(GATEWAY, file)}:${n + 1}: ${line.trim()}`] : []));
}

describe('the gateway', () => {
  it('holds no SQL: routes read and change cases through the case repository', () => {
    const files = sources(GATEWAY);
    expect(files.length).toBeGreaterThan(10);
    expect(files.flatMap(sqlIn)).toEqual([]);
  });

  it('would see SQL where there is some (the check bites)', () => {
    expect(SQL.some((p) => p.test("await deps.db.query<{ status: string }>('SELECT status FROM referrals WHERE id = $1', [id])"))).toBe(true);
    expect(SQL.some((p) => p.test('const referral = await cases.of(principal).status(id);'))).toBe(false);
  });
});
