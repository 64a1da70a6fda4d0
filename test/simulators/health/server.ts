/**
 * The health agency simulator: a real FHIR R4 server on loopback.
 *
 * Why this file exists: the FHIR adapter must be proven against real search semantics
 * (token and string matching, date comparison, `_count`/`_offset` paging), real HTTP
 * behaviour (slow, hanging, oversized, broken responses) and real authorisation (OAuth2
 * client credentials with a secret or a signed JWT assertion), not against hand-written mocks.
 * Searches run on @medplum/fhir-router's MemoryRepository behind node:http; this file adds
 * what that router leaves to its host: paging links that point back at this server,
 * `/metadata`, the token endpoint, bearer checks and fault injection.
 *
 * Endpoints: `GET /metadata`; `GET /{type}?…` searches (Patient by identifier, family, given,
 * birthdate, address-postalcode; Encounter, Condition, Flag, EpisodeOfCare, RelatedPerson by
 * patient) with `_count` and `Bundle.link[next]`; `GET /{type}/{id}`; `POST /oauth2/token`;
 * `GET|POST|DELETE /_sim/faults`. Synthetic data only.
 */
/// <reference types="fhir" />
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { getStatus } from '@medplum/core';
import type { Resource as MedplumResource } from '@medplum/fhirtypes';
import { FhirRouter, MemoryRepository, makeSimpleRequest } from '@medplum/fhir-router';
import { ensureFhirDefinitions, SIM_PATIENT_PARAMETER, SIM_PATIENT_TYPES } from './definitions.ts';
import { faultsApply, SimulatorFaults, type ParsedFaults } from './faults.ts';
import { createTokenIssuer, type SimulatorAuth, type TokenIssuer } from './oauth.ts';

export type { SimulatorFaults } from './faults.ts';
export type { SimulatorAuth, SimulatorClient } from './oauth.ts';

/** Options of `startHealthSimulator`. */
export interface HealthSimulatorOptions {
  /** The resources to serve (see `healthResources(population)`); each needs an id. */
  readonly resources: readonly fhir4.FhirResource[];
  /** Default 0: any free port. */
  readonly port?: number;
  /** Default 127.0.0.1 (loopback only). */
  readonly host?: string;
  /** When given, FHIR endpoints need a bearer token (from `/oauth2/token` or `staticTokens`). */
  readonly auth?: SimulatorAuth;
  /**
   * The base URL clients use, when fixed (behind a proxy). Otherwise paging links, the
   * capability statement and the token audience follow each request's Host header, so a
   * simulator reached as `http://health-sim:8081` links back to exactly that.
   */
  readonly publicUrl?: string;
}

/** A running simulator. */
export interface HealthSimulator {
  /** FHIR base URL, e.g. http://127.0.0.1:43127 (no trailing slash). */
  readonly url: string;
  /** `${url}/oauth2/token` — also the audience client assertions must name. */
  readonly tokenUrl: string;
  /** The repository behind the server; tests may add or change resources. */
  readonly repo: MemoryRepository;
  /** Replaces the current faults; `{}` clears them. */
  setFaults(faults: SimulatorFaults): void;
  close(): Promise<void>;
}

/** `_count` when a search gives none, and the most a search may ask for. */
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 1000;
const MAX_REQUEST_BODY_BYTES = 64 * 1024;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Starts the simulator; resolves once it listens. Indexing FHIR definitions happens once per process. */
export async function startHealthSimulator(options: HealthSimulatorOptions): Promise<HealthSimulator> {
  ensureFhirDefinitions();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  await repo.withSeeding(async () => {
    // Seeding keeps each resource's own meta.lastUpdated. @types/fhir and @medplum/fhirtypes
    // describe the same FHIR JSON in two incompatible type packages; these are our own
    // synthetic resources, so the one bridge between them is a cast, not outside data.
    for (const resource of options.resources) await repo.createResource(resource as unknown as MedplumResource);
  });

  const closing = new AbortController();
  const state: ServerState = { repo, router, faults: {}, closing: closing.signal, base: '', publicUrl: options.publicUrl?.replace(/\/+$/, ''), issuer: undefined, auth: options.auth };
  const server = createServer((req, res) => {
    handle(req, res, state).catch(() => {
      // A bug in the simulator: answer 500 rather than leave the client hanging.
      if (!res.headersSent) sendJson(res, 500, operationOutcome('exception', 'simulator error'));
      else res.destroy();
    });
  });
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('health simulator: no TCP address');
  const url = `http://${formatHost(address)}:${address.port}`;
  const tokenUrl = `${url}/oauth2/token`;
  state.base = url;
  state.issuer = options.auth === undefined ? undefined : createTokenIssuer(options.auth, tokenUrl);

  return {
    url,
    tokenUrl,
    repo,
    setFaults(next) {
      state.faults = SimulatorFaults.parse(next);
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

interface ServerState {
  readonly repo: MemoryRepository;
  readonly router: FhirRouter;
  /** Replaced whole by `setFaults` or the control endpoint; read once per request. */
  faults: ParsedFaults;
  readonly closing: AbortSignal;
  /** The address the server listens on, as a URL. */
  base: string;
  readonly publicUrl: string | undefined;
  issuer: TokenIssuer | undefined;
  readonly auth: SimulatorAuth | undefined;
}

/** A response built before faults decide how (and whether) it is delivered. */
interface Reply {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState): Promise<void> {
  const base = requestBase(req, state);
  const requestUrl = new URL(req.url ?? '/', base);
  const path = requestUrl.pathname;
  const pathAndQuery = `${path}${requestUrl.search}`;
  const method = req.method ?? 'GET';

  if (path === '/_sim/faults') {
    await controlFaults(req, res, state, method);
    return;
  }

  const isToken = path === '/oauth2/token';
  const faults = state.faults;
  const applies = faultsApply(faults, pathAndQuery, !isToken);

  let reply: Reply;
  if (isToken) {
    reply = await tokenReply(req, state, method, `${base}/oauth2/token`);
  } else if (method !== 'GET') {
    reply = fhirReply(405, operationOutcome('not-supported', 'the simulator serves reads and searches only'));
  } else if (path !== '/metadata' && state.issuer !== undefined && !state.issuer.accepts(req.headers.authorization)) {
    reply = { ...fhirReply(401, operationOutcome('login', 'a valid bearer token is required')), headers: { 'www-authenticate': 'Bearer' } };
  } else if (path === '/metadata') {
    reply = fhirReply(200, capabilityStatement(state, base));
  } else {
    reply = await searchReply(requestUrl, state, base);
  }

  if (!applies) {
    send(res, reply);
    return;
  }
  await deliverWithFaults(res, reply, faults, state.closing);
}

async function controlFaults(req: IncomingMessage, res: ServerResponse, state: ServerState, method: string): Promise<void> {
  if (method === 'GET') {
    sendJson(res, 200, state.faults);
    return;
  }
  if (method === 'DELETE') {
    state.faults = {};
    res.writeHead(204).end();
    return;
  }
  if (method !== 'POST') {
    sendJson(res, 405, { error: 'use GET, POST or DELETE' });
    return;
  }
  const body = await readBody(req);
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    sendJson(res, 400, { error: 'body must be JSON' });
    return;
  }
  const parsed = SimulatorFaults.safeParse(json);
  if (!parsed.success) {
    sendJson(res, 400, { error: 'invalid faults', issues: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    return;
  }
  state.faults = parsed.data;
  res.writeHead(204).end();
}

async function tokenReply(req: IncomingMessage, state: ServerState, method: string, audience: string): Promise<Reply> {
  const json = (status: number, body: unknown): Reply => ({ status, contentType: 'application/json', body: JSON.stringify(body), headers: { 'cache-control': 'no-store' } });
  if (method !== 'POST') return json(405, { error: 'invalid_request', error_description: 'use POST' });
  if (state.issuer === undefined) return json(400, { error: 'unauthorized_client', error_description: 'this simulator was started without auth' });
  const body = await readBody(req);
  if (body === undefined) return json(400, { error: 'invalid_request', error_description: 'body too large' });
  const outcome = await state.issuer.issue(new URLSearchParams(body), req.headers.authorization, audience);
  return json(outcome.status, outcome.body);
}

/** A read or search through the Medplum router, with paging links added. */
async function searchReply(requestUrl: URL, state: ServerState, base: string): Promise<Reply> {
  const segments = requestUrl.pathname.split('/').filter((s) => s !== '');
  const resourceType = segments[0] ?? '';
  const isSearch = segments.length === 1;
  const count = Math.min(MAX_PAGE_SIZE, Math.max(0, parseCount(requestUrl.searchParams.get('_count'))));
  const offset = Math.max(0, Number.parseInt(requestUrl.searchParams.get('_offset') ?? '0', 10) || 0);

  const routed = new URLSearchParams();
  for (const [name, value] of requestUrl.searchParams) {
    if (name === '_count' || name === '_offset') continue;
    // Same answer, fast: see SIM_PATIENT_PARAMETER. Next links keep the client's own `patient=`.
    if (name === 'patient' && SIM_PATIENT_TYPES.has(resourceType)) routed.append(SIM_PATIENT_PARAMETER, value.includes('/') ? value : `Patient/${value}`);
    else routed.append(name, value);
  }
  if (isSearch) {
    routed.set('_count', String(count));
    routed.set('_offset', String(offset));
  }
  const routedPath = `${requestUrl.pathname}${routed.size > 0 ? `?${routed.toString()}` : ''}`;
  const [outcome, resource] = await state.router.handleRequest(makeSimpleRequest('GET', routedPath), state.repo);
  if (resource === undefined) return fhirReply(getStatus(outcome), outcome);
  if (isSearch && resource.resourceType === 'Bundle') {
    const total = resource.total ?? 0;
    const link = [{ relation: 'self', url: `${base}${requestUrl.pathname}${requestUrl.search}` }];
    if (count > 0 && offset + count < total) {
      const next = new URLSearchParams(requestUrl.searchParams);
      next.set('_count', String(count));
      next.set('_offset', String(offset + count));
      link.push({ relation: 'next', url: `${base}${requestUrl.pathname}?${next.toString()}` });
    }
    return fhirReply(200, { ...resource, link });
  }
  return fhirReply(getStatus(outcome), resource);
}

function parseCount(raw: string | null): number {
  if (raw === null) return DEFAULT_PAGE_SIZE;
  const n = Number.parseInt(raw, 10);
  return Number.isFinite(n) ? n : DEFAULT_PAGE_SIZE;
}

/** Delivers a reply the way the current faults say: late, stalled, replaced, broken or bloated. */
async function deliverWithFaults(res: ServerResponse, reply: Reply, faults: ParsedFaults, closing: AbortSignal): Promise<void> {
  const aborted = AbortSignal.any([closing, closedSignal(res)]);
  try {
    if (faults.latencyMs !== undefined && faults.latencyMs > 0) await sleep(faults.latencyMs, undefined, { signal: aborted });

    let delivered = reply;
    if (faults.operationOutcome !== undefined) {
      const oo = faults.operationOutcome === true ? { code: 'processing', severity: 'error' as const, diagnostics: 'simulated failure' } : faults.operationOutcome;
      delivered = fhirReply(faults.status ?? 400, {
        resourceType: 'OperationOutcome',
        issue: [{ severity: oo.severity, code: oo.code, ...(oo.diagnostics === undefined ? {} : { diagnostics: oo.diagnostics }) }],
      });
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
      return { status: 200, contentType: FHIR_JSON, body: '{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Pat' };
    case 'xml':
      return {
        status: 200,
        contentType: 'application/fhir+xml',
        body: '<?xml version="1.0"?>\n<!DOCTYPE Bundle [<!ENTITY x "simulated">]>\n<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/></Bundle>\n',
      };
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

/** The instance CapabilityStatement: what this simulator serves, and its token endpoint when secured. */
function capabilityStatement(state: ServerState, base: string): fhir4.CapabilityStatement {
  const byPatient: fhir4.CapabilityStatementRestResourceSearchParam[] = [{ name: 'patient', type: 'reference' }];
  const searchType = (type: fhir4.CapabilityStatementRestResource['type'], params: fhir4.CapabilityStatementRestResourceSearchParam[]): fhir4.CapabilityStatementRestResource => ({
    type,
    interaction: [{ code: 'read' }, { code: 'search-type' }],
    searchParam: [...params, { name: '_count', type: 'number' }],
  });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-21',
    kind: 'instance',
    software: { name: 'MASH Gateway health simulator' },
    implementation: { description: 'Synthetic UK Core health records for MASH Gateway tests', url: base },
    fhirVersion: '4.0.1',
    format: ['json'],
    rest: [
      {
        mode: 'server',
        ...(state.auth === undefined
          ? {}
          : {
              security: {
                service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }] }],
                extension: [
                  {
                    url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
                    extension: [{ url: 'token', valueUri: `${base}/oauth2/token` }],
                  },
                ],
              },
            }),
        resource: [
          searchType('Patient', [
            { name: 'identifier', type: 'token' },
            { name: 'family', type: 'string' },
            { name: 'given', type: 'string' },
            { name: 'birthdate', type: 'date' },
            { name: 'address-postalcode', type: 'string' },
          ]),
          searchType('Encounter', byPatient),
          searchType('Condition', byPatient),
          searchType('Flag', byPatient),
          searchType('EpisodeOfCare', byPatient),
          searchType('RelatedPerson', byPatient),
        ],
      },
    ],
  };
}

function operationOutcome(code: fhir4.OperationOutcomeIssue['code'], diagnostics: string): fhir4.OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, diagnostics }] };
}

function fhirReply(status: number, body: unknown): Reply {
  return { status, contentType: FHIR_JSON, body: JSON.stringify(body) };
}

function send(res: ServerResponse, reply: Reply): void {
  const bytes = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { ...reply.headers, 'content-type': reply.contentType, 'content-length': String(bytes.length) });
  res.end(bytes);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, { status, contentType: 'application/json', body: JSON.stringify(body) });
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
