/**
 * The README as a test script: reads the `sh` blocks of README.md, joins continued lines, keeps
 * the answers the README documents (`# → 202 {…}`), and names the walkthrough step each command
 * is. A command the suite does not know is an error, and so is a step the README no longer shows,
 * so the README and test/e2e/readme-walkthrough.int.test.ts change together.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The repository's README, the file the walkthrough follows. */
export const README_PATH = path.resolve(import.meta.dirname, '..', '..', '..', 'README.md');

/** The gateway origin the README's commands name; the suite substitutes the one it started. */
export const README_GATEWAY_ORIGIN = 'http://127.0.0.1:8080';

/** An answer the README documents under a command, as `# → 202 {"id":"…"}`. */
export interface DocumentedAnswer {
  readonly status: number;
  /** The JSON shown, with `…` standing for any value (or any run of characters inside a string). */
  readonly body: unknown;
}

/** One command of an `sh` block, continuation lines joined. */
export interface ReadmeCommand {
  /** As written, continuation lines joined with their backslash-newlines kept (bash reads them). */
  readonly text: string;
  /** The command without its trailing comment, whitespace collapsed: what is classified. */
  readonly normalized: string;
  /** 1-based line in README.md where the command starts, for messages. */
  readonly line: number;
  /** The `##` section the block sits in. */
  readonly section: string;
  readonly documented: DocumentedAnswer | undefined;
}

/** Walkthrough steps, in the words of the README. */
export type ReadmeStep =
  | { readonly kind: 'install-and-start' }
  | { readonly kind: 'install-and-test' }
  | { readonly kind: 'token'; readonly variable: string; readonly role: string; readonly agency: string | undefined }
  | { readonly kind: HttpStepKind; readonly method: 'GET' | 'POST' | 'PUT'; readonly target: string; readonly tokenVariable: string | undefined }
  | { readonly kind: CliStepKind }
  | { readonly kind: 'start-simulators' | 'start-gateway' | 'start-worker' | 'make-keys' | 'make-connectors' }
  | { readonly kind: 'export'; readonly names: readonly string[] };

export type CliStepKind = 'cli-audit-verify' | 'cli-audit-report' | 'cli-audit-export' | 'cli-audit-verify-copy';

export type HttpStepKind =
  | 'submit'
  | 'status'
  | 'picture'
  | 'reveal'
  | 'release'
  | 'decision'
  | 'publish'
  | 'product'
  | 'feed'
  | 'host-received'
  | 'audit-verify'
  | 'audit-entries'
  | 'audit-export'
  | 'audit-report';

export type StepKind = ReadmeStep['kind'];

/** Every step the README must show; the suite fails when one disappears. */
export const REQUIRED_STEPS: readonly StepKind[] = [
  'install-and-start',
  'token',
  'submit',
  'status',
  'picture',
  'reveal',
  'release',
  'decision',
  'publish',
  'product',
  'feed',
  'host-received',
  'audit-verify',
  'audit-entries',
  'audit-export',
  'audit-report',
  'cli-audit-verify',
  'cli-audit-report',
  'cli-audit-export',
  'cli-audit-verify-copy',
  'start-simulators',
  'make-keys',
  'make-connectors',
  'export',
  'start-gateway',
  'start-worker',
];

/** The commands of every `sh` block, in order. */
export function readmeCommands(markdown: string): ReadmeCommand[] {
  const lines = markdown.split('\n');
  const commands: { text: string; line: number; section: string; documented: DocumentedAnswer | undefined }[] = [];
  let section = '';
  let inBlock = false;
  let pending: { text: string; line: number } | undefined;
  lines.forEach((raw, index) => {
    if (!inBlock) {
      const heading = /^##\s+(.+)$/.exec(raw);
      if (heading !== null) section = heading[1]?.trim() ?? '';
      if (/^```sh\s*$/.test(raw)) inBlock = true;
      return;
    }
    if (/^```\s*$/.test(raw)) {
      if (pending !== undefined) throw new Error(`README.md line ${pending.line}: a command ends its block with a backslash`);
      inBlock = false;
      return;
    }
    if (pending !== undefined) {
      pending.text += `\n${raw}`;
    } else {
      const trimmed = raw.trim();
      if (trimmed === '') return;
      if (trimmed.startsWith('#')) {
        // `# → 202 {…}`, optionally followed by two spaces and a note.
        const answer = /^#\s*→\s*(\d{3})\s+(\{.*\}|\[.*\])(?:\s{2,}\S.*)?$/.exec(trimmed);
        const previous = commands.at(-1);
        if (answer !== null && previous !== undefined) previous.documented = { status: Number(answer[1]), body: parseDocumentedJson(answer[2] ?? '', index + 1) };
        return;
      }
      pending = { text: raw, line: index + 1 };
    }
    if (!raw.endsWith('\\')) {
      commands.push({ ...pending, section, documented: undefined });
      pending = undefined;
    }
  });
  return commands.map((c) => ({ ...c, normalized: normalize(c.text) }));
}

/** Reads README.md and returns its commands. */
export function loadReadmeCommands(file = README_PATH): ReadmeCommand[] {
  return readmeCommands(readFileSync(file, 'utf8'));
}

function normalize(text: string): string {
  return text
    .replace(/\\\n/g, ' ')
    .replace(/\s+#(?:\s.*)?$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** `{"entries":…}` is JSON with bare ellipses; they become the string "…" (any value). */
function parseDocumentedJson(text: string, line: number): unknown {
  try {
    return JSON.parse(text.replace(/([:[,]\s*)…(?=\s*[,}\]])/g, '$1"…"'));
  } catch {
    throw new Error(`README.md line ${line}: the documented answer is not JSON (bare … allowed): ${text}`);
  }
}

const TOKEN = /^([A-Z_][A-Z0-9_]*)=\$\(npm run --silent token -- --role ([a-z-]+)(?: --agency ([a-z-]+))?\)$/;
const CURL = /^curl -s (?:-X (GET|POST|PUT) )?(['"]?)(\S+?)\2(?: (.*))?$/;
const BEARER = /-H "Authorization: Bearer \$([A-Z_][A-Z0-9_]*)"/;

const HTTP_ROUTES: readonly { readonly kind: HttpStepKind; readonly method: 'GET' | 'POST' | 'PUT'; readonly target: RegExp }[] = [
  { kind: 'submit', method: 'POST', target: /^GATEWAY\/v1\/referrals$/ },
  { kind: 'status', method: 'GET', target: /^GATEWAY\/v1\/referrals\/<id>$/ },
  { kind: 'picture', method: 'GET', target: /^GATEWAY\/v1\/referrals\/<id>\/picture$/ },
  { kind: 'reveal', method: 'POST', target: /^GATEWAY\/v1\/referrals\/<id>\/items\/<itemId>\/reveal$/ },
  { kind: 'release', method: 'PUT', target: /^GATEWAY\/v1\/referrals\/<id>\/items\/<itemId>\/release$/ },
  { kind: 'decision', method: 'POST', target: /^GATEWAY\/v1\/referrals\/<id>\/decision$/ },
  { kind: 'publish', method: 'POST', target: /^GATEWAY\/v1\/referrals\/<id>\/products$/ },
  { kind: 'product', method: 'GET', target: /^GATEWAY\/v1\/products\/<productId>$/ },
  { kind: 'feed', method: 'GET', target: /^GATEWAY\/v1\/products\?after=\d+$/ },
  { kind: 'host-received', method: 'GET', target: /^<host-simulator>\/mash-products$/ },
  { kind: 'audit-verify', method: 'GET', target: /^GATEWAY\/v1\/audit\/verify$/ },
  { kind: 'audit-entries', method: 'GET', target: /^GATEWAY\/v1\/audit\/entries\?referralId=<id>$/ },
  { kind: 'audit-export', method: 'GET', target: /^GATEWAY\/v1\/audit\/export\?format=fhir-ndjson$/ },
  { kind: 'audit-report', method: 'GET', target: /^GATEWAY\/v1\/audit\/report\?from=<from>&to=<to>(&format=json)?$/ },
];

type FixedStepKind = Exclude<StepKind, 'token' | 'export' | HttpStepKind>;

const FIXED: readonly { readonly kind: FixedStepKind; readonly pattern: RegExp }[] = [
  { kind: 'install-and-start', pattern: /^npm ci && npm start$/ },
  { kind: 'install-and-test', pattern: /^npm ci && npm test$/ },
  { kind: 'cli-audit-verify', pattern: /^npm run --silent audit:verify$/ },
  { kind: 'cli-audit-report', pattern: /^npm run --silent audit:report -- --from <from> --to <to>$/ },
  { kind: 'cli-audit-export', pattern: /^npm run --silent audit:export -- --out <dir>$/ },
  { kind: 'cli-audit-verify-copy', pattern: /^npm run --silent audit:verify -- --copy <dir>$/ },
  { kind: 'start-simulators', pattern: /^npm run simulators$/ },
  { kind: 'start-gateway', pattern: /^npm run gateway$/ },
  { kind: 'start-worker', pattern: /^npm run worker$/ },
  { kind: 'make-keys', pattern: /^(mkdir -p secrets && )?openssl (rand -base64 32 > secrets\/master\.key|genpkey -algorithm ed25519 -out secrets\/audit-signing-key\.pem)$/ },
  { kind: 'make-connectors', pattern: /^sed '[^']+' examples\/connectors\.compose\.yaml > [\w.-]+$/ },
];

/** What step a README command is; throws, naming the line, when the suite does not know it. */
export function classify(command: ReadmeCommand): ReadmeStep {
  const text = command.normalized;
  const token = TOKEN.exec(text);
  if (token !== null) return { kind: 'token', variable: token[1] ?? '', role: token[2] ?? '', agency: token[3] };
  const exported = /^export ((?:[A-Z_][A-Z0-9_]*=\S+ ?)+)$/.exec(text);
  if (exported !== null) return { kind: 'export', names: (exported[1] ?? '').trim().split(' ').map((pair) => pair.split('=')[0] ?? '') };
  for (const { kind, pattern } of FIXED) {
    if (pattern.test(text)) return { kind };
  }
  const curl = CURL.exec(text);
  if (curl !== null) {
    const method = (curl[1] ?? 'GET') as 'GET' | 'POST' | 'PUT';
    const target = (curl[3] ?? '').replace(README_GATEWAY_ORIGIN, 'GATEWAY');
    const route = HTTP_ROUTES.find((r) => r.method === method && r.target.test(target));
    if (route !== undefined) return { kind: route.kind, method, target: curl[3] ?? '', tokenVariable: BEARER.exec(curl[4] ?? '')?.[1] };
  }
  throw new Error(
    `README.md line ${command.line}: the walkthrough suite does not know this command: ${text}\n` +
      'Teach test/e2e/readme-walkthrough.int.test.ts (and test/e2e/readme/commands.ts) to perform it, or change the README back.',
  );
}

/** Checks an answer against the README's documented one; returns what differs, or undefined. */
export function differsFromDocumented(documented: DocumentedAnswer, status: number, body: unknown): string | undefined {
  if (documented.status !== status) return `status ${status}, the README shows ${documented.status}`;
  return differs(documented.body, body, '$');
}

function differs(expected: unknown, actual: unknown, at: string): string | undefined {
  if (expected === '…') return actual === undefined ? `${at} is missing` : undefined;
  if (typeof expected === 'string' && expected.includes('…')) {
    const pattern = new RegExp(`^${expected.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
    return typeof actual === 'string' && pattern.test(actual) ? undefined : `${at} is ${JSON.stringify(actual)}, the README shows ${JSON.stringify(expected)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return `${at} is ${JSON.stringify(actual)}, the README shows ${JSON.stringify(expected)}`;
    for (const [i, value] of expected.entries()) {
      const problem = differs(value, actual[i], `${at}[${i}]`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return `${at} is ${JSON.stringify(actual)}, the README shows an object`;
    const expectedKeys = Object.keys(expected).sort();
    const actualKeys = Object.keys(actual).sort();
    if (expectedKeys.join() !== actualKeys.join()) return `${at} has keys ${actualKeys.join(', ')}; the README shows ${expectedKeys.join(', ')}`;
    for (const key of expectedKeys) {
      const problem = differs((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key], `${at}.${key}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  return Object.is(expected, actual) ? undefined : `${at} is ${JSON.stringify(actual)}, the README shows ${JSON.stringify(expected)}`;
}
