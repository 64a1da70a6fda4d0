/**
 * The connector rate limit held across processes (docs/decisions.md "Resilient connectors"):
 * three independent Redis connections stand for three worker processes taking turns on one
 * connector at 5 requests/s, and the agency simulator's own limiter (a sliding one-second window,
 * as an agency counts) judges the requests — none over, and nearly the whole rate used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/lib/logger.ts';
import { redisRateSlots, type RedisRateSlots } from '../../src/queue/rate-limit-redis.ts';
import { takeTurn } from '../../src/research/rate-limit.ts';
import { Traffic, TrafficProfile } from '../../simulators/common/traffic.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';

let redis: TestRedis;
const workers: RedisRateSlots[] = [];

beforeAll(async () => {
  redis = await startRedis();
  for (let i = 0; i < 3; i += 1) workers.push(redisRateSlots(redis.url, silentLogger(), `test-${process.pid}`));
}, 30_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await redis.stop();
});

describe('the rate limit in Redis', () => {
  it('never lets three workers together exceed 5 requests/s, and uses at least 95 % of it', async () => {
    const agency = new Traffic();
    agency.set(TrafficProfile.parse({ rateLimitPerSecond: 5 }));
    const signal = new AbortController().signal;
    const arrivals: number[] = [];
    const started = Date.now();
    // A backlog: 8 requests queued on each worker at once.
    await Promise.all(
      workers.flatMap((worker) =>
        Array.from({ length: 8 }, async () => {
          await takeTurn(worker, 'police-sim', 5, signal);
          const now = Date.now();
          arrivals.push(now);
          expect(agency.admit(now)).toEqual({ admitted: true });
        }),
      ),
    );
    expect(agency.overLimit).toBe(0);
    arrivals.sort((a, b) => a - b);
    // 24 requests at 5/s: the first goes at once, the last 23 intervals later.
    const achieved = (arrivals.length - 1) / (((arrivals.at(-1) ?? started) - (arrivals[0] ?? started)) / 1000);
    expect(achieved).toBeLessThanOrEqual(5);
    expect(achieved / 5).toBeGreaterThanOrEqual(0.95);
  }, 30_000);
});
