/**
 * A practitioner's answer to a possible match, in SQL: the question locked for the decision, the
 * decision recorded (reason sealed), two hub persons merged, a link marked confirmed or rejected.
 *
 * Why merges are explicit and kept: a wrong link shares one family's information with another
 * (docs/decisions.md "Identity matching choices"), so only a person merges persons, and the merge
 * is recorded (who, when, which question) with the absorbed person's row pointing at the
 * survivor, so ids handed out before still lead somewhere. Open questions, decisions and links
 * that named the absorbed person are moved to the survivor in the same transaction. What a
 * decision means — confirm merges, reject keeps apart for good — is identity's policy
 * (src/identity/person-index.ts); the caller writes the audit entry in the same transaction.
 */
import { newId } from '../../lib/ids.ts';
import { EvidenceList, type IndexQuestion } from '../../model/person-index.ts';
import type { Sql } from '../db.ts';
import type { IndexCodec } from './codec.ts';

interface QuestionRow {
  id: string;
  record_id: number;
  record_key: string;
  hub_person_id: string;
  candidate_person_id: string;
  candidate_record_id: number | null;
  score: number;
  evidence: unknown;
  status: 'pending' | 'confirmed' | 'rejected';
}

/** Possible match ids are UUIDs; anything else cannot name one (and would fail the uuid cast). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A possible match, locked until the transaction ends; undefined when there is none of that id. */
export async function lockQuestion(sql: Sql, id: string): Promise<IndexQuestion | undefined> {
  if (!UUID.test(id)) return undefined;
  const rows = await sql.query<QuestionRow>(
    `SELECT pm.id, pm.record_id::float8 AS record_id, r.record_key, l.hub_person_id, pm.candidate_person_id,
            pm.candidate_record_id::float8 AS candidate_record_id, pm.score, pm.evidence, pm.status
     FROM possible_matches AS pm
     JOIN person_index_records AS r ON r.id = pm.record_id
     JOIN person_links AS l ON l.record_id = pm.record_id
     WHERE pm.id = $1 FOR UPDATE OF pm`,
    [id],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const evidence = EvidenceList.safeParse(row.evidence);
  return {
    id: row.id,
    recordId: row.record_id,
    recordKey: row.record_key,
    hubPersonId: row.hub_person_id,
    candidatePersonId: row.candidate_person_id,
    candidateRecordId: row.candidate_record_id,
    score: row.score,
    evidence: evidence.success ? evidence.data : [],
    status: row.status,
  };
}

/**
 * Closes a question with a practitioner's decision (the reason sealed) and keeps the decision
 * about the record key and the candidate person, which later resolutions of the key follow.
 */
export async function recordDecision(
  codec: IndexCodec,
  sql: Sql,
  question: IndexQuestion,
  decision: { readonly decision: 'confirmed' | 'rejected'; readonly by: string; readonly reason: string },
  at: Date,
): Promise<void> {
  await sql.query(`UPDATE possible_matches SET status = $2, decided_by = $3, sealed_reason = $4, decided_at = $5 WHERE id = $1`, [
    question.id,
    decision.decision,
    decision.by,
    codec.sealReason(question.id, decision.reason),
    at,
  ]);
  await sql.query(
    `INSERT INTO person_pair_decisions (id, record_key, hub_person_id, decision, possible_match_id, decided_by, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [newId(), question.recordKey, question.candidatePersonId, decision.decision, question.id, decision.by, at],
  );
}

/** Moves everything of `from` to `into` and records the merge. Returns the number of records moved. */
export async function mergePersons(sql: Sql, from: string, into: string, possibleMatchId: string, by: string, at: Date): Promise<number> {
  const moved = await sql.query<{ record_id: number }>('UPDATE person_links SET hub_person_id = $2 WHERE hub_person_id = $1 RETURNING record_id::float8 AS record_id', [from, into]);
  await sql.query('UPDATE hub_persons SET merged_into = $2, merged_at = $3 WHERE id = $1 OR merged_into = $1', [from, into, at]);
  await sql.query('UPDATE possible_matches SET candidate_person_id = $2 WHERE candidate_person_id = $1', [from, into]);
  await sql.query('UPDATE person_pair_decisions SET hub_person_id = $2 WHERE hub_person_id = $1', [from, into]);
  await sql.query(
    'INSERT INTO hub_person_merges (merged_person_id, into_person_id, possible_match_id, merged_by, merged_at) VALUES ($1, $2, $3, $4, $5)',
    [from, into, possibleMatchId, by, at],
  );
  // Other open questions the merge has answered (their record now belongs to their candidate):
  // closed as confirmed, and their records' links say so.
  await sql.query(
    `WITH closed AS (
       UPDATE possible_matches AS pm SET status = 'confirmed', decided_by = $2, decided_at = $3
       FROM person_links AS l
       WHERE l.record_id = pm.record_id AND pm.status = 'pending' AND l.hub_person_id = pm.candidate_person_id AND pm.id <> $1
       RETURNING pm.record_id, pm.score, pm.evidence, pm.candidate_record_id, pm.model_version
     )
     UPDATE person_links AS l SET outcome = 'confirmed', score = closed.score, evidence = closed.evidence, model_version = closed.model_version,
       matched_record_id = closed.candidate_record_id, decided_by = $2, linked_at = $3
     FROM closed WHERE l.record_id = closed.record_id AND l.outcome = 'possible'`,
    [possibleMatchId, by, at],
  );
  return moved.length;
}

/** Marks a record's link confirmed by a practitioner, with the question's score, evidence and the model version that scored it. */
export async function confirmLink(sql: Sql, question: IndexQuestion, by: string, at: Date): Promise<void> {
  await sql.query(
    `UPDATE person_links SET outcome = 'confirmed', score = $2, evidence = $3::jsonb, matched_record_id = $4::bigint, decided_by = $5, linked_at = $6,
       model_version = (SELECT pm.model_version FROM possible_matches AS pm WHERE pm.id = $7::uuid)
     WHERE record_id = $1`,
    [question.recordId, question.score, JSON.stringify(question.evidence), question.candidateRecordId === null ? null : String(question.candidateRecordId), by, at, question.id],
  );
}

/** Marks a record's link rejected (if it is still a possible match). */
export async function rejectLink(sql: Sql, question: IndexQuestion, by: string, at: Date): Promise<void> {
  await sql.query(`UPDATE person_links SET outcome = 'rejected', decided_by = $2, linked_at = $3 WHERE record_id = $1 AND outcome = 'possible'`, [question.recordId, by, at]);
}
