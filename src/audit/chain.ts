/**
 * The hash chain (docs/decisions.md, "The audit chain is sealed just after commit"), pure: the canonical form of an entry, its SHA-256, and the
 * verification of a run of entries. Each entry's hash covers its predecessor's, so altering,
 * deleting, inserting or reordering any entry breaks every hash from there on — and the first
 * mismatch names the entry (as in Certificate Transparency logs).
 */
import { hash } from 'node:crypto';
import { err, ok, type Result } from '../lib/result.ts';

export const GENESIS_HASH = '0'.repeat(64);

/** An entry as stored: every column the hash covers. */
export interface ChainEntry {
  readonly seq: number;
  /** ISO 8601 with milliseconds, UTC. */
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly referralId: string | null;
  readonly agency: string | null;
  readonly subject: string | null;
  /** Canonical JSON of the detail object (sorted keys). */
  readonly detail: string;
  readonly prevHash: string;
  readonly hash: string;
}


/** The bytes an entry's hash is taken over: a version tag and every column but the hash. */
export function canonicalEntry(entry: Omit<ChainEntry, 'hash'>): string {
  return JSON.stringify(['mash-audit-v1', entry.seq, entry.at, entry.actor, entry.action, entry.referralId, entry.agency, entry.subject, entry.detail, entry.prevHash]);
}

export function entryHash(entry: Omit<ChainEntry, 'hash'>): string {
  // One-shot hashing: no Hash object per entry (verification hashes hundreds of thousands).
  return hash('sha256', canonicalEntry(entry), 'hex');
}

export type ChainBreak = { readonly seq: number; readonly reason: string };

/** Where a verified run of entries ends, and how many it held. */
export interface ChainEnd {
  readonly lastSeq: number;
  readonly lastHash: string;
  readonly count: number;
}

/**
 * Verifies entries in order, continuing a chain that ended at (`afterSeq`, `afterHash`).
 * Returns the new end, or the first break. Streaming callers feed it batch after batch.
 */
export function verifyRun(
  entries: Iterable<ChainEntry>,
  start: { readonly afterSeq: number; readonly afterHash: string },
): Result<ChainEnd, ChainBreak> {
  let expectedSeq = start.afterSeq + 1;
  let prevHash = start.afterHash;
  let count = 0;
  for (const entry of entries) {
    if (entry.seq !== expectedSeq) {
      return err(entry.seq > expectedSeq ? { seq: expectedSeq, reason: `entry ${expectedSeq} is missing (next present is ${entry.seq})` } : { seq: entry.seq, reason: `entry ${entry.seq} is out of order` });
    }
    if (entry.prevHash !== prevHash) return err({ seq: entry.seq, reason: `entry ${entry.seq} does not follow entry ${entry.seq - 1} (previous hash differs)` });
    if (entryHash(entry) !== entry.hash) return err({ seq: entry.seq, reason: `entry ${entry.seq} has been altered (its hash does not match its content)` });
    prevHash = entry.hash;
    expectedSeq += 1;
    count += 1;
  }
  return ok({ lastSeq: expectedSeq - 1, lastHash: prevHash, count });
}
