/** Which failures are "the store is unavailable" (503, job waits) and which are faults of the statement. */
import { describe, expect, it } from 'vitest';
import { MashError } from '../lib/errors.ts';
import { isConnectionFault, isStoreUnavailable, storeUnavailable } from './unavailable.ts';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

describe('isConnectionFault', () => {
  it('recognises a server down, restarting or gone, and a connection lost', () => {
    for (const error of [
      withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
      withCode('read ECONNRESET', 'ECONNRESET'),
      withCode('terminating connection due to unexpected postmaster exit', '57P01'),
      withCode('terminating connection because of crash of another server process', '57P02'),
      withCode('the database system is starting up', '57P03'),
      withCode('the database system is in recovery mode', '57P03'),
      withCode('connection failure', '08006'),
      withCode('sorry, too many clients already', '53300'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
    ]) {
      expect(isConnectionFault(error), error.message).toBe(true);
    }
  });

  it('leaves statement errors and everything else alone', () => {
    for (const error of [
      withCode('relation "x" does not exist', '42P01'),
      withCode('duplicate key value violates unique constraint', '23505'),
      withCode('canceling statement due to statement timeout', '57014'),
      withCode('Connection terminated', '23505'),
      new Error('something else'),
      'Connection terminated',
      undefined,
    ]) {
      expect(isConnectionFault(error)).toBe(false);
    }
  });
});

describe('isStoreUnavailable', () => {
  it('finds STORE.UNAVAILABLE on the error or one it wraps, and nothing else', () => {
    const unavailable = storeUnavailable(new Error('Connection terminated unexpectedly'));
    expect(unavailable.status).toBe(503);
    expect(isStoreUnavailable(unavailable)).toBe(true);
    expect(isStoreUnavailable(new Error('wrapped', { cause: unavailable }))).toBe(true);
    expect(isStoreUnavailable(new MashError('QUEUE.UNAVAILABLE', 'redis down'))).toBe(false);
    expect(isStoreUnavailable(new Error('Connection terminated unexpectedly'))).toBe(false);
  });
});
