/**
 * The bytes on the wire every simulator and its control endpoints share: a reply value, sending it
 * whole, and reading a bounded request body. Apart from `http.ts` so that the fault and traffic
 * controls (`faults.ts`) and the server plumbing can both use it without importing each other.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A response built before faults decide how (and whether) it is delivered. */
export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The request body limit unless a simulator sets its own. */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 64 * 1024;

/** Sends a reply whole, with its Content-Length. */
export function send(res: ServerResponse, reply: Reply): void {
  const bytes = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType, 'content-length': String(bytes.length) });
  res.end(bytes);
}

/** Sends `body` as `application/json` (control endpoints, simulator errors). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, { status, contentType: 'application/json', body: JSON.stringify(body) });
}

/** The request body as text, or undefined when it passes `maxBytes`. */
export async function readBody(req: IncomingMessage, maxBytes: number = DEFAULT_MAX_REQUEST_BODY_BYTES): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    if (!(chunk instanceof Buffer)) continue;
    size += chunk.length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
