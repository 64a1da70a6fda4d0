/**
 * The test command (`npm test`): every check and every suite, the distributed ones included.
 * 1. Makes sure the OS `redis-server` and PostgreSQL binaries the distributed suites start, the
 *    `curl` and `openssl` the README walkthrough runs, and the `chromium` the console's browser
 *    tests drive are present — installing them with apt-get
 *    when it can, or stopping with a one-line instruction.
 * 2. Type check, lint and the layer check, side by side (each reads the sources, none writes them),
 *    their output printed whole, one check after another, in this order.
 * 3. vitest, with a JSON report; prints `N passed, N failed` alone on the last line.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

const REPORT = '.vitest-report.json';

function which(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : path.join(root, versions[0], 'bin');
}

function ensureServers(): void {
  const present = (): string[] => [
    ...(which('redis-server') ? [] : ['redis-server']),
    ...(postgresBin() === undefined ? ['postgresql'] : []),
    // test/e2e/readme-walkthrough.int.test.ts runs the README's commands as written.
    ...(which('curl') ? [] : ['curl']),
    ...(which('openssl') ? [] : ['openssl']),
    // The console's browser tests drive Debian's chromium (test/support/browser.ts), with a text font.
    ...(existsSync(process.env.MASH_TEST_CHROMIUM ?? '/usr/bin/chromium') ? [] : ['chromium', 'fonts-liberation']),
  ];
  const missing = present();
  if (missing.length === 0) return;
  const canInstall = process.getuid?.() === 0 && which('apt-get');
  if (!canInstall) {
    process.stderr.write(`npm test needs ${missing.join(' and ')}: run  sudo apt-get install -y ${missing.join(' ')}  (or your OS's packages) and try again\n`);
    process.exit(1);
  }
  process.stdout.write(`installing ${missing.join(', ')} with apt-get...\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
  if (update.status !== 0 || install.status !== 0 || present().length > 0) {
    process.stderr.write(`npm test could not install ${missing.join(' and ')} with apt-get; install them and try again\n`);
    process.exit(1);
  }
}

function step(name: string, command: string, args: string[]): boolean {
  process.stdout.write(`\n== ${name}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) process.stdout.write(`== ${name} FAILED\n`);
  return result.status === 0;
}

/**
 * Runs a check with its output held, so checks run together do not interleave; prints it under the
 * check's name once `previous` (the check listed before) has printed. Resolves to whether it passed.
 */
function check(name: string, command: string, args: string[], previous: Promise<unknown>): Promise<boolean> {
  const finished = new Promise<{ ok: boolean; output: string }>((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    child.once('error', (error) => { resolve({ ok: false, output: `${output}${error.message}\n` }); });
    child.once('close', (code) => { resolve({ ok: code === 0, output }); });
  });
  return Promise.all([finished, previous]).then(([{ ok, output }]) => {
    process.stdout.write(`\n== ${name}\n${output}`);
    if (!ok) process.stdout.write(`== ${name} FAILED\n`);
    return ok;
  });
}

ensureServers();
const typeCheck = check('type check', 'node', ['node_modules/typescript7/bin/tsc', '--noEmit', '-p', 'tsconfig.json'], Promise.resolve());
const lint = check('lint', 'eslint', ['.', '--max-warnings=0'], typeCheck);
const layers = check('layers', 'depcruise', ['src', 'simulators', 'bench', '--config', '.dependency-cruiser.cjs'], lint);
const checks = await Promise.all([typeCheck, lint, layers]);
rmSync(REPORT, { force: true });
const suites = step('tests', 'vitest', ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${REPORT}`, ...process.argv.slice(2)]);

let passed = 0;
let failed = 0;
if (existsSync(REPORT)) {
  const report = JSON.parse(readFileSync(REPORT, 'utf8')) as { numPassedTests?: number; numFailedTests?: number };
  passed = report.numPassedTests ?? 0;
  failed = report.numFailedTests ?? 0;
}
// A failed check counts as a failure, so the summary can never read green over a red check.
failed += checks.filter((ok) => !ok).length;
if (!suites && failed === 0) failed = 1;
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
