/**
 * Which items belong in a referral's picture at all. An agency search returns candidate people;
 * identity matching decides which are the subject. Records judged a non-match — another child of
 * the same name, a neighbour — and everything the agency said about them stay out of the picture
 * and out of any product: a wrong link would share one family's secrets with another.
 */
import type { SubjectMatch } from '../store/identity.ts';
import type { ItemRecord } from '../store/items.ts';

export function relevantItems(items: readonly ItemRecord[], matches: readonly SubjectMatch[]): ItemRecord[] {
  const key = (lookupId: string, personRef: string): string => `${lookupId}\u0000${personRef}`;
  const excluded = new Set(matches.filter((m) => m.outcome === 'non-match').map((m) => key(m.lookupId, m.personRef)));
  if (excluded.size === 0) return [...items];
  const kept = new Set(matches.filter((m) => m.outcome !== 'non-match').map((m) => key(m.lookupId, m.personRef)));
  // People known only as relatives of an excluded record are excluded with it.
  const relatedToKept = new Set<string>();
  const relatedToExcluded = new Set<string>();
  for (const { fact } of items) {
    if (fact.kind !== 'relationship') continue;
    const from = key(fact.provenance.lookupId, fact.personRef);
    const to = key(fact.provenance.lookupId, fact.relatedRef);
    if (excluded.has(from)) relatedToExcluded.add(to);
    else relatedToKept.add(to);
  }
  return items.filter(({ fact }) => {
    const ref = key(fact.provenance.lookupId, fact.personRef);
    if (excluded.has(ref)) return false;
    if (kept.has(ref) || relatedToKept.has(ref)) return true;
    return !relatedToExcluded.has(ref);
  });
}
