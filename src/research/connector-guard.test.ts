import { describe, expect, it } from 'vitest';
import type { AdapterFailure } from '../adapters/port.ts';
import { systemClock } from '../lib/clock.ts';
import { silentLogger } from '../lib/logger.ts';
import { Connector } from '../model/connector.ts';
import { createConnectorGuards, type BreakerChange } from './connector-guard.ts';
import { eventLoopLag, memoryRateWindow, takeTurn, windowFor } from './rate-limit.ts';
import type { KitOutcome } from './registry.ts';

const connector = (overrides: Record<string, unknown> = {}): Connector =>
  Connector.parse({ id: 'health-test', agency: 'health', type: 'fhir-r4', sourceSystem: 'Test', baseUrl: 'http://127.0.0.1:9/', retry: { attempts: 4, backoffMs: 20, maxDelayMs: 5_000 }, ...overrides });

const found: KitOutcome = { kind: 'found', facts: [], cuts: [], orchestrations: [] };
const failed = (failure: Partial<AdapterFailure> & Pick<AdapterFailure, 'kind' | 'code'>): KitOutcome => ({ kind: 'failed', failure: { reason: 'x', ...failure }, orchestrations: [] });
const unavailable = failed({ kind: 'http-error', code: 'ADAPTER.HTTP_ERROR', transient: {} });
const badRequest = failed({ kind: 'http-error', code: 'ADAPTER.HTTP_ERROR' });
const timedOut = failed({ kind: 'timeout', code: 'ADAPTER.TIMEOUT' });

const inAnHour = (): Date => new Date(Date.now() + 3_600_000);

/** An agency that answers from a script, one answer per attempt, and counts the attempts. */
function scripted(answers: readonly KitOutcome[]): { attempt: () => Promise<KitOutcome>; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    attempt: () => {
      calls.push(performance.now());
      return Promise.resolve(answers[Math.min(calls.length - 1, answers.length - 1)] ?? found);
    },
  };
}

const guards = (onBreakerChange?: (change: BreakerChange) => void) => createConnectorGuards({ rateWindow: memoryRateWindow(), clock: systemClock, logger: silentLogger(), onBreakerChange });

describe('retries', () => {
  it('retries a transient failure and counts each retry before it is sent: 503 twice then an answer is 3 attempts', async () => {
    const agency = scripted([unavailable, unavailable, found]);
    const counted: number[] = [];
    const run = await guards().run({ connector: connector(), dueAt: inAnHour(), beforeRetry: (n) => Promise.resolve(void counted.push(n)) }, agency.attempt);
    expect(run.outcome.kind).toBe('found');
    expect(run.attempts).toBe(3);
    expect(counted).toEqual([2, 3]);
  });

  it('never retries a failure the same request would meet again (400, a refused credential, a malformed answer, a deadline)', async () => {
    for (const answer of [badRequest, failed({ kind: 'auth-failed', code: 'ADAPTER.AUTH_FAILED' }), failed({ kind: 'malformed-response', code: 'ADAPTER.MALFORMED_RESPONSE' }), timedOut]) {
      const agency = scripted([answer, found]);
      const run = await guards().run({ connector: connector(), dueAt: inAnHour(), beforeRetry: () => Promise.resolve() }, agency.attempt);
      expect(run.attempts).toBe(1);
      expect(run.outcome.kind).toBe('failed');
    }
  });

  it("waits at least the agency's Retry-After before the next attempt", async () => {
    const agency = scripted([failed({ kind: 'http-error', code: 'ADAPTER.HTTP_ERROR', transient: { retryAfterMs: 400 } }), found]);
    const run = await guards().run({ connector: connector(), dueAt: inAnHour(), beforeRetry: () => Promise.resolve() }, agency.attempt);
    expect(run.outcome.kind).toBe('found');
    expect(agency.calls[1]! - agency.calls[0]!).toBeGreaterThanOrEqual(399);
  });

  it('stops at the attempts declared, and says how many were made', async () => {
    const agency = scripted([unavailable]);
    const run = await guards().run({ connector: connector({ retry: { attempts: 3, backoffMs: 1 } }), dueAt: inAnHour(), beforeRetry: () => Promise.resolve() }, agency.attempt);
    expect(agency.calls).toHaveLength(3);
    expect(run.outcome.kind === 'failed' && run.outcome.failure.reason).toBe('x (after 3 attempts)');
  });

  it("does not retry past the referral's SLA due time, nor wait longer than maxDelayMs for a Retry-After", async () => {
    const overdue = scripted([unavailable, found]);
    expect((await guards().run({ connector: connector(), dueAt: new Date(Date.now() - 1), beforeRetry: () => Promise.resolve() }, overdue.attempt)).attempts).toBe(1);
    const askingAnHour = scripted([failed({ kind: 'http-error', code: 'ADAPTER.HTTP_ERROR', transient: { retryAfterMs: 3_600_000 } }), found]);
    expect((await guards().run({ connector: connector(), dueAt: inAnHour(), beforeRetry: () => Promise.resolve() }, askingAnHour.attempt)).attempts).toBe(1);
  });
});

describe('the circuit breaker', () => {
  it('opens after consecutive failures, refuses without calling, and closes after one success once half-open', async () => {
    const changes: BreakerChange[] = [];
    const guard = guards((change) => changes.push(change));
    const settings = connector({ retry: { attempts: 1 }, breaker: { consecutiveFailures: 2, halfOpenAfterMs: 150 } });
    const down = scripted([timedOut]);
    for (let i = 0; i < 2; i += 1) await guard.run({ connector: settings, dueAt: inAnHour(), beforeRetry: () => Promise.resolve() }, down.attempt);
    expect(guard.breakerState(settings.id)).toBe('open');
    const refused = await guard.run({ connector: settings, dueAt: inAnHour(), beforeRetry: () => Promise.resolve() }, down.attempt);
    expect(down.calls).toHaveLength(2);
    expect(refused.outcome.kind === 'failed' && refused.outcome.failure).toMatchObject({ code: 'ADAPTER.CIRCUIT_OPEN', transient: {} });
    expect(changes.map((c) => c.state)).toEqual(['open']);
    expect(changes[0]?.reason).toBe('ADAPTER.TIMEOUT: x');

    await new Promise((resolve) => setTimeout(resolve, 200));
    const back = scripted([found]);
    expect((await guard.run({ connector: settings, dueAt: inAnHour(), beforeRetry: () => Promise.resolve() }, back.attempt)).outcome.kind).toBe('found');
    expect(guard.breakerState(settings.id)).toBe('closed');
    expect(changes.map((c) => c.state)).toEqual(['open', 'half-open', 'closed']);
  });

  it('is not opened by failures that say nothing about the agency being down (a 400)', async () => {
    const guard = guards();
    const settings = connector({ retry: { attempts: 1 }, breaker: { consecutiveFailures: 1 } });
    await guard.run({ connector: settings, dueAt: inAnHour(), beforeRetry: () => Promise.resolve() }, scripted([badRequest]).attempt);
    expect(guard.breakerState(settings.id)).toBe('closed');
  });
});

describe('concurrency and rate', () => {
  it('runs at most `concurrency` attempts of one connector at once; the rest queue', async () => {
    const guard = guards();
    const settings = connector({ concurrency: 2 });
    let inFlight = 0;
    let most = 0;
    const slow = async (): Promise<KitOutcome> => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 30));
      inFlight -= 1;
      return found;
    };
    await Promise.all(Array.from({ length: 6 }, () => guard.run({ connector: settings, dueAt: inAnHour(), beforeRetry: () => Promise.resolve() }, slow)));
    expect(most).toBe(2);
  });

  it('lets no second hold more than the rate, counting each request when it is sent', async () => {
    const window = memoryRateWindow();
    const sent: number[] = [];
    const signal = new AbortController().signal;
    await Promise.all(
      Array.from({ length: 25 }, async () => {
        await takeTurn(window, 'police-test', { requestsPerSecond: 10, toleranceMs: 50 }, signal);
        sent.push(performance.now());
      }),
    );
    sent.sort((a, b) => a - b);
    for (let i = 10; i < sent.length; i += 1) expect(sent[i]! - sent[i - 10]!).toBeGreaterThanOrEqual(1_000);
    // The rate is used, not just respected: 25 requests at 10/s take a little over two windows.
    expect(sent.at(-1)! - sent[0]!).toBeLessThan(2_600);
  });

  it('turns a fractional rate into whole requests per window', () => {
    expect(windowFor(0.5)).toEqual({ limit: 1, windowMs: 2_150 });
    expect(windowFor(5, 100)).toEqual({ limit: 5, windowMs: 1_100 });
  });

  it('logs a send let go while the event loop runs late at the time it may reach the agency', async () => {
    let now = 0;
    const window = memoryRateWindow(() => now);
    // Let go at 0 by a process whose event loop ran 300 ms late: it may arrive at 300.
    expect(await window.tryAcquire('k', 1, 1_000, 300)).toBe(0);
    now = 1_000;
    // A full window after 0 is not a full window after its arrival: the next waits until 1,300.
    expect(await window.tryAcquire('k', 1, 1_000, 0)).toBe(300);
    now = 1_300;
    expect(await window.tryAcquire('k', 1, 1_000, 0)).toBe(0);
  });

  it('measures this process\'s event-loop delay for the log', async () => {
    const lag = eventLoopLag();
    // The monitor samples from its first tick on, as it does in a long-running worker.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const blockUntil = performance.now() + 120;
    // Busy work that holds the loop, as a worker parsing an agency's answer does.
    await new Promise<void>((resolve) => {
      setTimeout(() => {
        while (performance.now() < blockUntil) {
          // spin
        }
        resolve();
      }, 0);
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(lag()).toBeGreaterThanOrEqual(60);
  });

  it('gives up its turn when the lookup deadline fires first', async () => {
    const window = memoryRateWindow();
    const signal = new AbortController().signal;
    await takeTurn(window, 'k', { requestsPerSecond: 1 }, signal);
    await expect(takeTurn(window, 'k', { requestsPerSecond: 1 }, AbortSignal.timeout(50))).rejects.toThrow();
  });
});
