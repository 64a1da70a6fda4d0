/**
 * The queue dashboard and the log ids of a distributed deployment, through the real processes
 * (`node src/main.ts` as `MASH_ROLE=gateway` and `MASH_ROLE=worker`, on PostgreSQL and Redis the
 * suite starts): after a referral's research ran,
 * - /admin/queues serves bull-board's page and its assets from the gateway itself (no CDN, a
 *   Content-Security-Policy keeping the browser to the origin) to a connector administrator and the
 *   hub manager, answers 401 without a token and 403 to other roles (audited), and its JSON API lists
 *   every mash queue with counts; the jobs it shows carry ids only — even a job whose data held a
 *   person is shown as "invalid", and its failure as a code;
 * - the dashboard is read-only: a clean or a retry is refused (405) and changes nothing;
 * - the worker's lines carry the job's id and kind, its referral, and the request that scheduled it;
 *   no process logs the child's name, birth date, postcode or NHS number.
 */
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import type { Agency } from '../../src/model/agency.ts';
import { QUEUE_NAMES } from '../../src/model/jobs.ts';
import type { Role } from '../../src/model/principal.ts';
import { waitFor } from '../support/gateway-process.ts';
import { startDistributedStack, type DistributedStack } from './distributed.ts';
import { EXAMPLE_REFERRAL, waitForPicture } from './support.ts';
import { logLines, personalDataOf } from './log-lines.ts';

const REQUEST_ID = 'dashboard-intake-1';
let stack: DistributedStack | undefined;
let referralId = '';

function token(role: Role, agency?: Agency): Promise<string> {
  if (stack === undefined) throw new Error('no stack');
  return signToken(loadOrCreateSigningKey(stack.dataDir), { sub: `e2e-${role}${agency === undefined ? '' : `-${agency}`}`, role, agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });
}

async function dashboard(path: string, init: { role?: Role; agency?: Agency; method?: string } = {}): Promise<Response> {
  if (stack === undefined) throw new Error('no stack');
  const headers: Record<string, string> = init.role === undefined ? {} : { authorization: `Bearer ${await token(init.role, init.agency)}` };
  return fetch(`${stack.gateway.url}/admin/queues${path}`, { method: init.method ?? 'GET', headers });
}

interface BoardQueue {
  name: string;
  counts: Record<string, number>;
  readOnlyMode: boolean;
  isPaused: boolean;
  jobs: { id: string; data: unknown; returnValue: unknown; failedReason?: string; stacktrace: string[] }[];
}

async function boardQueues(query = ''): Promise<BoardQueue[]> {
  const response = await dashboard(`/api/queues${query}`, { role: 'connector-admin', agency: 'police' });
  expect(response.status).toBe(200);
  return ((await response.json()) as { queues: BoardQueue[] }).queues;
}

beforeAll(async () => {
  stack = await startDistributedStack({ tmpPrefix: 'mash-e2e-dashboard-' });
  const response = await fetch(`${stack.gateway.url}/v1/referrals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token('referral-intake')}`, 'content-type': 'application/json', 'x-request-id': REQUEST_ID },
    body: JSON.stringify(EXAMPLE_REFERRAL),
  });
  expect(response.status).toBe(202);
  referralId = ((await response.json()) as { id: string }).id;
  await waitForPicture(stack.gateway.url, await token('hub-manager'), referralId, 60_000);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe('the queue dashboard (distributed)', () => {
  it('serves its page and assets from the gateway to a connector admin and the manager, and no one else', async () => {
    const page = await dashboard('', { role: 'connector-admin', agency: 'police' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html).toContain('<base href="/admin/queues/"');
    // Every stylesheet and script the page names is local, and served.
    expect(html).not.toMatch(/(href|src)="(https?:)?\/\//);
    const assets = [...html.matchAll(/(?:href|src)="(static\/[^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const served = await dashboard(`/${asset}`, { role: 'connector-admin', agency: 'police' });
      expect(served.status, asset).toBe(200);
      await served.arrayBuffer();
    }
    expect((await dashboard('', { role: 'hub-manager' })).status).toBe(200);

    const anonymous = await dashboard('/api/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(((await anonymous.json()) as { code: string }).code).toBe('AUTH.MISSING_TOKEN');
    expect((await dashboard('/static/css/nothing.css')).status).toBe(401);
    for (const [role, agency] of [['hub-practitioner', 'police'], ['auditor', undefined], ['referral-intake', undefined], ['host-system', undefined]] as const) {
      const denied = await dashboard('/api/queues', { role, agency });
      expect(denied.status, role).toBe(403);
      expect(((await denied.json()) as { code: string }).code).toBe('FIREWALL.DENIED');
    }
    // Each denial is in the audit trail, as every other (src/case/access.ts).
    const trail = await fetch(`${stack?.gateway.url ?? ''}/v1/audit/entries?action=access.denied&actor=e2e-hub-practitioner-police`, { headers: { authorization: `Bearer ${await token('auditor')}` } });
    expect(trail.status).toBe(200);
    const entries = ((await trail.json()) as { entries: { subject: string | null }[] }).entries;
    expect(entries.map((e) => e.subject)).toContain('queue:read');
  });

  it('lists every mash queue, with the counts of the referral that ran, read-only', async () => {
    const queues = await boardQueues();
    expect(queues.map((q) => q.name).sort()).toEqual(Object.values(QUEUE_NAMES).sort());
    const byName = new Map(queues.map((q) => [q.name, q]));
    expect(byName.get(QUEUE_NAMES.lookup)?.counts.completed).toBeGreaterThan(0);
    expect(byName.get(QUEUE_NAMES.referral)?.counts.completed).toBeGreaterThan(0);
    expect(queues.every((q) => q.readOnlyMode)).toBe(true);

    // The research jobs show their ids (and the request that scheduled them), nothing else.
    const [lookups] = await boardQueues(`?activeQueue=${QUEUE_NAMES.lookup}&status=completed&page=1&jobsPerPage=100`).then((all) => all.filter((q) => q.name === QUEUE_NAMES.lookup));
    expect(lookups?.jobs.length).toBeGreaterThan(0);
    for (const job of lookups?.jobs ?? []) {
      expect(job.data).toEqual({ referralId, lookupId: expect.any(String) as string, requestId: REQUEST_ID });
      expect(job.returnValue).toBeNull();
    }
  });

  it('refuses every write: a clean or a retry answers 405 and changes nothing', async () => {
    const before = (await boardQueues()).find((q) => q.name === QUEUE_NAMES.lookup)?.counts.completed;
    for (const path of [`/api/queues/${QUEUE_NAMES.lookup}/clean/completed`, `/api/queues/${QUEUE_NAMES.lookup}/retry/failed`, '/api/queues/pause']) {
      for (const role of ['connector-admin', 'hub-manager'] as const) {
        const refused = await dashboard(path, { role, agency: role === 'connector-admin' ? 'police' : undefined, method: 'PUT' });
        expect(refused.status, `${role} PUT ${path}`).toBe(405);
        expect(refused.headers.get('allow')).toBe('GET, HEAD');
        expect(((await refused.json()) as { code: string }).code).toBe('REQUEST.METHOD_NOT_ALLOWED');
      }
    }
    const after = (await boardQueues()).find((q) => q.name === QUEUE_NAMES.lookup);
    expect(after?.counts.completed).toBe(before);
    expect(after?.isPaused).toBe(false);
  });

  it('never shows what a job carried beyond ids, nor a failure beyond its code', async () => {
    if (stack === undefined) throw new Error('no stack');
    // A job no producer of ours would make: personal data in its data. The worker refuses it
    // (JOB.INVALID_DATA) and it stays failed, for the board to show.
    const personal = personalDataOf(EXAMPLE_REFERRAL);
    const queue = new Queue(QUEUE_NAMES.delivery, { connection: { url: stack.redis.url } });
    try {
      await queue.add('delivery', { outboxId: 'out_e2e_dashboard', name: personal.join(' ') }, { jobId: 'e2e-dashboard-bad-data', attempts: 1, removeOnFail: false });
    } finally {
      await queue.close();
    }
    const failed = await waitFor(async () => {
      const [deliveries] = (await boardQueues(`?activeQueue=${QUEUE_NAMES.delivery}&status=failed&page=1&jobsPerPage=10`)).filter((q) => q.name === QUEUE_NAMES.delivery);
      return deliveries?.jobs.find((j) => j.id === 'e2e-dashboard-bad-data');
    }, 20_000, 'the bad job to fail');
    expect(failed.data).toEqual({ invalid: 'JOB.INVALID_DATA: not shown' });
    expect(failed.failedReason).toMatch(/^JOB\.INVALID_DATA: /);
    const shown = JSON.stringify(failed);
    for (const value of personal) expect(shown, value).not.toContain(value);
  });
});

describe('log ids across the processes (distributed)', () => {
  it("carries the job's id and kind, its referral and the scheduling request on the worker's lines; no personal data anywhere", () => {
    if (stack === undefined) throw new Error('no stack');
    const gatewayLines = logLines(stack.gateway.output());
    const intake = gatewayLines.find((l) => l.msg === 'request' && l.method === 'POST' && l.requestId === REQUEST_ID);
    expect(intake).toMatchObject({ route: '/v1/referrals', referralId });

    const workerLines = logLines(stack.workers.map((w) => w.output()).join('\n'));
    const finished = workerLines.filter((l) => l.msg === 'lookup finished' && l.referralId === referralId);
    expect(finished.length).toBeGreaterThan(0);
    for (const line of finished) expect(line).toMatchObject({ jobKind: 'lookup', jobId: expect.stringMatching(/^lookup-/) as string, requestId: REQUEST_ID });
    const ready = workerLines.find((l) => l.msg === 'picture ready' && l.referralId === referralId);
    expect(ready).toMatchObject({ jobKind: 'referral', jobId: expect.stringMatching(/^referral-/) as string, requestId: REQUEST_ID });

    const everything = [stack.gateway.output(), ...stack.workers.map((w) => w.output())].join('\n');
    for (const value of personalDataOf(EXAMPLE_REFERRAL)) expect(everything, value).not.toContain(value);
  });
});
