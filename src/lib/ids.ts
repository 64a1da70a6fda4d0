/**
 * Identifiers. Referral ids are random (UUID v4); everything derived from a referral —
 * lookup ids, job ids, fact ids — is a deterministic hash of its parts, so that a
 * redelivered or re-enqueued job lands on the same row (DESIGN.md: jobs are keyed).
 */
import { createHash, randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

/**
 * A stable id from parts: 32 hex chars of SHA-256 over the parts joined by NUL.
 * No ':' in the output, so it is a valid BullMQ custom job id.
 */
export function stableId(prefix: string, ...parts: readonly string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
  return `${prefix}_${digest}`;
}

/** SHA-256 hex of a string or bytes. */
export function sha256Hex(input: string | Uint8Array): string {
  return createHash('sha256').update(input).digest('hex');
}
