/**
 * `npm run --silent audit:export -- --out <dir>` — write a copy of the audit log for outside
 * verification: entries.ndjson, checkpoints.json, public-key.pem and README.txt
 * (src/audit/export.ts describes the format). The head is signed first, so the whole copy is
 * covered by a checkpoint; the export itself is then recorded in the log. Check the copy with
 * `npm run --silent audit:verify -- --copy <dir> --key-id <id>`.
 *
 * Uses the gateway's configuration (DATABASE_URL, or the PGlite data directory, which must not be
 * in use) and its audit signing key. Exit 0 when written, 2 when it could not be.
 */
import { parseArgs } from 'node:util';
import { checkpointIfDue } from '../audit/checkpoints.ts';
import { AuditCopyError, exportAuditLog } from '../audit/export.ts';
import { recordAudit } from '../audit/log.ts';
import { loadAuditSigner } from '../audit/signing.ts';
import { loadConfig } from '../config.ts';
import { systemClock } from '../lib/clock.ts';
import { ConfigError, describeError } from '../lib/errors.ts';
import { DataDirLockedError } from '../store/lock.ts';
import { openStore } from '../store/open.ts';

const ACTOR = 'system:audit-export';

function fail(message: string): number {
  process.stderr.write(`audit:export: ${message}\n`);
  return 2;
}

async function run(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { out: { type: 'string' } }, strict: true }));
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : 'bad arguments'}\nusage: audit:export --out <dir>`);
  }
  if (values.out === undefined) return fail('usage: audit:export --out <dir>');
  let config;
  let signer;
  try {
    config = loadConfig(process.env);
    signer = loadAuditSigner({ pem: config.audit.signingKeyPem, dataDir: config.dataDir, embedded: config.databaseUrl === undefined });
  } catch (error) {
    if (error instanceof ConfigError) return fail(`configuration error: ${error.message}`);
    throw error;
  }
  let db;
  try {
    db = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (error) {
    return fail(error instanceof DataDirLockedError ? error.message : `cannot open the store: ${describeError(error)}`);
  }
  try {
    // Sign the head now, so no entry of the copy is outside a signature. If another process is
    // signing at this moment it skips; the copy then says how many entries are unsigned.
    await checkpointIfDue(db, signer, { every: config.audit.checkpointEvery, maxAgeMs: config.audit.checkpointMaxAgeMs }, systemClock, true);
    const summary = await exportAuditLog(db, values.out, { publicKeyPem: signer.publicKeyPem, exportedAt: systemClock.now() });
    await recordAudit(db, { at: systemClock.now(), actor: ACTOR, action: 'audit.exported', detail: { via: 'copy', entries: summary.entries, throughSeq: summary.headSeq, checkpoints: summary.checkpoints, keyId: summary.keyId } });
    const unsigned = summary.unsignedEntries === 0 ? '' : ` (the last ${summary.unsignedEntries} entries are after the last signed checkpoint)`;
    process.stdout.write(`audit log exported: ${summary.entries} entries, ${summary.checkpoints} signed checkpoints, head at ${summary.headSeq}, key id ${summary.keyId}, to ${values.out}${unsigned}\n`);
    return 0;
  } catch (error) {
    if (error instanceof AuditCopyError) return fail(error.message);
    return fail(`export failed: ${describeError(error)}`);
  } finally {
    await db.close();
  }
}

process.exitCode = await run();
