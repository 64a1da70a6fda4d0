/**
 * `npm run --silent audit:verify` — recompute the audit hash chain and its signed checkpoints.
 * Exits 0 when intact; otherwise exits 1 naming the first bad entry. Uses the same configuration
 * as the gateway (DATABASE_URL, or the PGlite data directory, which must not be in use: while an
 * embedded gateway runs, ask it instead with GET /v1/audit/verify).
 *
 * `npm run --silent audit:verify -- --copy <dir> [--key-id <id>] [--public-key <pem file>]`
 * verifies a copy written by `audit:export` offline, with no database and no configuration: the
 * same chain code and the copy's checkpoint signatures. An outside party should pin the signing
 * key they hold independently (`--key-id`, or `--public-key`), since a forger could ship a key of
 * their own inside the copy. Exit 2 means the copy or the store could not be read at all.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { AuditCopyError, verifyAuditCopy } from '../audit/export.ts';
import { loadAuditSigner } from '../audit/signing.ts';
import { verifyAuditLog } from '../audit/verify.ts';
import { sealAll } from '../audit/seal.ts';
import { loadConfig } from '../config.ts';
import { ConfigError, describeError } from '../lib/errors.ts';
import { DataDirLockedError } from '../store/lock.ts';
import { openStore } from '../store/open.ts';

const USAGE = 'usage: audit:verify [--copy <dir> [--key-id <id>] [--public-key <pem file>]]';

function broken(seq: number | undefined, reason: string | undefined): void {
  process.stdout.write(`audit log BROKEN at entry ${seq ?? '?'}: ${reason ?? 'unknown'}\n`);
}

async function verifyCopy(dir: string, keyId: string | undefined, publicKeyFile: string | undefined): Promise<number> {
  let publicKeyPem: string | undefined;
  if (publicKeyFile !== undefined) {
    try {
      publicKeyPem = await readFile(publicKeyFile, 'utf8');
    } catch {
      process.stderr.write(`audit:verify: cannot read the public key ${publicKeyFile}\n`);
      return 2;
    }
  }
  const started = performance.now();
  let result;
  try {
    result = await verifyAuditCopy(dir, { publicKeyPem, expectedKeyId: keyId });
  } catch (error) {
    if (error instanceof AuditCopyError) {
      process.stderr.write(`audit:verify: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  if (!result.ok) {
    if (result.failure !== undefined) broken(result.failure.seq, result.failure.reason);
    else process.stdout.write(`audit copy BROKEN: ${result.problem ?? 'unknown'}\n`);
    return 1;
  }
  const unsigned = result.unsignedEntries === 0 ? '' : `; the last ${result.unsignedEntries} entries are after the last signed checkpoint`;
  process.stdout.write(
    `audit log intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints, head at ${result.headSeq} (copy in ${dir}, key id ${result.keyId}${keyId === undefined && publicKeyFile === undefined ? ', the copy\'s own key: pin it with --key-id' : ''}${unsigned}) (${seconds.toFixed(2)} s)\n`,
  );
  return 0;
}

async function verifyStore(): Promise<number> {
  let config;
  let signer;
  try {
    config = loadConfig(process.env);
    signer = loadAuditSigner({ pem: config.audit.signingKeyPem, dataDir: config.dataDir, embedded: config.databaseUrl === undefined });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`audit:verify: configuration error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  let db;
  try {
    db = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (error) {
    process.stderr.write(`audit:verify: ${error instanceof DataDirLockedError ? error.message : `cannot open the store: ${describeError(error)}`}\n`);
    return 2;
  }
  try {
    const started = performance.now();
    await sealAll(db);
    const result = await verifyAuditLog(db, new Map([[signer.keyId, signer.publicKeyPem]]));
    const seconds = (performance.now() - started) / 1000;
    if (!result.ok) {
      broken(result.failure?.seq, result.failure?.reason);
      return 1;
    }
    process.stdout.write(`audit log intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints, head at ${result.headSeq} (${seconds.toFixed(2)} s)\n`);
    return 0;
  } finally {
    await db.close();
  }
}

async function run(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { copy: { type: 'string' }, 'key-id': { type: 'string' }, 'public-key': { type: 'string' } }, strict: true }));
  } catch (error) {
    process.stderr.write(`audit:verify: ${error instanceof Error ? error.message : 'bad arguments'}\n${USAGE}\n`);
    return 2;
  }
  if (values.copy !== undefined) return verifyCopy(values.copy, values['key-id'], values['public-key']);
  if (values['key-id'] !== undefined || values['public-key'] !== undefined) {
    process.stderr.write(`audit:verify: --key-id and --public-key go with --copy\n${USAGE}\n`);
    return 2;
  }
  return verifyStore();
}

process.exitCode = await run();
