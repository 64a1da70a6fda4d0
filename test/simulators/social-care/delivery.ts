/**
 * How the social care simulator puts a reply on the wire, and how faults bend it: late,
 * stalled half-way, replaced by an error status, a problem document, a broken or hostile body,
 * or padded past any sensible size.
 *
 * Why this file exists: the adapter's failure handling is only proven against a server that
 * really misbehaves on the wire (the health simulator does the same for FHIR); keeping delivery
 * apart from routing keeps the server file about the API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ParsedSocialCareFaults } from './faults.ts';

/** A response built before faults decide how (and whether) it is delivered. */
export interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

const MAX_REQUEST_BODY_BYTES = 64 * 1024;

/** An RFC 9457 problem document. */
export function problemReply(status: number, title: string, detail: string): Reply {
  return { status, contentType: 'application/problem+json', body: JSON.stringify({ title, status, detail }) };
}

export function send(res: ServerResponse, reply: Reply): void {
  const bytes = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType, 'content-length': String(bytes.length) });
  res.end(bytes);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, { status, contentType: 'application/json', body: JSON.stringify(body) });
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

/** Delivers a reply the way the faults say (`{}`: as it is). */
export async function deliver(res: ServerResponse, reply: Reply, faults: ParsedSocialCareFaults, closing: AbortSignal): Promise<void> {
  const aborted = AbortSignal.any([closing, closedSignal(res)]);
  try {
    if (faults.latencyMs !== undefined && faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal: aborted });

    let delivered = reply;
    if (faults.body !== undefined) {
      delivered = { status: faults.body.status, contentType: faults.body.contentType, body: faults.body.text };
    } else if (faults.operationOutcome !== undefined) {
      const detail = faults.operationOutcome === true ? 'simulated failure' : (faults.operationOutcome.diagnostics ?? faults.operationOutcome.code);
      delivered = problemReply(faults.status ?? 400, 'Simulated problem', detail);
    } else if (faults.status !== undefined) {
      delivered = { status: faults.status, contentType: 'text/plain; charset=utf-8', body: `simulated HTTP ${faults.status}\n` };
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
      return { status: 200, contentType: 'application/json', body: '{"items":[{"personId":"SCR0001","name":{"given":["A' };
    case 'xml':
      return {
        status: 200,
        contentType: 'application/xml',
        body: '<?xml version="1.0"?>\n<!DOCTYPE people [<!ENTITY x "simulated">]>\n<people><person>&x;</person></people>\n',
      };
    case 'html':
      return { status: 200, contentType: 'text/html', body: '<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>' };
    default:
      return kind satisfies never;
  }
}

/** Streams the reply followed by whitespace (valid after JSON) up to `size` bytes, without Content-Length. */
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
