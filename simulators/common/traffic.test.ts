/** The simulators' traffic profile: a log-normal tail that matches what was asked, and a rate limit answered 429 and counted. */
import { describe, expect, it } from 'vitest';
import { send, startSimulatorServer } from './http.ts';
import { Traffic } from './traffic.ts';

describe('response times', () => {
  it('are log-normal with the median and 99th percentile asked for, and the same for the same seed', () => {
    const draw = (seed: number): number[] => {
      const traffic = new Traffic();
      traffic.set({ latency: { medianMs: 300, p99Ms: 3000, seed } });
      return Array.from({ length: 20_000 }, () => traffic.nextDelayMs()).sort((a, b) => a - b);
    };
    const delays = draw(7);
    expect(delays[10_000]).toBeGreaterThan(285);
    expect(delays[10_000]).toBeLessThan(315);
    expect(delays[19_800]).toBeGreaterThan(2600);
    expect(delays[19_800]).toBeLessThan(3400);
    expect(draw(7)).toEqual(delays);
    expect(draw(8)).not.toEqual(delays);
  });
});

describe('the rate limit', () => {
  it('admits at most the limit in any one second and says when to come back', () => {
    const traffic = new Traffic();
    traffic.set({ rateLimitPerSecond: 5 });
    const at = 1_000_000;
    for (let i = 0; i < 5; i++) expect(traffic.admit(at + i * 100).admitted).toBe(true);
    expect(traffic.admit(at + 600)).toEqual({ admitted: false, retryAfterSeconds: 1 });
    expect(traffic.admit(at + 1000).admitted).toBe(true);
    expect(traffic.overLimit).toBe(1);
  });

  it('is enforced on the wire: 429 with Retry-After, counted at /_sim/requests', async () => {
    const server = await startSimulatorServer(
      { name: 'test simulator', closing: new AbortController(), crashReply: { status: 500, contentType: 'text/plain', body: 'crash' } },
      (_req, res) => {
        send(res, { status: 200, contentType: 'text/plain', body: 'ok' });
        return Promise.resolve();
      },
    );
    try {
      const set = await fetch(`${server.url}/_sim/traffic`, { method: 'POST', body: JSON.stringify({ rateLimitPerSecond: 5 }) });
      expect(set.status).toBe(204);
      const bad = await fetch(`${server.url}/_sim/traffic`, { method: 'POST', body: JSON.stringify({ rateLimitPerSecond: 0 }) });
      expect(bad.status).toBe(400);
      const answers = await Promise.all(Array.from({ length: 12 }, () => fetch(`${server.url}/Patient`)));
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(7);
      expect(answers.find((a) => a.status === 429)?.headers.get('retry-after')).toBe('1');
      expect(await (await fetch(`${server.url}/_sim/requests`)).json()).toEqual({ requests: 12, overLimit: 7 });
      expect(await (await fetch(`${server.url}/_sim/requests`, { method: 'DELETE' })).json()).toEqual({ requests: 12, overLimit: 7 });
      expect(await (await fetch(`${server.url}/_sim/requests`)).json()).toEqual({ requests: 0, overLimit: 0 });
    } finally {
      await server.close();
    }
  });
});
