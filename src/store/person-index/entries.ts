/**
 * The person index's records and links in SQL: the locks a resolution holds, the link of a
 * record key already indexed, a practitioner's standing decisions about a record key, and the
 * one statement that writes what a resolution decided.
 *
 * Why only SQL here: what a record resolves to — existing link, confirmed person, best candidate,
 * possible match or new person — is identity's policy (src/identity/person-index.ts); the store
 * keeps the rows and makes them safe under concurrency (docs/decisions.md "One home for identity").
 *
 * Concurrency: two new records of one person resolved in parallel transactions would each find no
 * candidate (neither sees the other's uncommitted row) and each create a hub person. A resolution
 * therefore holds, until its transaction ends, an advisory lock on its record key and on each of
 * its blocking keys: records that could be candidates for each other share a blocking key (that
 * is how candidates are found), so they resolve one after the other, and the later one finds the
 * earlier. Locks are taken in one global order (namespace, then key), all of a transaction's at
 * once when it resolves several records, so two transactions cannot deadlock (docs/decisions.md
 * "Person index: resolutions sharing a blocking key run one after the other").
 */
import { createHash } from 'node:crypto';
import { EvidenceList, type IndexEntry, type LinkOutcome, type PairDecision, type StoredLink } from '../../model/person-index.ts';
import type { Sql } from '../db.ts';
import type { IndexCodec } from './codec.ts';

// Namespaces of the advisory locks (two-key form) that serialise resolutions of one record key,
// and of records sharing a blocking key.
const RESOLVE_LOCK = 72_616_005;
const BLOCK_LOCK = 72_616_006;

/** An advisory lock in the two-key form: a namespace and a 32-bit key. */
interface AdvisoryLock {
  readonly namespace: number;
  readonly key: number;
}

/** A record key's lock: the first 32 bits of its SHA-256 (collisions only serialise more). */
const recordLock = (recordKey: string): AdvisoryLock => ({ namespace: RESOLVE_LOCK, key: createHash('sha256').update(recordKey).digest().readInt32BE(0) });

/** A blocking key's lock: the low 32 bits of its digest (already a keyed hash). */
const blockLock = (digest: string): AdvisoryLock => ({ namespace: BLOCK_LOCK, key: Number(BigInt.asIntN(32, BigInt(digest))) });

/**
 * Takes every lock these resolutions need, in one global order, in one statement, held until the
 * transaction ends. A Function Scan over unnest yields its rows in array order, so the locks are
 * taken as sorted.
 */
export async function lockResolutions(sql: Sql, entries: readonly { readonly recordKey: string; readonly digests: readonly string[] }[]): Promise<void> {
  const unique = new Map<string, AdvisoryLock>();
  for (const entry of entries) {
    for (const lock of [recordLock(entry.recordKey), ...entry.digests.map(blockLock)]) unique.set(`${lock.namespace}:${lock.key}`, lock);
  }
  const locks = [...unique.values()].sort((a, b) => a.namespace - b.namespace || a.key - b.key);
  if (locks.length === 0) return;
  await sql.query('SELECT count(pg_advisory_xact_lock(l.ns, l.k)) FROM unnest($1::int[], $2::int[]) AS l (ns, k)', [locks.map((l) => String(l.namespace)), locks.map((l) => String(l.key))]);
}

interface LinkRow {
  id: number;
  hub_person_id: string;
  outcome: LinkOutcome;
  score: number | null;
  evidence: unknown;
  model_version: number | null;
  possible_match_id: string | null;
}

/**
 * The links of the indexed ones of `recordKeys`, by key, after recording that this referral saw
 * each — the read and the sightings in one statement for all of them (a wave links dozens of
 * records). Keys not indexed are absent, and nothing is written for them.
 */
export async function sightRecords(sql: Sql, recordKeys: readonly string[], referralId: string, at: Date, subjectOf: ReadonlyMap<string, string> = new Map()): Promise<Map<string, StoredLink>> {
  const links = new Map<string, StoredLink>();
  if (recordKeys.length === 0) return links;
  const rows = await sql.query<LinkRow & { record_key: string }>(
    `WITH link AS (
       SELECT r.id, r.record_key, l.hub_person_id, l.outcome, l.score, l.evidence, l.model_version,
              (SELECT pm.id FROM possible_matches AS pm WHERE pm.record_id = r.id AND pm.status = 'pending' ORDER BY pm.created_at LIMIT 1) AS possible_match_id
         FROM person_index_records AS r JOIN person_links AS l ON l.record_id = r.id
        WHERE r.record_key = ANY($1::text[])
     ), seen AS (
       -- The subject the record was matched to is kept on the sighting (migration 016); a sighting
       -- made before without one is given it, and none is changed once set.
       INSERT INTO person_index_sightings (record_id, referral_id, seen_at, subject_ref)
       SELECT DISTINCT ON (link.id) link.id, $2::uuid, $3::timestamptz, s.subject_ref
         FROM link LEFT JOIN unnest($4::text[], $5::text[]) AS s (record_key, subject_ref) ON s.record_key = link.record_key
        ORDER BY link.id, s.subject_ref
       ON CONFLICT (referral_id, record_id) DO UPDATE SET subject_ref = EXCLUDED.subject_ref
        WHERE person_index_sightings.subject_ref IS NULL AND EXCLUDED.subject_ref IS NOT NULL
     )
     SELECT id::float8 AS id, record_key, hub_person_id, outcome, score, evidence, model_version, possible_match_id FROM link`,
    [[...new Set(recordKeys)], referralId, at, [...subjectOf.keys()], [...subjectOf.values()]],
  );
  for (const row of rows) {
    if (links.has(row.record_key)) continue;
    const evidence = EvidenceList.safeParse(row.evidence);
    links.set(row.record_key, { recordId: row.id, hubPersonId: row.hub_person_id, outcome: row.outcome, score: row.score, evidence: evidence.success ? evidence.data : [], modelVersion: row.model_version, pendingMatchId: row.possible_match_id });
  }
  return links;
}

/** A practitioner's decisions about a record key, latest first. */
export async function pairDecisions(sql: Sql, recordKey: string): Promise<PairDecision[]> {
  const rows = await sql.query<{ hub_person_id: string; decision: 'confirmed' | 'rejected'; decided_by: string }>(
    `SELECT d.hub_person_id, d.decision, d.decided_by FROM person_pair_decisions AS d
     WHERE d.record_key = $1 ORDER BY d.decided_at DESC, d.id`,
    [recordKey],
  );
  return rows.map((r) => ({ hubPersonId: r.hub_person_id, decision: r.decision, decidedBy: r.decided_by }));
}

// One statement writes everything a resolution creates; foreign keys are checked at its end.
const WRITE = `
WITH person AS (
  INSERT INTO hub_persons (id, created_at) SELECT $1::uuid, $6 WHERE $7::boolean RETURNING id
), rec AS (
  INSERT INTO person_index_records (record_key, first_referral_id, sealed_record, key_digests, created_at)
  VALUES ($2, $3, $4, $5::bigint[], $6) RETURNING id
), keys AS (
  INSERT INTO person_index_keys (digest, record_id) SELECT d, rec.id FROM rec, unnest($5::bigint[]) AS d ON CONFLICT DO NOTHING
), seen AS (
  INSERT INTO person_index_sightings (record_id, referral_id, seen_at, subject_ref) SELECT rec.id, $3, $6, $15 FROM rec
), link AS (
  INSERT INTO person_links (record_id, hub_person_id, outcome, score, evidence, matched_record_id, decided_by, linked_at, model_version)
  SELECT rec.id, $1::uuid, $8, $9, $10::jsonb, $11::bigint, $12, $6, $16::integer FROM rec
), question AS (
  INSERT INTO possible_matches (id, record_id, referral_id, candidate_person_id, candidate_record_id, score, evidence, status, created_at, model_version)
  SELECT $13::uuid, rec.id, $3, $14::uuid, $11::bigint, $9, $10::jsonb, 'pending', $6, $16::integer FROM rec WHERE $13::uuid IS NOT NULL
)
SELECT rec.id::float8 AS id FROM rec`;

/** Writes what a resolution decided, in one statement; the record is sealed, its keys digested. */
export async function insertEntry(codec: IndexCodec, sql: Sql, entry: IndexEntry): Promise<void> {
  await sql.query(WRITE, [
    entry.hubPersonId,
    entry.recordKey,
    entry.referralId,
    codec.sealRecord(entry.recordKey, entry.record),
    entry.digests,
    entry.at,
    entry.newPerson,
    entry.outcome,
    entry.score,
    JSON.stringify(entry.evidence),
    entry.matchedRecordId === null ? null : String(entry.matchedRecordId),
    entry.decidedBy,
    entry.question?.id ?? null,
    entry.question?.candidatePersonId ?? null,
    entry.subjectRef ?? null,
    entry.modelVersion,
  ]);
}
