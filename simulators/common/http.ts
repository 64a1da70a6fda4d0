/**
 * The node:http plumbing every agency simulator needs around its API: listening on loopback and
 * shutting down, the control endpoints every simulator has (request counts, traffic profile), and
 * the base URL a request reached the simulator by; the wire helpers (`wire.ts`) are re-exported.
 *
 * Why this file exists: each simulator is hand-rolled on node:http (so that its server side is
 * independent of the client libraries the adapters use), and this part is the same for all of
 * them; only the routes and the agency's documents differ.
 */
import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { controlFaults } from './faults.ts';
import { send, sendJson, type Reply } from './wire.ts';
import { Traffic, TrafficProfile } from './traffic.ts';

export { DEFAULT_MAX_REQUEST_BODY_BYTES, readBody, send, sendJson, type Reply } from './wire.ts';

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
      // The same control verbs as faults (GET reads, POST replaces, DELETE clears), on the traffic profile.
      const holder = {
        get faults() {
          return traffic.profile;
        },
        set faults(profile) {
          traffic.set(profile);
        },
      };
      void controlFaults(req, res, holder, TrafficProfile);
      return;
    }
    const api = !pathname.startsWith('/_sim/');
    if (api) requests += 1;
    const answer = async (): Promise<void> => {
      if (api) {
        const down = traffic.outageAnswer();
        if (down !== undefined) {
          const headers = down.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(down.retryAfterSeconds) };
          send(res, { status: down.status, contentType: 'text/plain', body: STATUS_CODES[down.status] ?? 'Error', ...(headers === undefined ? {} : { headers }) });
          return;
        }
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
