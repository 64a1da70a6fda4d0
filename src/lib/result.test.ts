/** The one Result: which side a value is on, and the two small helpers that turn one side. */
import { describe, expect, it } from 'vitest';
import { err, mapError, mapResult, ok, type Result } from './result.ts';

const half = (n: number): Result<number, { kind: 'odd'; n: number }> => (n % 2 === 0 ? ok(n / 2) : err({ kind: 'odd', n }));

describe('Result', () => {
  it('holds a value or an error, and says which', () => {
    expect(half(4)).toEqual({ ok: true, value: 2 });
    expect(half(3)).toEqual({ ok: false, error: { kind: 'odd', n: 3 } });
  });

  it('maps the value side and passes a failure unchanged', () => {
    expect(mapResult(half(4), (v) => `${v}`)).toEqual(ok('2'));
    const failed = half(3);
    expect(mapResult(failed, (v) => v * 10)).toBe(failed);
  });

  it('maps the error side and passes a value unchanged', () => {
    expect(mapError(half(3), (e) => e.kind)).toEqual(err('odd'));
    const value = half(8);
    expect(mapError(value, (e) => e.kind)).toBe(value);
  });
});
