/**
 * Structured logging (pino). Logs carry identifiers and codes, never personal data or
 * payloads (CONVENTIONS.md §9): the redact list is a second line of defence, not the first.
 * Every line carries the request, referral and job ids of the context it was logged in
 * (log-context.ts), through pino's `mixin`; a field the call names itself wins.
 */
import { pino, type Logger } from 'pino';
import { currentLogContext } from './log-context.ts';

export type { Logger };

export function createLogger(options: { level: string; name?: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'mash',
      base: { pid: process.pid },
      mixin: () => currentLogContext(),
      redact: {
        paths: ['*.authorization', '*.password', '*.token', '*.clientSecret', '*.body', '*.name', '*.birthDate', '*.address'],
        censor: '[redacted]',
      },
    },
    options.destination ?? process.stdout,
  );
}

/** A logger that writes nowhere; for tests that do not assert on logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
