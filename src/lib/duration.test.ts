/** Durations read the same in configuration and on the command line. */
import { describe, expect, it } from 'vitest';
import { parseDurationSeconds } from './duration.ts';

describe('parseDurationSeconds', () => {
  it.each([
    ['90', 90],
    ['30s', 30],
    ['15m', 900],
    ['8h', 28_800],
    ['1d', 86_400],
    [' 2 h ', 7200],
    ['-10m', -600],
  ])('%s is %i seconds', (text, seconds) => {
    expect(parseDurationSeconds(text)).toBe(seconds);
  });

  it.each(['', 'h', '8x', '1.5h', '8hours', '--1s', '1e3'])('refuses %j', (text) => {
    expect(parseDurationSeconds(text)).toBeUndefined();
  });
});
