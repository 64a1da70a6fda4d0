/**
 * Hono's default zod 400 body is a raw zod dump: replace it with a problem document that names
 * each offending field (RFC 9457 `invalidParams`). A route that takes a body and got neither a
 * body nor a Content-Type is answered 415 (RFC 9110 §15.5.16), like one with the wrong type.
 */
import type { Hook } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { MashError } from '../lib/errors.ts';

interface ZodLikeIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result, c) => {
  if (result.success) return;
  // The JSON validator only runs without a Content-Type on routes whose body is required.
  if (result.target === 'json' && c.req.header('content-type') === undefined) {
    throw new MashError('REQUEST.UNSUPPORTED_MEDIA_TYPE', 'this route takes a body: send it as application/json in UTF-8');
  }
  const issues: readonly ZodLikeIssue[] = result.error.issues;
  const invalidParams = issues.slice(0, 20).map((issue) => ({ name: [result.target, ...issue.path.map(String)].join('.'), reason: issue.message }));
  const first = invalidParams[0];
  throw new MashError('REQUEST.INVALID', first === undefined ? 'the request is invalid' : `${first.name}: ${first.reason}`, { invalidParams });
};
