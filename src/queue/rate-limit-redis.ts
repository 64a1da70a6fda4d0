/**
 * The connector rate limit's log in Redis, shared by every worker process (docs/decisions.md,
 * "Resilient connectors"; the algorithm is src/research/rate-limit.ts's). One Lua script checks
 * and records a send atomically, reading the time from Redis itself (`TIME`), so processes whose
 * clocks differ still count on one clock. Each key is a sorted set of send times that expires
 * once a window has passed without a send, so nothing accumulates.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describeError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { RateWindow } from '../research/rate-limit.ts';

/**
 * KEYS[1]: the connector's log; ARGV[1]: the limit; ARGV[2]: the window in µs; ARGV[3]: a unique
 * member; ARGV[4]: how late (µs) the send may reach the agency, logged that much after now.
 * Returns 0 (recorded), or the µs until the oldest send leaves the window.
 */
const TRY_ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - window))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  local late = tonumber(ARGV[4])
  redis.call('ZADD', KEYS[1], string.format('%.0f', now + late), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil((window + late) / 1000) + 1000)
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return string.format('%.0f', math.max(tonumber(oldest[2]) + window - now, 1))
`;

export interface RedisRateWindow extends RateWindow {
  close(): Promise<void>;
}

/** The log in the Redis at `url`, under `prefix` (default `mash:rate`). */
export function redisRateWindow(url: string, logger: Logger, prefix = 'mash:rate'): RedisRateWindow {
  // Commands wait for a reconnection (a turn is worth waiting for); the lookup's deadline bounds the wait.
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', (error: unknown) => {
    logger.warn({ component: 'rate-limit', code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'redis connection error');
  });
  redis.defineCommand('mashTryAcquire', { numberOfKeys: 1, lua: TRY_ACQUIRE });
  const tryAcquire = (redis as unknown as { mashTryAcquire(key: string, limit: string, windowMicros: string, member: string, lateMicros: string): Promise<string> }).mashTryAcquire.bind(redis);
  return {
    async tryAcquire(key, limit, windowMs, lateMs = 0) {
      const waitMicros = await tryAcquire(`${prefix}:${key}`, String(limit), String(Math.ceil(windowMs * 1000)), randomUUID(), String(Math.ceil(lateMs * 1000)));
      return Number(waitMicros) / 1000;
    },
    async close() {
      await redis.quit().catch(() => {
        redis.disconnect();
      });
    },
  };
}
