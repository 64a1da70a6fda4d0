/**
 * Errors that libraries throw become `MashError`s where they arise, so the gateway's one
 * `onError` only ever asks an error for its own response (CONVENTIONS.md §4; docs/decisions.md,
 * "One Result, one error hierarchy").
 *
 * Why this file exists: Hono and @hono/zod-openapi answer some bad requests by throwing Hono's
 * `HTTPException` — the JSON validator for a body that is not JSON (400), a route's media-type
 * gate (415), the body limit (413). Those validators run inside the route apps, so each route
 * app is given an error handler that converts them there; Hono runs a mounted app's own handler
 * for the routes it mounts, before the application's. zod's validation errors are converted in
 * the validation hook (validation.ts), and the body limit throws a `MashError` itself (app.ts).
 */
import type { ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { MashError, type HttpErrorCode } from '../lib/errors.ts';
import type { AppEnv } from './env.ts';

/**
 * The `MashError` of a Hono `HTTPException`, by its status: 400 (the JSON validator: not JSON),
 * 413 (too large), 415 (not a media type the route takes). Undefined for any other status: no
 * library answers a request with one, so it is a bug and stays one.
 */
export function fromHttpException(error: HTTPException): MashError | undefined {
  const known = BY_STATUS.get(error.status);
  return known === undefined ? undefined : new MashError(known.code, known.detail, { cause: error });
}

const BY_STATUS: ReadonlyMap<number, { readonly code: HttpErrorCode; readonly detail: string }> = new Map([
  [400, { code: 'REQUEST.MALFORMED_JSON', detail: 'the request body is not valid JSON' }],
  [413, { code: 'REQUEST.TOO_LARGE', detail: 'the request body is too large' }],
  [415, { code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE', detail: 'send the body as application/json in UTF-8' }],
]);

/** A route app's error handler: a library's error is rethrown as its `MashError`; anything else passes on unchanged. */
export const convertLibraryErrors: ErrorHandler<AppEnv> = (error) => {
  throw (error instanceof HTTPException ? fromHttpException(error) : undefined) ?? error;
};

/** The route app, converting the errors its libraries throw (see the header). */
export function withLibraryErrorsConverted<A extends { onError(handler: ErrorHandler<AppEnv>): unknown }>(routes: A): A {
  routes.onError(convertLibraryErrors);
  return routes;
}
