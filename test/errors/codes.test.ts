/**
 * One code list for every code the system produces (CONVENTIONS.md §4; src/lib/errors.ts).
 * Types hold the codes of errors, adapter failures, host deliveries and jobs to the list; log
 * fields are not typed by pino, so this walks the sources for every code-shaped literal — in an
 * error, a reason or a log line — and requires each to be in the list.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from '../../src/lib/errors.ts';

const SRC = path.join(import.meta.dirname, '../../src');
/** The list itself names every code, which proves nothing about what is produced: its literal is left out. */
const THE_LIST = path.join(SRC, 'lib/errors.ts');
const withoutTheList = (file: string, text: string): string => (file === THE_LIST ? text.replace(/export const ERROR_CODES = \{[\s\S]*?\n\} as const/, '') : text);

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** `'AREA.NAME'`, `"AREA.NAME"` or `` `AREA.NAME: … `` as written in a source file. */
const CODE_LITERAL = /['"`]([A-Z][A-Z]*\.[A-Z][A-Z_]*)(?![\w.])/g;

describe('stable codes', () => {
  const found = new Map<string, Set<string>>();
  for (const file of sources(SRC)) {
    for (const match of withoutTheList(file, readFileSync(file, 'utf8')).matchAll(CODE_LITERAL)) {
      const code = match[1] ?? '';
      const files = found.get(code) ?? new Set<string>();
      files.add(path.relative(SRC, file));
      found.set(code, files);
    }
  }

  it('finds the codes the system writes (the walk itself works)', () => {
    for (const code of ['ADAPTER.TIMEOUT', 'HOST.REFUSED', 'STORE.UNAVAILABLE', 'CONTENT.DESTROYED', 'AUTH.EMBEDDED_KEY', 'JOB.INVALID_DATA', 'SHUTDOWN.TIMEOUT']) {
      expect(found.has(code), code).toBe(true);
    }
  });

  it('every code in src/ is in the one list', () => {
    const strays = [...found].filter(([code]) => !isErrorCode(code)).map(([code, files]) => `${code} (${[...files].join(', ')})`);
    expect(strays).toEqual([]);
  });

  it('every code in the list is produced somewhere, or reserved on purpose', () => {
    // REQUEST.METHOD_NOT_ALLOWED is documented for clients (problem codes are a public contract) though no route answers it yet.
    const reserved = new Set(['REQUEST.METHOD_NOT_ALLOWED', 'INTERNAL']);
    const unused = Object.keys(ERROR_CODES).filter((code) => !found.has(code) && !reserved.has(code));
    expect(unused).toEqual([]);
  });
});
