/**
 * The publisher's decisions, with an injected fetch: what it sends (headers, body, key), and how
 * each answer or failure becomes delivered / retry / rejected. The real-server tests are in
 * test/host/publisher.int.test.ts.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../lib/clock.ts';
import { Product } from '../model/product.ts';
import { minimalProduct, productWith, sampleProduct } from '../../test/host/fixtures.ts';
import { createHostPublisher, idempotencyKey, outcomeOfStatus, serializeProduct, type HostSettings } from './publisher.ts';

const settings: HostSettings = { baseUrl: 'https://host.example.invalid/api/', auth: { kind: 'bearer', token: 'tkn' }, timeoutMs: 1_000, maxResponseBytes: 1024 };

/** A fetch that records each request and answers with `answer`. */
function fakeFetch(answer: (request: Request, body: string) => Response | Promise<Response>): { fetch: typeof globalThis.fetch; requests: { request: Request; body: string }[] } {
  const requests: { request: Request; body: string }[] = [];
  return {
    requests,
    fetch: async (input, init) => {
      const request = new Request(input, init);
      const body = await request.clone().text();
      requests.push({ request, body });
      return answer(request, body);
    },
  };
}

describe('idempotencyKey', () => {
  it('is <productId>-v<version>, without a colon', () => {
    expect(idempotencyKey(sampleProduct)).toBe('prd_7d1e0c3a9b2f4e6d8c1a0b9f8e7d6c5b-v1');
    expect(idempotencyKey({ productId: 'p', version: 12 })).toBe('p-v12');
  });
});

describe('createHostPublisher', () => {
  it('POSTs to {base}/mash-products with the key, media type, digest and credentials', async () => {
    const fake = fakeFetch(() => new Response(null, { status: 201 }));
    const outcome = await createHostPublisher({ format: 'fhir', fetch: fake.fetch }).publish(sampleProduct, settings);
    expect(outcome).toMatchObject({ kind: 'delivered', status: 201, duplicate: false });
    const [sent] = fake.requests;
    expect(sent?.request.url).toBe('https://host.example.invalid/api/mash-products');
    expect(sent?.request.method).toBe('POST');
    expect(sent?.request.headers.get('idempotency-key')).toBe('prd_7d1e0c3a9b2f4e6d8c1a0b9f8e7d6c5b-v1');
    expect(sent?.request.headers.get('content-type')).toBe('application/fhir+json');
    expect(sent?.request.headers.get('authorization')).toBe('Bearer tkn');
    expect(sent?.body).toBe(serializeProduct(sampleProduct, 'fhir'));
    expect(sent?.request.headers.get('content-digest')).toBe(`sha-256=:${createHash('sha256').update(sent?.body ?? '').digest('base64')}:`);
  });

  it('sends the product itself as the REST body, under application/json', async () => {
    const fake = fakeFetch(() => new Response('{"ok":true}', { status: 200 }));
    const outcome = await createHostPublisher({ format: 'rest', fetch: fake.fetch }).publish(minimalProduct, settings);
    expect(outcome).toMatchObject({ kind: 'delivered', status: 200, duplicate: true });
    expect(fake.requests[0]?.request.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(fake.requests[0]?.body ?? '')).toEqual(JSON.parse(JSON.stringify(minimalProduct)));
  });

  it('sends the same bytes for a product reloaded with its keys in another order (as jsonb returns them)', () => {
    const reorder = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reorder);
      if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reorder(v)]));
      return value;
    };
    const reloaded = Product.parse(reorder(JSON.parse(JSON.stringify(sampleProduct))));
    expect(serializeProduct(reloaded, 'rest')).toBe(serializeProduct(sampleProduct, 'rest'));
    expect(serializeProduct(reloaded, 'fhir')).toBe(serializeProduct(sampleProduct, 'fhir'));
  });

  it('takes the status as the answer even when the body passes the size limit', async () => {
    const fake = fakeFetch(() => new Response('x'.repeat(5000), { status: 201 }));
    expect(await createHostPublisher({ format: 'rest', fetch: fake.fetch }).publish(sampleProduct, settings)).toMatchObject({ kind: 'delivered', status: 201 });
  });

  it('reads Retry-After on 429 and 503', async () => {
    const clock = fixedClock(new Date('2025-11-20T12:00:00Z'));
    const seconds = fakeFetch(() => new Response(null, { status: 429, headers: { 'retry-after': '30' } }));
    expect(await createHostPublisher({ format: 'rest', fetch: seconds.fetch, clock }).publish(sampleProduct, settings)).toMatchObject({ kind: 'retry', status: 429, retryAfterMs: 30_000 });
    const date = fakeFetch(() => new Response(null, { status: 503, headers: { 'retry-after': 'Thu, 20 Nov 2025 12:02:00 GMT' } }));
    expect(await createHostPublisher({ format: 'rest', fetch: date.fetch, clock }).publish(sampleProduct, settings)).toMatchObject({ kind: 'retry', status: 503, retryAfterMs: 120_000 });
  });

  it('refuses a redirect, which could carry the token elsewhere', async () => {
    const fake = fakeFetch(() => new Response(null, { status: 307, headers: { location: 'https://elsewhere.invalid/' } }));
    expect(await createHostPublisher({ format: 'rest', fetch: fake.fetch }).publish(sampleProduct, settings)).toMatchObject({ kind: 'rejected', code: 'HOST.REDIRECTED', status: 307 });
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a cancelled attempt, and sends nothing once cancelled', async () => {
    const fake = fakeFetch(() => new Response(null, { status: 201 }));
    const outcome = await createHostPublisher({ format: 'rest', fetch: fake.fetch }).publish(sampleProduct, settings, { signal: AbortSignal.abort() });
    expect(outcome).toMatchObject({ kind: 'retry', code: 'HOST.CANCELLED' });
    expect(fake.requests).toHaveLength(0);
  });

  it('rejects what cannot be sent, without calling the host', async () => {
    const fake = fakeFetch(() => new Response(null, { status: 201 }));
    const publisher = createHostPublisher({ format: 'rest', fetch: fake.fetch });
    expect(await publisher.publish(productWith({ productId: 'has:colon' }), settings)).toMatchObject({ kind: 'rejected', code: 'HOST.INVALID_PRODUCT' });
    expect(await publisher.publish({ ...sampleProduct, version: 0 }, settings)).toMatchObject({ kind: 'rejected', code: 'HOST.INVALID_PRODUCT', reason: expect.stringContaining('version') as unknown });
    expect(await publisher.publish(sampleProduct, { ...settings, baseUrl: 'ftp://host.invalid' })).toMatchObject({ kind: 'rejected', code: 'HOST.MISCONFIGURED' });
    expect(await publisher.publish(sampleProduct, { ...settings, auth: { kind: 'ws-security', username: 'u', password: 'p' } })).toMatchObject({ kind: 'rejected', code: 'HOST.MISCONFIGURED' });
    expect(fake.requests).toHaveLength(0);
  });

  it('retries when the OAuth2 token endpoint fails, and rejects when it refuses the client', async () => {
    const auth = { kind: 'oauth2-client-credentials' as const, tokenUrl: 'https://idp.example.invalid/token', clientId: 'mash', clientSecret: 'secret' };
    const down = fakeFetch(() => new Response('<html>busy</html>', { status: 503 }));
    expect(await createHostPublisher({ format: 'rest', fetch: down.fetch }).publish(sampleProduct, { ...settings, auth })).toMatchObject({ kind: 'retry', code: 'HOST.AUTH_FAILED' });
    const refusing = fakeFetch(() => Response.json({ error: 'invalid_client' }, { status: 401 }));
    const refused = await createHostPublisher({ format: 'rest', fetch: refusing.fetch }).publish(sampleProduct, { ...settings, auth });
    expect(refused).toMatchObject({ kind: 'rejected', code: 'HOST.AUTH_FAILED' });
    expect(refused.orchestrations).toHaveLength(1);
    expect(JSON.stringify(refused)).not.toContain('secret');
  });
});

describe('outcomeOfStatus', () => {
  it.each([
    [201, 'delivered'],
    [200, 'delivered'],
    [202, 'delivered'],
    [301, 'rejected'],
    [400, 'rejected'],
    [401, 'rejected'],
    [403, 'rejected'],
    [404, 'rejected'],
    [408, 'retry'],
    [409, 'retry'],
    [413, 'rejected'],
    [415, 'rejected'],
    [422, 'rejected'],
    [425, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
  ] as const)('HTTP %i → %s', (status, kind) => {
    expect(outcomeOfStatus(status, null).kind).toBe(kind);
  });

  it('marks only 200 as a duplicate', () => {
    expect(outcomeOfStatus(200, null)).toMatchObject({ duplicate: true });
    expect(outcomeOfStatus(201, null)).toMatchObject({ duplicate: false });
  });
});
