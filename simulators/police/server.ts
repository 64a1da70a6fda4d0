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
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { deliverWithFaults, statusReply } from '../common/delivery.ts';
import { controlFaults, faultsApply } from '../common/faults.ts';
import { readBody, requestBase, send, startSimulatorServer, type Reply } from '../common/http.ts';
import { agencyView, type Population } from '../population/index.ts';
import { readEnvelope, notUnderstood, readPersonSearch, type Fault } from './envelope.ts';
import { PoliceSimulatorFaults, type ParsedPoliceFaults } from './faults.ts';
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

const CONTRACT_DIR = path.resolve(import.meta.dirname, '..', '..', 'contracts', 'police');
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
  // A simulator bug is answered with a Receiver fault.
  const crashReply: Reply = { status: 500, contentType: SOAP_CONTENT_TYPE, body: faultEnvelope('Receiver', 'simulator error', 'pole:ServiceUnavailable') };
  const server = await startSimulatorServer({ name: 'police simulator', port: options.port, host: options.host, closing, crashReply }, (req, res) => handle(req, res, state));
  state.base = server.url;
  return {
    url: server.url,
    setFaults(next) {
      state.faults = PoliceSimulatorFaults.parse(next);
    },
    close: () => server.close(),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState): Promise<void> {
  const base = requestBase(req, state.publicUrl, state.base);
  const requestUrl = new URL(req.url ?? '/', base);
  const method = req.method ?? 'GET';
  if (requestUrl.pathname === '/_sim/faults') {
    await controlFaults(req, res, state, PoliceSimulatorFaults, MAX_REQUEST_BODY_BYTES);
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

  const body = await readBody(req, MAX_REQUEST_BODY_BYTES);
  const faults = state.faults;
  const descriptor = (page: number | undefined): string => `POST ${requestUrl.pathname} PersonSearch page=${page ?? '?'}`;
  const resultCapFor = (page: number): number | undefined => (faultsApply(faults, descriptor(page), true) ? faults.resultCap : undefined);
  const { reply, page } = await soapReply(req, body, state, resultCapFor);
  // Every SOAP request is in scope; WSDL downloads and the control endpoint never reach here.
  if (!faultsApply(faults, descriptor(page), true)) {
    send(res, reply);
    return;
  }
  await deliverWithFaults(res, reply, faults, state.closing, (valid) => faultedReply(valid, faults));
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

/**
 * The answer to one SOAP request, and the page it asked for (for fault matching). With a result
 * cap, the force lists only its first N candidates but still reports how many matched
 * (`TotalMatchCount`), as a records system with its own limit does.
 */
async function soapReply(req: IncomingMessage, body: string | undefined, state: ServerState, resultCapFor: (page: number) => number | undefined): Promise<{ reply: Reply; page: number | undefined }> {
  const fault = (f: Fault): { reply: Reply; page: undefined } => ({ reply: faultReply(f), page: undefined });
  if (body === undefined) return { reply: { status: 413, contentType: 'text/plain; charset=utf-8', body: 'request body too large\n' }, page: undefined };
  // SOAP 1.2 HTTP binding: the media type is application/soap+xml (RFC 3902).
  if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/soap+xml')) {
    return { reply: { status: 415, contentType: 'text/plain; charset=utf-8', body: 'send application/soap+xml (SOAP 1.2)\n' }, page: undefined };
  }
  const envelopeRead = await readEnvelope(body);
  if (!envelopeRead.ok) return fault(envelopeRead.error);
  const { headerBlocks, payload } = envelopeRead.value;
  const mustUnderstand = notUnderstood(headerBlocks);
  if (mustUnderstand !== undefined) return fault(mustUnderstand);
  if (state.auth !== undefined) {
    const refused = checkUsernameToken(headerBlocks, state.auth, state.nonces, Date.now());
    if (refused !== undefined) return fault(refused);
  }
  const search = readPersonSearch(payload);
  if (!search.ok) return fault(search.error);

  const { query, pageNumber, pageSize } = search.value;
  const matches = searchNominals(state.index, query);
  const cap = resultCapFor(pageNumber);
  const listed = cap === undefined ? matches : matches.slice(0, cap);
  const start = (pageNumber - 1) * pageSize;
  const nominals = listed.slice(start, start + pageSize);
  const payloadXml = personSearchResponse(state.index, nominals, { totalMatches: matches.length, pageNumber, pageSize, morePages: start + pageSize < listed.length });
  return { reply: { status: 200, contentType: SOAP_CONTENT_TYPE, body: envelope(payloadXml) }, page: pageNumber };
}

function faultReply(fault: Fault): Reply {
  return { status: faultStatus(fault.code), contentType: SOAP_CONTENT_TYPE, body: faultEnvelope(fault.code, fault.reason, fault.subcode) };
}

/** What the content faults make of a reply: a SOAP fault, a bare status, or a hostile or broken body. */
function faultedReply(reply: Reply, faults: ParsedPoliceFaults): Reply {
  const soapFault = faults.soapFault ?? outcomeAsFault(faults.operationOutcome);
  if (soapFault !== undefined) {
    const f = soapFault === true ? { code: 'Receiver' as const, subcode: 'pole:ServiceUnavailable', reason: 'simulated failure' } : soapFault;
    return { ...faultReply({ code: f.code, reason: f.reason ?? 'simulated failure', ...(f.subcode === undefined ? {} : { subcode: f.subcode }) }), ...(faults.status === undefined ? {} : { status: faults.status }) };
  }
  if (faults.status !== undefined) return statusReply(faults.status);
  if (faults.externalEntityFile !== undefined) return { status: 200, contentType: SOAP_CONTENT_TYPE, body: externalEntityBody(faults.externalEntityFile) };
  if (faults.malformed !== undefined) return { status: 200, ...malformedBody(faults.malformed === true ? 'xml' : faults.malformed) };
  return reply;
}

/** The health vocabulary's `operationOutcome` as SOAP: a Receiver fault, its diagnostics (or code) as the reason. */
function outcomeAsFault(outcome: ParsedPoliceFaults['operationOutcome']): ParsedPoliceFaults['soapFault'] {
  if (outcome === undefined) return undefined;
  if (outcome === true) return true;
  return { code: 'Receiver', subcode: 'pole:ServiceUnavailable', reason: outcome.diagnostics ?? outcome.code };
}
