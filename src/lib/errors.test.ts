/**
 * The one code list and the error that answers for itself: every HTTP code has its status,
 * a MashError builds its own RFC 9457 response (with the 401 challenge and the 503 Retry-After),
 * and an error whose code never reaches HTTP is answered as INTERNAL, saying nothing of itself.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, ERROR_CODES, ERROR_STATUS, INTERNAL_DETAIL, MashError, isErrorCode } from './errors.ts';

async function problemOf(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as Record<string, unknown>;
}

describe('the code list', () => {
  it('gives every code that reaches HTTP its status, and only those', () => {
    const http = Object.entries(ERROR_CODES).filter(([, status]) => status !== null);
    expect(ERROR_STATUS).toEqual(Object.fromEntries(http));
    expect(ERROR_STATUS['CONTENT.DESTROYED']).toBe(410);
    expect(Object.keys(ERROR_STATUS)).not.toContain('ADAPTER.TIMEOUT');
    expect(Object.keys(ERROR_STATUS)).not.toContain('HOST.REFUSED');
  });

  it('writes every code as AREA.NAME in capitals', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(code).toMatch(/^(INTERNAL|[A-Z]+\.[A-Z_]+)$/);
  });

  it('knows its own codes and no others', () => {
    expect(isErrorCode('STORE.UNAVAILABLE')).toBe(true);
    expect(isErrorCode('JOB.EXHAUSTED')).toBe(true);
    expect(isErrorCode('STORE.NOPE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
  });
});

describe('MashError.getResponse', () => {
  it('is the problem document of its code, status and message, with its instance and invalid params', async () => {
    const error = new MashError('REQUEST.INVALID', 'json.name: Required', { invalidParams: [{ name: 'json.name', reason: 'Required' }] });
    const response = error.getResponse('/v1/referrals');
    expect(response.status).toBe(400);
    expect(await problemOf(response)).toEqual({
      type: 'urn:mash:problem:request.invalid',
      title: 'REQUEST.INVALID',
      status: 400,
      detail: 'json.name: Required',
      code: 'REQUEST.INVALID',
      instance: '/v1/referrals',
      invalidParams: [{ name: 'json.name', reason: 'Required' }],
    });
  });

  it('challenges a 401 as RFC 6750 §3 says: invalid_request without a token, invalid_token with a bad one', () => {
    expect(new MashError('AUTH.MISSING_TOKEN', 'no token').getResponse().headers.get('www-authenticate')).toBe('Bearer realm="mash", error="invalid_request"');
    expect(new MashError('AUTH.INVALID_TOKEN', 'expired').getResponse().headers.get('www-authenticate')).toBe('Bearer realm="mash", error="invalid_token"');
  });

  it('says when to try again on a 503 (RFC 9110 §10.2.3)', () => {
    const response = new MashError('STORE.UNAVAILABLE', 'the store is unavailable; try again shortly').getResponse();
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
  });

  it('answers a code that never reaches HTTP as INTERNAL, without its message', async () => {
    const response = new MashError('STORE.ROOT_QUERY_IN_TRANSACTION', 'SELECT on the root store handle inside an open transaction').getResponse('/v1/x');
    expect(response.status).toBe(500);
    const body = await problemOf(response);
    expect(body).toMatchObject({ code: 'INTERNAL', status: 500, detail: INTERNAL_DETAIL, instance: '/v1/x' });
    expect(JSON.stringify(body)).not.toContain('SELECT');
  });

  it('keeps a configuration error a MashError with its variable', () => {
    const error = new ConfigError('PORT', 'must be a port number');
    expect(error).toBeInstanceOf(MashError);
    expect(error).toMatchObject({ code: 'CONFIG.INVALID', variable: 'PORT', message: 'PORT: must be a port number', name: 'ConfigError', status: null });
  });
});
