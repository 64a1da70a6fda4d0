/**
 * A real, throwaway PostgreSQL for integration tests (CONVENTIONS.md §11: real Postgres,
 * started by the tests themselves). Each call runs initdb and then the server from the newest
 * version under /usr/lib/postgresql, in its own temp dir, on a free loopback port, with trust
 * auth. Postgres refuses to run as root, so under root every server binary runs as the
 * `postgres` OS user (spawn's uid/gid, which also drops root's groups) and the temp dir is
 * handed to that user. The server is our direct child rather than daemonised by pg_ctl, so it
 * is reaped when it stops and can be killed if the test process dies.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './ports.ts';
import { POSTGRES_TEMPLATE_ENV } from './templates.ts';

/** A running test Postgres. */
export interface TestPostgres {
  /** `postgres://postgres@127.0.0.1:PORT/mash`; trust auth, no password. */
  readonly url: string;
  /** The cluster's data directory (PGDATA). */
  readonly dataDir: string;
  /** The server's port, the same across `restart`. */
  readonly port: number;
  /**
   * Crashes the server: SIGKILL to the postmaster, as an OOM kill or a power cut would. Its
   * backends end by themselves when they notice; the data directory stays for `restart`.
   */
  kill(): Promise<void>;
  /** Starts the server again on the same data directory and port (it runs crash recovery). */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. Safe to call more than once. */
  stop(): Promise<void>;
}

export interface StartPostgresOptions {
  /** Time allowed for each step: initdb, server ready, createdb. */
  readonly stepTimeoutMs?: number;
  /**
   * Keep every acknowledged commit across a server crash (`synchronous_commit=on`, as in
   * production), for tests that `kill` the server. Off by default: without it a crash loses the
   * last few hundred milliseconds of commits, which a test run that never crashes does not need.
   */
  readonly crashSafe?: boolean;
}

const POSTGRES_ROOT = '/usr/lib/postgresql';
const OS_USER = 'postgres';
const DATABASE = 'mash';
const START_ATTEMPTS = 3;
const OUTPUT_TAIL_CHARS = 4_000;

/**
 * Creates a cluster, starts the server, creates database `mash`. Rejects with the server's
 * output when a step fails or times out; nothing is left running or on disk.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<TestPostgres> {
  const stepTimeoutMs = options.stepTimeoutMs ?? 60_000;
  const binDir = await newestServerBinDir();
  const runAs = await serverUser();
  const root = await mkdtemp(join(tmpdir(), 'mash-pg-'));
  const dataDir = join(root, 'data');
  const tool = { binDir, cwd: root, runAs, timeoutMs: stepTimeoutMs, crashSafe: options.crashSafe ?? false };
  let server: ChildProcess | undefined;

  // A crashed test process must not leave a server behind. SIGQUIT = immediate shutdown:
  // the postmaster takes its backends down with it.
  const killOnExit = (): void => {
    server?.kill('SIGQUIT');
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        if (server !== undefined) await shutDown(server);
      } finally {
        process.off('exit', killOnExit);
        await rm(root, { recursive: true, force: true });
      }
    })();
    return stopping;
  };

  try {
    if (runAs !== undefined) await chown(root, runAs.uid, runAs.gid);
    await createCluster(tool, dataDir);
    const started = await startOnFreePort(tool, dataDir);
    server = started.server;
    const { port } = started;
    await runTool(tool, 'createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', OS_USER, DATABASE]);
    return {
      url: `postgres://${OS_USER}@127.0.0.1:${port}/${DATABASE}`,
      dataDir,
      port,
      stop,
      async kill() {
        const crashed = server;
        if (crashed === undefined || crashed.exitCode !== null || crashed.signalCode !== null) return;
        const exited = new Promise<void>((resolve) => crashed.once('exit', () => { resolve(); }));
        crashed.kill('SIGKILL');
        await exited;
      },
      async restart() {
        server = await restartOnPort(tool, dataDir, port);
      },
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/**
 * Makes the run's empty cluster once (test/support/global-setup.ts): initdb into `<root>/data`,
 * `root` handed to the server's user so that user can copy it. Returns the data directory.
 */
export async function createPostgresTemplate(root: string): Promise<string> {
  const tool = { binDir: await newestServerBinDir(), cwd: root, runAs: await serverUser(), timeoutMs: 60_000 };
  if (tool.runAs !== undefined) await chown(root, tool.runAs.uid, tool.runAs.gid);
  const dataDir = join(root, 'data');
  await runTool(tool, 'initdb', initdbArgs(dataDir));
  return dataDir;
}

/**
 * An empty cluster at `dataDir`: a copy of the run's template when there is one (`cp -a` as the
 * server's user keeps its owner and the 0700 mode postgres requires), else initdb. The template
 * is the same initdb with the same arguments, never started, so the copy is what initdb would make.
 */
async function createCluster(tool: ToolContext, dataDir: string): Promise<void> {
  const template = process.env[POSTGRES_TEMPLATE_ENV];
  if (template !== undefined && template !== '' && existsSync(join(template, 'PG_VERSION'))) {
    await runProgram(tool, 'cp', ['-a', template, dataDir]);
    return;
  }
  await runTool(tool, 'initdb', initdbArgs(dataDir));
}

function initdbArgs(dataDir: string): string[] {
  return ['-D', dataDir, '-U', OS_USER, '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'];
}

interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

interface ToolContext {
  readonly binDir: string;
  readonly cwd: string;
  readonly runAs: OsUser | undefined;
  readonly timeoutMs: number;
  readonly crashSafe?: boolean;
}

async function startOnFreePort(tool: ToolContext, dataDir: string): Promise<{ server: ChildProcess; port: number }> {
  let lastError: unknown;
  // The free port is released before postgres binds it; another process may win the race.
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt += 1) {
    const port = await freePort();
    try {
      return { server: await startServer(tool, dataDir, port), port };
    } catch (error) {
      if (!(error instanceof Error && /could not bind|address already in use/i.test(error.message))) throw error;
      lastError = error;
    }
  }
  throw new Error(`postgres could not bind a free port in ${START_ATTEMPTS} attempts`, { cause: lastError });
}

/**
 * After a crash the new postmaster refuses to start while a backend of the old one still holds
 * the shared memory, or while the port is not yet free: try again until the step timeout.
 */
async function restartOnPort(tool: ToolContext, dataDir: string, port: number): Promise<ChildProcess> {
  const deadline = Date.now() + tool.timeoutMs;
  for (;;) {
    try {
      return await startServer(tool, dataDir, port);
    } catch (error) {
      const retriable = error instanceof Error && /could not bind|address already in use|shared memory block|lock file .* already exists/i.test(error.message);
      if (!retriable || Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

async function startServer(tool: ToolContext, dataDir: string, port: number): Promise<ChildProcess> {
  let output = '';
  const server = spawn(
    join(tool.binDir, 'postgres'),
    [
      '-D', dataDir,
      '-p', String(port),
      '-k', tool.cwd,
      '-c', 'listen_addresses=127.0.0.1',
      // Test-only: durability against an OS crash buys nothing for a cluster deleted after the
      // run. A crash of the server alone keeps what reached the OS, so crash-safe keeps fsync off
      // but waits for each commit's WAL to be written.
      '-c', 'fsync=off',
      '-c', `synchronous_commit=${tool.crashSafe === true ? 'on' : 'off'}`,
      '-c', 'full_page_writes=off',
    ],
    { cwd: tool.cwd, stdio: ['ignore', 'pipe', 'pipe'], ...userOptions(tool.runAs) },
  );
  const keepTail = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  server.stdout?.on('data', keepTail);
  server.stderr?.on('data', keepTail);
  let spawnError: Error | undefined;
  server.once('error', (error) => {
    spawnError = error;
  });

  const deadline = Date.now() + tool.timeoutMs;
  try {
    for (;;) {
      if (spawnError !== undefined) throw new Error(`cannot run postgres: ${spawnError.message}`);
      if (server.exitCode !== null || server.signalCode !== null) {
        throw new Error(`postgres exited during start (code ${String(server.exitCode)}); output:\n${output}`);
      }
      if (await isReady(tool, port)) return server;
      if (Date.now() > deadline) {
        throw new Error(`postgres was not ready on port ${port} within ${tool.timeoutMs} ms; output:\n${output}`);
      }
      await sleep(50);
    }
  } catch (error) {
    await shutDown(server);
    throw error;
  }
}

/** pg_isready exits 0 once the server accepts connections. */
function isReady(tool: ToolContext, port: number): Promise<boolean> {
  return runTool({ ...tool, timeoutMs: 5_000 }, 'pg_isready', ['-q', '-h', '127.0.0.1', '-p', String(port)]).then(
    () => true,
    () => false,
  );
}

/** SIGINT (fast shutdown), then SIGQUIT (immediate), then SIGKILL, each after a grace period. */
async function shutDown(server: ChildProcess): Promise<void> {
  const hasExited = (): boolean => server.exitCode !== null || server.signalCode !== null || server.pid === undefined;
  if (hasExited()) return;
  const exited = new Promise<'exited'>((resolve) => server.once('exit', () => { resolve('exited'); }));
  for (const signal of ['SIGINT', 'SIGQUIT', 'SIGKILL'] as const) {
    server.kill(signal);
    const cancelTimer = new AbortController();
    try {
      if ((await Promise.race([exited, sleep(10_000, 'timeout' as const, { signal: cancelTimer.signal })])) === 'exited') return;
    } finally {
      cancelTimer.abort(); // the losing sleep rejects into the settled race: handled, no dangling timer
    }
  }
}

/** The bin dir of the highest installed major version, e.g. /usr/lib/postgresql/15/bin. */
async function newestServerBinDir(): Promise<string> {
  const versions = existsSync(POSTGRES_ROOT) ? await readdir(POSTGRES_ROOT) : [];
  const newest = versions
    .filter((version) => /^\d+(\.\d+)?$/.test(version) && existsSync(join(POSTGRES_ROOT, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined) {
    throw new Error(`no PostgreSQL server binaries under ${POSTGRES_ROOT} (install one: apt-get install -y postgresql)`);
  }
  return join(POSTGRES_ROOT, newest, 'bin');
}

/** Under root, the `postgres` OS user to run the server as; otherwise none (run as ourselves). */
async function serverUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  const entry = passwd.split('\n').find((line) => line.startsWith(`${OS_USER}:`));
  const [, , uid, gid] = entry?.split(':') ?? [];
  if (uid === undefined || gid === undefined) {
    throw new Error(`running as root needs an OS user '${OS_USER}' for the server (postgres refuses root)`);
  }
  return { uid: Number(uid), gid: Number(gid) };
}

function userOptions(runAs: OsUser | undefined): { uid?: number; gid?: number } {
  return runAs === undefined ? {} : { uid: runAs.uid, gid: runAs.gid };
}

function runTool(tool: ToolContext, name: string, args: readonly string[]): Promise<void> {
  return runProgram(tool, join(tool.binDir, name), args, name);
}

function runProgram(tool: ToolContext, file: string, args: readonly string[], name = file): Promise<void> {
  return new Promise((resolve, reject) => {
    // cwd inside the temp dir: the postgres user may not be able to read the caller's cwd.
    execFile(
      file,
      args,
      { cwd: tool.cwd, timeout: tool.timeoutMs, env: { ...process.env, LC_ALL: 'C' }, ...userOptions(tool.runAs) },
      (error, _stdout, stderr) => {
        if (error === null) {
          resolve();
          return;
        }
        const why = error.killed ? `timed out after ${tool.timeoutMs} ms` : `failed (${error.message.split('\n')[0] ?? ''})`;
        reject(new Error(`${name} ${why}${stderr.trim() === '' ? '' : `:\n${stderr.trim()}`}`));
      },
    );
  });
}
