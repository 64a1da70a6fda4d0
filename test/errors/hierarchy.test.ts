/**
 * One error hierarchy (CONVENTIONS.md §4): every error class the hub throws on purpose is a
 * MashError with a code of the one list, so the gateway's onError asks it for its response and
 * special-cases no class. Content destroyed under retention answers 410 for itself.
 */
import { describe, expect, it } from 'vitest';
import { AuditCopyError } from '../../src/audit/export.ts';
import { SealError } from '../../src/lib/envelope.ts';
import { ConfigError, MashError, isErrorCode } from '../../src/lib/errors.ts';
import { UnrecoverableJobError, isUnrecoverable } from '../../src/queue/runner.ts';
import { DataDirLockedError } from '../../src/store/lock.ts';
import { ClosedTransactionError, NestedRootQueryError } from '../../src/store/transaction-guard.ts';
import { ContentDestroyedError } from '../../src/store/vault.ts';

describe('the error hierarchy', () => {
  it.each([
    ['ContentDestroyedError', () => new ContentDestroyedError('ref-1', 'police'), 'CONTENT.DESTROYED', 410],
    ['NestedRootQueryError', () => new NestedRootQueryError('query'), 'STORE.ROOT_QUERY_IN_TRANSACTION', null],
    ['ClosedTransactionError', () => new ClosedTransactionError(), 'STORE.TRANSACTION_CLOSED', null],
    ['DataDirLockedError', () => new DataDirLockedError('/data', 42), 'STORE.DATA_DIR_LOCKED', null],
    ['SealError', () => new SealError('key must be 32 bytes'), 'CONTENT.SEAL_FAILED', null],
    ['AuditCopyError', () => new AuditCopyError('entries.ndjson is missing'), 'AUDIT.COPY_INVALID', null],
    ['ConfigError', () => new ConfigError('PORT', 'must be a port'), 'CONFIG.INVALID', null],
    ['UnrecoverableJobError', () => new UnrecoverableJobError('JOB.INVALID_DATA', 'job data invalid'), 'JOB.INVALID_DATA', null],
  ] as const)('%s is a MashError with a listed code', (name, make, code, status) => {
    const error = make();
    expect(error).toBeInstanceOf(MashError);
    expect(error.name).toBe(name === 'UnrecoverableJobError' ? 'UnrecoverableError' : name);
    expect(error.code).toBe(code);
    expect(isErrorCode(error.code)).toBe(true);
    expect(error.status).toBe(status);
  });

  it('answers destroyed content with its own 410, naming neither the referral nor the owner', async () => {
    const error = new ContentDestroyedError('ref-secret-1', 'police');
    expect(error).toMatchObject({ referralId: 'ref-secret-1', owner: 'police' });
    const response = error.getResponse('/v1/referrals/ref-secret-1/picture');
    expect(response.status).toBe(410);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code: 'CONTENT.DESTROYED', detail: 'this case content was destroyed under the retention policy' });
    expect(body.detail).not.toContain('police');
  });

  it('keeps an unrecoverable job error recognisable to BullMQ by its name', () => {
    expect(isUnrecoverable(new UnrecoverableJobError('JOB.INVALID_DATA', 'stop'))).toBe(true);
  });
});
