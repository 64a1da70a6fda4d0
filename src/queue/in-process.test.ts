/**
 * What only the in-process runner has to prove, beyond the shared contract
 * (test/queue/scheduler-contract.int.test.ts): `autorun: false` holds work and the schedules
 * until `run()`, `close()` waits for running jobs and leaves no retry, delay or schedule timer
 * behind, a processor may schedule more work (the second wave of household lookups), and its
 * scheduler is the only timer loop in src/.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../lib/logger.ts';
import { deferred, recordingProcessors, sleep } from '../../test/queue/harness.ts';
import { createInProcessRunner, type InProcessRunner } from './in-process.ts';

const OPTIONS = { concurrency: 2, attempts: 3, backoffMs: 20 };

describe('in-process runner', () => {
  it('holds scheduled work until run() when autorun is off', async () => {
    const recorder = recordingProcessors();
    const runner = createInProcessRunner(recorder.work, { ...OPTIONS, autorun: false }, silentLogger());

    await runner.schedule({ referralId: 'r', priority: 1, lookupIds: ['a'] });
    await sleep(20);
    expect(recorder.calls).toEqual([]);

    runner.run();
    await runner.idle();
    expect(recorder.calls.map((call) => call.id)).toEqual(['a', 'r']);
    await runner.close();
  });

  it('reports each keyed queue by state, and when its oldest waiting job was added (metrics)', async () => {
    const runner = createInProcessRunner(recordingProcessors().work, { ...OPTIONS, autorun: false }, silentLogger());
    const before = Date.now();
    await runner.schedule({ referralId: 'r', priority: 1, lookupIds: ['a', 'b'] });
    const queued = new Map((await runner.queueStats()).map((stats) => [stats.queue, stats]));
    expect([...queued.keys()]).toEqual(['lookup', 'referral', 'delivery']);
    expect(queued.get('lookup')?.counts).toEqual({ waiting: 2, active: 0, delayed: 0, 'waiting-children': 0, failed: 0 });
    expect(queued.get('lookup')?.oldestWaitingAt).toBeGreaterThanOrEqual(before);
    expect(queued.get('referral')?.counts['waiting-children']).toBe(1);
    expect(queued.get('referral')?.oldestWaitingAt).toBeUndefined();

    runner.run();
    await runner.idle();
    for (const stats of await runner.queueStats()) {
      expect(Object.values(stats.counts).every((n) => n === 0), stats.queue).toBe(true);
      expect(stats.oldestWaitingAt).toBeUndefined();
    }
    await runner.close();
  });

  it('resolves idle() at once when there is nothing to do', async () => {
    const runner = createInProcessRunner(recordingProcessors().work, OPTIONS, silentLogger());
    await expect(runner.idle()).resolves.toBeUndefined();
    await runner.close();
  });

  it('waits for running jobs on close, drops queued ones, and cancels pending retries', async () => {
    const started = deferred();
    const release = deferred();
    const recorder = recordingProcessors({
      lookup: async (id) => {
        if (id === 'slow') {
          started.resolve();
          await release.promise;
        } else {
          throw new Error('agency down');
        }
      },
    });
    const runner = createInProcessRunner(recorder.work, { concurrency: 2, attempts: 3, backoffMs: 60_000 }, silentLogger());
    const timersBefore = activeTimeouts();

    await runner.schedule({ referralId: 'r', priority: 1, lookupIds: ['slow', 'flaky'] });
    await started.promise;
    await sleep(10); // 'flaky' has failed once and waits a minute for its retry
    expect(activeTimeouts()).toBeGreaterThan(timersBefore);

    const closed = runner.close();
    let closedYet = false;
    void closed.then(() => {
      closedYet = true;
    });
    await sleep(10);
    expect(closedYet).toBe(false); // 'slow' is still running
    release.resolve();
    await closed;

    expect(recorder.callsOf('lookup', 'slow')[0]?.endedAt).toBeDefined();
    expect(recorder.callsOf('lookup', 'flaky')).toHaveLength(1);
    expect(recorder.callsOf('referral', 'r')).toEqual([]);
    expect(activeTimeouts()).toBe(timersBefore);
    await expect(runner.idle()).resolves.toBeUndefined();
    expect(() => {
      runner.run();
    }).toThrow(/closed/);
  });

  it('lets a processor schedule more work into a referral still waiting (second wave)', async () => {
    const late: { runner?: InProcessRunner } = {};
    const recorder = recordingProcessors({
      lookup: async (id) => {
        if (id === 'child') await late.runner?.schedule({ referralId: 'r', priority: 1, lookupIds: ['child', 'mother', 'father'] });
      },
    });
    const runner = createInProcessRunner(recorder.work, { ...OPTIONS, concurrency: 1 }, silentLogger());
    late.runner = runner;

    await runner.schedule({ referralId: 'r', priority: 1, lookupIds: ['child'] });
    await runner.idle();

    expect(recorder.calls.map((call) => call.id)).toEqual(['child', 'mother', 'father', 'r']);
    await runner.close();
  });

  it('rejects options that would stall or spin', () => {
    const { work, processors } = recordingProcessors();
    expect(() => createInProcessRunner(work, { ...OPTIONS, concurrency: 0 }, silentLogger())).toThrow(RangeError);
    expect(() => createInProcessRunner(work, { ...OPTIONS, attempts: 0 }, silentLogger())).toThrow(RangeError);
    expect(() => createInProcessRunner(work, { ...OPTIONS, backoffMs: -1 }, silentLogger())).toThrow(RangeError);
    expect(() => createInProcessRunner({ processors, periodic: { 'audit-seal': { everyMs: 0, run: () => Promise.resolve() } } }, OPTIONS, silentLogger())).toThrow(RangeError);
  });

  it('holds the periodic schedules until run() when autorun is off', async () => {
    const recorder = recordingProcessors({}, { 'audit-seal': { everyMs: 20 }, 'recovery-sweep': { everyMs: 60_000, atStart: true } });
    const runner = createInProcessRunner(recorder.work, { ...OPTIONS, autorun: false }, silentLogger());

    await sleep(80);
    expect(recorder.calls).toEqual([]);

    runner.run();
    await sleep(80);
    expect(recorder.callsOf('recovery-sweep', 'recovery-sweep')).toHaveLength(1);
    expect(recorder.callsOf('audit-seal', 'audit-seal').length).toBeGreaterThanOrEqual(2);
    await runner.close();
  });

  it('leaves no schedule or delay timer behind once closed', async () => {
    const timersBefore = activeTimeouts();
    const recorder = recordingProcessors({}, { 'audit-seal': { everyMs: 20 }, 'outbox-sweep': { everyMs: 30 } });
    const runner = createInProcessRunner(recorder.work, OPTIONS, silentLogger());
    await runner.deliver([{ outboxId: 'fbk_later', dueAt: new Date(0), delayMs: 60_000 }]);
    expect(activeTimeouts()).toBeGreaterThan(timersBefore);

    await runner.close();

    expect(activeTimeouts()).toBe(timersBefore);
    const runs = recorder.calls.length;
    await sleep(60);
    expect(recorder.calls).toHaveLength(runs);
    expect(recorder.callsOf('delivery', 'fbk_later')).toEqual([]);
  });
});

describe('the only timer loop in src/', () => {
  // DESIGN.md "Layout": every periodic task is a job kind; the in-process runner's scheduler is
  // the one place that keeps time for them (BullMQ's job schedulers do, distributed).
  it('is the in-process runner: no other source file calls setInterval', () => {
    const root = path.resolve(import.meta.dirname, '..');
    const sources = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
    const callers = sources.filter((file) => /\bsetInterval\s*\(/.test(readFileSync(path.join(root, file), 'utf8')));
    expect(callers).toEqual([path.join('queue', 'in-process.ts')]);
  });
});

/** Timers currently keeping the event loop alive. */
function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
