/**
 * How both runners report a periodic run that failed. A periodic kind is not retried — its next
 * run is the retry — so a failure is only logged, under the code the loop it replaced used. While
 * our store is away every run fails (the sealer's five times a second): one line a minute per
 * kind says so, rather than one per run.
 */
import { describeError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { PeriodicKind } from '../model/jobs.ts';
import { classifyFailure } from './retry-policy.ts';

/** The stable code and message each periodic kind's failures are logged with. */
export const PERIODIC_FAILURE: Readonly<Record<PeriodicKind, { readonly code: string; readonly message: string }>> = {
  'audit-seal': { code: 'AUDIT.SEAL_FAILED', message: 'audit sealing failed' },
  'audit-checkpoint': { code: 'AUDIT.CHECKPOINT_FAILED', message: 'audit checkpoint failed' },
  'outbox-sweep': { code: 'OUTBOX.SWEEP_FAILED', message: 'outbox sweep failed' },
  'recovery-sweep': { code: 'RECOVERY.SWEEP_FAILED', message: 'recovery sweep failed' },
  retention: { code: 'RETENTION.FAILED', message: 'retention sweep failed' },
  'lookup-recovery': { code: 'RECOVERY.LOOKUPS_FAILED', message: 'lookup recovery failed' },
  'model-estimation': { code: 'PERSON_INDEX.ESTIMATION_FAILED', message: 'person index model estimation failed' },
};

/** How long a periodic kind stays quiet about our store or queue being away after saying so. */
export const UNAVAILABLE_QUIET_MS = 60_000;

/** A reporter of failed periodic runs, quiet per kind while the store or queue stays away. */
export function periodicFailureLog(log: Logger, now: () => number = Date.now): (kind: PeriodicKind, error: unknown) => void {
  const quietUntil = new Map<PeriodicKind, number>();
  return (kind, error) => {
    if (classifyFailure(error) === 'wait') {
      const at = now();
      if (at < (quietUntil.get(kind) ?? 0)) return;
      quietUntil.set(kind, at + UNAVAILABLE_QUIET_MS);
    }
    const { code, message } = PERIODIC_FAILURE[kind];
    log.warn({ queue: kind, code, err: describeError(error) }, message);
  };
}
