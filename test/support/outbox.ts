/**
 * The outbox's two job kinds (src/queue/outbox.ts) driven one pass at a time, for suites that
 * move a test clock rather than wait for an engine: the `outbox-sweep` hands what the store shows
 * due to a recording scheduler, then each `delivery` job runs, in order.
 */
import type { DeliveryRequest } from '../../src/model/jobs.ts';
import { deliverMessage, sweepOutbox, type DeliveryResult, type OutboxDeps } from '../../src/queue/outbox.ts';

export interface OutboxPasses {
  /** The deps the delivery jobs run with; deliveries they enqueue (retries) are recorded, and run by the next pass once due. */
  readonly deps: OutboxDeps;
  /** One sweep, then every delivery it handed over. Returns what each delivery came to. */
  pass(): Promise<DeliveryResult[]>;
}

export function outboxPasses(deps: Omit<OutboxDeps, 'deliveries'>): OutboxPasses {
  const handed: DeliveryRequest[] = [];
  const full: OutboxDeps = {
    ...deps,
    deliveries: {
      deliver: (requests) => {
        handed.push(...requests);
        return Promise.resolve();
      },
    },
  };
  return {
    deps: full,
    async pass() {
      handed.length = 0;
      await sweepOutbox(full);
      const results: DeliveryResult[] = [];
      for (const { outboxId } of handed.splice(0)) results.push(await deliverMessage({ outboxId }, full));
      return results;
    },
  };
}
