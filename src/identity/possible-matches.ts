/**
 * Deciding a possible match: a practitioner says whether a candidate record is the person.
 *
 * Why here (docs/decisions.md "Trusted identifiers separate; ambiguous candidates go to a
 * practitioner"): two kinds of question reach one API. A subject-level one — "is this agency
 * record the referral's subject?" — arises when the records matched to a subject are not all one
 * person; its record's facts stay out of the picture and of every product until confirmed. A
 * person-index one — "is this record the hub person known from other records?" — arises when the
 * index can only possibly link a record across referrals. Both are decided by whoever may see the
 * record, through the one policy function: the owning agency's practitioner always (the owner
 * keeps the duty of care), the hub manager once the owner has revealed it. Every decision is kept
 * and audited (who, when, the reason's hash; the reason itself sealed). Confirming a subject-level
 * candidate rejects the subject's other candidates that are provably other people (a different
 * valid NHS number, UPN or PNC id), and links the record into the person index. A subject-level
 * answer is kept about the record and the subject's hub person, and later referrals apply it
 * (src/identity/earlier-decisions.ts).
 */
import { MashError } from '../lib/errors.ts';
import type { Clock } from '../lib/clock.ts';
import { sha256Hex } from '../lib/ids.ts';
import { Agency } from '../model/agency.ts';
import type { PersonFact } from '../model/fact.ts';
import { isSubjectMatchId, standingOf, type StoredSubjectMatch } from '../model/identity.ts';
import type { ItemRecord } from '../model/item.ts';
import type { Principal } from '../model/principal.ts';
import type { Db } from '../store/db.ts';
import { keepSubjectDecision } from './earlier-decisions.ts';
import type { Matcher } from './engine/matcher.ts';
import type { PersonIndex } from './person-index.ts';
import { linkPersons, recordKeyOf } from './person-linking.ts';
import type { AppendAudit, IdentityAccess, IdentityStore } from './port.ts';
import { provablyDifferent } from './subject-matching.ts';

/** What deciding a possible match needs, handed in by the composition root. */
export interface PossibleMatchDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly matcher: Matcher;
  readonly store: IdentityStore;
  readonly personIndex: PersonIndex;
  readonly audit: AppendAudit;
  readonly access: IdentityAccess;
}

/** A practitioner's answer. */
export interface PossibleMatchRequest {
  readonly decision: 'confirm' | 'reject';
  /** Why; free text, sealed at rest; the audit log holds its hash. */
  readonly reason: string;
}

/** What a decision did. */
export interface PossibleMatchOutcome {
  readonly matchId: string;
  readonly kind: 'subject' | 'person-index';
  readonly decision: 'confirmed' | 'rejected';
  /** The hub person the record is linked to (person-index decisions, and confirmed subject-level ones). */
  readonly hubPersonId: string | null;
  /** The subject the record was (or was not) confirmed as; subject-level decisions only. */
  readonly subjectRef: string | null;
  /** Other candidates of the subject rejected because they are provably other people. */
  readonly alsoRejected: readonly string[];
}

type PersonItem = ItemRecord & { readonly fact: PersonFact };
const isPersonItem = (item: ItemRecord): item is PersonItem => item.fact.kind === 'person';

/** Confirms or rejects a possible match of either kind (see the header). */
export async function decidePossibleMatch(deps: PossibleMatchDeps, principal: Principal, referralId: string, matchId: string, request: PossibleMatchRequest): Promise<PossibleMatchOutcome> {
  if (!(await deps.store.referralExists(deps.db, referralId))) throw new MashError('REFERRAL.NOT_FOUND', `no referral ${referralId}`);
  // Deny by default: nothing is said about a match to a caller who may not look into the case.
  await deps.access.requirePictureRead(principal, referralId, matchId);
  return isSubjectMatchId(matchId) ? decideSubjectMatch(deps, principal, referralId, matchId, request) : decideIndexMatch(deps, principal, referralId, matchId, request);
}

async function decideSubjectMatch(deps: PossibleMatchDeps, principal: Principal, referralId: string, matchId: string, request: PossibleMatchRequest): Promise<PossibleMatchOutcome> {
  const { store } = deps;
  const target = (await store.listSubjectMatches(deps.db, referralId)).find((m) => m.id === matchId && m.outcome === 'possible');
  const record = target === undefined ? undefined : await store.candidateRecordOf(deps.db, referralId, target.lookupId, target.personRef);
  if (target === undefined || record === undefined) throw new MashError('MATCH.NOT_FOUND', `no possible match ${matchId} in referral ${referralId}`);
  await deps.access.requireDecision(principal, referralId, { agency: record.agency, revealed: record.revealed }, matchId);

  return deps.db.transaction(async (tx) => {
    // One identity decision at a time per referral: two candidates with different NHS numbers
    // confirmed at once would both pass the conflict check below.
    await store.lockReferral(tx, referralId);
    const at = deps.clock.now();
    const matches = await store.listSubjectMatches(tx, referralId);
    const current = matches.find((m) => m.id === matchId);
    if (current === undefined) throw new MashError('MATCH.NOT_FOUND', `no possible match ${matchId} in referral ${referralId}`);
    if (current.decision !== null) throw new MashError('MATCH.ALREADY_DECIDED', `possible match ${matchId} was already ${current.decision.decision}`);
    const confirm = request.decision === 'confirm';

    const toReject: { match: StoredSubjectMatch; owner: Agency }[] = [];
    let items: PersonItem[] = [];
    if (confirm) {
      items = (await store.listItems(tx, referralId)).filter(isPersonItem);
      const personOf = (m: StoredSubjectMatch): PersonItem | undefined => items.find((i) => i.fact.provenance.lookupId === m.lookupId && i.fact.personRef === m.personRef);
      const confirmed = personOf(current);
      if (confirmed === undefined) throw new MashError('MATCH.NOT_FOUND', `the record of possible match ${matchId} is no longer held`);
      for (const other of matches.filter((m) => m.subjectRef === current.subjectRef && m.id !== current.id)) {
        const otherRecord = personOf(other);
        if (otherRecord === undefined || !provablyDifferent(deps.matcher, confirmed.fact, otherRecord.fact)) continue;
        const standing = standingOf(other);
        if (standing === 'match') {
          throw new MashError('MATCH.CONFLICT', `a trusted identifier of this record differs from that of a record already matched to subject ${current.subjectRef}; both cannot be that person`);
        }
        if (standing === 'possible') toReject.push({ match: other, owner: otherRecord.agency });
      }
    }

    const decision = confirm ? ('confirmed' as const) : ('rejected' as const);
    const recorded = await store.recordSubjectMatchDecision(tx, { referralId, match: current, owner: record.agency, decision, cause: 'practitioner', by: principal.sub, reason: request.reason, at });
    if (!recorded) throw new MashError('MATCH.ALREADY_DECIDED', `possible match ${matchId} was already decided`);
    // The answer holds beyond this referral: kept about the record and the subject's hub person (earlier-decisions.ts).
    await keepSubjectDecision(deps, tx, { referralId, match: current, decision, by: principal.sub, at });
    await deps.audit(tx, {
      at,
      actor: principal.sub,
      action: 'identity.match-decided',
      referralId,
      agency: record.agency,
      subject: matchId,
      detail: { kind: 'subject', decision, subjectRef: current.subjectRef, alsoRejected: toReject.map((r) => r.match.id), reasonSha256: sha256Hex(request.reason) },
    });
    for (const { match, owner } of toReject) {
      const reason = `Rejected when ${matchId} was confirmed as subject ${current.subjectRef}: a trusted identifier (NHS number, UPN or PNC id) differs, so this record is another person.`;
      await store.recordSubjectMatchDecision(tx, { referralId, match, owner, decision: 'rejected', cause: 'conflicts-with-confirmed', by: principal.sub, reason, at });
      await deps.audit(tx, {
        at,
        actor: principal.sub,
        action: 'identity.match-decided',
        referralId,
        agency: owner,
        subject: match.id,
        detail: { kind: 'subject', decision: 'rejected', cause: 'conflicts-with-confirmed', confirmedMatchId: matchId, subjectRef: current.subjectRef, reasonSha256: sha256Hex(reason) },
      });
    }

    let hubPersonId: string | null = null;
    if (confirm) {
      // Confirmed: now a record of the subject, so the hub person index links it like any match.
      const linked = await linkPersons(deps, tx, { referralId, at, actor: principal.sub }, await store.listLookups(tx, referralId), items.map((i) => i.fact), [
        { ...current, decision: { decision: 'confirmed', cause: 'practitioner', decidedBy: principal.sub, decidedAt: at.toISOString() } },
      ]);
      hubPersonId = linked.hubPersonIds[0] ?? null;
    }
    return { matchId, kind: 'subject', decision, hubPersonId, subjectRef: current.subjectRef, alsoRejected: toReject.map((r) => r.match.id) };
  });
}

async function decideIndexMatch(deps: PossibleMatchDeps, principal: Principal, referralId: string, matchId: string, request: PossibleMatchRequest): Promise<PossibleMatchOutcome> {
  const question = (await deps.personIndex.pendingMatches(deps.db, referralId)).find((m) => m.id === matchId);
  const owner = question === undefined ? undefined : Agency.safeParse(question.recordKey.split(':')[0]);
  if (question === undefined || owner === undefined || !owner.success) throw new MashError('MATCH.NOT_FOUND', `no pending possible match ${matchId} in referral ${referralId}`);
  // The record's own item in this referral, if it is there: revealed or not decides who else may answer.
  const connectorOf = new Map((await deps.store.listLookups(deps.db, referralId)).map((l) => [l.id, l.connectorId]));
  const item = (await deps.store.listItems(deps.db, referralId, { agency: owner.data }))
    .filter(isPersonItem)
    .find((i) => {
      const connectorId = connectorOf.get(i.fact.provenance.lookupId);
      return connectorId !== undefined && recordKeyOf(i.fact, connectorId) === question.recordKey;
    });
  await deps.access.requireDecision(principal, referralId, { agency: owner.data, revealed: item?.revealedAt !== null && item?.revealedAt !== undefined }, matchId);

  return deps.db.transaction(async (tx) => {
    const at = deps.clock.now();
    const result = await deps.personIndex.decidePossibleMatch(tx, matchId, { decision: request.decision, by: principal.sub, reason: request.reason }, at);
    if (!result.ok) throw new MashError(result.error.kind === 'not-found' ? 'MATCH.NOT_FOUND' : 'MATCH.ALREADY_DECIDED', `possible match ${matchId}: ${result.error.kind}`);
    await deps.audit(tx, {
      at,
      actor: principal.sub,
      action: 'identity.match-decided',
      referralId,
      agency: owner.data,
      subject: matchId,
      detail: { kind: 'person-index', decision: result.value.kind, hubPersonId: result.value.hubPersonId, reasonSha256: sha256Hex(request.reason) },
    });
    return { matchId, kind: 'person-index', decision: result.value.kind, hubPersonId: result.value.hubPersonId, subjectRef: null, alsoRejected: [] };
  });
}
