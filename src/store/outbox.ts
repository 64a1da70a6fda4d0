/**
 * The transactional outbox (issue 5 §5, §6): deliveries written in the same transaction as what
 * they announce, claimed by one dispatcher at a time (row lock, SKIP LOCKED), retried with backoff,
 * and marked failed (a dead letter) after the last attempt.
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
  readonly attempts: number;
}

export async function enqueueOutbox(sql: Sql, message: Omit<OutboxMessage, 'attempts'>, at: Date): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    `INSERT INTO outbox (id, kind, referral_id, target, reference, idempotency_key, status, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7) ON CONFLICT (id) DO NOTHING RETURNING id`,
    [message.id, message.kind, message.referralId, message.target, message.reference, message.idempotencyKey, at],
  );
  return rows.length === 1;
}

/** Claim due messages inside the caller's transaction; other dispatchers skip the locked rows. */
export async function claimDue(sql: Sql, at: Date, limit: number, onlyKind?: OutboxKind): Promise<OutboxMessage[]> {
  const rows = await sql.query<{ id: string; kind: OutboxKind; referral_id: string; target: string; reference: string; idempotency_key: string; attempts: number }>(
    `SELECT id, kind, referral_id, target, reference, idempotency_key, attempts FROM outbox
      WHERE status = 'pending' AND next_attempt_at <= $1 AND ($3::text IS NULL OR kind = $3) ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [at, limit, onlyKind ?? null],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, referralId: r.referral_id, target: r.target, reference: r.reference, idempotencyKey: r.idempotency_key, attempts: r.attempts }));
}

export async function markDelivered(sql: Sql, id: string, at: Date): Promise<void> {
  await sql.query("UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = $2, last_error = NULL WHERE id = $1", [id, at]);
}

export async function markRetry(sql: Sql, id: string, nextAt: Date, error: string, final: boolean): Promise<void> {
  await sql.query(`UPDATE outbox SET status = $4, attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE id = $1`, [id, nextAt, error, final ? 'failed' : 'pending']);
}

export async function listOutbox(sql: Sql, referralId: string): Promise<{ id: string; kind: OutboxKind; target: string; status: string; attempts: number; lastError: string | null }[]> {
  const rows = await sql.query<{ id: string; kind: OutboxKind; target: string; status: string; attempts: number; last_error: string | null }>(
    'SELECT id, kind, target, status, attempts, last_error FROM outbox WHERE referral_id = $1 ORDER BY created_at, id',
    [referralId],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, target: r.target, status: r.status, attempts: r.attempts, lastError: r.last_error }));
}
