/**
 * RFC 9457 problem details: the body of every error answer. `code` is a stable extension
 * member clients can switch on; `type` is a URN built from it.
 *
 * Why this file exists in lib: an error carries its own response (like Hono's HTTPException,
 * `src/http-exception.ts` in honojs/hono), so the problem document is built where the error
 * class lives (`errors.ts`), not in the gateway that sends it. Pure: it builds values, it sends
 * nothing.
 */

/** A field-level problem inside a 400, in the shape of RFC 9457 §3.2 extension members. */
export interface InvalidParam {
  readonly name: string;
  readonly reason: string;
}

/** RFC 9457 §3.1: the media type of a problem document. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 9457 problem document, with the hub's stable `code` and optional `invalidParams`. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  readonly invalidParams?: readonly InvalidParam[];
}

/** The problem document of a code, a status and a detail safe to show. */
export function problem(code: string, status: number, detail: string, extra: { instance?: string | undefined; invalidParams?: readonly InvalidParam[] } = {}): Problem {
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

/** A problem document as a response, with any headers its status calls for. */
export function problemResponse(body: Problem, headers: Readonly<Record<string, string>> = {}): Response {
  return new Response(JSON.stringify(body), { status: body.status, headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers } });
}
