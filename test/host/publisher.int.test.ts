/**
 * The publisher against the host simulator, a real HTTP server on loopback: delivery, replay,
 * the retry and reject classes of contracts/host/README.md, timeouts, and bearer / OAuth2
 * authorisation — for the REST and the FHIR body alike. Every outcome is checked to carry no
 * product content.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectorAuth } from '../../src/adapters/port.ts';
import { createHostPublisher, idempotencyKey, type HostSettings, type PublishFormat, type PublishOutcome } from '../../src/host/publisher.ts';
import { HostProduct } from '../../simulators/host/contract.ts';
import { startHostSimulator, type HostSimulator } from '../../simulators/host/server.ts';
import { productWith, sampleProduct, WITHHELD_TEXT } from './fixtures.ts';

let simulator: HostSimulator | undefined;
afterEach(async () => {
  await simulator?.close();
  simulator = undefined;
});

async function start(options?: Parameters<typeof startHostSimulator>[0]): Promise<HostSimulator> {
  simulator = await startHostSimulator(options);
  return simulator;
}

const settings = (sim: HostSimulator, overrides: Partial<HostSettings> = {}): HostSettings => ({
  baseUrl: `${sim.url}/`,
  auth: { kind: 'none' },
  timeoutMs: 2_000,
  maxResponseBytes: 64 * 1024,
  ...overrides,
});

/** Words of the product's content that must never reach an outcome, a reason or an orchestration. */
const CONTENT_WORDS = ['Featherstone', 'wrist injury', 'Persistent absence', 'Mill Row', 'strategy discussion today', ...Object.values(WITHHELD_TEXT)];
function expectNoContent(outcome: PublishOutcome): void {
  const text = JSON.stringify(outcome);
  for (const word of CONTENT_WORDS) expect(text).not.toContain(word);
}

async function until(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each<PublishFormat>(['rest', 'fhir'])('host publisher (%s)', (format) => {
  it('delivers a product (201), and a replay is a duplicate (200) the host keeps once', async () => {
    const sim = await start();
    const publisher = createHostPublisher({ format });
    const first = await publisher.publish(sampleProduct, settings(sim));
    expect(first).toMatchObject({ kind: 'delivered', status: 201, duplicate: false });
    const again = await publisher.publish(sampleProduct, settings(sim));
    expect(again).toMatchObject({ kind: 'delivered', status: 200, duplicate: true });

    const received = sim.received();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ key: `${sampleProduct.productId}-v1`, format, count: 2 });
    expect(first.orchestrations).toEqual([
      expect.objectContaining({ name: 'Publish product', method: 'POST', url: `${sim.url}/mash-products`, status: 201 }),
    ]);
    expectNoContent(first);
    expectNoContent(again);
  });

  it('delivers each version under its own key', async () => {
    const sim = await start();
    const publisher = createHostPublisher({ format });
    await publisher.publish(sampleProduct, settings(sim));
    const second = await publisher.publish(productWith({ version: 2 }), settings(sim));
    expect(second).toMatchObject({ kind: 'delivered', status: 201, duplicate: false });
    expect(sim.received().map((r) => r.key)).toEqual([idempotencyKey(sampleProduct), `${sampleProduct.productId}-v2`]);
  });

  it('retries on 5xx, and the retried delivery is taken once', async () => {
    const sim = await start();
    sim.setFaults({ failNext: 1, status: 502 });
    const publisher = createHostPublisher({ format });
    const failed = await publisher.publish(sampleProduct, settings(sim));
    expect(failed).toMatchObject({ kind: 'retry', code: 'HOST.UNAVAILABLE', status: 502 });
    expect(failed.orchestrations[0]?.status).toBe(502);
    expect(sim.received()).toEqual([]);
    expect(await publisher.publish(sampleProduct, settings(sim))).toMatchObject({ kind: 'delivered', status: 201 });
    expectNoContent(failed);
  });

  it('rejects on 400, and on a key reused with another body (422)', async () => {
    const sim = await start();
    const publisher = createHostPublisher({ format });
    sim.setFaults({ status: 400 });
    const refused = await publisher.publish(sampleProduct, settings(sim));
    expect(refused).toMatchObject({ kind: 'rejected', code: 'HOST.REFUSED', status: 400 });
    expectNoContent(refused);

    sim.setFaults({});
    await publisher.publish(sampleProduct, settings(sim));
    const altered = productWith({ decision: { ...sampleProduct.decision, rationale: 'Changed after publication without a new version.' } });
    expect(await publisher.publish(altered, settings(sim))).toMatchObject({ kind: 'rejected', code: 'HOST.REFUSED', status: 422 });
  });

  it('retries when the host does not answer in time; the host had taken it, so the retry is a duplicate', async () => {
    const sim = await start();
    sim.setFaults({ latencyMs: 600 });
    const publisher = createHostPublisher({ format });
    const timedOut = await publisher.publish(sampleProduct, settings(sim, { timeoutMs: 150 }));
    expect(timedOut).toMatchObject({ kind: 'retry', code: 'HOST.TIMEOUT', status: null });
    expect(timedOut.orchestrations[0]).toMatchObject({ status: null, error: expect.stringContaining('ADAPTER.TIMEOUT') as unknown });

    await until(() => sim.received().length === 1);
    sim.setFaults({});
    expect(await publisher.publish(sampleProduct, settings(sim))).toMatchObject({ kind: 'delivered', status: 200, duplicate: true });
  });

  it('retries when the host is unreachable', async () => {
    const sim = await start();
    const url = sim.url;
    await sim.close();
    simulator = undefined;
    const outcome = await createHostPublisher({ format }).publish(sampleProduct, { baseUrl: url, auth: { kind: 'none' }, timeoutMs: 2_000, maxResponseBytes: 1024 });
    expect(outcome).toMatchObject({ kind: 'retry', code: 'HOST.UNREACHABLE' });
  });
});

describe('host publisher authorisation', () => {
  const clients = [{ clientId: 'mash-gateway', clientSecret: 'host-secret' }];

  it('sends a static bearer token; a refused one is rejected (401)', async () => {
    const sim = await start({ auth: { clients: [], staticTokens: ['host-token'] } });
    const publisher = createHostPublisher({ format: 'rest' });
    const refused = await publisher.publish(sampleProduct, settings(sim, { auth: { kind: 'bearer', token: 'not-the-token' } }));
    expect(refused).toMatchObject({ kind: 'rejected', code: 'HOST.AUTH_FAILED', status: 401 });
    expect(JSON.stringify(refused)).not.toContain('not-the-token');
    expect(await publisher.publish(sampleProduct, settings(sim, { auth: { kind: 'bearer', token: 'host-token' } }))).toMatchObject({ kind: 'delivered', status: 201 });
  });

  it('gets an OAuth2 client-credentials token, caches it, and fetches a new one when the host refuses the cached one', async () => {
    let simNow = Date.now();
    const sim = await start({ auth: { clients, tokenTtlSeconds: 300 }, now: () => simNow });
    const auth: ConnectorAuth = { kind: 'oauth2-client-credentials', tokenUrl: sim.tokenUrl, clientId: 'mash-gateway', clientSecret: 'host-secret' };
    const publisher = createHostPublisher({ format: 'fhir' });

    const first = await publisher.publish(sampleProduct, settings(sim, { auth }));
    expect(first).toMatchObject({ kind: 'delivered', status: 201 });
    expect(first.orchestrations.map((o) => [o.name, o.status])).toEqual([
      ['OAuth2 token', 200],
      ['Publish product', 201],
    ]);
    const cached = await publisher.publish(productWith({ version: 2 }), settings(sim, { auth }));
    expect(cached.orchestrations.map((o) => o.name)).toEqual(['Publish product']);

    // The host's clock moves past the token's expiry; ours has not: the host refuses, we renew once.
    simNow += 301_000;
    const renewed = await publisher.publish(productWith({ version: 3 }), settings(sim, { auth }));
    expect(renewed).toMatchObject({ kind: 'delivered', status: 201 });
    expect(renewed.orchestrations.map((o) => [o.name, o.status])).toEqual([
      ['Publish product', 401],
      ['OAuth2 token', 200],
      ['Publish product', 201],
    ]);
    expect(JSON.stringify([first, cached, renewed])).not.toContain('host-secret');
  });

  it('rejects when the token endpoint refuses the client, and retries when it is down', async () => {
    const sim = await start({ auth: { clients } });
    const publisher = createHostPublisher({ format: 'rest' });
    const wrongSecret: ConnectorAuth = { kind: 'oauth2-client-credentials', tokenUrl: sim.tokenUrl, clientId: 'mash-gateway', clientSecret: 'guess' };
    expect(await publisher.publish(sampleProduct, settings(sim, { auth: wrongSecret }))).toMatchObject({ kind: 'rejected', code: 'HOST.AUTH_FAILED' });

    const downTokenEndpoint: ConnectorAuth = { ...wrongSecret, tokenUrl: 'http://127.0.0.1:9/oauth2/token' };
    expect(await publisher.publish(sampleProduct, settings(sim, { auth: downTokenEndpoint }))).toMatchObject({ kind: 'retry', code: 'HOST.UNREACHABLE' });
    expect(sim.deliveries()).toBe(0);
  });
});

describe('what the host receives', () => {
  it('the REST body is the product, and passes the host contract', async () => {
    const sim = await start();
    await createHostPublisher({ format: 'rest' }).publish(sampleProduct, settings(sim));
    const body = sim.received()[0]?.body;
    expect(HostProduct.safeParse(body).success).toBe(true);
    expect(body).toEqual(JSON.parse(JSON.stringify(sampleProduct)));
    const text = JSON.stringify(body);
    for (const withheld of Object.values(WITHHELD_TEXT)) expect(text).not.toContain(withheld);
  });
});
