/**
 * The police agency simulator: a SOAP 1.2 service on loopback answering the PersonSearch
 * operation of contracts/police/ from the synthetic population's police view.
 *
 * Why this file exists: the police adapter must be proven against a real SOAP endpoint — a
 * fuzzy nominal search like a force records management system's (search.ts), paging, SOAP 1.2
 * faults for bad requests, WS-Security UsernameToken checking (wssecurity.ts) — and against real
 * misbehaviour on the wire (latency, hangs, oversized and hostile bodies, HTTP errors, faults),
 * not against hand-written mocks. Hand-rolled on node:http rather than node-soap's `listen`, so
 * that the service side is an implementation independent of the client's, whose XML a test
 * validates against the XSD.
 *
 * Endpoints: `POST <any path>` SOAP 1.2 (`application/soap+xml`); `GET /?wsdl` the WSDL with its
 * address pointing here, `GET /pole-person-search.xsd` the schema; `GET|POST|DELETE /_sim/faults`.
 * Synthetic data only.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { agencyView, type Population } from '../population/index.ts';
import { readEnvelope, notUnderstood, readPersonSearch, type Fault } from './envelope.ts';
import { PoliceSimulatorFaults, policeFaultsApply, type ParsedPoliceFaults } from './faults.ts';
import { indexPoliceView, searchNominals, type PoliceIndex } from './search.ts';
import { checkUsernameToken, createNonceLog, type NonceLog, type PoliceSimulatorAuth } from './wssecurity.ts';
import { envelope, externalEntityBody, faultEnvelope, faultStatus, malformedBody, personSearchResponse, SOAP_CONTENT_TYPE } from './xml.ts';

export type { PoliceSimulatorFaults } from './faults.ts';
export type { PoliceSimulatorAuth } from './wssecurity.ts';

/** Options of `startPoliceSimulator`. */
export interface PoliceSimulatorOptions {
  /** The population whose police view is served. */
  readonly population: Population;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  /** When given, requests need a WS-Security UsernameToken of one of these users. */
  readonly auth?: PoliceSimulatorAuth;
  /** The URL clients use, when fixed (behind a proxy); otherwise the WSDL's address follows the Host header. */
  readonly publicUrl?: string;
}

/** A running simulator. */
export interface PoliceSimulator {
  /** The SOAP endpoint, e.g. http://127.0.0.1:43127 (no trailing slash). */
  readonly url: string;
  /** Replaces the current faults; `{}` clears them. */
  setFaults(faults: PoliceSimulatorFaults): void;
  close(): Promise<void>;
}

const CONTRACT_DIR = path.resolve(import.meta.dirname, '..', '..', '..', 'contracts', 'police');
const MAX_REQUEST_BODY_BYTES = 256 * 1024;

interface ServerState {
  readonly index: PoliceIndex;
  readonly auth: PoliceSimulatorAuth | undefined;
  readonly nonces: NonceLog;
  readonly wsdl: string;
  readonly xsd: string;
  readonly closing: AbortSignal;
  readonly publicUrl: string | undefined;
  base: string;
  /** Replaced whole by `setFaults` or the control endpoint; read once per request. */
  faults: ParsedPoliceFaults;
}

/** A response built before faults decide how (and whether) it is delivered. */
interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** Starts the simulator; resolves once it listens. */
export async function startPoliceSimulator(options: PoliceSimulatorOptions): Promise<PoliceSimulator> {
  const closing = new AbortController();
  const state: ServerState = {
    index: indexPoliceView(agencyView(options.population, 'police')),
    auth: options.auth,
    nonces: createNonceLog(),
    wsdl: readFileSync(path.join(CONTRACT_DIR, 'PersonSearchService.wsdl'), 'utf8'),
    xsd: readFileSync(path.join(CONTRACT_DIR, 'pole-person-search.xsd'), 'utf8'),
    closing: closing.signal,
    publicUrl: options.publicUrl?.replace(/\/+$/, ''),
    base: '',
    faults: {},
  };
  const server = createServer((req, res) => {
    handle(req, res, state).catch(() => {
      // A bug in the simulator: answer with a Receiver fault rather than leave the client hanging.
      if (!res.headersSent) send(res, { status: 500, contentType: SOAP_CONTENT_TYPE, body: faultEnvelope('Receiver', 'simulator error', 'pole:ServiceUnavailable') });
      else res.destroy();
    });
  });
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('police simulator: no TCP address');
  const url = `http://${formatHost(address)}:${address.port}`;
  state.base = url;
  return {
    url,
    setFaults(next) {
      state.faults = PoliceSimulatorFaults.parse(next);
    },
    async close() {
      closing.abort();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState): Promise<void> {
  const base = requestBase(req, state);
  const requestUrl = new URL(req.url ?? '/', base);
  const method = req.method ?? 'GET';
  if (requestUrl.pathname === '/_sim/faults') {
    await controlFaults(req, res, state, method);
    return;
  }
  if (method === 'GET') {
    send(res, contractDocument(requestUrl, state, base));
    return;
  }
  if (method !== 'POST') {
    send(res, { status: 405, contentType: 'text/plain; charset=utf-8', body: 'POST a SOAP 1.2 envelope, or GET ?wsdl\n' });
    return;
  }

  const body = await readBody(req);
  const { reply, page } = await soapReply(req, body, state);
  const faults = state.faults;
  if (!policeFaultsApply(faults, `POST ${requestUrl.pathname} PersonSearch page=${page ?? '?'}`)) {
    send(res, reply);
    return;
  }
  await deliverWithFaults(res, reply, faults, state.closing);
}

/** The WSDL (its address pointing at this server) or the XSD it imports. */
function contractDocument(requestUrl: URL, state: ServerState, base: string): Reply {
  if ([...requestUrl.searchParams.keys()].some((k) => k.toLowerCase() === 'wsdl')) {
    const wsdl = state.wsdl.replace(/(<soap12:address location=")[^"]*(")/, `$1${base}${requestUrl.pathname === '/' ? '' : requestUrl.pathname}$2`);
    return { status: 200, contentType: 'text/xml; charset=utf-8', body: wsdl };
  }
  if (requestUrl.pathname === '/pole-person-search.xsd') return { status: 200, contentType: 'text/xml; charset=utf-8', body: state.xsd };
  return { status: 404, contentType: 'text/plain; charset=utf-8', body: 'not found: GET ?wsdl for the service description\n' };
}

/** The answer to one SOAP request, and the page it asked for (for fault matching). */
async function soapReply(req: IncomingMessage, body: string | undefined, state: ServerState): Promise<{ reply: Reply; page: number | undefined }> {
  const fault = (f: Fault): { reply: Reply; page: undefined } => ({ reply: faultReply(f), page: undefined });
  if (body === undefined) return { reply: { status: 413, contentType: 'text/plain; charset=utf-8', body: 'request body too large\n' }, page: undefined };
  // SOAP 1.2 HTTP binding: the media type is application/soap+xml (RFC 3902).
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/soap+xml')) {
    return { reply: { status: 415, contentType: 'text/plain; charset=utf-8', body: 'send application/soap+xml (SOAP 1.2)\n' }, page: undefined };
  }
  const envelopeRead = await readEnvelope(body);
  if (!envelopeRead.ok) return fault(envelopeRead.fault);
  const { headerBlocks, payload } = envelopeRead.request;
  const mustUnderstand = notUnderstood(headerBlocks);
  if (mustUnderstand !== undefined) return fault(mustUnderstand);
  if (state.auth !== undefined) {
    const refused = checkUsernameToken(headerBlocks, state.auth, state.nonces, Date.now());
    if (refused !== undefined) return fault(refused);
  }
  const search = readPersonSearch(payload);
  if (!search.ok) return fault(search.fault);

  const { query, pageNumber, pageSize } = search.call;
  const matches = searchNominals(state.index, query);
  const start = (pageNumber - 1) * pageSize;
  const nominals = matches.slice(start, start + pageSize);
  const payloadXml = personSearchResponse(state.index, nominals, { totalMatches: matches.length, pageNumber, pageSize, morePages: start + pageSize < matches.length });
  return { reply: { status: 200, contentType: SOAP_CONTENT_TYPE, body: envelope(payloadXml) }, page: pageNumber };
}

function faultReply(fault: Fault): Reply {
  return { status: faultStatus(fault.code), contentType: SOAP_CONTENT_TYPE, body: faultEnvelope(fault.code, fault.reason, fault.subcode) };
}

async function controlFaults(req: IncomingMessage, res: ServerResponse, state: ServerState, method: string): Promise<void> {
  const json = (status: number, value: unknown): void => {
    send(res, { status, contentType: 'application/json', body: JSON.stringify(value) });
  };
  if (method === 'GET') {
    json(200, state.faults);
    return;
  }
  if (method === 'DELETE') {
    state.faults = {};
    res.writeHead(204).end();
    return;
  }
  if (method !== 'POST') {
    json(405, { error: 'use GET, POST or DELETE' });
    return;
  }
  let parsedJson: unknown;
  try {
    parsedJson = JSON.parse((await readBody(req)) ?? '');
  } catch {
    json(400, { error: 'body must be JSON' });
    return;
  }
  const parsed = PoliceSimulatorFaults.safeParse(parsedJson);
  if (!parsed.success) {
    json(400, { error: 'invalid faults', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return;
  }
  state.faults = parsed.data;
  res.writeHead(204).end();
}

/** Delivers a reply the way the current faults say: late, stalled, replaced, hostile or bloated. */
async function deliverWithFaults(res: ServerResponse, reply: Reply, faults: ParsedPoliceFaults, closing: AbortSignal): Promise<void> {
  const aborted = AbortSignal.any([closing, closedSignal(res)]);
  try {
    if (faults.latencyMs !== undefined && faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal: aborted });

    let delivered = reply;
    const soapFault = faults.soapFault ?? outcomeAsFault(faults.operationOutcome);
    if (soapFault !== undefined) {
      const f = soapFault === true ? { code: 'Receiver' as const, subcode: 'pole:ServiceUnavailable', reason: 'simulated failure' } : soapFault;
      delivered = { ...faultReply({ code: f.code, reason: f.reason ?? 'simulated failure', ...(f.subcode === undefined ? {} : { subcode: f.subcode }) }), ...(faults.status === undefined ? {} : { status: faults.status }) };
    } else if (faults.status !== undefined) {
      delivered = { status: faults.status, contentType: 'text/plain; charset=utf-8', body: `simulated HTTP ${faults.status}\n` };
    } else if (faults.externalEntityFile !== undefined) {
      delivered = { status: 200, contentType: SOAP_CONTENT_TYPE, body: externalEntityBody(faults.externalEntityFile) };
    } else if (faults.malformed !== undefined) {
      delivered = { status: 200, ...malformedBody(faults.malformed === true ? 'xml' : faults.malformed) };
    }

    if (faults.oversizeBytes !== undefined) {
      await sendPadded(res, delivered, faults.oversizeBytes, aborted);
      return;
    }
    if (faults.hangMs !== undefined && faults.hangMs > 0) {
      const bytes = Buffer.from(delivered.body, 'utf8');
      const half = Math.floor(bytes.length / 2);
      res.writeHead(delivered.status, { 'content-type': delivered.contentType, 'content-length': String(bytes.length) });
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

/** The health vocabulary's `operationOutcome` as SOAP: a Receiver fault, its diagnostics (or code) as the reason. */
function outcomeAsFault(outcome: ParsedPoliceFaults['operationOutcome']): ParsedPoliceFaults['soapFault'] {
  if (outcome === undefined) return undefined;
  if (outcome === true) return true;
  return { code: 'Receiver', subcode: 'pole:ServiceUnavailable', reason: outcome.diagnostics ?? outcome.code };
}

/** Streams the reply followed by whitespace (allowed after the root element) up to `size` bytes, chunked. */
async function sendPadded(res: ServerResponse, reply: Reply, size: number, aborted: AbortSignal): Promise<void> {
  res.writeHead(reply.status, { 'content-type': reply.contentType });
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

function send(res: ServerResponse, reply: Reply): void {
  const bytes = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { 'content-type': reply.contentType, 'content-length': String(bytes.length) });
  res.end(bytes);
}

/** The request body as text, or undefined when it passes the limit. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
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

function listen(server: Server, port: number, host: string): Promise<void> {
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

/** `publicUrl`, else http://<Host header> when it is a plain host[:port], else the bound address. */
function requestBase(req: IncomingMessage, state: ServerState): string {
  if (state.publicUrl !== undefined) return state.publicUrl;
  const host = req.headers.host;
  const plainHost = /^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;
  return host !== undefined && plainHost.test(host) ? `http://${host}` : state.base;
}
