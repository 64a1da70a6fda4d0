/**
 * The outbox dispatcher (issue 5 §5, §6): delivers product versions to the host case system and
 * outcome notifications to contributing agencies, from the outbox rows written in the same
 * transaction as the product or the decision. A message is leased (its next attempt pushed out)
 * while being delivered, so a crash mid-delivery only delays it; the host and the agencies dedupe
 * on the idempotency key, so a redelivery after a crash never duplicates a publication.
 */
import { appendAudit } from '../audit/log.ts';
import type { Clock } from '../lib/clock.ts';
import { describeError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { FeedbackNotifier, DeliveryOutcome } from '../host/feedback.ts';
import type { HostPublisher, HostSettings } from '../host/publisher.ts';
import type { Agency } from '../model/agency.ts';
import { connectorSettings } from '../research/secrets.ts';
import { getConnector } from '../store/connectors.ts';
import type { Db } from '../store/db.ts';
import { getManagerDecision, listItems } from '../store/items.ts';
import { claimDue, markDelivered, markRetry, type OutboxMessage } from '../store/outbox.ts';
import { getProductVersion } from '../store/products.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import type { Vault } from '../store/vault.ts';

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
  readonly maxAttempts: number;
  readonly backoffMs: number;
  /** How long a claimed message is held before another dispatcher may try it. */
  readonly leaseMs: number;
}

type Outcome = { kind: 'delivered'; detail: Record<string, string | number | boolean> } | { kind: 'retry' | 'rejected'; reason: string };

/** One pass: claim what is due, deliver it, record the outcome. Returns how many were attempted. */
export async function dispatchOnce(deps: OutboxDeps, batch = 10): Promise<number> {
  const now = deps.clock.now();
  const due = await deps.db.transaction(async (tx) => {
    const messages = await claimDue(tx, now, batch, deps.host === undefined ? 'feedback' : undefined);
    const lease = new Date(now.getTime() + deps.leaseMs);
    for (const message of messages) await tx.query('UPDATE outbox SET next_attempt_at = $2 WHERE id = $1', [message.id, lease]);
    return messages;
  });
  for (const message of due) {
    let outcome: Outcome;
    try {
      outcome = message.kind === 'publication' ? await deliverPublication(deps, message) : await deliverFeedback(deps, message);
    } catch (error) {
      // Our own store away is no failed delivery: end the pass; the lease expires and the message is tried again.
      if (isStoreUnavailable(error)) throw error;
      outcome = { kind: 'retry', reason: `DISPATCH.ERROR: ${describeError(error)}` };
    }
    await record(deps, message, outcome);
  }
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
  const connector = await getConnector(deps.db, message.target);
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

async function record(deps: OutboxDeps, message: OutboxMessage, outcome: Outcome): Promise<void> {
  const at = deps.clock.now();
  const attempt = message.attempts + 1;
  await deps.db.transaction(async (tx) => {
    if (outcome.kind === 'delivered') {
      await markDelivered(tx, message.id, at);
      // Issue 6 §4: a publication is a disclosure outside the hub, recorded as such.
      await appendAudit(tx, { at, actor: deps.actor, action: message.kind === 'publication' ? 'publication.delivered' : 'feedback.delivered', referralId: message.referralId, subject: message.target, detail: { outbox: message.id, attempt, ...outcome.detail } });
      return;
    }
    const final = outcome.kind === 'rejected' || attempt >= deps.maxAttempts;
    const nextAt = new Date(at.getTime() + deps.backoffMs * 2 ** (attempt - 1));
    await markRetry(tx, message.id, nextAt, outcome.reason, final);
    if (final) await appendAudit(tx, { at, actor: deps.actor, action: message.kind === 'publication' ? 'publication.failed' : 'feedback.failed', referralId: message.referralId, subject: message.target, detail: { outbox: message.id, attempt, reason: outcome.reason } });
  });
  deps.logger[outcome.kind === 'delivered' ? 'info' : 'warn']({ outbox: message.id, kind: message.kind, target: message.target, attempt, result: outcome.kind }, 'outbox delivery');
}

/** Poll for due messages every `pollMs` until stopped. */
export function startOutboxDispatcher(deps: OutboxDeps, pollMs = 500): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  // While the store is away every pass fails: say so once a minute, not every pass.
  let quietUntil = 0;
  const failed = (error: unknown): void => {
    if (isStoreUnavailable(error)) {
      if (Date.now() < quietUntil) return;
      quietUntil = Date.now() + 60_000;
    }
    deps.logger.warn({ code: 'OUTBOX.DISPATCH_FAILED', error: describeError(error) }, 'outbox pass failed');
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = dispatchOnce(deps)
      .catch(failed)
      .finally(() => {
        busy = false;
      });
  }, pollMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
