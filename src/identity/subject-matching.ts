/**
 * Subject matching over a wave: which agency person records are the subject they were looked up
 * for. Each record is first scored against the subject alone (Fellegi–Sunter, with its evidence);
 * then the records matched to one subject — within one lookup and across the lookups and agencies
 * of the wave — must be one person, or none of them is matched automatically.
 *
 * Why (docs/decisions.md "Trusted identifiers separate; ambiguous candidates go to a
 * practitioner"): a national demographic search for "Sam Smith, born 2000-05-05" returns several
 * people with the same name and birth date, each with a different valid NHS number. Scored alone,
 * each looks like the subject; attached together, the picture holds facts about the wrong child,
 * which in safeguarding is worse than no facts. So:
 * - trusted identifiers decide first: a record whose valid NHS number, UPN or PNC id differs from
 *   the subject's is a non-match; one that agrees is a match;
 * - a record whose trusted identifier differs from that of a record matched by the subject's own
 *   identifier is provably someone else: a non-match;
 * - the remaining automatic matches must all be one person: clustered with the subject by the
 *   hub's own average-linkage clustering, which never joins records with different trusted
 *   identifiers, they must fall in one cluster. If not, none of the records matched only by score
 *   is automatic: each becomes a possible match, with the reason ("5 distinct people match this
 *   subject"), for the owning agency's practitioner to decide. Records of one person (duplicates
 *   agreeing on the NHS number, one child's records across agencies) still match together.
 */
import type { Fact, PersonFact } from '../model/fact.ts';
import type { SubjectMatch } from '../model/identity.ts';
import type { Subject } from '../model/referral.ts';
import { clusterPairs, DEFAULT_CLUSTERING, type ScoredPair } from './engine/cluster.ts';
import type { IdentifierVerdict, Matcher } from './engine/matcher.ts';
import { personRecordFromFact, prepareRecord, type PreparedRecord } from './engine/record.ts';
import { subjectRecord } from './subject-record.ts';

/** The reasons a record is only possible, or a non-match despite its fields: rules and counts, never personal data. */
export const MATCH_REASONS = {
  subjectIdentifierConflict: "a trusted identifier (NHS number, UPN or PNC id) differs from the subject's",
  anchorIdentifierConflict: "a trusted identifier differs from that of a record matched by the subject's own identifier",
  belowMatchThreshold: 'the score is below the automatic match threshold',
  noPersonalEvidence: "nothing of the person's own (birth date, e-mail or identifier) agrees; household details alone never match automatically",
  distinctPeople: (people: number): string => `${people} distinct people match this subject`,
} as const;

/** A lookup as subject matching needs it. */
export interface WaveLookup {
  readonly id: string;
  readonly subjectRef: string;
}

interface Candidate {
  readonly lookupId: string;
  readonly fact: PersonFact;
  readonly prepared: PreparedRecord;
  /** What the record's trusted identifiers say against the subject's. */
  readonly verdict: IdentifierVerdict;
  outcome: SubjectMatch['outcome'];
  reason: string | null;
  readonly score: number;
  readonly probability: number;
  readonly evidence: SubjectMatch['evidence'];
}

const round = (value: number, places: number): number => Math.round(value * 10 ** places) / 10 ** places;

/** Every person record of one lookup scored against the lookup's subject, alone. */
function scoreAgainstSubject(matcher: Matcher, lookupId: string, target: PreparedRecord, facts: readonly Fact[]): Candidate[] {
  return facts
    .filter((f): f is PersonFact => f.kind === 'person' && f.provenance.lookupId === lookupId)
    .map((fact) => {
      const prepared = prepareRecord(personRecordFromFact(fact));
      const comparison = matcher.comparePrepared(target, prepared);
      const { identifiers } = matcher.scorePrepared(target, prepared);
      const threshold = matcher.model.thresholds.match;
      return {
        lookupId,
        fact,
        prepared,
        verdict: identifiers,
        outcome: comparison.outcome,
        reason: comparison.outcome !== 'possible' ? null : comparison.score >= threshold ? MATCH_REASONS.noPersonalEvidence : MATCH_REASONS.belowMatchThreshold,
        score: round(comparison.score, 2),
        probability: round(comparison.probability, 4),
        evidence: comparison.evidence.map((e) => ({ field: e.field, level: e.level, weight: round(e.weight, 2) })),
      };
    });
}

/** Whether two records carry different valid identifiers of one trusted system. */
const conflicting = (matcher: Matcher, a: Candidate, b: Candidate): boolean => matcher.scorePrepared(a.prepared, b.prepared).identifiers === 'conflict';

/**
 * How many people the subject and its automatic matches are: the hub's clustering
 * (docs/decisions.md "Clusters merge by average linkage, strongest link first"), never across
 * conflicting trusted identifiers. The subject takes part: records of one child from several
 * agencies, each with its own noise (a nickname, a swapped day and month, an old address), may
 * compare poorly with one another yet all agree with the referral; a record another child's
 * identifier separates can never join them. Counts the clusters holding a record.
 */
function countPeople(matcher: Matcher, subject: PreparedRecord, records: readonly Candidate[]): number {
  const all = [subject, ...records.map((r) => r.prepared)];
  const scoreOf = (i: number, j: number): { score: number; conflict: boolean } => {
    const a = all[i];
    const b = all[j];
    if (a === undefined || b === undefined) return { score: Number.NEGATIVE_INFINITY, conflict: false };
    const pair = matcher.scorePrepared(a, b);
    return { score: pair.score, conflict: pair.identifiers === 'conflict' };
  };
  const pairs: ScoredPair[] = [];
  for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) pairs.push({ i, j, ...scoreOf(i, j) });
  const labels = clusterPairs(all.length, pairs, scoreOf, DEFAULT_CLUSTERING);
  return new Set(Array.from(labels).slice(1)).size;
}

/** Applies the rules of the header to the records of one subject (all lookups of the wave). */
function settleSubject(matcher: Matcher, subject: PreparedRecord, candidates: Candidate[]): void {
  for (const c of candidates) {
    if (c.verdict === 'conflict') {
      c.outcome = 'non-match';
      c.reason = MATCH_REASONS.subjectIdentifierConflict;
    }
  }
  const anchors = candidates.filter((c) => c.verdict === 'agree');
  for (const c of candidates) {
    if (c.outcome !== 'non-match' && c.verdict === 'none' && anchors.some((a) => conflicting(matcher, a, c))) {
      c.outcome = 'non-match';
      c.reason = MATCH_REASONS.anchorIdentifierConflict;
    }
  }
  const automatic = candidates.filter((c) => c.outcome === 'match');
  if (automatic.length < 2) return;
  const people = countPeople(matcher, subject, automatic);
  if (people === 1) return;
  // Records matched by the subject's own identifier stay matched (deterministic); the rest wait.
  for (const c of automatic) {
    if (c.verdict === 'agree') continue;
    c.outcome = 'possible';
    c.reason = MATCH_REASONS.distinctPeople(people);
  }
}

/**
 * Matches every person record of a wave's finished lookups to its lookup's subject, under the
 * rules of the header, with the matcher the composition root built. Lookups whose subject is
 * unknown are skipped.
 */
export function matchWave(matcher: Matcher, lookups: readonly WaveLookup[], subjects: readonly Subject[], facts: readonly Fact[]): SubjectMatch[] {
  const bySubject = new Map<string, { target: PreparedRecord; candidates: Candidate[] }>();
  for (const lookup of lookups) {
    const subject = subjects.find((s) => s.ref === lookup.subjectRef);
    if (subject === undefined) continue;
    const target = prepareRecord(subjectRecord(subject));
    const known = bySubject.get(subject.ref);
    bySubject.set(subject.ref, { target, candidates: [...(known?.candidates ?? []), ...scoreAgainstSubject(matcher, lookup.id, target, facts)] });
  }
  const matches: SubjectMatch[] = [];
  for (const [subjectRef, { target, candidates }] of bySubject) {
    settleSubject(matcher, target, candidates);
    for (const c of candidates) {
      matches.push({ lookupId: c.lookupId, personRef: c.fact.personRef, subjectRef, outcome: c.outcome, score: c.score, probability: c.probability, evidence: c.evidence, reason: c.reason });
    }
  }
  return matches;
}

/**
 * Whether two person facts are provably different people: a valid NHS number, UPN or PNC id of
 * one system that differs. Confirming one as the subject rejects the other.
 */
export function provablyDifferent(matcher: Matcher, a: PersonFact, b: PersonFact): boolean {
  return matcher.scorePrepared(prepareRecord(personRecordFromFact(a)), prepareRecord(personRecordFromFact(b))).identifiers === 'conflict';
}
