/**
 * Outbox delivery as job kinds of the one engine (src/queue/outbox.ts; docs/decisions.md, "One
 * job engine, one retry policy"), through the real app, the in-process runner, the host
 * simulator and a real store — PGlite and PostgreSQL. The guarantees the outbox dispatcher gave
 * stay: a publication goes out as soon as its transaction commits (no sweep needed), a failed
 * attempt is counted and retried after the retry policy's jittered backoff, the last attempt gives
 * up with the failure recorded and audited, a process that dies mid-delivery loses nothing and
 * the host dedupes the repeat on its key, a delivery that meets our store away waits for it
 * without spending an attempt, and a stale attempt never undoes a delivered message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFeedbackNotifier } from '../../src/host/feedback.ts';
import { createHostPublisher } from '../../src/host/publisher.ts';
import { systemClock } from '../../src/lib/clock.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { DeliveryRequest } from '../../src/model/jobs.ts';
import { createInProcessRunner, type InProcessRunner } from '../../src/queue/in-process.ts';
import { deliverMessage, sweepOutbox, type OutboxDeps } from '../../src/queue/outbox.ts';
import type { PeriodicJobs } from '../../src/queue/runner.ts';
import type { Db } from '../../src/store/db.ts';
import { leaseDue, markDelivered, markRetry } from '../../src/store/outbox.ts';
import { getProductVersion } from '../../src/store/products.ts';
import { storeUnavailable } from '../../src/store/unavailable.ts';
import { startHostSimulator, type HostSimulator } from '../../simulators/host/server.ts';
import { startFirewallHarness, type FirewallHarness } from '../case/harness.ts';
import { waitFor } from '../support/gateway-process.ts';
import { STORE_KINDS } from '../support/stores.ts';
import { capturingLogger, type LogLine } from './harness.ts';

const AGENCIES: Agency[] = ['health', 'police', 'education', 'housing', 'social-care'];

interface OutboxRow {
  status: string;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date;
}

describe.each(STORE_KINDS)('outbox delivery jobs on $name', (kind) => {
  let harness: FirewallHarness;
  let host: HostSimulator;
  // Late bound: the app hands committed messages to the engine, whose jobs use the app's store.
  let engine: InProcessRunner | undefined;
  let lines: LogLine[] = [];

  beforeAll(async () => {
    [harness, host] = await Promise.all([
      startFirewallHarness({ store: kind, deliveries: { deliver: (requests) => engine?.deliver(requests) ?? Promise.resolve() } }),
      startHostSimulator(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await engine?.close();
    await Promise.all([host.close(), harness.close()]);
  });

  /** Outbox deps on the real clock (the rows the fixed-clock app wrote are long due by it). */
  function outboxDeps(overrides: Partial<OutboxDeps> = {}): OutboxDeps {
    const captured = capturingLogger();
    lines = captured.lines;
    return {
      db: harness.db,
      vault: harness.vault,
      clock: systemClock,
      logger: captured.logger,
      actor: 'system:test',
      env: {},
      host: { publisher: createHostPublisher({ format: 'rest' }), settings: { baseUrl: host.url, auth: { kind: 'none' }, timeoutMs: 5_000, maxResponseBytes: 65_536 } },
      feedback: createFeedbackNotifier(),
      maxAttempts: 4,
      backoffMs: 100,
      leaseMs: 60_000,
      deliveries: { deliver: (requests: readonly DeliveryRequest[]) => engine?.deliver(requests) ?? Promise.resolve() },
      ...overrides,
    };
  }

  /** A fresh engine running the delivery job with `deps`, and the given periodic work. */
  async function startEngine(deps: OutboxDeps, periodic: PeriodicJobs = {}): Promise<InProcessRunner> {
    await engine?.close();
    const noResearch = (): Promise<void> => Promise.reject(new Error('no research in this suite'));
    engine = createInProcessRunner(
      {
        processors: {
          lookup: noResearch,
          referral: noResearch,
          delivery: async (data) => {
            await deliverMessage(data, deps);
          },
        },
        periodic,
      },
      { concurrency: 4, attempts: 3, backoffMs: 20 },
      deps.logger,
    );
    return engine;
  }

  async function as(role: 'hub-practitioner' | 'hub-manager', agency: Agency | undefined, method: string, path: string, body?: unknown): Promise<Response> {
    return harness.app.request(path, {
      method,
      headers: { authorization: `Bearer ${await harness.token(role, agency)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** A referral whose owners released everything and whose manager decided: ready to publish. */
  async function decidedReferral(): Promise<string> {
    const { referralId, items } = await harness.seedReferral(AGENCIES);
    for (const item of items) {
      const released = await as('hub-practitioner', item.agency, 'PUT', `/v1/referrals/${referralId}/items/${item.id}/release`, { decision: 'release', rationale: 'Synthetic: relevant and proportionate.' });
      expect(released.status).toBe(200);
    }
    const decided = await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/decision`, { rag: 'amber', outcome: 'early-help', rationale: 'Synthetic.' });
    expect(decided.status).toBe(200);
    return referralId;
  }

  async function publish(referralId: string): Promise<{ productId: string; version: number; outboxId: string }> {
    const response = await as('hub-manager', undefined, 'POST', `/v1/referrals/${referralId}/products`, {});
    expect(response.status).toBe(201);
    const { productId, version } = (await response.json()) as { productId: string; version: number };
    const [row] = await harness.db.query<{ id: string }>("SELECT id FROM outbox WHERE kind = 'publication' AND reference = $1", [`${productId}@${version}`]);
    return { productId, version, outboxId: row!.id };
  }

  async function row(outboxId: string): Promise<OutboxRow> {
    const [found] = await harness.db.query<OutboxRow>('SELECT status, attempts, last_error, next_attempt_at FROM outbox WHERE id = $1', [outboxId]);
    return found!;
  }

  const receivedKey = (productId: string, version: number) => host.received().filter((r) => r.key === `${productId}-v${version}`);

  it('delivers a publication as soon as its transaction commits, with no sweep running', async () => {
    host.setFaults({});
    await startEngine(outboxDeps());
    const referralId = await decidedReferral();

    const { productId, version, outboxId } = await publish(referralId);

    await waitFor(async () => ((await row(outboxId)).status === 'delivered' ? true : undefined), 10_000, 'the publication to be delivered');
    expect(receivedKey(productId, version)).toHaveLength(1);
    expect(receivedKey(productId, version)[0]?.count).toBe(1);
    expect((await row(outboxId)).attempts).toBe(1);
  });

  it('counts a failed attempt, retries it after the jittered backoff, and delivers', async () => {
    host.setFaults({ status: 503, failNext: 2 });
    await startEngine(outboxDeps({ backoffMs: 100 }));
    const referralId = await decidedReferral();

    const { productId, version, outboxId } = await publish(referralId);

    await waitFor(async () => ((await row(outboxId)).status === 'delivered' ? true : undefined), 10_000, 'the publication to be delivered');
    expect((await row(outboxId)).attempts).toBe(3);
    expect(receivedKey(productId, version)).toHaveLength(1);
    const retries = lines.filter((line) => line.msg === 'outbox delivery' && line.result === 'retry');
    expect(retries.map((line) => line.attempt)).toEqual([1, 2]);
  });

  it('gives up after the configured attempts, recording and auditing the failure', async () => {
    host.setFaults({ status: 503 });
    await startEngine(outboxDeps({ maxAttempts: 3, backoffMs: 20 }));
    const referralId = await decidedReferral();

    const { outboxId } = await publish(referralId);

    await waitFor(async () => ((await row(outboxId)).status === 'failed' ? true : undefined), 10_000, 'the publication to fail for good');
    const failed = await row(outboxId);
    expect(failed.attempts).toBe(3);
    expect(failed.last_error).toMatch(/^HOST\.UNAVAILABLE: /);
    const audit = await harness.db.query<{ detail: string }>("SELECT detail FROM audit_log WHERE action = 'publication.failed' AND referral_id = $1", [referralId]);
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ outbox: outboxId, attempt: 3 });
    host.setFaults({});
  });

  it('loses nothing when the process dies mid-delivery: the lease lapses, the sweep hands it over, the host dedupes the key', async () => {
    host.setFaults({});
    // No engine while the message is written: the process that will die takes it by hand.
    await engine?.close();
    engine = undefined;
    const referralId = await decidedReferral();
    const { productId, version, outboxId } = await publish(referralId);
    const leaseMs = 300;
    const deps = outboxDeps({ leaseMs });
    const now = systemClock.now();
    const taken = await leaseDue(harness.db, outboxId, now, new Date(now.getTime() + leaseMs));
    expect(taken?.attempts).toBe(0);
    const stored = await getProductVersion(harness.db, harness.vault, productId, version);
    expect((await deps.host!.publisher.publish(stored!.product, deps.host!.settings)).kind).toBe('delivered');
    // …and the process died before recording it. A new process starts, with its sweep.

    await startEngine(deps, { 'outbox-sweep': { everyMs: 50, atStart: true, run: () => sweepOutbox(deps) } });

    await waitFor(async () => ((await row(outboxId)).status === 'delivered' ? true : undefined), 10_000, 'the publication to be delivered after the lease');
    const received = receivedKey(productId, version);
    expect(received).toHaveLength(1);
    expect(received[0]?.count).toBe(2);
    expect((await row(outboxId)).attempts).toBe(1);
    const audit = await harness.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'publication.delivered' AND referral_id = $1", [referralId]);
    expect(audit[0]?.n).toBe(1);
  });

  it('keeps the lease of a delivery that outlasts it (renewed while it runs), so no second attempt takes the message meanwhile', async () => {
    await engine?.close();
    engine = undefined;
    const referralId = await decidedReferral();
    const { productId, version, outboxId } = await publish(referralId);
    // The host answers after four lease lengths: without renewal the lease lapses under the attempt.
    const leaseMs = 300;
    host.setFaults({ latencyMs: 1_200 });
    const deps = outboxDeps({ leaseMs });
    const first = deliverMessage({ outboxId }, deps);
    const seconds: Promise<string>[] = [];
    for (let n = 1; n <= 3; n += 1) {
      await new Promise((resolve) => setTimeout(resolve, leaseMs));
      seconds.push(deliverMessage({ outboxId }, deps));
    }
    expect(await first).toBe('delivered');
    expect(await Promise.all(seconds)).toEqual(['skipped', 'skipped', 'skipped']);
    // One request reached the host: the later jobs found the message held and sent nothing.
    expect(receivedKey(productId, version).map((held) => held.count)).toEqual([1]);
    expect((await row(outboxId)).attempts).toBe(1);
    host.setFaults({});
  });

  it('waits for our store without spending a delivery attempt', async () => {
    host.setFaults({});
    await engine?.close();
    engine = undefined;
    const referralId = await decidedReferral();
    const { productId, version, outboxId } = await publish(referralId);
    // The store is away for the delivery's first two runs (PostgreSQL restarting).
    let away = 2;
    const flaky: Db = {
      ...harness.db,
      query: (text, params) => {
        if (away > 0) {
          away -= 1;
          return Promise.reject(storeUnavailable(new Error('Connection terminated unexpectedly')));
        }
        return harness.db.query(text, params);
      },
    };
    const runner = await startEngine(outboxDeps({ db: flaky }));

    await runner.deliver([{ outboxId, dueAt: (await row(outboxId)).next_attempt_at }]);

    await waitFor(async () => ((await row(outboxId)).status === 'delivered' ? true : undefined), 15_000, 'the publication to be delivered once the store is back');
    expect((await row(outboxId)).attempts).toBe(1);
    expect(receivedKey(productId, version)[0]?.count).toBe(1);
    expect(lines.filter((line) => line.code === 'STORE.UNAVAILABLE' && line.msg === 'job waits for the store')).toHaveLength(2);
  });

  it('caps the backoff, so a message with many attempts behind it is still recorded and retried', async () => {
    host.setFaults({ status: 503 });
    await engine?.close();
    engine = undefined;
    const referralId = await decidedReferral();
    const { outboxId } = await publish(referralId);
    // MASH_OUTBOX_ATTEMPTS may be 100: 2 s doubled 59 times is no date at all.
    await harness.db.query('UPDATE outbox SET attempts = 59 WHERE id = $1', [outboxId]);
    const deps = outboxDeps({ maxAttempts: 100, backoffMs: 2_000 });
    const before = Date.now();

    expect(await deliverMessage({ outboxId }, deps)).toBe('retry');

    const retried = await row(outboxId);
    expect(retried).toMatchObject({ status: 'pending', attempts: 60 });
    expect(new Date(retried.next_attempt_at).getTime() - before).toBeLessThanOrEqual(3_600_000 + 5_000);
    host.setFaults({});
  });

  it('never lets a stale attempt undo a delivered message', async () => {
    await engine?.close();
    engine = undefined;
    const referralId = await decidedReferral();
    const { outboxId } = await publish(referralId);
    const at = systemClock.now();
    expect(await markDelivered(harness.db, outboxId, at)).toBe(true);

    // An attempt that outlived its lease comes back with a failure, or a second success.
    expect(await markRetry(harness.db, outboxId, new Date(at.getTime() + 1_000), 'HOST.TIMEOUT: too slow', false)).toBe(false);
    expect(await markDelivered(harness.db, outboxId, at)).toBe(false);

    expect(await row(outboxId)).toMatchObject({ status: 'delivered', attempts: 1, last_error: null });
  });
});
