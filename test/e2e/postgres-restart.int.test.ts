/**
 * A PostgreSQL restart under load, with the real processes (docs/decisions.md, "Surviving a
 * PostgreSQL restart"): a gateway and two BullMQ workers (`node src/main.ts`, MASH_ROLE gateway /
 * worker) on a real PostgreSQL and Redis, connectors pointing at the agency simulators. While
 * referrals flow in, the postmaster is killed with SIGKILL and started again on the same data
 * directory and port about 5 s later. Once, the processes died of an unhandled pg 'error' event
 * and the accepted referrals were stuck. Now:
 * - the gateway and both workers stay up (same pids) and carry on without a restart;
 * - every referral answered 202 reaches picture-ready with every lookup done — none failed
 *   merely because our own store was away;
 * - requests during the outage get 503 problem documents (STORE.UNAVAILABLE, Retry-After),
 *   never a 500 or a hang, and /readyz says not-ready.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import type { TestPostgres } from '../support/postgres.ts';
import { EXAMPLE_REFERRAL, readStatus, tokenIn } from './support.ts';
import { startDistributedStack, type DistributedStack } from './distributed.ts';

const OUTAGE_MS = 5_000;
// Any request taking longer than this counts as a hang.
const REQUEST_TIMEOUT_MS = 15_000;

// A request sent in one phase and answered in the next is on the 'boundary'.
type Phase = 'before' | 'outage' | 'after' | 'boundary';

interface Answer {
  readonly phase: Phase;
  readonly status: number | 'hung' | 'network-error';
  readonly id?: string;
  readonly problem?: { code?: string; status?: number; contentType: string | null; retryAfter: string | null };
}

let stack: DistributedStack;
let postgres: TestPostgres;
let gateway: GatewayProcess;
let workers: readonly GatewayProcess[];

beforeAll(async () => {
  stack = await startDistributedStack({
    tmpPrefix: 'mash-e2e-pg-restart-',
    workers: 2,
    // The server is killed mid-commit: acknowledged commits must survive it.
    postgres: { crashSafe: true },
    env: { LOG_LEVEL: 'warn' },
    workerEnv: { LOG_LEVEL: 'info' },
    // Slow agencies keep lookups in flight when the server dies.
    prepare: (simulators) => {
      for (const simulator of Object.values(simulators.agencies)) simulator.setFaults({ latencyMs: 150 });
    },
  });
  ({ postgres, gateway, workers } = stack);
}, 120_000);

afterAll(() => stack.stop());

async function call(url: string, init: RequestInit, phaseNow: () => Phase): Promise<Answer> {
  const sent = phaseNow();
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    return { phase: sent === phaseNow() ? sent : 'boundary', status: error instanceof Error && error.name === 'TimeoutError' ? 'hung' : 'network-error' };
  }
  const phase = sent === phaseNow() ? sent : 'boundary';
  const body = (await response.json().catch(() => ({}))) as { id?: string; code?: string; status?: number };
  if (response.status === 202 && body.id !== undefined) return { phase, status: 202, id: body.id };
  return { phase, status: response.status, problem: { code: body.code, status: body.status, contentType: response.headers.get('content-type'), retryAfter: response.headers.get('retry-after') } };
}

const alive = (process: GatewayProcess): boolean => process.child.exitCode === null && process.child.signalCode === null;

describe('PostgreSQL killed (SIGKILL) under load and restarted 5 s later', () => {
  it('keeps the gateway and the workers up, answers 503 meanwhile, and brings every accepted referral to picture-ready', async () => {
    const processes = [gateway, ...workers];
    const pids = processes.map((p) => p.child.pid);
    const intake = await tokenIn(stack.dataDir, 'referral-intake');
    const manager = await tokenIn(stack.dataDir, 'hub-manager');
    const answers: Answer[] = [];
    const readiness: Answer[] = [];
    let phase: Phase = 'before';
    let stop = false;

    // One referral every 200 ms, and a readiness probe beside it, through the whole run.
    const submitting = (async () => {
      while (!stop) {
        const posting = call(`${gateway.url}/v1/referrals`, { method: 'POST', headers: { authorization: `Bearer ${intake}`, 'content-type': 'application/json' }, body: JSON.stringify(EXAMPLE_REFERRAL) }, () => phase);
        const probing = call(`${gateway.url}/readyz`, {}, () => phase);
        const [answer, ready] = await Promise.all([posting, probing, new Promise((resolve) => setTimeout(resolve, 200))]);
        answers.push(answer);
        readiness.push(ready);
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Requests in flight when the server dies belong to the outage.
    phase = 'outage';
    await postgres.kill();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await postgres.restart();
    // Crash recovery may still refuse connections for a moment: those answers are outage answers too.
    await waitFor(async () => ((await fetch(`${gateway.url}/readyz`)).status === 200 ? true : undefined), 30_000, 'the gateway to be ready again');
    phase = 'after';
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    stop = true;
    await submitting;

    // No 500, no hang: 202 or a 503 problem document, and nothing else.
    expect(answers.filter((a) => a.status !== 202 && a.status !== 503)).toEqual([]);
    const unavailable = answers.filter((a) => a.status === 503);
    expect(unavailable.length, 'requests during the outage').toBeGreaterThan(0);
    for (const answer of unavailable) {
      expect(answer.problem).toEqual({ code: 'STORE.UNAVAILABLE', status: 503, contentType: 'application/problem+json', retryAfter: expect.stringMatching(/^\d+$/) as unknown });
    }
    expect(answers.filter((a) => a.phase === 'before' && a.status === 503)).toEqual([]);
    expect(answers.filter((a) => a.phase === 'after' && a.status !== 202)).toEqual([]);
    expect(readiness.some((r) => r.phase === 'outage' && r.status === 503)).toBe(true);
    expect(readiness.filter((r) => r.status === 'hung')).toEqual([]);

    const accepted = answers.flatMap((a) => (a.id === undefined ? [] : [a.id]));
    expect(answers.filter((a) => a.phase === 'before' && a.id !== undefined).length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.phase === 'after' && a.id !== undefined).length).toBeGreaterThan(0);
    for (const id of accepted) {
      const view = await waitFor(async () => {
        const status = await readStatus(gateway.url, manager, id);
        return status.status === 'picture-ready' ? status : undefined;
      }, 120_000, `referral ${id} to reach picture-ready`);
      // No lookup failed because our own store was away: each answered (fully, or cut by the agency's
      // or the connector's own limit, which says so) or was not permitted.
      expect(view.lookups.filter((l) => !['done', 'partial', 'not-permitted'].includes(l.status) || (l.status === 'partial' && !(l.reason ?? '').startsWith('ANSWER.'))), `lookups of ${id}`).toEqual([]);
    }

    expect(processes.map((p) => p.child.pid)).toEqual(pids);
    for (const process of processes) expect(alive(process), process.output().slice(-2_000)).toBe(true);
    for (const process of processes) expect(process.output()).not.toMatch(/Unhandled 'error' event|uncaughtException/);
  }, 240_000);
});
