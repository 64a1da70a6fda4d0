/**
 * One lookup of a REST or XML adapter, as every such adapter runs it: one deadline for all its
 * calls (`settings.timeoutMs`), the caller's cancellation, an environment that records each
 * call's orchestration, the adapter's token cache, a bulkhead bounding the calls in flight, and
 * the first failure — which stops the calls still running and becomes the lookup's reason.
 *
 * Why this file exists: the FHIR, housing, social care and education adapters were written
 * apart and each set this up, authorised its GETs and gathered its per-candidate fetches the
 * same way. The rules are the hub's (one budget per lookup, the first failure is the one worth
 * reporting, a refused cached token is refreshed once), so they live once, here. Expected
 * failures are values (CONVENTIONS.md §3).
 */
import { bulkhead, type BulkheadPolicy } from 'cockatiel';
import type { Clock } from '../../lib/clock.ts';
import { err, ok, type Result } from '../../lib/result.ts';
import type { AdapterContext, AdapterFailure, AnswerCut, ConnectorSettings, Orchestration } from '../port.ts';
import { authorize, forgetToken, type TokenCache } from './auth.ts';
import { exchangeWith, type BodyDecoder, type HttpEnvironment, type HttpResponseOf } from './exchange.ts';

/** One fetch of records (a candidate's, a tenancy's…) and the cuts of any of its lists. */
export interface Fetched<T> {
  readonly records: T;
  readonly cuts: readonly AnswerCut[];
}

/** The deadline-bound signal and the environment every call of one lookup shares. */
export interface LookupScope {
  /** Fires at the deadline, on the caller's cancellation, or when `stop` (if given) aborts. */
  readonly signal: AbortSignal;
  readonly env: HttpEnvironment;
}

/**
 * The signal and environment of one lookup: a deadline of `settings.timeoutMs` from now, the
 * context's signal and `fetch` (else the global one), and `orchestrations` to record each call
 * in. `stop`, when given, also ends the lookup's calls.
 */
export function lookupScope(settings: ConnectorSettings, context: AdapterContext | undefined, clock: Clock, orchestrations: Orchestration[], stop?: AbortSignal): LookupScope {
  const deadline = AbortSignal.timeout(settings.timeoutMs);
  const signals = [deadline, ...(stop === undefined ? [] : [stop]), ...(context?.signal === undefined ? [] : [context.signal])];
  const fetchImpl = context?.fetch ?? ((input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init));
  return {
    signal: AbortSignal.any(signals),
    env: { fetch: fetchImpl, clock, orchestrations, abortKind: () => (deadline.aborted ? 'timeout' : 'cancelled') },
  };
}

/** One lookup's state: where, how, by when, what it has called, and its first failure. */
export interface LookupRun extends LookupScope {
  readonly settings: ConnectorSettings;
  /** Base URL without a trailing slash. */
  readonly base: string;
  readonly tokens: TokenCache;
  /** Bounds the calls in flight at once for this lookup. */
  readonly slots: BulkheadPolicy;
  /** Aborted at the first failure, so the calls still running stop; and when the lookup ends. */
  readonly stop: AbortController;
  firstFailure: AdapterFailure | undefined;
}

/** What one adapter instance brings to each of its lookups. */
export interface LookupRunOptions {
  readonly clock: Clock;
  /** The adapter instance's token cache (made once, in the composition root). */
  readonly tokens: TokenCache;
  /** Most calls in flight at once for one lookup. */
  readonly concurrency: number;
  /** Where each call's orchestration is appended; the lookup's outcome reports them. */
  readonly orchestrations: Orchestration[];
}

/**
 * Runs `lookup` with a fresh run for this connector and context. When it settles, the run's
 * `stop` is aborted, ending anything still in flight (the deadline timer itself is unref'd by
 * Node).
 */
export async function withLookupRun<R>(settings: ConnectorSettings, context: AdapterContext | undefined, options: LookupRunOptions, lookup: (run: LookupRun) => Promise<R>): Promise<R> {
  const stop = new AbortController();
  const run: LookupRun = {
    ...lookupScope(settings, context, options.clock, options.orchestrations, stop.signal),
    settings,
    base: settings.baseUrl.replace(/\/+$/, ''),
    tokens: options.tokens,
    slots: bulkhead(options.concurrency, Number.MAX_SAFE_INTEGER),
    stop,
    firstFailure: undefined,
  };
  try {
    return await lookup(run);
  } finally {
    stop.abort();
  }
}

/**
 * Runs a task in one of the lookup's slots. The first failure is kept as the lookup's reason
 * and stops the rest: they then end as "cancelled", which is not the cause worth reporting.
 */
export async function inSlot<T>(run: LookupRun, task: () => Promise<Result<T, AdapterFailure>>): Promise<Result<T, AdapterFailure>> {
  const result = await run.slots.execute(task);
  if (!result.ok && run.firstFailure === undefined) {
    run.firstFailure = result.error;
    run.stop.abort();
  }
  return result;
}

/**
 * The records of every fetch, in order, and all their cuts; or the lookup's first failure when
 * one happened (else the first failed fetch's).
 */
export function gatherFetched<T>(run: LookupRun, fetched: readonly Result<Fetched<T>, AdapterFailure>[]): Result<Fetched<T[]>, AdapterFailure> {
  if (run.firstFailure !== undefined) return err(run.firstFailure);
  const records: T[] = [];
  const cuts: AnswerCut[] = [];
  for (const step of fetched) {
    if (!step.ok) return step;
    records.push(step.value.records);
    cuts.push(...step.value.cuts);
  }
  return ok({ records, cuts });
}

/**
 * GETs `url` with the connector's Authorization header and `accept`, the body decoded with
 * `decode`. A 401 to a cached token (revoked, or the server's clock differs) fetches a fresh
 * token and tries once more. Any status comes back as a response; the caller reads it.
 */
export async function authorizedGet<T>(run: LookupRun, name: string, url: string, accept: string, decode: BodyDecoder<T>): Promise<Result<HttpResponseOf<T>, AdapterFailure>> {
  let auth = await authorize(run.settings.auth, run.tokens, { signal: run.signal, env: run.env });
  for (let attempt = 1; ; attempt += 1) {
    if (!auth.ok) return auth;
    const headers: Record<string, string> = { accept };
    if (auth.value.header !== undefined) headers.authorization = auth.value.header;
    const result = await exchangeWith({ name, method: 'GET', url, headers, signal: run.signal, maxBytes: run.settings.maxResponseBytes }, run.env, decode);
    if (!result.ok) return err(result.error.failure);
    if (result.value.status === 401 && auth.value.fromCache && attempt === 1) {
      forgetToken(run.settings.auth, run.tokens);
      auth = await authorize(run.settings.auth, run.tokens, { signal: run.signal, env: run.env, forceRefresh: true });
      continue;
    }
    return result;
  }
}
