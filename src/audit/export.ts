/**
 * A copy of the audit log for outside verification: an information risk owner or an
 * external auditor takes the copy away and checks it without our database — every entry with all
 * its chain columns, the signed checkpoints, and the public key that signed them. Verification of
 * a copy runs the same chain code (src/audit/chain.ts) and the same checkpoint signatures as
 * `audit:verify` does against the store, and names the first bad entry.
 *
 * Format (`mash-audit-copy-v1`):
 * - `entries.ndjson`: one entry per line, oldest first, as compact JSON with the members in the
 *   order seq, at, actor, action, referralId, agency, subject, detail, prevHash, hash. `detail` is
 *   the canonical JSON text the hash covers. Every byte is significant: a line that is not in
 *   exactly this form is itself a break.
 * - `checkpoints.json`: the head the copy ends at and every signed checkpoint up to it.
 * - `public-key.pem`: the Ed25519 public key (SPKI); its id is the first 16 hex of SHA-256 over
 *   the DER. Pin it from an independent channel: a forger could ship a key of their own.
 * - `README.txt`: what the files are and how to check them.
 */
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { createPublicKey } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { MashError } from '../lib/errors.ts';
import type { Sql } from '../store/db.ts';
import { GENESIS_HASH, verifyRun, type ChainBreak, type ChainEntry } from './chain.ts';
import { listCheckpoints, type Checkpoint } from './checkpoints.ts';
import { auditHead, scanAudit } from './search.ts';
import { keyIdOf, verifyCheckpointSignature } from './signing.ts';

export const COPY_FORMAT = 'mash-audit-copy-v1';
export const COPY_FILES = { entries: 'entries.ndjson', checkpoints: 'checkpoints.json', publicKey: 'public-key.pem', readme: 'README.txt' } as const;

/** Raised when a copy cannot be written or read at all (missing files, a non-empty target). */
export class AuditCopyError extends MashError {
  constructor(message: string) {
    super('AUDIT.COPY_INVALID', message);
    this.name = 'AuditCopyError';
  }
}

/** The one serialisation of an entry in `entries.ndjson`. */
export function entryLine(entry: ChainEntry): string {
  return JSON.stringify({
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    referralId: entry.referralId,
    agency: entry.agency,
    subject: entry.subject,
    detail: entry.detail,
    prevHash: entry.prevHash,
    hash: entry.hash,
  });
}

const EntryLine = z.strictObject({
  seq: z.number().int().positive(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  referralId: z.string().nullable(),
  agency: z.string().nullable(),
  subject: z.string().nullable(),
  detail: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});

const CheckpointJson = z.strictObject({ seq: z.number().int().positive(), hash: z.string(), signedAt: z.string(), keyId: z.string(), signature: z.string() });
const CheckpointsFile = z.strictObject({
  format: z.literal(COPY_FORMAT),
  exportedAt: z.string(),
  keyId: z.string(),
  head: z.strictObject({ seq: z.number().int().nonnegative(), hash: z.string() }),
  checkpoints: z.array(CheckpointJson),
});

/** What an export wrote. */
export interface AuditExportSummary {
  readonly entries: number;
  readonly headSeq: number;
  readonly headHash: string;
  readonly checkpoints: number;
  /** Entries after the last signed checkpoint: covered by the chain, but by no signature yet. */
  readonly unsignedEntries: number;
  readonly keyId: string;
}

function readme(summary: AuditExportSummary, exportedAt: string): string {
  return [
    `MASH Gateway audit log copy (${COPY_FORMAT}), exported ${exportedAt}: entries 1..${summary.headSeq}, ${summary.checkpoints} signed checkpoints, signing key id ${summary.keyId}.`,
    'Verify offline with `npm run --silent audit:verify -- --copy <this directory> --key-id <the key id you hold independently>`, or independently:',
    "each line of entries.ndjson is an entry; its hash is SHA-256 (hex) over the UTF-8 of the JSON array [\"mash-audit-v1\", seq, at, actor, action, referralId, agency, subject, detail, prevHash],",
    `prevHash is the previous entry's hash (${GENESIS_HASH} for entry 1), seq runs 1, 2, 3, … without gaps, and each checkpoint's signature is Ed25519 (public-key.pem) over the UTF-8 text "mash-audit-checkpoint-v1:<seq>:<hash>".`,
    '',
  ].join('\n');
}

/**
 * Write a copy of the log as it stands now into `dir` (created if absent; it must be empty).
 * The copy ends at the head read first, so a log growing meanwhile still gives a consistent copy.
 */
export async function exportAuditLog(sql: Sql, dir: string, options: { readonly publicKeyPem: string; readonly exportedAt: Date }): Promise<AuditExportSummary> {
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) throw new AuditCopyError(`${dir} is not empty: export into a new directory`);
  const keyId = keyIdOf(createPublicKey(options.publicKeyPem));
  const head = await auditHead(sql);
  const checkpoints = (await listCheckpoints(sql)).filter((c) => c.seq <= head.seq);

  let entries = 0;
  const file = await open(path.join(dir, COPY_FILES.entries), 'wx');
  try {
    for await (const batch of scanAudit(sql, { through: head.seq })) {
      await file.write(batch.map((e) => `${entryLine(e)}\n`).join(''));
      entries += batch.length;
    }
  } finally {
    await file.close();
  }
  const exportedAt = options.exportedAt.toISOString();
  const summary: AuditExportSummary = { entries, headSeq: head.seq, headHash: head.hash, checkpoints: checkpoints.length, unsignedEntries: head.seq - (checkpoints.at(-1)?.seq ?? 0), keyId };
  const checkpointsFile: z.infer<typeof CheckpointsFile> = { format: COPY_FORMAT, exportedAt, keyId, head, checkpoints: checkpoints.map((c) => ({ ...c })) };
  await writeFile(path.join(dir, COPY_FILES.checkpoints), `${JSON.stringify(checkpointsFile, null, 2)}\n`, { flag: 'wx' });
  await writeFile(path.join(dir, COPY_FILES.publicKey), options.publicKeyPem, { flag: 'wx' });
  await writeFile(path.join(dir, COPY_FILES.readme), readme(summary, exportedAt), { flag: 'wx' });
  return summary;
}

/** The result of checking a copy. */
export interface CopyVerification {
  readonly ok: boolean;
  readonly entries: number;
  readonly checkpoints: number;
  readonly headSeq: number;
  /** The id of the key the checkpoints were checked with. */
  readonly keyId: string;
  readonly unsignedEntries: number;
  /** The first bad entry, when the break is in an entry (or a checkpoint over one). */
  readonly failure?: ChainBreak;
  /** A break not tied to one entry: the checkpoint file itself, or the key. */
  readonly problem?: string;
}

/**
 * The lines of a file, split on LF only: a CR, a form feed or any other byte stays in its line,
 * where the canonical-form check sees it (readline would take a lone CR as a line break).
 */
async function* lines(file: string): AsyncGenerator<{ readonly text: string; readonly terminated: boolean }> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  try {
    let pending = '';
    try {
      for await (const chunk of stream) {
        if (typeof chunk !== 'string') throw new TypeError('expected text');
        pending += chunk;
        let start = 0;
        for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n', start)) {
          yield { text: pending.slice(start, end), terminated: true };
          start = end + 1;
        }
        pending = pending.slice(start);
      }
    } catch (error) {
      if (error instanceof Error && 'code' in error) throw new AuditCopyError(`cannot read ${path.basename(file)} in ${path.dirname(file)}`);
      throw error;
    }
    if (pending.length > 0) yield { text: pending, terminated: false };
  } finally {
    stream.destroy();
  }
}

async function readText(dir: string, name: string): Promise<string> {
  try {
    return await readFile(path.join(dir, name), 'utf8');
  } catch {
    throw new AuditCopyError(`cannot read ${name} in ${dir}`);
  }
}

/**
 * Verify a copy written by {@link exportAuditLog}, without a database. `publicKeyPem` overrides
 * the copy's own key file; `expectedKeyId` pins the key (both come from outside the copy).
 */
export async function verifyAuditCopy(dir: string, options: { readonly publicKeyPem?: string | undefined; readonly expectedKeyId?: string | undefined } = {}): Promise<CopyVerification> {
  const pem = options.publicKeyPem ?? (await readText(dir, COPY_FILES.publicKey));
  const checkpointsText = await readText(dir, COPY_FILES.checkpoints);
  let keyId: string;
  try {
    keyId = keyIdOf(createPublicKey(pem));
  } catch {
    return { ok: false, entries: 0, checkpoints: 0, headSeq: 0, keyId: '', unsignedEntries: 0, problem: 'the public key is not a valid SPKI PEM key' };
  }
  const base = { entries: 0, checkpoints: 0, headSeq: 0, keyId, unsignedEntries: 0 };
  if (options.expectedKeyId !== undefined && options.expectedKeyId !== keyId) {
    return { ...base, ok: false, problem: `the public key's id is ${keyId}, not the expected ${options.expectedKeyId}` };
  }
  let parsed: z.infer<typeof CheckpointsFile>;
  try {
    parsed = CheckpointsFile.parse(JSON.parse(checkpointsText));
  } catch {
    return { ...base, ok: false, problem: `${COPY_FILES.checkpoints} is not a valid ${COPY_FORMAT} checkpoint file` };
  }
  const { head } = parsed;
  const checkpoints: readonly Checkpoint[] = parsed.checkpoints;
  const summary = { ...base, checkpoints: checkpoints.length, headSeq: head.seq };
  const fail = (failure: ChainBreak, entries: number): CopyVerification => ({ ...summary, ok: false, entries, failure });

  for (const checkpoint of checkpoints) {
    if (checkpoint.keyId !== keyId) return fail({ seq: checkpoint.seq, reason: `checkpoint at entry ${checkpoint.seq} was signed by key ${checkpoint.keyId}, not by key ${keyId}` }, 0);
    if (!verifyCheckpointSignature(pem, checkpoint.seq, checkpoint.hash, checkpoint.signature)) {
      return fail({ seq: checkpoint.seq, reason: `checkpoint at entry ${checkpoint.seq} has no valid signature` }, 0);
    }
  }
  const bySeq = new Map(checkpoints.map((c) => [c.seq, c]));

  let afterSeq = 0;
  let afterHash = GENESIS_HASH;
  const check = (line: string): ChainBreak | undefined => {
    const expected = afterSeq + 1;
    let entry: ChainEntry;
    try {
      entry = EntryLine.parse(JSON.parse(line));
    } catch {
      return { seq: expected, reason: `entry ${expected} is damaged (its line in ${COPY_FILES.entries} is not a valid entry)` };
    }
    // Named by position: the line where entry `expected` belongs holds something else.
    if (entry.seq !== expected) return { seq: expected, reason: `entry ${expected} is missing or out of place (its line holds entry ${entry.seq})` };
    if (entryLine(entry) !== line) return { seq: expected, reason: `entry ${expected} has been altered (its line is not in canonical form)` };
    const run = verifyRun([entry], { afterSeq, afterHash });
    if (!run.ok) return run.error;
    const checkpoint = bySeq.get(entry.seq);
    if (checkpoint !== undefined && checkpoint.hash !== entry.hash) return { seq: entry.seq, reason: `entry ${entry.seq} differs from its signed checkpoint` };
    afterSeq = run.value.lastSeq;
    afterHash = run.value.lastHash;
    return undefined;
  };
  for await (const line of lines(path.join(dir, COPY_FILES.entries))) {
    if (!line.terminated) {
      const expected = afterSeq + 1;
      return fail({ seq: expected, reason: `entry ${expected} is damaged (its line in ${COPY_FILES.entries} has no line end)` }, afterSeq);
    }
    const failure = check(line.text);
    if (failure !== undefined) return fail(failure, afterSeq);
  }
  if (afterSeq !== head.seq || afterHash !== head.hash) {
    return fail(
      afterSeq < head.seq
        ? { seq: afterSeq + 1, reason: `entry ${afterSeq + 1} is missing (the copy ends at ${afterSeq}, its head is at ${head.seq})` }
        : { seq: afterSeq, reason: `entry ${afterSeq} is not the recorded head of the copy` },
      afterSeq,
    );
  }
  const lastCheckpoint = checkpoints.at(-1);
  if (lastCheckpoint !== undefined && lastCheckpoint.seq > afterSeq) {
    return fail({ seq: afterSeq + 1, reason: `entry ${afterSeq + 1} is missing (a signed checkpoint covers entry ${lastCheckpoint.seq})` }, afterSeq);
  }
  return { ...summary, ok: true, entries: afterSeq, unsignedEntries: afterSeq - (lastCheckpoint?.seq ?? 0) };
}
