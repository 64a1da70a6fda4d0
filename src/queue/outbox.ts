/**
 * Outbox delivery as job kinds (DESIGN.md rule 8; docs/decisions.md, "One job engine, one retry
 * policy"): product versions to the host case system and outcome notifications to contributing
 * agencies, from the outbox rows written in the same transaction as the product or the decision.
 *
 * - `delivery` (keyed by message and due time): one attempt. The message is leased (its next
 *   attempt pushed out) while being delivered, so a crash mid-delivery only delays it; the
 *   outcome is recorded in the store — delivered, due again after the retry policy's backoff
 *   (and enqueued for then), or failed for good after the configured attempts — with the audit
 *   entry. The host and the agencies dedupe on the idempotency key, so a redelivery after a
 *   crash never duplicates a publication.
 * - `outbox-sweep` (periodic): hands every message the store shows due to the job system — the
 *   ones whose job a Redis loss, a crash or a failed enqueue took away.
 * The store is the source of truth: attempts are counted in the row, never in the job.
 */
import { appendAudit } from '../audit/log.ts';
import type { Clock } from '../lib/clock.ts';
import { describeError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import type { FeedbackNotifier, DeliveryOutcome } from '../host/feedback.ts';
import type { HostPublisher, HostSettings } from '../host/publisher.ts';
import type { Agency } from '../model/agency.ts';
import type { DeliveryJobData, DeliveryScheduler } from '../model/jobs.ts';
import { connectorSettings } from '../research/secrets.ts';
import { getConnectorForUse } from '../store/connectors.ts';
import type { Db } from '../store/db.ts';
import { getManagerDecision, listItems } from '../store/items.ts';
import { leaseDue, listDue, markDelivered, markRetry, renewLease, type OutboxMessage } from '../store/outbox.ts';
import { getProductVersion } from '../store/products.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import type { Vault } from '../store/vault.ts';
import { createRetryPolicy } from './retry-policy.ts';

export interface OutboxDeps {
  readonly db: Db;
  readonly vault: Vault;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly actor: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The host to publish to; without one, publications wait in the outbox (hosts may pull instead). */
  readonly host: { readonly publisher: HostPublisher; readonly settings: HostSettings } | undefined;
  readonly feedback: FeedbackNotifier;
  /** Delivery attempts per message, the first included (MASH_OUTBOX_ATTEMPTS). */
  readonly maxAttempts: number;
  /** The first retry's delay before jitter, doubling after (MASH_OUTBOX_BACKOFF_MS). */
  readonly backoffMs: number;
  /**
   * How long a message being delivered is held before another process may try it, renewed while the
   * attempt runs (MASH_OUTBOX_LEASE_MS): a message whose worker died is due again within this.
   */
  readonly leaseMs: number;
  /** Where deliveries due later, and those the sweep finds due, are enqueued (the job engine). */
  readonly deliveries: DeliveryScheduler;
  /** Where recorded delivery attempts are counted (src/lib/metrics.ts); none when absent. */
  readonly metrics?: Metrics | undefined;
}

/** How many due messages one sweep hands over; the next sweep takes the rest. */
const SWEEP_BATCH = 500;

/** Added to a retry's delay so its job never runs before the row is due. */
const TIMER_SLACK_MS = 25;

type Outcome = { kind: 'delivered'; detail: Record<string, string | number | boolean> } | { kind: 'retry' | 'rejected'; reason: string };

/** What one delivery job came to (for tests and logs). */
export type DeliveryResult = 'delivered' | 'retry' | 'failed' | 'skipped';

/**
 * The `delivery` job: one attempt of one message, if the store shows it pending and due (another
 * attempt may hold it, or it may be delivered already — then nothing is done). A publication waits
 * while no host is configured (hosts pull). Our store unavailable is thrown, so the job waits for
 * it without a delivery attempt being counted; the lease then lapses and the message is due again.
 */
export async function deliverMessage(data: DeliveryJobData, deps: OutboxDeps): Promise<DeliveryResult> {
  const now = deps.clock.now();
  const leaseUntil = new Date(now.getTime() + deps.leaseMs);
  const message = await leaseDue(deps.db, data.outboxId, now, leaseUntil, deps.host === undefined ? 'feedback' : undefined);
  if (message === undefined) return 'skipped';
  const lease = holdLease(deps, message.id, leaseUntil);
  let outcome: Outcome;
  try {
    outcome = message.kind === 'publication' ? await deliverPublication(deps, message) : await deliverFeedback(deps, message);
  } catch (error) {
    // Our own store away is no failed delivery: the lease lapses and the message is tried again.
    if (isStoreUnavailable(error)) throw error;
    outcome = { kind: 'retry', reason: `DISPATCH.ERROR: ${describeError(error)}` };
  } finally {
    await lease.release();
  }
  return record(deps, message, outcome);
}

/**
 * Keeps a delivery's lease while its attempt runs (docs/decisions.md, "Crash recovery in seconds"):
 * renewed every third of the lease, as BullMQ renews a job's lock, so the lease can be short — a
 * message whose worker died is due again within one lease, not after the longest delivery could
 * take. A renewal that fails (the store away, or the lease lost) is only logged: the attempt goes on
 * and its outcome is recorded only if the message is still pending.
 */
function holdLease(deps: Pick<OutboxDeps, 'db' | 'clock' | 'logger' | 'leaseMs'>, outboxId: string, leaseUntil: Date): { release(): Promise<void> } {
  let heldUntil = leaseUntil;
  let timer: NodeJS.Timeout | undefined;
  let renewing: Promise<void> = Promise.resolve();
  let released = false;
  const beat = (): void => {
    timer = setTimeout(() => {
      renewing = (async () => {
        const next = new Date(deps.clock.now().getTime() + deps.leaseMs);
        try {
          if (await renewLease(deps.db, outboxId, heldUntil, next)) heldUntil = next;
          else released = true;
        } catch (error) {
          deps.logger.warn({ outbox: outboxId, code: 'OUTBOX.LEASE_RENEWAL_FAILED', err: describeError(error) }, 'could not renew a delivery lease');
        }
        if (!released) beat();
      })();
    }, Math.max(1, Math.floor(deps.leaseMs / 3)));
    timer.unref();
  };
  beat();
  return {
    async release() {
      released = true;
      clearTimeout(timer);
      await renewing;
    },
  };
}

/**
 * The `outbox-sweep` job: hands every message the store shows due to the job system (keyed by
 * message and due time, so a message whose job is still queued is not enqueued twice). Without a
 * host, publications stay in the outbox for hosts to pull. Returns how many were handed over.
 */
export async function sweepOutbox(deps: Pick<OutboxDeps, 'db' | 'clock' | 'host' | 'deliveries'>): Promise<number> {
  const due = await listDue(deps.db, deps.clock.now(), SWEEP_BATCH, deps.host === undefined ? 'feedback' : undefined);
  if (due.length > 0) await deps.deliveries.deliver(due.map((message) => ({ outboxId: message.id, dueAt: message.dueAt })));
  return due.length;
}

async function deliverPublication(deps: OutboxDeps, message: OutboxMessage): Promise<Outcome> {
  if (deps.host === undefined) return { kind: 'retry', reason: 'no host configured' };
  const [productId, version] = message.reference.split('@');
  const found = await getProductVersion(deps.db, deps.vault, productId ?? '', Number(version));
  if (found === undefined) return { kind: 'rejected', reason: `product ${message.reference} not found` };
  const result = await deps.host.publisher.publish(found.product, deps.host.settings);
  switch (result.kind) {
    case 'delivered':
      return { kind: 'delivered', detail: { status: result.status, duplicate: result.duplicate, version: found.product.version, contentHash: found.product.contentHash } };
    case 'retry':
    case 'rejected':
      return { kind: result.kind, reason: `${result.code}: ${result.reason}` };
    default:
      return result satisfies never;
  }
}

async function deliverFeedback(deps: OutboxDeps, message: OutboxMessage): Promise<Outcome> {
  const connector = await getConnectorForUse(deps.db, deps.vault, message.target);
  if (connector?.feedbackUrl === undefined) return { kind: 'rejected', reason: `connector ${message.target} takes no outcome notifications` };
  // The revision this notice was queued for (its reference), not whatever is current by now; a
  // notice queued before migration 007 may name a revision it did not keep: then the current one.
  const decision = (await getManagerDecision(deps.db, deps.vault, message.referralId, Number(message.reference))) ?? (await getManagerDecision(deps.db, deps.vault, message.referralId));
  if (decision === undefined) return { kind: 'rejected', reason: 'no decision to report' };
  const items = await listItems(deps.db, deps.vault, message.referralId, { agency: connector.agency });
  const result: DeliveryOutcome = await deps.feedback.notify(
    {
      notificationId: message.idempotencyKey,
      referralId: message.referralId,
      agency: connector.agency satisfies Agency,
      outcome: decision.outcome,
      rag: decision.rag,
      decidedAt: decision.decidedAt,
      yourRecords: [...new Set(items.map((i) => i.fact.provenance.sourceRecordId))].sort(),
    },
    { url: connector.feedbackUrl, auth: connectorSettings(connector, deps.env).auth, timeoutMs: connector.timeoutMs },
  );
  return result.kind === 'delivered' ? { kind: 'delivered', detail: { status: result.status, agency: connector.agency } } : { kind: result.kind, reason: result.reason };
}

async function record(deps: OutboxDeps, message: OutboxMessage, outcome: Outcome): Promise<DeliveryResult> {
  const at = deps.clock.now();
  const attempt = message.attempts + 1;
  const final = outcome.kind === 'rejected' || (outcome.kind === 'retry' && attempt >= deps.maxAttempts);
  const nextAt = new Date(at.getTime() + (outcome.kind === 'retry' && !final ? createRetryPolicy({ attempts: deps.maxAttempts, backoffMs: deps.backoffMs }).retryDelayMs(attempt) : 0));
  const recorded = await deps.db.transaction(async (tx) => {
    if (outcome.kind === 'delivered') {
      if (!(await markDelivered(tx, message.id, at))) return false;
      // A publication is a disclosure outside the hub (governance rule 6), recorded as such.
      await appendAudit(tx, { at, actor: deps.actor, action: message.kind === 'publication' ? 'publication.delivered' : 'feedback.delivered', referralId: message.referralId, subject: message.target, detail: { outbox: message.id, attempt, ...outcome.detail } });
      return true;
    }
    if (!(await markRetry(tx, message.id, nextAt, outcome.reason, final))) return false;
    if (final) await appendAudit(tx, { at, actor: deps.actor, action: message.kind === 'publication' ? 'publication.failed' : 'feedback.failed', referralId: message.referralId, subject: message.target, detail: { outbox: message.id, attempt, reason: outcome.reason } });
    return true;
  });
  const result: DeliveryResult = !recorded ? 'skipped' : outcome.kind === 'delivered' ? 'delivered' : final ? 'failed' : 'retry';
  deps.logger[result === 'delivered' ? 'info' : 'warn']({ outbox: message.id, kind: message.kind, target: message.target, attempt, result }, 'outbox delivery');
  if (result !== 'skipped') deps.metrics?.outboxDelivered({ kind: message.kind, outcome: result });
  // Due again after the backoff: enqueued for then (best effort; the sweep finds it otherwise),
  // a little after, since a timer may fire a few milliseconds before the clock says it is due.
  if (result === 'retry') await deps.deliveries.deliver([{ outboxId: message.id, dueAt: nextAt, delayMs: nextAt.getTime() - at.getTime() + TIMER_SLACK_MS }]);
  return result;
}
