/**
 * The node:http plumbing every agency simulator needs around its API: a reply value, sending it
 * whole, reading a bounded request body, listening on loopback and shutting down, and the base
 * URL a request reached the simulator by.
 *
 * Why this file exists: each simulator is hand-rolled on node:http (so that its server side is
 * independent of the client libraries the adapters use), and this part is the same for all of
 * them; only the routes and the agency's documents differ.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Traffic, TrafficProfile } from './traffic.ts';

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

/** Where and how `startSimulatorServer` listens. */
export interface SimulatorServerOptions {
  /** Named in the error thrown when the server has no TCP address, e.g. "health simulator". */
  readonly name: string;
  /** Default 0: any free port. */
  readonly port?: number | undefined;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string | undefined;
  /** Aborted when `close` begins, so that faults still stalling a reply end. */
  readonly closing: AbortController;
  /** Sent when `handle` throws before answering (a simulator bug), rather than leave the client hanging. */
  readonly crashReply: Reply;
}

/** A listening simulator server. */
export interface SimulatorServer {
  /** e.g. http://127.0.0.1:43127 (no trailing slash); a wildcard bind is reported as loopback. */
  readonly url: string;
  /** Agency requests answered or being answered since start (control endpoints `/_sim/…` not counted). */
  requestCount(): number;
  /** Its pacing and rate limit (`traffic.ts`); also set over HTTP at `/_sim/traffic`. */
  readonly traffic: Traffic;
  /** Aborts `closing`, stops listening and drops every connection. */
  close(): Promise<void>;
}

/**
 * The control path that reads (`GET`) or reads and resets (`DELETE`) the request count from another
 * process: a test proves a lookup was never made by the agency seeing no request (DESIGN.md
 * rule 7), and a benchmark counts what an agency saw. Counts only, never paths or queries,
 * which carry identifiers.
 */
export const REQUEST_COUNT_PATH = '/_sim/requests';

/** The control path of the traffic profile (`traffic.ts`). */
export const TRAFFIC_PATH = '/_sim/traffic';

/** Starts a node:http server that hands each request to `handle`; resolves once it listens. */
export async function startSimulatorServer(options: SimulatorServerOptions, handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<SimulatorServer> {
  let requests = 0;
  const traffic = new Traffic();
  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://simulator.invalid').pathname;
    if (pathname === REQUEST_COUNT_PATH) {
      // DELETE reads and resets at once, so nothing counted between a read and a reset is lost.
      const counts = { requests, overLimit: traffic.overLimit };
      if (req.method === 'DELETE') {
        requests = 0;
        traffic.resetCounts();
      }
      if (req.method === 'GET' || req.method === 'DELETE') sendJson(res, 200, counts);
      else sendJson(res, 405, { title: 'GET or DELETE', status: 405 });
      return;
    }
    if (pathname === TRAFFIC_PATH) {
      void controlTraffic(req, res, traffic);
      return;
    }
    const api = !pathname.startsWith('/_sim/');
    if (api) requests += 1;
    const answer = async (): Promise<void> => {
      if (api) {
        const admitted = traffic.admit(Date.now());
        if (!admitted.admitted) {
          send(res, { status: 429, contentType: 'text/plain', body: 'Too Many Requests', headers: { 'retry-after': String(admitted.retryAfterSeconds) } });
          return;
        }
        const delay = traffic.nextDelayMs();
        if (delay > 0) await sleep(delay, undefined, { signal: options.closing.signal });
      }
      await handle(req, res);
    };
    answer().catch(() => {
      if (options.closing.signal.aborted) res.destroy();
      else if (!res.headersSent) send(res, options.crashReply);
      else res.destroy();
    });
  });
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`${options.name}: no TCP address`);
  return {
    url: `http://${formatHost(address)}:${address.port}`,
    requestCount: () => requests,
    traffic,
    async close() {
      options.closing.abort();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
    },
  };
}

/** Listens on `host:port`; rejects when the address cannot be bound. */
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
function formatHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0') return '127.0.0.1';
  if (address.address === '::') return '[::1]';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}

/**
 * The base URL links should point at: `publicUrl` when fixed (behind a proxy), else
 * http://<Host header> when it is a plain host[:port], else `bound` (the listening address).
 */
export function requestBase(req: IncomingMessage, publicUrl: string | undefined, bound: string): string {
  if (publicUrl !== undefined) return publicUrl;
  const host = req.headers.host;
  const plainHost = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;
  return host !== undefined && plainHost.test(host) ? `http://${host}` : bound;
}

/** Answers `GET|POST|DELETE /_sim/traffic`: reads, replaces or clears the traffic profile. */
async function controlTraffic(req: IncomingMessage, res: ServerResponse, traffic: Traffic): Promise<void> {
  const method = req.method ?? 'GET';
  if (method === 'GET') {
    sendJson(res, 200, traffic.profile);
    return;
  }
  if (method === 'DELETE') {
    traffic.set({});
    res.writeHead(204).end();
    return;
  }
  if (method !== 'POST') {
    sendJson(res, 405, { error: 'use GET, POST or DELETE' });
    return;
  }
  let json: unknown;
  try {
    json = JSON.parse((await readBody(req)) ?? '');
  } catch {
    sendJson(res, 400, { error: 'body must be JSON' });
    return;
  }
  const parsed = TrafficProfile.safeParse(json);
  if (!parsed.success) {
    sendJson(res, 400, { error: 'invalid traffic profile', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return;
  }
  traffic.set(parsed.data);
  res.writeHead(204).end();
}
