/**
 * RFC 9457 problem details: every error the gateway answers with. `code` is a stable extension
 * member clients can switch on; `type` is a URN built from it.
 */
import type { InvalidParam } from '../lib/errors.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly invalidParams?: readonly InvalidParam[];
}

export function problem(code: string, status: number, detail: string, extra: { instance?: string; invalidParams?: readonly InvalidParam[] } = {}): Problem {
  return {
    type: `urn:mash:problem:${code.toLowerCase()}`,
    title: code,
    status,
    detail,
    code,
    ...(extra.instance === undefined ? {} : { instance: extra.instance }),
    ...(extra.invalidParams === undefined || extra.invalidParams.length === 0 ? {} : { invalidParams: extra.invalidParams }),
  };
}

export function problemResponse(body: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status: body.status, headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers } });
}
