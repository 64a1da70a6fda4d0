/**
 * What only the in-process runner has to prove, beyond the shared contract: `autorun: false`
 * holds work until `run()`, `close()` waits for running jobs and leaves no retry timer behind,
 * and a processor may schedule more work (the second wave of household lookups).
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/lib/logger.ts';
import { createInProcessRunner, type InProcessRunner } from '../../src/queue/in-process.ts';
import { deferred, recordingProcessors, sleep } from './harness.ts';

const OPTIONS = { concurrency: 2, attempts: 3, backoffMs: 20 };

describe('in-process runner', () => {
  it('holds scheduled work until run() when autorun is off', async () => {
    const recorder = recordingProcessors();
    const runner = createInProcessRunner(recorder.processors, { ...OPTIONS, autorun: false }, silentLogger());

    await runner.schedule({ referralId: 'r', priority: 1, lookupIds: ['a'] });
    await sleep(20);
    expect(recorder.calls).toEqual([]);

    runner.run();
    await runner.idle();
    expect(recorder.calls.map((call) => call.id)).toEqual(['a', 'r']);
    await runner.close();
  });

  it('resolves idle() at once when there is nothing to do', async () => {
    const runner = createInProcessRunner(recordingProcessors().processors, OPTIONS, silentLogger());
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
    const runner = createInProcessRunner(recorder.processors, { concurrency: 2, attempts: 3, backoffMs: 60_000 }, silentLogger());
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
    const runner = createInProcessRunner(recorder.processors, { ...OPTIONS, concurrency: 1 }, silentLogger());
    late.runner = runner;

    await runner.schedule({ referralId: 'r', priority: 1, lookupIds: ['child'] });
    await runner.idle();

    expect(recorder.calls.map((call) => call.id)).toEqual(['child', 'mother', 'father', 'r']);
    await runner.close();
  });

  it('rejects options that would stall or spin', () => {
    const processors = recordingProcessors().processors;
    expect(() => createInProcessRunner(processors, { ...OPTIONS, concurrency: 0 }, silentLogger())).toThrow(RangeError);
    expect(() => createInProcessRunner(processors, { ...OPTIONS, attempts: 0 }, silentLogger())).toThrow(RangeError);
    expect(() => createInProcessRunner(processors, { ...OPTIONS, backoffMs: -1 }, silentLogger())).toThrow(RangeError);
  });
});

/** Timers currently keeping the event loop alive. */
function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}
