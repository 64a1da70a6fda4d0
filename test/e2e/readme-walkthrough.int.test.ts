/**
 * The README as a test. Every earlier suite replaced some piece of the product, and the README's
 * own walkthrough deadlocked at the manager's decision while they all passed (CONVENTIONS.md:
 * "a product never driven whole"). This suite starts the processes exactly as the README does —
 * `npm start` (embedded), or `npm run simulators`, `npm run gateway` and two `npm run worker` on a
 * real PostgreSQL and Redis (distributed) — and runs the README's own commands, read from its `sh`
 * blocks, with bash and curl: tokens from `npm run token`, the referral, the picture, the
 * firewall, the manager's decision, publication, the host's pull and push, the audit trail and its
 * offline copy. Between them it does what the README describes in prose (each agency's
 * practitioner deciding its items) and checks what a user relies on. A README command it does not
 * know, or a step the README no longer shows, fails it (test/e2e/readme/commands.ts).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ProblemSchema, ReferralAccepted, ReferralStatusView } from '../../src/gateway/schemas.ts';
import { AGENCIES, type Agency } from '../../src/model/agency.ts';
import { ConnectorFile } from '../../src/model/connector.ts';
import { Picture } from '../../src/model/picture.ts';
import { Product } from '../../src/model/product.ts';
import { SIMULATOR_PORT_ORDER } from '../../simulators/embedded.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import {
  classify,
  differsFromDocumented,
  loadReadmeCommands,
  README_GATEWAY_ORIGIN,
  REQUIRED_STEPS,
  type CliStepKind,
  type ReadmeCommand,
  type ReadmeStep,
} from './readme/commands.ts';
import { CALL_TIMEOUT_SECONDS, createWorkspace, quote, runBash, runCurl, startNpmScript, tail, terminalEnv, type CurlAnswer, type NpmProcess, type Workspace } from './readme/shell.ts';
import { loadConfig } from '../../src/config.ts';
import { createSlaClock } from '../../src/model/working-calendar.ts';

/** The working-hours clock the walkthrough's processes run with: the defaults. */
const WORKING_CLOCK = createSlaClock(loadConfig({}).calendar, loadConfig({}).slaAtRiskFraction);

type Mode = 'embedded' | 'distributed';

const QUICK_START = 'Quick start';
const DISTRIBUTED = 'Distributed deployment';
/** README "Distributed deployment": the simulators' fixed ports, substituted by the ones the OS gave. */
const README_SIMULATOR_BASE_PORT = 9101;
/** What the connectors reveal to the hub at once: the embedded demo policy, or the production default (docs/decisions.md). */
const AUTO_REVEALED: Readonly<Record<Mode, readonly string[]>> = { embedded: ['open', 'sensitive'], distributed: ['open'] };
const EXAMPLE = z
  .object({ subjects: z.array(z.object({ name: z.object({ given: z.array(z.string()) }), identifiers: z.array(z.object({ value: z.string() })), address: z.object({ lines: z.array(z.string()), postcode: z.string() }) })) })
  .parse(JSON.parse(readFileSync(new URL('../../examples/referral.json', import.meta.url), 'utf8')));
/** The example child's personal data: never in a log line or an audit export. */
const PERSONAL = [
  ...(EXAMPLE.subjects[0]?.name.given ?? []),
  'Bobby',
  ...(EXAMPLE.subjects[0]?.identifiers.map((i) => i.value) ?? []),
  ...(EXAMPLE.subjects[0]?.address.lines ?? []),
  EXAMPLE.subjects[0]?.address.postcode ?? 'postcode',
];

const RawFact = z.looseObject({ id: z.string(), kind: z.string(), summary: z.string().optional(), detail: z.string().optional(), provenance: z.looseObject({ agency: z.string(), sourceRecordId: z.string() }) });
const RawPicture = z.looseObject({ facts: z.array(RawFact) });
type RawFact = z.infer<typeof RawFact>;
type PictureView = Picture & { readonly raw: readonly RawFact[] };
const FeedPage = z.object({ entries: z.array(z.object({ cursor: z.string(), product: Product })), nextCursor: z.string() });
const HostHeld = z.object({ products: z.array(z.object({ key: z.string(), format: z.string(), count: z.number().int() })) });
const Verification = z.object({ ok: z.boolean(), entries: z.number().int(), checkpoints: z.number().int(), headSeq: z.number().int() });
const AuditPage = z.object({ entries: z.array(z.looseObject({ seq: z.number(), action: z.string(), referralId: z.string().nullable(), detail: z.string() })), nextAfter: z.string().nullable() });
const ReportItems = z.array(z.object({ agency: z.string(), revealed: z.number(), released: z.number(), redacted: z.number(), withheld: z.number() }));
const Report = z.looseObject({
  period: z.object({ from: z.string(), to: z.string() }),
  lookups: z.array(z.object({ agency: z.string(), done: z.number(), failed: z.number() })),
  items: ReportItems,
  products: z.object({ published: z.number(), referrals: z.number(), delivered: z.number(), deliveryFailed: z.number() }),
});

interface Decided {
  readonly agency: Agency;
  readonly decision: 'release' | 'redact' | 'withhold';
  readonly fact: RawFact;
}

/** Everything one walk learns as it goes, as a user would note it down. */
class Walk {
  readonly mode: Mode;
  readonly workspace: Workspace;
  /** The terminal's environment: base, then what the README exports. */
  env: Record<string, string>;
  /** Shell variables the README sets (TOKEN, P, M, …) and the roles they carry. */
  readonly vars = new Map<string, string>();
  readonly roles = new Map<string, { role: string; agency: string | undefined }>();
  readonly processes: NpmProcess[] = [];
  gateway: NpmProcess | undefined;
  gatewayUrl = '';
  hostSimulatorUrl = '';
  /** README port of a simulator → the port it got. */
  readonly simulatorPorts = new Map<number, number>();
  referralId = '';
  itemId = '';
  productId = '';
  readonly auditDir: string;
  readonly startedAt = new Date(Date.now() - 60_000);
  firstManagerPicture: PictureView | undefined;
  readonly decided = new Map<string, Decided>();
  productsPublished = 0;
  verifiedEntries = 0;
  exportedEntries = 0;
  lockChecked = false;
  requirementsChecked = false;
  postgres: TestPostgres | undefined;
  redis: TestRedis | undefined;

  constructor(mode: Mode) {
    this.mode = mode;
    this.workspace = createWorkspace(`mash-readme-${mode}-`);
    this.auditDir = path.join(this.workspace.dir, 'audit-copy');
    // Embedded: a data directory of its own (README "Configuration": MASH_DATA_DIR), kept in the project folder.
    this.env = terminalEnv(this.workspace, mode === 'embedded' ? { MASH_DATA_DIR: path.join(this.workspace.dir, 'data') } : {});
  }

  /** The processes' output, for a failure message. */
  diagnostics(): string {
    return this.processes.map((p) => `--- ${p.name} output (last lines) ---\n${tail(p.output())}`).join('\n');
  }

  /** The terminal environment with the README's shell variables set. */
  shellEnv(): Record<string, string> {
    return { ...this.env, ...Object.fromEntries(this.vars) };
  }

  tokenOf(role: string, agency?: string): string | undefined {
    for (const [variable, principal] of this.roles) {
      if (principal.role === role && principal.agency === agency) return this.vars.get(variable);
    }
    return undefined;
  }

  rewritePorts(text: string): string {
    return text.replace(/127\.0\.0\.1:(\d{4,5})/g, (whole, port: string) => {
      const actual = this.simulatorPorts.get(Number(port));
      return actual === undefined ? whole : `127.0.0.1:${actual}`;
    });
  }

  /** README placeholders and the README's fixed addresses, replaced by this run's. */
  substitute(text: string, step: string): string {
    const values: Record<string, string> = {
      '<id>': this.referralId,
      '<itemId>': this.itemId,
      '<productId>': this.productId,
      '<dir>': this.auditDir,
      '<from>': this.startedAt.toISOString(),
      '<to>': new Date(Date.now() + 3_600_000).toISOString(),
      '<host-simulator>': this.hostSimulatorUrl,
    };
    // Trailing comments are for the reader (and may name placeholders of later steps): bash drops them, so do we.
    let result = text
      .split('\n')
      .map((line) => line.replace(/\s+#(?:\s.*)?$/, ''))
      .join('\n')
      .split(README_GATEWAY_ORIGIN)
      .join(this.gatewayUrl);
    for (const [placeholder, value] of Object.entries(values)) {
      if (!result.includes(placeholder)) continue;
      if (value === '') throw new Error(`${step}: ${placeholder} is not known yet at this point of the walkthrough`);
      result = result.split(placeholder).join(value);
    }
    const unknown = /<[A-Za-z][\w-]*>/.exec(result);
    if (unknown !== null) throw new Error(`${step}: the suite has no value for the placeholder ${unknown[0]}`);
    return result;
  }

  async teardown(): Promise<void> {
    for (const process of this.processes) process.destroy();
    await this.redis?.stop();
    await this.postgres?.stop();
    this.workspace.remove();
  }
}

const stepName = (command: ReadmeCommand, step: ReadmeStep): string => `README.md line ${command.line} (${step.kind}: ${command.normalized.slice(0, 110)})`;

/** A JSON call of the suite's own (between README commands), with the same deadline. */
async function call(walk: Walk, step: string, method: string, route: string, token: string | undefined, body?: unknown): Promise<{ status: number; contentType: string; json: unknown }> {
  let response: Response;
  try {
    response = await fetch(`${walk.gatewayUrl}${route}`, {
      method,
      headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(CALL_TIMEOUT_SECONDS * 1000),
    });
  } catch (error) {
    throw new Error(`${step}: ${method} ${route}: no answer within ${CALL_TIMEOUT_SECONDS} s (${error instanceof Error ? error.message : 'failed'})\n${walk.diagnostics()}`, { cause: error });
  }
  const text = await response.text();
  const json: unknown = text === '' ? undefined : JSON.parse(text);
  expect(response.status, `${step}: ${method} ${route} answered ${response.status}: ${text.slice(0, 300)}`).toBeLessThan(500);
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', json };
}

/** An RFC 9457 problem document with a stable code. */
function expectProblem(answer: { status: number; contentType: string; json: unknown }, status: number, code: string, step: string): void {
  expect(answer.status, step).toBe(status);
  expect(answer.contentType, step).toMatch(/^application\/problem\+json/);
  const problem = ProblemSchema.parse(answer.json);
  expect(problem.code, step).toBe(code);
  expect(problem.status, step).toBe(status);
}

/** `npm run --silent token -- …` run as the README writes it; the variable keeps the token. */
async function runTokenCommand(walk: Walk, text: string, variable: string, step: string): Promise<string> {
  const result = await runBash(`set -e\n${text}\nprintf '%s' "$${variable}"`, { cwd: walk.workspace.dir, env: walk.shellEnv(), timeoutMs: 30_000 });
  expect(result.code, `${step}: ${result.stderr}`).toBe(0);
  expect(result.stdout, step).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  return result.stdout;
}

/** A token for a role the README does not set up itself, made with the README's own command. */
async function tokenFor(walk: Walk, role: string, agency?: string): Promise<string> {
  const known = walk.tokenOf(role, agency);
  if (known !== undefined) return known;
  const variable = `WALK_${role.toUpperCase().replace(/-/g, '_')}${agency === undefined ? '' : `_${agency.toUpperCase().replace(/-/g, '_')}`}`;
  const text = `${variable}=$(npm run --silent token -- --role ${role}${agency === undefined ? '' : ` --agency ${agency}`})`;
  const token = await runTokenCommand(walk, text, variable, `token for ${role} ${agency ?? ''}`);
  walk.vars.set(variable, token);
  walk.roles.set(variable, { role, agency });
  return token;
}

async function readPicture(walk: Walk, token: string, step: string): Promise<PictureView> {
  const answer = await call(walk, step, 'GET', `/v1/referrals/${walk.referralId}/picture`, token);
  expect(answer.status, step).toBe(200);
  return { ...Picture.parse(answer.json), raw: RawPicture.parse(answer.json).facts };
}

function parsePicture(answer: CurlAnswer): PictureView {
  const json: unknown = JSON.parse(answer.body);
  return { ...Picture.parse(json), raw: RawPicture.parse(json).facts };
}

/** DESIGN.md "The common model": every fact carries its full provenance. */
function expectFullProvenance(picture: Picture, step: string): void {
  expect(picture.facts.length, step).toBeGreaterThan(0);
  for (const fact of picture.facts) {
    const p = fact.provenance;
    for (const [field, value] of Object.entries({ agency: p.agency, connectorId: p.connectorId, sourceSystem: p.sourceSystem, sourceRecordId: p.sourceRecordId, lookupId: p.lookupId, retrievedAt: p.retrievedAt, lawfulBasis: p.lawfulBasis, sensitivity: p.sensitivity })) {
      expect(value, `${step}: ${fact.id} provenance.${field}`).toEqual(expect.any(String));
    }
  }
}

const agenciesOf = (picture: Picture): string[] => [...new Set(picture.facts.map((f) => f.provenance.agency))].sort();

/** Text of a fact that appears in no other fact and not in the referral: safe to look for in a product. */
function uniqueText(fact: RawFact, all: readonly RawFact[]): boolean {
  const texts = [fact.summary, fact.detail].filter((t): t is string => t !== undefined);
  // Short texts ("Self-harm") recur inside other items by chance: only distinctive ones prove a leak.
  if (fact.summary === undefined || texts.some((t) => t.length < 12)) return false;
  const others = all.filter((f) => f.id !== fact.id).map((f) => JSON.stringify(f));
  return texts.every((t) => !others.some((o) => o.includes(JSON.stringify(t).slice(1, -1))));
}

/**
 * README prose: "Each agency's practitioner decides release, redact or withhold for its own
 * items". Every practitioner reveals what is not yet revealed, withholds one item, redacts the
 * summary of another and releases the rest; then the manager publishes without withholding by
 * default, and the picture holds every agency's facts.
 */
async function ownersDecide(walk: Walk, step: string): Promise<void> {
  const tokens = await Promise.all(AGENCIES.map((agency) => tokenFor(walk, 'hub-practitioner', agency)));
  const views = await Promise.all(AGENCIES.map((agency, i) => readPicture(walk, tokens[i] ?? '', `${step}: ${agency}'s picture`)));
  const everyFact = views.flatMap((view, i) => view.raw.filter((f) => f.provenance.agency === AGENCIES[i]));
  const sensitivityOf = new Map(views.flatMap((view) => view.items.map((item) => [item.itemId, item.sensitivity] as const)));

  // The manager's first picture held exactly what the connectors reveal at once, and full provenance.
  const first = walk.firstManagerPicture;
  expect(first, `${step}: the manager read the picture`).toBeDefined();
  if (first !== undefined) {
    const expected = everyFact.filter((f) => AUTO_REVEALED[walk.mode].includes(sensitivityOf.get(f.id) ?? '')).map((f) => f.id).sort();
    expect(first.items.map((i) => i.itemId).sort(), `${step}: the manager's first picture is what the connectors reveal at once`).toEqual(expected);
  }

  for (const [index, agency] of AGENCIES.entries()) {
    const token = tokens[index] ?? '';
    const view = views[index];
    if (view === undefined) continue;
    const own = view.items.filter((item) => item.agency === agency);
    expect(own.length, `${step}: ${agency} holds items about the child`).toBeGreaterThan(0);
    const facts = new Map(view.raw.map((f) => [f.id, f]));
    // Chosen by source record, not by item id (which differs from run to run): every run picks the same items.
    const candidates = own
      .map((entry) => facts.get(entry.itemId))
      .filter((f): f is RawFact => f !== undefined && f.kind === 'event' && item(own, f.id)?.release === null && uniqueText(f, everyFact))
      .sort((a, b) => `${a.provenance.sourceRecordId} ${a.summary ?? ''}`.localeCompare(`${b.provenance.sourceRecordId} ${b.summary ?? ''}`));
    const withheld = agency === 'police' ? undefined : candidates[0];
    const redacted = candidates.find((f) => f.id !== withheld?.id);
    expect(redacted, `${step}: ${agency} has an event with a summary of its own to redact`).toBeDefined();
    for (const entry of own) {
      const fact = facts.get(entry.itemId);
      if (fact === undefined) throw new Error(`${step}: ${agency}'s picture lists item ${entry.itemId} without its fact`);
      if (entry.release !== null) {
        // The README's own withholding, by police.
        walk.decided.set(fact.id, { agency, decision: entry.release.decision, fact });
        continue;
      }
      if (!entry.revealed) {
        const revealed = await call(walk, step, 'POST', `/v1/referrals/${walk.referralId}/items/${fact.id}/reveal`, token);
        expect(revealed.status, `${step}: ${agency} reveals ${fact.id}`).toBe(200);
      }
      let body: unknown = { decision: 'release', rationale: 'Relevant and proportionate (synthetic).' };
      let decision: Decided['decision'] = 'release';
      if (fact.id === withheld?.id) {
        decision = 'withhold';
        body = { decision, rationale: 'Source protection (synthetic).', signpost: { contact: `MASH ${agency} desk` } };
      } else if (fact.id === redacted?.id) {
        decision = 'redact';
        // Both text fields: a detail often repeats its summary.
        body = { decision, rationale: 'Detail not proportionate (synthetic).', redactions: textFields(fact).map((field) => ({ field, replacement: `detail held by ${agency}` })) };
      }
      const answer = await call(walk, step, 'PUT', `/v1/referrals/${walk.referralId}/items/${fact.id}/release`, token, body);
      expect(answer.status, `${step}: ${agency} decides ${fact.id}: ${JSON.stringify(answer.json)}`).toBe(200);
      walk.decided.set(fact.id, { agency, decision, fact });
    }
  }

  const manager = await tokenFor(walk, 'hub-manager');
  const published = await call(walk, step, 'POST', `/v1/referrals/${walk.referralId}/products`, manager, {});
  expect(published.status, `${step}: publish once every owner decided: ${JSON.stringify(published.json)}`).toBe(201);
  expect(z.object({ productId: z.string(), version: z.number() }).parse(published.json)).toEqual({ productId: walk.productId, version: 2 });
  walk.productsPublished += 1;

  const picture = await readPicture(walk, manager, `${step}: the manager's picture after the owners`);
  expect(agenciesOf(picture), `${step}: the picture holds facts from all five agencies`).toEqual([...AGENCIES].sort());
  expectFullProvenance(picture, step);
  expect(picture.items.every((i) => i.revealed && i.release !== null), `${step}: every item revealed and decided`).toBe(true);
  expect(picture.items.map((i) => i.itemId).sort()).toEqual([...walk.decided.keys()].sort());
}

/** The free-text fields of a fact, the ones an owner redacts. */
function textFields(fact: RawFact): ('summary' | 'detail')[] {
  return (['summary', 'detail'] as const).filter((field) => fact[field] !== undefined);
}

function item<T extends { itemId: string }>(items: readonly T[], id: string): T | undefined {
  return items.find((i) => i.itemId === id);
}

/** What the product must be after the owners decided: released and redacted items, signposts, never withheld content. */
function expectProductAfterOwners(walk: Walk, product: Product, step: string): void {
  expect(product.productId, step).toBe(walk.productId);
  expect(product.version, step).toBe(2);
  expect(product.decision, step).toMatchObject({ rag: 'red', outcome: 'strategy-discussion', rationale: '…' });
  expect(product.withheldByDefault, `${step}: nothing withheld by default`).toBeUndefined();
  const serialized = JSON.stringify(product);
  const shared = [...walk.decided.entries()].filter(([, d]) => d.decision !== 'withhold');
  expect(product.items.map((i) => i.itemId).sort(), `${step}: the product holds exactly the released and redacted items`).toEqual(shared.map(([id]) => id).sort());
  for (const [id, decided] of walk.decided) {
    const inProduct = item(product.items, id);
    switch (decided.decision) {
      case 'release':
        expect(inProduct?.disposition, `${step}: ${id}`).toBe('released');
        if (decided.fact.summary !== undefined) expect(inProduct?.content.summary, `${step}: ${id} summary`).toBe(decided.fact.summary);
        break;
      case 'redact':
        expect(inProduct?.disposition, `${step}: ${id}`).toBe('redacted');
        expect(inProduct?.redactedFields, `${step}: ${id}`).toEqual(textFields(decided.fact));
        for (const field of textFields(decided.fact)) {
          expect(inProduct?.content[field], `${step}: ${id} ${field} redaction marker`).toBe(`[REDACTED by ${decided.agency}] detail held by ${decided.agency}`);
          expect(leakedAt(serialized, decided.fact[field]), `${step}: redacted ${field} of ${id} left the hub`).toBeUndefined();
        }
        break;
      case 'withhold':
        expect(inProduct, `${step}: withheld ${id} is not in the product`).toBeUndefined();
        for (const text of [decided.fact.summary, decided.fact.detail]) {
          if (text !== undefined && uniqueText(decided.fact, [...walk.decided.values()].map((d) => d.fact))) {
            expect(leakedAt(serialized, text), `${step}: withheld content of ${id} left the hub`).toBeUndefined();
          }
        }
        break;
      default:
        return decided.decision satisfies never;
    }
  }
  const withheldCounts = new Map<string, number>();
  for (const d of walk.decided.values()) if (d.decision === 'withhold') withheldCounts.set(d.agency, (withheldCounts.get(d.agency) ?? 0) + 1);
  expect(Object.fromEntries(product.signposts.map((s) => [s.agency, s.itemCount])), `${step}: a signpost per agency that withheld`).toEqual(Object.fromEntries(withheldCounts));
  expect(product.signposts.find((s) => s.agency === 'police')?.contact, step).toBe('MASH police desk');
}

/** Where `text` occurs in a serialized document, with a little context; undefined when it does not. */
function leakedAt(serialized: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const at = serialized.indexOf(JSON.stringify(text).slice(1, -1));
  return at < 0 ? undefined : serialized.slice(Math.max(0, at - 300), at + 200);
}

function expectNoPersonalData(text: string, what: string): void {
  for (const value of PERSONAL) expect(text.includes(value), `${what} holds personal data (${value.slice(0, 3)}…)`).toBe(false);
}

/** Runs one README command and checks what a user relies on at that step. */
async function perform(walk: Walk, command: ReadmeCommand, step: ReadmeStep): Promise<void> {
  const name = stepName(command, step);
  switch (step.kind) {
    case 'install-and-start': {
      if (walk.mode === 'distributed') return; // the distributed section starts its own processes
      // `npm ci` has been done for this checkout; the suite starts what follows it, as written.
      const gateway = await startNpmScript({ name: 'npm start', args: ['start'], cwd: walk.workspace.dir, env: { ...walk.env, PORT: '0' }, ready: /listening on (http:\/\/\S+)/, timeoutMs: 60_000 });
      walk.processes.push(gateway);
      walk.gateway = gateway;
      walk.gatewayUrl = gateway.ready;
      const banner = gateway.output();
      expect(banner, name).toContain(`store PGlite in ${walk.env.MASH_DATA_DIR ?? ''}`);
      expect(banner, name).toContain('npm run --silent token -- --role referral-intake');
      walk.hostSimulatorUrl = /host case system simulator: (http:\/\/\S+)/.exec(banner)?.[1] ?? '';
      expect(walk.hostSimulatorUrl, `${name}: npm start prints the host simulator's address`).not.toBe('');
      const ready = await call(walk, name, 'GET', '/readyz', undefined);
      expect(ready.status, name).toBe(200);
      // README "Configuration": the embedded master key lives in ~/.config, outside the data directory.
      expect(existsSync(path.join(walk.workspace.home, '.config', 'mash-gateway', 'master.key')), `${name}: the master key in ~/.config/mash-gateway`).toBe(true);
      return;
    }
    case 'install-and-test':
      // `npm test` runs every suite, this one included: the suite does not run itself.
      return;
    case 'token': {
      const token = await runTokenCommand(walk, command.text, step.variable, name);
      walk.vars.set(step.variable, token);
      walk.roles.set(step.variable, { role: step.role, agency: step.agency });
      return;
    }
    case 'submit':
    case 'status':
    case 'picture':
    case 'reveal':
    case 'release':
    case 'decision':
    case 'publish':
    case 'product':
    case 'feed':
    case 'host-received':
    case 'audit-verify':
    case 'audit-entries':
    case 'audit-export':
    case 'audit-report':
      await performHttp(walk, command, step, name);
      return;
    case 'cli-audit-verify':
    case 'cli-audit-report':
    case 'cli-audit-export':
    case 'cli-audit-verify-copy':
      await performCli(walk, command, step, name);
      return;
    case 'start-simulators': {
      // The README's ports 9101–9107 would collide with other suites: the OS picks them instead.
      const simulators = await startNpmScript({ name: 'npm run simulators', args: ['run', 'simulators'], cwd: walk.workspace.dir, env: { ...walk.env, MASH_SIMULATOR_BASE_PORT: '0' }, ready: /host case system simulator: (http:\/\/\S+)/ });
      walk.processes.push(simulators);
      walk.hostSimulatorUrl = simulators.ready;
      const printed: Record<(typeof SIMULATOR_PORT_ORDER)[number], RegExp> = {
        health: /^health simulator: http:\/\/127\.0\.0\.1:(\d+)$/m,
        police: /^police simulator: http:\/\/127\.0\.0\.1:(\d+)$/m,
        education: /^education simulator: http:\/\/127\.0\.0\.1:(\d+)$/m,
        housing: /^housing simulator: http:\/\/127\.0\.0\.1:(\d+)$/m,
        'social-care': /^social-care simulator: http:\/\/127\.0\.0\.1:(\d+)$/m,
        feedback: /^outcome notifications simulator: http:\/\/127\.0\.0\.1:(\d+)$/m,
        host: /^host case system simulator: http:\/\/127\.0\.0\.1:(\d+)$/m,
      };
      for (const [offset, simulator] of SIMULATOR_PORT_ORDER.entries()) {
        const port = printed[simulator].exec(simulators.output())?.[1];
        expect(port, `${name}: the ${simulator} simulator's address is printed`).toBeDefined();
        walk.simulatorPorts.set(README_SIMULATOR_BASE_PORT + offset, Number(port));
      }
      return;
    }
    case 'make-keys': {
      const result = await runBash(command.text, { cwd: walk.workspace.dir, env: walk.env, timeoutMs: 20_000 });
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
      return;
    }
    case 'make-connectors': {
      const result = await runBash(command.text, { cwd: walk.workspace.dir, env: walk.env, timeoutMs: 20_000 });
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
      const file = path.join(walk.workspace.dir, /> (\S+)$/.exec(command.normalized)?.[1] ?? '');
      writeFileSync(file, walk.rewritePorts(readFileSync(file, 'utf8')));
      const declared = ConnectorFile.parse(parseYaml(readFileSync(file, 'utf8')));
      expect(declared.connectors.map((c) => c.agency).sort(), name).toEqual([...AGENCIES].sort());
      return;
    }
    case 'export': {
      const printNames = step.names.map((n) => `printf '%s\\0' "$${n}"`).join('\n');
      const result = await runBash(`set -e\n${command.text}\n${printNames}`, { cwd: walk.workspace.dir, env: walk.env, timeoutMs: 10_000 });
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
      const values = result.stdout.split('\0');
      for (const [i, variable] of step.names.entries()) {
        let value = walk.rewritePorts(values[i] ?? '');
        // The README's servers are the suite's own, on ports the OS chose.
        if (variable === 'DATABASE_URL') value = walk.postgres?.url ?? value;
        if (variable === 'REDIS_URL') value = walk.redis?.url ?? value;
        walk.env[variable] = value;
      }
      return;
    }
    case 'start-gateway': {
      if (!walk.requirementsChecked) {
        walk.requirementsChecked = true;
        await expectRequirements(walk, name);
      }
      const gateway = await startNpmScript({ name: 'npm run gateway', args: ['run', 'gateway'], cwd: walk.workspace.dir, env: { ...walk.env, PORT: '0' }, ready: /listening on (http:\/\/\S+)/, timeoutMs: 60_000 });
      walk.processes.push(gateway);
      walk.gateway = gateway;
      walk.gatewayUrl = gateway.ready;
      expect(gateway.output(), name).toContain('(role gateway, store PostgreSQL, jobs BullMQ)');
      expect(gateway.output(), `${name}: the README says the gateway warns AUTH.EMBEDDED_KEY`).toContain('"code":"AUTH.EMBEDDED_KEY"');
      return;
    }
    case 'start-worker': {
      const index = walk.processes.filter((p) => p.name.startsWith('npm run worker')).length + 1;
      const worker = await startNpmScript({ name: `npm run worker #${index}`, args: ['run', 'worker'], cwd: walk.workspace.dir, env: walk.env, ready: /"msg":"worker started"/, timeoutMs: 60_000 });
      walk.processes.push(worker);
      return;
    }
    default:
      step satisfies never;
  }
}

/**
 * README "Distributed deployment": without the master key, without the shared audit signing key,
 * or a worker without Redis, a process stops at once naming the variable.
 */
async function expectRequirements(walk: Walk, name: string): Promise<void> {
  const { MASH_MASTER_KEY_FILE: _key, MASH_MASTER_KEY: _inline, ...withoutKey } = walk.env;
  const { MASH_AUDIT_SIGNING_KEY: _signing, ...withoutSigningKey } = walk.env;
  const { REDIS_URL: _redis, ...withoutRedis } = walk.env;
  const [noKey, noSigningKey, noRedis] = await Promise.all([
    runBash('npm run --silent gateway', { cwd: walk.workspace.dir, env: { ...withoutKey, PORT: '0' }, timeoutMs: 30_000 }),
    runBash('npm run --silent worker', { cwd: walk.workspace.dir, env: withoutSigningKey, timeoutMs: 30_000 }),
    runBash('npm run --silent worker', { cwd: walk.workspace.dir, env: withoutRedis, timeoutMs: 30_000 }),
  ]);
  // A key per machine would sign checkpoints no other process can verify (src/audit/signing.ts).
  expect(noSigningKey.code, `${name}: a worker with DATABASE_URL and no audit signing key must stop`).toBe(1);
  expect(noSigningKey.stderr.trim(), name).toMatch(/^mash: configuration error: MASH_AUDIT_SIGNING_KEY: an audit signing key is required with DATABASE_URL/);
  expect(noKey.code, `${name}: a gateway with DATABASE_URL and no master key must stop`).toBe(1);
  expect(noKey.stderr.trim(), name).toMatch(/^mash: configuration error: MASH_MASTER_KEY_FILE: a master key is required with DATABASE_URL/);
  expect(noRedis.code, `${name}: a worker without REDIS_URL must stop`).toBe(1);
  expect(noRedis.stderr.trim(), name).toBe('mash: configuration error: MASH_ROLE: "worker" needs DATABASE_URL and REDIS_URL (embedded mode runs as "all")');
}

async function performHttp(walk: Walk, command: ReadmeCommand, step: Extract<ReadmeStep, { target: string }>, name: string): Promise<void> {
  const run = (): Promise<CurlAnswer> => runCurl(walk.substitute(command.text, name), { cwd: walk.workspace.dir, env: walk.shellEnv(), step: name, diagnostics: () => walk.diagnostics() });
  let answer = await run();
  if (step.kind === 'status') {
    // The user repeats the status call until the picture is ready (README: within seconds).
    const deadline = Date.now() + 60_000;
    while (answer.status === 200 && ReferralStatusView.parse(JSON.parse(answer.body)).status !== 'picture-ready' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = await run();
    }
  }
  if (step.kind === 'host-received') {
    // Delivery goes through the outbox: the user looks again until both versions are there.
    const deadline = Date.now() + 20_000;
    const keys = [`${walk.productId}-v1`, `${walk.productId}-v2`];
    while (answer.status === 200 && !keys.every((k) => HostHeld.parse(JSON.parse(answer.body)).products.some((p) => p.key === k)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = await run();
    }
  }
  expect(answer.status, `${name} answered ${answer.status}: ${answer.body.slice(0, 400)}`).toBeLessThan(500);
  const json = (): unknown => JSON.parse(answer.body);
  if (command.documented !== undefined) {
    const difference = differsFromDocumented(command.documented, answer.status, answer.contentType.startsWith('application/') ? json() : answer.body);
    expect(difference, `${name}: the answer is not what the README shows`).toBeUndefined();
  }
  const principal = step.tokenVariable === undefined ? undefined : walk.roles.get(step.tokenVariable);

  switch (step.kind) {
    case 'submit': {
      expect(answer.status, name).toBe(202);
      const accepted = ReferralAccepted.parse(json());
      // A snapshot: the workers may have started already.
      expect(['received', 'researching', 'picture-ready'], name).toContain(accepted.status);
      expect(accepted.location, name).toBe(`${walk.gatewayUrl}/v1/referrals/${accepted.id}`);
      expect(answer.headers, name).toMatch(new RegExp(`^location: ${accepted.location}\\s*$`, 'im'));
      walk.referralId = accepted.id;
      return;
    }
    case 'status': {
      expect(answer.status, name).toBe(200);
      const view = ReferralStatusView.parse(json());
      expect(view.status, `${name}: the picture is ready within a minute`).toBe('picture-ready');
      expect(view.rag, name).toBe('red');
      // Red is due 4 working hours after receipt on the default working-hours clock (README "Configuration").
      expect(WORKING_CLOCK.calendar.workingTimeBetween(new Date(view.receivedAt), new Date(view.slaDueAt)), `${name}: red is due in 4 working hours`).toBe(4 * 3_600_000);
      expect(view.slaDueAt, `${name}: the SLA view agrees`).toBe(new Date(view.sla.dueAt).toISOString());
      expect([...new Set(view.lookups.map((l) => l.agency))].sort(), `${name}: a lookup at every agency`).toEqual([...AGENCIES].sort());
      // Every lookup answered; an answer cut by a cap is partial and says what was left unread.
      expect(view.lookups.filter((l) => l.status !== 'done' && !(l.status === 'partial' && /^ANSWER\.[A-Z_]+: .+ \d+ of \d+/.test(l.reason ?? ''))).map((l) => `${l.connectorId} ${l.status} ${l.reason ?? ''}`), `${name}: every lookup answered`).toEqual([]);
      expect(view.lookupCounts.partial, `${name}: partial answers counted`).toBe(view.lookups.filter((l) => l.status === 'partial').length);
      // The referred child's own lookups are complete.
      expect(view.lookups.filter((l) => l.wave === 1).map((l) => l.status), `${name}: the child's lookups`).toEqual(view.lookups.filter((l) => l.wave === 1).map(() => 'done'));
      return;
    }
    case 'picture': {
      expect(answer.status, name).toBe(200);
      const picture = parsePicture(answer);
      expectFullProvenance(picture, name);
      expect(picture.status, name).toBe('picture-ready');
      if (principal?.role === 'hub-manager') {
        walk.firstManagerPicture ??= picture;
        expect(picture.items.every((i) => i.revealed), `${name}: the manager sees revealed items only`).toBe(true);
        expect(picture.items.every((i) => AUTO_REVEALED[walk.mode].includes(i.sensitivity)), name).toBe(true);
        if (walk.mode === 'embedded') expect(agenciesOf(picture), `${name}: facts from all five agencies`).toEqual([...AGENCIES].sort());
        else expect(agenciesOf(picture).length, `${name}: open facts from several agencies`).toBeGreaterThanOrEqual(3);
        return;
      }
      expect(principal, `${name}: whose token?`).toEqual({ role: 'hub-practitioner', agency: 'police' });
      const own = picture.items.filter((i) => i.agency === 'police');
      const others = picture.items.filter((i) => i.agency !== 'police');
      expect(own.length, `${name}: police's own items`).toBeGreaterThan(0);
      expect(others.every((i) => i.revealed), `${name}: other agencies' items only when revealed`).toBe(true);
      const manager = walk.firstManagerPicture;
      if (manager !== undefined) {
        expect(others.map((i) => i.itemId).sort(), `${name}: other agencies' items are exactly the revealed ones`).toEqual(manager.items.filter((i) => i.agency !== 'police').map((i) => i.itemId).sort());
      }
      const unrevealed = own.filter((i) => !i.revealed);
      expect(unrevealed.length, `${name}: police items the hub has not seen yet`).toBeGreaterThan(0);
      walk.itemId = (unrevealed.find((i) => i.sensitivity === 'restricted') ?? unrevealed[0])?.itemId ?? '';
      return;
    }
    case 'reveal': {
      expect(answer.status, name).toBe(200);
      const manager = await readPicture(walk, await tokenFor(walk, 'hub-manager'), `${name}: the manager's picture after the reveal`);
      expect(item(manager.items, walk.itemId)?.revealed, `${name}: the revealed item reaches the hub`).toBe(true);
      return;
    }
    case 'release': {
      expect(answer.status, name).toBe(200);
      // What a practitioner and a manager meet when they go wrong: problem documents, never a 500.
      const police = walk.vars.get(step.tokenVariable ?? '') ?? '';
      const health = walk.firstManagerPicture?.items.find((i) => i.agency === 'health');
      if (health !== undefined) {
        const foreign = await call(walk, name, 'PUT', `/v1/referrals/${walk.referralId}/items/${health.itemId}/release`, police, { decision: 'release', rationale: 'Not ours' });
        expectProblem(foreign, 403, 'FIREWALL.DENIED', `${name}: police deciding a health item`);
      }
      const invalid = await call(walk, name, 'PUT', `/v1/referrals/${walk.referralId}/items/${walk.itemId}/release`, police, { decision: 'maybe', rationale: 'x' });
      expectProblem(invalid, 400, 'REQUEST.INVALID', `${name}: an unknown decision`);
      const early = await call(walk, name, 'POST', `/v1/referrals/${walk.referralId}/products`, await tokenFor(walk, 'hub-manager'), {});
      expectProblem(early, 409, 'PUBLICATION.NO_DECISION', `${name}: publishing before the manager's decision`);
      return;
    }
    case 'decision': {
      expect(answer.status, name).toBe(200);
      expect(z.object({ revision: z.number(), notified: z.number() }).parse(json()), `${name}: every contributing agency is told`).toEqual({ revision: 1, notified: AGENCIES.length });
      const undecided = await call(walk, name, 'POST', `/v1/referrals/${walk.referralId}/products`, walk.vars.get(step.tokenVariable ?? ''), {});
      expectProblem(undecided, 409, 'PUBLICATION.UNDECIDED_ITEMS', `${name}: publishing with undecided items`);
      return;
    }
    case 'publish': {
      expect(answer.status, name).toBe(201);
      const published = z.object({ productId: z.string().regex(/^prd_[0-9a-f]{32}$/), version: z.number(), created: z.boolean() }).parse(json());
      expect(published.version, name).toBe(1);
      expect(answer.headers, name).toMatch(new RegExp(`^location: ${walk.gatewayUrl}/v1/products/${published.productId}\\?version=1\\s*$`, 'im'));
      walk.productId = published.productId;
      walk.productsPublished += 1;
      await ownersDecide(walk, `${name} then each agency's practitioner`);
      return;
    }
    case 'product': {
      expect(answer.status, name).toBe(200);
      expectProductAfterOwners(walk, Product.parse(json()), name);
      const first = await call(walk, name, 'GET', `/v1/products/${walk.productId}?version=1`, walk.vars.get(step.tokenVariable ?? ''));
      const v1 = Product.parse(first.json);
      // Every item but the one police withheld was undecided when version 1 was published.
      expect(v1.withheldByDefault, `${name}: version 1 withheld the undecided items by default`).toEqual({ itemCount: walk.decided.size - 1, rationale: 'Owners not yet available' });
      expect(v1.items, `${name}: version 1 released nothing`).toEqual([]);
      expect(v1.signposts.find((s) => s.agency === 'police')?.contact, name).toBe('MASH police desk');
      return;
    }
    case 'feed': {
      expect(answer.status, name).toBe(200);
      const page = FeedPage.parse(json());
      expect(page.entries.map((e) => `${e.product.productId}@${e.product.version}`), `${name}: both versions, oldest first`).toEqual([`${walk.productId}@1`, `${walk.productId}@2`]);
      const next = await call(walk, name, 'GET', `/v1/products?after=${page.nextCursor}`, walk.vars.get(step.tokenVariable ?? ''));
      expect(FeedPage.parse(next.json).entries, `${name}: nothing after the last cursor`).toEqual([]);
      return;
    }
    case 'host-received': {
      expect(answer.status, name).toBe(200);
      const held = HostHeld.parse(json());
      expect(held.products.map((p) => p.key).sort(), `${name}: the host received both versions, once each`).toEqual([`${walk.productId}-v1`, `${walk.productId}-v2`]);
      const received = await fetch(`${walk.hostSimulatorUrl}/mash-products/${walk.productId}-v2`, { signal: AbortSignal.timeout(CALL_TIMEOUT_SECONDS * 1000) });
      expect(received.status, name).toBe(200);
      const pulled = await call(walk, name, 'GET', `/v1/products/${walk.productId}`, await tokenFor(walk, 'host-system'));
      expect(Product.parse(await received.json()), `${name}: what the host received is what it can pull`).toEqual(Product.parse(pulled.json));
      return;
    }
    case 'audit-verify': {
      expect(answer.status, name).toBe(200);
      const result = Verification.parse(json());
      expect(result.ok, name).toBe(true);
      expect(result.headSeq, name).toBe(result.entries);
      walk.verifiedEntries = result.entries;
      return;
    }
    case 'audit-entries': {
      expect(answer.status, name).toBe(200);
      const entries = [];
      let page = AuditPage.parse(json());
      entries.push(...page.entries);
      while (page.nextAfter !== null) {
        const next = await call(walk, name, 'GET', `/v1/audit/entries?referralId=${walk.referralId}&after=${page.nextAfter}`, walk.vars.get(step.tokenVariable ?? ''));
        page = AuditPage.parse(next.json);
        entries.push(...page.entries);
      }
      expect(entries.every((e) => e.referralId === walk.referralId), name).toBe(true);
      const actions = new Set(entries.map((e) => e.action));
      for (const action of ['referral.received', 'lookup.completed', 'referral.picture-ready', 'picture.viewed', 'item.revealed', 'item.release-decided', 'referral.decided', 'feedback.queued', 'product.published', 'publication.delivered', 'product.read']) {
        expect(actions.has(action), `${name}: the trail records ${action}`).toBe(true);
      }
      expectNoPersonalData(JSON.stringify(entries), `${name}: the audit entries`);
      return;
    }
    case 'audit-export': {
      expect(answer.status, name).toBe(200);
      expect(answer.contentType, name).toMatch(/^application\/fhir\+ndjson/);
      const lines = answer.body.trimEnd().split('\n');
      expect(lines.length, `${name}: every entry up to the head`).toBeGreaterThanOrEqual(walk.verifiedEntries);
      for (const line of lines) expect(z.looseObject({ resourceType: z.literal('AuditEvent') }).safeParse(JSON.parse(line)).success, name).toBe(true);
      expectNoPersonalData(answer.body, `${name}: the FHIR export`);
      return;
    }
    case 'audit-report': {
      expect(answer.status, name).toBe(200);
      const report = Report.parse(json());
      expect(report.lookups.filter((l) => l.failed > 0), name).toEqual([]);
      expect([...new Set(report.lookups.filter((l) => l.done > 0).map((l) => l.agency))].sort(), `${name}: lookups at every agency`).toEqual([...AGENCIES].sort());
      const expected = new Map<string, { released: number; redacted: number; withheld: number }>();
      for (const d of walk.decided.values()) {
        const row = expected.get(d.agency) ?? { released: 0, redacted: 0, withheld: 0 };
        if (d.decision === 'release') row.released += 1;
        else if (d.decision === 'redact') row.redacted += 1;
        else row.withheld += 1;
        expected.set(d.agency, row);
      }
      const actual = Object.fromEntries(report.items.map((r) => [r.agency, { released: r.released, redacted: r.redacted, withheld: r.withheld }]));
      expect(actual, `${name}: the owners' decisions, counted`).toEqual(Object.fromEntries(expected));
      expect(report.products, `${name}: two versions published and delivered`).toMatchObject({ published: walk.productsPublished, referrals: 1, deliveryFailed: 0 });
      expect(report.products.delivered, name).toBeGreaterThanOrEqual(2);
      return;
    }
    default:
      step.kind satisfies never;
  }
}

async function performCli(walk: Walk, command: ReadmeCommand, step: Extract<ReadmeStep, { kind: CliStepKind }>, name: string): Promise<void> {
  const run = (text: string) => runBash(walk.substitute(text, name), { cwd: walk.workspace.dir, env: walk.shellEnv(), timeoutMs: 60_000 });
  if (walk.mode === 'embedded' && walk.gateway !== undefined && !walk.lockChecked) {
    walk.lockChecked = true;
    // README: while the embedded gateway runs, these commands stop with "… is in use".
    const refused = await run(command.text);
    expect(refused.code, `${name} while the gateway runs`).toBe(2);
    expect(refused.stderr, name).toMatch(/data directory .* is in use by process \d+; stop it or choose another MASH_DATA_DIR/);
    // README: stop the gateway first (Ctrl-C in its terminal).
    const stopped = await walk.gateway.stop('ctrl-c');
    expect(stopped, `${name}: Ctrl-C stops the gateway cleanly\n${tail(walk.gateway.output())}`).toEqual({ code: 0, signal: null, survivors: [] });
    walk.gateway = undefined;
  }
  const result = await run(command.text);
  expect(result.code, `${name}: ${result.stderr}${result.stdout}`).toBe(0);
  switch (step.kind) {
    case 'cli-audit-verify': {
      const entries = Number(/^audit log intact: (\d+) entries, (\d+) signed checkpoints, head at \1 /.exec(result.stdout)?.[1]);
      expect(entries, `${name}: ${result.stdout}`).toBeGreaterThanOrEqual(walk.verifiedEntries);
      return;
    }
    case 'cli-audit-report': {
      const report = Report.parse(JSON.parse(result.stdout));
      expect(report.products, `${name}: the report from the command line counts what the API's did`).toMatchObject({ published: walk.productsPublished, referrals: 1, deliveryFailed: 0 });
      expect(report.items.reduce((n, row) => n + row.released + row.redacted + row.withheld, 0), name).toBe(walk.decided.size);
      return;
    }
    case 'cli-audit-export': {
      const exported = /^audit log exported: (\d+) entries, (\d+) signed checkpoints, head at \1, key id ([0-9a-f]{16}), to /.exec(result.stdout);
      expect(exported, `${name}: ${result.stdout}`).not.toBeNull();
      expect(Number(exported?.[2]), `${name}: the copy is covered by a signed checkpoint`).toBeGreaterThanOrEqual(1);
      walk.exportedEntries = Number(exported?.[1]);
      for (const file of ['entries.ndjson', 'checkpoints.json', 'public-key.pem']) expect(existsSync(path.join(walk.auditDir, file)), `${name}: ${file}`).toBe(true);
      expectNoPersonalData(readFileSync(path.join(walk.auditDir, 'entries.ndjson'), 'utf8'), `${name}: the exported copy`);
      return;
    }
    case 'cli-audit-verify-copy': {
      expect(result.stdout, name).toMatch(new RegExp(`^audit log intact: ${walk.exportedEntries} entries, \\d+ signed checkpoints, head at ${walk.exportedEntries} \\(copy in `));
      // The check can fail: one altered entry in a copy of the copy is named.
      const tampered = `${walk.auditDir}-tampered`;
      cpSync(walk.auditDir, tampered, { recursive: true });
      const entriesFile = path.join(tampered, 'entries.ndjson');
      const lines = readFileSync(entriesFile, 'utf8').split('\n');
      lines[2] = (lines[2] ?? '').replace(/"actor":"([^"]*)"/, '"actor":"$1-altered"');
      writeFileSync(entriesFile, lines.join('\n'));
      const broken = await run(command.text.split('<dir>').join(quote(tampered)));
      expect(broken.code, `${name}: a tampered copy: ${broken.stdout}${broken.stderr}`).toBe(1);
      expect(broken.stdout, name).toMatch(/^audit log BROKEN at entry 3: /);
      return;
    }
    default:
      step.kind satisfies never;
  }
}

// The README's commands need these on PATH (scripts/test.ts installs them for `npm test`).
for (const tool of ['bash', 'curl', 'openssl', 'npm']) {
  if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) throw new Error(`the README walkthrough needs ${tool} on PATH`);
}

const commands = loadReadmeCommands();
const steps = commands.map((command) => ({ command, step: classify(command) }));

describe('the README', () => {
  it('shows every step of the walkthrough, and only commands this suite performs', () => {
    // classify() above has already refused any command the suite does not know.
    const shown = new Set(steps.map((s) => s.step.kind));
    expect(REQUIRED_STEPS.filter((kind) => !shown.has(kind)), 'steps the README no longer shows').toEqual([]);
    expect(steps.filter((s) => s.command.section !== QUICK_START && s.command.section !== DISTRIBUTED).map((s) => `line ${s.command.line}`), `sh blocks outside "${QUICK_START}" and "${DISTRIBUTED}"`).toEqual([]);
    expect(steps.filter((s) => s.command.section === DISTRIBUTED).map((s) => s.step.kind), 'the distributed section sets up processes only').toEqual(
      expect.arrayContaining(['start-simulators', 'make-keys', 'make-connectors', 'export', 'start-gateway', 'start-worker']),
    );
  });
});

describe('README walkthrough, embedded: npm start', () => {
  let walk: Walk;
  beforeAll(() => {
    walk = new Walk('embedded');
  });
  afterAll(() => walk.teardown());

  it('answers every README command in time, from the referral to the offline audit copy', async () => {
    for (const { command, step } of steps.filter((s) => s.command.section === QUICK_START)) await perform(walk, command, step);
    // Logs carry ids and codes, never personal data (CONVENTIONS.md §9).
    for (const process of walk.processes) expectNoPersonalData(process.output(), `${process.name} output`);
  }, 150_000);
});

describe('README walkthrough, distributed: npm run gateway and two npm run worker on PostgreSQL and Redis', () => {
  let walk: Walk;
  beforeAll(async () => {
    walk = new Walk('distributed');
    [walk.postgres, walk.redis] = await Promise.all([startPostgres(), startRedis()]);
  }, 120_000);
  afterAll(() => walk.teardown());

  it('answers every README command in time, with the processes started as the README starts them', async () => {
    const distributed = steps.filter((s) => s.command.section === DISTRIBUTED);
    const walkthrough = steps.filter((s) => s.command.section === QUICK_START && s.step.kind !== 'install-and-start' && s.step.kind !== 'install-and-test');
    for (const { command, step } of [...distributed, ...walkthrough]) await perform(walk, command, step);
    expect(walk.processes.filter((p) => p.name.startsWith('npm run worker')).length, 'the README starts two workers').toBe(2);
    for (const process of walk.processes) expectNoPersonalData(process.output(), `${process.name} output`);
    // Stopped as a supervisor stops them (SIGTERM to npm): each exits cleanly and leaves nothing running.
    for (const process of [...walk.processes].reverse()) {
      const stopped = await process.stop('kill');
      expect(stopped, `${process.name} stops on SIGTERM to npm\n${tail(process.output())}`).toEqual({ code: 0, signal: null, survivors: [] });
    }
  }, 180_000);
});
