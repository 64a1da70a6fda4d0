/**
 * Facts arriving in the case: a lookup's outcome recorded with the facts it brought, and the
 * connector's reveal policy applied to them as they arrive (DESIGN.md rule 2: an item is revealed
 * inside the hub; the connector's `autoReveal` names the sensitivities its agency reveals at once,
 * and the rest wait for the agency's practitioner). The reveal decision is the case's, made here;
 * the store only records what it is told (src/store/referrals.ts `finishLookup`).
 */
import type { Sensitivity } from '../model/agency.ts';
import type { Sql } from '../store/db.ts';
import { finishLookup, type FinishOptions, type LookupFinish } from '../store/lookups.ts';
import type { Vault } from '../store/vault.ts';

/** Who the store names as revealing an item the connector's policy revealed on arrival. */
export const AUTO_REVEALED_BY = 'policy:auto-reveal';

/** A lookup's outcome, with the reveal policy of the connector that answered it. */
export interface LookupOutcome extends Omit<LookupFinish, 'revealOnArrival'> {
  /** Sensitivities revealed to the hub on arrival (the connector's policy); none for a lookup that brought nothing. */
  readonly autoReveal: readonly Sensitivity[];
}

/**
 * Records a lookup's outcome and its facts (and, with `options.audit`, its audit entry) in one
 * statement on `sql`, the connector's policy revealing
 * those of the sensitivities it names. Returns the facts stored, or undefined when the lookup had
 * already finished (nothing written): see `finishLookup`.
 */
export function recordLookupOutcome(sql: Sql, vault: Vault, outcome: LookupOutcome, options: FinishOptions = {}): Promise<number | undefined> {
  const { autoReveal, ...finish } = outcome;
  const revealed = new Set(finish.facts.filter((f) => autoReveal.includes(f.provenance.sensitivity)).map((f) => f.id));
  return finishLookup(sql, vault, { ...finish, revealOnArrival: revealed.size === 0 ? undefined : { factIds: revealed, by: AUTO_REVEALED_BY } }, options);
}
