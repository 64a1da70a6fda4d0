/**
 * `npm run --silent link -- --input people.csv` links the people in a CSV and writes `id,cluster`
 * to stdout, one row per input row in input order; rows in one cluster are judged one person.
 *
 * Why a command: linkage quality is evaluated on held-out sets through this command, so it runs
 * the full path — EM estimation on the input itself, blocking, scoring and clustering — through
 * `runLinkCsv` (src/linkage/, batch tooling the runtime never loads), the same function the
 * benchmark and the tests call. The matcher is built from the model fitted to the input. This
 * file only reads the input, writes the output and chooses the exit code: bad input (no id
 * column, a missing or repeated id, an unreadable file) is one line on stderr and exit 2.
 * `--input -` reads stdin. Messages never quote cell values (they are personal data).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { describeError } from '../lib/errors.ts';
import { runLinkCsv } from '../linkage/link-csv.ts';

/** Exit code for bad input or arguments. */
const BAD_INPUT = 2;

async function readInput(path: string): Promise<string> {
  if (path !== '-') return readFile(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Runs the command; resolves to the exit code. */
async function run(): Promise<number> {
  let input: string | undefined;
  try {
    ({ values: { input } } = parseArgs({ options: { input: { type: 'string' } }, strict: true }));
  } catch (error) {
    process.stderr.write(`link: ${error instanceof Error ? error.message : 'bad arguments'}\n`);
    return BAD_INPUT;
  }
  if (input === undefined || input.length === 0) {
    process.stderr.write('link: --input <file.csv> is required\n');
    return BAD_INPUT;
  }
  let text: string;
  try {
    text = await readInput(input);
  } catch (error) {
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'read failed';
    process.stderr.write(`link: cannot read the input file (${code})\n`);
    return BAD_INPUT;
  }
  const linked = runLinkCsv(text);
  if (!linked.ok) {
    process.stderr.write(`link: ${linked.error.message}\n`);
    return BAD_INPUT;
  }
  process.stdout.write(linked.value.csv);
  return 0;
}

try {
  process.exitCode = await run();
} catch (error) {
  process.stderr.write(`link: internal error: ${describeError(error)}\n`);
  process.exitCode = 1;
}
