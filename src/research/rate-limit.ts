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
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_RATE_TOLERANCE_MS } from '../model/connector.ts';

/** Where each key's log of recent sends lives: this process's memory, or Redis. */
export interface RateWindow {
  /**
   * When fewer than `limit` sends are logged within the last `windowMs`, logs one `lateMs` from
   * now — when the request reaches the agency at the latest — and answers 0; otherwise logs
   * nothing and answers the ms until the oldest leaves the window.
   */
  tryAcquire(key: string, limit: number, windowMs: number, lateMs?: number): Promise<number>;
}

/**
 * How late this process may write a request it lets go now: the longest event-loop delay of the
 * last one to two seconds. A request is written by a continuation that waits its turn on the
 * event loop, so a busy worker writes late — the cause of the late arrivals the tolerance was
 * widened for (docs/decisions.md "Resilient connectors"). Logging the send that much later keeps
 * the next one, in any process, a full window after it reaches the agency; when the loop is idle
 * it costs nothing. Read lazily: no timer of its own.
 */
export function eventLoopLag(): () => number {
  const histogram = monitorEventLoopDelay({ resolution: 20 });
  histogram.enable();
  let since = performance.now();
  let previousMaxMs = 0;
  return () => {
    const now = performance.now();
    const currentMaxMs = histogram.count === 0 ? 0 : histogram.max / 1e6;
    if (now - since >= 1_000) {
      previousMaxMs = currentMaxMs;
      histogram.reset();
      since = now;
    }
    return Math.max(previousMaxMs, currentMaxMs);
  };
}

let processLag: (() => number) | undefined;
const lagOfThisProcess = (): number => (processLag ??= eventLoopLag())();

/**
 * The limit and window that hold `requestsPerSecond`: a whole number of requests per window (a
 * fractional rate, 0.5/s, becomes one request per two seconds), the window widened by
 * `toleranceMs` — an agency counts arrivals, and a request let go on time may reach it late,
 * after later ones that were not delayed. The sender's event-loop delay is accounted for as it
 * happens (`eventLoopLag`); the tolerance covers the rest (the agency's own clock and queue, the
 * network). The default 150 ms costs 13 % of a 5/s rate: 40 ms let two requests over the limit
 * in one bench run on a quiet machine (the simulators' process stamping arrivals late).
 */
export function windowFor(requestsPerSecond: number, toleranceMs = DEFAULT_RATE_TOLERANCE_MS): { limit: number; windowMs: number } {
  const limit = Math.max(1, Math.floor(requestsPerSecond));
  return { limit, windowMs: (limit / requestsPerSecond) * 1000 + toleranceMs };
}

/** The longest one wait between tries; waiters also spread by a few ms so they do not wake together. */
const MAX_WAIT_MS = 1_000;

/**
 * Waits for `key`'s turn at `rate`, then counts the request as sent. Rejects with the
 * signal's reason if `signal` aborts first (the lookup's deadline): nothing is counted then.
 */
export async function takeTurn(
  window: RateWindow,
  key: string,
  rate: { readonly requestsPerSecond: number; readonly toleranceMs?: number },
  signal: AbortSignal,
  lag: () => number = lagOfThisProcess,
): Promise<void> {
  const { limit, windowMs } = windowFor(rate.requestsPerSecond, rate.toleranceMs);
  for (;;) {
    signal.throwIfAborted();
    const waitMs = await window.tryAcquire(key, limit, windowMs, lag());
    if (waitMs <= 0) return;
    await sleep(Math.min(waitMs, MAX_WAIT_MS) + Math.random() * 5, undefined, { signal });
  }
}

/** The log kept in this process: exact for one process (embedded, or one worker). */
export function memoryRateWindow(now: () => number = () => performance.timeOrigin + performance.now()): RateWindow {
  const sent = new Map<string, number[]>();
  return {
    tryAcquire(key, limit, windowMs, lateMs = 0) {
      const at = now();
      const recent = (sent.get(key) ?? []).filter((t) => at - t < windowMs);
      if (recent.length < limit) {
        recent.push(at + lateMs);
        recent.sort((a, b) => a - b);
        sent.set(key, recent);
        return Promise.resolve(0);
      }
      sent.set(key, recent);
      return Promise.resolve(Math.max((recent[0] ?? at) + windowMs - at, 1));
    },
  };
}
