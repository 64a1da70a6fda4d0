/**
 * Items of a referral as the firewall sees them: each fact with its reveal state and its owner's
 * current release decision; the manager's decision; assignments. Decisions' free text is case
 * content, sealed with the owning agency's key (or the hub's, for the manager's rationale).
 */
import type { Agency } from '../model/agency.ts';
import { Fact } from '../model/fact.ts';
import { Redaction, type Outcome } from '../model/product.ts';
import type { Rag } from '../model/referral.ts';
import { z } from 'zod';
import type { Sql } from './db.ts';
import type { ContentOwner, Vault } from './vault.ts';

export const ReleaseDecisionKind = z.enum(['release', 'redact', 'withhold']);
export type ReleaseDecisionKind = z.infer<typeof ReleaseDecisionKind>;

/** What a release decision says beyond its kind; sealed at rest. */
export const ReleaseDetail = z.object({
  rationale: z.string(),
  redactions: z.array(Redaction).default([]),
  signpostContact: z.string().optional(),
});
export type ReleaseDetail = z.infer<typeof ReleaseDetail>;

export interface ReleaseDecision extends ReleaseDetail {
  readonly decision: ReleaseDecisionKind;
  readonly decidedBy: string;
  readonly decidedAt: string;
  readonly revision: number;
}

export interface ItemRecord {
  readonly fact: Fact;
  readonly agency: Agency;
  readonly revealedAt: string | null;
  readonly revealedBy: string | null;
  readonly release: ReleaseDecision | null;
}

const factAad = (id: string): string => `fact:${id}`;
const releaseAad = (id: string): string => `release:${id}`;
const managerAad = (referralId: string): string => `manager-decision:${referralId}`;

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
  const rows = await sql.query<ItemRow>(
    `SELECT f.id, f.agency, f.sealed, f.revealed_at, f.revealed_by, d.decision, d.sealed_detail, d.decided_by, d.decided_at, d.revision
       FROM facts f LEFT JOIN release_decisions d ON d.fact_id = f.id
      WHERE ${conditions.join(' AND ')} ORDER BY f.agency, f.kind, f.id`,
    params,
  );
  const keys = vault.keyRing(sql, referralId);
  const items: ItemRecord[] = [];
  for (const row of rows) {
    const fact = Fact.parse(JSON.parse(await keys.open(row.agency, row.sealed, factAad(row.id))));
    let release: ReleaseDecision | null = null;
    if (row.decision !== null && row.sealed_detail !== null) {
      const detail = ReleaseDetail.parse(JSON.parse(await keys.open(row.agency, row.sealed_detail, releaseAad(row.id))));
      release = { ...detail, decision: row.decision, decidedBy: row.decided_by ?? '', decidedAt: new Date(row.decided_at ?? 0).toISOString(), revision: row.revision ?? 1 };
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

/** Record (or change) an item's release decision. Returns the new revision. */
export async function decideRelease(
  sql: Sql,
  vault: Vault,
  input: { referralId: string; itemId: string; agency: Agency; decision: ReleaseDecisionKind; detail: ReleaseDetail; by: string; at: Date },
): Promise<number> {
  const sealed = await vault.keyRing(sql, input.referralId).seal(input.agency, JSON.stringify(input.detail), releaseAad(input.itemId));
  const rows = await sql.query<{ revision: number }>(
    `INSERT INTO release_decisions (fact_id, referral_id, agency, decision, sealed_detail, decided_by, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (fact_id) DO UPDATE SET decision = EXCLUDED.decision, sealed_detail = EXCLUDED.sealed_detail,
       decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at, revision = release_decisions.revision + 1
     RETURNING revision`,
    [input.itemId, input.referralId, input.agency, input.decision, sealed, input.by, input.at],
  );
  return rows[0]?.revision ?? 1;
}

export interface ManagerDecisionRecord {
  readonly rag: Rag;
  readonly outcome: Outcome;
  readonly rationale: string;
  readonly decidedBy: string;
  readonly decidedAt: string;
  readonly revision: number;
}

export async function setManagerDecision(sql: Sql, vault: Vault, input: { referralId: string; rag: Rag; outcome: Outcome; rationale: string; by: string; at: Date }): Promise<number> {
  const sealed = await vault.keyRing(sql, input.referralId).seal('hub', input.rationale, managerAad(input.referralId));
  const rows = await sql.query<{ revision: number }>(
    `INSERT INTO manager_decisions (referral_id, rag, outcome, sealed_rationale, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (referral_id) DO UPDATE SET rag = EXCLUDED.rag, outcome = EXCLUDED.outcome, sealed_rationale = EXCLUDED.sealed_rationale,
       decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at, revision = manager_decisions.revision + 1
     RETURNING revision`,
    [input.referralId, input.rag, input.outcome, sealed, input.by, input.at],
  );
  return rows[0]?.revision ?? 1;
}

export async function getManagerDecision(sql: Sql, vault: Vault, referralId: string): Promise<ManagerDecisionRecord | undefined> {
  const rows = await sql.query<{ rag: Rag; outcome: Outcome; sealed_rationale: Uint8Array; decided_by: string; decided_at: Date; revision: number }>(
    'SELECT rag, outcome, sealed_rationale, decided_by, decided_at, revision FROM manager_decisions WHERE referral_id = $1',
    [referralId],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  const rationale = await vault.keyRing(sql, referralId).open('hub', row.sealed_rationale, managerAad(referralId));
  return { rag: row.rag, outcome: row.outcome, rationale, decidedBy: row.decided_by, decidedAt: new Date(row.decided_at).toISOString(), revision: row.revision };
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
