/**
 * What each lookup puts in the picture: the facts stored from its answer, less those identity
 * matching keeps out as other people's (relevance.ts). The lookup's `factCount` is that number,
 * so it always equals the facts the picture holds for the lookup — the owning agency's
 * practitioner, who sees all of their agency's items, sees exactly that many — and
 * `factsExcluded` says how many were left out, and why.
 *
 * Why this file exists: a lookup once reported the facts it stored while the picture showed
 * fewer (the records of a same-named neighbour, rightly left out), and nobody could tell a gap
 * from an exclusion. The count follows the same relevance rule the picture and the product use,
 * worked out when read, so a later identity decision cannot leave it stale.
 */
import type { LookupRecord, LookupView } from '../model/lookup.ts';
import type { Sql } from '../store/db.ts';
import { listSubjectMatches } from '../store/identity.ts';
import type { StoredSubjectMatch } from '../model/identity.ts';
import { listItems } from '../store/items.ts';
import type { ItemRecord } from '../model/item.ts';
import type { Vault } from '../store/vault.ts';
import { awaitingDecision, relevantItems } from './relevance.ts';

/** A lookup's facts: in the picture, kept out as other people's, and kept out until a practitioner decides. */
export interface LookupFacts {
  readonly inPicture: number;
  readonly excluded: number;
  readonly awaiting: number;
}

/** Per lookup id, from every item of the referral, the relevant ones among them, and the subject matches. */
export function tallyLookupFacts(all: readonly ItemRecord[], relevant: readonly ItemRecord[], matches: readonly StoredSubjectMatch[]): ReadonlyMap<string, LookupFacts> {
  const kept = new Set(relevant.map((i) => i.fact.id));
  const waiting = new Set(awaitingDecision(all, matches).map((i) => i.fact.id));
  const tally = new Map<string, { inPicture: number; excluded: number; awaiting: number }>();
  for (const { fact } of all) {
    const entry = tally.get(fact.provenance.lookupId) ?? { inPicture: 0, excluded: 0, awaiting: 0 };
    if (kept.has(fact.id)) entry.inPicture += 1;
    else if (waiting.has(fact.id)) entry.awaiting += 1;
    else entry.excluded += 1;
    tally.set(fact.provenance.lookupId, entry);
  }
  return tally;
}

/** The tally for a referral, read through `sql` (the caller's transaction, when it has one). */
export async function lookupFactsOf(sql: Sql, vault: Vault, referralId: string): Promise<ReadonlyMap<string, LookupFacts>> {
  const all = await listItems(sql, vault, referralId);
  const matches = await listSubjectMatches(sql, referralId);
  return tallyLookupFacts(all, relevantItems(all, matches), matches);
}

/**
 * A stored lookup as the API shows it, with its facts counted as the picture holds them. Before
 * identity matching has run nothing is excluded yet, so `factCount` is the facts stored.
 */
export function lookupView(record: LookupRecord, facts: ReadonlyMap<string, LookupFacts>): LookupView {
  const { referralId: _referralId, factsStored, ...view } = record;
  const tally = facts.get(record.id);
  return { ...view, factCount: tally?.inPicture ?? factsStored, factsExcluded: tally?.excluded ?? 0, factsAwaitingDecision: tally?.awaiting ?? 0 };
}
