/**
 * One error hierarchy with stable codes (CONVENTIONS.md §4). Every code the system produces —
 * in an HTTP answer, a lookup's or a delivery's reason, a log line — is in `ERROR_CODES`, with
 * its HTTP status when it can reach HTTP. Every error we throw on purpose is a `MashError`, and
 * a `MashError` carries its own response (as Hono's `HTTPException` does, honojs/hono
 * `src/http-exception.ts`), so the gateway's one `onError` asks the error for it and special-cases
 * nothing. Errors of libraries are converted where they arise. No stack traces leave the process.
 *
 * Expected failures stay values (CONVENTIONS.md §3, `result.ts`): an adapter's failure is not
 * thrown, but its code comes from this list too.
 */
import { problem, problemResponse, type InvalidParam } from './problem.ts';

export type { InvalidParam } from './problem.ts';

/**
 * Every stable code, and the HTTP status of those that reach HTTP (null: never an HTTP answer —
 * a value recorded on a lookup or a delivery, a log line, or a bug that becomes `INTERNAL`).
 */
export const ERROR_CODES = {
  // The request itself (RFC 9110 §15.5).
  'REQUEST.INVALID': 400,
  'REQUEST.MALFORMED_JSON': 400,
  'REQUEST.INVALID_ENCODING': 400,
  'ROUTE.NOT_FOUND': 404,
  'REQUEST.METHOD_NOT_ALLOWED': 405,
  'REQUEST.TOO_LARGE': 413,
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': 415,
  // Who is asking (RFC 6750 §3) and what the firewall lets them do (governance rule 3: need to know).
  'AUTH.MISSING_TOKEN': 401,
  'AUTH.INVALID_TOKEN': 401,
  'AUTH.EMBEDDED_KEY': null,
  'FIREWALL.DENIED': 403,
  // A console form without this session's synchronizer token (OWASP CSRF prevention), or a demo sign-in where there is none.
  'CONSOLE.FORM_EXPIRED': 403,
  'CONSOLE.SIGN_IN_UNAVAILABLE': 404,
  'CONSOLE.SIGN_IN_FAILED': 401,
  // The case and what the hub holds of it.
  'REFERRAL.NOT_FOUND': 404,
  'ITEM.NOT_FOUND': 404,
  'PRODUCT.NOT_FOUND': 404,
  'MATCH.NOT_FOUND': 404,
  'MATCH.ALREADY_DECIDED': 409,
  'MATCH.CONFLICT': 409,
  'PUBLICATION.UNDECIDED_ITEMS': 409,
  'PUBLICATION.NO_DECISION': 409,
  'CONTENT.DESTROYED': 410,
  'CONTENT.SEAL_FAILED': null,
  // Connector administration (docs/decisions.md "Connector administration").
  'CONNECTOR.NOT_FOUND': 404,
  'CONNECTOR.VERSION_NOT_FOUND': 404,
  'CONNECTOR.EXISTS': 409,
  'CONNECTOR.DECLARED_IN_FILE': 409,
  // Our own infrastructure: a 503 says when to try again (RFC 9110 §15.6.4).
  'STORE.UNAVAILABLE': 503,
  'QUEUE.UNAVAILABLE': 503,
  'STORE.CONNECTION_LOST': null,
  'STORE.ROOT_QUERY_IN_TRANSACTION': null,
  'STORE.TRANSACTION_CLOSED': null,
  'STORE.DATA_DIR_LOCKED': null,
  'CONFIG.INVALID': null,
  'CONFIG.BANK_HOLIDAYS_ENDING': null,
  'INTERNAL': 500,
  // An agency lookup that failed: the lookup's reason starts with the code (never an HTTP answer).
  'ADAPTER.TIMEOUT': null,
  'ADAPTER.CANCELLED': null,
  'ADAPTER.HTTP_ERROR': null,
  'ADAPTER.PROTOCOL_ERROR': null,
  'ADAPTER.MALFORMED_RESPONSE': null,
  'ADAPTER.TOO_LARGE': null,
  'ADAPTER.AUTH_FAILED': null,
  'ADAPTER.AUTH_MISCONFIGURED': null,
  'ADAPTER.UNREACHABLE': null,
  'ADAPTER.INSUFFICIENT_CRITERIA': null,
  'ADAPTER.UNEXPECTED': null,
  // The connector's circuit breaker is open: the lookup was not sent (docs/decisions.md "Resilient connectors").
  'ADAPTER.CIRCUIT_OPEN': null,
  // An agency answer cut short: a partial lookup's reason starts with the code.
  'ANSWER.CANDIDATE_CAP': null,
  'ANSWER.PAGE_CAP': null,
  'ANSWER.AGENCY_LIMIT': null,
  // Running lookups.
  'LOOKUP.UNKNOWN': null,
  'LOOKUP.ADAPTER_BUG': null,
  'MAPPING.INVALID_FACT': null,
  // A delivery to the host case system that did not deliver (a value on the outbox row).
  'HOST.TIMEOUT': null,
  'HOST.CANCELLED': null,
  'HOST.UNREACHABLE': null,
  'HOST.UNAVAILABLE': null,
  'HOST.REFUSED': null,
  'HOST.AUTH_FAILED': null,
  'HOST.REDIRECTED': null,
  'HOST.MISCONFIGURED': null,
  'HOST.INVALID_PRODUCT': null,
  'HOST.NOT_CONFIGURED': null,
  // Jobs.
  'JOB.INVALID_DATA': null,
  'JOB.EXHAUSTED': null,
  // Periodic work and the process's own life.
  'AUDIT.SEAL_FAILED': null,
  'AUDIT.CHECKPOINT_FAILED': null,
  'AUDIT.COPY_INVALID': null,
  'OUTBOX.SWEEP_FAILED': null,
  'OUTBOX.LEASE_RENEWAL_FAILED': null,
  'PICTURE.BUILD_FAILED': null,
  'DISPATCH.ERROR': null,
  'RECOVERY.SWEEP_FAILED': null,
  'RECOVERY.LOOKUPS_FAILED': null,
  'RETENTION.FAILED': null,
  // Metrics: a recording dropped, a scrape-time source unread (docs/decisions.md "Metrics: one registry per process").
  'METRICS.RECORD_FAILED': null,
  'METRICS.SOURCE_FAILED': null,
  'SHUTDOWN.TIMEOUT': null,
  'SHUTDOWN.CLOSE_FAILED': null,
  'SHUTDOWN.DRAIN_INCOMPLETE': null,
} as const satisfies Readonly<Record<string, number | null>>;

/** A stable code of the list. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes that can be an HTTP answer. */
export type HttpErrorCode = { [C in ErrorCode]: (typeof ERROR_CODES)[C] extends number ? C : never }[ErrorCode];

/**
 * A subset of the list, named by its members: `Codes<'HOST.TIMEOUT' | 'HOST.REFUSED'>` fails to
 * compile when a member is not in the list (where `Extract` would drop it silently).
 */
export type Codes<C extends ErrorCode> = C;

/** Every code that reaches HTTP, and its status (the hostile-input suite holds answers to it). */
export const ERROR_STATUS: Readonly<Partial<Record<HttpErrorCode, number>>> = Object.fromEntries(
  Object.entries(ERROR_CODES).flatMap(([code, status]) => (status === null ? [] : [[code, status] as const])),
);

/** True when `text` is a code of the list. */
export function isErrorCode(text: string): text is ErrorCode {
  return Object.hasOwn(ERROR_CODES, text);
}

// RFC 9110 §10.2.3: a 503 says when to try again. The store and the queue come back by themselves.
const RETRY_AFTER_SECONDS = '5';

/** What a bug's answer says: that it happened, nothing of what it was. */
export const INTERNAL_DETAIL = 'an internal error occurred; it has been logged';

/**
 * Base of every error we raise on purpose. `code` is stable and documented; `message` is safe to
 * show (it is the problem document's `detail`). The error answers for itself with `getResponse`.
 */
export class MashError extends Error {
  readonly code: ErrorCode;
  readonly invalidParams: readonly InvalidParam[];

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; invalidParams?: readonly InvalidParam[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MashError';
    this.code = code;
    this.invalidParams = options?.invalidParams ?? [];
  }

  /** The HTTP status of the code, or null when the code never reaches HTTP. */
  get status(): number | null {
    return ERROR_CODES[this.code];
  }

  /**
   * This error as an RFC 9457 problem response, with the headers its status calls for: a
   * `WWW-Authenticate` challenge on a 401 (RFC 6750 §3), `Retry-After` on a 503 (RFC 9110
   * §10.2.3). An error whose code never reaches HTTP is a bug wherever it meets a request: it is
   * answered as INTERNAL, and nothing of it leaves the process.
   */
  getResponse(instance?: string): Response {
    const status = this.status;
    if (status === null) return new MashError('INTERNAL', INTERNAL_DETAIL).getResponse(instance);
    const headers: Record<string, string> =
      status === 401
        ? { 'www-authenticate': `Bearer realm="mash", error="${this.code === 'AUTH.MISSING_TOKEN' ? 'invalid_request' : 'invalid_token'}"` }
        : status === 503
          ? { 'retry-after': RETRY_AFTER_SECONDS }
          : {};
    return problemResponse(problem(this.code, status, this.message, { instance, invalidParams: this.invalidParams }), headers);
  }
}

/** Raised when configuration cannot be read; main prints its one-line message and exits. */
export class ConfigError extends MashError {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super('CONFIG.INVALID', `${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** Narrow an unknown thrown value to a message that carries no payload. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return 'non-error value thrown';
}
