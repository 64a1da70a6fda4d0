/**
 * `npm run --silent audit:verify` — recompute the audit hash chain and its signed checkpoints.
 * Exits 0 when intact; otherwise exits 1 naming the first bad entry. Uses the same configuration
 * as the gateway (DATABASE_URL, or the PGlite data directory, which must not be in use: while an
 * embedded gateway runs, ask it instead with GET /v1/audit/verify).
 */
import { loadAuditSigner } from '../audit/signing.ts';
import { verifyAuditLog } from '../audit/verify.ts';
import { loadConfig } from '../config.ts';
import { ConfigError, describeError } from '../lib/errors.ts';
import { DataDirLockedError } from '../store/lock.ts';
import { openStore } from '../store/open.ts';

async function run(): Promise<number> {
  let config;
  try {
    config = loadConfig(process.env);
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
    const signer = loadAuditSigner({ pem: config.audit.signingKeyPem, dataDir: config.dataDir });
    const started = performance.now();
    const result = await verifyAuditLog(db, new Map([[signer.keyId, signer.publicKeyPem]]));
    const seconds = (performance.now() - started) / 1000;
    if (!result.ok) {
      process.stdout.write(`audit log BROKEN at entry ${result.failure?.seq ?? '?'}: ${result.failure?.reason ?? 'unknown'}\n`);
      return 1;
    }
    process.stdout.write(`audit log intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints, head at ${result.headSeq} (${seconds.toFixed(2)} s)\n`);
    return 0;
  } finally {
    await db.close();
  }
}

process.exitCode = await run();
