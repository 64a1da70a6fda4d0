/**
 * Identity rows of a referral: household members discovered for the next wave of lookups (sealed:
 * they are case content), how well each agency person record matched the subject it was found
 * for (scores and evidence levels only, no values), and practitioners' decisions on the records
 * that were only possible matches (the reason sealed, since free text may name people) — and
 * `createIdentityStore`, the rows identity reads and writes through its port.
 */
import type { Agency } from '../model/agency.ts';
import { Subject } from '../model/referral.ts';
import { subjectMatchId, type DiscoveredSubject, type NewSubjectMatchDecision, type StoredSubjectMatch, type SubjectMatch, type SubjectMatchDecision } from '../model/identity.ts';
import type { ItemRecord } from '../model/item.ts';
import type { LookupRecord } from '../model/lookup.ts';
import type { ReferralRecord } from '../model/referral.ts';
import { newId } from '../lib/ids.ts';
import type { Sql } from './db.ts';
import { listItems } from './items.ts';
import { discoveredSubjectAad, getReferral } from './referrals.ts';
import { listLookups } from './lookups.ts';
import type { Vault } from './vault.ts';


export async function insertDiscoveredSubject(sql: Sql, vault: Vault, referralId: string, discovered: DiscoveredSubject, at: Date): Promise<void> {
  const sealed = await vault.keyRing(sql, referralId).seal('hub', JSON.stringify(discovered.subject), discoveredSubjectAad(referralId, discovered.subject.ref));
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
    subjects.push({ subject: Subject.parse(JSON.parse(await keys.open('hub', row.sealed_subject, discoveredSubjectAad(referralId, row.ref)))), wave: row.wave, relationship: row.relationship });
  }
  return subjects;
}

/**
 * Record how a wave's person records matched their subjects, in one statement (a referral's
 * waves match dozens of records: one round trip each was a good part of its store time,
 * docs/decisions.md "CPU per referral"). A record matched again (a re-run) keeps the latest.
 * `at` is when the wave matched: a possible match keeps the time it was first raised, for the
 * review queue's order (migration 020).
 */
export async function recordSubjectMatches(sql: Sql, referralId: string, matches: readonly SubjectMatch[], at: Date): Promise<void> {
  // One row per (lookup, record): an upsert cannot change the same row twice in one statement.
  const latest = new Map(matches.map((m) => [`${m.lookupId}\u0000${m.personRef}`, m]));
  if (latest.size === 0) return;
  const rows = [...latest.values()];
  await sql.query(
    `INSERT INTO subject_matches (referral_id, lookup_id, person_ref, subject_ref, outcome, score, probability, evidence, reason, match_id, raised_at)
     SELECT $1, m.lookup_id, m.person_ref, m.subject_ref, m.outcome, m.score, m.probability, m.evidence::jsonb, m.reason, m.match_id, $11
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::text[], $9::text[], $10::text[])
            AS m (lookup_id, person_ref, subject_ref, outcome, score, probability, evidence, reason, match_id)
     ON CONFLICT (lookup_id, person_ref) DO UPDATE SET outcome = EXCLUDED.outcome, score = EXCLUDED.score, probability = EXCLUDED.probability,
       evidence = EXCLUDED.evidence, reason = EXCLUDED.reason,
       raised_at = CASE WHEN subject_matches.outcome = EXCLUDED.outcome THEN subject_matches.raised_at ELSE EXCLUDED.raised_at END`,
    [
      referralId,
      rows.map((m) => m.lookupId),
      rows.map((m) => m.personRef),
      rows.map((m) => m.subjectRef),
      rows.map((m) => m.outcome),
      rows.map((m) => String(m.score)),
      rows.map((m) => String(m.probability)),
      rows.map((m) => JSON.stringify(m.evidence)),
      rows.map((m) => m.reason),
      rows.map((m) => subjectMatchId(m.lookupId, m.personRef)),
      at,
    ],
  );
}

export async function listSubjectMatches(sql: Sql, referralId: string): Promise<StoredSubjectMatch[]> {
  const rows = await sql.query<{
    lookup_id: string;
    person_ref: string;
    subject_ref: string;
    outcome: SubjectMatch['outcome'];
    score: number;
    probability: number;
    evidence: SubjectMatch['evidence'];
    reason: string | null;
    decision: SubjectMatchDecision['decision'] | null;
    cause: SubjectMatchDecision['cause'] | null;
    decided_by: string | null;
    decided_at: Date | null;
  }>(
    `SELECT m.lookup_id, m.person_ref, m.subject_ref, m.outcome, m.score, m.probability, m.evidence, m.reason,
            d.decision, d.cause, d.decided_by, d.decided_at
       FROM subject_matches m
       LEFT JOIN subject_match_decisions d ON d.lookup_id = m.lookup_id AND d.person_ref = m.person_ref
      WHERE m.referral_id = $1 ORDER BY m.subject_ref, m.score DESC, m.lookup_id, m.person_ref`,
    [referralId],
  );
  return rows.map((r) => ({
    id: subjectMatchId(r.lookup_id, r.person_ref),
    lookupId: r.lookup_id,
    personRef: r.person_ref,
    subjectRef: r.subject_ref,
    outcome: r.outcome,
    score: r.score,
    probability: r.probability,
    evidence: r.evidence,
    reason: r.reason,
    decision:
      r.decision === null
        ? null
        : { decision: r.decision, cause: r.cause ?? 'practitioner', decidedBy: r.decided_by ?? '', decidedAt: new Date(r.decided_at ?? 0).toISOString() },
  }));
}

/** The owning agency and reveal state of the person record behind a subject match, read without opening it (for the policy check). */
export async function candidateRecordOf(sql: Sql, referralId: string, lookupId: string, personRef: string): Promise<{ itemId: string; agency: Agency; revealed: boolean } | undefined> {
  const rows = await sql.query<{ id: string; agency: Agency; revealed_at: Date | null }>(
    "SELECT id, agency, revealed_at FROM facts WHERE referral_id = $1 AND lookup_id = $2 AND person_ref = $3 AND kind = 'person' ORDER BY id LIMIT 1",
    [referralId, lookupId, personRef],
  );
  const row = rows[0];
  return row === undefined ? undefined : { itemId: row.id, agency: row.agency, revealed: row.revealed_at !== null };
}

const decisionAad = (lookupId: string, personRef: string): string => `subject-match-decision:${lookupId}:${personRef}`;

/**
 * Records a decision on a subject-level possible match, its reason sealed with the owning
 * agency's key. Returns false, writing nothing, when the record was already decided (a second
 * practitioner answering at the same time loses cleanly).
 */
export async function recordSubjectMatchDecision(sql: Sql, vault: Vault, input: NewSubjectMatchDecision): Promise<boolean> {
  const sealed = await vault.keyRing(sql, input.referralId).seal(input.owner, input.reason, decisionAad(input.match.lookupId, input.match.personRef));
  const rows = await sql.query<{ lookup_id: string }>(
    `INSERT INTO subject_match_decisions (lookup_id, person_ref, referral_id, subject_ref, decision, cause, decided_by, decided_at, sealed_reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING lookup_id`,
    [input.match.lookupId, input.match.personRef, input.referralId, input.match.subjectRef, input.decision, input.cause, input.by, input.at, sealed],
  );
  return rows.length === 1;
}

/** Opens the sealed reason of a decision (for the confidential record); undefined when there is none. */
export async function subjectMatchDecisionReason(sql: Sql, vault: Vault, referralId: string, lookupId: string, personRef: string): Promise<string | undefined> {
  const rows = await sql.query<{ sealed_reason: Uint8Array; agency: Agency }>(
    `SELECT d.sealed_reason, l.agency FROM subject_match_decisions d JOIN lookups l ON l.id = d.lookup_id
      WHERE d.referral_id = $1 AND d.lookup_id = $2 AND d.person_ref = $3`,
    [referralId, lookupId, personRef],
  );
  const row = rows[0];
  return row === undefined ? undefined : vault.keyRing(sql, referralId).open(row.agency, row.sealed_reason, decisionAad(lookupId, personRef));
}

/**
 * The hub persons the index links these record keys to now (a merge moves links to the survivor):
 * who a subject is across referrals, read from the records matched to it.
 */
export async function hubPersonsOfRecords(sql: Sql, recordKeys: readonly string[]): Promise<string[]> {
  if (recordKeys.length === 0) return [];
  const rows = await sql.query<{ hub_person_id: string }>(
    `SELECT DISTINCT l.hub_person_id FROM person_index_records AS r JOIN person_links AS l ON l.record_id = r.id
      WHERE r.record_key = ANY ($1::text[]) ORDER BY l.hub_person_id`,
    [[...recordKeys]],
  );
  return rows.map((r) => r.hub_person_id);
}

/**
 * Keeps a practitioner's subject-level answer as the index keeps its own: the record is (or is
 * not) each of these hub persons (person_pair_decisions, no possible-match id). Later resolutions
 * of the record key and later referrals' subject matching follow it.
 */
export async function keepPairDecisions(
  sql: Sql,
  input: { readonly recordKey: string; readonly hubPersonIds: readonly string[]; readonly decision: 'confirmed' | 'rejected'; readonly by: string; readonly at: Date },
): Promise<void> {
  for (const hubPersonId of input.hubPersonIds) {
    await sql.query(
      `INSERT INTO person_pair_decisions (id, record_key, hub_person_id, decision, possible_match_id, decided_by, decided_at) VALUES ($1, $2, $3, $4, NULL, $5, $6)`,
      [newId(), input.recordKey, hubPersonId, input.decision, input.by, input.at],
    );
  }
}

/** The latest decision that the record is or is not one of these hub persons; undefined when none was taken. */
export async function latestPairDecision(sql: Sql, recordKey: string, hubPersonIds: readonly string[]): Promise<{ decision: 'confirmed' | 'rejected'; decidedBy: string } | undefined> {
  if (hubPersonIds.length === 0) return undefined;
  const rows = await sql.query<{ decision: 'confirmed' | 'rejected'; decided_by: string }>(
    `SELECT decision, decided_by FROM person_pair_decisions WHERE record_key = $1 AND hub_person_id = ANY ($2::uuid[]) ORDER BY decided_at DESC, id LIMIT 1`,
    [recordKey, [...hubPersonIds]],
  );
  const row = rows[0];
  return row === undefined ? undefined : { decision: row.decision, decidedBy: row.decided_by };
}

/**
 * What identity's decisions and the picture's identity section read and write of a referral, as
 * identity's `IdentityStore` port asks for them (src/identity/port.ts; docs/decisions.md "One home
 * for identity"). Every method takes `sql`, the caller's handle: inside a transaction, its `tx`.
 */
export interface IdentityRows {
  referralExists(sql: Sql, referralId: string): Promise<boolean>;
  /** Holds the referral's row lock until the transaction ends. */
  lockReferral(sql: Sql, referralId: string): Promise<void>;
  getReferral(sql: Sql, referralId: string): Promise<ReferralRecord | undefined>;
  listLookups(sql: Sql, referralId: string): Promise<LookupRecord[]>;
  /** The referral's items, opened; with `agency`, only that agency's. */
  listItems(sql: Sql, referralId: string, filter?: { readonly agency?: Agency }): Promise<ItemRecord[]>;
  listDiscoveredSubjects(sql: Sql, referralId: string): Promise<DiscoveredSubject[]>;
  listSubjectMatches(sql: Sql, referralId: string): Promise<StoredSubjectMatch[]>;
  candidateRecordOf(sql: Sql, referralId: string, lookupId: string, personRef: string): Promise<{ itemId: string; agency: Agency; revealed: boolean } | undefined>;
  /** False, writing nothing, when the record was already decided. */
  recordSubjectMatchDecision(sql: Sql, input: NewSubjectMatchDecision): Promise<boolean>;
  hubPersonsOfRecords(sql: Sql, recordKeys: readonly string[]): Promise<string[]>;
  keepPairDecisions(sql: Sql, input: { readonly recordKey: string; readonly hubPersonIds: readonly string[]; readonly decision: 'confirmed' | 'rejected'; readonly by: string; readonly at: Date }): Promise<void>;
  latestPairDecision(sql: Sql, recordKey: string, hubPersonIds: readonly string[]): Promise<{ decision: 'confirmed' | 'rejected'; decidedBy: string } | undefined>;
}

/** The identity rows of the store, case content opened and sealed with `vault`. */
export function createIdentityStore(vault: Vault): IdentityRows {
  return {
    async referralExists(sql, referralId) {
      return (await sql.query<{ id: string }>('SELECT id FROM referrals WHERE id = $1', [referralId])).length > 0;
    },
    async lockReferral(sql, referralId) {
      await sql.query('SELECT id FROM referrals WHERE id = $1 FOR UPDATE', [referralId]);
    },
    getReferral: (sql, referralId) => getReferral(sql, vault, referralId),
    listLookups,
    listItems: (sql, referralId, filter) => listItems(sql, vault, referralId, filter),
    listDiscoveredSubjects: (sql, referralId) => listDiscoveredSubjects(sql, vault, referralId),
    listSubjectMatches,
    candidateRecordOf,
    recordSubjectMatchDecision: (sql, input) => recordSubjectMatchDecision(sql, vault, input),
    hubPersonsOfRecords,
    keepPairDecisions,
    latestPairDecision,
  };
}
