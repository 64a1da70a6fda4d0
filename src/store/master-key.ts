/**
 * The master key that wraps every data key. Given by MASH_MASTER_KEY (base64 of 32
 * bytes) or MASH_MASTER_KEY_FILE (a file holding that base64) — never stored beside the data. In
 * embedded mode with neither, one is created outside the data directory, in the user's
 * configuration folder, so that copying or dumping the data directory does not copy the key.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { readOrCreateKeyFile } from './key-file.ts';

export function parseMasterKey(text: string, variable: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32 || key.toString('base64') !== text.trim()) throw new ConfigError(variable, 'must be the base64 of exactly 32 random bytes (openssl rand -base64 32)');
  return key;
}

export function defaultMasterKeyFile(env: Readonly<Record<string, string | undefined>>): string {
  const base = env.XDG_CONFIG_HOME ?? path.join(homedir(), '.config');
  return path.join(base, 'mash-gateway', 'master.key');
}

export function resolveMasterKey(options: {
  readonly base64: string | undefined;
  readonly file: string | undefined;
  readonly embedded: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}): Buffer {
  if (options.base64 !== undefined) return parseMasterKey(options.base64, 'MASH_MASTER_KEY');
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch {
      throw new ConfigError('MASH_MASTER_KEY_FILE', 'cannot read the file');
    }
    return parseMasterKey(text, 'MASH_MASTER_KEY_FILE');
  }
  if (!options.embedded) throw new ConfigError('MASH_MASTER_KEY_FILE', 'a master key is required with DATABASE_URL: set MASH_MASTER_KEY_FILE or MASH_MASTER_KEY');
  const file = defaultMasterKeyFile(options.env);
  // Embedded processes with different data directories share this file: create it once.
  const text = readOrCreateKeyFile(file, () => `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, dirMode: 0o700 });
  return parseMasterKey(text, 'MASH_MASTER_KEY_FILE');
}
