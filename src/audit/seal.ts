/**
 * The sealer (DESIGN.md rule 6; docs/decisions.md, "The audit chain is sealed just after commit"):
 * chains committed audit entries in arrival order. Under the head row's lock it gives each
 * unsealed entry the next sequence number, its predecessor's hash and its own hash, in batches,
 * and moves the head. One sealer works at a time (an advisory try-lock; the others skip). It runs
 * as the `audit-seal` periodic job kind, and verification, checkpoints and exports seal first.
 * Appends never wait for it, which is what lets audit-writing transactions commit in parallel.
 */
import type { Db } from '../store/db.ts';
import { entryHash } from './chain.ts';

const SEAL_LOCK = 72_616_003;

interface UnsealedRow {
  id: number | string;
  at: string;
  actor: string;
  action: string;
  referral_id: string | null;
  agency: string | null;
  subject: string | null;
  detail: string;
}

/** Seal up to `limit` committed entries. Returns how many were sealed (0 when another sealer holds the lock). */
export async function sealAudit(db: Pick<Db, 'transaction'>, limit = 5_000): Promise<number> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [SEAL_LOCK]);
    if (lock?.locked !== true) return 0;
    const [head] = await tx.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE');
    if (head === undefined) throw new Error('audit head missing: the store was not migrated');
    const rows = await tx.query<UnsealedRow>(
      `SELECT id, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at, actor, action, referral_id, agency, subject, detail
         FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT $1`,
      [limit],
    );
    if (rows.length === 0) return 0;
    let seq = Number(head.seq);
    let prevHash = head.hash;
    const sealed: { id: string; seq: number; prevHash: string; hash: string }[] = [];
    for (const row of rows) {
      seq += 1;
      const hash = entryHash({ seq, at: row.at, actor: row.actor, action: row.action, referralId: row.referral_id, agency: row.agency, subject: row.subject, detail: row.detail, prevHash });
      sealed.push({ id: String(row.id), seq, prevHash, hash });
      prevHash = hash;
    }
    for (let start = 0; start < sealed.length; start += 1_000) {
      const chunk = sealed.slice(start, start + 1_000);
      await tx.query(
        `UPDATE audit_log AS a SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
           FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, seq, prev_hash, hash)
          WHERE a.id = v.id`,
        [chunk.map((s) => s.id), chunk.map((s) => String(s.seq)), chunk.map((s) => s.prevHash), chunk.map((s) => s.hash)],
      );
    }
    await tx.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [seq, prevHash]);
    return sealed.length;
  });
}

/** Seal everything committed so far (several batches if needed). */
export async function sealAll(db: Pick<Db, 'transaction'>): Promise<number> {
  let total = 0;
  for (;;) {
    const sealed = await sealAudit(db);
    total += sealed;
    if (sealed < 5_000) return total;
  }
}
