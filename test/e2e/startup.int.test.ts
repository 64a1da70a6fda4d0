/**
 * Start-up failures an operator meets: a bad configuration value stops the process with one line
 * naming the variable, and a second process on the same PGlite data directory is refused.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
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
