/**
 * The host simulator keeps the host API of contracts/host/README.md, driven with plain fetch
 * (not our publisher, so a shared mistake cannot hide): idempotency by key, checks on what
 * arrives, bearer tokens, and faults.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serializeProduct } from '../../src/host/publisher.ts';
import { minimalProduct, productWith, sampleProduct } from '../../test/host/fixtures.ts';
import { startHostSimulator, type HostSimulator } from './server.ts';

let simulator: HostSimulator | undefined;
afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
});

async function start(options?: Parameters<typeof startHostSimulator>[0]): Promise<HostSimulator> {
  simulator = await startHostSimulator(options);
  return simulator;
}

const restBody = serializeProduct(sampleProduct, 'rest');
const sampleKey = `${sampleProduct.productId}-v1`;
const JsonObject = z.record(z.string(), z.unknown());
const restObject = (): Record<string, unknown> => JsonObject.parse(JSON.parse(restBody));

function post(sim: HostSimulator, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${sim.url}/mash-products`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': sampleKey, ...headers },
    body,
  });
}

describe('host simulator', () => {
  it('answers 201 the first time it sees a key and 200 for each replay, keeping one product', async () => {
    const sim = await start();
    expect((await post(sim, restBody)).status).toBe(201);
    const replay = await post(sim, restBody);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ idempotencyKey: sampleKey, duplicate: true });
    // The same product re-serialised with its keys in another order is the same body.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(restObject()).reverse()));
    expect((await post(sim, reordered)).status).toBe(200);
    expect(sim.received()).toEqual([{ key: sampleKey, format: 'rest', body: restObject(), count: 3 }]);
    expect(sim.deliveries()).toBe(3);
  });

  it('takes the FHIR document Bundle under application/fhir+json', async () => {
    const sim = await start();
    const response = await post(sim, serializeProduct(sampleProduct, 'fhir'), { 'content-type': 'application/fhir+json; fhirVersion=4.0' });
    expect(response.status).toBe(201);
    expect(sim.received()[0]?.format).toBe('fhir');
  });

  it('refuses a key reused with another body (422), a key that does not name the body (400), and no key (400)', async () => {
    const sim = await start();
    expect((await post(sim, restBody)).status).toBe(201);
    const changed = serializeProduct(productWith({ decision: { ...sampleProduct.decision, rationale: 'Another rationale.' } }), 'rest');
    expect((await post(sim, changed)).status).toBe(422);
    expect((await post(sim, serializeProduct(minimalProduct, 'rest'))).status).toBe(400);
    expect((await post(sim, restBody, { 'idempotency-key': '' })).status).toBe(400);
    expect((await post(sim, restBody, { 'idempotency-key': 'has:colon-v1' })).status).toBe(400);
    expect(sim.received()).toHaveLength(1);
  });

  it('accepts the key as an RFC 8941 string ("…") too', async () => {
    const sim = await start();
    expect((await post(sim, restBody, { 'idempotency-key': `"${sampleKey}"` })).status).toBe(201);
  });

  it('answers 400 with the failing paths, never the values, for a body off the contract', async () => {
    const sim = await start();
    const broken = JSON.stringify({ ...restObject(), publishedAt: 'Tuesday', decision: { rag: 'purple' } });
    const response = await post(sim, broken);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const problem = JSON.stringify(await response.json());
    expect(problem).toContain('publishedAt');
    expect(problem).toContain('decision.rag');
    expect(problem).not.toContain('Tuesday');
    expect(problem).not.toContain('purple');
    expect((await post(sim, '{not json')).status).toBe(400);
    expect((await post(sim, JSON.stringify({ resourceType: 'Bundle', type: 'collection' }), { 'content-type': 'application/fhir+json' })).status).toBe(400);
    expect(sim.received()).toEqual([]);
  });

  it('answers 415 for another media type and 400 for a Content-Digest that does not match', async () => {
    const sim = await start();
    expect((await post(sim, restBody, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post(sim, restBody, { 'content-digest': `sha-256=:${createHash('sha256').update('other').digest('base64')}:` })).status).toBe(400);
    expect((await post(sim, restBody, { 'content-digest': `sha-256=:${createHash('sha256').update(restBody).digest('base64')}:` })).status).toBe(201);
  });

  it('fails the next N deliveries with a chosen status, or all of them', async () => {
    const sim = await start();
    sim.setFaults({ failNext: 2 });
    expect((await post(sim, restBody)).status).toBe(503);
    expect((await post(sim, restBody)).status).toBe(503);
    expect((await post(sim, restBody)).status).toBe(201);
    sim.setFaults({ status: 500 });
    expect((await post(sim, restBody)).status).toBe(500);
    sim.setFaults({});
    expect((await post(sim, restBody)).status).toBe(200);
    expect(sim.deliveries()).toBe(5);
    expect(sim.received()[0]?.count).toBe(2);
  });

  it('answers late under latency, and still takes the product', async () => {
    const sim = await start();
    sim.setFaults({ latencyMs: 200 });
    const started = performance.now();
    expect((await post(sim, restBody)).status).toBe(201);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('requires a bearer token when started with auth, from its token endpoint or a static list', async () => {
    const sim = await start({ auth: { clients: [{ clientId: 'mash', clientSecret: 's3cret' }], staticTokens: ['static-token'] } });
    expect((await post(sim, restBody)).status).toBe(401);
    expect((await post(sim, restBody, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(sim, restBody, { authorization: 'Bearer static-token' })).status).toBe(201);
    const token = await fetch(sim.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('mash:s3cret').toString('base64')}` },
      body: 'grant_type=client_credentials',
    });
    expect(token.status).toBe(200);
    const { access_token: accessToken } = z.object({ access_token: z.string() }).parse(await token.json());
    expect((await post(sim, restBody, { authorization: `Bearer ${accessToken}` })).status).toBe(200);
    expect(sim.deliveries()).toBe(2);
  });

  it('answers 404 elsewhere and 405 for other methods', async () => {
    const sim = await start();
    expect((await fetch(`${sim.url}/products`, { method: 'POST' })).status).toBe(404);
    const put = await fetch(`${sim.url}/mash-products`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    expect((await fetch(`${sim.url}/mash-products/${sampleKey}`, { method: 'POST' })).status).toBe(405);
  });

  it('shows over HTTP what it holds: the keys with their delivery counts, and each version as first received', async () => {
    const sim = await start();
    expect(await (await fetch(`${sim.url}/mash-products`)).json()).toEqual({ products: [] });
    expect((await fetch(`${sim.url}/mash-products/${sampleKey}`)).status).toBe(404);
    expect((await post(sim, restBody)).status).toBe(201);
    expect((await post(sim, restBody)).status).toBe(200);
    expect(await (await fetch(`${sim.url}/mash-products`)).json()).toEqual({ products: [{ key: sampleKey, format: 'rest', count: 2 }] });
    const held = await fetch(`${sim.url}/mash-products/${sampleKey}`);
    expect(held.status).toBe(200);
    expect(await held.json()).toEqual(restObject());
  });

  it('needs the bearer token for reads too when started with auth', async () => {
    const sim = await start({ auth: { clients: [], staticTokens: ['static-token'] } });
    expect((await fetch(`${sim.url}/mash-products`)).status).toBe(401);
    expect((await fetch(`${sim.url}/mash-products/${sampleKey}`)).status).toBe(401);
    expect((await fetch(`${sim.url}/mash-products`, { headers: { authorization: 'Bearer static-token' } })).status).toBe(200);
  });
});
