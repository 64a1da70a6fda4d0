/**
 * The metrics port (CONVENTIONS.md §1, §12): what the hub tells its monitoring as work happens —
 * a lookup finished, a breaker changed, a product was published. The code that records depends on
 * this small interface, never on prom-client; the composition root passes the Prometheus
 * implementation (src/metrics/prometheus.ts) through the deps objects it already builds.
 *
 * Every label is from a bounded set — connector ids, agencies, kinds, outcomes — never case content
 * or anything about a person (CONVENTIONS.md §9). Recording never throws into the business path:
 * the implementation swallows (and logs) its own faults.
 */

/** How a lookup ended, as its row says (src/model/lookup.ts `LookupStatus`, the finished ones). */
export type LookupOutcomeLabel = 'done' | 'partial' | 'failed' | 'timed-out';

/** A connector's breaker, as src/research/connector-guard.ts reports it. */
export type BreakerStateLabel = 'closed' | 'open' | 'half-open';

/** The breaker states, in the order they are exposed. */
export const BREAKER_STATES: readonly BreakerStateLabel[] = ['closed', 'open', 'half-open'];

/** What the hub records as it works. Each method is cheap (a counter or histogram update) and never throws. */
export interface Metrics {
  /** A lookup's outcome was recorded (once per lookup run that recorded it), with how long the run took. */
  lookupFinished(event: { readonly connectorId: string; readonly agency: string; readonly outcome: LookupOutcomeLabel; readonly seconds: number }): void;
  /** A connector's breaker changed state in this process. */
  breakerChanged(event: { readonly connectorId: string; readonly state: BreakerStateLabel }): void;
  /** A request waited this long for its turn under the connector's rate limit (0 when it went at once). */
  rateLimitWaited(event: { readonly connectorId: string; readonly seconds: number }): void;
  /** A referral became picture-ready, this long after it was received. */
  pictureReady(event: { readonly rag: string; readonly seconds: number }): void;
  /** A new product version was published. */
  productPublished(): void;
  /** An owner recorded a release decision on an item. */
  releaseDecided(event: { readonly decision: string; readonly agency: string }): void;
  /** An outbox delivery attempt was recorded: delivered, due again (retry) or failed for good. */
  outboxDelivered(event: { readonly kind: string; readonly outcome: 'delivered' | 'retry' | 'failed' }): void;
}

/** Records nothing: for code run without a metrics registry (tests, CLI tools). */
export const noMetrics: Metrics = {
  lookupFinished: () => undefined,
  breakerChanged: () => undefined,
  rateLimitWaited: () => undefined,
  pictureReady: () => undefined,
  productPublished: () => undefined,
  releaseDecided: () => undefined,
  outboxDelivered: () => undefined,
};

/** The job states a queue's depth is exposed by. */
export const QUEUE_JOB_STATES = ['waiting', 'active', 'delayed', 'waiting-children', 'failed'] as const;
export type QueueJobState = (typeof QUEUE_JOB_STATES)[number];

/** One queue's depth as the job engine sees it now (read at scrape time). */
export interface QueueStats {
  /** The queue's kind: lookup, referral, delivery. */
  readonly queue: string;
  readonly counts: Readonly<Record<QueueJobState, number>>;
  /** When the oldest job still waiting to run was added (ms since the epoch); undefined when none waits. */
  readonly oldestWaitingAt: number | undefined;
}
