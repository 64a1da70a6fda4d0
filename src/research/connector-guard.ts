/**
 * What stands between a lookup and its agency (docs/decisions.md, "Resilient connectors"): per
 * connector, a concurrency limit, a circuit breaker, the request rate it declares, and retries of
 * transient failures — all cockatiel policies (CONVENTIONS.md §12: the well-kept library), only
 * the rate limit's log is ours (src/research/rate-limit.ts says why).
 *
 * - **Retry** (per lookup): only a failure the adapter marked transient — the agency unreachable,
 *   HTTP 429/502/503/504, a SOAP Receiver fault — never a client error, a refused credential, a
 *   malformed answer or a spent deadline. Waits grow exponentially with half jitter from the
 *   connector's `retry.backoffMs`; the agency's `Retry-After` is honoured when longer. The
 *   budget is the connector's `retry.attempts` and the referral's SLA: no retry starts after the
 *   referral is due, and no wait exceeds `retry.maxDelayMs` (an agency asking for longer is
 *   treated as down, and its lookups are run again when it recovers: src/research/recovery.ts).
 * - **Circuit breaker** (per connector, per process): after `breaker.consecutiveFailures`
 *   lookups in a row fail transiently or time out, lookups fail at once (`ADAPTER.CIRCUIT_OPEN`,
 *   nothing sent) for `breaker.halfOpenAfterMs`; then one lookup tries, and its success closes
 *   it. Each change is reported (`onBreakerChange`) so the store shows it to every process.
 * - **Concurrency** (per connector, per process): at most `concurrency` attempts in flight; the
 *   rest queue in order. An attempt's deadline starts when it gets its place.
 * - **Rate** (per connector, across processes): every HTTP request of the connector — token,
 *   search, follow-up reads — waits for its slot (`rateLimit.requestsPerSecond`).
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, ExponentialBackoff, bulkhead, circuitBreaker, halfJitterGenerator, handleWhenResult, retry, wrap } from 'cockatiel';
import type { BulkheadPolicy, CircuitBreakerPolicy, IBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';
import type { AdapterContext, AdapterFailure, Orchestration } from '../adapters/port.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { Connector } from '../model/connector.ts';
import type { KitOutcome } from './registry.ts';
import { takeTurn, type RateWindow } from './rate-limit.ts';

/** A connector's breaker, as an administrator reads it. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** One guarded lookup: which connector, by when it must be done, and how to count its attempts. */
export interface GuardedLookup {
  readonly connector: Connector;
  /** The referral's SLA due time: no retry starts after it. */
  readonly dueAt: Date;
  /**
   * Told before each retry (the first attempt is counted when the lookup starts), before anything
   * is sent, so an attempt a crash cuts off is still counted. `attempt` is 1-based.
   */
  readonly beforeRetry: (attempt: number) => Promise<void>;
}

/** The outcome of a guarded lookup: its last attempt's, with every attempt's calls. */
export interface GuardedOutcome {
  readonly outcome: KitOutcome;
  /** Attempts made by this run (1 when the breaker refused it: the refusal is its attempt). */
  readonly attempts: number;
}

export interface ConnectorGuards {
  /** Runs `attempt` under the connector's policies; never throws for an agency's failure. */
  run(lookup: GuardedLookup, attempt: (context: AdapterContext) => Promise<KitOutcome>): Promise<GuardedOutcome>;
  /** The breaker of `connectorId` in this process (closed for a connector not yet called). */
  breakerState(connectorId: string): BreakerState;
}

export interface ConnectorGuardOptions {
  /** Where the connectors' rate limits count sends: memory, or Redis when distributed. */
  readonly rateWindow: RateWindow;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Told when a connector's breaker changes state in this process (recorded in the store, best effort). */
  readonly onBreakerChange?: ((change: BreakerChange) => void) | undefined;
  /** Told how long each request waited for its turn under the connector's rate limit (metrics). */
  readonly onRateLimitWait?: ((connectorId: string, waitedMs: number) => void) | undefined;
}

export interface BreakerChange {
  readonly connectorId: string;
  readonly state: BreakerState;
  readonly at: Date;
  /** Why it opened: the last failure's code and reason. */
  readonly reason: string | null;
}

/** A failure worth another try (the adapter says so; see `AdapterFailure.transient`). */
export function isTransient(outcome: unknown): outcome is KitOutcome & { kind: 'failed' } {
  return isFailed(outcome) && outcome.failure.transient !== undefined;
}

/** A failure that counts against the agency's breaker: transient, or no answer within the deadline. */
export function countsAgainstBreaker(outcome: unknown): boolean {
  return isFailed(outcome) && (outcome.failure.transient !== undefined || (outcome.failure.kind === 'timeout' && outcome.failure.code === 'ADAPTER.TIMEOUT'));
}

function isFailed(outcome: unknown): outcome is KitOutcome & { kind: 'failed' } {
  return typeof outcome === 'object' && outcome !== null && 'kind' in outcome && outcome.kind === 'failed' && 'failure' in outcome;
}

const retryAfterOf = (outcome: unknown): number => (isTransient(outcome) ? (outcome.failure.transient?.retryAfterMs ?? 0) : 0);

/** The policies one connector's lookups share in this process; rebuilt when its settings change. */
interface Shared {
  readonly settings: string;
  readonly breaker: CircuitBreakerPolicy;
  readonly slots: BulkheadPolicy;
  readonly halfOpenAfterMs: number;
  /** When the breaker last opened (ms since the epoch), for reading its state. */
  openedAt: number;
}

/** Builds the guards of this process. */
export function createConnectorGuards(options: ConnectorGuardOptions): ConnectorGuards {
  const shared = new Map<string, Shared>();
  const log = options.logger.child({ component: 'connector-guard' });

  const sharedFor = (connector: Connector): Shared => {
    const settings = JSON.stringify([connector.breaker, connector.concurrency]);
    const known = shared.get(connector.id);
    if (known?.settings === settings) return known;
    const breaker = circuitBreaker(handleWhenResult(countsAgainstBreaker), {
      halfOpenAfter: connector.breaker.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(connector.breaker.consecutiveFailures),
    });
    const entry: Shared = { settings, breaker, slots: bulkhead(connector.concurrency, Number.MAX_SAFE_INTEGER), halfOpenAfterMs: connector.breaker.halfOpenAfterMs, openedAt: 0 };
    breaker.onStateChange((state) => {
      const view = breakerView(state);
      if (view === 'open') entry.openedAt = options.clock.now().getTime();
      const last = breaker.lastFailure;
      const reason = view === 'open' && last !== undefined && 'value' in last && isFailed(last.value) ? `${last.value.failure.code}: ${last.value.failure.reason}` : null;
      // Ids and states only (CONVENTIONS.md §9): a failure's reason never names a person.
      log.warn({ connectorId: connector.id, breaker: view }, 'connector breaker changed');
      options.onBreakerChange?.({ connectorId: connector.id, state: view, at: options.clock.now(), reason });
    });
    shared.set(connector.id, entry);
    return entry;
  };

  return {
    breakerState(connectorId) {
      const entry = shared.get(connectorId);
      if (entry === undefined) return 'closed';
      const view = breakerView(entry.breaker.state);
      // cockatiel half-opens on the next call once `halfOpenAfter` has passed; read as it would answer it.
      return view === 'open' && options.clock.now().getTime() - entry.openedAt >= entry.halfOpenAfterMs ? 'half-open' : view;
    },

    async run(lookup, attempt) {
      const { connector } = lookup;
      const { breaker, slots } = sharedFor(connector);
      const budget = retryBudget(connector, lookup.dueAt, options.clock);
      const retries = retry(handleWhenResult((outcome) => isTransient(outcome) && budget.allows(retryAfterOf(outcome))), {
        maxAttempts: connector.retry.attempts - 1,
        backoff: budget.backoff,
      });
      const context = adapterContext(connector, options.rateWindow, options.onRateLimitWait);
      const calls: Orchestration[] = [];
      let attempts = 0;
      try {
        const outcome = await wrap(retries, breaker, slots).execute(async ({ attempt: retryNumber }) => {
          if (retryNumber > 0) await lookup.beforeRetry(retryNumber + 1);
          attempts = retryNumber + 1;
          const result = await attempt(context);
          calls.push(...result.orchestrations);
          return result;
        });
        return { outcome: withCalls(outcome, calls, attempts), attempts };
      } catch (error) {
        if (!(error instanceof BrokenCircuitError)) throw error;
        // Nothing was sent: the breaker refused the attempt. The lookup runs again when the agency recovers.
        const failure: AdapterFailure = {
          kind: 'unreachable',
          code: 'ADAPTER.CIRCUIT_OPEN',
          reason: `calls to this agency system are paused after ${connector.breaker.consecutiveFailures} failures in a row; the lookup runs again when it answers`,
          transient: {},
        };
        return { outcome: { kind: 'failed', failure, orchestrations: calls }, attempts: Math.max(attempts, 1) };
      }
    },
  };
}

/** Every attempt's calls on the outcome, and the attempt count on a failure's reason. */
function withCalls(outcome: KitOutcome, calls: readonly Orchestration[], attempts: number): KitOutcome {
  if (outcome.kind === 'found') return { ...outcome, orchestrations: calls };
  const reason = attempts > 1 ? `${outcome.failure.reason} (after ${attempts} attempts)` : outcome.failure.reason;
  return { ...outcome, failure: { ...outcome.failure, reason }, orchestrations: calls };
}

/**
 * The retry budget of one lookup: the waits (exponential with half jitter, or `Retry-After` when
 * longer) and whether another try fits — its wait within `maxDelayMs` and its start before the
 * referral is due.
 */
function retryBudget(connector: Connector, dueAt: Date, clock: Clock): { allows(retryAfterMs: number): boolean; backoff: IBackoffFactory<IRetryBackoffContext<unknown>> } {
  const { backoffMs, maxDelayMs } = connector.retry;
  const exponential = new ExponentialBackoff({ initialDelay: backoffMs, maxDelay: maxDelayMs, exponent: 2, generator: halfJitterGenerator });
  const untilDue = (): number => dueAt.getTime() - clock.now().getTime();
  const honour = (inner: IBackoff<unknown>, context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> => ({
    // The agency's Retry-After is a floor; the SLA a ceiling (`allows` has checked the floor fits under it).
    duration: Math.min(Math.max(inner.duration, retryAfterOf('value' in context.result ? context.result.value : undefined)), Math.max(untilDue(), 0)),
    next: (nextContext) => honour(inner.next(nextContext), nextContext),
  });
  return {
    allows: (retryAfterMs) => retryAfterMs <= maxDelayMs && retryAfterMs < untilDue() && untilDue() > 0,
    backoff: { next: (context) => honour(exponential.next(), context) },
  };
}

/** The adapter's context: its requests take their turn under the connector's rate limit. */
function adapterContext(connector: Connector, rateWindow: RateWindow, onWait: ConnectorGuardOptions['onRateLimitWait']): AdapterContext {
  const limit = connector.rateLimit;
  if (limit === undefined) return {};
  return {
    fetch: async (input, init) => {
      const waitStarted = performance.now();
      await takeTurn(rateWindow, connector.id, limit, init?.signal ?? new AbortController().signal);
      onWait?.(connector.id, performance.now() - waitStarted);
      return globalThis.fetch(input, init);
    },
  };
}

function breakerView(state: CircuitState): BreakerState {
  switch (state) {
    case CircuitState.Closed:
      return 'closed';
    case CircuitState.HalfOpen:
      return 'half-open';
    case CircuitState.Open:
    case CircuitState.Isolated:
      return 'open';
    default:
      return state satisfies never;
  }
}
