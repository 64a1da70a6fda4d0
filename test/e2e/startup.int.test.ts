/**
 * Start-up as an operator meets it: a bad configuration value stops the process with one line
 * naming the variable; a second process on the same PGlite data directory is refused; and
 * `npm start` straight after `kill -9` of the previous process starts, even while the killed
 * process is a zombie its parent has not reaped (docs/decisions.md, "The data directory lock is
 * a socket").
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

function runMain(env: Record<string, string>): { status: number | null; stderr: string } {
  const result = spawnSync(process.execPath, ['src/main.ts'], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stderr: result.stderr };
}

describe('start-up', () => {
  const tmp = makeTempDir('mash-e2e-startup-');
  let first: GatewayProcess | undefined;

  afterAll(async () => {
    await first?.kill('SIGTERM');
    tmp.remove();
  });

  it('stops with a one-line message naming a bad variable', () => {
    const { status, stderr } = runMain({ MASH_DATA_DIR: tmp.dir, MASH_ROLE: 'boss' });
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^mash: configuration error: MASH_ROLE: /);
  });

  it('refuses a PGlite data directory another live process holds', async () => {
    const dataDir = path.join(tmp.dir, 'shared');
    first = await startGatewayProcess({ env: { MASH_DATA_DIR: dataDir, MASH_SIMULATORS: 'off' } });
    const { status, stderr } = runMain({ MASH_DATA_DIR: dataDir, MASH_SIMULATORS: 'off', PORT: '0' });
    expect(status).toBe(1);
    expect(stderr).toContain(`data directory ${dataDir} is in use by process ${first.child.pid}`);
  }, 60_000);
});

/** The state letter of /proc/<pid>/stat (R, S, Z…), or undefined once the process is gone. */
function processState(pid: number): string | undefined {
  try {
    return /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

describe('npm start straight after kill -9 of the previous process', () => {
  const tmp = makeTempDir('mash-e2e-restart-');
  // One data directory for both cases: PGlite creates its cluster once.
  const dataDir = path.join(tmp.dir, 'data');
  const cleanups: (() => Promise<unknown> | undefined)[] = [];

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    tmp.remove();
  });

  const env = { MASH_DATA_DIR: dataDir, MASH_SIMULATORS: 'off' };

  async function expectStartsAndIsReady(): Promise<void> {
    const next = await startGatewayProcess({ env });
    cleanups.push(() => next.kill('SIGTERM'));
    expect((await fetch(`${next.url}/readyz`)).status).toBe(200);
    await next.kill('SIGTERM');
  }

  it('starts when the killed process has been reaped', async () => {
    const first = await startGatewayProcess({ env });
    await first.kill('SIGKILL');
    await expectStartsAndIsReady();
  }, 60_000);

  it('starts while the killed process is still a zombie (kill(pid, 0) still answers)', async () => {
    // The shell starts the gateway in the background and becomes `sleep`, which never reaps it.
    const parent = spawn('sh', ['-c', '"$0" src/main.ts & echo "gateway-pid $!"; exec sleep 600', process.execPath], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => {
      parent.kill('SIGKILL');
      return undefined;
    });
    let output = '';
    parent.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    parent.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    const pid = await waitFor(async () => {
      const match = /gateway-pid (\d+)/.exec(output);
      return Promise.resolve(match !== null && output.includes('listening on') ? Number(match[1]) : undefined);
    }, 30_000, `the first gateway to listen:\n${output}`);

    process.kill(pid, 'SIGKILL');
    await waitFor(() => Promise.resolve(processState(pid) === 'Z' ? true : undefined), 10_000, 'the killed gateway to be a zombie');
    // The zombie still answers kill(pid, 0): a pid check alone would call the directory busy.
    expect(() => process.kill(pid, 0)).not.toThrow();

    await expectStartsAndIsReady();
    expect(processState(pid)).toBe('Z');
  }, 60_000);
});
