/**
 * The request rate a connector declares, held across every process that calls the agency
 * (docs/decisions.md, "Resilient connectors"). The NHS demographics service allows 5 requests/s
 * per application; an agency enforcing a limit answers 429 to the request over it, so the hub
 * must never send it: a request waits for its turn, it is never sent early and never failed.
 *
 * The algorithm is a sliding log, the way an agency counts: a request may go when fewer than the
 * rate's worth of requests went in the last second (widened by a margin), and the check and the
 * record happen in one step at the moment it is sent. Checking at the moment of sending is the
 * point: a scheme that reserves a future slot (GCRA) and sleeps until it sends late whenever the
 * worker's event loop is busy, and two late sends followed by two punctual ones arrive closer
 * than the rate; and a fixed-window counter (the limiters of rate-limiter-flexible and BullMQ)
 * lets up to twice the rate through across a window boundary. The embedded store keeps the log in
 * memory; the distributed one in Redis (src/queue/rate-limit-redis.ts), reading Redis's clock so
 * processes with different clocks agree.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Where each key's log of recent sends lives: this process's memory, or Redis. */
export interface RateWindow {
  /**
   * Records a send of `key` now and answers 0 when fewer than `limit` were recorded in the last
   * `windowMs`; otherwise records nothing and answers the ms until the oldest leaves the window.
   */
  tryAcquire(key: string, limit: number, windowMs: number): Promise<number>;
}

/**
 * The limit and window that hold `requestsPerSecond`: a whole number of requests per window (a
 * fractional rate, 0.5/s, becomes one request per two seconds), the window widened by
 * `toleranceMs` — an agency counts arrivals, and a request let go on time may reach it late (a
 * worker's event loop busy with other work before the request is written, the network), after
 * later ones that were not delayed. Measured on a loaded two-core machine, a request reached the
 * agency up to ~125 ms later than one let go after it; the default 150 ms costs 13 % of a 5/s rate.
 */
export function windowFor(requestsPerSecond: number, toleranceMs = 150): { limit: number; windowMs: number } {
  const limit = Math.max(1, Math.floor(requestsPerSecond));
  return { limit, windowMs: (limit / requestsPerSecond) * 1000 + toleranceMs };
}

/** The longest one wait between tries; waiters also spread by a few ms so they do not wake together. */
const MAX_WAIT_MS = 1_000;

/**
 * Waits for `key`'s turn at `rate`, then counts the request as sent. Rejects with the
 * signal's reason if `signal` aborts first (the lookup's deadline): nothing is counted then.
 */
export async function takeTurn(window: RateWindow, key: string, rate: { readonly requestsPerSecond: number; readonly toleranceMs?: number }, signal: AbortSignal): Promise<void> {
  const { limit, windowMs } = windowFor(rate.requestsPerSecond, rate.toleranceMs);
  for (;;) {
    signal.throwIfAborted();
    const waitMs = await window.tryAcquire(key, limit, windowMs);
    if (waitMs <= 0) return;
    await sleep(Math.min(waitMs, MAX_WAIT_MS) + Math.random() * 5, undefined, { signal });
  }
}

/** The log kept in this process: exact for one process (embedded, or one worker). */
export function memoryRateWindow(now: () => number = () => performance.timeOrigin + performance.now()): RateWindow {
  const sent = new Map<string, number[]>();
  return {
    tryAcquire(key, limit, windowMs) {
      const at = now();
      const recent = (sent.get(key) ?? []).filter((t) => at - t < windowMs);
      if (recent.length < limit) {
        recent.push(at);
        sent.set(key, recent);
        return Promise.resolve(0);
      }
      sent.set(key, recent);
      return Promise.resolve(Math.max((recent[0] ?? at) + windowMs - at, 1));
    },
  };
}
