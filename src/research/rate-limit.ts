/**
 * The request rate a connector declares, held across every process that calls the agency
 * (docs/decisions.md, "Resilient connectors"). The NHS demographics service allows 5 requests/s
 * per application; an agency enforcing a limit answers 429 to the request over it, so the hub
 * must never send it: a request waits for its turn, it is never sent early and never failed.
 *
 * The algorithm is the generic cell rate algorithm in its "virtual scheduling" form (ITU-T
 * I.371 §4.4.2, as redis-cell and Stripe's limiter use it): each request reserves the next free
 * slot, one emission interval after the last, and waits until then. Slots are spaced evenly, so
 * no window of one second ever holds more than the rate — which a fixed-window counter (the
 * limiters of rate-limiter-flexible and BullMQ) cannot promise: it lets through up to twice the
 * rate across a window boundary. The embedded store keeps the last slot in memory; the
 * distributed one keeps it in Redis (src/queue/rate-limit-redis.ts), reading Redis's clock so
 * that processes with different clocks agree.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Where the last reserved slot of each key lives: this process's memory, or Redis. */
export interface RateSlots {
  /**
   * Reserves the next slot of `key`, `intervalMs` after the one before (or now, when that has
   * passed), and says how many ms from now it starts.
   */
  reserve(key: string, intervalMs: number): Promise<number>;
}

/**
 * A margin on the emission interval: an agency counts arrivals, and two requests sent one
 * interval apart may arrive a few ms closer (scheduling, the network). 3 % keeps a tolerance of
 * 30 ms per second at the cost of 3 % of the rate.
 */
export const SPACING_MARGIN = 1.03;

/** The wait between requests that holds `requestsPerSecond`, margin included. */
export function emissionIntervalMs(requestsPerSecond: number): number {
  return (1000 / requestsPerSecond) * SPACING_MARGIN;
}

/**
 * Waits for the next request slot of `key` at `requestsPerSecond`. Rejects with the signal's
 * reason if `signal` aborts first (the lookup's deadline); its slot then goes unused, which errs
 * on the side of the agency.
 */
export async function takeTurn(slots: RateSlots, key: string, requestsPerSecond: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  const waitMs = await slots.reserve(key, emissionIntervalMs(requestsPerSecond));
  if (waitMs > 0) await sleep(waitMs, undefined, { signal });
}

/** Slots kept in this process: exact for one process (embedded, or one worker). */
export function memoryRateSlots(now: () => number = () => performance.timeOrigin + performance.now()): RateSlots {
  const next = new Map<string, number>();
  return {
    reserve(key, intervalMs) {
      const at = now();
      const slot = Math.max(at, next.get(key) ?? 0);
      next.set(key, slot + intervalMs);
      return Promise.resolve(slot - at);
    },
  };
}
