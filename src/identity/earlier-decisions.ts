/**
 * A practitioner's answer to a subject-level possible match holds beyond its referral
 * (docs/decisions.md "A review queue of possible matches across referrals"): "this agency record
 * is (not) the subject" is kept as "this record is (not) the hub person the subject's records are
 * linked to" — the person index's own pair decisions (person_pair_decisions), which its
 * resolutions already follow — and a later referral that finds the same record as only a
 * possible match for a subject whose records link to the same hub person applies the answer at
 * once: a rejected record stays out of its picture and of every product, a confirmed one joins
 * the subject and links. A question already raised in another referral stays open (its
 * practitioner may know better now); the latest answer is the one later referrals apply.
 *
 * Who the subject is across referrals is read from the index, never from names: the hub persons
 * of the records that stand as matches to it. A subject with no such record (every record only
 * possible) has no hub person yet, and its questions are asked afresh.
 */
import type { Fact, PersonFact } from '../model/fact.ts';
import { standingOf, type StoredSubjectMatch, type SubjectMatch, type SubjectMatchDecision } from '../model/identity.ts';
import type { LookupRecord } from '../model/lookup.ts';
import { sha256Hex } from '../lib/ids.ts';
import type { Sql } from '../store/db.ts';
import type { PersonIndex } from './person-index.ts';
import { linkPersons, recordKeyOf, type LinkContext } from './person-linking.ts';
import type { AppendAudit, IdentityStore } from './port.ts';

/** What keeping and applying earlier answers needs. */
export interface EarlierDecisionDeps {
  readonly store: IdentityStore;
  readonly personIndex: PersonIndex;
  readonly audit: AppendAudit;
}

type Match = SubjectMatch & { readonly decision?: SubjectMatchDecision | null };

/** The record key of each match's person record, where the record and its lookup are known. */
function keysOf(lookups: readonly LookupRecord[], facts: readonly Fact[]): (m: Pick<SubjectMatch, 'lookupId' | 'personRef'>) => { key: string; fact: PersonFact } | undefined {
  const connectorOf = new Map(lookups.map((l) => [l.id, l.connectorId]));
  const persons = new Map(facts.filter((f): f is PersonFact => f.kind === 'person').map((f) => [`${f.provenance.lookupId}\u0000${f.personRef}`, f]));
  return (m) => {
    const fact = persons.get(`${m.lookupId}\u0000${m.personRef}`);
    const connectorId = connectorOf.get(m.lookupId);
    return fact === undefined || connectorId === undefined ? undefined : { key: recordKeyOf(fact, connectorId), fact };
  };
}

/** The hub persons of the records standing as matches to the subject. */
async function personsOfSubject(store: IdentityStore, tx: Sql, subjectRef: string, matches: readonly Match[], keyOf: ReturnType<typeof keysOf>): Promise<string[]> {
  const keys = matches.filter((m) => m.subjectRef === subjectRef && standingOf(m) === 'match').flatMap((m) => keyOf(m)?.key ?? []);
  return store.hubPersonsOfRecords(tx, keys);
}

/**
 * Keeps a practitioner's answer on a subject-level match as pair decisions about the record and
 * the subject's hub persons, in the caller's transaction (before a confirmed record is linked, so
 * the index links it to that person).
 */
export async function keepSubjectDecision(
  deps: EarlierDecisionDeps,
  tx: Sql,
  input: { readonly referralId: string; readonly match: StoredSubjectMatch; readonly decision: 'confirmed' | 'rejected'; readonly by: string; readonly at: Date },
): Promise<void> {
  const lookups = await deps.store.listLookups(tx, input.referralId);
  const facts = (await deps.store.listItems(tx, input.referralId)).map((i) => i.fact);
  const keyOf = keysOf(lookups, facts);
  const candidate = keyOf(input.match);
  if (candidate === undefined) return;
  const others = (await deps.store.listSubjectMatches(tx, input.referralId)).filter((m) => m.id !== input.match.id);
  const persons = await personsOfSubject(deps.store, tx, input.match.subjectRef, others, keyOf);
  await deps.store.keepPairDecisions(tx, { recordKey: candidate.key, hubPersonIds: persons, decision: input.decision, by: input.by, at: input.at });
}

/**
 * Applies earlier answers to the wave's records that are only possible matches: each one a
 * practitioner already answered for the same record and the same hub person is decided the same
 * way here (cause `earlier-decision`, naming who answered first), audited, and — confirmed —
 * linked. Runs in the wave's transaction, after its matched records were linked. Returns how
 * many it decided.
 */
export async function applyEarlierDecisions(deps: EarlierDecisionDeps, tx: Sql, context: LinkContext, lookups: readonly LookupRecord[], facts: readonly Fact[]): Promise<number> {
  const stored = await deps.store.listSubjectMatches(tx, context.referralId);
  const wave = new Set(lookups.map((l) => l.id));
  const open = stored.filter((m) => wave.has(m.lookupId) && standingOf(m) === 'possible');
  if (open.length === 0) return 0;
  const keyOf = keysOf(await deps.store.listLookups(tx, context.referralId), facts);
  const confirmed: Match[] = [];
  let decided = 0;
  for (const subjectRef of new Set(open.map((m) => m.subjectRef))) {
    const persons = await personsOfSubject(deps.store, tx, subjectRef, stored, keyOf);
    if (persons.length === 0) continue;
    for (const match of open.filter((m) => m.subjectRef === subjectRef)) {
      const record = keyOf(match);
      const earlier = record === undefined ? undefined : await deps.store.latestPairDecision(tx, record.key, persons);
      if (record === undefined || earlier === undefined) continue;
      const reason = `Decided as in an earlier referral: a practitioner ${earlier.decision} this record as the same hub person.`;
      const recorded = await deps.store.recordSubjectMatchDecision(tx, {
        referralId: context.referralId,
        match,
        owner: record.fact.provenance.agency,
        decision: earlier.decision,
        cause: 'earlier-decision',
        by: earlier.decidedBy,
        reason,
        at: context.at,
      });
      if (!recorded) continue;
      decided += 1;
      await deps.audit(tx, {
        at: context.at,
        actor: context.actor,
        action: 'identity.match-decided',
        referralId: context.referralId,
        agency: record.fact.provenance.agency,
        subject: match.id,
        detail: { kind: 'subject', decision: earlier.decision, cause: 'earlier-decision', decidedBy: earlier.decidedBy, subjectRef, reasonSha256: sha256Hex(reason) },
      });
      if (earlier.decision === 'confirmed') confirmed.push({ ...match, decision: { decision: 'confirmed', cause: 'earlier-decision', decidedBy: earlier.decidedBy, decidedAt: context.at.toISOString() } });
    }
  }
  if (confirmed.length > 0) await linkPersons(deps, tx, context, lookups, facts, confirmed);
  return decided;
}
