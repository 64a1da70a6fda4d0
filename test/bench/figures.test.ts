import { describe, expect, it } from 'vitest';
import { agencyTimeMs, cpuSecondsOfStat, criticalPathMs, figureLine, parentPidOfStat, quantile } from '../../bench/support/figures.ts';

const call = (startedAt: string, durationMs: number): { startedAt: string; durationMs: number } => ({ startedAt, durationMs });

describe('the orchestration benchmark arithmetic', () => {
  it('takes nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(values, 0.5)).toBe(50);
    expect(quantile(values, 0.95)).toBe(95);
    expect(quantile(values, 0.99)).toBe(99);
    expect(quantile(values, 1)).toBe(100);
    expect(quantile([7], 0.99)).toBe(7);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("counts a lookup's agency time as the union of its calls: in sequence they add, at once they overlap", () => {
    expect(agencyTimeMs({ orchestrations: [call('2026-01-01T00:00:00.000Z', 300), call('2026-01-01T00:00:00.400Z', 200)] })).toBe(500);
    expect(agencyTimeMs({ orchestrations: [call('2026-01-01T00:00:00.000Z', 300), call('2026-01-01T00:00:00.100Z', 300)] })).toBe(400);
    expect(agencyTimeMs({ orchestrations: [call('2026-01-01T00:00:00.100Z', 100), call('2026-01-01T00:00:00.000Z', 500)] })).toBe(500);
    expect(agencyTimeMs({ orchestrations: [] })).toBe(0);
  });

  it('adds the slowest lookup of each wave into the critical path', () => {
    const lookups = [
      { wave: 1, orchestrations: [call('2026-01-01T00:00:00.000Z', 300)] },
      { wave: 1, orchestrations: [call('2026-01-01T00:00:00.000Z', 900)] },
      { wave: 2, orchestrations: [call('2026-01-01T00:00:01.000Z', 200)] },
      { wave: 2, orchestrations: [call('2026-01-01T00:00:01.000Z', 100), call('2026-01-01T00:00:01.150Z', 100)] },
    ];
    expect(criticalPathMs(lookups)).toBe(900 + 200);
  });

  it('reads CPU seconds and the parent from /proc/<pid>/stat, past a name holding spaces and parentheses', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
    const stat = '4242 (postgres: a (b) c) S 17 4242 4242 0 -1 4194560 100 0 0 0 250 50 700 300 20 0 1 0 12345';
    expect(cpuSecondsOfStat(stat, 100)).toBe(3);
    expect(cpuSecondsOfStat(stat, 100, true)).toBe(13);
    expect(parentPidOfStat(stat)).toBe(17);
  });

  it('prints one JSON line per figure with its target and whether it was met', () => {
    expect(JSON.parse(figureLine('orchestration', 'p95', 1.234_56, 'ratio', { op: '<=', value: 1.1 }).line)).toEqual({
      bench: 'orchestration',
      figure: 'p95',
      value: 1.235,
      unit: 'ratio',
      target: '<= 1.1',
      met: false,
    });
    expect(figureLine('orchestration', 'achieved', 0.96, 'ratio', { op: '>=', value: 0.95 }).met).toBe(true);
    // A figure that could not be measured never meets its target.
    expect(figureLine('orchestration', 'p99', Number.NaN, 'ratio', { op: '<=', value: 1.25 })).toEqual({ line: expect.stringContaining('"value":null') as unknown, met: false });
    expect(figureLine('orchestration', 'requests', 12, 'requests').met).toBeUndefined();
  });
});
