/**
 * How a simulator puts a reply on the wire when faults apply: late (`latencyMs`), replaced (by
 * the simulator's own error or broken bodies), stalled half-way (`hangMs`), or padded past any
 * sane size and streamed without Content-Length (`oversizeBytes`).
 *
 * Why this file exists: the adapters' bounds (deadline, body cap) are only proven against bytes
 * that really misbehave on a socket, and the timing and size faults behave the same for every
 * agency. What a reply is replaced by is agency knowledge, so each simulator passes that in.
 */
import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { send, type Reply } from './http.ts';
import type { ParsedFaults } from './faults.ts';

/** The faults that shape delivery rather than content. */
export type DeliveryFaults = Pick<ParsedFaults, 'latencyMs' | 'hangMs' | 'oversizeBytes'>;

/** The `status` fault without an error document: a plain-text body naming the status. */
export function statusReply(status: number): Reply {
  return { status, contentType: 'text/plain; charset=utf-8', body: `simulated HTTP ${status}\n` };
}

/** The `malformed: 'html'` body: a proxy's error page where the API's answer should be. */
export const HTML_ERROR_PAGE: Reply = {
  status: 200,
  contentType: 'text/html',
  body: '<!DOCTYPE html><html><body><h1>Service temporarily unavailable</h1></body></html>',
};

/**
 * Delivers `reply` the way the faults say: waits `latencyMs`, lets `replace` swap the reply for
 * what the content faults ask (an error, a broken or hostile body), then sends it padded, stalled
 * or whole. A client that goes away, or the simulator closing, drops the connection.
 */
export async function deliverWithFaults(res: ServerResponse, reply: Reply, faults: DeliveryFaults, closing: AbortSignal, replace: (reply: Reply) => Reply): Promise<void> {
  const aborted = AbortSignal.any([closing, closedSignal(res)]);
  try {
    if (faults.latencyMs !== undefined && faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal: aborted });

    const delivered = replace(reply);
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

/**
 * Streams the reply followed by whitespace (valid after a JSON value and after an XML root
 * element) up to `size` bytes, chunked, without Content-Length, honouring back-pressure.
 */
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

/** Aborted when the response closes (sent, or the client went away). */
function closedSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    controller.abort();
  });
  return controller.signal;
}
