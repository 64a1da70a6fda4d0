/**
 * The content vault (docs/decisions.md, "Encryption at rest: a data key per referral and owner"): case content is sealed with a data key per referral and owner
 * (an agency, or `hub` for the referral itself). Data keys are random and stored only wrapped by
 * the master key — which is given by file or environment and never stored beside the data — so a
 * database dump reveals no case content. Destroying an owner's key for a referral destroys that
 * content for good (crypto-shredding; used by retention).
 *
 * Keys are fetched per transaction into a key ring and never cached across transactions: a key
 * created in a transaction that rolls back must not outlive it.
 */
import { newDataKey, open, seal, SealError } from '../lib/envelope.ts';
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

/** The data keys of one referral within one transaction. */
export interface KeyRing {
  seal(owner: ContentOwner, plaintext: string, aad: string): Promise<Uint8Array>;
  /** Throws ContentDestroyedError when the owner's key was destroyed (or never existed). */
  open(owner: ContentOwner, sealed: Uint8Array, aad: string): Promise<string>;
}

export interface Vault {
  keyRing(sql: Sql, referralId: string): KeyRing;
  /** Destroy (referral, owner)'s data key. Returns true when a live key was destroyed. */
  destroy(sql: Sql, referralId: string, owner: ContentOwner, at: Date): Promise<boolean>;
}

/** A data key's wrapping binds it to its referral and owner. */
const wrapAad = (referralId: string, owner: ContentOwner): string => `mash-data-key:${referralId}:${owner}`;

export function createVault(masterKey: Uint8Array): Vault {
  if (masterKey.length !== 32) throw new SealError('the master key must be 32 bytes');

  return {
    keyRing(sql, referralId) {
      const keys = new Map<ContentOwner, Buffer | null>();
      let loaded: Promise<void> | undefined;
      const load = (): Promise<void> =>
        (loaded ??= sql
          .query<{ owner: ContentOwner; wrapped_key: Uint8Array | null }>('SELECT owner, wrapped_key FROM content_keys WHERE referral_id = $1', [referralId])
          .then((rows) => {
            for (const row of rows) keys.set(row.owner, row.wrapped_key === null ? null : open(masterKey, row.wrapped_key, wrapAad(referralId, row.owner)));
          }));

      const keyFor = async (owner: ContentOwner, create: boolean): Promise<Buffer> => {
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
        const key = stored === null || stored === undefined ? null : open(masterKey, stored, wrapAad(referralId, owner));
        keys.set(owner, key);
        if (key === null) throw new ContentDestroyedError(referralId, owner);
        return key;
      };

      return {
        seal: async (owner, plaintext, aad) => seal(await keyFor(owner, true), Buffer.from(plaintext, 'utf8'), aad),
        open: async (owner, sealed, aad) => open(await keyFor(owner, false), sealed, aad).toString('utf8'),
      };
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
