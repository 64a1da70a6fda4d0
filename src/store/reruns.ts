/**
 * Running finished work again — a failed lookup when its agency recovers or someone asks, a failed
 * outbox message when someone asks — and the dead letters it is chosen from (docs/decisions.md
 * "Resilient connectors"). A re-run keeps the earlier outcome in the row's `history`, with what
 * started it (trigger, who, when, the audit entry), so the lineage is read where the work is.
 */
import { LookupEarlierRun } from '../model/lookup.ts';
import type { Agency } from '../model/agency.ts';
import type { Rag } from '../model/referral.ts';
import type { Sql } from './db.ts';
import { getLookup } from './lookups.ts';

/** What started a re-run, as its history records it. */
export interface RerunRequest {
  readonly trigger: 'recovery' | 'reprocess';
  readonly by: string;
  readonly at: Date;
  /** The request's id, also in its audit entry's detail: how the lineage is followed from either side. */
  readonly requestId: string;
}

/** A lookup queued to run again: what the job system needs to schedule it. */
export interface QueuedRerun {
  readonly lookupId: string;
  readonly referralId: string;
  readonly wave: number;
  readonly rag: Rag;
  /** The referral's SLA due time: the re-run's priority follows it, as the first run's did. */
  readonly slaDueAt: Date;
  /** Its run number: the count of its earlier outcomes. */
  readonly run: number;
}

/** Why a lookup cannot run again: it is not failed, or its referral is not open with its research finished. */
export type RerunRefusal = 'not-found' | 'not-failed' | 'referral-not-ready';

/**
 * Queues a failed (or timed-out) lookup of an open referral whose research has finished to run
 * again: its outcome goes to its history, its status back to `queued`, its attempts to 0.
 * Referrals still researching are left to their own waves (their completion would race a re-run).
 */
export async function queueLookupRerun(sql: Sql, lookupId: string, request: RerunRequest): Promise<QueuedRerun | RerunRefusal> {
  const lookup = await getLookup(sql, lookupId);
  if (lookup === undefined) return 'not-found';
  if (lookup.status !== 'failed' && lookup.status !== 'timed-out') return 'not-failed';
  const earlier: LookupEarlierRun = LookupEarlierRun.parse({
    status: lookup.status,
    reason: lookup.reason,
    attempts: lookup.attempts,
    startedAt: lookup.startedAt,
    finishedAt: lookup.finishedAt,
    rerun: { trigger: request.trigger, at: request.at.toISOString(), by: request.by, requestId: request.requestId },
  });
  const rows = await sql.query<{ referral_id: string; wave: number; rag: Rag; sla_due_at: Date; runs: number }>(
    `UPDATE lookups l SET status = 'queued', reason = NULL, recoverable = false, attempts = 0, cuts = '[]'::jsonb, orchestrations = '[]'::jsonb,
            started_at = NULL, finished_at = NULL, history = l.history || jsonb_build_array($2::jsonb)
       FROM referrals r
      WHERE l.id = $1 AND r.id = l.referral_id AND l.status = $3 AND r.status = 'picture-ready' AND r.closed_at IS NULL
      RETURNING l.referral_id, l.wave, r.rag, r.sla_due_at, jsonb_array_length(l.history) AS runs`,
    [lookupId, JSON.stringify(earlier), lookup.status],
  );
  const row = rows[0];
  if (row === undefined) return 'referral-not-ready';
  return { lookupId, referralId: row.referral_id, wave: row.wave, rag: row.rag, slaDueAt: new Date(row.sla_due_at), run: row.runs };
}

/** Re-runs queued or running whose referral finished its research: what a restart must schedule again. */
export async function listUnfinishedReruns(sql: Sql): Promise<QueuedRerun[]> {
  const rows = await sql.query<{ id: string; referral_id: string; wave: number; rag: Rag; sla_due_at: Date; runs: number }>(
    `SELECT l.id, l.referral_id, l.wave, r.rag, r.sla_due_at, jsonb_array_length(l.history) AS runs
       FROM lookups l JOIN referrals r ON r.id = l.referral_id
      WHERE l.status IN ('queued', 'running') AND jsonb_array_length(l.history) > 0 AND r.status = 'picture-ready' AND r.closed_at IS NULL
      ORDER BY l.id`,
  );
  return rows.map((row) => ({ lookupId: row.id, referralId: row.referral_id, wave: row.wave, rag: row.rag, slaDueAt: new Date(row.sla_due_at), run: row.runs }));
}

/** One connector's lookups that its recovery would mend, as the recovery sweep weighs them. */
export interface RecoverableByConnector {
  readonly connectorId: string;
  /** Oldest failure first. */
  readonly lookups: readonly { readonly id: string; readonly finishedAt: string; readonly runs: number }[];
  /** When the agency last answered a lookup (done or partial); null when never. */
  readonly lastAnsweredAt: string | null;
  /** Lookups of the connector queued or running now. */
  readonly inFlight: number;
}

/** The recoverable failed lookups of open, researched referrals, by connector. */
export async function listRecoverable(sql: Sql, limit = 1000): Promise<RecoverableByConnector[]> {
  const failed = await sql.query<{ id: string; connector_id: string; finished_at: Date; runs: number }>(
    `SELECT l.id, l.connector_id, l.finished_at, jsonb_array_length(l.history) AS runs
       FROM lookups l JOIN referrals r ON r.id = l.referral_id
      WHERE l.recoverable AND l.status IN ('failed', 'timed-out') AND r.status = 'picture-ready' AND r.closed_at IS NULL
      ORDER BY l.finished_at, l.id LIMIT $1`,
    [limit],
  );
  if (failed.length === 0) return [];
  const connectorIds = [...new Set(failed.map((f) => f.connector_id))];
  const answered = await sql.query<{ connector_id: string; at: Date | null }>(
    `SELECT connector_id, max(finished_at) AS at FROM lookups WHERE status IN ('done', 'partial') AND connector_id = ANY($1::text[]) GROUP BY connector_id`,
    [connectorIds],
  );
  const inFlight = await sql.query<{ connector_id: string; n: number | string }>(
    `SELECT connector_id, count(*) AS n FROM lookups WHERE status IN ('queued', 'running') AND connector_id = ANY($1::text[]) GROUP BY connector_id`,
    [connectorIds],
  );
  return connectorIds.map((connectorId) => {
    const at = answered.find((a) => a.connector_id === connectorId)?.at ?? null;
    return {
      connectorId,
      lookups: failed.filter((f) => f.connector_id === connectorId).map((f) => ({ id: f.id, finishedAt: new Date(f.finished_at).toISOString(), runs: f.runs })),
      lastAnsweredAt: at === null ? null : new Date(at).toISOString(),
      inFlight: Number(inFlight.find((n) => n.connector_id === connectorId)?.n ?? 0),
    };
  });
}

/** Says a published product may no longer be the whole picture (a lookup ran again after it). */
export async function offerNewProductVersion(sql: Sql, referralId: string, at: Date): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    `UPDATE referrals r SET new_product_offered_at = $2
      WHERE r.id = $1 AND r.new_product_offered_at IS NULL AND EXISTS (SELECT 1 FROM products p WHERE p.referral_id = r.id) RETURNING r.id`,
    [referralId, at],
  );
  return rows.length === 1;
}

/** Since when a lookup run again after publication has left the published product behind; null when it has not. */
export async function newProductOfferedAt(sql: Sql, referralId: string): Promise<Date | null> {
  const rows = await sql.query<{ at: Date | null }>('SELECT new_product_offered_at AS at FROM referrals WHERE id = $1', [referralId]);
  const at = rows[0]?.at ?? null;
  return at === null ? null : new Date(at);
}

/** Publishing again takes the offer up. */
export async function clearNewProductOffer(sql: Sql, referralId: string): Promise<void> {
  await sql.query('UPDATE referrals SET new_product_offered_at = NULL WHERE id = $1 AND new_product_offered_at IS NOT NULL', [referralId]);
}

/** A failed piece of work, as the dead-letter list shows it: ids, codes and counts, never case content. */
export interface FailureRecord {
  readonly kind: 'lookup' | 'publication' | 'notification';
  readonly id: string;
  readonly referralId: string;
  /** The connector a lookup or notification is for; null for a publication (the host). */
  readonly connectorId: string | null;
  readonly agency: Agency | null;
  readonly status: string;
  readonly reason: string | null;
  readonly attempts: number;
  readonly failedAt: string;
  /** Earlier runs before this one (its lineage). */
  readonly reruns: number;
  /** A lookup that runs again by itself when its agency recovers. */
  readonly recoverable: boolean;
}

export interface FailureFilter {
  readonly kinds: readonly FailureRecord['kind'][];
  readonly connectorId?: string | undefined;
  /** Only failures of this agency (a connector administrator's). */
  readonly agency?: Agency | undefined;
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  /** Keyset: failures strictly after this (failedAt, id), in list order. */
  readonly after?: { readonly failedAt: Date; readonly id: string } | undefined;
  /** Only this one. */
  readonly id?: string | undefined;
  readonly limit: number;
}

/** Failed lookups, publications and notifications, oldest first. */
export async function listFailures(sql: Sql, filter: FailureFilter): Promise<FailureRecord[]> {
  const rows = await sql.query<{
    kind: FailureRecord['kind'];
    id: string;
    referral_id: string;
    connector_id: string | null;
    agency: Agency | null;
    status: string;
    reason: string | null;
    attempts: number;
    failed_at: Date;
    reruns: number;
    recoverable: boolean;
  }>(
    `SELECT * FROM (
       SELECT 'lookup' AS kind, l.id, l.referral_id, l.connector_id, l.agency, l.status, l.reason, l.attempts, l.finished_at AS failed_at,
              jsonb_array_length(l.history) AS reruns, l.recoverable
         FROM lookups l WHERE l.status IN ('failed', 'timed-out')
       UNION ALL
       SELECT CASE o.kind WHEN 'publication' THEN 'publication' ELSE 'notification' END, o.id, o.referral_id,
              CASE o.kind WHEN 'publication' THEN NULL ELSE o.target END, c.agency, o.status, o.last_error, o.attempts, o.next_attempt_at,
              jsonb_array_length(o.history), false
         FROM outbox o LEFT JOIN connectors c ON o.kind = 'feedback' AND c.id = o.target WHERE o.status = 'failed'
     ) f
     WHERE f.kind = ANY($1::text[]) AND ($2::text IS NULL OR f.connector_id = $2) AND ($3::text IS NULL OR f.agency = $3)
       AND ($4::timestamptz IS NULL OR f.failed_at >= $4) AND ($5::timestamptz IS NULL OR f.failed_at < $5)
       AND ($6::timestamptz IS NULL OR (f.failed_at, f.id) > ($6::timestamptz, $7::text)) AND ($9::text IS NULL OR f.id = $9)
     ORDER BY f.failed_at, f.id LIMIT $8`,
    [filter.kinds, filter.connectorId ?? null, filter.agency ?? null, filter.since ?? null, filter.until ?? null, filter.after?.failedAt ?? null, filter.after?.id ?? '', filter.limit, filter.id ?? null],
  );
  return rows.map((row) => ({
    kind: row.kind,
    id: row.id,
    referralId: row.referral_id,
    connectorId: row.connector_id,
    agency: row.agency,
    status: row.status,
    reason: row.reason,
    attempts: row.attempts,
    failedAt: new Date(row.failed_at).toISOString(),
    reruns: row.reruns,
    recoverable: row.recoverable,
  }));
}

/** One failure, by kind and id (undefined when there is no such failed work). */
export async function getFailure(sql: Sql, kind: FailureRecord['kind'], id: string): Promise<FailureRecord | undefined> {
  return (await listFailures(sql, { kinds: [kind], id, limit: 1 }))[0];
}

/**
 * Queues a failed outbox message to be sent again, due at `request.at`, keeping its earlier
 * outcome in its history. Returns false when it is not failed (nothing changed). The same
 * idempotency key goes with it, so a host that did receive it recognises the repeat.
 */
export async function queueOutboxRetry(sql: Sql, outboxId: string, request: RerunRequest): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    `UPDATE outbox SET status = 'pending', next_attempt_at = $2, attempts = 0, last_error = NULL,
            history = history || jsonb_build_array(jsonb_build_object('status', status, 'reason', last_error, 'attempts', attempts,
              'rerun', jsonb_build_object('trigger', $3::text, 'at', $4::text, 'by', $5::text, 'requestId', $6::text)))
      WHERE id = $1 AND status = 'failed' RETURNING id`,
    [outboxId, request.at, request.trigger, request.at.toISOString(), request.by, request.requestId],
  );
  return rows.length === 1;
}
