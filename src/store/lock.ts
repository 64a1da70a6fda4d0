/**
 * PGlite has no inter-process lock: two processes on one data directory would corrupt it.
 * We hold a lock file naming our pid, and refuse to open a directory a live process holds.
 */
import { hostname } from 'node:os';
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

export class DataDirLockedError extends Error {
  constructor(dir: string, pid: number) {
    super(`data directory ${dir} is in use by process ${pid}; stop it or choose another MASH_DATA_DIR`);
    this.name = 'DataDirLockedError';
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Take the lock on `dir`, or throw DataDirLockedError. Returns the release function. */
export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, 'mash.lock');
  const stamp = JSON.stringify({ pid: process.pid, host: hostname() });
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, stamp);
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(file, 'utf8') === stamp) unlinkSync(file);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      if (holder !== undefined && holder.host === hostname() && holder.pid !== process.pid && isAlive(holder.pid)) {
        throw new DataDirLockedError(dir, holder.pid);
      }
      // A stale lock from a process that died (SIGKILL, power loss): take it over.
      try {
        unlinkSync(file);
      } catch {
        // Someone else removed it first; the next attempt decides.
      }
    }
  }
  throw new Error(`could not lock data directory ${dir}`);
}

function readHolder(file: string): { pid: number; host: string } | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof value === 'object' && value !== null && 'pid' in value && 'host' in value) {
      const { pid, host } = value;
      if (typeof pid === 'number' && typeof host === 'string') return { pid, host };
    }
  } catch {
    // Unreadable or half-written: treat as stale.
  }
  return undefined;
}
