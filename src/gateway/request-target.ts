/**
 * The request target (path and query) must decode to text the hub can keep. Hono leaves a
 * percent-escape that is not UTF-8 undecoded and passes `%00` on as U+0000, which PostgreSQL
 * refuses mid-query (a 500). RFC 3986 §2.5 has URI components percent-encode UTF-8, so a target
 * whose escapes decode to ill-formed UTF-8 or to NUL is refused here, 400
 * `REQUEST.INVALID_ENCODING`, like a body that is not UTF-8 (`request-body.ts`).
 */
import { createMiddleware } from 'hono/factory';
import { MashError } from '../lib/errors.ts';
import { firstInvalidUtf8Offset } from '../lib/utf8.ts';
import type { AppEnv } from './env.ts';

/** The bytes a path or query stands for: each `%XX` one byte, anything else its UTF-8. */
function percentDecodedBytes(component: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < component.length; i += 1) {
    const escape = component[i] === '%' ? /^[0-9A-Fa-f]{2}$/.exec(component.slice(i + 1, i + 3)) : null;
    if (escape !== null) {
      bytes.push(Number.parseInt(escape[0], 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(component[i] ?? '', 'utf8'));
    }
  }
  return new Uint8Array(bytes);
}

/** Why a path or query cannot be read as text, or undefined. */
export function requestTargetProblem(component: string, what: 'path' | 'query'): string | undefined {
  const bytes = percentDecodedBytes(component);
  const offset = firstInvalidUtf8Offset(bytes);
  if (offset !== undefined) return `the ${what} is not UTF-8 once percent-decoded (RFC 3986 §2.5): ill-formed byte sequence at decoded byte offset ${offset}`;
  if (bytes.includes(0)) return `the ${what} holds %00 (NUL), which the hub cannot keep`;
  return undefined;
}

/** Refuses a request whose path or query decodes to ill-formed UTF-8 or to NUL. */
export function textRequestTarget() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const url = new URL(c.req.url);
    const problem = requestTargetProblem(url.pathname, 'path') ?? requestTargetProblem(url.search, 'query');
    if (problem !== undefined) throw new MashError('REQUEST.INVALID_ENCODING', problem);
    await next();
  });
}
