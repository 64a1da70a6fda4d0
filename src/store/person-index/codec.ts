/**
 * The person index's cryptography: the index key derived from the master key, records sealed
 * under it, and blocking keys turned into keyed digests.
 *
 * Why: the index holds names, birth dates and addresses of every person the hub has ever looked
 * up, and a database dump must show none of them (docs/decisions.md "Encryption at rest"). Records are
 * sealed with AES-256-GCM (src/lib/envelope.ts), bound to their record key. Blocking keys must
 * stay searchable by equality, so they are stored as HMAC-SHA-256 digests under a key the
 * database never sees: equal keys give equal digests, and without the key a digest cannot be
 * tested against a guessed name. The index key comes from the master key by HKDF (RFC 5869),
 * so no new secret is needed, and two sub-keys are derived from it so the sealing key and the
 * digest key are never the same bytes.
 */
import { hash, hkdfSync } from 'node:crypto';
import { openJson, seal, sealJson, open, SealError } from '../../lib/envelope.ts';
import { IndexedRecord } from '../../model/person-index.ts';

const KEY_BYTES = 32;
const INDEX_INFO = 'mash-gateway/person-index/v1';
const SEAL_INFO = 'person-index/record-seal';
const DIGEST_INFO = 'person-index/blocking-digest';

const hkdf = (key: Uint8Array, info: string): Buffer => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), info, KEY_BYTES));

/** The person index key: HKDF-SHA-256 of the master key, so the index needs no secret of its own. */
export function deriveIndexKey(masterKey: Uint8Array): Uint8Array {
  if (masterKey.length !== KEY_BYTES) throw new SealError('the master key must be 32 bytes');
  return hkdf(masterKey, INDEX_INFO);
}

const SHA256_BLOCK = 64;

/**
 * HMAC-SHA-256 (RFC 2104) over one-shot `crypto.hash`. Why not `createHmac`: under Node 24 and
 * OpenSSL 3 each `createHmac` call costs ~13 µs of context set-up, four times the two hashes
 * themselves, and loading a million persons computes some 14 million digests. A test checks
 * this function against `createHmac` byte for byte.
 */
export function hmacSha256(key: Uint8Array): (message: string) => Buffer {
  if (key.length > SHA256_BLOCK) throw new RangeError('HMAC key longer than the block size');
  const inner = Buffer.alloc(SHA256_BLOCK, 0x36);
  const outer = Buffer.alloc(SHA256_BLOCK, 0x5c);
  key.forEach((byte, i) => {
    inner[i] = (inner[i] ?? 0) ^ byte;
    outer[i] = (outer[i] ?? 0) ^ byte;
  });
  return (message) => {
    const innerHash = hash('sha256', Buffer.concat([inner, Buffer.from(message, 'utf8')]), 'buffer');
    return hash('sha256', Buffer.concat([outer, innerHash]), 'buffer');
  };
}

/** Sealing and digesting under one index key. */
export interface IndexCodec {
  /**
   * The digest of a blocking key: the first 64 bits of its HMAC, as a signed decimal (a
   * PostgreSQL bigint). 64 bits make a chance collision among tens of millions of keys
   * negligible, and a collision only adds a candidate the matcher then rejects.
   */
  digest(blockingKey: string): string;
  sealRecord(recordKey: string, record: IndexedRecord): Buffer;
  /** Opens and parses a sealed record; throws SealError when it fails authentication or is not a record. */
  openRecord(recordKey: string, sealed: Uint8Array): IndexedRecord;
  sealReason(possibleMatchId: string, reason: string): Buffer;
  openReason(possibleMatchId: string, sealed: Uint8Array): string;
}

const recordAad = (recordKey: string): string => `person-index-record:${recordKey}`;
const reasonAad = (id: string): string => `possible-match-reason:${id}`;

/** A codec for an index key (32 bytes, from deriveIndexKey). */
export function createIndexCodec(indexKey: Uint8Array): IndexCodec {
  if (indexKey.length !== KEY_BYTES) throw new SealError('the index key must be 32 bytes');
  const sealKey = hkdf(indexKey, SEAL_INFO);
  const mac = hmacSha256(hkdf(indexKey, DIGEST_INFO));
  return {
    digest: (blockingKey) => mac(blockingKey).readBigInt64BE(0).toString(),
    sealRecord: (recordKey, record) => sealJson(sealKey, record, recordAad(recordKey)),
    openRecord(recordKey, sealed) {
      const parsed = IndexedRecord.safeParse(openJson(sealKey, sealed, recordAad(recordKey)));
      if (!parsed.success) throw new SealError('a sealed index record is not a person record');
      return parsed.data;
    },
    sealReason: (id, reason) => seal(sealKey, Buffer.from(reason, 'utf8'), reasonAad(id)),
    openReason: (id, sealed) => open(sealKey, sealed, reasonAad(id)).toString('utf8'),
  };
}
