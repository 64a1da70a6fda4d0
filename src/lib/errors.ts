/**
 * One error base with stable codes (CONVENTIONS.md §4). The gateway maps these to
 * RFC 9457 problem documents in one place; no stack traces leave the process.
 */

/** Every stable code the gateway can answer with, and its HTTP status. */
export const ERROR_STATUS = {
  'REQUEST.INVALID': 400,
  'REQUEST.MALFORMED_JSON': 400,
  'REQUEST.INVALID_ENCODING': 400,
  'AUTH.MISSING_TOKEN': 401,
  'AUTH.INVALID_TOKEN': 401,
  'FIREWALL.DENIED': 403,
  'ROUTE.NOT_FOUND': 404,
  'REFERRAL.NOT_FOUND': 404,
  'ITEM.NOT_FOUND': 404,
  'PRODUCT.NOT_FOUND': 404,
  'MATCH.NOT_FOUND': 404,
  'MATCH.ALREADY_DECIDED': 409,
  'MATCH.CONFLICT': 409,
  'PUBLICATION.UNDECIDED_ITEMS': 409,
  'PUBLICATION.NO_DECISION': 409,
  'REQUEST.METHOD_NOT_ALLOWED': 405,
  'CONTENT.DESTROYED': 410,
  'REQUEST.TOO_LARGE': 413,
  'REQUEST.UNSUPPORTED_MEDIA_TYPE': 415,
  'STORE.UNAVAILABLE': 503,
  'QUEUE.UNAVAILABLE': 503,
  'INTERNAL': 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A field-level problem inside a 400, in the shape of RFC 9457 §3.2 extension members. */
export interface InvalidParam {
  readonly name: string;
  readonly reason: string;
}

/** Base of every error we raise on purpose. `code` is stable and documented; `message` is safe to show. */
export class MashError extends Error {
  readonly code: ErrorCode;
  readonly invalidParams: readonly InvalidParam[];

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; invalidParams?: readonly InvalidParam[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MashError';
    this.code = code;
    this.invalidParams = options?.invalidParams ?? [];
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** Raised when configuration cannot be read; main prints its one-line message and exits. */
export class ConfigError extends Error {
  readonly variable: string;

  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** Narrow an unknown thrown value to a message that carries no payload. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return 'non-error value thrown';
}
