/**
 * Research follows the referral, not the wave (DESIGN.md rule 4, risk-led timing; docs/decisions.md
 * "Priority follows the referral"): the three orderings both deployments are held to, with the
 * queue backed up. The embedded and the distributed deployment run them in a file each
 * (research-order-embedded / -distributed), so the two run side by side (docs/decisions.md, "Test time").
 *
 * Order is read from the store, through the status view: a lookup that *started* while the
 * referral under test was being researched, and belongs to another referral, jumped ahead of it.
 */
import { expect, it } from 'vitest';
import { waitFor } from '../support/gateway-process.ts';
import { EXAMPLE_REFERRAL } from './support.ts';

interface LookupTimes {
  readonly id: string;
  readonly wave: number;
  readonly status: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}
interface Status {
  readonly status: string;
  readonly pictureReadyAt: string | null;
  readonly lookups: LookupTimes[];
}

/** Lookups of other referrals that may start while one is researched: the one already running, and those picked between its waves (while its next wave is planned). */
const MOST_INTERLOPERS = 4;
/** Every agency answers every request after this long (the simulators' traffic profile). */
export const LATENCY = { medianMs: 300, p99Ms: 300 };

/** A gateway under test: where it answers and the tokens to ask it with. */
export interface Target {
  readonly url: string;
  readonly intake: string;
  readonly manager: string;
}

const submitted: string[] = [];

/** Forgets the referrals submitted so far, once the gateway they went to is gone. */
export function forgetSubmitted(): void {
  submitted.length = 0;
}

async function submit(target: Target, rag: 'red' | 'green', reference: string): Promise<string> {
  const response = await fetch(`${target.url}/v1/referrals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.intake}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...(EXAMPLE_REFERRAL as Record<string, unknown>), rag, externalReference: reference }),
  });
  expect(response.status).toBe(202);
  const { id } = (await response.json()) as { id: string };
  submitted.push(id);
  return id;
}

/** Submits `count` green referrals, eight at a time. */
async function submitGreens(target: Target, count: number, prefix: string): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < count) {
        next += 1;
        await submit(target, 'green', `${prefix}-${next}`);
      }
    }),
  );
}

async function status(target: Target, id: string): Promise<Status> {
  const response = await fetch(`${target.url}/v1/referrals/${id}`, { headers: { authorization: `Bearer ${target.manager}` } });
  expect(response.status).toBe(200);
  return (await response.json()) as Status;
}

function pictureReady(target: Target, id: string): Promise<Status> {
  return waitFor(async () => {
    const view = await status(target, id);
    return view.status === 'picture-ready' ? view : undefined;
  }, 90_000, `referral ${id} to be researched`);
}

/** Lookups of every other referral submitted so far that started inside (from, to). */
async function startedBetween(target: Target, except: string, from: number, to: number): Promise<number> {
  const others = submitted.filter((id) => id !== except);
  let count = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < others.length) {
        const id = others[next];
        next += 1;
        if (id === undefined) continue;
        for (const lookup of (await status(target, id)).lookups) {
          const started = lookup.startedAt === null ? undefined : Date.parse(lookup.startedAt);
          if (started !== undefined && started > from && started < to) count += 1;
        }
      }
    }),
  );
  return count;
}

const lastFinished = (lookups: readonly LookupTimes[]): number => Math.max(...lookups.map((l) => (l.finishedAt === null ? Number.NaN : Date.parse(l.finishedAt))));

/** The three orderings, against one gateway whose queue backs up. */
export function orderingSuite(target: () => Target): void {
  it("runs a referral's second wave before the first waves of referrals received after it", async () => {
    const t = target();
    const first = await submit(t, 'green', 'ORDER-FIRST');
    // Forty later referrals of the same rating queue 200 first-wave lookups behind its first wave.
    await submitGreens(t, 40, 'ORDER-LATER');
    const done = await pictureReady(t, first);
    const secondWave = done.lookups.filter((l) => l.wave === 2);
    expect(secondWave.length).toBeGreaterThan(0);
    const firstWaveEnd = lastFinished(done.lookups.filter((l) => l.wave === 1));
    // Between its first wave's end and its second wave's end, hardly anything else ran.
    expect(await startedBetween(t, first, firstWaveEnd, lastFinished(secondWave))).toBeLessThanOrEqual(MOST_INTERLOPERS);
  }, 180_000);

  it('moves the pending lookups of a referral changed from green to red ahead of the queue', async () => {
    const t = target();
    await submitGreens(t, 40, 'RERATE-AHEAD');
    const rerated = await submit(t, 'green', 'RERATE');
    const changedAt = Date.now();
    const decided = await fetch(`${t.url}/v1/referrals/${rerated}/decision`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.manager}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic: a second concern raised the risk.' }),
    });
    expect(decided.status).toBe(200);
    const done = await pictureReady(t, rerated);
    expect(done.lookups.every((l) => l.startedAt !== null && Date.parse(l.startedAt) >= changedAt - 1_000)).toBe(true);
    expect(await startedBetween(t, rerated, changedAt, lastFinished(done.lookups))).toBeLessThanOrEqual(MOST_INTERLOPERS);
  }, 180_000);

  it('finishes the lookups of a red referral submitted behind 500 queued green ones first', async () => {
    const t = target();
    await submitGreens(t, 500, 'BACKLOG');
    const red = await submit(t, 'red', 'RED-BEHIND');
    const submittedAt = Date.now();
    const done = await pictureReady(t, red);
    expect(await startedBetween(t, red, submittedAt, lastFinished(done.lookups))).toBeLessThanOrEqual(MOST_INTERLOPERS);
  }, 300_000);
}
