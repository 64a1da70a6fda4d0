/**
 * How an agency system behaves under load, for every simulator alike: a seeded log-normal
 * response time (real services have a long tail: median 300 ms with a p99 of 3 s is typical of a
 * busy national service), and a rate limit enforced the way the NHS demographics service does
 * (5 requests/s per application by default): a request over the limit is answered 429 with
 * `Retry-After`, and counted, so a benchmark can prove the gateway never exceeded it.
 * Set with `POST /_sim/traffic` (same JSON as `TrafficProfile`), read with `GET`, cleared with
 * `DELETE`; `GET /_sim/requests` reports `overLimit` beside `requests`.
 *
 * Why this file exists: faults (`faults.ts`) say how one answer goes wrong; traffic says how the
 * system behaves across many, and it applies before the agency's own handling, so it lives in
 * the shared HTTP layer rather than in each simulator.
 */
import { z } from 'zod';
import { createRng, type Rng } from '../population/rng.ts';

/** How the simulator paces and limits its answers. Everything is optional; `{}` is a fast, unlimited system. */
export const TrafficProfile = z
  .object({
    /** Log-normal response time: the median and the 99th percentile, in ms, and the seed of the draws. */
    latency: z
      .object({
        medianMs: z.number().min(0).max(60_000),
        p99Ms: z.number().min(0).max(600_000),
        seed: z.number().int().min(0).max(4_294_967_295).default(1),
      })
      .strict()
      .refine((l) => l.p99Ms >= l.medianMs, 'p99Ms must be at least medianMs')
      .optional(),
    /** Most requests accepted in any one-second window; more are answered 429 with Retry-After. */
    rateLimitPerSecond: z.number().int().min(1).max(100_000).optional(),
    /**
     * A brief outage, as a gateway or load balancer in front of the agency answers it: the next
     * `requests` requests are answered `status` (503 by default; a plain-text body), with
     * `Retry-After` when `retryAfterSeconds` is given; then normal service resumes.
     */
    outage: z
      .object({
        requests: z.number().int().min(1).max(1_000_000),
        status: z.number().int().min(400).max(599).default(503),
        retryAfterSeconds: z.number().int().min(0).max(86_400).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type TrafficProfile = z.input<typeof TrafficProfile>;

/** z for the 99th percentile of the standard normal distribution. */
const Z99 = 2.326_347_874;

/** The pacing and limiting state of one simulator. */
export class Traffic {
  #profile: z.output<typeof TrafficProfile> = {};
  #rng: Rng = createRng(1);
  /** Arrival times (ms) of the requests accepted in the last second. */
  #window: number[] = [];
  #overLimit = 0;
  /** Requests of the current outage still to be refused. */
  #outageLeft = 0;

  get profile(): z.output<typeof TrafficProfile> {
    return this.#profile;
  }

  /** Requests answered 429 because they were over the rate limit, since start or the last reset. */
  get overLimit(): number {
    return this.#overLimit;
  }

  set(profile: z.output<typeof TrafficProfile>): void {
    this.#profile = profile;
    this.#rng = createRng(profile.latency?.seed ?? 1);
    this.#window = [];
    this.#outageLeft = profile.outage?.requests ?? 0;
  }

  /**
   * Takes one request out of a current outage: the answer to give it, or undefined when the
   * system is serving (no outage, or its requests are spent).
   */
  outageAnswer(): { status: number; retryAfterSeconds: number | undefined } | undefined {
    const outage = this.#profile.outage;
    if (outage === undefined || this.#outageLeft <= 0) return undefined;
    this.#outageLeft -= 1;
    return { status: outage.status, retryAfterSeconds: outage.retryAfterSeconds };
  }

  resetCounts(): void {
    this.#overLimit = 0;
  }

  /**
   * Admits a request arriving at `now`, or says how many seconds to wait (the 429's Retry-After)
   * when the one-second window is full.
   */
  admit(now: number): { admitted: true } | { admitted: false; retryAfterSeconds: number } {
    const limit = this.#profile.rateLimitPerSecond;
    if (limit === undefined) return { admitted: true };
    this.#window = this.#window.filter((t) => now - t < 1000);
    if (this.#window.length >= limit) {
      this.#overLimit += 1;
      const oldest = this.#window[0] ?? now;
      return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + 1000 - now) / 1000)) };
    }
    this.#window.push(now);
    return { admitted: true };
  }

  /** The next response time to wait before answering, in ms (0 without a latency profile). */
  nextDelayMs(): number {
    const latency = this.#profile.latency;
    if (latency === undefined || latency.medianMs === 0) return 0;
    const sigma = latency.p99Ms === latency.medianMs ? 0 : Math.log(latency.p99Ms / latency.medianMs) / Z99;
    // Box–Muller: one standard normal draw from two uniforms; 1 − u keeps the logarithm finite.
    const u1 = 1 - this.#rng.next();
    const u2 = this.#rng.next();
    const normal = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return latency.medianMs * Math.exp(sigma * normal);
  }
}
