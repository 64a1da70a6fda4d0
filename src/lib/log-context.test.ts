/**
 * The log context (log-context.ts) and the logger's mixin that reads it (logger.ts): a request or a
 * job starts a fresh context, ids learned later join it, only id-shaped values are kept, and every
 * line logged within carries them (a field the call names itself wins).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { addToLogContext, currentLogContext, isLogId, runInLogContext } from './log-context.ts';
import { createLogger } from './logger.ts';

function capturingLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level: 'info', destination });
  return { logger, lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('log context', () => {
  it('is empty outside any context, and adding to it there does nothing', () => {
    addToLogContext({ referralId: 'r-1' });
    expect(currentLogContext()).toEqual({});
  });

  it('follows the work across awaits, with ids added later', async () => {
    await runInLogContext({ requestId: 'req-1' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      addToLogContext({ referralId: 'ref-1' });
      await Promise.resolve();
      expect(currentLogContext()).toEqual({ requestId: 'req-1', referralId: 'ref-1' });
    });
  });

  it('starts fresh: a job run from inside a request carries none of the request unless given', async () => {
    await runInLogContext({ requestId: 'req-1', referralId: 'ref-1' }, async () => {
      await runInLogContext({ jobId: 'lookup-1', jobKind: 'lookup' }, async () => {
        await Promise.resolve();
        expect(currentLogContext()).toEqual({ jobId: 'lookup-1', jobKind: 'lookup' });
      });
      expect(currentLogContext()).toEqual({ requestId: 'req-1', referralId: 'ref-1' });
    });
  });

  it('keeps two concurrent requests apart', async () => {
    const seen = await Promise.all(
      ['a', 'b'].map((id) =>
        runInLogContext({ requestId: `req-${id}` }, async () => {
          await new Promise((resolve) => setTimeout(resolve, id === 'a' ? 5 : 1));
          addToLogContext({ referralId: `ref-${id}` });
          await new Promise((resolve) => setTimeout(resolve, 1));
          return currentLogContext();
        }),
      ),
    );
    expect(seen).toEqual([{ requestId: 'req-a', referralId: 'ref-a' }, { requestId: 'req-b', referralId: 'ref-b' }]);
  });

  it('keeps only id-shaped values: nothing a caller sent can fill a line', () => {
    expect(isLogId('3f0c9a3e-0000-4000-8000-000000000001')).toBe(true);
    expect(isLogId('lookup-lkp_1d23')).toBe(true);
    for (const value of ['Robert Smith', 'WF13 2QP', 'a\nb', '', 'x'.repeat(201), 7]) expect(isLogId(value), String(value)).toBe(false);
    runInLogContext({ requestId: 'Robert Smith', referralId: 'ref-1' }, () => {
      addToLogContext({ jobId: '{"level":50}' });
      expect(currentLogContext()).toEqual({ referralId: 'ref-1' });
    });
  });
});

describe('the logger', () => {
  it("puts the context's ids on every line, a field the call names winning", async () => {
    const { logger, lines } = capturingLogger();
    logger.info('outside');
    await runInLogContext({ requestId: 'req-1' }, async () => {
      addToLogContext({ referralId: 'ref-1' });
      await Promise.resolve();
      logger.child({ component: 'case' }).info({ lookupId: 'lkp-1' }, 'inside');
      logger.info({ referralId: 'ref-2' }, 'named');
    });
    const [outside, inside, named] = lines();
    expect(outside).not.toHaveProperty('requestId');
    expect(inside).toMatchObject({ requestId: 'req-1', referralId: 'ref-1', component: 'case', lookupId: 'lkp-1', msg: 'inside' });
    expect(named).toMatchObject({ requestId: 'req-1', referralId: 'ref-2' });
  });
});
