/**
 * Key files made by whichever process needs them first (the embedded master key, the audit
 * signing key, the embedded token-signing key), safe when several processes start at once: the
 * key is written whole to a private temporary file and hard-linked into place. link() either
 * places the whole file or fails with EEXIST because another process placed its own, which we
 * then read. Creating the file with `open(wx)` and writing into it afterwards let a concurrent
 * starter read it empty or half-written and fail to start.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Options of {@link readOrCreateKeyFile}. */
export interface KeyFileOptions {
  /** Permissions of the file (owner-only for keys). */
  readonly mode: number;
  /** Permissions of a directory created for it. */
  readonly dirMode?: number;
}

/**
 * The text of `file`, created from `create()` if it does not exist. Every caller gets the same
 * text, whoever created it. Errors other than "no such file" (e.g. EACCES) are thrown.
 */
export function readOrCreateKeyFile(file: string, create: () => string, options: KeyFileOptions): string {
  const existing = readIfExists(file);
  if (existing !== undefined) return existing;
  mkdirSync(path.dirname(file), { recursive: true, ...(options.dirMode === undefined ? {} : { mode: options.dirMode }) });
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, create(), { mode: options.mode, flag: 'wx' });
  try {
    linkSync(temporary, file);
  } catch (error) {
    // EEXIST: another process placed its key first; everyone uses that one.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readFileSync(file, 'utf8');
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
