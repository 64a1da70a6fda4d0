/**
 * The firewall end to end, distributed (real PostgreSQL, real Redis, separate gateway and worker
 * processes, the five agency simulators and the host case system simulator):
 * - police withholds its intelligence, health redacts a field of a restricted entry, education,
 *   housing and social care release; the manager decides and publishes;
 * - the worker is killed (SIGKILL) while the host is taking the product; after a restart the host
 *   holds exactly one product for the version — released content, a redaction marker, a signpost
 *   to police, and none of the withheld or redacted text;
 * - every contributing agency hears the outcome;
 * - a pg_dump of the database holds none of the case's sensitive strings in plain text.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agency } from '../../src/model/agency.ts';
import { Product } from '../../src/model/product.ts';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import type { TestPostgres } from '../support/postgres.ts';
import type { EmbeddedSimulators } from '../../simulators/embedded.ts';
import { signToken, loadOrCreateSigningKey } from '../../src/gateway/embedded-key.ts';
import type { Role } from '../../src/model/principal.ts';
import { EXAMPLE_REFERRAL, waitForPicture } from './support.ts';
import { startDistributedStack, type DistributedStack } from './distributed.ts';

interface PictureItem {
  itemId: string;
  agency: Agency;
  sensitivity: string;
}
interface PictureFact {
  id: string;
  kind: string;
  summary?: string;
  detail?: string;
  provenance: { agency: Agency; sensitivity: string };
}

const AGENCIES: Agency[] = ['health', 'police', 'education', 'housing', 'social-care'];
let stack: DistributedStack;
let postgres: TestPostgres;
let simulators: EmbeddedSimulators;
let gateway: GatewayProcess;
let worker: GatewayProcess;
let env: Readonly<Record<string, string>>;

const token = (role: Role, agency?: Agency): Promise<string> => signToken(loadOrCreateSigningKey(stack.dataDir), { sub: `e2e-${role}-${agency ?? 'hub'}`, role, agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });

async function call(role: Role, agency: Agency | undefined, method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${gateway.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${await token(role, agency)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  stack = await startDistributedStack({
    tmpPrefix: 'mash-e2e-firewall-',
    env: (sims) => ({ MASH_HOST_URL: sims.host.url, MASH_OUTBOX_BACKOFF_MS: '200', MASH_OUTBOX_LEASE_MS: '2000' }),
  });
  ({ postgres, simulators, gateway, env } = stack);
  worker = stack.workers[0]!;
}, 120_000);

afterAll(async () => {
  // The worker restarted mid-test is this suite's own.
  await worker.kill('SIGTERM');
  await stack.stop();
});

describe('the firewall, end to end', () => {
  let referralId: string;
  let intelligence: PictureFact;
  let redactedHealth: { fact: PictureFact; field: 'detail' | 'summary'; original: string };
  let released: PictureFact[] = [];

  it('researches the referral, and each agency decides on its own items', async () => {
    // The referrer names the step-father too: the police hold intelligence on him.
    const referral = structuredClone(EXAMPLE_REFERRAL) as { subjects: unknown[] };
    referral.subjects.push({ ref: 'stepfather-1', role: 'carer', name: { given: ['Daniel', 'Mark'], family: 'Jones' }, birthDate: '1987-09-30', sex: 'male', address: { lines: ['14 Alder Grove'], town: 'Dewsbury', postcode: 'WF13 2QP' } });
    const posted = await call('referral-intake', undefined, 'POST', '/v1/referrals', referral);
    expect(posted.status).toBe(202);
    referralId = ((await posted.json()) as { id: string }).id;
    await waitForPicture(gateway.url, await token('hub-manager'), referralId, 60_000);

    for (const agency of AGENCIES) {
      const response = await call('hub-practitioner', agency, 'GET', `/v1/referrals/${referralId}/picture`);
      expect(response.status).toBe(200);
      const picture = (await response.json()) as { facts: PictureFact[]; items: PictureItem[] };
      const own = picture.facts.filter((f) => f.provenance.agency === agency);
      expect(own.length, `${agency} items`).toBeGreaterThan(0);
      for (const fact of own) {
        let body: unknown = { decision: 'release', rationale: 'Relevant and proportionate (synthetic).' };
        if (agency === 'police' && intelligence === undefined && fact.kind === 'event' && /intelligence/i.test(`${fact.summary ?? ''} ${fact.detail ?? ''}`)) {
          intelligence = fact;
          body = { decision: 'withhold', rationale: 'Source protection.', signpost: { contact: 'MASH police desk (synthetic)' } };
        } else if (agency === 'health' && redactedHealth === undefined && fact.provenance.sensitivity === 'restricted' && (fact.detail ?? fact.summary) !== undefined) {
          const field = fact.detail === undefined ? 'summary' : 'detail';
          redactedHealth = { fact, field, original: (fact[field] ?? '') };
          body = { decision: 'redact', rationale: 'Clinical detail not proportionate.', redactions: [{ field, replacement: 'clinical detail held by the GP' }] };
        } else if (agency !== 'police' || fact.kind !== 'event' || !/intelligence/i.test(`${fact.summary ?? ''} ${fact.detail ?? ''}`)) {
          if (fact.kind === 'event' && fact.summary !== undefined && fact.summary.length > 12) released.push(fact);
        } else {
          // Every intelligence entry is withheld, the first one named above.
          body = { decision: 'withhold', rationale: 'Source protection.', signpost: { contact: 'MASH police desk (synthetic)' } };
        }
        const decided = await call('hub-practitioner', agency, 'PUT', `/v1/referrals/${referralId}/items/${fact.id}/release`, body);
        expect(decided.status, `${agency} ${fact.id}`).toBe(200);
      }
    }
    expect(intelligence, 'a police intelligence item').toBeDefined();
    expect(redactedHealth, 'a restricted health item').toBeDefined();
    released = released.filter((f) => f.provenance.agency !== 'police' || !/intelligence/i.test(f.summary ?? ''));
    expect(new Set(released.map((f) => f.provenance.agency)).size).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('publishes; a worker killed mid-delivery loses nothing and duplicates nothing', async () => {
    const decided = await call('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/decision`, { rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic: strategy discussion today.' });
    expect(decided.status).toBe(200);
    // The host takes the product, then is slow to answer: the worker dies before it hears back.
    simulators.host.setFaults({ latencyMs: 5_000 });
    const published = await call('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/products`, {});
    expect(published.status).toBe(201);
    const { productId, version } = (await published.json()) as { productId: string; version: number };
    await waitFor(() => Promise.resolve(simulators.host.deliveries() >= 1 ? true : undefined), 20_000, 'the host to receive the product');
    await worker.kill('SIGKILL');
    simulators.host.setFaults({});
    worker = await startGatewayProcess({ env: { ...env, MASH_ROLE: 'worker' }, waitFor: 'worker' });

    const client = new pg.Client({ connectionString: postgres.url });
    await client.connect();
    try {
      await waitFor(async () => {
        const rows = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE kind = 'publication' AND status = 'delivered'");
        return rows.rows[0]?.n === 1 ? true : undefined;
      }, 30_000, 'the publication to be recorded delivered');
    } finally {
      await client.end();
    }
    const received = simulators.host.received();
    expect(received).toHaveLength(1);
    expect(received[0]?.key).toBe(`${productId}-v${version}`);
    expect(simulators.host.deliveries()).toBeGreaterThanOrEqual(2);

    const product = Product.parse(received[0]?.body);
    const serialized = JSON.stringify(received[0]?.body);
    for (const fact of released.slice(0, 20)) expect(serialized, `${fact.provenance.agency} ${fact.id}`).toContain(JSON.stringify(fact.summary).slice(1, -1));
    const redacted = product.items.find((i) => i.itemId === redactedHealth.fact.id);
    expect(redacted?.disposition).toBe('redacted');
    expect(redacted?.content[redactedHealth.field]).toBe('[REDACTED by health] clinical detail held by the GP');
    expect(product.signposts.map((s) => s.agency)).toContain('police');
    expect(serialized).not.toContain(JSON.stringify(redactedHealth.original).slice(1, -1));
    for (const text of [intelligence.summary, intelligence.detail]) if (text !== undefined) expect(serialized).not.toContain(JSON.stringify(text).slice(1, -1));
  }, 120_000);

  it('tells every contributing agency the outcome', async () => {
    await waitFor(() => Promise.resolve(simulators.feedback.received().length >= AGENCIES.length ? true : undefined), 30_000, 'outcome notifications');
    expect(simulators.feedback.received().map((n) => n.agency).sort()).toEqual([...AGENCIES].sort());
  }, 60_000);

  it('keeps no case content in plain text in a dump of the database', () => {
    const bin = newestPostgresBin();
    const dump = spawnSync(path.join(bin, 'pg_dump'), ['--dbname', postgres.url, '--no-owner'], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
    expect(dump.status, dump.stderr).toBe(0);
    expect(dump.stdout).toContain('CREATE TABLE public.facts');
    const referral = EXAMPLE_REFERRAL as { concern: { summary: string }; subjects: { name: { given: string[]; family: string }; address: { lines: string[] } }[] };
    const sensitive = [
      intelligence.summary,
      intelligence.detail,
      redactedHealth.original,
      referral.concern.summary.slice(0, 40),
      referral.subjects[0]!.address.lines[0],
      'Synthetic: strategy discussion today.',
      'Source protection.',
      ...released.slice(0, 10).map((f) => f.summary),
    ].filter((s): s is string => s !== undefined && s.length >= 8);
    for (const text of sensitive) expect(dump.stdout.includes(text), `dump contains: ${text}`).toBe(false);
  });
});

function newestPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'pg_dump'))).sort((a, b) => Number(b) - Number(a))[0];
  if (version === undefined) throw new Error('pg_dump not found');
  return path.join(root, version, 'bin');
}
