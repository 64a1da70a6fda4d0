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
 * patient) with `_count`, `Bundle.total` and `Bundle.link[next]`; `GET /{type}/{id}`;
 * `POST /oauth2/token`; `GET|POST|DELETE /_sim/faults` (with `resultCap`, a Patient search
 * matching more answers as PDS does: HTTP 200 and a `TOO_MANY_MATCHES` OperationOutcome).
 * Synthetic data by default; tests may load published example resources instead.
 */
/// <reference types="fhir" />
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getStatus } from '@medplum/core';
import type { Resource as MedplumResource } from '@medplum/fhirtypes';
import { FhirRouter, MemoryRepository, makeSimpleRequest } from '@medplum/fhir-router';
import { deliverWithFaults, HTML_ERROR_PAGE, statusReply } from '../common/delivery.ts';
import { controlFaults, faultsApply, SimulatorFaults, type ParsedFaults } from '../common/faults.ts';
import { requestBase, send, startSimulatorServer, type Reply } from '../common/http.ts';
import { ensureFhirDefinitions, SIM_PATIENT_PARAMETER, SIM_PATIENT_TYPES } from './definitions.ts';
import { createTokenIssuer, tokenEndpointReply, type SimulatorAuth, type TokenIssuer } from './oauth.ts';

export type { SimulatorFaults } from '../common/faults.ts';
export type { SimulatorAuth, SimulatorClient } from './oauth.ts';

/** Options of `startHealthSimulator`. */
export interface HealthSimulatorOptions {
  /** The resources to serve (see `healthResources(population)`); each needs an id. */
  readonly resources: readonly fhir4.FhirResource[];
  /**
   * What to do with a resource the repository refuses: `throw` (the default: our own synthetic
   * resources must all load) or `skip` it and list it in `HealthSimulator.skipped` (outside data,
   * where a test says how many it could not serve — never silently).
   */
  readonly onRefused?: 'throw' | 'skip';
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
  /** Resources the repository refused and `onRefused: 'skip'` left out, with the reason. */
  readonly skipped: readonly SkippedResource[];
  /** Replaces the current faults; `{}` clears them. */
  setFaults(faults: SimulatorFaults): void;
  close(): Promise<void>;
}

/** A resource the simulator could not hold, and why (the repository's message, cut short). */
export interface SkippedResource {
  readonly reference: string;
  readonly reason: string;
}

/** `_count` when a search gives none, and the most a search may ask for. */
const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 1000;
/** Router answers kept (see `ServerState.answers`). */
const ANSWERS_KEPT = 2_000;
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Starts the simulator; resolves once it listens. Indexing FHIR definitions happens once per process. */
export async function startHealthSimulator(options: HealthSimulatorOptions): Promise<HealthSimulator> {
  ensureFhirDefinitions();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const skipped: SkippedResource[] = [];
  await repo.withSeeding(async () => {
    // Seeding keeps each resource's own meta.lastUpdated. @types/fhir and @medplum/fhirtypes
    // describe the same FHIR JSON in two incompatible type packages; the resources were checked
    // by whoever built the list (our generator, or a test's schema for outside data), so the one
    // bridge between the packages is a cast, and the repository has the last word.
    for (const resource of options.resources) {
      try {
        await repo.createResource(resource as unknown as MedplumResource);
      } catch (error) {
        if (options.onRefused !== 'skip') throw error;
        skipped.push({ reference: `${resource.resourceType}/${resource.id ?? '?'}`, reason: (error instanceof Error ? error.message : String(error)).slice(0, 200) });
      }
    }
  });

  const closing = new AbortController();
  const state: ServerState = { repo, router, answers: new Map(), faults: {}, closing: closing.signal, base: '', publicUrl: options.publicUrl?.replace(/\/+$/, ''), issuer: undefined, auth: options.auth };
  const crashReply: Reply = { status: 500, contentType: 'application/json', body: JSON.stringify(operationOutcome('exception', 'simulator error')) };
  const server = await startSimulatorServer({ name: 'health simulator', port: options.port, host: options.host, closing, crashReply }, (req, res) => handle(req, res, state));
  const url = server.url;
  const tokenUrl = `${url}/oauth2/token`;
  state.base = url;
  state.issuer = options.auth === undefined ? undefined : createTokenIssuer(options.auth, tokenUrl);

  return {
    url,
    tokenUrl,
    skipped,
    setFaults(next) {
      state.faults = SimulatorFaults.parse(next);
    },
    close: () => server.close(),
  };
}

interface ServerState {
  readonly repo: MemoryRepository;
  readonly router: FhirRouter;
  /**
   * The router's answers by request path, kept because the repository is read-only once seeded
   * (the simulator serves reads and searches only): the same search answers the same. Medplum's
   * in-memory search evaluates FHIRPath over every resource, most of the simulators' CPU, which
   * the benchmarks must not count against the hub (an agency's CPU is its own). Bounded.
   */
  readonly answers: Map<string, Awaited<ReturnType<FhirRouter['handleRequest']>>>;
  /** Replaced whole by `setFaults` or the control endpoint; read once per request. */
  faults: ParsedFaults;
  readonly closing: AbortSignal;
  /** The address the server listens on, as a URL. */
  base: string;
  readonly publicUrl: string | undefined;
  issuer: TokenIssuer | undefined;
  readonly auth: SimulatorAuth | undefined;
}

async function handle(req: IncomingMessage, res: ServerResponse, state: ServerState): Promise<void> {
  const base = requestBase(req, state.publicUrl, state.base);
  const requestUrl = new URL(req.url ?? '/', base);
  const path = requestUrl.pathname;
  const pathAndQuery = `${path}${requestUrl.search}`;
  const method = req.method ?? 'GET';

  if (path === '/_sim/faults') {
    await controlFaults(req, res, state, SimulatorFaults);
    return;
  }

  const isToken = path === '/oauth2/token';
  const faults = state.faults;
  const applies = faultsApply(faults, pathAndQuery, !isToken);

  let reply: Reply;
  if (isToken) {
    reply = (await tokenEndpointReply(req, state.issuer, `${base}/oauth2/token`)).reply;
  } else if (method !== 'GET') {
    reply = fhirReply(405, operationOutcome('not-supported', 'the simulator serves reads and searches only'));
  } else if (path !== '/metadata' && state.issuer !== undefined && !state.issuer.accepts(req.headers.authorization)) {
    reply = { ...fhirReply(401, operationOutcome('login', 'a valid bearer token is required')), headers: { 'www-authenticate': 'Bearer' } };
  } else if (path === '/metadata') {
    reply = fhirReply(200, capabilityStatement(state, base));
  } else {
    reply = await searchReply(requestUrl, state, base, applies ? faults.resultCap : undefined);
  }

  if (!applies) {
    send(res, reply);
    return;
  }
  await deliverWithFaults(res, reply, faults, state.closing, (valid) => faultedReply(valid, faults));
}

/**
 * PDS FHIR API, patient search: "HTTP 200 … TOO_MANY_MATCHES: Too many matches were found"
 * (contract of NHS England's personal-demographics-service-api, as its sandbox answers it).
 */
const TOO_MANY_MATCHES: fhir4.OperationOutcome = {
  resourceType: 'OperationOutcome',
  issue: [
    {
      code: 'multiple-matches',
      severity: 'information',
      details: { coding: [{ code: 'TOO_MANY_MATCHES', display: 'Too Many Matches', system: 'https://fhir.nhs.uk/R4/CodeSystem/Spine-ErrorOrWarningCode', version: '1' }] },
    },
  ],
};

/** A read or search through the Medplum router, with paging links added; a Patient search over `resultCap` matches is refused as PDS refuses it. */
async function searchReply(requestUrl: URL, state: ServerState, base: string, resultCap: number | undefined): Promise<Reply> {
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
  let answer = state.answers.get(routedPath);
  if (answer === undefined) {
    answer = await state.router.handleRequest(makeSimpleRequest('GET', routedPath), state.repo);
    if (state.answers.size >= ANSWERS_KEPT) state.answers.clear();
    state.answers.set(routedPath, answer);
  }
  // Each reply is built afresh from the kept answer (the paging links are added to a copy).
  const [outcome, resource] = answer;
  if (resource === undefined) return fhirReply(getStatus(outcome), outcome);
  if (isSearch && resource.resourceType === 'Bundle') {
    const total = resource.total ?? 0;
    if (resourceType === 'Patient' && resultCap !== undefined && total > resultCap) return fhirReply(200, TOO_MANY_MATCHES);
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

/** The broken bodies of `malformed`, by kind. */
const MALFORMED: Readonly<Record<'json' | 'xml' | 'html', Reply>> = {
  json: { status: 200, contentType: FHIR_JSON, body: '{"resourceType":"Bundle","type":"searchset","entry":[{"resource":{"resourceType":"Pat' },
  xml: {
    status: 200,
    contentType: 'application/fhir+xml',
    body: '<?xml version="1.0"?>\n<!DOCTYPE Bundle [<!ENTITY x "simulated">]>\n<Bundle xmlns="http://hl7.org/fhir"><type value="searchset"/></Bundle>\n',
  },
  html: HTML_ERROR_PAGE,
};

/** What the content faults make of a reply: an OperationOutcome, a bare status or a broken body. */
function faultedReply(reply: Reply, faults: ParsedFaults): Reply {
  if (faults.operationOutcome !== undefined) {
    const oo = faults.operationOutcome === true ? { code: 'processing', severity: 'error' as const, diagnostics: 'simulated failure' } : faults.operationOutcome;
    return fhirReply(faults.status ?? 400, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: oo.severity, code: oo.code, ...(oo.diagnostics === undefined ? {} : { diagnostics: oo.diagnostics }) }],
    });
  }
  if (faults.status !== undefined) return statusReply(faults.status);
  if (faults.malformed !== undefined) return MALFORMED[faults.malformed === true ? 'json' : faults.malformed];
  return reply;
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
