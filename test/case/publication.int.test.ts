/**
 * Publication and outcome notices through the real app and the outbox's real job kinds (the sweep
 * and the delivery job, run a pass at a time against the test clock): police withholds its
 * intelligence, health redacts a field of a restricted entry, education, housing and social care
 * release; the manager decides and publishes; the host receives exactly one product per version —
 * released content, a redaction marker, a signpost to police — and the serialized product holds
 * none of the withheld or redacted text. A redelivery after a crash mid-publication neither loses
 * nor duplicates it, and every contributing agency hears the outcome once. On both stores, PGlite
 * and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedbackNotifier } from '../../src/host/feedback.ts';
import { createHostPublisher } from '../../src/host/publisher.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { Agency } from '../../src/model/agency.ts';
import { Connector } from '../../src/model/connector.ts';
import { Product } from '../../src/model/product.ts';
import { upsertConnector } from '../../src/store/connectors.ts';
import { getProductVersion } from '../../src/store/products.ts';
import { startFeedbackSink, type FeedbackSink } from '../../simulators/feedback.ts';
import { startHostSimulator, type HostSimulator } from '../../simulators/host/server.ts';
import { startFirewallHarness, type FirewallHarness, type SeededItem } from './harness.ts';
import { outboxPasses, type OutboxPasses } from '../support/outbox.ts';
import { STORE_KINDS } from '../support/stores.ts';

describe.each(STORE_KINDS)('publication on $name', (kind) => {
  let harness: FirewallHarness;
  let host: HostSimulator;
  let sink: FeedbackSink;
  let referralId: string;
  let items: SeededItem[];
  let outbox: OutboxPasses;

  const AGENCIES: Agency[] = ['health', 'police', 'education', 'housing', 'social-care'];

  beforeAll(async () => {
    harness = await startFirewallHarness({ store: kind });
    [host, sink] = await Promise.all([startHostSimulator(), startFeedbackSink()]);
    for (const agency of AGENCIES) {
      await upsertConnector(harness.db, Connector.parse({ id: `${agency}-sim`, agency, type: agency === 'health' ? 'fhir-r4' : 'social-care-rest', sourceSystem: `Synthetic ${agency}`, baseUrl: 'http://127.0.0.1:9/', feedbackUrl: `${sink.url}/agencies/${agency}` }), 'file', harness.clock.now());
    }
    ({ referralId, items } = await harness.seedReferral(AGENCIES));
    outbox = outboxPasses({
      db: harness.db,
      vault: harness.vault,
      clock: harness.clock,
      logger: silentLogger(),
      actor: 'system:test',
      env: {},
      host: { publisher: createHostPublisher({ format: 'rest' }), settings: { baseUrl: host.url, auth: { kind: 'none' }, timeoutMs: 5_000, maxResponseBytes: 65_536 } },
      feedback: createFeedbackNotifier(),
      maxAttempts: 5,
      backoffMs: 1,
      leaseMs: 60_000,
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all([host.close(), sink.close()]);
    await harness.close();
  });

  async function as(role: 'hub-practitioner' | 'hub-manager', agency: Agency | undefined, method: string, path: string, body?: unknown): Promise<Response> {
    return harness.app.request(path, {
      method,
      headers: { authorization: `Bearer ${await harness.token(role, agency)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  const release = (item: SeededItem, body: unknown) => as('hub-practitioner', item.agency, 'PUT', `/v1/referrals/${referralId}/items/${item.id}/release`, body);

  /** Deliver everything due, moving the clock past any backoff. */
  async function drain(): Promise<void> {
    for (let pass = 0; pass < 10; pass += 1) {
      harness.clock.advance(1_000);
      if ((await outbox.pass()).length === 0) return;
    }
  }

  describe('owners decide, the manager publishes, the host receives', () => {
    it('refuses publication while items are undecided, and before the manager has decided', async () => {
      const early = await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/products`, {});
      expect(early.status).toBe(409);
      expect(((await early.json()) as { code: string }).code).toBe('PUBLICATION.NO_DECISION');
      const decided = await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/decision`, { rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic: risk of significant harm; convene a strategy discussion.' });
      expect(decided.status).toBe(200);
      expect(await decided.json()).toEqual({ revision: 1, notified: 5 });
      const undecided = await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/products`, {});
      expect(undecided.status).toBe(409);
      expect(((await undecided.json()) as { code: string }).code).toBe('PUBLICATION.UNDECIDED_ITEMS');
    });

    it('records each owner decision, refusing a redaction of a field the item lacks', async () => {
      const restrictedHealth = items.find((i) => i.agency === 'health' && i.sensitivity === 'restricted')!;
      const bad = await release(restrictedHealth, { decision: 'redact', rationale: 'x', redactions: [{ field: 'nonsense', replacement: 'y' }] });
      expect(bad.status).toBe(400);
      for (const item of items) {
        const body =
          item.agency === 'police'
            ? { decision: 'withhold', rationale: 'Intelligence: source protection (handling code 4).', signpost: { contact: 'MASH police desk, 01234 567890' } }
            : item === restrictedHealth
              ? { decision: 'redact', rationale: 'Mental-health detail not proportionate to share.', redactions: [{ field: 'detail', replacement: 'clinical detail withheld; ask the named GP' }] }
              : { decision: 'release', rationale: 'Relevant and proportionate.' };
        const response = await release(item, body);
        expect(response.status, `${item.agency} ${item.sensitivity}`).toBe(200);
      }
    });

    it('publishes version 1, and the host receives it once, sanitised', async () => {
      const published = await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/products`, {});
      expect(published.status).toBe(201);
      const { productId, version } = (await published.json()) as { productId: string; version: number };
      expect(version).toBe(1);
      await drain();

      const received = host.received();
      expect(received).toHaveLength(1);
      expect(received[0]?.key).toBe(`${productId}-v1`);
      const product = Product.parse(received[0]?.body);
      const serialized = JSON.stringify(received[0]?.body);

      for (const item of items.filter((i) => i.agency !== 'police' && !(i.agency === 'health' && i.sensitivity === 'restricted'))) {
        expect(serialized, `released ${item.agency} ${item.sensitivity}`).toContain(item.summary);
      }
      const redacted = product.items.find((i) => i.disposition === 'redacted');
      expect(redacted?.agency).toBe('health');
      expect(redacted?.redactedFields).toEqual(['detail']);
      expect(redacted?.content.detail).toBe('[REDACTED by health] clinical detail withheld; ask the named GP');
      expect(product.signposts).toEqual([expect.objectContaining({ agency: 'police', itemCount: 3, contact: 'MASH police desk, 01234 567890' })]);

      // None of the withheld or redacted text leaves the hub.
      for (const item of items.filter((i) => i.agency === 'police')) {
        expect(serialized).not.toContain(item.summary);
        expect(serialized).not.toContain(item.detail);
      }
      expect(serialized).not.toContain(items.find((i) => i.agency === 'health' && i.sensitivity === 'restricted')!.detail);
      expect(serialized).not.toContain('source protection');
    });

    it('does not make a new version when nothing changed, and makes one when a decision changes', async () => {
      const again = await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/products`, {});
      expect(again.status).toBe(200);
      expect(((await again.json()) as { version: number }).version).toBe(1);

      const educationItem = items.find((i) => i.agency === 'education' && i.sensitivity === 'sensitive')!;
      expect((await release(educationItem, { decision: 'withhold', rationale: 'On reflection, not proportionate.' })).status).toBe(200);
      const v2 = await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/products`, {});
      expect(v2.status).toBe(201);
      expect(((await v2.json()) as { version: number }).version).toBe(2);
      await drain();
      expect(host.received().map((r) => r.key.split('-v')[1])).toEqual(['1', '2']);
      expect(JSON.stringify(host.received()[1]?.body)).not.toContain(educationItem.summary);
    });

    it('neither loses nor duplicates a publication when a delivery is repeated after a crash', async () => {
      const educationItem = items.find((i) => i.agency === 'education' && i.sensitivity === 'sensitive')!;
      expect((await release(educationItem, { decision: 'release', rationale: 'Agreed at the strategy meeting.' })).status).toBe(200);
      const v3 = await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/products`, {});
      const { productId, version } = (await v3.json()) as { productId: string; version: number };
      expect(version).toBe(3);
      // The dispatcher delivered, then the process died before recording it: the message is still
      // pending, and the next pass delivers again.
      const stored = await getProductVersion(harness.db, harness.vault, productId, 3);
      const first = await outbox.deps.host!.publisher.publish(stored!.product, outbox.deps.host!.settings);
      expect(first.kind).toBe('delivered');
      await drain();
      const v3Received = host.received().filter((r) => r.key === `${productId}-v3`);
      expect(v3Received).toHaveLength(1);
      expect(v3Received[0]?.count).toBe(2);
      expect(host.received()).toHaveLength(3);
      const pending = await harness.db.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE kind = 'publication' AND status <> 'delivered'");
      expect(pending[0]?.n).toBe(0);
    });

    it('tells every contributing agency the outcome, once each', async () => {
      await drain();
      const notices = sink.received();
      expect(notices.map((n) => n.agency).sort()).toEqual([...AGENCIES].sort());
      expect(notices.every((n) => n.deliveries === 1)).toBe(true);
      expect(notices[0]?.body).toMatchObject({ referralId, outcome: 'strategy-discussion', rag: 'red' });
    });
  });
});
