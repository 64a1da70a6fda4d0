/**
 * Items of a referral as the firewall sees them: each fact with its reveal state and its owner's
 * current release decision; the manager's decision; assignments. Decisions' free text is case
 * content, sealed with the owning agency's key (or the hub's, for the manager's rationale).
 *
 * Decisions are kept as revisions, never overwritten (migration 007): the confidential record
 * holds every redaction and rationale an owner or the manager ever gave, and the current decision
 * is the latest revision. A revision's next number is taken under the row lock of its item (or
 * referral), so concurrent decisions number their revisions one after the other.
 */
import type { Agency } from '../model/agency.ts';
import { Fact } from '../model/fact.ts';
import type { Rag } from '../model/referral.ts';
import type { Outcome } from '../model/product.ts';
import { ReleaseDetail, type ItemRecord, type ManagerDecisionRecord, type ReleaseDecision, type ReleaseDecisionKind } from '../model/item.ts';
import type { Sql } from './db.ts';
import type { ContentOwner, KeyRing, Vault } from './vault.ts';

const factAad = (id: string): string => `fact:${id}`;
// A revision's ciphertext is bound to its item and revision; rows carried over by migration 007
// were sealed bound to the item alone.
const releaseAad = (id: string, revision: number, boundToRevision: boolean): string => (boundToRevision ? `release:${id}:r${revision}` : `release:${id}`);
const managerAad = (referralId: string, revision: number, boundToRevision: boolean): string =>
  boundToRevision ? `manager-decision:${referralId}:r${revision}` : `manager-decision:${referralId}`;

interface ItemRow {
  id: string;
  agency: Agency;
  sealed: Uint8Array;
  revealed_at: Date | null;
  revealed_by: string | null;
  decision: ReleaseDecisionKind | null;
  sealed_detail: Uint8Array | null;
  decided_by: string | null;
  decided_at: Date | null;
  revision: number | null;
  bound_to_revision: boolean | null;
}

interface RevisionRow {
  fact_id: string;
  agency: Agency;
  decision: ReleaseDecisionKind;
  sealed_detail: Uint8Array;
  decided_by: string;
  decided_at: Date;
  revision: number;
  bound_to_revision: boolean;
}

/** Open one sealed revision of a release decision. */
async function openRevision(keys: KeyRing, row: RevisionRow): Promise<ReleaseDecision> {
  const detail = ReleaseDetail.parse(JSON.parse(await keys.open(row.agency, row.sealed_detail, releaseAad(row.fact_id, row.revision, row.bound_to_revision))));
  return { ...detail, decision: row.decision, decidedBy: row.decided_by, decidedAt: new Date(row.decided_at).toISOString(), revision: row.revision };
}

/** Every item of a referral, optionally only those of one agency or only the revealed ones. */
export async function listItems(sql: Sql, vault: Vault, referralId: string, filter: { agency?: Agency; revealedOnly?: boolean; itemId?: string } = {}): Promise<ItemRecord[]> {
  const conditions = ['f.referral_id = $1'];
  const params: string[] = [referralId];
  if (filter.agency !== undefined) {
    params.push(filter.agency);
    conditions.push(`f.agency = $${params.length}`);
  }
  if (filter.itemId !== undefined) {
    params.push(filter.itemId);
    conditions.push(`f.id = $${params.length}`);
  }
  if (filter.revealedOnly === true) conditions.push('f.revealed_at IS NOT NULL');
  // The current decision of each item is its latest revision.
  const rows = await sql.query<ItemRow>(
    `SELECT f.id, f.agency, f.sealed, f.revealed_at, f.revealed_by, d.decision, d.sealed_detail, d.decided_by, d.decided_at, d.revision, d.bound_to_revision
       FROM facts f LEFT JOIN LATERAL (
         SELECT r.decision, r.sealed_detail, r.decided_by, r.decided_at, r.revision, r.bound_to_revision
           FROM release_decision_revisions r WHERE r.fact_id = f.id ORDER BY r.revision DESC LIMIT 1
       ) d ON true
      WHERE ${conditions.join(' AND ')} ORDER BY f.agency, f.kind, f.id`,
    params,
  );
  const keys = vault.keyRing(sql, referralId);
  const items: ItemRecord[] = [];
  for (const row of rows) {
    const fact = Fact.parse(JSON.parse(await keys.open(row.agency, row.sealed, factAad(row.id))));
    let release: ReleaseDecision | null = null;
    if (row.decision !== null && row.sealed_detail !== null && row.decided_by !== null && row.decided_at !== null && row.revision !== null) {
      release = await openRevision(keys, {
        fact_id: row.id,
        agency: row.agency,
        decision: row.decision,
        sealed_detail: row.sealed_detail,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        revision: row.revision,
        bound_to_revision: row.bound_to_revision ?? true,
      });
    }
    items.push({
      fact,
      agency: row.agency,
      revealedAt: row.revealed_at === null ? null : new Date(row.revealed_at).toISOString(),
      revealedBy: row.revealed_by,
      release,
    });
  }
  return items;
}

/** The owning agency of an item, without opening it (for the policy check before any read). */
export async function itemOwner(sql: Sql, referralId: string, itemId: string): Promise<{ agency: Agency; sensitivity: string; revealed: boolean } | undefined> {
  const rows = await sql.query<{ agency: Agency; sensitivity: string; revealed_at: Date | null }>('SELECT agency, sensitivity, revealed_at FROM facts WHERE referral_id = $1 AND id = $2', [referralId, itemId]);
  const row = rows[0];
  return row === undefined ? undefined : { agency: row.agency, sensitivity: row.sensitivity, revealed: row.revealed_at !== null };
}

/** Reveal an item to the hub. Returns false when it was already revealed. */
export async function revealItem(sql: Sql, referralId: string, itemId: string, by: string, at: Date): Promise<boolean> {
  const rows = await sql.query<{ id: string }>('UPDATE facts SET revealed_at = $3, revealed_by = $4 WHERE referral_id = $1 AND id = $2 AND revealed_at IS NULL RETURNING id', [referralId, itemId, at, by]);
  return rows.length === 1;
}

/** What recording a revision did: its number, and the revision it replaces as current. */
export interface Revised<T> {
  readonly revision: number;
  readonly previous: T | undefined;
}

/** Record a new revision of an item's release decision; earlier ones stay. */
export async function decideRelease(
  sql: Sql,
  vault: Vault,
  input: { referralId: string; itemId: string; agency: Agency; decision: ReleaseDecisionKind; detail: ReleaseDetail; by: string; at: Date },
): Promise<Revised<ReleaseDecision>> {
  // One revision at a time per item: the next number is read under the item's row lock.
  await sql.query('SELECT id FROM facts WHERE id = $1 AND referral_id = $2 FOR UPDATE', [input.itemId, input.referralId]);
  const keys = vault.keyRing(sql, input.referralId);
  const [latest] = await sql.query<RevisionRow>(
    `SELECT fact_id, agency, decision, sealed_detail, decided_by, decided_at, revision, bound_to_revision
       FROM release_decision_revisions WHERE fact_id = $1 ORDER BY revision DESC LIMIT 1`,
    [input.itemId],
  );
  const previous = latest === undefined ? undefined : await openRevision(keys, latest);
  const revision = (latest?.revision ?? 0) + 1;
  const sealed = await keys.seal(input.agency, JSON.stringify(input.detail), releaseAad(input.itemId, revision, true));
  await sql.query(
    `INSERT INTO release_decision_revisions (fact_id, revision, referral_id, agency, decision, sealed_detail, decided_by, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [input.itemId, revision, input.referralId, input.agency, input.decision, sealed, input.by, input.at],
  );
  return { revision, previous };
}

/** Every revision of an item's release decision, oldest first (the last is the current one). */
export async function releaseRevisions(sql: Sql, vault: Vault, referralId: string, itemId: string): Promise<ReleaseDecision[]> {
  const rows = await sql.query<RevisionRow>(
    `SELECT fact_id, agency, decision, sealed_detail, decided_by, decided_at, revision, bound_to_revision
       FROM release_decision_revisions WHERE referral_id = $1 AND fact_id = $2 ORDER BY revision`,
    [referralId, itemId],
  );
  const keys = vault.keyRing(sql, referralId);
  const revisions: ReleaseDecision[] = [];
  for (const row of rows) revisions.push(await openRevision(keys, row));
  return revisions;
}


interface ManagerRow {
  rag: Rag;
  outcome: Outcome;
  sealed_rationale: Uint8Array;
  decided_by: string;
  decided_at: Date;
  revision: number;
  bound_to_revision: boolean;
}

const MANAGER_COLUMNS = 'rag, outcome, sealed_rationale, decided_by, decided_at, revision, bound_to_revision';

async function openManagerRow(keys: KeyRing, referralId: string, row: ManagerRow): Promise<ManagerDecisionRecord> {
  const rationale = await keys.open('hub', row.sealed_rationale, managerAad(referralId, row.revision, row.bound_to_revision));
  return { rag: row.rag, outcome: row.outcome, rationale, decidedBy: row.decided_by, decidedAt: new Date(row.decided_at).toISOString(), revision: row.revision };
}

/** Record a new revision of the manager's decision; earlier ones stay. */
export async function setManagerDecision(
  sql: Sql,
  vault: Vault,
  input: { referralId: string; rag: Rag; outcome: Outcome; rationale: string; by: string; at: Date },
): Promise<Revised<ManagerDecisionRecord>> {
  // One revision at a time per referral: the next number is read under the referral's row lock.
  await sql.query('SELECT id FROM referrals WHERE id = $1 FOR UPDATE', [input.referralId]);
  const keys = vault.keyRing(sql, input.referralId);
  const [latest] = await sql.query<ManagerRow>(`SELECT ${MANAGER_COLUMNS} FROM manager_decision_revisions WHERE referral_id = $1 ORDER BY revision DESC LIMIT 1`, [input.referralId]);
  const previous = latest === undefined ? undefined : await openManagerRow(keys, input.referralId, latest);
  const revision = (latest?.revision ?? 0) + 1;
  const sealed = await keys.seal('hub', input.rationale, managerAad(input.referralId, revision, true));
  await sql.query(
    'INSERT INTO manager_decision_revisions (referral_id, revision, rag, outcome, sealed_rationale, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [input.referralId, revision, input.rag, input.outcome, sealed, input.by, input.at],
  );
  return { revision, previous };
}

/** The manager's decision: the current one (the latest revision), or the revision named. */
export async function getManagerDecision(sql: Sql, vault: Vault, referralId: string, revision?: number): Promise<ManagerDecisionRecord | undefined> {
  const rows = await sql.query<ManagerRow>(
    revision === undefined
      ? `SELECT ${MANAGER_COLUMNS} FROM manager_decision_revisions WHERE referral_id = $1 ORDER BY revision DESC LIMIT 1`
      : `SELECT ${MANAGER_COLUMNS} FROM manager_decision_revisions WHERE referral_id = $1 AND revision = $2`,
    revision === undefined ? [referralId] : [referralId, revision],
  );
  const row = rows[0];
  return row === undefined ? undefined : openManagerRow(vault.keyRing(sql, referralId), referralId, row);
}

/** Every revision of the manager's decision, oldest first. */
export async function managerDecisionRevisions(sql: Sql, vault: Vault, referralId: string): Promise<ManagerDecisionRecord[]> {
  const rows = await sql.query<ManagerRow>(`SELECT ${MANAGER_COLUMNS} FROM manager_decision_revisions WHERE referral_id = $1 ORDER BY revision`, [referralId]);
  const keys = vault.keyRing(sql, referralId);
  const revisions: ManagerDecisionRecord[] = [];
  for (const row of rows) revisions.push(await openManagerRow(keys, referralId, row));
  return revisions;
}

/** Agencies whose connectors were asked about this referral: they contributed, and they hear the outcome. */
export async function contributingAgencies(sql: Sql, referralId: string): Promise<Agency[]> {
  const rows = await sql.query<{ agency: Agency }>('SELECT DISTINCT agency FROM lookups WHERE referral_id = $1 ORDER BY agency', [referralId]);
  return rows.map((r) => r.agency);
}

export async function assign(sql: Sql, referralId: string, subject: string, by: string, at: Date): Promise<boolean> {
  const rows = await sql.query<{ subject: string }>(
    'INSERT INTO referral_assignments (referral_id, subject, assigned_by, assigned_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING subject',
    [referralId, subject, by, at],
  );
  return rows.length === 1;
}

export async function assignees(sql: Sql, referralId: string): Promise<string[]> {
  return (await sql.query<{ subject: string }>('SELECT subject FROM referral_assignments WHERE referral_id = $1 ORDER BY subject', [referralId])).map((r) => r.subject);
}

export type { ContentOwner };
