/**
 * Linking a wave's person records into the hub person index: every agency record that stands as
 * a match to a subject — matched automatically, or confirmed by a practitioner — is resolved to a
 * hub person, so the same child is recognised across referrals over time; a record the index can
 * only possibly match waits for a practitioner. A record that is only a possible match to its
 * subject is not linked: it may be another child (docs/decisions.md "Trusted identifiers
 * separate; ambiguous candidates go to a practitioner"). Runs in the caller's transaction; the
 * audit entry holds counts only.
 */
import type { Fact, PersonFact } from '../model/fact.ts';
import { standingOf, type SubjectMatch, type SubjectMatchDecision } from '../model/identity.ts';
import type { LookupRecord } from '../model/lookup.ts';
import { IndexedRecord } from '../model/person-index.ts';
import type { Sql } from '../store/db.ts';
import { personRecordFromFact } from './engine/record.ts';
import type { PersonIndex, ResolveInput } from './person-index.ts';
import type { AppendAudit } from './port.ts';

/** A record's key in the index: the same agency record is the same key in every referral. */
export const recordKeyOf = (fact: PersonFact, connectorId: string): string => `${fact.provenance.agency}:${connectorId}:${fact.provenance.sourceRecordId}`;

/** What linking a wave did: counts (also audited) and the hub person of each record linked. */
export interface LinkedPersons {
  readonly linked: number;
  readonly possible: number;
  readonly created: number;
  readonly hubPersonIds: readonly string[];
}

/** Who links, for whom and when. */
export interface LinkContext {
  readonly referralId: string;
  readonly at: Date;
  readonly actor: string;
}

/**
 * Resolves each record that stands as a match (see `standingOf`) to a hub person; others are
 * skipped. Returns the counts (also audited) and the hub person of each record linked.
 */
export async function linkPersons(
  deps: { readonly personIndex: PersonIndex; readonly audit: AppendAudit },
  tx: Sql,
  context: LinkContext,
  lookups: readonly LookupRecord[],
  facts: readonly Fact[],
  matches: readonly (SubjectMatch & { readonly decision?: SubjectMatchDecision | null })[],
): Promise<LinkedPersons> {
  const counts = { linked: 0, possible: 0, created: 0 };
  const hubPersonIds: string[] = [];
  const connectorOf = new Map(lookups.map((l) => [l.id, l.connectorId]));
  const inputs: ResolveInput[] = [];
  for (const match of matches.filter((m) => standingOf(m) === 'match')) {
    const fact = facts.find((f): f is PersonFact => f.kind === 'person' && f.personRef === match.personRef && f.provenance.lookupId === match.lookupId);
    const connectorId = connectorOf.get(match.lookupId);
    if (fact === undefined || connectorId === undefined) continue;
    inputs.push({ recordKey: recordKeyOf(fact, connectorId), referralId: context.referralId, subjectRef: match.subjectRef, record: IndexedRecord.parse(personRecordFromFact(fact)) });
  }
  // All at once: the wave's locks are taken in one order (see person-index.ts).
  for (const resolution of await deps.personIndex.resolveMany(tx, inputs, context.at)) {
    hubPersonIds.push(resolution.hubPersonId);
    if (resolution.outcome === 'match') counts.linked += 1;
    else if (resolution.outcome === 'possible') counts.possible += 1;
    else counts.created += 1;
  }
  if (counts.linked + counts.possible + counts.created > 0) {
    await deps.audit(tx, { at: context.at, actor: context.actor, action: 'identity.linked', referralId: context.referralId, detail: counts });
  }
  return { ...counts, hubPersonIds };
}
