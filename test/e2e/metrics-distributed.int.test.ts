/**
 * Prometheus metrics in the distributed deployment (real PostgreSQL and Redis, one
 * `MASH_ROLE=gateway` and one `MASH_ROLE=worker` process): lookups run in the worker, which has
 * no API, so it serves its own series on MASH_METRICS_PORT; the store and queue figures (referral
 * gauges, queue depth from BullMQ) are read by the gateway alone, so N workers never count them
 * N times. Prometheus adds the processes' series up. With the worker stopped, a new referral's
 * jobs wait in Redis, and the gateway's queue gauges show them and their age.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, sumBy, sumOf, valueOf } from '../support/exposition.ts';
import { startDistributedStack, type DistributedStack } from './distributed.ts';
import { waitFor } from '../support/gateway-process.ts';
import { runsAndScrape } from './metrics-support.ts';
import { readStatus, submitExample, tokenIn, waitForPicture } from './support.ts';

/** The unauthenticated metrics listener a process logged at start. */
function listenerOf(output: string): string {
  const url = /"url":"(http:\/\/127\.0\.0\.1:\d+\/metrics)","msg":"metrics listening"/.exec(output)?.[1];
  if (url === undefined) throw new Error(`no metrics listener in:\n${output}`);
  return url;
}

let stack: DistributedStack;

beforeAll(async () => {
  stack = await startDistributedStack({ tmpPrefix: 'mash-e2e-metrics-distributed-', env: { MASH_METRICS_PORT: '0' } });
}, 120_000);

afterAll(async () => {
  await stack.stop();
});

describe('metrics, distributed (PostgreSQL + Redis, gateway + worker)', () => {
  it('shows lookups on the worker’s port and queue depth and referral gauges on the gateway’s', async () => {
    const manager = await tokenIn(stack.dataDir, 'hub-manager');
    const id = await submitExample(stack.gateway.url, await tokenIn(stack.dataDir, 'referral-intake'));
    await waitForPicture(stack.gateway.url, manager, id, 60_000);

    // The worker's own port, without auth: its lookups are the runs the API shows.
    const { expected, samples: worker } = await runsAndScrape({ apiUrl: stack.gateway.url, apiToken: manager, ids: [id], scrapeUrl: listenerOf(stack.workers[0]?.output() ?? '') });
    expect(Object.keys(expected).length).toBe(5);
    expect(sumBy(worker, 'mash_lookups_total', 'connector')).toEqual(expected);
    expect(sumBy(worker, 'mash_lookup_duration_seconds_count', 'connector')).toEqual(expected);
    expect(sumOf(worker, 'mash_time_to_picture_seconds_count')).toBe(1);
    // No store or queue figures from a worker: the gateway's alone count them.
    expect(worker.some((s) => s.name === 'mash_referrals' || s.name === 'mash_queue_jobs' || s.name === 'mash_audit_unchained_entries')).toBe(false);
    expect(valueOf(worker, 'mash_process_cpu_user_seconds_total')).toBeGreaterThan(0);

    const response = await fetch(`${stack.gateway.url}/metrics`, { headers: { authorization: `Bearer ${manager}` } });
    expect(response.status).toBe(200);
    const gateway = parseExposition(await response.text());
    expect(valueOf(gateway, 'mash_referrals', { rag: 'red', status: 'picture-ready' })).toBe(1);
    expect(valueOf(gateway, 'mash_metrics_source_up', { source: 'queues' })).toBe(1);
    for (const queue of ['lookup', 'referral', 'delivery']) {
      expect(valueOf(gateway, 'mash_queue_jobs', { queue, state: 'waiting' }), queue).toBeGreaterThanOrEqual(0);
      expect(valueOf(gateway, 'mash_queue_oldest_job_age_seconds', { queue }), queue).toBeGreaterThanOrEqual(0);
    }
    expect(valueOf(gateway, 'mash_audit_unchained_entries')).toBeGreaterThanOrEqual(0);
    // The gateway ran no lookup.
    expect(sumOf(gateway, 'mash_lookups_total')).toBe(0);

    // With no worker taking work, a new referral's jobs wait in Redis: the gateway's gauges show them.
    await stack.workers[0]?.kill('SIGTERM');
    const waitingId = await submitExample(stack.gateway.url, await tokenIn(stack.dataDir, 'referral-intake'));
    const queued = (await readStatus(stack.gateway.url, manager, waitingId)).lookups.filter((l) => l.status === 'queued').length;
    expect(queued).toBeGreaterThan(0);
    const backlog = await waitFor(
      async () => {
        const now = parseExposition(await (await fetch(`${stack.gateway.url}/metrics`, { headers: { authorization: `Bearer ${manager}` } })).text());
        return (valueOf(now, 'mash_queue_oldest_job_age_seconds', { queue: 'lookup' }) ?? 0) >= 0.5 ? now : undefined;
      },
      10_000,
      'the oldest waiting lookup to age',
    );
    expect(valueOf(backlog, 'mash_queue_jobs', { queue: 'lookup', state: 'waiting' })).toBe(queued);
    expect(valueOf(backlog, 'mash_queue_jobs', { queue: 'referral', state: 'waiting-children' })).toBe(1);
    expect(valueOf(backlog, 'mash_referrals', { rag: 'red', status: 'picture-ready' })).toBe(1);
    expect(sumOf(backlog, 'mash_referrals', { status: 'received' }) + sumOf(backlog, 'mash_referrals', { status: 'researching' })).toBe(1);
  }, 120_000);
});
