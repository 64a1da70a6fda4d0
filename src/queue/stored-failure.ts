/**
 * What BullMQ keeps in Redis of a failed attempt — the error's message as the job's
 * `failedReason`, its stack in `stacktrace` — and shows to operators on the queue dashboard
 * (src/queue/dashboard.ts) and in a parent's ignored-child failures. Job data carries ids only
 * (CONVENTIONS.md, from Medplum), and so must what is kept of a failure: a library's message may
 * quote a value it met (a driver's "invalid input syntax for type …: \"<value>\""), so the workers
 * hand BullMQ a {@link StoredJobFailure} instead of the error itself. It says the stable code and,
 * for our own errors, their message (a MashError's message is safe to show by contract,
 * src/lib/errors.ts); of anything else only its name. The stack keeps its frames (code locations)
 * but not the original first line. The original stays the `cause`, in memory only, for the
 * worker's own log line and for classifying the failure.
 */
import { MashError } from '../lib/errors.ts';
import { classifyFailure } from './retry-policy.ts';
import { errorCode, isUnrecoverable } from './runner.ts';

/** A code safe to store: a plain token (our codes, Node's `ECONNRESET`, SQLSTATE `57P01`). */
const PLAIN_CODE = /^[A-Za-z0-9._-]{1,64}$/;

/** The error a worker throws to BullMQ in place of the one the job met (see the file header). */
export class StoredJobFailure extends Error {
  /** The stable code of the original failure, when it has a plain one. */
  readonly code: string | undefined;

  constructor(original: unknown) {
    const code = errorCode(original);
    const plainCode = code !== undefined && PLAIN_CODE.test(code) ? code : undefined;
    super(storedReason(original, plainCode), { cause: original });
    // BullMQ stops retrying an error so named; one retrying cannot help is named so too, as the
    // backoff strategy would answer -1 for it anyway (retry-policy.ts).
    this.name = isUnrecoverable(original) || classifyFailure(original) === 'give-up' ? 'UnrecoverableError' : 'JobFailure';
    this.code = plainCode;
    this.stack = [`${this.name}: ${this.message}`, ...framesOf(original)].join('\n');
  }
}

/** The failure a job met, whether or not a worker wrapped it for BullMQ. */
export function originalFailure(error: unknown): unknown {
  return error instanceof StoredJobFailure ? error.cause : error;
}

function storedReason(original: unknown, code: string | undefined): string {
  if (original instanceof MashError) return `${original.code}: ${original.message}`;
  const name = original instanceof Error && PLAIN_CODE.test(original.name) ? original.name : 'non-error value thrown';
  return `${code ?? 'INTERNAL'}: ${name} (the worker's log has the detail)`;
}

/** The `at …` lines of an error's stack: where it happened, never what it said. */
function framesOf(error: unknown): string[] {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return [];
  return error.stack.split('\n').filter((line) => /^\s+at /.test(line));
}
