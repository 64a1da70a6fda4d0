/**
 * Which items belong in a referral's picture at all. An agency search returns candidate people;
 * identity matching decides which are the subject. Only records that stand as matches — matched
 * automatically, or confirmed by a practitioner — and what the agency said about them enter the
 * picture's facts and any product. Records judged a non-match (another child of the same name, a
 * neighbour), rejected by a practitioner, or still awaiting a practitioner's decision stay out:
 * a wrong link would share one family's secrets with another (docs/decisions.md "Trusted
 * identifiers separate; ambiguous candidates go to a practitioner").
 */
import { standingOf, type StoredSubjectMatch } from '../model/identity.ts';
import type { ItemRecord } from '../model/item.ts';

const key = (lookupId: string, personRef: string): string => `${lookupId}\u0000${personRef}`;

export function relevantItems(items: readonly ItemRecord[], matches: readonly StoredSubjectMatch[]): ItemRecord[] {
  const excluded = new Set(matches.filter((m) => standingOf(m) !== 'match').map((m) => key(m.lookupId, m.personRef)));
  if (excluded.size === 0) return [...items];
  const kept = new Set(matches.filter((m) => standingOf(m) === 'match').map((m) => key(m.lookupId, m.personRef)));
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

/**
 * The person records of the referral awaiting a practitioner's decision (subject-level possible
 * matches): out of the picture's facts, listed as candidates to those who may see them.
 */
export function candidateRecords(items: readonly ItemRecord[], matches: readonly StoredSubjectMatch[]): ItemRecord[] {
  const waiting = new Set(matches.filter((m) => standingOf(m) === 'possible').map((m) => key(m.lookupId, m.personRef)));
  return items.filter(({ fact }) => fact.kind === 'person' && waiting.has(key(fact.provenance.lookupId, fact.personRef)));
}

/**
 * Every item (of any kind) about a record awaiting a practitioner's decision: out of the picture
 * until the record is confirmed, counted apart from other people's records.
 */
export function awaitingDecision(items: readonly ItemRecord[], matches: readonly StoredSubjectMatch[]): ItemRecord[] {
  const waiting = new Set(matches.filter((m) => standingOf(m) === 'possible').map((m) => key(m.lookupId, m.personRef)));
  return items.filter(({ fact }) => waiting.has(key(fact.provenance.lookupId, fact.personRef)));
}
