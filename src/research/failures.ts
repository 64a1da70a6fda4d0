/**
 * The dead-letter list and reprocessing (docs/decisions.md "Resilient connectors"): failed
 * lookups, publications to the host and outcome notifications to agencies, listed for whoever
 * may see them — the hub manager every one, a connector administrator only their agency's lookups
 * and notifications, as ids, codes and counts, never case content — and run again one by one or
 * in bulk, each new run linked to the one before (src/research/rerun.ts).
 */
import { z } from 'zod';
import { authorize } from '../case/policy.ts';
import { enforce } from '../case/access.ts';
import { MashError } from '../lib/errors.ts';
import type { Principal } from '../model/principal.ts';
import { getFailure, listFailures, type FailureRecord } from '../store/reruns.ts';
import { resendOutbox, rerunLookups, type OutboxRerunDeps, type RerunDeps } from './rerun.ts';

export const FAILURE_KINDS = ['lookup', 'publication', 'notification'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

export type FailuresDeps = RerunDeps & OutboxRerunDeps;

export interface FailureQuery {
  readonly kinds: readonly FailureKind[];
  readonly connectorId?: string | undefined;
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** A cursor names the last failure of a page: its time and id, opaque to callers. */
const Cursor = z.tuple([z.iso.datetime({ offset: true }), z.string().min(1).max(200)]);

function encodeCursor(failure: FailureRecord): string {
  return Buffer.from(JSON.stringify([failure.failedAt, failure.id])).toString('base64url');
}

function decodeCursor(cursor: string): { failedAt: Date; id: string } {
  try {
    const [failedAt, id] = Cursor.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { failedAt: new Date(failedAt), id };
  } catch {
    throw new MashError('REQUEST.INVALID', 'the cursor is not one this list gave', { invalidParams: [{ name: 'cursor', reason: 'unreadable' }] });
  }
}

/** What a connector administrator may see: their agency's, never a publication to the host. */
function scopeOf(principal: Principal, kinds: readonly FailureKind[]): { kinds: FailureKind[]; agency: Principal['agency'] } {
  if (principal.role !== 'connector-admin') return { kinds: [...kinds], agency: undefined };
  return { kinds: kinds.filter((k) => k !== 'publication'), agency: principal.agency };
}

/** One page of failures, oldest first, and the cursor of the next page (null on the last). */
export async function failuresFor(deps: FailuresDeps, principal: Principal, query: FailureQuery): Promise<{ failures: FailureRecord[]; next: string | null }> {
  await enforce(deps, principal, 'failure:read', {});
  const scope = scopeOf(principal, query.kinds);
  if (scope.kinds.length === 0) return { failures: [], next: null };
  const page = await listFailures(deps.db, {
    kinds: scope.kinds,
    agency: scope.agency,
    connectorId: query.connectorId,
    since: query.since,
    until: query.until,
    after: query.cursor === undefined ? undefined : decodeCursor(query.cursor),
    limit: query.limit + 1,
  });
  const failures = page.slice(0, query.limit);
  const last = failures.at(-1);
  return { failures, next: page.length > query.limit && last !== undefined ? encodeCursor(last) : null };
}

/** What became of one item of a reprocess request. */
export interface ReprocessResult {
  readonly kind: FailureKind;
  readonly id: string;
  /** `queued`: it runs again; `not-failed`: nothing failed by that id (or it already runs again); `not-ready`: its referral is closed or still researching; `forbidden`: not yours. */
  readonly outcome: 'queued' | 'not-failed' | 'not-ready' | 'forbidden';
  /** The id the new run's history and audit entry carry: the lineage. */
  readonly requestId?: string;
}

/** Runs the named failures again, each as its own audited request. */
export async function reprocessFailures(deps: FailuresDeps, principal: Principal, items: readonly { kind: FailureKind; id: string }[]): Promise<ReprocessResult[]> {
  await enforce(deps, principal, 'failure:reprocess', {});
  const results: ReprocessResult[] = [];
  for (const { kind, id } of items) {
    const failure = await getFailure(deps.db, kind, id);
    if (failure === undefined) {
      results.push({ kind, id, outcome: 'not-failed' });
      continue;
    }
    if (!authorize(principal, 'failure:reprocess', { failure: { kind, agency: failure.agency } }).allowed) {
      // Said as "not failed" would hide nothing here: the caller named it, so it is told it may not.
      results.push({ kind, id, outcome: 'forbidden' });
      continue;
    }
    if (kind === 'lookup') {
      const result = (await rerunLookups(deps, [id], { trigger: 'reprocess', by: principal.sub })).get(id);
      if (result?.outcome === 'queued') results.push({ kind, id, outcome: 'queued', requestId: result.requestId });
      else results.push({ kind, id, outcome: result?.outcome === 'referral-not-ready' ? 'not-ready' : 'not-failed' });
      continue;
    }
    const sent = (await resendOutbox(deps, [id], principal.sub)).get(id);
    results.push(sent?.outcome === 'queued' ? { kind, id, outcome: 'queued', requestId: sent.requestId } : { kind, id, outcome: 'not-failed' });
  }
  return results;
}

/** The most failures one bulk request reprocesses; a bigger backlog is worked through in pages. */
export const MAX_BULK = 500;

/** Runs again every failure a filter selects (up to {@link MAX_BULK}), as the caller may see them. */
export async function reprocessMatching(deps: FailuresDeps, principal: Principal, query: Omit<FailureQuery, 'limit' | 'cursor'>): Promise<ReprocessResult[]> {
  const { failures } = await failuresFor(deps, principal, { ...query, limit: MAX_BULK });
  return reprocessFailures(deps, principal, failures.map((f) => ({ kind: f.kind, id: f.id })));
}
