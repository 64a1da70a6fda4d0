/**
 * What a request body must be before any route sees it. The API speaks JSON only, and JSON
 * exchanged between systems is UTF-8 (RFC 8259 §8.1), so a body is refused — before any route
 * reads it, and so before anything is stored — when:
 * - it comes with no Content-Type, or one that is not JSON (`application/json` or a `+json`
 *   suffix type, RFC 6839 §3.1): 415 `REQUEST.UNSUPPORTED_MEDIA_TYPE` (RFC 9110 §15.5.16);
 * - its Content-Type names a charset other than UTF-8: 415 as well;
 * - its bytes are not well-formed UTF-8: 400 `REQUEST.INVALID_ENCODING`, naming the offset of the
 *   first bad byte. A decoder would put U+FFFD in their place and store a changed name;
 * - it is not JSON: 400 `REQUEST.MALFORMED_JSON`;
 * - a string in it (a value or a member name) holds what no UTF-8 text column can keep: an unpaired
 *   surrogate escape such as `"\ud800"` (I-JSON, RFC 7493 §2.1, forbids them; encoding one would
 *   again put U+FFFD in its place) or U+0000 (PostgreSQL text and jsonb refuse it): 400
 *   `REQUEST.INVALID_ENCODING`, naming where.
 * A request without a body passes: whether the route needed one is the route's declaration
 * (`validation.ts` answers 415 when a route that takes a body got neither body nor Content-Type).
 */
import { MIMEType } from 'node:util';
import { createMiddleware } from 'hono/factory';
import { MashError } from '../lib/errors.ts';
import { firstInvalidUtf8Offset } from '../lib/utf8.ts';
import type { AppEnv } from './env.ts';

/** WHATWG Encoding labels of UTF-8 a client may reasonably send. */
const UTF8_LABELS = new Set(['utf-8', 'utf8']);

const SEND_JSON = 'send the body as application/json in UTF-8';

/** Why a Content-Type is not one this API reads, or undefined when it is (RFC 9110 §8.3). */
export function contentTypeProblem(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return `the request has a body but no Content-Type: ${SEND_JSON}`;
  let media: MIMEType;
  try {
    media = new MIMEType(contentType);
  } catch {
    return `the Content-Type is not a media type: ${SEND_JSON}`;
  }
  if (media.type !== 'application' || (media.subtype !== 'json' && !media.subtype.endsWith('+json'))) return `this API reads JSON only: ${SEND_JSON}`;
  const charset = media.params.get('charset');
  if (charset !== null && !UTF8_LABELS.has(charset.toLowerCase())) return 'JSON bodies are read as UTF-8 only (RFC 8259 §8.1): send charset=utf-8 or no charset';
  return undefined;
}

/** Refuses a body that is not JSON in well-formed UTF-8, with the problem named (see the header). */
export function jsonRequestBody() {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.raw.body === null) return next();
    // Read once (bounded by bodyLimit, which runs first); Hono caches it for the route's parser.
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (bytes.length === 0) return next();
    const problem = contentTypeProblem(c.req.header('content-type'));
    if (problem !== undefined) throw new MashError('REQUEST.UNSUPPORTED_MEDIA_TYPE', problem);
    const offset = firstInvalidUtf8Offset(bytes);
    if (offset !== undefined) {
      throw new MashError('REQUEST.INVALID_ENCODING', `the body is not valid UTF-8: ill-formed byte sequence at byte offset ${offset}`);
    }
    // Parsed here to check its strings; the route's validator parses it again from Hono's cache.
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      throw new MashError('REQUEST.MALFORMED_JSON', 'the request body is not valid JSON');
    }
    const unstorable = firstUnstorableString(value);
    if (unstorable !== undefined) {
      throw new MashError('REQUEST.INVALID_ENCODING', `${unstorable.name}: ${unstorable.reason}`, { invalidParams: [unstorable] });
    }
    return next();
  });
}

/** A route that takes no body refuses one, rather than ignore what the caller meant to say. */
export function noRequestBody() {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.raw.body !== null && (await c.req.arrayBuffer()).byteLength > 0) {
      throw new MashError('REQUEST.INVALID', 'this route takes no body: send the request without one', { invalidParams: [{ name: 'json', reason: 'no body is taken here' }] });
    }
    return next();
  });
}

/** Why a string cannot be kept as UTF-8 text, or undefined. */
function stringProblem(text: string): string | undefined {
  if (!text.isWellFormed()) return 'holds an unpaired UTF-16 surrogate, which UTF-8 cannot encode (RFC 7493 §2.1)';
  if (text.includes('\u0000')) return 'holds U+0000 (NUL), which the store cannot keep';
  return undefined;
}

interface Visit {
  readonly value: unknown;
  readonly key: string | undefined;
  readonly parent: Visit | undefined;
}

/** The JSON path of a visited node (`json.subjects.0.name`), clipped: only built for the one answer. */
function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) keys.push(at.key);
  const path = ['json', ...keys.reverse()].join('.');
  return path.length > 200 ? `${path.slice(0, 200)}…` : path;
}

/**
 * The first string (value or member name) that cannot be kept, with where it is. Walked with an
 * explicit stack: a body may nest as deep as JSON.parse allows, deeper than the call stack.
 */
function firstUnstorableString(root: unknown): { name: string; reason: string } | undefined {
  const stack: Visit[] = [{ value: root, key: undefined, parent: undefined }];
  for (let visit = stack.pop(); visit !== undefined; visit = stack.pop()) {
    const { value } = visit;
    if (typeof value === 'string') {
      const reason = stringProblem(value);
      if (reason !== undefined) return { name: pathOf(visit), reason };
    } else if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => stack.push({ value: item, key: String(index), parent: visit }));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        const member: Visit = { value: item, key, parent: visit };
        const reason = stringProblem(key);
        if (reason !== undefined) return { name: pathOf(member), reason: `the member name ${reason}` };
        stack.push(member);
      }
    }
  }
  return undefined;
}
