/**
 * The stored picture (docs/decisions.md "The case has one owner, and its picture is stored").
 * Building a picture opens every fact of the referral and works out its people, family and
 * chronology; doing that on every read cost hundreds of milliseconds under load, and the hub
 * console reads the picture on every page. So the picture is built when the case changes and
 * stored per audience, with the case version it was built from:
 *
 * - every transaction that changes a case bumps its version (triggers, migration 010), which is
 *   what makes a stored picture stale — no writer can forget to;
 * - after such a commit the writer calls `caseChanged`, and the pictures already stored for the
 *   referral (and the hub's) are built again in the background, one referral at a time, repeated
 *   calls while a build runs coalescing into one more build (while research runs, only the
 *   pictures already read: the hub's is built when research ends);
 * - a read serves the stored picture when its version is the case's; otherwise it builds it once,
 *   then (concurrent readers of one picture share that build), stores it and serves it — a read is
 *   never older than the case it was asked about, and never rebuilds a current picture.
 *
 * A picture is sealed under a key joined from the keys of every owner whose content it may hold
 * (src/store/vault.ts `sealJoint`), so destroying one agency's key leaves no readable copy of its
 * content in a stored picture; retention also drops the rows.
 *
 * The pictures this process opened or built are kept in memory (`picture-cache.ts`) with the
 * version they were built from; a read serves the copy only when the store says that version is
 * still the case's and every key it is sealed under is still there (src/case/repository.ts).
 */
import { brotliCompressSync, brotliDecompressSync, constants as zlib } from 'node:zlib';
import type { Identity } from '../identity/index.ts';
import type { Clock } from '../lib/clock.ts';
import { describeError, MashError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { runInLogContext } from '../lib/log-context.ts';
import { caseHead, casePictureState, writePicture, type PictureRow, type StoredPicture } from '../store/case-pictures.ts';
import type { Db, Sql } from '../store/db.ts';
import { isStoreUnavailable } from '../store/unavailable.ts';
import { CONTENT_OWNERS, ContentDestroyedError, type ContentOwner, type Vault } from '../store/vault.ts';
import { parseAudience, type Audience } from './audience.ts';
import { buildPicture, readCaseContent, type BuiltPicture } from './picture.ts';
import { createPictureCache, DEFAULT_PICTURE_CACHE_BYTES, type CachedPicture, type ServedPicture } from './picture-cache.ts';

/**
 * The stored form: the picture's JSON text, Brotli-compressed (RFC 7932), then sealed. Compressed
 * because the read is dominated by moving the sealed bytes out of the store: the example picture
 * is 144 KB of JSON and 13 KB compressed, and opens in about 0.3 ms. A picture stored in another
 * format (by another version of this code) is stale: it is built again rather than read.
 */
export const PICTURE_FORMAT = 1;

// Quality 5, not 9: the example picture (107 KB of JSON) compresses in 0.9 ms instead of 7.6 ms
// to 9.6 KB instead of 9.4 KB (docs/decisions.md "CPU per referral"); every case change builds one.
const compress = (json: string): Buffer => {
  const text = Buffer.from(json, 'utf8');
  return brotliCompressSync(text, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT, [zlib.BROTLI_PARAM_SIZE_HINT]: text.length } });
};
const decompress = (bytes: Buffer): Buffer<ArrayBuffer> => brotliDecompressSync(bytes);

/** Binds a sealed picture to its row: referral, audience, version and format. */
const pictureAad = (referralId: string, audience: string, version: number, format: number): string => `case-picture:${referralId}:${audience}:v${version}:f${format}`;

export type { ServedPicture } from './picture-cache.ts';

export type { CachedPicture } from './picture-cache.ts';

export interface PicturesDeps {
  readonly db: Db;
  readonly vault: Vault;
  readonly clock: Clock;
  /** The picture's people, family, chronology and possible matches (identity's picture section). */
  readonly identity: Pick<Identity, 'pictureIdentity'>;
  readonly logger: Logger;
}

/** The stored pictures of every case. */
export interface Pictures {
  /**
   * A case changed and its transaction committed: build its stored pictures again in the
   * background. Never throws; a failed build is logged, and the next read builds instead.
   */
  caseChanged(referralId: string): void;
  /**
   * The picture of `audience`: `stored` when it is of `version` (the case's version now) and in
   * this format; otherwise built now, stored, and returned. Throws ContentDestroyedError when the
   * case's content (or a key the picture is sealed under) was destroyed.
   */
  serve(referralId: string, audience: Audience, version: number, stored: StoredPicture | undefined): Promise<ServedPicture>;
  /**
   * The copy of (referral, audience) this process holds in memory, whatever its version: the
   * caller serves it only after reading from the store that its version is the case's and its
   * keys are intact.
   */
  held(referralId: string, audience: Audience): CachedPicture | undefined;
  /** Drops the copy held in memory (found stale). */
  forget(referralId: string, audience: Audience): void;
  /** Waits until no background build is queued or running. */
  settled(): Promise<void>;
  /** Stops taking background work and waits for the build in progress. */
  close(): Promise<void>;
}

const OWNERS: ReadonlySet<string> = new Set(CONTENT_OWNERS);
const isOwner = (o: string): o is ContentOwner => OWNERS.has(o);

/** True when a stored row is the picture of the case at `version`, in this format. */
export const isCurrent = <R extends Pick<PictureRow, 'caseVersion' | 'format'>>(row: R | undefined, version: number): row is R => row !== undefined && row.caseVersion === version && row.format === PICTURE_FORMAT;

/** Seals a built picture into its row. */
async function sealed(sql: Sql, vault: Vault, referralId: string, built: BuiltPicture, json: string, lookupFacts: unknown, builtAt: Date): Promise<PictureRow> {
  const bytes = await vault.keyRing(sql, referralId).sealJoint(built.owners, compress(json), pictureAad(referralId, built.audience, built.version, PICTURE_FORMAT));
  return {
    audience: built.audience,
    caseVersion: built.version,
    format: PICTURE_FORMAT,
    owners: built.owners,
    shownItemIds: built.shownItemIds,
    candidateItemIds: built.candidateItemIds,
    lookupFacts,
    sealed: bytes,
    builtAt,
  };
}

/** Opens a stored picture with the keys read beside it; ContentDestroyedError when a key it is sealed under is gone. */
export function openPicture(vault: Vault, referralId: string, row: StoredPicture): ServedPicture {
  const bytes = vault.openJointWith(referralId, row.wrappedKeys, row.owners.filter(isOwner), row.sealed, pictureAad(referralId, row.audience, row.caseVersion, row.format));
  const body = decompress(bytes);
  return { audience: parseAudience(row.audience), version: row.caseVersion, json: body.toString('utf8'), body, shownItemIds: row.shownItemIds, candidateItemIds: row.candidateItemIds };
}


/**
 * Builds the pictures of `audiences` from one read of the case, and stores each (unless a newer
 * one is stored meanwhile). Returns them as built, with the owners each is sealed under.
 */
export async function buildAndStore(deps: Omit<PicturesDeps, 'logger'>, referralId: string, audiences: readonly Audience[]): Promise<CachedPicture[]> {
  const head = await caseHead(deps.db, referralId);
  if (head === undefined) throw new MashError('REFERRAL.NOT_FOUND', `no referral ${referralId}`);
  const content = await readCaseContent(deps.db, deps.vault, head, referralId);
  const lookupFacts = Object.fromEntries(content.lookupFacts);
  const builtAt = deps.clock.now();
  const served: CachedPicture[] = [];
  for (const audience of audiences) {
    const built = await buildPicture(deps, content, audience, builtAt);
    const json = JSON.stringify(built.picture);
    await deps.db.transaction(async (tx) => writePicture(tx, referralId, await sealed(tx, deps.vault, referralId, built, json, lookupFacts, builtAt)));
    served.push({ served: { audience, version: built.version, json, body: Buffer.from(json, 'utf8'), shownItemIds: built.shownItemIds, candidateItemIds: built.candidateItemIds }, owners: built.owners });
  }
  return served;
}

/**
 * The stored pictures. With `background: false` nothing is built after a change (the next read
 * builds); the composition root runs them in the background.
 */
export function createPictures(deps: PicturesDeps, options: { readonly background: boolean; readonly cacheBytes?: number | undefined }): Pictures {
  const cache = createPictureCache(options.cacheBytes ?? DEFAULT_PICTURE_CACHE_BYTES);
  const building = new Map<string, Promise<ServedPicture>>();
  const queued = new Set<string>();
  let running: Promise<void> | undefined;
  let closed = false;

  /** Builds again the pictures of a referral that are stale: the hub's and every audience stored. */
  const refresh = async (referralId: string): Promise<void> => {
    const state = await casePictureState(deps.db, referralId);
    if (state === undefined) return;
    // While research runs every lookup changes the case: building the hub's picture after each
    // would open every fact again per lookup (most of a referral's CPU, docs/decisions.md "CPU
    // per referral"). Until research ends only pictures someone has already read are kept warm;
    // the hub's is built when it ends, and a read before then builds its own, current one.
    const researching = state.status === 'received' || state.status === 'researching';
    const stored = new Map(state.pictures.map((p) => [parseAudience(p.audience), p]));
    const audiences = new Set<Audience>(researching ? stored.keys() : ['hub', ...stored.keys()]);
    const stale = [...audiences].filter((audience) => !isCurrent(stored.get(audience), state.version));
    if (stale.length > 0) for (const built of await buildAndStore(deps, referralId, stale)) cache.put(referralId, built);
  };

  const drain = async (): Promise<void> => {
    for (let next = queued.values().next(); !next.done; next = queued.values().next()) {
      const referralId = next.value;
      queued.delete(referralId);
      // The drain runs in the context of whichever request or job first queued work: each build
      // logs as its own referral's, and nobody's request or job (src/lib/log-context.ts).
      await runInLogContext({ referralId }, async () => {
        try {
          await refresh(referralId);
        } catch (error) {
          // Content destroyed, or the store away: the next read builds (or answers 410) instead.
          if (error instanceof ContentDestroyedError || isStoreUnavailable(error)) return;
          deps.logger.warn({ code: 'PICTURE.BUILD_FAILED', referralId, error: describeError(error) }, 'building a stored picture failed');
        }
      });
    }
  };

  return {
    caseChanged(referralId) {
      if (!options.background || closed) return;
      queued.add(referralId);
      running ??= drain().finally(() => {
        running = undefined;
      });
    },

    async serve(referralId, audience, version, stored) {
      if (isCurrent(stored, version)) {
        const opened = openPicture(deps.vault, referralId, stored);
        cache.put(referralId, { served: opened, owners: stored.owners });
        return opened;
      }
      // Readers of the same stale picture share one build; one that began before this reader's
      // version was committed is too old for it, and this reader builds again.
      const key = `${referralId}\u0000${audience}`;
      for (;;) {
        let build = building.get(key);
        if (build === undefined) {
          build = buildAndStore(deps, referralId, [audience])
            .then(([built]) => {
              if (built === undefined) throw new Error('no picture built');
              cache.put(referralId, built);
              return built.served;
            })
            .finally(() => building.delete(key));
          building.set(key, build);
        }
        const built = await build;
        if (built.version >= version) return built;
      }
    },

    held: (referralId, audience) => cache.get(referralId, audience),
    forget: (referralId, audience) => cache.forget(referralId, audience),

    async settled() {
      while (running !== undefined) await running;
    },

    async close() {
      closed = true;
      queued.clear();
      await running;
    },
  };
}
