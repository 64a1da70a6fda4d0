/**
 * Stored pictures (migration 010): one row per referral and audience, with the case version it was
 * built from. Why in the store: rows in and out, sealed bytes untouched; which audience sees what,
 * and when a picture is current, are the case's to decide (src/case/pictures.ts).
 */
import type { Agency } from '../model/agency.ts';
import type { ReferralStatus } from '../model/referral.ts';
import type { Sql } from './db.ts';
import type { ContentOwner } from './vault.ts';

/** A stored picture as a row holds it: the sealed picture, and beside it ids and counts only. */
export interface PictureRow {
  readonly audience: string;
  readonly caseVersion: number;
  readonly format: number;
  /** The owners whose keys the picture is sealed under (src/store/vault.ts `sealJoint`). */
  readonly owners: readonly ContentOwner[];
  readonly shownItemIds: readonly string[];
  readonly candidateItemIds: readonly string[];
  /** Per lookup id: counts, as src/case/lookup-facts.ts tallies them. */
  readonly lookupFacts: unknown;
  readonly sealed: Uint8Array;
  readonly builtAt: Date;
}

/** A referral's current version and status: what a picture is built against. */
export interface CaseHead {
  readonly version: number;
  readonly status: ReferralStatus;
}

/** The referral's version and status now, or undefined when there is no such referral. */
export async function caseHead(sql: Sql, referralId: string): Promise<CaseHead | undefined> {
  const rows = await sql.query<{ case_version: number | string; status: ReferralStatus }>('SELECT case_version, status FROM referrals WHERE id = $1', [referralId]);
  const row = rows[0];
  return row === undefined ? undefined : { version: Number(row.case_version), status: row.status };
}

/** What one read of a picture needs, in one query: the referral's version, its policy context and the stored picture. */
export interface PictureLookup {
  readonly version: number;
  readonly contributingAgencies: readonly Agency[];
  readonly assignees: readonly string[];
  readonly stored: StoredPicture | undefined;
}

/** A referral's version now, and the owners whose data keys are still there. */
export interface CaseKeys {
  readonly version: number;
  /** Owners with a live data key (not destroyed, not dropped). */
  readonly liveOwners: ReadonlySet<string>;
}

/**
 * The referral's version and the owners whose keys are live, or undefined when there is no such
 * referral. One small statement with no array parameter and no sealed bytes: what a read needs to
 * know that a picture held in memory is still the case's (src/case/repository.ts).
 */
export async function lookUpCaseKeys(sql: Sql, referralId: string): Promise<CaseKeys | undefined> {
  const rows = await sql.query<{ case_version: number | string; live_owners: string | null }>(
    `SELECT r.case_version, (SELECT string_agg(c.owner, ',') FROM content_keys c WHERE c.referral_id = r.id AND c.wrapped_key IS NOT NULL) AS live_owners
       FROM referrals r WHERE r.id = $1`,
    [referralId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return { version: Number(row.case_version), liveOwners: new Set(row.live_owners === null ? [] : row.live_owners.split(',')) };
}

/** A referral's policy context, with the version it was read at. */
export interface CaseContext {
  readonly version: number;
  readonly contributingAgencies: readonly Agency[];
  readonly assignees: readonly string[];
}

/** The referral's version, the agencies that contributed and who is assigned, in one statement; undefined when there is no such referral. */
export async function lookUpCaseContext(sql: Sql, referralId: string): Promise<CaseContext | undefined> {
  const rows = await sql.query<{ case_version: number | string; agencies: Agency[] | null; assigned: string[] | null }>(
    `SELECT r.case_version,
            (SELECT array_agg(DISTINCT l.agency ORDER BY l.agency) FROM lookups l WHERE l.referral_id = r.id) AS agencies,
            (SELECT array_agg(a.subject ORDER BY a.subject) FROM referral_assignments a WHERE a.referral_id = r.id) AS assigned
       FROM referrals r WHERE r.id = $1`,
    [referralId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  return { version: Number(row.case_version), contributingAgencies: row.agencies ?? [], assignees: row.assigned ?? [] };
}

/** A stored picture as a read needs it: the sealed picture and the ids its audit entry names (no counts). */
export type StoredPicture = Omit<PictureRow, 'lookupFacts' | 'builtAt'> & {
  /** The wrapped data keys of its owners, read with it (null: destroyed). */
  readonly wrappedKeys: ReadonlyMap<ContentOwner, Uint8Array | null>;
};

/**
 * The referral's version, the agencies that contributed and who is assigned (the policy context),
 * and the picture stored for `audience` if any — or undefined when there is no such referral.
 * The sealed bytes travel as base64 text: PGlite decodes `bytea` in JavaScript, five times slower
 * for a picture than Node decodes base64.
 */
export async function lookUpPicture(sql: Sql, referralId: string, audience: string): Promise<PictureLookup | undefined> {
  const rows = await sql.query<{
    current_version: number | string;
    agencies: Agency[] | null;
    assigned: string[] | null;
    audience: string | null;
    case_version: number | string | null;
    format: number | null;
    owners: ContentOwner[] | null;
    shown_item_ids: string[] | null;
    candidate_item_ids: string[] | null;
    sealed_base64: string | null;
    key_owners: ContentOwner[] | null;
    wrapped_keys: (string | null)[] | null;
  }>(
    `SELECT r.case_version AS current_version,
            (SELECT array_agg(DISTINCT l.agency ORDER BY l.agency) FROM lookups l WHERE l.referral_id = r.id) AS agencies,
            (SELECT array_agg(a.subject ORDER BY a.subject) FROM referral_assignments a WHERE a.referral_id = r.id) AS assigned,
            p.audience, p.case_version, p.format, p.owners, p.shown_item_ids, p.candidate_item_ids, encode(p.sealed_picture, 'base64') AS sealed_base64,
            k.key_owners, k.wrapped_keys
       FROM referrals r LEFT JOIN case_pictures p ON p.referral_id = r.id AND p.audience = $2
       LEFT JOIN LATERAL (
         SELECT array_agg(c.owner ORDER BY c.owner) AS key_owners, array_agg(encode(c.wrapped_key, 'base64') ORDER BY c.owner) AS wrapped_keys
           FROM content_keys c WHERE c.referral_id = r.id AND c.owner = ANY (p.owners)
       ) k ON true
      WHERE r.id = $1`,
    [referralId, audience],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const stored: StoredPicture | undefined =
    row.audience === null || row.case_version === null || row.format === null || row.owners === null || row.shown_item_ids === null || row.candidate_item_ids === null || row.sealed_base64 === null
      ? undefined
      : {
          audience: row.audience,
          caseVersion: Number(row.case_version),
          format: row.format,
          owners: row.owners,
          shownItemIds: row.shown_item_ids,
          candidateItemIds: row.candidate_item_ids,
          sealed: Buffer.from(row.sealed_base64, 'base64'),
          wrappedKeys: new Map((row.key_owners ?? []).map((owner, i) => {
            const wrapped = row.wrapped_keys?.[i];
            return [owner, wrapped === undefined || wrapped === null ? null : Buffer.from(wrapped, 'base64')] as const;
          })),
        };
  return { version: Number(row.current_version), contributingAgencies: row.agencies ?? [], assignees: row.assigned ?? [], stored };
}

/**
 * The per-lookup counts of a stored picture built from the referral's current version in `format`
 * (any audience's: the counts are the same for all), or undefined when none is current. Nothing
 * sealed is read.
 */
export async function currentLookupFacts(sql: Sql, referralId: string, format: number): Promise<unknown> {
  const rows = await sql.query<{ lookup_facts: unknown }>(
    `SELECT p.lookup_facts FROM referrals r JOIN case_pictures p ON p.referral_id = r.id AND p.case_version = r.case_version AND p.format = $2
      WHERE r.id = $1 LIMIT 1`,
    [referralId, format],
  );
  return rows[0]?.lookup_facts;
}

/** The audiences a referral has a stored picture for. */
/** A referral's version and status, and the version and format of each picture stored for it. */
export interface CasePictureState extends CaseHead {
  readonly pictures: readonly { readonly audience: string; readonly caseVersion: number; readonly format: number }[];
}

/**
 * `caseHead` and what is stored for each audience, in one query and without reading a picture's
 * bytes: what deciding which pictures to build again needs, after every change to a case.
 */
export async function casePictureState(sql: Sql, referralId: string): Promise<CasePictureState | undefined> {
  const rows = await sql.query<{ case_version: number | string; status: ReferralStatus; pictures: { audience: string; case_version: number | string; format: number }[] }>(
    `SELECT r.case_version, r.status,
            COALESCE(json_agg(json_build_object('audience', p.audience, 'case_version', p.case_version, 'format', p.format) ORDER BY p.audience)
                     FILTER (WHERE p.audience IS NOT NULL), '[]') AS pictures
       FROM referrals AS r LEFT JOIN case_pictures AS p ON p.referral_id = r.id
      WHERE r.id = $1 GROUP BY r.id`,
    [referralId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const pictures = (typeof row.pictures === 'string' ? (JSON.parse(row.pictures) as typeof row.pictures) : row.pictures).map((p) => ({ audience: p.audience, caseVersion: Number(p.case_version), format: p.format }));
  return { version: Number(row.case_version), status: row.status, pictures };
}

/**
 * Stores a picture unless one built from a later version (or the same version, in this format)
 * is already there: two builders racing leave the newer. Returns whether this one was stored.
 */
export async function writePicture(sql: Sql, referralId: string, row: PictureRow): Promise<boolean> {
  const written = await sql.query<{ audience: string }>(
    `INSERT INTO case_pictures (referral_id, audience, case_version, format, owners, shown_item_ids, candidate_item_ids, lookup_facts, sealed_picture, built_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (referral_id, audience) DO UPDATE SET
       case_version = EXCLUDED.case_version, format = EXCLUDED.format, owners = EXCLUDED.owners, shown_item_ids = EXCLUDED.shown_item_ids,
       candidate_item_ids = EXCLUDED.candidate_item_ids, lookup_facts = EXCLUDED.lookup_facts, sealed_picture = EXCLUDED.sealed_picture, built_at = EXCLUDED.built_at
     WHERE case_pictures.case_version < EXCLUDED.case_version OR (case_pictures.case_version = EXCLUDED.case_version AND case_pictures.format <> EXCLUDED.format)
     RETURNING audience`,
    [referralId, row.audience, row.caseVersion, row.format, [...row.owners], [...row.shownItemIds], [...row.candidateItemIds], JSON.stringify(row.lookupFacts), row.sealed, row.builtAt],
  );
  return written.length === 1;
}

/** Drops every stored picture of a referral (its content destroyed: nothing derived from it may stay). */
export async function dropPictures(sql: Sql, referralId: string): Promise<number> {
  return (await sql.query<{ audience: string }>('DELETE FROM case_pictures WHERE referral_id = $1 RETURNING audience', [referralId])).length;
}
