/**
 * Hono's default zod 400 body is a raw zod dump: replace it with a problem document that names
 * each offending field (RFC 9457 `invalidParams`).
 */
import type { Hook } from '@hono/zod-openapi';
import type { AppEnv } from './env.ts';
import { MashError } from '../lib/errors.ts';

interface ZodLikeIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (result.success) return;
  const issues: readonly ZodLikeIssue[] = result.error.issues;
  const invalidParams = issues.slice(0, 20).map((issue) => ({ name: [result.target, ...issue.path.map(String)].join('.'), reason: issue.message }));
  const first = invalidParams[0];
  throw new MashError('REQUEST.INVALID', first === undefined ? 'the request is invalid' : `${first.name}: ${first.reason}`, { invalidParams });
};
