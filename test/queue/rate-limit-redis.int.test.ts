/**
 * The connector rate limit held across processes (docs/decisions.md "Resilient connectors"):
 * three independent Redis connections stand for three worker processes taking turns on one
 * connector at 5 requests/s, and the agency simulator's own limiter (a sliding one-second window,
 * as an agency counts) judges the requests — none over, and most of the rate used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/lib/logger.ts';
import { redisRateWindow, type RedisRateWindow } from '../../src/queue/rate-limit-redis.ts';
import { takeTurn, windowFor } from '../../src/research/rate-limit.ts';
import { Traffic, TrafficProfile } from '../../simulators/common/traffic.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

let redis: TestRedis;
const workers: RedisRateWindow[] = [];

beforeAll(async () => {
  redis = await startRedis();
  for (let i = 0; i < 3; i += 1) workers.push(redisRateWindow(redis.url, silentLogger(), `test-${process.pid}`));
}, 30_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await redis.stop();
});

describe('the rate limit in Redis', () => {
  it('never lets three workers together exceed 5 requests/s, and uses most of it', async () => {
    const agency = new Traffic();
    agency.set(TrafficProfile.parse({ rateLimitPerSecond: 5 }));
    const signal = new AbortController().signal;
    const arrivals: number[] = [];
    const started = Date.now();
    // A backlog: 25 requests queued across the workers at once.
    await Promise.all(
      workers.flatMap((worker, w) =>
        Array.from({ length: w === 0 ? 9 : 8 }, async () => {
          await takeTurn(worker, 'police-sim', { requestsPerSecond: 5, toleranceMs: 50 }, signal);
          const now = Date.now();
          arrivals.push(now);
          expect(agency.admit(now)).toEqual({ admitted: true });
        }),
      ),
    );
    expect(agency.overLimit).toBe(0);
    arrivals.sort((a, b) => a - b);
    // 25 requests at 5/s are five windows' worth: the last five go one window after the four before.
    const { windowMs } = windowFor(5, 50);
    const achieved = arrivals.length / (((arrivals.at(-1) ?? started) - (arrivals[0] ?? started) + windowMs) / 1000);
    expect(achieved).toBeLessThanOrEqual(5);
    // The limit is used, not just respected (the orchestration bench holds the figure to 0.95 on a quiet machine).
    expect(achieved / 5).toBeGreaterThanOrEqual(0.9);
  }, 30_000);

  it('logs a send at the time it may reach the agency: the next waits a full window after that', async () => {
    const [first, second] = workers;
    if (first === undefined || second === undefined) throw new Error('no workers');
    // One request a second; the first let go by a worker whose event loop runs 400 ms late.
    expect(await first.tryAcquire('late-sim', 1, 1_000, 400)).toBe(0);
    const wait = await second.tryAcquire('late-sim', 1, 1_000, 0);
    expect(wait).toBeGreaterThan(1_300);
    expect(wait).toBeLessThanOrEqual(1_400);
  });
});
