/**
 * Group commit for audit entries that change nothing else (a picture viewed). Every view must be
 * provable, so each served picture's entry is committed before its answer is sent (DESIGN.md
 * principle: every decision and view is audited); but one insert per view, under load, made the
 * store's one connection (PGlite) do twenty commits where one would do. So entries that arrive
 * while a write is in flight wait for it, then go together in one multi-row statement — its own
 * transaction — and each caller's promise settles when the statement holding its entry has
 * committed (or failed: then every caller in it fails, as a lone insert would). An entry that
 * arrives when nothing is in flight is written after the current turn of the event loop (with
 * the others of that turn): no timer, so no added latency when idle.
 *
 * Chaining is untouched: entries only arrive in `audit_log` as before, and the sealer
 * (src/audit/seal.ts) chains them in arrival order.
 */
import type { Sql } from '../store/db.ts';
import { appendAuditEntries, type AuditEntry } from './log.ts';

/** Appends entries, each in its own transaction or grouped with those arriving alongside. */
export interface AuditGroupCommit {
  /** Resolves with the entry's arrival id once the statement holding it has committed. */
  append(entry: AuditEntry): Promise<number>;
}

interface Waiting {
  readonly entry: AuditEntry;
  readonly resolve: (id: number) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit over `db`'s root handle (never a transaction handle: each group is its own
 * transaction). Not for entries that belong to a change: those go in the change's transaction
 * (CONVENTIONS.md §8).
 */
export function createAuditGroupCommit(db: Pick<Sql, 'query'>, options: { readonly maxGroup?: number } = {}): AuditGroupCommit {
  const maxGroup = options.maxGroup ?? 500;
  const waiting: Waiting[] = [];
  let writing = false;

  const write = async (): Promise<void> => {
    while (waiting.length > 0) {
      const group = waiting.splice(0, maxGroup);
      try {
        const ids = await appendAuditEntries(db, group.map((w) => w.entry));
        group.forEach((w, i) => w.resolve(ids[i] ?? 0));
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    writing = false;
  };

  return {
    append(entry) {
      return new Promise<number>((resolve, reject) => {
        waiting.push({ entry, resolve, reject });
        if (writing) return;
        writing = true;
        // After this turn of the event loop: on the embedded store a statement runs on this thread,
        // so nothing arrives while it is "in flight"; views answered in the same turn go together.
        setImmediate(() => void write());
      });
    },
  };
}
