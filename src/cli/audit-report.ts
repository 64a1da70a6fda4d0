/**
 * `npm run --silent audit:report -- --from <instant> --to <instant> [--format json|csv]` — the
 * information audit report for a period (governance recommendation 8; src/audit/report.ts has the
 * shape and the counting rules), printed to stdout. `--to` is exclusive; a date without a time
 * means midnight UTC. The report is computed from the audit log and its making is recorded there.
 *
 * Uses the gateway's configuration (DATABASE_URL, or the PGlite data directory, which must not be
 * in use: while an embedded gateway runs, ask it with GET /v1/audit/report). Exit 0 when printed,
 * 2 when it could not be made.
 */
import { sealAll } from '../audit/seal.ts';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { recordAudit } from '../audit/log.ts';
import { buildAuditReport, reportCsv } from '../audit/report.ts';
import { loadConfig } from '../config.ts';
import { systemClock } from '../lib/clock.ts';
import { ConfigError, describeError } from '../lib/errors.ts';
import { DataDirLockedError } from '../store/lock.ts';
import { openStore } from '../store/open.ts';

const USAGE = 'usage: audit:report --from <ISO 8601 instant or date> --to <instant or date> [--format json|csv]';
const ACTOR = 'system:audit-report';

const Instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((value) => new Date(value));
const Args = z.object({ from: Instant, to: Instant, format: z.enum(['json', 'csv']) });

function fail(message: string): number {
  process.stderr.write(`audit:report: ${message}\n`);
  return 2;
}

async function run(): Promise<number> {
  let raw;
  try {
    ({ values: raw } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string', default: 'json' } }, strict: true }));
  } catch (error) {
    return fail(`${error instanceof Error ? error.message : 'bad arguments'}\n${USAGE}`);
  }
  const args = Args.safeParse(raw);
  if (!args.success) return fail(`${args.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\n${USAGE}`);
  const { from, to, format } = args.data;
  if (from.getTime() >= to.getTime()) return fail(`--to must be after --from\n${USAGE}`);

  let config;
  try {
    config = loadConfig(process.env);
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
    await sealAll(db);
    const report = await buildAuditReport(db, { from, to }, systemClock.now());
    await recordAudit(db, { at: systemClock.now(), actor: ACTOR, action: 'audit.exported', detail: { via: 'report', format, throughSeq: report.throughSeq, from: report.period.from, to: report.period.to } });
    process.stdout.write(format === 'csv' ? reportCsv(report) : `${JSON.stringify(report, null, 2)}\n`);
    return 0;
  } catch (error) {
    return fail(`report failed: ${describeError(error)}`);
  } finally {
    await db.close();
  }
}

process.exitCode = await run();
