/**
 * The person index as one referral sees it — its hub persons with their links and scores, its
 * open questions — and retention, which forgets what only that referral brought in.
 *
 * Why by referral: the picture of a referral shows the persons found for it, and
 * need to know limits it to the records seen for that referral; records of the same person from
 * other referrals are counted (a repeat concern), not shown. Retention removes the
 * index records that no other referral has seen, with their keys and links; a practitioner's
 * decisions stay (they hold no personal data), so a record seen again later is judged the same.
 */
import type { Sql } from '../db.ts';
import { EvidenceList, type ForgetReport, type LinkOutcome, type MatchEvidence, type PendingMatch, type PersonRecordLink, type ReferralPerson } from '../../model/person-index.ts';

const evidenceOf = (value: unknown): readonly MatchEvidence[] => {
  const parsed = EvidenceList.safeParse(value);
  return parsed.success ? parsed.data : [];
};

/** The hub persons whose records were seen for a referral, with their links and scores. */
export async function personsOfReferral(sql: Sql, referralId: string): Promise<ReferralPerson[]> {
  const links = await sql.query<{
    hub_person_id: string;
    record_key: string;
    outcome: LinkOutcome;
    score: number | null;
    evidence: unknown;
    model_version: number | null;
    matched_record_key: string | null;
    decided_by: string | null;
    linked_at: Date;
  }>(
    `SELECT l.hub_person_id, r.record_key, l.outcome, l.score, l.evidence, l.model_version, m.record_key AS matched_record_key, l.decided_by, l.linked_at
     FROM person_index_sightings AS s
     JOIN person_index_records AS r ON r.id = s.record_id
     JOIN person_links AS l ON l.record_id = r.id
     LEFT JOIN person_index_records AS m ON m.id = l.matched_record_id
       AND EXISTS (SELECT 1 FROM person_index_sightings AS ms WHERE ms.record_id = m.id AND ms.referral_id = $1)
     WHERE s.referral_id = $1
     ORDER BY l.linked_at, r.id`,
    [referralId],
  );
  const byPerson = new Map<string, PersonRecordLink[]>();
  for (const row of links) {
    const records = byPerson.get(row.hub_person_id) ?? [];
    records.push({
      recordKey: row.record_key,
      outcome: row.outcome,
      score: row.score,
      evidence: evidenceOf(row.evidence),
      modelVersion: row.model_version,
      matchedRecordKey: row.matched_record_key,
      decidedBy: row.decided_by,
      linkedAt: row.linked_at,
    });
    byPerson.set(row.hub_person_id, records);
  }
  if (byPerson.size === 0) return [];
  const counts = await sql.query<{ hub_person_id: string; records: number; referrals: number }>(
    `SELECT l.hub_person_id, count(DISTINCT l.record_id)::int AS records, count(DISTINCT s.referral_id)::int AS referrals
     FROM person_links AS l JOIN person_index_sightings AS s ON s.record_id = l.record_id
     WHERE l.hub_person_id = ANY ($1::uuid[])
     GROUP BY l.hub_person_id`,
    [[...byPerson.keys()]],
  );
  const countOf = new Map(counts.map((c) => [c.hub_person_id, c]));
  return [...byPerson].map(([hubPersonId, records]) => {
    const c = countOf.get(hubPersonId);
    return { hubPersonId, records, otherRecords: Math.max(0, (c?.records ?? records.length) - records.length), referralCount: c?.referrals ?? 1 };
  });
}

/** Possible matches still waiting for a practitioner, for records seen in a referral. */
export async function pendingMatches(sql: Sql, referralId: string): Promise<PendingMatch[]> {
  const rows = await sql.query<{ id: string; record_key: string; hub_person_id: string; candidate_person_id: string; score: number; evidence: unknown; model_version: number | null; created_at: Date }>(
    `SELECT pm.id, r.record_key, l.hub_person_id, pm.candidate_person_id, pm.score, pm.evidence, pm.model_version, pm.created_at
     FROM possible_matches AS pm
     JOIN person_index_records AS r ON r.id = pm.record_id
     JOIN person_links AS l ON l.record_id = pm.record_id
     WHERE pm.status = 'pending'
       AND EXISTS (SELECT 1 FROM person_index_sightings AS s WHERE s.record_id = pm.record_id AND s.referral_id = $1)
     ORDER BY pm.created_at, pm.id`,
    [referralId],
  );
  return rows.map((r) => ({
    id: r.id,
    recordKey: r.record_key,
    hubPersonId: r.hub_person_id,
    candidatePersonId: r.candidate_person_id,
    score: r.score,
    evidence: evidenceOf(r.evidence),
    modelVersion: r.model_version,
    createdAt: r.created_at,
  }));
}

/**
 * Retention: forgets the referral's sightings, and the index records no other referral has
 * seen — their keys, links and open questions with them. Hub persons stay (an id and nothing
 * else), so a confirmed decision can still name them.
 */
export async function forgetReferralRecords(sql: Sql, referralId: string): Promise<ForgetReport> {
  const seen = await sql.query<{ record_id: number }>('DELETE FROM person_index_sightings WHERE referral_id = $1 RETURNING record_id::float8 AS record_id', [referralId]);
  if (seen.length === 0) return { recordsForgotten: 0, recordsKept: 0 };
  const ids = seen.map((s) => String(s.record_id));
  const orphans = (
    await sql.query<{ id: number }>(
      `SELECT r.id::float8 AS id FROM person_index_records AS r
       WHERE r.id = ANY ($1::bigint[]) AND NOT EXISTS (SELECT 1 FROM person_index_sightings AS s WHERE s.record_id = r.id)`,
      [ids],
    )
  ).map((o) => String(o.id));
  if (orphans.length > 0) {
    // Key rows are deleted by their primary key, from the digests kept on the record.
    await sql.query(
      `DELETE FROM person_index_keys AS k
       USING (SELECT r.id, unnest(r.key_digests) AS digest FROM person_index_records AS r WHERE r.id = ANY ($1::bigint[])) AS x
       WHERE k.digest = x.digest AND k.record_id = x.id`,
      [orphans],
    );
    await sql.query('UPDATE possible_matches SET candidate_record_id = NULL WHERE candidate_record_id = ANY ($1::bigint[])', [orphans]);
    await sql.query('UPDATE person_links SET matched_record_id = NULL WHERE matched_record_id = ANY ($1::bigint[])', [orphans]);
    // Links, sightings and open questions of the records go with them (ON DELETE CASCADE).
    await sql.query('DELETE FROM person_index_records WHERE id = ANY ($1::bigint[])', [orphans]);
  }
  return { recordsForgotten: orphans.length, recordsKept: seen.length - orphans.length };
}
