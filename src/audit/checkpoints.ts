/**
 * Signed checkpoints (DESIGN.md rule 6): every `every` entries, or when the head has moved and the
 * last checkpoint is older than `maxAgeMs`, the chain head is signed and stored. One process signs
 * at a time (advisory lock); the others skip. `checkpointIfDue` runs as the `audit-checkpoint`
 * periodic job kind.
 */
import type { Clock } from '../lib/clock.ts';
import type { Db } from '../store/db.ts';
import { sealAll } from './seal.ts';
import { checkpointMessage, type AuditSigner } from './signing.ts';

const CHECKPOINT_LOCK = 72_616_002;

export interface CheckpointPolicy {
  readonly every: number;
  readonly maxAgeMs: number;
}

export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly signedAt: string;
  readonly keyId: string;
  readonly signature: string;
}

/** Sign the head if a checkpoint is due (or `force`). Returns the checkpoint written, if any. */
export async function checkpointIfDue(db: Db, signer: AuditSigner, policy: CheckpointPolicy, clock: Clock, force = false): Promise<Checkpoint | undefined> {
  // A checkpoint signs the chain as sealed: seal what has committed first.
  await sealAll(db);
  return db.transaction(async (tx) => {
    const [lock] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [CHECKPOINT_LOCK]);
    if (lock?.locked !== true) return undefined;
    const [head] = await tx.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
    const [last] = await tx.query<{ seq: number | string; signed_at: Date }>('SELECT seq, signed_at FROM audit_checkpoints ORDER BY seq DESC LIMIT 1');
    if (head === undefined) return undefined;
    const headSeq = Number(head.seq);
    const lastSeq = last === undefined ? 0 : Number(last.seq);
    if (headSeq <= lastSeq) return undefined;
    const now = clock.now();
    const old = last === undefined || now.getTime() - new Date(last.signed_at).getTime() >= policy.maxAgeMs;
    if (!force && headSeq - lastSeq < policy.every && !old) return undefined;
    const checkpoint: Checkpoint = { seq: headSeq, hash: head.hash, signedAt: now.toISOString(), keyId: signer.keyId, signature: signer.sign(checkpointMessage(headSeq, head.hash)) };
    await tx.query('INSERT INTO audit_checkpoints (seq, hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (seq) DO NOTHING', [
      checkpoint.seq,
      checkpoint.hash,
      checkpoint.signedAt,
      checkpoint.keyId,
      checkpoint.signature,
    ]);
    return checkpoint;
  });
}

export async function listCheckpoints(db: Pick<Db, 'query'>): Promise<Checkpoint[]> {
  const rows = await db.query<{ seq: number | string; hash: string; signed_at: Date; key_id: string; signature: string }>(
    'SELECT seq, hash, signed_at, key_id, signature FROM audit_checkpoints ORDER BY seq',
  );
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, signedAt: new Date(r.signed_at).toISOString(), keyId: r.key_id, signature: r.signature }));
}
