/**
 * The adapter contract: what every agency adapter must show against its real simulator on
 * loopback, written once and run for each of the five agencies (agencies.ts) — it finds the
 * featured family by a trusted identifier and by demographics, returns nobody for an unknown
 * person, fails within its deadline on a hanging agency, refuses an oversized body, fails cleanly
 * on a malformed body and on HTTP errors, reports every cut (candidate cap, page cap, the agency's
 * own limit), never follows a redirect, and records orchestrations without bodies or personal
 * data (DESIGN.md "Adapters"; CONVENTIONS.md §3: expected failures are values with stable codes).
 * Each agency's own file keeps only what is specific to its protocol.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterFailure, AnswerCut, Orchestration } from '../../src/adapters/port.ts';
import type { AgencySimulator } from '../../simulators/embedded.ts';
import { AGENCY_CASES, type Looked } from './agencies.ts';

const ORCHESTRATION_KEYS = ['name', 'method', 'url', 'status', 'durationMs', 'startedAt', 'error'];

function failureOf(looked: Looked): AdapterFailure {
  if (looked.outcome.kind !== 'failed') throw new Error('expected the lookup to fail');
  return looked.outcome.failure;
}

function cutsOf(looked: Looked): readonly AnswerCut[] {
  if (looked.outcome.kind !== 'found') throw new Error(`expected found, got ${looked.outcome.failure.kind}: ${looked.outcome.failure.reason}`);
  return looked.outcome.cuts;
}

/** A loopback server answering every request with `answer`, counting the requests. */
async function startServer(answer: (res: ServerResponse) => void): Promise<{ server: Server; url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits++;
    req.resume();
    answer(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits };
}

const close = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

describe.each(AGENCY_CASES.map((c) => [c.agency, c] as const))('the %s adapter against its simulator', (_agency, agency) => {
  let sim: AgencySimulator;
  const settings = (overrides = {}) => agency.settingsFor(sim.url, overrides);

  function expectCleanOrchestrations(orchestrations: readonly Orchestration[]): void {
    expect(orchestrations.length).toBeGreaterThan(0);
    for (const o of orchestrations) {
      expect(ORCHESTRATION_KEYS).toEqual(expect.arrayContaining(Object.keys(o)));
      expect(o.durationMs).toBeGreaterThanOrEqual(0);
    }
    const text = JSON.stringify(orchestrations);
    for (const value of agency.identifying) expect(text).not.toContain(value);
  }

  beforeAll(async () => {
    sim = await agency.start();
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.setFaults({});
  });

  it('finds the featured family by a trusted identifier, uncut, recording every call without bodies or personal data', async () => {
    const looked = await agency.search(agency.byIdentifier.query, settings());
    expect(looked.ids[0]).toBe(agency.byIdentifier.id);
    expect(cutsOf(looked)).toEqual([]);
    expect(looked.outcome.orchestrations.every((o) => o.status === 200 && o.error === undefined)).toBe(true);
    expectCleanOrchestrations(looked.outcome.orchestrations);
  });

  it('finds the featured child by demographics alone', async () => {
    const looked = await agency.search(agency.byDemographics.query, settings({ maxCandidates: 10 }));
    expect(looked.ids).toContain(agency.byDemographics.id);
    expectCleanOrchestrations(looked.outcome.orchestrations);
  });

  it('returns found with nobody, uncut, for a person the agency does not know', async () => {
    const looked = await agency.search(agency.nobody, settings());
    expect(looked.ids).toEqual([]);
    expect(cutsOf(looked)).toEqual([]);
  });

  it('caps the candidates at maxCandidates, and reports the agency’s own limit, each as a cut', async () => {
    const crowd = agency.crowd();
    const all = await agency.search(crowd, settings({ maxCandidates: 50 }));
    const total = all.ids.length;
    expect(total).toBeGreaterThanOrEqual(2);
    expect(cutsOf(all)).toEqual([]);

    const capped = await agency.search(crowd, settings({ maxCandidates: 1 }));
    expect(capped.ids).toHaveLength(1);
    expect(cutsOf(capped)).toContainEqual({ reason: 'candidate-cap', search: agency.firstSearch, read: 1, reported: total });

    sim.setFaults({ resultCap: 1 });
    const limited = await agency.search(crowd, settings({ maxCandidates: 50 }));
    const expected = agency.agencyLimit === 'lists-first' ? { read: 1, reported: total } : { read: 0, reported: null };
    expect(limited.ids).toHaveLength(expected.read);
    expect(cutsOf(limited)).toContainEqual({ reason: 'agency-limit', search: agency.firstSearch, ...expected });
  });

  it('stops at maxPages and says so in a cut', async () => {
    const total = (await agency.search(agency.crowd(), settings({ maxCandidates: 50 }))).ids.length;
    const looked = await agency.pageCap.search(settings({ maxPages: agency.pageCap.maxPages }));
    expect(cutsOf(looked)).toContainEqual(agency.pageCap.cut(total));
  });

  it('fails as a timeout at the deadline when the agency hangs', async () => {
    sim.setFaults({ hangMs: 10_000 });
    const started = performance.now();
    const looked = await agency.search(agency.byIdentifier.query, settings({ timeoutMs: 300 }));
    expect(failureOf(looked)).toEqual({ kind: 'timeout', code: 'ADAPTER.TIMEOUT', reason: `${agency.firstSearch}: lookup deadline reached` });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('refuses an oversized response (streamed, no Content-Length) without reading it all', async () => {
    sim.setFaults({ oversizeBytes: 20_000_000 });
    const started = performance.now();
    const looked = await agency.search(agency.byIdentifier.query, settings({ maxResponseBytes: 100_000 }));
    expect(failureOf(looked)).toEqual({ kind: 'too-large', code: 'ADAPTER.TOO_LARGE', reason: `${agency.firstSearch}: response exceeds the limit of 100000 bytes` });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('fails cleanly on a malformed body, without echoing it', async () => {
    sim.setFaults(agency.malformed.faults);
    const looked = await agency.search(agency.byIdentifier.query, settings());
    const failed = failureOf(looked);
    expect(failed).toMatchObject({ kind: 'malformed-response', code: 'ADAPTER.MALFORMED_RESPONSE' });
    expect(failed.reason.startsWith(agency.malformed.reason)).toBe(true);
    if (agency.recordsReadFailures) expect(looked.outcome.orchestrations[0]?.error).toBe(`ADAPTER.MALFORMED_RESPONSE: ${failed.reason}`);
    expect(JSON.stringify(looked.outcome)).not.toMatch(/DOCTYPE|ENTITY|simulated|unavailable/);
  });

  it.each([
    [400, 'http-error', 'ADAPTER.HTTP_ERROR'],
    [404, 'http-error', 'ADAPTER.HTTP_ERROR'],
    [500, 'http-error', 'ADAPTER.HTTP_ERROR'],
    [503, 'http-error', 'ADAPTER.HTTP_ERROR'],
    [401, 'auth-failed', 'ADAPTER.AUTH_FAILED'],
    [403, 'auth-failed', 'ADAPTER.AUTH_FAILED'],
  ] as const)('fails on HTTP %i as %s, with the typed code', async (status, kind, code) => {
    sim.setFaults({ status });
    const looked = await agency.search(agency.byIdentifier.query, settings());
    // 503 says "not now" (RFC 9110 §15.6.4): worth another try. The others repeat themselves.
    expect(failureOf(looked)).toEqual({ kind, code, reason: agency.httpErrorReason(status), ...(status === 503 ? { transient: {} } : {}) });
    expect(looked.outcome.orchestrations[0]).toMatchObject({ status, name: agency.firstSearch });
    if (agency.recordsReadFailures) expect(looked.outcome.orchestrations[0]?.error).toBe(`${code}: ${agency.httpErrorReason(status)}`);
  });

  it.each([429, 502, 503, 504])('marks HTTP %i from a gateway in front of the agency transient, with its Retry-After', async (status) => {
    const traffic = (method: string, body?: unknown) =>
      fetch(`${sim.url}/_sim/traffic`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect((await traffic('POST', { outage: { requests: 1, status, retryAfterSeconds: 2 } })).status).toBe(204);
    try {
      const looked = await agency.search(agency.byIdentifier.query, settings());
      expect(failureOf(looked)).toMatchObject({ kind: 'http-error', code: 'ADAPTER.HTTP_ERROR', transient: { retryAfterMs: 2_000 } });
      // The outage was one request long: the agency answers the next one.
      expect((await agency.search(agency.byIdentifier.query, settings())).outcome.kind).toBe('found');
    } finally {
      await traffic('DELETE');
    }
  });

  it('never follows a redirect: the place it points to is never asked', async () => {
    const target = await startServer((res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('followed'));
    const redirector = await startServer((res) => res.writeHead(302, { location: `${target.url}/` }).end());
    try {
      const looked = await agency.search(agency.byIdentifier.query, agency.settingsFor(redirector.url));
      expect(failureOf(looked)).toEqual({ kind: 'protocol-error', code: 'ADAPTER.PROTOCOL_ERROR', reason: `${agency.firstSearch}: unexpected redirect (HTTP 302)` });
      expect(redirector.hits()).toBe(1);
      expect(target.hits()).toBe(0);
    } finally {
      await close(redirector.server);
      await close(target.server);
    }
  });

  it('fails as unreachable when nothing listens', async () => {
    const looked = await agency.search(agency.byIdentifier.query, agency.settingsFor('http://127.0.0.1:9'));
    expect(failureOf(looked)).toMatchObject({ kind: 'unreachable', code: 'ADAPTER.UNREACHABLE', transient: {} });
    expect(looked.outcome.orchestrations[0]?.status).toBeNull();
  });

  it('takes faults over HTTP from another process, refuses bad ones, and DELETE clears them', async () => {
    const post = (body: unknown) => fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ status: 'often' })).status).toBe(400);
    expect((await post({ status: 502 })).status).toBe(204);
    expect(failureOf(await agency.search(agency.byIdentifier.query, settings()))).toMatchObject({ kind: 'http-error', reason: agency.httpErrorReason(502) });
    expect((await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })).status).toBe(204);
    expect((await agency.search(agency.byIdentifier.query, settings())).ids[0]).toBe(agency.byIdentifier.id);
  });
});
