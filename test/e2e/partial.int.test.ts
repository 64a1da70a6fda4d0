/**
 * Partial answers and honest counts, end to end through the real process (`node src/main.ts`,
 * embedded store and in-process jobs), its connectors declared in MASH_CONNECTORS and pointing
 * at the agency simulators this test starts (MASH_SIMULATORS=off), so that an agency can be made
 * to hold back part of its answer:
 * - the example referral's lookups whose answers were cut — the police search matching more
 *   people than the connector reads, and the housing system listing none of the people it says
 *   matched — end `partial`, with the reason and the counts, in the referral's status, its
 *   picture (per lookup, and per agency in words), the audit entry of each lookup, and the
 *   product's note of which agencies were checked, as the host receives it;
 * - every lookup's `factCount` is exactly the number of facts its owning agency's practitioner
 *   sees for it, and the facts left out as other people's are counted apart (`factsExcluded`).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import { AGENCIES, type Agency } from '../../src/model/agency.ts';
import type { Role } from '../../src/model/principal.ts';
import { Product } from '../../src/model/product.ts';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { startEmbeddedSimulators, type EmbeddedSimulators } from '../../simulators/embedded.ts';
import { EXAMPLE_REFERRAL, waitForPicture } from './support.ts';

interface Cut {
  reason: 'candidate-cap' | 'page-cap' | 'agency-limit';
  search: string;
  read: number;
  reported: number | null;
}
interface Lookup {
  id: string;
  agency: Agency;
  subjectRef: string;
  status: string;
  reason: string | null;
  cuts: Cut[];
  factCount: number;
  factsExcluded: number;
  factsShown?: number;
}
interface Check {
  agency: Agency;
  answer: string;
  lookups: number;
  complete: number;
  partial: number;
  statement: string;
}
interface Picture {
  lookups: Lookup[];
  checks: Check[];
  facts: { id: string; provenance: { lookupId: string; agency: Agency } }[];
}
interface Status {
  status: string;
  lookupCounts: { total: number; done: number; partial: number };
  lookups: Lookup[];
}

const tmp = makeTempDir('mash-e2e-partial-');
let simulators: EmbeddedSimulators;
let gateway: GatewayProcess;

const token = (role: Role, agency?: Agency): Promise<string> => signToken(loadOrCreateSigningKey(tmp.dir), { sub: `e2e-${role}-${agency ?? 'hub'}`, role, agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });

async function call(role: Role, agency: Agency | undefined, method: string, route: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${gateway.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${await token(role, agency)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

beforeAll(async () => {
  simulators = await startEmbeddedSimulators();
  // The housing system lists nobody, but says how many matched: the agency holds its answer back.
  simulators.agencies.housing?.setFaults({ resultCap: 0 });
  const connectorsFile = path.join(tmp.dir, 'connectors.json');
  writeFileSync(connectorsFile, JSON.stringify({ connectors: simulators.connectors }));
  seedEmbeddedStore(tmp.dir); // the run's empty PGlite cluster (test/support/templates.ts)
  gateway = await startGatewayProcess({
    env: { MASH_DATA_DIR: tmp.dir, MASH_SIMULATORS: 'off', MASH_CONNECTORS: connectorsFile, MASH_HOST_URL: simulators.host.url, MASH_OUTBOX_BACKOFF_MS: '200' },
  });
}, 60_000);

afterAll(async () => {
  await gateway.kill('SIGTERM');
  await simulators.close();
  tmp.remove();
});

describe('partial answers through the real process', () => {
  let referralId: string;
  let status: Status;
  const pictures = new Map<Agency, Picture>();

  it('ends a cut answer partial, with its reason and counts, in the referral status', async () => {
    const posted = await call('referral-intake', undefined, 'POST', '/v1/referrals', EXAMPLE_REFERRAL);
    expect(posted.status).toBe(202);
    referralId = (posted.json as { id: string }).id;
    await waitForPicture(gateway.url, await token('hub-manager'), referralId, 60_000);
    status = (await call('hub-manager', undefined, 'GET', `/v1/referrals/${referralId}`)).json as Status;

    const partial = status.lookups.filter((l) => l.status === 'partial');
    expect(status.lookupCounts.partial).toBe(partial.length);
    expect(status.lookupCounts.done + status.lookupCounts.partial).toBe(status.lookupCounts.total);
    // Housing listed no one where some matched: the agency's own limit, counted.
    const housing = partial.filter((l) => l.agency === 'housing');
    expect(housing.length).toBeGreaterThan(0);
    for (const lookup of housing) {
      expect(lookup.cuts).toEqual([{ reason: 'agency-limit', search: 'Person search', read: 0, reported: expect.any(Number) as unknown }]);
      expect(lookup.cuts[0]?.reported).toBeGreaterThan(0);
      expect(lookup.reason).toMatch(/^ANSWER\.AGENCY_LIMIT: Person search: 0 of \d+ matching records read \(the agency returned no more\)$/);
      expect(lookup.factCount + lookup.factsExcluded).toBe(0);
    }
    // Police matched more people than the connector reads (5): the candidate cap, counted.
    const police = partial.filter((l) => l.agency === 'police');
    expect(police.length).toBeGreaterThan(0);
    for (const lookup of police) {
      const cut = lookup.cuts.find((c) => c.reason === 'candidate-cap');
      expect(cut).toMatchObject({ search: 'PersonSearch', read: 5 });
      expect(cut?.reported).toBeGreaterThan(5);
      expect(lookup.reason).toContain(`ANSWER.CANDIDATE_CAP: PersonSearch: 5 of ${cut?.reported ?? '?'} matching records read (candidate cap)`);
    }
    // Every other lookup answered in full and says nothing more.
    for (const lookup of status.lookups.filter((l) => l.status === 'done')) expect([lookup.cuts, lookup.reason]).toEqual([[], null]);
  }, 90_000);

  it("gives every lookup a factCount equal to the facts its agency's practitioner sees for it", async () => {
    for (const agency of AGENCIES) {
      const response = await call('hub-practitioner', agency, 'GET', `/v1/referrals/${referralId}/picture`);
      expect(response.status).toBe(200);
      const picture = response.json as Picture;
      pictures.set(agency, picture);
      const own = picture.lookups.filter((l) => l.agency === agency);
      expect(own.length).toBeGreaterThan(0);
      for (const lookup of own) {
        const shown = picture.facts.filter((f) => f.provenance.lookupId === lookup.id).length;
        const label = `${agency} ${lookup.subjectRef}`;
        expect(shown, label).toBe(lookup.factCount);
        expect(lookup.factsShown, label).toBe(shown);
        // The status says the same as the picture.
        expect(status.lookups.find((l) => l.id === lookup.id)?.factCount, label).toBe(lookup.factCount);
        expect(status.lookups.find((l) => l.id === lookup.id)?.factsExcluded, label).toBe(lookup.factsExcluded);
      }
    }
    // Identity matching did leave other people's records out somewhere, and that is counted, not lost.
    expect(status.lookups.some((l) => l.factsExcluded > 0)).toBe(true);
  });

  it('counts, in each audit entry, the facts stored: those in the picture and those excluded', async () => {
    const json = (await call('auditor', undefined, 'GET', `/v1/audit/entries?referralId=${referralId}&action=lookup.completed&limit=500`)).json as { entries: { subject: string; detail: string }[] };
    const finished = status.lookups.filter((l) => l.status === 'done' || l.status === 'partial');
    expect(json.entries).toHaveLength(finished.length);
    for (const lookup of finished) {
      const entry = json.entries.find((e) => e.subject === lookup.id);
      const detail = JSON.parse(entry?.detail ?? '{}') as { status?: string; factCount?: number; cuts?: string[] };
      expect(detail.status, lookup.id).toBe(lookup.status);
      expect(detail.factCount, lookup.id).toBe(lookup.factCount + lookup.factsExcluded);
      if (lookup.status === 'partial') expect(detail.cuts).toEqual(lookup.cuts.map((c) => `${c.reason} ${c.search}: read ${c.read} of ${c.reported ?? 'unknown'}`));
      else expect(detail.cuts).toBeUndefined();
    }
  });

  it('says per agency, in the picture, whose answer is incomplete and why', async () => {
    const manager = (await call('hub-manager', undefined, 'GET', `/v1/referrals/${referralId}/picture`)).json as Picture;
    for (const lookup of manager.lookups) expect(lookup.factsShown ?? -1).toBeLessThanOrEqual(lookup.factCount);
    const checks = new Map(manager.checks.map((c) => [c.agency, c]));
    expect([...checks.keys()]).toEqual([...AGENCIES]);
    for (const agency of AGENCIES) {
      const own = status.lookups.filter((l) => l.agency === agency);
      const check = checks.get(agency);
      expect(check?.lookups).toBe(own.length);
      expect(check?.partial).toBe(own.filter((l) => l.status === 'partial').length);
      if (own.every((l) => l.status === 'done')) {
        expect(check?.answer, agency).toBe('complete');
      } else {
        expect(check?.answer, agency).toBe('incomplete');
        expect(check?.statement, agency).toMatch(/the answer is incomplete: \d+ answers? (was|were) cut short/);
      }
    }
    expect(checks.get('housing')?.statement).toMatch(/Person search: 0 of \d+ matching records read \(the agency returned no more\)/);
    // Every practitioner reads the same statements.
    for (const picture of pictures.values()) expect(picture.checks).toEqual(manager.checks);
  });

  it("publishes a product whose note of the agencies checked says the same, as the host receives it", async () => {
    expect((await call('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/decision`, { rag: 'amber', outcome: 'child-in-need-assessment', rationale: 'Synthetic rationale.' })).status).toBe(200);
    const published = await call('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/products`, { withholdUndecided: { rationale: 'Owners not yet available (synthetic).' } });
    expect(published.status).toBe(201);
    await waitFor(() => Promise.resolve(simulators.host.received().length >= 1 ? true : undefined), 30_000, 'the host to receive the product');
    const product = Product.parse(simulators.host.received()[0]?.body);
    const picture = (await call('hub-manager', undefined, 'GET', `/v1/referrals/${referralId}/picture`)).json as Picture;
    expect(product.checks).toEqual(picture.checks);
    expect(product.checks?.find((c) => c.agency === 'housing')).toMatchObject({ answer: 'incomplete', partial: expect.any(Number) as unknown });
    expect(product.checks?.find((c) => c.agency === 'police')?.statement).toMatch(/PersonSearch: 5 of \d+ matching records read \(candidate cap\)/);
  }, 60_000);
});
