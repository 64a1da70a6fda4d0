/**
 * Every log line carries the request, referral and job ids of what it was logged for, never personal
 * data (CONVENTIONS.md §9; src/lib/log-context.ts), through the real process (`node src/main.ts`,
 * embedded: PGlite and the in-process runner, LOG_LEVEL=debug) on agency simulators the suite
 * starts. A referral is submitted and its picture read, each request with its own x-request-id; then
 * the process's JSON lines are read: the requests' lines carry their request and referral ids, every
 * line of a research job its job id and kind, its referral and the request that scheduled it, nothing
 * about the referral is logged outside a request or a job, and no line holds the child's name, birth
 * date, address, postcode or NHS number. The queue dashboard is a distributed-mode feature: embedded,
 * /admin/queues answers a problem saying so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../support/tmp.ts';
import { logLines, personalDataOf, type LogLine } from './log-lines.ts';
import { EXAMPLE_REFERRAL, startGatewayOnSimulators, tokenIn, waitForPicture, type GatewayOnSimulators } from './support.ts';

const INTAKE_REQUEST = 'log-ids-intake-1';
const READ_REQUEST = 'log-ids-read-1';
const tmp = makeTempDir('mash-e2e-log-ids-');
let deployment: GatewayOnSimulators | undefined;
let referralId = '';
let lines: LogLine[] = [];

beforeAll(async () => {
  deployment = await startGatewayOnSimulators(tmp.dir, { env: { LOG_LEVEL: 'debug' } });
  const { url } = deployment.gateway;
  const submitted = await fetch(`${url}/v1/referrals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await tokenIn(tmp.dir, 'referral-intake')}`, 'content-type': 'application/json', 'x-request-id': INTAKE_REQUEST },
    body: JSON.stringify(EXAMPLE_REFERRAL),
  });
  expect(submitted.status).toBe(202);
  referralId = ((await submitted.json()) as { id: string }).id;
  const manager = await tokenIn(tmp.dir, 'hub-manager');
  await waitForPicture(url, manager, referralId, 60_000);
  const picture = await fetch(`${url}/v1/referrals/${referralId}/picture`, { headers: { authorization: `Bearer ${manager}`, 'x-request-id': READ_REQUEST } });
  expect(picture.status).toBe(200);
  await picture.arrayBuffer();
  // The request line is written as the answer goes out: wait for it.
  for (let tries = 0; tries < 50 && !deployment.gateway.output().includes(READ_REQUEST); tries += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  lines = logLines(deployment.gateway.output());
}, 120_000);

afterAll(async () => {
  await deployment?.stop();
  tmp.remove();
});

describe('log lines of the real process (embedded)', () => {
  it("carry each request's id, and the referral it created or names", () => {
    expect(lines.find((l) => l.msg === 'request' && l.requestId === INTAKE_REQUEST)).toMatchObject({ method: 'POST', route: '/v1/referrals', status: 202, referralId });
    expect(lines.find((l) => l.msg === 'request' && l.requestId === READ_REQUEST)).toMatchObject({ method: 'GET', route: '/v1/referrals/:id/picture', status: 200, referralId });
  });

  it('carry, on every line of a research job, its id and kind, its referral and the request that scheduled it', () => {
    const jobLines = lines.filter((l) => l.jobKind === 'lookup' || l.jobKind === 'referral');
    expect(jobLines.length).toBeGreaterThan(0);
    for (const line of jobLines) expect(line, JSON.stringify(line)).toMatchObject({ jobId: expect.stringMatching(/^(lookup|referral)-/) as string, referralId, requestId: INTAKE_REQUEST });
    const finished = lines.filter((l) => l.msg === 'lookup finished');
    expect(finished.length).toBeGreaterThan(0);
    for (const line of finished) expect(line).toMatchObject({ jobKind: 'lookup', referralId });
    expect(lines.find((l) => l.msg === 'picture ready')).toMatchObject({ jobKind: 'referral', referralId });
    expect(lines.filter((l) => l.msg === 'job completed' && (l.queue === 'lookup' || l.queue === 'referral')).every((l) => l.referralId === referralId)).toBe(true);
    // Periodic runs are jobs too: their lines name the kind, and no request or referral.
    const periodic = lines.find((l) => l.msg === 'job completed' && l.queue === 'audit-seal');
    expect(periodic).toMatchObject({ jobKind: 'audit-seal', jobId: 'periodic-audit-seal' });
    expect(periodic?.requestId).toBeUndefined();
    expect(periodic?.referralId).toBeUndefined();
  });

  it('log nothing about the referral outside a request or a job', () => {
    const aboutReferral = lines.filter((l) => l.referralId === referralId);
    expect(aboutReferral.length).toBeGreaterThan(0);
    for (const line of aboutReferral) expect(line.requestId !== undefined || line.jobId !== undefined, JSON.stringify(line)).toBe(true);
  });

  it('hold no personal data of the child', () => {
    const output = deployment?.gateway.output() ?? '';
    const personal = personalDataOf(EXAMPLE_REFERRAL);
    expect(personal).toEqual(expect.arrayContaining(['Smith', '2017-03-04', 'WF13 2QP', '9994732153']));
    for (const value of personal) expect(output, value).not.toContain(value);
  });
});

describe('the queue dashboard, embedded', () => {
  it('is not there: /admin/queues answers a problem saying it is a distributed-mode feature', async () => {
    const response = await fetch(`${deployment?.gateway.url ?? ''}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${await tokenIn(tmp.dir, 'hub-manager')}` } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toMatchObject({ code: 'ROUTE.NOT_FOUND', detail: expect.stringContaining('distributed') as string });
  });
});
