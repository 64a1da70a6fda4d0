import { describe, expect, it } from 'vitest';
import { changedPaths } from './connector-diff.ts';

describe('changedPaths', () => {
  const base = { id: 'police-x', baseUrl: 'http://127.0.0.1:1/soap', auth: { kind: 'basic', username: 'svc', password: { sealed: true } }, retry: { attempts: 4, backoffMs: 500 }, autoReveal: ['open'] };

  it('names no path when nothing changed', () => {
    expect(changedPaths(base, structuredClone(base))).toEqual([]);
  });

  it('names each changed leaf by its dotted path, sorted, and never its value', () => {
    const after = { ...base, baseUrl: 'http://127.0.0.1:2/soap', retry: { attempts: 2, backoffMs: 500 }, auth: { ...base.auth, username: 'svc2' } };
    const paths = changedPaths(base, after);
    expect(paths).toEqual(['auth.username', 'baseUrl', 'retry.attempts']);
    expect(JSON.stringify(paths)).not.toContain('127.0.0.1');
  });

  it('treats an array as one value, and a key on one side only as a change', () => {
    expect(changedPaths(base, { ...base, autoReveal: ['open', 'sensitive'] })).toEqual(['autoReveal']);
    expect(changedPaths(base, { ...base, rateLimit: { requestsPerSecond: 5, toleranceMs: 150 } })).toEqual(['rateLimit.requestsPerSecond', 'rateLimit.toleranceMs']);
    const { retry: _dropped, ...without } = base;
    expect(changedPaths(base, without)).toEqual(['retry.attempts', 'retry.backoffMs']);
  });

  it('names every leaf of a new connector', () => {
    expect(changedPaths(undefined, { id: 'a', auth: { kind: 'none' } })).toEqual(['auth.kind', 'id']);
  });

  it('names an auth kind change and the fields that came and went with it', () => {
    expect(changedPaths(base, { ...base, auth: { kind: 'bearer', token: { sealed: true } } })).toEqual(['auth.kind', 'auth.password', 'auth.token', 'auth.username']);
  });
});
