/**
 * Durations as people write them in configuration and on the command line: `30s`, `15m`, `8h`,
 * `1d`, or a bare number of seconds. One parser, so `MASH_JWT_MAX_LIFETIME` and
 * `npm run token -- --expires` mean the same thing by the same text.
 */

/** Seconds in `text` (a leading `-` for a duration in the past), or undefined when it is not a duration. */
export function parseDurationSeconds(text: string): number | undefined {
  const match = /^(-?)(\d{1,9})\s*([smhd]?)$/.exec(text.trim());
  if (match === null) return undefined;
  const [, sign, amount, unit] = match;
  const factor = unit === 'm' ? 60 : unit === 'h' ? 3600 : unit === 'd' ? 86_400 : 1;
  const seconds = Number(amount) * factor;
  return sign === '-' ? -seconds : seconds;
}
