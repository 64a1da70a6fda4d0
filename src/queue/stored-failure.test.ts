/**
 * What Redis keeps of a failed attempt (stored-failure.ts): codes and reasons, never what a
 * library's message quoted; the same retry decision as the error it stands for.
 */
import { describe, expect, it } from 'vitest';
import { MashError } from '../lib/errors.ts';
import { classifyFailure } from './retry-policy.ts';
import { UnrecoverableJobError, isUnrecoverable } from './runner.ts';
import { StoredJobFailure, originalFailure } from './stored-failure.ts';

/** A driver error as pg raises one: a SQLSTATE code, and a message quoting the value it met. */
function driverError(): Error {
  return Object.assign(new Error('invalid input syntax for type date: "Robert Smith 2017-03-04"'), { code: '22007' });
}

describe('a stored job failure', () => {
  it("keeps a library error's code and name, and nothing its message said", () => {
    const original = driverError();
    const stored = new StoredJobFailure(original);
    expect(stored.message).toBe("22007: Error (the worker's log has the detail)");
    expect(stored.stack).not.toContain('Robert');
    expect(stored.stack?.split('\n')[0]).toBe(`JobFailure: ${stored.message}`);
    expect(stored.stack?.split('\n').slice(1).every((line) => /^\s+at /.test(line))).toBe(true);
    expect(stored.code).toBe('22007');
    expect(originalFailure(stored)).toBe(original);
  });

  it("keeps our own errors' code and message, which are safe to show by contract", () => {
    const stored = new StoredJobFailure(new MashError('STORE.UNAVAILABLE', 'the store is unavailable'));
    expect(stored.message).toBe('STORE.UNAVAILABLE: the store is unavailable');
  });

  it('says INTERNAL for an error without a plain code, and never prints a thrown non-error', () => {
    expect(new StoredJobFailure(new TypeError('Cannot read properties of undefined (reading "Smith")')).message).toBe("INTERNAL: TypeError (the worker's log has the detail)");
    expect(new StoredJobFailure(Object.assign(new Error('x'), { code: 'has space: Smith' })).message).toBe("INTERNAL: Error (the worker's log has the detail)");
    expect(new StoredJobFailure('9994732153').message).toBe("INTERNAL: non-error value thrown (the worker's log has the detail)");
  });

  it('is retried, or not, as the error it stands for', () => {
    const cases: unknown[] = [driverError(), new UnrecoverableJobError('JOB.INVALID_DATA', 'job data invalid: (root): unrecognized_keys'), new MashError('REFERRAL.NOT_FOUND', 'no referral r-1')];
    for (const original of cases) {
      const stored = new StoredJobFailure(original);
      expect(classifyFailure(stored), String(original)).toBe(classifyFailure(original));
      expect(isUnrecoverable(stored)).toBe(classifyFailure(original) === 'give-up');
    }
  });

  it('leaves an error a worker did not wrap as it is', () => {
    const error = new Error('plain');
    expect(originalFailure(error)).toBe(error);
  });
});
