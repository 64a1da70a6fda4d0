/**
 * Candidate search in the person index: the records sharing blocking keys with a new record,
 * found in one statement and bounded however large the index grows.
 *
 * Why bounded this way (a lookup against 1,000,000 persons stays fast, `npm run bench person-index`): a key's block
 * grows with the index — "Smith born 2017" is a handful of records among ten thousand persons
 * and hundreds among a million. Each key's block is therefore read only up to a limit (an index
 * range scan on (digest, record_id) that stops early):
 * - a block of at most `maxPerKey` records is *selective*: any record in it is a candidate;
 * - a larger block, up to `maxCommonKey`, is *common*: its records count only when they share
 *   at least two keys with the new record (two common keys together are selective again);
 * - a block beyond `maxCommonKey` is ignored.
 * Candidates are ranked by the number of keys they share, then by how selective those keys are
 * (Σ 1/block size), and only the best `maxCandidates` are fetched, opened and compared. The
 * counts come back with the candidates, so a benchmark can show how blocking behaves.
 */
import type { CandidateLimits } from '../../model/person-index.ts';
import type { Sql } from '../db.ts';

/** A candidate record, still sealed. */
export interface CandidateRow {
  readonly id: number;
  readonly recordKey: string;
  readonly sealedRecord: Uint8Array;
  readonly hubPersonId: string;
}

/** The candidates of a search, still sealed, and its counts. */
export interface SealedSearch {
  readonly rows: readonly CandidateRow[];
  readonly commonKeys: number;
  readonly ignoredKeys: number;
  readonly found: number;
}

interface SearchRow {
  common_keys: number;
  ignored_keys: number;
  found: number;
  id: number | null;
  record_key: string | null;
  sealed_record: Uint8Array | null;
  hub_person_id: string | null;
}

// Record ids travel as float8: exact below 2^53, and read as numbers by both drivers
// (node-postgres would give int8 as strings in arrays, PGlite bigint above 2^53).
const SEARCH = `
WITH q AS (
  SELECT digest, ord FROM unnest($1::bigint[]) WITH ORDINALITY AS q (digest, ord)
), hits AS (
  SELECT q.ord, k.record_id
  FROM q CROSS JOIN LATERAL (
    SELECT record_id FROM person_index_keys WHERE digest = q.digest LIMIT ($3::int + 1)
  ) AS k
), sizes AS (
  SELECT ord, count(*) AS n FROM hits GROUP BY ord
), scored AS (
  SELECT h.record_id, count(*) AS shared, sum(1.0::float8 / s.n) AS weight, bool_or(s.n <= $2::int) AS selective
  FROM hits AS h JOIN sizes AS s USING (ord)
  WHERE s.n <= $3::int
  GROUP BY h.record_id
), eligible AS (
  SELECT record_id, shared, weight FROM scored WHERE selective OR shared >= 2
), ranked AS (
  SELECT record_id, shared, weight FROM eligible ORDER BY shared DESC, weight DESC, record_id LIMIT $4::int
), stats AS (
  SELECT (SELECT count(*) FROM sizes WHERE n > $2::int)::int AS common_keys,
         (SELECT count(*) FROM sizes WHERE n > $3::int)::int AS ignored_keys,
         (SELECT count(*) FROM eligible)::int AS found
)
SELECT stats.common_keys, stats.ignored_keys, stats.found, c.id, c.record_key, c.sealed_record, c.hub_person_id
FROM stats LEFT JOIN (
  SELECT r.id::float8 AS id, r.record_key, r.sealed_record, l.hub_person_id, ranked.shared, ranked.weight
  FROM ranked
  JOIN person_index_records AS r ON r.id = ranked.record_id
  JOIN person_links AS l ON l.record_id = r.id
  WHERE NOT (l.hub_person_id = ANY ($5::uuid[]))
) AS c ON true
ORDER BY c.shared DESC, c.weight DESC, c.id`;

/**
 * Candidates for a record with these blocking-key digests, leaving out the records of
 * `excludedPersons` (hub persons a practitioner has said the record is not).
 */
export async function searchCandidates(sql: Sql, digests: readonly string[], limits: CandidateLimits, excludedPersons: readonly string[]): Promise<SealedSearch> {
  if (digests.length === 0) return { rows: [], commonKeys: 0, ignoredKeys: 0, found: 0 };
  // Over-fetch a little when persons are excluded: their records are removed after ranking.
  const limit = limits.maxCandidates + (excludedPersons.length === 0 ? 0 : 8);
  const result = await sql.query<SearchRow>(SEARCH, [digests, limits.maxPerKey, limits.maxCommonKey, limit, excludedPersons]);
  const first = result[0];
  const rows: CandidateRow[] = [];
  for (const row of result) {
    if (row.id === null || row.record_key === null || row.sealed_record === null || row.hub_person_id === null) continue;
    if (rows.length === limits.maxCandidates) break;
    rows.push({ id: row.id, recordKey: row.record_key, sealedRecord: row.sealed_record, hubPersonId: row.hub_person_id });
  }
  return { rows, commonKeys: first?.common_keys ?? 0, ignoredKeys: first?.ignored_keys ?? 0, found: first?.found ?? 0 };
}

/** The records of one hub person (for a confirmed decision), at most `limit`. */
export async function recordsOfPerson(sql: Sql, hubPersonId: string, limit: number): Promise<CandidateRow[]> {
  const rows = await sql.query<{ id: number; record_key: string; sealed_record: Uint8Array; hub_person_id: string }>(
    `SELECT r.id::float8 AS id, r.record_key, r.sealed_record, l.hub_person_id
     FROM person_links AS l JOIN person_index_records AS r ON r.id = l.record_id
     WHERE l.hub_person_id = $1 ORDER BY r.id LIMIT $2`,
    [hubPersonId, limit],
  );
  return rows.map((r) => ({ id: r.id, recordKey: r.record_key, sealedRecord: r.sealed_record, hubPersonId: r.hub_person_id }));
}
