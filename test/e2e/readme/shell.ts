/**
 * Running the README's commands the way a user does: bash and curl in a project folder, `npm`
 * scripts as long-running processes. The project folder is a fresh temporary directory whose
 * entries link to this checkout's, like a clean clone: what the commands write (`./data`,
 * `secrets/`, connector files) lands there, never in the checkout. Every HTTP call has a deadline,
 * and a step that misses it fails naming the step, with the processes' output attached.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

/** Each HTTP call of the walkthrough must answer within this. */
export const CALL_TIMEOUT_SECONDS = 5;

/** What a clone has that the commands may write or read as local state: left out of the project folder. */
const NOT_IN_A_CLONE = new Set(['data', 'secrets', 'coverage', 'connectors.local.yaml']);

/** A temporary project folder and a home directory for the walkthrough's processes. */
export interface Workspace {
  readonly dir: string;
  readonly home: string;
  remove(): void;
}

export function createWorkspace(prefix: string): Workspace {
  const base = mkdtempSync(path.join(tmpdir(), prefix));
  const dir = path.join(base, 'project');
  const home = path.join(base, 'home');
  mkdirSync(dir);
  mkdirSync(home);
  for (const name of readdirSync(ROOT)) {
    if (name.startsWith('.') || NOT_IN_A_CLONE.has(name) || name.endsWith('.log')) continue;
    symlinkSync(path.join(ROOT, name), path.join(dir, name));
  }
  return { dir, home, remove: () => rmSync(base, { recursive: true, force: true }) };
}

/**
 * The environment of a user's terminal in the project folder: PATH, a private HOME (so the
 * embedded master key in ~/.config never touches the real home), and no npm update check (the
 * walkthrough talks to 127.0.0.1 only). Nothing else is inherited.
 */
export function terminalEnv(workspace: Workspace, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: workspace.home, LANG: 'C.UTF-8', npm_config_update_notifier: 'false', npm_config_fund: 'false', ...extra };
}

export interface ShellResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Runs a bash script in its own process group; the whole group is killed at the deadline. */
export function runBash(script: string, options: { readonly cwd: string; readonly env: Readonly<Record<string, string>>; readonly timeoutMs: number }): Promise<ShellResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

/** What one README curl answered. */
export interface CurlAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly headers: string;
  readonly body: string;
}

/**
 * Runs a README curl command as written, in bash, with `curl` wrapped to add a deadline and to
 * keep the answer's headers and body. Rejects, naming the step, when curl fails or times out.
 */
export async function runCurl(
  command: string,
  options: { readonly cwd: string; readonly env: Readonly<Record<string, string>>; readonly step: string; readonly diagnostics: () => string },
): Promise<CurlAnswer> {
  const stamp = `${Date.now()}-${Math.random().toString(16).slice(2)}`;
  const headersFile = path.join(options.cwd, `.walk-${stamp}.headers`);
  const bodyFile = path.join(options.cwd, `.walk-${stamp}.body`);
  const wrapper = `curl() { command curl --max-time ${CALL_TIMEOUT_SECONDS} --show-error --dump-header ${quote(headersFile)} --output ${quote(bodyFile)} "$@"; }`;
  const result = await runBash(`${wrapper}\n${command}\n`, { cwd: options.cwd, env: options.env, timeoutMs: (CALL_TIMEOUT_SECONDS + 10) * 1000 });
  try {
    if (result.code === 28 || result.timedOut) {
      throw new Error(`${options.step}: no answer within ${CALL_TIMEOUT_SECONDS} s (the gateway hangs)\n${options.diagnostics()}`);
    }
    if (result.code !== 0) throw new Error(`${options.step}: curl exited ${String(result.code)}: ${result.stderr.trim()}\n${options.diagnostics()}`);
    const headers = readFileSync(headersFile, 'utf8');
    const statuses = [...headers.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)];
    const status = Number(statuses.at(-1)?.[1] ?? 0);
    const contentType = /^content-type:\s*(.+?)\s*$/im.exec(headers)?.[1] ?? '';
    return { status, contentType, headers, body: existsSync(bodyFile) ? readFileSync(bodyFile, 'utf8') : '' };
  } finally {
    rmSync(headersFile, { force: true });
    rmSync(bodyFile, { force: true });
  }
}

/** A long-running `npm` script (start, gateway, worker, simulators), in its own process group. */
export interface NpmProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The first capture group of the ready pattern (the printed URL, for example). */
  readonly ready: string;
  /** The processes npm started (node, or sh and node), read when it became ready. */
  readonly descendants: readonly number[];
  output(): string;
  /**
   * Stops it as a user or a supervisor would: `ctrl-c` sends SIGINT to the whole process group
   * (a terminal's Ctrl-C); `kill` sends SIGTERM to the npm process only (`kill <pid>`, systemd,
   * a process manager). Resolves with how npm exited and which started processes are still alive.
   */
  stop(how: 'ctrl-c' | 'kill', timeoutMs?: number): Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null; readonly survivors: readonly number[] }>;
  /** Kills whatever is left of the group; for clean-up after a failure. */
  destroy(): void;
}

export async function startNpmScript(options: {
  readonly name: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly ready: RegExp;
  readonly timeoutMs?: number;
}): Promise<NpmProcess> {
  const child = spawn('npm', [...options.args], { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = options.ready.exec(output);
      if (match !== null) {
        clearInterval(timer);
        clearTimeout(deadline);
        resolve(match[1] ?? match[0]);
      }
    }, 50);
    const deadline = setTimeout(() => {
      clearInterval(timer);
      killGroup(child, 'SIGKILL');
      reject(new Error(`${options.name} (npm ${options.args.join(' ')}) did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    void exited.then(({ code, signal }) => {
      clearInterval(timer);
      clearTimeout(deadline);
      reject(new Error(`${options.name} (npm ${options.args.join(' ')}) exited (${String(code ?? signal)}) before it was ready:\n${output}`));
    });
  });
  const descendants = child.pid === undefined ? [] : descendantsOf(child.pid);

  return {
    name: options.name,
    child,
    ready,
    descendants,
    output: () => output,
    async stop(how, stopTimeoutMs = 20_000) {
      if (child.exitCode === null && child.signalCode === null) {
        if (how === 'ctrl-c') killGroup(child, 'SIGINT');
        else child.kill('SIGTERM');
      }
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([exited, new Promise<'timeout'>((resolve) => { timer = setTimeout(() => resolve('timeout'), stopTimeoutMs); })]);
      clearTimeout(timer);
      if (outcome === 'timeout') throw new Error(`${options.name} did not stop within ${stopTimeoutMs} ms of ${how}:\n${tail(output)}`);
      // Give orphans a moment to show themselves: a process that outlives npm keeps running.
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { ...outcome, survivors: descendants.filter(isAlive) };
    },
    destroy() {
      killGroup(child, 'SIGKILL');
      for (const pid of descendants) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** The last lines of a process's output, for failure messages. */
export function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Linux: every process below `pid`, from /proc's children lists. */
function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift();
    if (next === undefined) break;
    let children: number[] = [];
    try {
      children = readFileSync(`/proc/${next}/task/${next}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      // gone, or no /proc: nothing to follow
    }
    found.push(...children);
    queue.push(...children);
  }
  return found;
}

/** Single-quotes a path for bash. */
export function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
