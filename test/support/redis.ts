/**
 * A real, throwaway Redis for integration tests (CONVENTIONS.md §11: real Redis, started by the
 * tests themselves). Each call starts the OS `redis-server` on its own loopback port and temp
 * dir with persistence off, so suites never share state or leave files behind. `kill` and
 * `restart` crash it and bring it back, empty, on the same port, for the tests of a Redis blip.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.ts';

/** A running test Redis. */
export interface TestRedis {
  /** `redis://127.0.0.1:PORT`, ready for ioredis and BullMQ. */
  readonly url: string;
  /** Crashes the server (SIGKILL). With persistence off, whatever it held is gone. */
  kill(): Promise<void>;
  /** Starts an empty server again on the same port, as a Redis restarted without its data would be. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** How long to wait for the server to answer PING. */
  readonly startTimeoutMs?: number;
}

const START_ATTEMPTS = 3;
const OUTPUT_TAIL_CHARS = 4_000;

/**
 * Starts `redis-server` (from PATH) on 127.0.0.1 and a free port, waits until it answers PING.
 * Rejects with the server's last output when it cannot start in time; nothing is left running.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<TestRedis> {
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let lastError: Error | undefined;
  // The free port is released before redis binds it; another process may win the race.
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt += 1) {
    try {
      return await startOnce(startTimeoutMs);
    } catch (error) {
      if (!(error instanceof PortTakenError)) throw error;
      lastError = error;
    }
  }
  throw new Error(`redis-server could not bind a free port in ${START_ATTEMPTS} attempts`, { cause: lastError });
}

class PortTakenError extends Error {
  override readonly name = 'PortTakenError';
}

async function startOnce(startTimeoutMs: number): Promise<TestRedis> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'mash-redis-'));
  let child: ChildProcess | undefined;
  // A crashed test process must not leave a server behind.
  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('exit', killOnExit);
      if (child !== undefined) await terminate(child);
      await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    child = await launch(port, dir, startTimeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    async kill() {
      const crashed = child;
      if (crashed === undefined || crashed.exitCode !== null || crashed.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => crashed.once('exit', () => { resolve(); }));
      crashed.kill('SIGKILL');
      await exited;
    },
    async restart() {
      // The port was ours a moment ago; retry while the OS still holds it.
      const deadline = Date.now() + startTimeoutMs;
      for (;;) {
        try {
          child = await launch(port, dir, startTimeoutMs);
          return;
        } catch (error) {
          if (!(error instanceof PortTakenError) || Date.now() > deadline) throw error;
          await sleep(100);
        }
      }
    },
  };
}

/** Spawns redis-server on `port` and waits until it answers PING; kills it again on failure. */
async function launch(port: number, dir: string, startTimeoutMs: number): Promise<ChildProcess> {
  let output = '';
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--logfile', ''],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keepTail = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  try {
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (spawnError !== undefined) {
        const hint = 'code' in spawnError && spawnError.code === 'ENOENT' ? ' (install it: apt-get install -y redis-server)' : '';
        throw new Error(`cannot run redis-server${hint}: ${spawnError.message}`);
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        if (/address already in use/i.test(output)) throw new PortTakenError(`port ${port} taken`);
        throw new Error(`redis-server exited during start (code ${String(child.exitCode)}); output:\n${output}`);
      }
      if (await answersPing(port)) return child;
      if (Date.now() > deadline) {
        throw new Error(`redis-server did not answer PING on port ${port} within ${startTimeoutMs} ms; output:\n${output}`);
      }
      await sleep(25);
    }
  } catch (error) {
    await terminate(child);
    throw error;
  }
}

/** Sends an inline PING (RESP allows it) and checks for +PONG; any failure is "not yet". */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (answered: boolean): void => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(500, () => {
      finish(false);
    });
    socket.once('error', () => {
      finish(false);
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}

/** SIGTERM, then SIGKILL if the process has not exited in time. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  child.kill('SIGTERM');
  const cancelTimer = new AbortController();
  const timer = sleep(5_000, 'timeout' as const, { signal: cancelTimer.signal });
  try {
    if ((await Promise.race([exited, timer])) === 'timeout') {
      child.kill('SIGKILL');
      await exited;
    }
  } finally {
    cancelTimer.abort(); // the losing sleep rejects into the settled race: handled, no dangling timer
  }
}
