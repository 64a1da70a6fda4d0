/**
 * Re-keying the person index when the blocking keys change.
 *
 * Why: records are found by the digests of their blocking keys, written when each record was
 * indexed. When the code files records under other keys (a new pass, a key kind renamed), the
 * digests already stored no longer meet the keys new records are searched by, and the index
 * would quietly stop finding the children it already knows. So the scheme the digests were
 * written under is kept (migration 021), and when it differs from the code's, every record is
 * opened in this process, its keys computed again and its digests replaced — in the caller's
 * transaction, so a half-done re-keying leaves the old scheme recorded and runs again
 * (docs/decisions.md "Blocking keys are re-keyed when they change"). Plain values never leave
 * the process: only digests are written.
 */
import type { IndexedRecord } from '../../model/person-index.ts';
import type { Sql } from '../db.ts';
import type { IndexCodec } from './codec.ts';

/** The scheme of an index that predates versioning. */
export const UNVERSIONED_SCHEME = '1';

const BATCH = 500;

/** What a re-keying did: the scheme found, and the records re-keyed (0 when already current). */
export interface RekeyReport {
  readonly from: string;
  readonly to: string;
  readonly records: number;
}

/** Re-keys every record when the stored scheme is not `scheme`. */
export async function rekeyIndex(sql: Sql, codec: IndexCodec, scheme: string, keysOf: (record: IndexedRecord) => readonly string[], at: Date): Promise<RekeyReport> {
  // Serialises re-keyings started at once by several processes (the second finds the work done).
  await sql.query('LOCK TABLE person_index_key_scheme IN EXCLUSIVE MODE');
  const current = await sql.query<{ scheme: string }>('SELECT scheme FROM person_index_key_scheme');
  const from = current[0]?.scheme ?? UNVERSIONED_SCHEME;
  if (from === scheme) return { from, to: scheme, records: 0 };
  let after = 0;
  let records = 0;
  for (;;) {
    const batch = await sql.query<{ id: string | number; record_key: string; sealed_record: Uint8Array }>(
      'SELECT id, record_key, sealed_record FROM person_index_records WHERE id > $1 ORDER BY id LIMIT $2',
      [after, BATCH],
    );
    if (batch.length === 0) break;
    const ids: string[] = [];
    const digests: string[][] = [];
    for (const row of batch) {
      const record = codec.openRecord(row.record_key, row.sealed_record);
      ids.push(String(row.id));
      digests.push([...new Set(keysOf(record).map((k) => codec.digest(k)))]);
    }
    await sql.query('DELETE FROM person_index_keys WHERE record_id = ANY($1::bigint[])', [ids]);
    // One statement per batch: record ids and their digests as parallel arrays (a record's digests
    // joined, so the arrays stay one-dimensional).
    await sql.query(
      `WITH r AS (SELECT id, string_to_array(d, ',')::bigint[] AS digests FROM unnest($1::bigint[], $2::text[]) AS u (id, d)),
       upd AS (UPDATE person_index_records AS p SET key_digests = r.digests FROM r WHERE p.id = r.id)
       INSERT INTO person_index_keys (digest, record_id) SELECT DISTINCT unnest(r.digests), r.id FROM r ON CONFLICT DO NOTHING`,
      [ids, digests.map((d) => d.join(','))],
    );
    records += ids.length;
    after = Number(ids[ids.length - 1] ?? after);
  }
  await sql.query(
    `INSERT INTO person_index_key_scheme (only_row, scheme, records, rekeyed_at) VALUES (true, $1, $2, $3)
     ON CONFLICT (only_row) DO UPDATE SET scheme = EXCLUDED.scheme, records = EXCLUDED.records, rekeyed_at = EXCLUDED.rekeyed_at`,
    [scheme, records, at],
  );
  return { from, to: scheme, records };
}
