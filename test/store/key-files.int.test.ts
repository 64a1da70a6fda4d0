/**
 * Key files made at start-up by whichever process needs them first — the audit signing key and
 * the token-signing key in the data directory, the embedded master key in the user's
 * configuration folder — are made once when several processes start at the same instant: every
 * process gets the same whole key and none fails on a file another has created but not yet
 * written (README: the processes "may start in any order").
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tmp.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PROCESSES = 4;
const ROUNDS = 150;

/** Each child waits for the go file, then makes (or reads) the keys of every round's directory and prints their ids. */
const CHILD = `
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
const [base, rounds] = [process.env.BASE, Number(process.env.ROUNDS)];
const { loadAuditSigner } = await import(${JSON.stringify(path.join(ROOT, 'src/audit/signing.ts'))});
const { loadOrCreateSigningKey } = await import(${JSON.stringify(path.join(ROOT, 'src/gateway/embedded-key.ts'))});
const { resolveMasterKey } = await import(${JSON.stringify(path.join(ROOT, 'src/store/master-key.ts'))});
process.stdout.write('ready\\n');
while (!existsSync(base + '/go')) await new Promise((resolve) => setImmediate(resolve));
const ids = [];
for (let round = 0; round < rounds; round += 1) {
  const dir = base + '/round-' + round;
  const audit = loadAuditSigner({ dataDir: dir, embedded: true }).keyId;
  const token = createHash('sha256').update(loadOrCreateSigningKey(dir).publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
  const master = createHash('sha256').update(resolveMasterKey({ base64: undefined, file: undefined, embedded: true, env: { XDG_CONFIG_HOME: dir } })).digest('hex').slice(0, 16);
  ids.push(audit + ':' + token + ':' + master);
}
process.stdout.write(JSON.stringify(ids) + '\\n');
`;

interface Child {
  readonly ready: Promise<void>;
  readonly done: Promise<{ code: number | null; output: string }>;
}

function startChild(base: string): Child {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', BASE: base, ROUNDS: String(ROUNDS) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let signalReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { signalReady = resolve; });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (output.startsWith('ready\n')) signalReady();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.once('exit', (code) => {
    signalReady();
    resolve({ code, output });
  }));
  return { ready, done };
}

describe('key files made by processes starting at the same instant', () => {
  const tmp = makeTempDir('mash-key-files-');

  afterAll(() => {
    tmp.remove();
  });

  it(`gives ${PROCESSES} processes the same whole keys in each of ${ROUNDS} fresh directories`, async () => {
    const children = Array.from({ length: PROCESSES }, () => startChild(tmp.dir));
    await Promise.all(children.map((c) => c.ready));
    writeFileSync(path.join(tmp.dir, 'go'), '');
    const results = await Promise.all(children.map((c) => c.done));
    for (const result of results) expect(result.code, result.output.slice(-2_000)).toBe(0);
    const ids = results.map((r) => JSON.parse(r.output.split('\n')[1] ?? '[]') as string[]);
    for (const other of ids.slice(1)) expect(other).toEqual(ids[0]);
    expect(new Set(ids[0]).size).toBe(ROUNDS);
  }, 60_000);
});
