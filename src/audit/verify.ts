/**
 * Verification: recompute the whole chain from the store, check it ends at the
 * recorded head, and check every checkpoint's signature and that the chain passes through it.
 * Streams in batches so memory stays flat however long the log.
 */
import type { Db } from '../store/db.ts';
import { GENESIS_HASH, verifyRun, type ChainBreak, type ChainEntry } from './chain.ts';
import { listCheckpoints } from './checkpoints.ts';
import { verifyCheckpointSignature } from './signing.ts';

const BATCH = 100_000;

/** `at` as the exact ISO text the hash covers, formatted by the database: no Date round trip per row. */
export const AT_TEXT = `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at`;

export interface AuditVerification {
  readonly ok: boolean;
  readonly entries: number;
  readonly checkpoints: number;
  readonly headSeq: number;
  /** The first bad entry, when not ok. */
  readonly failure?: ChainBreak;
  /** Entries committed but not yet sealed into the chain (seal before verifying to include them). */
  readonly unsealed?: number;
}

interface EntryRow {
  seq: number | string;
  /** Text from AT_TEXT, or a Date from a plain `at` column. */
  at: Date | string;
  actor: string;
  action: string;
  referral_id: string | null;
  agency: string | null;
  subject: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

export const toChainEntry = (row: EntryRow): ChainEntry => ({
  seq: Number(row.seq),
  at: typeof row.at === 'string' ? row.at : new Date(row.at).toISOString(),
  actor: row.actor,
  action: row.action,
  referralId: row.referral_id,
  agency: row.agency,
  subject: row.subject,
  detail: row.detail,
  prevHash: row.prev_hash,
  hash: row.hash,
});

/** Verify the store's log. `publicKeys` maps key id → SPKI PEM of every key that may have signed. */
export async function verifyAuditLog(db: Pick<Db, 'query'>, publicKeys: ReadonlyMap<string, string>): Promise<AuditVerification> {
  const checkpoints = await listCheckpoints(db);
  const bySeq = new Map(checkpoints.map((c) => [c.seq, c]));
  const [head] = await db.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
  const headSeq = head === undefined ? 0 : Number(head.seq);
  const fail = (failure: ChainBreak, entries: number): AuditVerification => ({ ok: false, entries, checkpoints: checkpoints.length, headSeq, failure });

  for (const checkpoint of checkpoints) {
    const key = publicKeys.get(checkpoint.keyId);
    if (key === undefined || !verifyCheckpointSignature(key, checkpoint.seq, checkpoint.hash, checkpoint.signature)) {
      return fail({ seq: checkpoint.seq, reason: `checkpoint at entry ${checkpoint.seq} has no valid signature` }, 0);
    }
  }

  let afterSeq = 0;
  let afterHash = GENESIS_HASH;
  let total = 0;
  // Read only up to the head as it was at the start: a sealer may extend the chain meanwhile.
  // The next batch is fetched while this one is hashed.
  // Columns are named as ChainEntry's fields, so rows need no copying unless a driver returns
  // int8 as something other than a number.
  const fetchAfter = async (seq: number): Promise<ChainEntry[]> => {
    // int8 arrives as a number from node-postgres (src/store/postgres.ts) and may not from other drivers.
    const rows = await db.query<Omit<ChainEntry, 'seq'> & { seq: number | string | bigint }>(
      `SELECT seq, ${AT_TEXT}, actor, action, referral_id AS "referralId", agency, subject, detail, prev_hash AS "prevHash", hash
         FROM audit_log WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
      [seq, headSeq, BATCH],
    );
    return rows.map((r) => (typeof r.seq === 'number' ? (r as ChainEntry) : { ...r, seq: Number(r.seq) }));
  };
  let pending = fetchAfter(0);
  for (;;) {
    const rows = await pending;
    if (rows.length === 0) break;
    const lastRow = rows.at(-1);
    pending = rows.length === BATCH && lastRow !== undefined ? fetchAfter(lastRow.seq) : Promise.resolve([]);
    const entries = rows;
    const run = verifyRun(entries, { afterSeq, afterHash });
    if (!run.ok) {
      await pending.catch(() => undefined);
      return fail(run.error, total);
    }
    for (const entry of entries) {
      const checkpoint = bySeq.get(entry.seq);
      if (checkpoint !== undefined && checkpoint.hash !== entry.hash) {
        await pending.catch(() => undefined);
        return fail({ seq: entry.seq, reason: `entry ${entry.seq} differs from its signed checkpoint` }, total);
      }
    }
    afterSeq = run.value.lastSeq;
    afterHash = run.value.lastHash;
    total += run.value.count;
  }
  if (head !== undefined && (afterSeq !== headSeq || afterHash !== head.hash)) {
    return fail(
      afterSeq < headSeq
        ? { seq: afterSeq + 1, reason: `entry ${afterSeq + 1} is missing (the log ends at ${afterSeq}, its head is at ${headSeq})` }
        : { seq: afterSeq, reason: `entry ${afterSeq} is not the recorded head of the log` },
      total,
    );
  }
  const lastCheckpoint = checkpoints.at(-1);
  if (lastCheckpoint !== undefined && lastCheckpoint.seq > afterSeq) {
    return fail({ seq: afterSeq + 1, reason: `entry ${afterSeq + 1} is missing (a signed checkpoint covers entry ${lastCheckpoint.seq})` }, total);
  }
  const [waiting] = await db.query<{ n: number | string }>('SELECT count(*) AS n FROM audit_log WHERE seq IS NULL');
  return { ok: true, entries: total, checkpoints: checkpoints.length, headSeq, unsealed: Number(waiting?.n ?? 0) };
}
