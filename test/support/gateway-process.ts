/**
 * Runs the real gateway (`node src/main.ts`) as a child process, as `npm start` and the
 * distributed deployment do, and waits for it to listen. Used by the end-to-end suites.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
// Node's on-disk code cache: the suites start many processes, and each then starts in about half
// the time (behaviour is unchanged; only compiled code is reused).
const COMPILE_CACHE = path.join(tmpdir(), 'mash-node-compile-cache');

export interface GatewayProcess {
  /** Base URL, for processes that serve HTTP. */
  readonly url: string;
  readonly child: ChildProcess;
  /** Everything the process wrote, for diagnosing a failed test. */
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startGatewayProcess(options: {
  readonly env: Readonly<Record<string, string>>;
  /** Wait for the HTTP banner (gateway, all) or for the worker's start line. */
  readonly waitFor?: 'http' | 'worker';
  readonly timeoutMs?: number;
}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', NODE_COMPILE_CACHE: COMPILE_CACHE, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const pattern = (options.waitFor ?? 'http') === 'http' ? /listening on (http:\/\/\S+)/ : /"msg":"worker started"/;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start within ${options.timeoutMs ?? 30_000} ms:\n${output}`)), options.timeoutMs ?? 30_000);
    const check = (): void => {
      const match = pattern.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(match[1] ?? '');
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code} before starting:\n${output}`));
    });
  });

  return {
    url,
    child,
    output: () => output,
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** Poll `probe` until it returns a value, or fail after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
