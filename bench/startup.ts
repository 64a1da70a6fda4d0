/**
 * Start-up target: from a fresh data directory, `npm start` (embedded PostgreSQL, in-process jobs,
 * the five agency simulators) serves /readyz within 15 s, and the example referral's picture is
 * ready soon after. Prints the figures over several cold starts; exits non-zero if a start misses.
 * Run: npm exec -- node bench/startup.ts [runs]
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadOrCreateSigningKey, signToken } from '../src/gateway/embedded-key.ts';
import { makeTempDir } from '../test/support/tmp.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const TARGET_MS = 15_000;
const runs = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 3);
const example = readFileSync(path.join(ROOT, 'examples', 'referral.json'), 'utf8');

async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function coldStart(port: number): Promise<{ readyMs: number; pictureMs: number }> {
  const tmp = makeTempDir('mash-bench-start-');
  const started = performance.now();
  const child = spawn(process.execPath, ['src/main.ts'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', MASH_DATA_DIR: tmp.dir, PORT: String(port), LOG_LEVEL: 'warn' }, stdio: 'ignore' });
  try {
    const url = `http://127.0.0.1:${port}`;
    await poll(async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined), 60_000);
    const readyMs = performance.now() - started;
    const key = loadOrCreateSigningKey(tmp.dir);
    const opts = { issuer: 'mash-gateway', audience: 'mash-gateway' };
    const intake = await signToken(key, { sub: 'bench', role: 'referral-intake' }, opts);
    const manager = await signToken(key, { sub: 'bench', role: 'hub-manager' }, opts);
    const submitted = performance.now();
    const posted = await fetch(`${url}/v1/referrals`, { method: 'POST', headers: { authorization: `Bearer ${intake}`, 'content-type': 'application/json' }, body: example });
    const { id } = (await posted.json()) as { id: string };
    await poll(async () => {
      const view = (await (await fetch(`${url}/v1/referrals/${id}`, { headers: { authorization: `Bearer ${manager}` } })).json()) as { status: string };
      return view.status === 'picture-ready' ? true : undefined;
    }, 60_000);
    return { readyMs, pictureMs: performance.now() - submitted };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    tmp.remove();
  }
}

const results: { readyMs: number; pictureMs: number }[] = [];
for (let i = 0; i < runs; i += 1) results.push(await coldStart(18_500 + i));
const worst = Math.max(...results.map((r) => r.readyMs));
console.log('cold start (embedded, fresh data directory, five simulators)');
for (const [i, r] of results.entries()) console.log(`  run ${i + 1}: /readyz after ${(r.readyMs / 1000).toFixed(2)} s; example picture ready ${(r.pictureMs / 1000).toFixed(2)} s after submission`);
console.log(`worst /readyz ${(worst / 1000).toFixed(2)} s; target ${TARGET_MS / 1000} s; ratio ${(worst / TARGET_MS).toFixed(2)} of target`);
process.exitCode = worst <= TARGET_MS ? 0 : 1;
