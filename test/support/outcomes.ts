/**
 * Reading an adapter's outcome in a test: the records of a lookup expected to find, or the
 * failure of one expected to fail — throwing, with the reason, when it went the other way.
 *
 * Why this file exists: every agency's adapter tests read outcomes this way; one generic pair
 * serves them all, whatever the adapter's raw record type.
 */
import type { AdapterFailure, AdapterOutcome } from '../../src/adapters/port.ts';

/** The records of a lookup that must have found (possibly nobody); throws with the failure otherwise. */
export function found<Raw>(outcome: AdapterOutcome<Raw>): Raw {
  if (outcome.kind !== 'found') throw new Error(`expected found, got ${outcome.failure.kind}: ${outcome.failure.reason}`);
  return outcome.records;
}

/** The failure of a lookup that must have failed; throws otherwise. */
export function failure<Raw>(outcome: AdapterOutcome<Raw>): AdapterFailure {
  if (outcome.kind !== 'failed') throw new Error('expected the lookup to fail');
  return outcome.failure;
}
