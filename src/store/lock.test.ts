/**
 * The data directory lock (docs/decisions.md, "The data directory lock is a socket"): a live
 * holder is refused by name, a socket file left by a process that has gone is taken over, a long
 * directory path still works, and of several starters on a stale lock exactly one wins.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_SOCKET, lockDataDir } from './lock.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mash-lock-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A socket file whose holder was killed with SIGKILL: the kernel closed the socket, the file stays. */
async function leaveStaleSocket(dir: string): Promise<void> {
  const socketPath = path.join(dir, LOCK_SOCKET);
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(socketPath)}, () => console.log('bound'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  expect(existsSync(socketPath)).toBe(true);
}

describe('lockDataDir', () => {
  it('refuses a second holder, naming the live one, until the first releases', async () => {
    const dir = tempDir();
    const release = await lockDataDir(dir);
    await expect(lockDataDir(dir)).rejects.toThrow(new DataDirLockedError(dir, process.pid));
    await release();
    expect(existsSync(path.join(dir, LOCK_SOCKET))).toBe(false);
    const again = await lockDataDir(dir);
    await again();
  });

  it('takes over the socket file of a holder killed with SIGKILL', async () => {
    const dir = tempDir();
    await leaveStaleSocket(dir);
    const release = await lockDataDir(dir);
    await expect(lockDataDir(dir)).rejects.toBeInstanceOf(DataDirLockedError);
    await release();
  });

  it('takes over a file that is not a socket at all', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, LOCK_SOCKET), 'left by hand');
    const release = await lockDataDir(dir);
    await release();
  });

  it('lets exactly one of several concurrent starters take a stale lock', async () => {
    const dir = tempDir();
    await leaveStaleSocket(dir);
    const outcomes = await Promise.allSettled(Array.from({ length: 8 }, () => lockDataDir(dir)));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const lost of outcomes.filter((o) => o.status === 'rejected')) expect(lost.reason).toBeInstanceOf(DataDirLockedError);
    for (const winner of won) await winner.value();
  });

  it('works in a directory whose path is longer than a socket address allows', async () => {
    const dir = path.join(tempDir(), 'a-rather-long-directory-name-for-a-data-directory'.repeat(3));
    mkdirSync(dir);
    expect(Buffer.byteLength(path.join(dir, LOCK_SOCKET))).toBeGreaterThan(108);
    const release = await lockDataDir(dir);
    expect(existsSync(path.join(dir, LOCK_SOCKET))).toBe(true);
    await expect(lockDataDir(dir)).rejects.toThrow(new DataDirLockedError(dir, process.pid));
    await release();
    expect(existsSync(path.join(dir, LOCK_SOCKET))).toBe(false);
  });
});
