/**
 * The connector rate limit's slots in Redis, shared by every worker process (docs/decisions.md,
 * "Resilient connectors"; the algorithm is src/research/rate-limit.ts's). One Lua script
 * reserves a slot atomically and reads the time from Redis itself (`TIME`), so processes whose
 * clocks differ still space their requests on one clock. Keys expire once their last slot has
 * passed, so nothing accumulates.
 */
import { Redis } from 'ioredis';
import { describeError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { RateSlots } from '../research/rate-limit.ts';

/** KEYS[1]: the connector's key; ARGV[1]: the emission interval in µs. Returns the wait in µs. */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, last)
local nxt = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1000)
return string.format('%.0f', slot - now)
`;

export interface RedisRateSlots extends RateSlots {
  close(): Promise<void>;
}

/** Slots in the Redis at `url`, under `prefix` (default `mash:rate`). */
export function redisRateSlots(url: string, logger: Logger, prefix = 'mash:rate'): RedisRateSlots {
  // Commands wait for a reconnection (a rate slot is worth waiting for); the lookup's deadline bounds the wait.
  const redis = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', (error: unknown) => {
    logger.warn({ component: 'rate-limit', code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'redis connection error');
  });
  redis.defineCommand('mashReserveSlot', { numberOfKeys: 1, lua: RESERVE });
  const reserve = (redis as unknown as { mashReserveSlot(key: string, intervalMicros: string): Promise<string> }).mashReserveSlot.bind(redis);
  return {
    async reserve(key, intervalMs) {
      const waitMicros = await reserve(`${prefix}:${key}`, String(Math.ceil(intervalMs * 1000)));
      return Number(waitMicros) / 1000;
    },
    async close() {
      await redis.quit().catch(() => {
        redis.disconnect();
      });
    },
  };
}
