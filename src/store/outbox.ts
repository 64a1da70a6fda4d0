/**
 * The transactional outbox (DESIGN.md rule 8 and "The store is the source of truth"): deliveries
 * written in the same transaction as what they announce, leased for one attempt at a time (a
 * single conditional UPDATE, so two processes never both take the same due message), retried
 * with backoff, and marked failed (a dead letter) after the last attempt. The job system is told
 * which messages are due (`listDue`); the row, not the job, is the truth.
 */
import type { Sql } from './db.ts';

export type OutboxKind = 'publication' | 'feedback';

export interface OutboxMessage {
  readonly id: string;
  readonly kind: OutboxKind;
  readonly referralId: string;
  /** `host`, or the connector id of the agency to tell. */
  readonly target: string;
  /** What to deliver: `productId@version`, or the manager decision revision. */
  readonly reference: string;
  readonly idempotencyKey: string;
  /** Delivery attempts recorded so far. */
  readonly attempts: number;
}

/** A pending message and when it is due. */
export interface DueMessage {
  readonly id: string;
  readonly dueAt: Date;
}

export async function enqueueOutbox(sql: Sql, message: Omit<OutboxMessage, 'attempts'>, at: Date): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    `INSERT INTO outbox (id, kind, referral_id, target, reference, idempotency_key, status, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [message.id, message.kind, message.referralId, message.target, message.reference, message.idempotencyKey, at],
  );
  return rows.length === 1;
}

/** Pending messages due by `at`, oldest first, optionally of one kind only. */
export async function listDue(sql: Sql, at: Date, limit: number, onlyKind?: OutboxKind): Promise<DueMessage[]> {
  const rows = await sql.query<{ id: string; next_attempt_at: Date }>(
    `SELECT id, next_attempt_at FROM outbox
      WHERE status = 'pending' AND next_attempt_at <= $1 AND ($3::text IS NULL OR kind = $3) ORDER BY next_attempt_at, id LIMIT $2`,
    [at, limit, onlyKind ?? null],
  );
  return rows.map((r) => ({ id: r.id, dueAt: new Date(r.next_attempt_at) }));
}

/**
 * Takes one pending, due message for a delivery attempt: its next attempt moves to `leaseUntil`,
 * so no other process takes it meanwhile, and a process that dies mid-delivery only delays it.
 * A concurrent lease of the same row waits for this one and then finds it no longer due.
 * Returns undefined when the message is not pending, not yet due, held by another attempt, or
 * not of `onlyKind`.
 */
export async function leaseDue(sql: Sql, id: string, at: Date, leaseUntil: Date, onlyKind?: OutboxKind): Promise<OutboxMessage | undefined> {
  const rows = await sql.query<{ id: string; kind: OutboxKind; referral_id: string; target: string; reference: string; idempotency_key: string; attempts: number }>(
    `UPDATE outbox SET next_attempt_at = $3
      WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $2 AND ($4::text IS NULL OR kind = $4)
      RETURNING id, kind, referral_id, target, reference, idempotency_key, attempts`,
    [id, at, leaseUntil, onlyKind ?? null],
  );
  const row = rows[0];
  return row === undefined
    ? undefined
    : { id: row.id, kind: row.kind, referralId: row.referral_id, target: row.target, reference: row.reference, idempotencyKey: row.idempotency_key, attempts: row.attempts };
}

/**
 * Holds a lease a little longer while its attempt still runs (a heartbeat, as BullMQ renews a job's
 * lock): the row moves from `heldUntil` to `leaseUntil` only if it is still pending and still
 * carries that lease, so an attempt whose lease lapsed and was taken by another never takes it
 * back. Returns whether the lease was renewed.
 */
export async function renewLease(sql: Sql, id: string, heldUntil: Date, leaseUntil: Date): Promise<boolean> {
  const rows = await sql.query<{ id: string }>("UPDATE outbox SET next_attempt_at = $3 WHERE id = $1 AND status = 'pending' AND next_attempt_at = $2 RETURNING id", [id, heldUntil, leaseUntil]);
  return rows.length === 1;
}

/**
 * Records a delivered attempt. Only a pending message is changed: an attempt that outlived its
 * lease, after another attempt had already settled the message, changes nothing. Returns whether
 * this attempt was recorded.
 */
export async function markDelivered(sql: Sql, id: string, at: Date): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = $2, last_error = NULL WHERE id = $1 AND status = 'pending' RETURNING id",
    [id, at],
  );
  return rows.length === 1;
}

/** Records a failed attempt: due again at `nextAt`, or failed for good when `final`. Only a pending message is changed, as above. */
export async function markRetry(sql: Sql, id: string, nextAt: Date, error: string, final: boolean): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    "UPDATE outbox SET status = $4, attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1 AND status = 'pending' RETURNING id",
    [id, nextAt, error, final ? 'failed' : 'pending'],
  );
  return rows.length === 1;
}

export async function listOutbox(sql: Sql, referralId: string): Promise<{ id: string; kind: OutboxKind; target: string; status: string; attempts: number; lastError: string | null }[]> {
  const rows = await sql.query<{ id: string; kind: OutboxKind; target: string; status: string; attempts: number; last_error: string | null }>(
    'SELECT id, kind, target, status, attempts, last_error FROM outbox WHERE referral_id = $1 ORDER BY created_at, id',
    [referralId],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, target: r.target, status: r.status, attempts: r.attempts, lastError: r.last_error }));
}
