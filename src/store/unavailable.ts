/**
 * "The store is unavailable" as one error, STORE.UNAVAILABLE: PostgreSQL down, restarting or in
 * recovery, or our connection to it lost. Such a fault says nothing about the request or the job
 * that met it, so the gateway answers 503 with Retry-After (RFC 9110 §15.6.4, §10.2.3) and the job
 * system retries without spending an attempt (docs/decisions.md, "Surviving a PostgreSQL restart").
 * Every other database error (a constraint, a bug in our SQL) passes through unchanged.
 */
import { MashError } from '../lib/errors.ts';

// Socket-level failures reaching or talking to the server.
const CONNECTION_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// PostgreSQL SQLSTATEs (Appendix A): 57P01 admin_shutdown (also "terminating connection due to
// unexpected postmaster exit"), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, in
// recovery), 53300 too_many_connections; and all of class 08, connection exception.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
// node-postgres raises these without a code when the connection ends under it or cannot be made.
const DRIVER_MESSAGES = [/^Connection terminated/, /timeout exceeded when trying to connect/, /is not queryable/, /^Cannot use a pool after calling end/];

/** True when `error` is a failure to reach PostgreSQL, not a fault of the statement. */
export function isConnectionFault(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code !== undefined && (CONNECTION_ERRNOS.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  return code === undefined && DRIVER_MESSAGES.some((pattern) => pattern.test(error.message));
}

/** The error the store raises for a connection fault; the driver's error is kept as its cause, never shown. */
export function storeUnavailable(cause: unknown): MashError {
  return new MashError('STORE.UNAVAILABLE', 'the store is unavailable; try again shortly', { cause });
}

/** True when `error`, or an error it wraps, is STORE.UNAVAILABLE. */
export function isStoreUnavailable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 10; current = current.cause, depth += 1) {
    if (current instanceof MashError && current.code === 'STORE.UNAVAILABLE') return true;
  }
  return false;
}
