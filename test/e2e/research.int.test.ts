/**
 * The research flow end to end, in both deployment modes, each started by the test itself:
 * - embedded: one `node src/main.ts` process on PGlite with the in-process runner and the
 *   simulators it starts by default (what `npm start` does);
 * - distributed: a gateway process and a separate BullMQ worker process on a real PostgreSQL and
 *   a real Redis, with the health simulator declared through MASH_CONNECTORS.
 * The same journey runs in both: submit the example referral, wait for the picture, and find the
 * child's health record in it with full provenance on every fact; the review queue of possible
 * matches lists the referral's question to the manager and none to another agency.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import { startGatewayProcess } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { exampleNhsNumber, expectFullProvenance, readPicture, submitExample, tokenIn, waitForPicture } from './support.ts';
import { startDistributedStack } from './distributed.ts';

interface Deployment {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

async function embedded(): Promise<Deployment> {
  const tmp = makeTempDir('mash-e2e-embedded-');
  seedEmbeddedStore(tmp.dir); // the run's empty PGlite cluster (test/support/templates.ts)
  const gateway = await startGatewayProcess({ env: { MASH_DATA_DIR: tmp.dir } });
  return {
    url: gateway.url,
    dataDir: tmp.dir,
    async stop() {
      await gateway.kill('SIGTERM');
      tmp.remove();
    },
  };
}

async function distributed(): Promise<Deployment> {
  const stack = await startDistributedStack({ tmpPrefix: 'mash-e2e-distributed-' });
  return { url: stack.gateway.url, dataDir: stack.dataDir, stop: () => stack.stop() };
}

describe.each([
  ['embedded (PGlite + in-process runner)', embedded],
  ['distributed (PostgreSQL + Redis + separate BullMQ worker)', distributed],
])('a referral in, a health picture out — %s', (_mode, deploy) => {
  let deployment: Deployment;

  beforeAll(async () => {
    deployment = await deploy();
  }, 120_000);

  afterAll(async () => {
    await deployment.stop();
  });

  it('is ready, researches the example referral and returns a picture whose facts all carry full provenance', async () => {
    const ready = await fetch(`${deployment.url}/readyz`);
    expect(ready.status).toBe(200);

    const id = await submitExample(deployment.url, await tokenIn(deployment.dataDir, 'referral-intake'));
    const manager = await tokenIn(deployment.dataDir, 'hub-manager');
    const status = await waitForPicture(deployment.url, manager, id);
    expect(status.lookups.length).toBeGreaterThan(0);
    // Every lookup answered. One whose answer was cut (a search matching more people than the
    // connector reads) is partial, and says so with its counts — never a silent gap.
    expect(status.lookups.every((l) => l.status === 'done' || l.status === 'partial')).toBe(true);
    for (const lookup of status.lookups.filter((l) => l.status === 'partial')) expect(lookup.reason).toMatch(/^ANSWER\.(CANDIDATE_CAP|PAGE_CAP|AGENCY_LIMIT): .* of /);

    const picture = await readPicture(deployment.url, manager, id);
    expectFullProvenance(picture.facts);
    const child = picture.facts.find((f) => f.kind === 'person' && f.identifiers?.some((i) => i.system === 'nhs-number' && i.value === exampleNhsNumber()));
    expect(child, 'the child found by NHS number').toBeDefined();
    // facts from all five agencies, each with a sensitivity.
    expect(new Set(picture.facts.map((f) => f.provenance.agency))).toEqual(new Set(['health', 'police', 'education', 'housing', 'social-care']));
    expect(picture.facts.every((f) => ['open', 'sensitive', 'restricted'].includes(String(f.provenance.sensitivity)))).toBe(true);
    expect(picture.facts.some((f) => f.kind === 'event')).toBe(true);
    expect(new Set(picture.facts.map((f) => f.id)).size).toBe(picture.facts.length);

    // the child, both parent figures and the sibling as persons with matched records and
    // scores; the household members were found in the records and looked up in a second wave.
    const childPerson = picture.persons.find((p) => p.role === 'child');
    expect(childPerson?.records.filter((r) => r.outcome === 'match').map((r) => r.agency).sort()).toEqual(['education', 'health', 'housing', 'police', 'social-care']);
    expect(childPerson?.records.every((r) => r.score > 0 && r.evidence.length > 0)).toBe(true);
    const household = picture.persons.filter((p) => p.wave === 2);
    expect(household.map((p) => p.role).sort()).toEqual(expect.arrayContaining(['carer', 'parent', 'sibling']));
    for (const member of household) expect(member.records.some((r) => r.outcome === 'match'), `${member.role} matched in some agency`).toBe(true);
    const secondWave = picture.lookups.filter((l) => l.wave === 2);
    expect(new Set(secondWave.map((l) => l.subjectRef))).toEqual(new Set(household.map((p) => p.subjectRef)));

    // one chronology across agencies, the same incident from several agencies once.
    const chronologyAgencies = new Set(picture.chronology.flatMap((e) => e.agencies));
    expect(chronologyAgencies.size).toBeGreaterThanOrEqual(4);
    expect(picture.chronology.some((e) => e.agencies.length >= 2)).toBe(true);
    expect(picture.chronology.map((e) => e.date)).toEqual([...picture.chronology.map((e) => e.date)].sort());
    expect(picture.family?.nodes.map((n) => n.role).sort()).toEqual(expect.arrayContaining(['child', 'parent', 'sibling']));

    // The review queue across referrals: the step-father's housing record agrees on household
    // details alone, a possible match its owner revealed (the simulators' housing connector reveals
    // what is open or sensitive), so the manager may decide it; police, who contributed, may not.
    const queue = async (token: string): Promise<{ possibleMatches: { id: string; kind: string; agency: string; referral: { id: string; sla: unknown } }[] }> => {
      const response = await fetch(`${deployment.url}/v1/possible-matches`, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      return (await response.json()) as { possibleMatches: { id: string; kind: string; agency: string; referral: { id: string; sla: unknown } }[] };
    };
    const view = (await (await fetch(`${deployment.url}/v1/referrals/${id}`, { headers: { authorization: `Bearer ${manager}` } })).json()) as { sla: object };
    const pictured = (await (await fetch(`${deployment.url}/v1/referrals/${id}/picture`, { headers: { authorization: `Bearer ${manager}` } })).json()) as { possibleMatches: { id: string }[] };
    const queued = (await queue(manager)).possibleMatches;
    expect(queued.map((m) => [m.kind, m.agency, m.referral.id])).toEqual([['subject', 'housing', id]]);
    expect(queued[0]?.referral.sla).toMatchObject(view.sla);
    expect(queued.map((m) => m.id)).toEqual(pictured.possibleMatches.map((m) => m.id));
    const police = await signToken(loadOrCreateSigningKey(deployment.dataDir), { sub: 'e2e-police', role: 'hub-practitioner', agency: 'police' }, { issuer: 'mash-gateway', audience: 'mash-gateway' });
    expect((await queue(police)).possibleMatches).toEqual([]);

    // after the flow the audit chain verifies, for an auditor and only for an auditor.
    const verify = await fetch(`${deployment.url}/v1/audit/verify`, { headers: { authorization: `Bearer ${await tokenIn(deployment.dataDir, 'auditor')}` } });
    expect(verify.status).toBe(200);
    expect(await verify.json()).toMatchObject({ ok: true });
    const denied = await fetch(`${deployment.url}/v1/audit/verify`, { headers: { authorization: `Bearer ${manager}` } });
    expect(denied.status).toBe(403);
  });
});
