/**
 * One flow, one handle: while a transaction is open, the code running inside it must use the
 * transaction's handle. A query on the root handle from inside the transaction is always a bug —
 * on PGlite (one connection) it waits for the transaction that is waiting for it, for ever; on
 * PostgreSQL it runs on another connection, outside the transaction, and can wait on the
 * transaction's own locks. Both stores refuse it at once with `NestedRootQueryError`, so the
 * mistake fails the first test that walks the path instead of hanging the embedded default
 * (docs/decisions.md, "One flow, one handle").
 *
 * The open transaction is tracked per store with AsyncLocalStorage, which follows the flow through
 * every await and callback started inside the transaction, and only that flow: other requests'
 * queries on the root handle are unaffected and simply wait their turn.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { MashError } from '../lib/errors.ts';

/** A root-handle query, transaction or script was started from inside an open transaction of the same store (a bug). */
export class NestedRootQueryError extends MashError {
  constructor(operation: string) {
    super('STORE.ROOT_QUERY_IN_TRANSACTION', `${operation} on the root store handle inside an open transaction of the same flow: use the transaction's handle (tx)`);
    this.name = 'NestedRootQueryError';
  }
}

/** A transaction handle used after its transaction committed or rolled back (a bug). */
export class ClosedTransactionError extends MashError {
  constructor() {
    super('STORE.TRANSACTION_CLOSED', 'query on a transaction handle after its transaction ended');
    this.name = 'ClosedTransactionError';
  }
}

interface OpenTransaction {
  active: boolean;
}

export interface TransactionGuard {
  /** Throws NestedRootQueryError when the calling flow is inside an open transaction of this store. */
  assertOutside(operation: string): void;
  /** Runs `work` marked as inside a transaction; the mark ends when `work` settles. */
  inside<T>(work: (marker: { readonly active: boolean }) => Promise<T>): Promise<T>;
}

export function createTransactionGuard(): TransactionGuard {
  const open = new AsyncLocalStorage<OpenTransaction>();
  return {
    assertOutside(operation) {
      if (open.getStore()?.active === true) throw new NestedRootQueryError(operation);
    },
    async inside(work) {
      const marker: OpenTransaction = { active: true };
      try {
        return await open.run(marker, () => work(marker));
      } finally {
        // Work the transaction started and left running (not awaited) may use the root handle later.
        marker.active = false;
      }
    },
  };
}
