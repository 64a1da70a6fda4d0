/**
 * Linking a wave's person records into the hub person index (issue 4 §2): every agency record
 * that stands as a match to a subject — matched automatically, or confirmed by a practitioner —
 * is resolved to a hub person, so the same child is recognised across referrals over time; a
 * record the index can only possibly match waits for a practitioner. A record that is only a
 * possible match to its subject is not linked: it may be another child. Runs in the caller's
 * transaction; the audit entry holds counts only.
 */
import { appendAudit } from '../audit/log.ts';
import { blockingKeys, personRecordFromFact } from '../mapping/identity/index.ts';
import { matcher } from './identity.ts';
import type { Fact, PersonFact } from '../model/fact.ts';
import type { Sql } from '../store/db.ts';
import { standingOf, type SubjectMatch, type SubjectMatchDecision } from '../model/identity.ts';
import { createPersonIndex, deriveIndexKey, IndexedRecord, type PersonIndex, type ResolveInput } from '../store/person-index.ts';
import type { LookupRecord } from '../model/lookup.ts';

/** The person index over the identity engine, keyed from the master key. */
export function createHubPersonIndex(masterKey: Uint8Array): PersonIndex {
  return createPersonIndex({ indexKey: deriveIndexKey(masterKey), engine: { blockingKeys, compare: (a, b) => matcher.compare(a, b) } });
}

/** A record's key in the index: the same agency record is the same key in every referral. */
export const recordKeyOf = (fact: PersonFact, connectorId: string): string => `${fact.provenance.agency}:${connectorId}:${fact.provenance.sourceRecordId}`;

/**
 * Resolves each record that stands as a match (see `standingOf`) to a hub person; others are
 * skipped. Returns the counts (also audited) and the hub person of each record linked.
 */
export async function linkPersons(
  tx: Sql,
  index: PersonIndex,
  context: { referralId: string; at: Date; actor: string },
  lookups: readonly LookupRecord[],
  facts: readonly Fact[],
  matches: readonly (SubjectMatch & { readonly decision?: SubjectMatchDecision | null })[],
): Promise<{ linked: number; possible: number; created: number; hubPersonIds: string[] }> {
  const counts = { linked: 0, possible: 0, created: 0 };
  const hubPersonIds: string[] = [];
  const connectorOf = new Map(lookups.map((l) => [l.id, l.connectorId]));
  const inputs: ResolveInput[] = [];
  for (const match of matches.filter((m) => standingOf(m) === 'match')) {
    const fact = facts.find((f): f is PersonFact => f.kind === 'person' && f.personRef === match.personRef && f.provenance.lookupId === match.lookupId);
    const connectorId = connectorOf.get(match.lookupId);
    if (fact === undefined || connectorId === undefined) continue;
    inputs.push({ recordKey: recordKeyOf(fact, connectorId), referralId: context.referralId, record: IndexedRecord.parse(personRecordFromFact(fact)) });
  }
  // All at once: the wave's locks are taken in one order (see store/person-index/resolve.ts).
  for (const resolution of await index.resolveMany(tx, inputs, context.at)) {
    hubPersonIds.push(resolution.hubPersonId);
    if (resolution.outcome === 'match') counts.linked += 1;
    else if (resolution.outcome === 'possible') counts.possible += 1;
    else counts.created += 1;
  }
  if (counts.linked + counts.possible + counts.created > 0) {
    await appendAudit(tx, { at: context.at, actor: context.actor, action: 'identity.linked', referralId: context.referralId, detail: counts });
  }
  return { ...counts, hubPersonIds };
}
