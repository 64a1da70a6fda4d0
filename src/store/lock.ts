/**
 * One process per embedded data directory: PGlite has no inter-process lock, and two processes on
 * one directory would corrupt it. The lock is a Unix-domain socket bound in the directory
 * (docs/decisions.md, "The data directory lock is a socket"). bind() creates the socket file
 * atomically or fails, so two starters cannot both win; the kernel closes the socket when its
 * holder exits, however it exits (SIGKILL, a crash, or a zombie its parent never reaps), so a
 * socket file left behind refuses connections (ECONNREFUSED) and is stale. A pid check alone
 * cannot tell: a zombie still answers kill(pid, 0). A live holder accepts the probe's connection
 * and answers with its pid, which the refusal names.
 */
import { closeSync, existsSync, openSync, statSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MashError } from '../lib/errors.ts';

/** The socket file's name inside the data directory. */
export const LOCK_SOCKET = 'mash.lock.sock';

// sun_path holds 108 bytes on Linux and 104 on macOS, the terminating NUL included.
const MAX_SOCKET_PATH_BYTES = 100;
const PROBE_TIMEOUT_MS = 2_000;
const ACQUIRE_ATTEMPTS = 200;
const TAKEOVER_WAIT_MS = 10;

/** Another live process holds the data directory; the message says which and what to do. */
export class DataDirLockedError extends MashError {
  constructor(dir: string, pid: number | undefined) {
    super('STORE.DATA_DIR_LOCKED', `data directory ${dir} is in use by ${pid === undefined ? 'another process' : `process ${pid}`}; stop it or choose another MASH_DATA_DIR`);
    this.name = 'DataDirLockedError';
  }
}

/** Where the socket is bound: the plain path, or, when that is too long for sun_path, through an open descriptor of the directory. */
interface SocketAddress {
  readonly path: string;
  /** Closes the directory descriptor, if one was opened. */
  dispose(): void;
}

function socketAddress(dir: string): SocketAddress {
  const plain = path.join(path.resolve(dir), LOCK_SOCKET);
  if (Buffer.byteLength(plain) <= MAX_SOCKET_PATH_BYTES) return { path: plain, dispose: () => undefined };
  // Linux: /proc/self/fd/N names the directory we hold open, in a path short enough for sun_path.
  if (!existsSync('/proc/self/fd')) {
    throw new Error(`data directory path ${dir} is too long for its lock socket (at most ${MAX_SOCKET_PATH_BYTES - LOCK_SOCKET.length - 1} bytes); choose a shorter MASH_DATA_DIR`);
  }
  const fd = openSync(dir, 'r');
  return { path: `/proc/self/fd/${fd}/${LOCK_SOCKET}`, dispose: () => closeSync(fd) };
}

type Probe = { kind: 'live'; pid: number | undefined } | { kind: 'stale' } | { kind: 'gone' };

/**
 * Take the lock on `dir`, or reject with DataDirLockedError. Resolves to the release function,
 * which closes the socket and removes its file. The socket never keeps the process alive.
 */
export async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const address = socketAddress(dir);
  try {
    for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt += 1) {
      const server = holderServer();
      if (await bind(server, address.path)) return releaser(server, address);
      // The name is taken: by a live holder, or by the socket file of one that has gone.
      const probe = await probeHolder(address.path);
      if (probe.kind === 'live') throw new DataDirLockedError(dir, probe.pid);
      if (probe.kind === 'gone') continue;
      const taken = await underTakeoverMutex(dir, async () => {
        // Only a takeover removes the file, and takeovers run one at a time: probe again under
        // the mutex, so the file removed is one nobody holds, never one a starter has just bound.
        const again = await probeHolder(address.path);
        if (again.kind === 'live') throw new DataDirLockedError(dir, again.pid);
        if (again.kind === 'stale') {
          try {
            unlinkSync(address.path);
          } catch {
            // Gone already: bind decides.
          }
        }
        const ours = holderServer();
        return (await bind(ours, address.path)) ? ours : undefined;
      });
      if (taken === 'busy') await sleep(TAKEOVER_WAIT_MS);
      else if (taken !== undefined) return releaser(taken, address);
    }
    throw new Error(`could not lock data directory ${dir}: its lock socket kept changing hands`);
  } catch (error) {
    address.dispose();
    throw error;
  }
}

function releaser(server: Server, address: SocketAddress): () => Promise<void> {
  let released: Promise<void> | undefined;
  return () => {
    // libuv removes the socket file when the server closes (before closing its descriptor).
    released ??= new Promise<void>((resolve) => server.close(() => resolve())).finally(() => address.dispose());
    return released;
  };
}

/**
 * Runs `work` while holding the takeover mutex of `dir`: an abstract-namespace socket (Linux)
 * named by the directory's device and inode, which the kernel releases with its holder and which
 * leaves no file behind. 'busy' when another starter holds it. Elsewhere `work` runs unguarded.
 */
async function underTakeoverMutex<T>(dir: string, work: () => Promise<T>): Promise<T | 'busy'> {
  if (process.platform !== 'linux') return work();
  const id = statSync(dir, { bigint: true });
  const mutex = createServer();
  mutex.on('error', () => undefined);
  if (!(await bind(mutex, `\0mash-gateway-lock-takeover:${id.dev}:${id.ino}`))) return 'busy';
  try {
    return await work();
  } finally {
    await new Promise<void>((resolve) => mutex.close(() => resolve()));
  }
}

/** The holder's side: answer every probe with our pid, and never crash the process on a socket error. */
function holderServer(): Server {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(`${JSON.stringify({ pid: process.pid })}\n`);
  });
  server.on('error', () => undefined);
  return server;
}

/** Binds `server` to the socket path; false when the name is taken (EADDRINUSE). */
function bind(server: Server, socketPath: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      if (error.code === 'EADDRINUSE') resolve(false);
      // Some network and host-shared mounts cannot hold a socket: say what to do.
      else reject(new Error(`cannot take the lock socket ${socketPath} (${error.code ?? error.message}); choose a MASH_DATA_DIR on a local file system`, { cause: error }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      server.unref();
      resolve(true);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ path: socketPath, exclusive: true });
  });
}

/** Connect to the socket file: refused means no process holds it any more; accepted means a live holder. */
function probeHolder(socketPath: string): Promise<Probe> {
  return new Promise((resolve) => {
    const socket = connect({ path: socketPath });
    let reply = '';
    let connected = false;
    const finish = (probe: Probe): void => {
      socket.destroy();
      resolve(probe);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => {
      // Accepted but silent (a stopped holder), or a connect that never completes: someone holds it.
      finish({ kind: 'live', pid: undefined });
    });
    socket.on('connect', () => {
      connected = true;
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.length > 200) finish({ kind: 'live', pid: undefined });
    });
    socket.on('end', () => finish({ kind: 'live', pid: parsePid(reply) }));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (connected) finish({ kind: 'live', pid: parsePid(reply) });
      else if (error.code === 'ECONNREFUSED') finish({ kind: 'stale' });
      else if (error.code === 'ENOENT') finish({ kind: 'gone' });
      // EACCES and the like: we cannot tell, so we do not take the directory.
      else finish({ kind: 'live', pid: undefined });
    });
  });
}

function parsePid(reply: string): number | undefined {
  try {
    const value: unknown = JSON.parse(reply);
    if (typeof value === 'object' && value !== null && 'pid' in value && typeof value.pid === 'number' && Number.isInteger(value.pid)) return value.pid;
  } catch {
    // Not our answer: a holder all the same.
  }
  return undefined;
}
