/**
 * A copy of the log verifies offline, with no database — `audit:export` writes it,
 * `audit:verify --copy` checks it with the chain code and the checkpoint signatures — and any one
 * byte changed in entries.ndjson is detected and named by its entry (a few hundred random bytes,
 * each with a random replacement, line breaks included). A wrong key, a forged signature, a
 * truncated copy and a missing entry are caught too.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointIfDue } from '../../src/audit/checkpoints.ts';
import { COPY_FILES, exportAuditLog, verifyAuditCopy, type AuditExportSummary } from '../../src/audit/export.ts';
import type { AuditEntry } from '../../src/audit/log.ts';
import { loadAuditSigner } from '../../src/audit/signing.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { openStore } from '../../src/store/open.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { appendAll, entryOfEveryAction } from './support.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ENTRIES = 300;
const tmp = makeTempDir('mash-audit-export-');
const dataDir = path.join(tmp.dir, 'data');
const copyDir = path.join(tmp.dir, 'copy');
const signer = loadAuditSigner({ dataDir, embedded: true });
const clock = fixedClock(new Date('2026-11-21T10:00:00Z'));
let summary: AuditExportSummary;

beforeAll(async () => {
  seedEmbeddedStore(dataDir); // the run's empty PGlite cluster (test/support/templates.ts)
  const db = await openStore({ databaseUrl: undefined, dataDir });
  try {
    const samples = Object.values(entryOfEveryAction(clock.now(), '7d0f4c1e-8f3a-4b5c-9d2e-1a2b3c4d5e6f'));
    for (let i = 0; i < ENTRIES; i += 1) {
      clock.advance(1_000);
      const sample: AuditEntry = samples[i % samples.length]!;
      await appendAll(db, [{ ...sample, at: clock.now(), detail: { ...sample.detail, n: i } }]);
      if (i % 100 === 99) await checkpointIfDue(db, signer, { every: 100, maxAgeMs: 3_600_000 }, clock);
    }
    summary = await exportAuditLog(db, copyDir, { publicKeyPem: signer.publicKeyPem, exportedAt: clock.now() });
  } finally {
    await db.close();
  }
}, 120_000);

afterAll(() => {
  tmp.remove();
});

/** A fresh copy of the export to damage. */
let copies = 0;
function copyOf(): string {
  const dir = path.join(tmp.dir, `damaged-${(copies += 1)}`);
  cpSync(copyDir, dir, { recursive: true });
  return dir;
}

const verifyCli = (...args: string[]) => spawnSync(process.execPath, ['src/cli/audit-verify.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8', timeout: 60_000 });

describe('a copy of the audit log', () => {
  it('holds every entry, the checkpoints, the public key and a README', async () => {
    expect(summary).toMatchObject({ entries: ENTRIES, headSeq: ENTRIES, checkpoints: 3, unsignedEntries: 0, keyId: signer.keyId });
    expect(readFileSync(path.join(copyDir, COPY_FILES.entries), 'utf8').split('\n')).toHaveLength(ENTRIES + 1);
    expect(readFileSync(path.join(copyDir, COPY_FILES.publicKey), 'utf8')).toBe(signer.publicKeyPem);
    expect(readFileSync(path.join(copyDir, COPY_FILES.readme), 'utf8')).toContain(signer.keyId);
    expect(await verifyAuditCopy(copyDir, { expectedKeyId: signer.keyId })).toMatchObject({ ok: true, entries: ENTRIES, checkpoints: 3, headSeq: ENTRIES });
  });

  it('verifies offline with audit:verify --copy (exit 0), with the key pinned', () => {
    const result = verifyCli('--copy', copyDir, '--key-id', signer.keyId);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^audit log intact: ${ENTRIES} entries, 3 signed checkpoints, head at ${ENTRIES} `));
    expect(result.status).toBe(0);
    const withKeyFile = verifyCli('--copy', copyDir, '--public-key', path.join(copyDir, COPY_FILES.publicKey));
    expect(withKeyFile.status).toBe(0);
  });

  it('names the entry of any one byte changed in entries.ndjson', async () => {
    const original = readFileSync(path.join(copyDir, COPY_FILES.entries));
    const dir = copyOf();
    const file = path.join(dir, COPY_FILES.entries);
    // Printable ASCII, tab and both line breaks: each must be caught, including a \n turned to \r.
    const replacements = [9, 10, 13, ...Array.from({ length: 95 }, (_, i) => 32 + i)];
    let detected = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(original.length - 1), fc.constantFrom(...replacements), async (position, replacement) => {
        fc.pre(original[position] !== replacement);
        const damaged = Buffer.from(original);
        damaged[position] = replacement;
        writeFileSync(file, damaged);
        const expectedEntry = original.subarray(0, position).filter((b) => b === 10).length + 1;
        const result = await verifyAuditCopy(dir);
        expect(result.ok, `byte ${position} → ${replacement}`).toBe(false);
        expect(result.failure?.seq, `byte ${position} → ${replacement}: ${result.failure?.reason ?? result.problem ?? ''}`).toBe(expectedEntry);
        detected += 1;
      }),
      { numRuns: 400, seed: 20_261_122 },
    );
    expect(detected).toBeGreaterThan(350);
  }, 120_000);

  it('exits 1 naming the entry when one byte is changed, through the CLI', () => {
    const dir = copyOf();
    const original = readFileSync(path.join(copyDir, COPY_FILES.entries));
    // One byte: the first character of entry 137's actor.
    const offset = original.indexOf('"actor":"', original.indexOf('{"seq":137,')) + '"actor":"'.length;
    const damaged = Buffer.from(original);
    damaged[offset] = damaged[offset] === 0x78 ? 0x79 : 0x78;
    writeFileSync(path.join(dir, COPY_FILES.entries), damaged);
    const result = verifyCli('--copy', dir, '--key-id', signer.keyId);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^audit log BROKEN at entry 137: /);
  });

  it('is caught when entries are removed, the end is cut, a signature forged, or the key is not the pinned one', async () => {
    const entries = readFileSync(path.join(copyDir, COPY_FILES.entries), 'utf8').split('\n');

    const deleted = copyOf();
    writeFileSync(path.join(deleted, COPY_FILES.entries), [...entries.slice(0, 41), ...entries.slice(42)].join('\n'));
    expect((await verifyAuditCopy(deleted)).failure?.seq).toBe(42);

    const cut = copyOf();
    writeFileSync(path.join(cut, COPY_FILES.entries), `${entries.slice(0, 250).join('\n')}\n`);
    expect((await verifyAuditCopy(cut)).failure).toMatchObject({ seq: 251 });

    const forged = copyOf();
    const checkpointsFile = path.join(forged, COPY_FILES.checkpoints);
    const checkpoints = readFileSync(checkpointsFile, 'utf8');
    const signature = /"signature": "([^"]+)"/.exec(checkpoints)?.[1] ?? '';
    writeFileSync(checkpointsFile, checkpoints.replace(signature, `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`));
    const forgedResult = await verifyAuditCopy(forged);
    expect(forgedResult.failure?.seq).toBe(100);
    expect(forgedResult.failure?.reason).toContain('no valid signature');

    const otherKey = loadAuditSigner({ dataDir: path.join(tmp.dir, 'other-key'), embedded: true });
    const wrongKey = verifyCli('--copy', copyDir, '--key-id', otherKey.keyId);
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stdout).toMatch(/^audit copy BROKEN: the public key's id is /);
    mkdirSync(path.join(tmp.dir, 'other-key'), { recursive: true });
    writeFileSync(path.join(tmp.dir, 'other-key', 'public.pem'), otherKey.publicKeyPem);
    const resigned = verifyCli('--copy', copyDir, '--public-key', path.join(tmp.dir, 'other-key', 'public.pem'));
    expect(resigned.status).toBe(1);
    expect(resigned.stdout).toMatch(/^audit log BROKEN at entry 100: /);

    expect(verifyCli('--copy', path.join(tmp.dir, 'nowhere')).status).toBe(2);
  });
});

describe('audit:export', () => {
  it('signs the head, writes a copy that verifies, records the export, and refuses a non-empty directory', async () => {
    const env = { PATH: process.env.PATH ?? '', MASH_DATA_DIR: dataDir };
    const out = path.join(tmp.dir, 'cli-copy');
    const exported = spawnSync(process.execPath, ['src/cli/audit-export.ts', '--out', out], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(exported.stderr).toBe('');
    expect(exported.status).toBe(0);
    expect(exported.stdout).toMatch(new RegExp(`^audit log exported: ${ENTRIES} entries, 3 signed checkpoints, head at ${ENTRIES}, key id ${signer.keyId}, `));
    expect(await verifyAuditCopy(out, { expectedKeyId: signer.keyId })).toMatchObject({ ok: true, entries: ENTRIES, unsignedEntries: 0 });

    // The export was recorded after the copy was taken; a second copy has it, signed as well.
    const second = path.join(tmp.dir, 'cli-copy-2');
    expect(spawnSync(process.execPath, ['src/cli/audit-export.ts', '--out', second], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 }).status).toBe(0);
    const verified = await verifyAuditCopy(second, { expectedKeyId: signer.keyId });
    expect(verified).toMatchObject({ ok: true, entries: ENTRIES + 1, checkpoints: 4, unsignedEntries: 0 });
    const last = readFileSync(path.join(second, COPY_FILES.entries), 'utf8').trimEnd().split('\n').at(-1) ?? '';
    expect(JSON.parse(last)).toMatchObject({ actor: 'system:audit-export', action: 'audit.exported' });

    const refused = spawnSync(process.execPath, ['src/cli/audit-export.ts', '--out', out], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/not empty/);
  }, 120_000);
});
