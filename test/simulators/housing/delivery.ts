/**
 * How the housing simulator puts a reply on the wire — whole, or the way the current faults
 * say: late, stalled half-way, replaced by an error or a broken body, or padded past any sane
 * size — and the small node:http helpers around it.
 *
 * Why this file exists: the adapter's bounds (deadline, body cap) and refusals (non-JSON, XML
 * with an external entity) are only proven against bytes that really misbehave on a socket.
 * Kept apart from the API routes so server.ts stays about the housing API.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ParsedHousingFaults } from './faults.ts';

/** A response built before faults decide how (and whether) it is delivered. */
export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const MAX_REQUEST_BODY_BYTES = 64 * 1024;

export const jsonReply = (status: number, body: unknown): Reply => ({ status, contentType: JSON_TYPE, body: JSON.stringify(body) });

/** An RFC 9457 problem document. */
export const problemReply = (status: number, title: string, detail?: string): Reply => ({
  status,
  contentType: PROBLEM_TYPE,
  body: JSON.stringify({ type: 'about:blank', title, status, ...(detail === undefined ? {} : { detail }) }),
});

export function send(res: ServerResponse, reply: Reply): void {
  const bytes = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType, 'content-length': String(bytes.length) });
  res.end(bytes);
}

/** Delivers a reply the way the faults say. */
export async function deliverWithFaults(res: ServerResponse, reply: Reply, faults: ParsedHousingFaults, closing: AbortSignal): Promise<void> {
  const aborted = AbortSignal.any([closing, closedSignal(res)]);
  try {
    if (faults.latencyMs !== undefined && faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal: aborted });

    let delivered = reply;
    if (faults.operationOutcome !== undefined) {
      const issue = faults.operationOutcome === true ? { code: 'processing', diagnostics: 'simulated failure' } : faults.operationOutcome;
      delivered = problemReply(faults.status ?? 400, issue.code, issue.diagnostics);
    } else if (faults.status !== undefined) {
      delivered = { status: faults.status, contentType: 'text/plain; charset=utf-8', body: `simulated HTTP ${faults.status}\n` };
    } else if (faults.doctypeEntityFile !== undefined) {
      delivered = {
        status: 200,
        contentType: 'application/xml',
        body: `<?xml version="1.0"?>\n<!DOCTYPE persons [<!ENTITY leak SYSTEM "file://${faults.doctypeEntityFile}">]>\n<persons><person>&leak;</person></persons>\n`,
      };
    } else if (faults.wrongShape !== undefined) {
      delivered = jsonReply(200, { items: 'not a list', page: 0 });
    } else if (faults.malformed !== undefined) {
      delivered = malformedReply(faults.malformed === true ? 'json' : faults.malformed);
    }

    if (faults.oversizeBytes !== undefined) {
      await sendPadded(res, delivered, faults.oversizeBytes, aborted);
      return;
    }
    if (faults.hangMs !== undefined && faults.hangMs > 0) {
      const bytes = Buffer.from(delivered.body, 'utf8');
      const half = Math.floor(bytes.length / 2);
      res.writeHead(delivered.status, { ...delivered.headers, 'content-type': delivered.contentType, 'content-length': String(bytes.length) });
      res.write(bytes.subarray(0, half));
      await sleep(faults.hangMs, undefined, { signal: aborted });
      res.end(bytes.subarray(half));
      return;
    }
    send(res, delivered);
  } catch {
    // The client went away or the simulator is closing mid-fault: drop the connection.
    res.destroy();
  }
}

function malformedReply(kind: 'json' | 'xml' | 'html'): Reply {
  switch (kind) {
    case 'json':
      return { status: 200, contentType: JSON_TYPE, body: '{"items":[{"personRef":"HPR-0' };
    case 'xml':
      return { status: 200, contentType: 'application/xml', body: '<?xml version="1.0"?>\n<!DOCTYPE persons [<!ENTITY x "simulated">]>\n<persons>&x;</persons>\n' };
    case 'html':
      return { status: 200, contentType: 'text/html', body: '<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>' };
    default:
      return kind satisfies never;
  }
}

/** Streams the reply followed by whitespace (valid after JSON) up to `size` bytes, chunked, honouring back-pressure. */
async function sendPadded(res: ServerResponse, reply: Reply, size: number, aborted: AbortSignal): Promise<void> {
  res.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType });
  const head = Buffer.from(reply.body, 'utf8');
  res.write(head);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = head.length;
  while (sent < size) {
    if (aborted.aborted || res.destroyed) return;
    const piece = size - sent >= chunk.length ? chunk : chunk.subarray(0, size - sent);
    sent += piece.length;
    if (!res.write(piece)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end();
}

function closedSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    controller.abort();
  });
  return controller.signal;
}

/** The request body as text, or undefined when it passes the limit. */
export async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    if (!(chunk instanceof Buffer)) continue;
    size += chunk.length;
    if (size > MAX_REQUEST_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A URL host for the bound address; a wildcard bind is reported as loopback, which reaches it. */
export function formatHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0') return '127.0.0.1';
  if (address.address === '::') return '[::1]';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}
