/**
 * Opened pictures kept in memory (docs/decisions.md "The stored picture served from memory"). A
 * warm read of the stored picture was dominated by moving its sealed bytes out of the store and
 * opening them; the case version is what says whether a copy is current, so a process keeps the
 * pictures it opened or built, keyed by referral and audience, labelled with the version they were
 * built from, and a read serves one only when the store says that version is still the case's (and
 * every key it is sealed under is still there). Bounded by bytes, least recently used evicted first.
 *
 * A Map keeps insertion order, which is all a least-recently-used list needs: `lru-cache` is not
 * among the installed packages, and a byte-bounded LRU over a Map is a few lines.
 */
import type { ContentOwner } from '../store/vault.ts';
import type { Audience } from './audience.ts';

/** A picture ready to answer with: its JSON text, and the items its audit entry names. */
export interface ServedPicture {
  readonly audience: Audience;
  readonly version: number;
  /** The picture's JSON text, as built. */
  readonly json: string;
  /** The same text as UTF-8 bytes, what the route sends: encoded once, not on every answer. */
  readonly body: Uint8Array<ArrayBuffer>;
  readonly shownItemIds: readonly string[];
  readonly candidateItemIds: readonly string[];
}

/** A picture as the cache holds it: what a read serves, and what its currency is checked against. */
export interface CachedPicture {
  readonly served: ServedPicture;
  /** The owners whose keys the stored picture is sealed under: a destroyed one makes the copy unservable. */
  readonly owners: readonly ContentOwner[];
}

/** A byte-bounded, least-recently-used cache of opened pictures. */
export interface PictureCache {
  /** The copy held for (referral, audience), whatever its version; marks it recently used. */
  get(referralId: string, audience: Audience): CachedPicture | undefined;
  /** Keeps a copy, unless one of a later version is already held. */
  put(referralId: string, picture: CachedPicture): void;
  /** Drops the copy held for (referral, audience). */
  forget(referralId: string, audience: Audience): void;
  /** Drops every copy of a referral (its content destroyed). */
  forgetReferral(referralId: string): void;
  /** Bytes held (the pictures' JSON as text and as UTF-8, and their item ids). */
  readonly bytes: number;
  readonly size: number;
}

/** The default bound: 64 MiB holds a few hundred example-sized pictures. */
export const DEFAULT_PICTURE_CACHE_BYTES = 64 * 1024 * 1024;

const keyOf = (referralId: string, audience: Audience): string => `${referralId}\u0000${audience}`;

/** What a copy weighs: the JSON text as a JS string (2 bytes a code unit), its UTF-8 bytes and its item ids. */
const weigh = (picture: CachedPicture): number =>
  picture.served.json.length * 2 + picture.served.body.byteLength + [...picture.served.shownItemIds, ...picture.served.candidateItemIds].reduce((n, id) => n + id.length * 2 + 16, 0) + 256;

/** A cache holding at most `maxBytes`; a picture heavier than a quarter of that is not kept. */
export function createPictureCache(maxBytes = DEFAULT_PICTURE_CACHE_BYTES): PictureCache {
  const entries = new Map<string, { readonly picture: CachedPicture; readonly weight: number }>();
  let bytes = 0;

  const remove = (key: string): void => {
    const entry = entries.get(key);
    if (entry === undefined) return;
    entries.delete(key);
    bytes -= entry.weight;
  };

  return {
    get(referralId, audience) {
      const key = keyOf(referralId, audience);
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      // Most recently used last: re-inserting moves it to the end of the Map's order.
      entries.delete(key);
      entries.set(key, entry);
      return entry.picture;
    },
    put(referralId, picture) {
      const key = keyOf(referralId, picture.served.audience);
      const held = entries.get(key);
      if (held !== undefined && held.picture.served.version > picture.served.version) return;
      remove(key);
      const weight = weigh(picture);
      if (weight > maxBytes / 4) return;
      entries.set(key, { picture, weight });
      bytes += weight;
      for (const oldest of entries.keys()) {
        if (bytes <= maxBytes) break;
        remove(oldest);
      }
    },
    forget(referralId, audience) {
      remove(keyOf(referralId, audience));
    },
    forgetReferral(referralId) {
      for (const key of [...entries.keys()]) if (key.startsWith(`${referralId}\u0000`)) remove(key);
    },
    get bytes() {
      return bytes;
    },
    get size() {
      return entries.size;
    },
  };
}
