/**
 * Identity rows of a referral: household members discovered for the next wave of lookups (sealed:
 * they are case content), and how well each agency person record matched the subject it was found
 * for (scores and evidence levels only, no values).
 */
import { Subject } from '../model/referral.ts';
import type { Sql } from './db.ts';
import type { NewLookup } from './referrals.ts';
import type { Vault } from './vault.ts';

const subjectAad = (referralId: string, ref: string): string => `discovered-subject:${referralId}:${ref}`;

export interface DiscoveredSubject {
  readonly subject: Subject;
  readonly wave: number;
  readonly relationship: string;
}

export async function insertDiscoveredSubject(sql: Sql, vault: Vault, referralId: string, discovered: DiscoveredSubject, at: Date): Promise<void> {
  const sealed = await vault.keyRing(sql, referralId).seal('hub', JSON.stringify(discovered.subject), subjectAad(referralId, discovered.subject.ref));
  await sql.query(
    'INSERT INTO discovered_subjects (referral_id, ref, wave, relationship, sealed_subject, discovered_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
    [referralId, discovered.subject.ref, discovered.wave, discovered.relationship, sealed, at],
  );
}

export async function listDiscoveredSubjects(sql: Sql, vault: Vault, referralId: string): Promise<DiscoveredSubject[]> {
  const rows = await sql.query<{ ref: string; wave: number; relationship: string; sealed_subject: Uint8Array }>(
    'SELECT ref, wave, relationship, sealed_subject FROM discovered_subjects WHERE referral_id = $1 ORDER BY wave, ref',
    [referralId],
  );
  const keys = vault.keyRing(sql, referralId);
  const subjects: DiscoveredSubject[] = [];
  for (const row of rows) {
    subjects.push({ subject: Subject.parse(JSON.parse(await keys.open('hub', row.sealed_subject, subjectAad(referralId, row.ref)))), wave: row.wave, relationship: row.relationship });
  }
  return subjects;
}

/** Lookups of a later wave, planned like the first. */
export async function insertWaveLookups(sql: Sql, referralId: string, lookups: readonly NewLookup[], wave: number, at: Date): Promise<void> {
  for (const lookup of lookups) {
    await sql.query(
      `INSERT INTO lookups (id, referral_id, connector_id, agency, subject_ref, status, lawful_basis, reason, finished_at, wave)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
      [lookup.id, referralId, lookup.connectorId, lookup.agency, lookup.subjectRef, lookup.status, lookup.lawfulBasis, lookup.reason, lookup.status === 'not-permitted' ? at : null, wave],
    );
  }
}

export interface SubjectMatch {
  readonly lookupId: string;
  readonly personRef: string;
  readonly subjectRef: string;
  readonly outcome: 'match' | 'possible' | 'non-match';
  readonly score: number;
  readonly probability: number;
  readonly evidence: readonly { readonly field: string; readonly level: string; readonly weight: number }[];
}

export async function recordSubjectMatch(sql: Sql, referralId: string, match: SubjectMatch): Promise<void> {
  await sql.query(
    `INSERT INTO subject_matches (referral_id, lookup_id, person_ref, subject_ref, outcome, score, probability, evidence)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (lookup_id, person_ref) DO UPDATE SET outcome = EXCLUDED.outcome, score = EXCLUDED.score, probability = EXCLUDED.probability, evidence = EXCLUDED.evidence`,
    [referralId, match.lookupId, match.personRef, match.subjectRef, match.outcome, match.score, match.probability, JSON.stringify(match.evidence)],
  );
}

export async function listSubjectMatches(sql: Sql, referralId: string): Promise<SubjectMatch[]> {
  const rows = await sql.query<{ lookup_id: string; person_ref: string; subject_ref: string; outcome: SubjectMatch['outcome']; score: number; probability: number; evidence: SubjectMatch['evidence'] }>(
    'SELECT lookup_id, person_ref, subject_ref, outcome, score, probability, evidence FROM subject_matches WHERE referral_id = $1 ORDER BY subject_ref, score DESC',
    [referralId],
  );
  return rows.map((r) => ({ lookupId: r.lookup_id, personRef: r.person_ref, subjectRef: r.subject_ref, outcome: r.outcome, score: r.score, probability: r.probability, evidence: r.evidence }));
}
