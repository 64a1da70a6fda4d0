/**
 * Expected failures are values (CONVENTIONS.md §3): a `Result` is the value, or the error that
 * stands in its place. One type for the whole hub, so a step of an adapter, a product build and
 * a possible-match decision read alike (`if (!result.ok) return result;`).
 *
 * Why this file exists: a dozen modules each declared their own `{ ok: true … } | { ok: false … }`
 * with the failure under a different name (`failure`, `reason`, `error`, `undecided`). The error
 * side keeps its own discriminant (`kind`) where callers switch on it; `Result` only says which
 * side a value is on. Not for unions of outcomes that are all answers (a delivery delivered,
 * retried or rejected; a lookup found or failed with its orchestrations): those stay unions.
 */

/** The value of a step that succeeded. */
export interface Ok<T> {
  readonly ok: true;
  readonly value: T;
}

/** The expected failure of a step, as a value. */
export interface Err<E> {
  readonly ok: false;
  readonly error: E;
}

/** A value, or the expected failure in its place. */
export type Result<T, E> = Ok<T> | Err<E>;

/** The value side. */
export const ok = <T>(value: T): Ok<T> => ({ ok: true, value });

/** The failure side. */
export const err = <E>(error: E): Err<E> => ({ ok: false, error });

/** The value turned by `f`; a failure passes unchanged. */
export function mapResult<T, U, E>(result: Result<T, E>, f: (value: T) => U): Result<U, E> {
  return result.ok ? ok(f(result.value)) : result;
}

/** The failure turned by `f`; a value passes unchanged. */
export function mapError<T, E, F>(result: Result<T, E>, f: (error: E) => F): Result<T, F> {
  return result.ok ? result : err(f(result.error));
}
