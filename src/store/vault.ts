/**
 * The content vault (docs/decisions.md, "Encryption at rest: a data key per referral and owner"): case content is sealed with a data key per referral and owner
 * (an agency, or `hub` for the referral itself). Data keys are random and stored only wrapped by
 * the master key — which is given by file or environment and never stored beside the data — so a
 * database dump reveals no case content. Destroying an owner's key for a referral destroys that
 * content for good (crypto-shredding; used by retention).
 *
 * Keys are fetched per transaction into a key ring (one per referral and transaction) and never
 * cached across transactions: a key created in a transaction that rolls back must not outlive it.
 */
import { hkdfSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { KEY_BYTES, keyObject, newDataKey, open, seal, SealError } from '../lib/envelope.ts';
import { MashError } from '../lib/errors.ts';
import type { Sql } from './db.ts';

export const CONTENT_OWNERS = ['hub', 'health', 'police', 'education', 'housing', 'social-care'] as const;
export type ContentOwner = (typeof CONTENT_OWNERS)[number];

/**
 * The content asked for was destroyed (its data key is gone: retention, or an agency withdrawing
 * its information). Gone for good, not merely hidden: answered 410 `CONTENT.DESTROYED`.
 */
export class ContentDestroyedError extends MashError {
  readonly referralId: string;
  readonly owner: ContentOwner;

  constructor(referralId: string, owner: ContentOwner) {
    super('CONTENT.DESTROYED', 'this case content was destroyed under the retention policy');
    this.name = 'ContentDestroyedError';
    this.referralId = referralId;
    this.owner = owner;
  }
}

/** One owner's data key for one referral, unwrapped: seals and opens without the store. */
export interface DataKey {
  readonly owner: ContentOwner;
  seal(plaintext: string, aad: string): Uint8Array;
  open(sealed: Uint8Array, aad: string): string;
}

/** The data keys of one referral within one transaction. */
export interface KeyRing {
  seal(owner: ContentOwner, plaintext: string, aad: string): Promise<Uint8Array>;
  /** Throws ContentDestroyedError when the owner's key was destroyed (or never existed). */
  open(owner: ContentOwner, sealed: Uint8Array, aad: string): Promise<string>;
  /**
   * Seal what holds content of several owners (a stored picture) under a key joined from all of
   * their keys: it opens only while every one of them lives, so destroying any owner's key
   * destroys it too (crypto-shredding holds for derived copies). Throws ContentDestroyedError
   * when one of the keys is destroyed or was never made.
   */
  sealJoint(owners: readonly ContentOwner[], plaintext: Uint8Array, aad: string): Promise<Uint8Array>;
  /** Open what `sealJoint` sealed for the same owners; ContentDestroyedError when one of their keys is gone. */
  openJoint(owners: readonly ContentOwner[], sealed: Uint8Array, aad: string): Promise<Buffer>;
}

export interface Vault {
  keyRing(sql: Sql, referralId: string): KeyRing;
  /**
   * `KeyRing.openJoint` for a caller that read the owners' wrapped keys in its own query (null for
   * a destroyed key): one query fewer on a hot read. Nothing is read from the store.
   */
  openJointWith(referralId: string, wrappedKeys: ReadonlyMap<ContentOwner, Uint8Array | null>, owners: readonly ContentOwner[], sealed: Uint8Array, aad: string): Buffer;
  /**
   * The data key of (referral, owner) from its wrapped form, read by the caller in a query of its
   * own (null for a destroyed key, undefined for none): one statement fewer on the research path,
   * which reads a lookup's keys in the statement that starts it. Throws ContentDestroyedError for
   * a destroyed or missing key. A key read in an earlier statement stays good for sealing: if it
   * is destroyed meanwhile, what is sealed under it can no longer be opened — destroyed as well.
   */
  unwrap(referralId: string, owner: ContentOwner, wrapped: Uint8Array | null | undefined): DataKey;
  /**
   * Fresh data keys of a new referral for `owners`, with their wrapped forms for the caller to
   * store in the statement that writes the referral (`content_keys`): intake writes the referral,
   * its keys and its lookups in one round trip, and each lookup finds its agency's key ready.
   */
  mint(referralId: string, owners: readonly ContentOwner[]): { readonly wrapped: ReadonlyMap<ContentOwner, Buffer>; readonly keys: ReadonlyMap<ContentOwner, DataKey> };
  /** Destroy (referral, owner)'s data key. Returns true when a live key was destroyed. */
  destroy(sql: Sql, referralId: string, owner: ContentOwner, at: Date): Promise<boolean>;
  /**
   * A connector's credentials sealed for the store (docs/decisions.md "Connector administration"):
   * the same envelope as case content, under a hub-held key of their own — a fresh data key per
   * sealing, wrapped by the master key and kept beside the ciphertext — never a referral's key.
   * Both are bound to the connector id: a blob moved to another connector fails to open.
   */
  sealCredentials(connectorId: string, plaintext: string): Buffer;
  /** Opens what `sealCredentials` sealed for the same connector (in memory only); SealError otherwise. */
  openCredentials(connectorId: string, sealed: Uint8Array): string;
}

/** A sealed credential blob: `wrapped-key length (2 bytes, big-endian) | wrapped data key | sealed credentials`. */
const credentialsKeyAad = (connectorId: string): string => `mash-connector-key:${connectorId}`;
const credentialsAad = (connectorId: string): string => `mash-connector-credentials:${connectorId}`;

/** A data key's wrapping binds it to its referral and owner. */
const wrapAad = (referralId: string, owner: ContentOwner): string => `mash-data-key:${referralId}:${owner}`;

/** RFC 5869 HKDF over the owners' keys in one order: without any one of them the key cannot be made. */
function joinKeys(referralId: string, owners: readonly ContentOwner[], keys: readonly Buffer[]): Buffer {
  const ordered = jointOwners(owners);
  if (ordered.length === 0 || keys.length !== ordered.length) throw new SealError('a joint key needs the key of every owner');
  return Buffer.from(hkdfSync('sha256', Buffer.concat(keys), Buffer.alloc(0), `mash-joint-key:${referralId}:${ordered.join(',')}`, KEY_BYTES));
}

/** The owners of a joint key in one order (CONTENT_OWNERS'), each once, so one set of owners is one key. */
const jointOwners = (owners: readonly ContentOwner[]): ContentOwner[] => CONTENT_OWNERS.filter((o) => owners.includes(o));

/** An unwrapped data key: its bytes (a joint key is derived from them) and its KeyObject (for ciphers). */
interface OpenedKey {
  readonly bytes: Buffer;
  readonly object: KeyObject;
}

export function createVault(masterKeyBytes: Uint8Array): Vault {
  if (masterKeyBytes.length !== 32) throw new SealError('the master key must be 32 bytes');
  const masterKey = keyObject(masterKeyBytes);
  const unwrapKey = (referralId: string, owner: ContentOwner, wrapped: Uint8Array): OpenedKey => {
    const bytes = open(masterKey, wrapped, wrapAad(referralId, owner));
    return { bytes, object: keyObject(bytes) };
  };

  /**
   * The key rings of each open transaction, one per referral: the statements of one transaction
   * (a wave's completion reads subjects, facts and the referral) read its keys once. A ring lives
   * as long as its transaction's handle; on the root handle every statement is a transaction of
   * its own, so nothing is kept there.
   */
  const ringsOfTransactions = new WeakMap<Sql, Map<string, KeyRing>>();

  const newRing = (sql: Sql, referralId: string): KeyRing => {
      const keys = new Map<ContentOwner, OpenedKey | null>();
      const joint = new Map<string, KeyObject>();
      let loaded: Promise<void> | undefined;
      const load = (): Promise<void> =>
        (loaded ??= sql
          .query<{ owner: ContentOwner; wrapped_key: Uint8Array | null }>('SELECT owner, wrapped_key FROM content_keys WHERE referral_id = $1', [referralId])
          .then((rows) => {
            for (const row of rows) keys.set(row.owner, row.wrapped_key === null ? null : unwrapKey(referralId, row.owner, row.wrapped_key));
          }));

      const keyFor = async (owner: ContentOwner, create: boolean): Promise<OpenedKey> => {
        await load();
        const known = keys.get(owner);
        if (known === null) throw new ContentDestroyedError(referralId, owner);
        if (known !== undefined) return known;
        if (!create) throw new ContentDestroyedError(referralId, owner);
        const fresh = newDataKey();
        // A concurrent transaction may create the same key first: keep whichever is stored.
        const rows = await sql.query<{ wrapped_key: Uint8Array | null }>(
          `INSERT INTO content_keys (referral_id, owner, wrapped_key) VALUES ($1, $2, $3)
           ON CONFLICT (referral_id, owner) DO UPDATE SET owner = content_keys.owner RETURNING wrapped_key`,
          [referralId, owner, seal(masterKey, fresh, wrapAad(referralId, owner))],
        );
        const stored = rows[0]?.wrapped_key;
        const key = stored === null || stored === undefined ? null : unwrapKey(referralId, owner, stored);
        keys.set(owner, key);
        if (key === null) throw new ContentDestroyedError(referralId, owner);
        return key;
      };

      const jointKey = async (owners: readonly ContentOwner[]): Promise<KeyObject> => {
        const ordered = jointOwners(owners);
        const known = joint.get(ordered.join(','));
        if (known !== undefined) return known;
        const keys: Buffer[] = [];
        for (const owner of ordered) keys.push((await keyFor(owner, false)).bytes);
        const key = keyObject(joinKeys(referralId, owners, keys));
        joint.set(ordered.join(','), key);
        return key;
      };

      return {
        seal: async (owner, plaintext, aad) => seal((await keyFor(owner, true)).object, Buffer.from(plaintext, 'utf8'), aad),
        open: async (owner, sealed, aad) => open((await keyFor(owner, false)).object, sealed, aad).toString('utf8'),
        sealJoint: async (owners, plaintext, aad) => seal(await jointKey(owners), plaintext, aad),
        openJoint: async (owners, sealed, aad) => open(await jointKey(owners), sealed, aad),
      };
  };

  return {
    keyRing(sql, referralId) {
      if ('transaction' in sql) return newRing(sql, referralId);
      let rings = ringsOfTransactions.get(sql);
      if (rings === undefined) {
        rings = new Map();
        ringsOfTransactions.set(sql, rings);
      }
      let ring = rings.get(referralId);
      if (ring === undefined) {
        ring = newRing(sql, referralId);
        rings.set(referralId, ring);
      }
      return ring;
    },

    openJointWith(referralId, wrappedKeys, owners, sealed, aad) {
      const keys = jointOwners(owners).map((owner) => {
        const wrapped = wrappedKeys.get(owner);
        if (wrapped === undefined || wrapped === null) throw new ContentDestroyedError(referralId, owner);
        return open(masterKey, wrapped, wrapAad(referralId, owner));
      });
      return open(joinKeys(referralId, owners, keys), sealed, aad);
    },

    mint(referralId, owners) {
      const wrapped = new Map<ContentOwner, Buffer>();
      const keys = new Map<ContentOwner, DataKey>();
      for (const owner of new Set(owners)) {
        const fresh = newDataKey();
        const object = keyObject(fresh);
        wrapped.set(owner, seal(masterKey, fresh, wrapAad(referralId, owner)));
        keys.set(owner, { owner, seal: (plaintext, aad) => seal(object, Buffer.from(plaintext, 'utf8'), aad), open: (sealed, aad) => open(object, sealed, aad).toString('utf8') });
      }
      return { wrapped, keys };
    },

    unwrap(referralId, owner, wrapped) {
      if (wrapped === null || wrapped === undefined) throw new ContentDestroyedError(referralId, owner);
      const key = unwrapKey(referralId, owner, wrapped).object;
      return {
        owner,
        seal: (plaintext, aad) => seal(key, Buffer.from(plaintext, 'utf8'), aad),
        open: (sealed, aad) => open(key, sealed, aad).toString('utf8'),
      };
    },

    sealCredentials(connectorId, plaintext) {
      const fresh = newDataKey();
      const wrapped = seal(masterKey, fresh, credentialsKeyAad(connectorId));
      const length = Buffer.alloc(2);
      length.writeUInt16BE(wrapped.length);
      return Buffer.concat([length, wrapped, seal(fresh, Buffer.from(plaintext, 'utf8'), credentialsAad(connectorId))]);
    },

    openCredentials(connectorId, sealed) {
      const blob = Buffer.from(sealed);
      if (blob.length < 2) throw new SealError('sealed credentials are truncated');
      const length = blob.readUInt16BE(0);
      if (blob.length < 2 + length) throw new SealError('sealed credentials are truncated');
      const dataKey = open(masterKey, blob.subarray(2, 2 + length), credentialsKeyAad(connectorId));
      return open(dataKey, blob.subarray(2 + length), credentialsAad(connectorId)).toString('utf8');
    },

    async destroy(sql, referralId, owner, at) {
      const rows = await sql.query<{ owner: string }>(
        'UPDATE content_keys SET wrapped_key = NULL, destroyed_at = $3 WHERE referral_id = $1 AND owner = $2 AND wrapped_key IS NOT NULL RETURNING owner',
        [referralId, owner, at],
      );
      return rows.length === 1;
    },
  };
}
