/**
 * Resolving an agency person record to a hub person: the heart of the person index.
 *
 * Why here and in this order (issue 4 §2): the same child must be recognised across agencies
 * and across referrals, and two children must never be merged by the machine. So:
 * 1. a record key already indexed answers with its person (idempotent: a redelivered lookup
 *    job, or the same agency record in a later referral, changes nothing but the sighting);
 * 2. a practitioner's decisions about this record key come first — a confirmed person is
 *    linked, rejected persons are never candidates (so never linked, never asked again);
 * 3. otherwise candidates are found by blocking keys, opened and compared by the engine, and
 *    the best person decides: a match links to it; a possible match gets a new hub person for
 *    now and a pending question naming the candidate; anything else is a new person.
 * The machine never merges two existing persons; only a practitioner's confirmation does
 * (decisions.ts). Writes go in one statement, in the caller's transaction.
 *
 * Concurrency: two new records of one person resolved in parallel transactions would each find no
 * candidate (neither sees the other's uncommitted row) and each create a hub person. A resolution
 * therefore holds, until its transaction ends, an advisory lock on its record key and on each of
 * its blocking keys: records that could be candidates for each other share a blocking key (that
 * is how candidates are found), so they resolve one after the other, and the later one finds the
 * earlier. Locks are taken in one global order (namespace, then key), all of a transaction's at
 * once when it resolves several records (`resolveRecords`), so two transactions cannot deadlock.
 */
import { createHash } from 'node:crypto';
import { newId } from '../../lib/ids.ts';
import type { Sql } from '../db.ts';
import { recordsOfPerson, searchCandidates, type CandidateLimits, type CandidateRow } from './candidates.ts';
import type { IndexCodec } from './codec.ts';
import { EvidenceList, type CandidateReport, type IdentityEngine, type IndexedRecord, type LinkOutcome, type MatchEvidence, type PairComparison, type Resolution, type ResolveOutcome } from './types.ts';

/** What `resolve` is asked. */
export interface ResolveInput {
  /** `<agency>:<connectorId>:<sourceRecordId>`: stable for one agency record. */
  readonly recordKey: string;
  /** The referral the record was seen for (retention forgets records by referral). */
  readonly referralId: string;
  readonly record: IndexedRecord;
}

/** What resolution needs besides the transaction. */
export interface ResolveContext {
  readonly codec: IndexCodec;
  readonly engine: IdentityEngine;
  readonly limits: CandidateLimits;
}

// Namespaces of the advisory locks (two-key form) that serialise resolutions of one record key,
// and of records sharing a blocking key.
const RESOLVE_LOCK = 72_616_005;
const BLOCK_LOCK = 72_616_006;

/** An advisory lock in the two-key form: a namespace and a 32-bit key. */
interface AdvisoryLock {
  readonly namespace: number;
  readonly key: number;
}

/** A record key's lock: the first 32 bits of its SHA-256 (collisions only serialise more). */
const recordLock = (recordKey: string): AdvisoryLock => ({ namespace: RESOLVE_LOCK, key: createHash('sha256').update(recordKey).digest().readInt32BE(0) });

/** A blocking key's lock: the low 32 bits of its digest (already a keyed hash). */
const blockLock = (digest: string): AdvisoryLock => ({ namespace: BLOCK_LOCK, key: Number(BigInt.asIntN(32, BigInt(digest))) });

/** The blocking-key digests of a record. */
const digestsOf = (ctx: ResolveContext, record: IndexedRecord): string[] => [...new Set(ctx.engine.blockingKeys(record).map((k) => ctx.codec.digest(k)))];

/**
 * Take every lock the resolutions of these records need, in one global order, in one statement.
 * A Function Scan over unnest yields its rows in array order, so the locks are taken as sorted.
 */
async function lockResolutions(ctx: ResolveContext, sql: Sql, inputs: readonly ResolveInput[]): Promise<void> {
  const unique = new Map<string, AdvisoryLock>();
  for (const input of inputs) {
    for (const lock of [recordLock(input.recordKey), ...digestsOf(ctx, { ...input.record, id: input.recordKey }).map(blockLock)]) unique.set(`${lock.namespace}:${lock.key}`, lock);
  }
  const locks = [...unique.values()].sort((a, b) => a.namespace - b.namespace || a.key - b.key);
  if (locks.length === 0) return;
  await sql.query('SELECT count(pg_advisory_xact_lock(l.ns, l.k)) FROM unnest($1::int[], $2::int[]) AS l (ns, k)', [locks.map((l) => String(l.namespace)), locks.map((l) => String(l.key))]);
}

interface ExistingRow {
  id: number;
  hub_person_id: string;
  outcome: LinkOutcome;
  score: number | null;
  evidence: unknown;
  possible_match_id: string | null;
}

const NO_SEARCH = (keys: number): CandidateReport => ({ keys, commonKeys: 0, ignoredKeys: 0, found: 0, compared: 0 });

/** The answer for a record already indexed, from its stored link. */
function existingResolution(row: ExistingRow): Resolution {
  const evidence = EvidenceList.safeParse(row.evidence);
  const base = { hubPersonId: row.hub_person_id, score: row.score, evidence: evidence.success ? evidence.data : [], candidates: NO_SEARCH(0) };
  switch (row.outcome) {
    case 'match':
    case 'confirmed':
      return { ...base, outcome: 'match' };
    case 'possible':
      return { ...base, outcome: 'possible', ...(row.possible_match_id === null ? {} : { possibleMatchId: row.possible_match_id }) };
    case 'new':
    case 'rejected':
      return { ...base, outcome: 'new' };
    default:
      return row.outcome satisfies never;
  }
}

/** A candidate hub person and its record that compared best. */
interface RankedPerson {
  readonly person: string;
  readonly recordId: number;
  readonly comparison: PairComparison;
}

/** The best comparison per hub person, best person first. */
function compareCandidates(ctx: ResolveContext, record: IndexedRecord, rows: readonly CandidateRow[]): RankedPerson[] {
  const best = new Map<string, RankedPerson>();
  for (const row of rows) {
    const comparison = ctx.engine.compare(record, ctx.codec.openRecord(row.recordKey, row.sealedRecord));
    const known = best.get(row.hubPersonId);
    if (known === undefined || comparison.score > known.comparison.score) best.set(row.hubPersonId, { person: row.hubPersonId, recordId: row.id, comparison });
  }
  return [...best.values()].sort((a, b) => b.comparison.score - a.comparison.score);
}

/** A practitioner's standing decisions about a record key: the person confirmed, the persons rejected. */
async function decisionsFor(sql: Sql, recordKey: string): Promise<{ confirmed: { person: string; by: string } | undefined; rejected: string[] }> {
  const rows = await sql.query<{ hub_person_id: string; decision: 'confirmed' | 'rejected'; decided_by: string }>(
    `SELECT d.hub_person_id, d.decision, d.decided_by FROM person_pair_decisions AS d
     WHERE d.record_key = $1 ORDER BY d.decided_at DESC, d.id`,
    [recordKey],
  );
  const latest = new Map<string, { decision: 'confirmed' | 'rejected'; by: string }>();
  for (const row of rows) if (!latest.has(row.hub_person_id)) latest.set(row.hub_person_id, { decision: row.decision, by: row.decided_by });
  let confirmed: { person: string; by: string } | undefined;
  const rejected: string[] = [];
  for (const [person, d] of latest) {
    if (d.decision === 'rejected') rejected.push(person);
    else confirmed ??= { person, by: d.by };
  }
  return { confirmed, rejected };
}

/** The persons to judge the record against, best first: a confirmed person's records, or the blocking candidates minus rejected persons. */
async function rankCandidates(
  ctx: ResolveContext,
  sql: Sql,
  record: IndexedRecord,
  digests: readonly string[],
): Promise<{ ranked: RankedPerson[]; report: CandidateReport; confirmedBy: string | undefined }> {
  const decisions = await decisionsFor(sql, record.id);
  if (decisions.confirmed !== undefined) {
    const rows = await recordsOfPerson(sql, decisions.confirmed.person, ctx.limits.maxCandidates);
    // A practitioner said this record is that person: link, with the evidence of its best record
    // (unless retention has since forgotten all its records: then search as usual).
    if (rows.length > 0) return { ranked: compareCandidates(ctx, record, rows), report: { ...NO_SEARCH(digests.length), found: rows.length, compared: rows.length }, confirmedBy: decisions.confirmed.by };
  }
  const search = await searchCandidates(sql, digests, ctx.limits, decisions.rejected);
  return {
    ranked: compareCandidates(ctx, record, search.rows),
    report: { keys: digests.length, commonKeys: search.commonKeys, ignoredKeys: search.ignoredKeys, found: search.found, compared: search.rows.length },
    confirmedBy: undefined,
  };
}

// One statement writes everything a resolution creates; foreign keys are checked at its end.
const WRITE = `
WITH person AS (
  INSERT INTO hub_persons (id, created_at) SELECT $1::uuid, $6 WHERE $7::boolean RETURNING id
), rec AS (
  INSERT INTO person_index_records (record_key, first_referral_id, sealed_record, key_digests, created_at)
  VALUES ($2, $3, $4, $5::bigint[], $6) RETURNING id
), keys AS (
  INSERT INTO person_index_keys (digest, record_id) SELECT d, rec.id FROM rec, unnest($5::bigint[]) AS d ON CONFLICT DO NOTHING
), seen AS (
  INSERT INTO person_index_sightings (record_id, referral_id, seen_at) SELECT rec.id, $3, $6 FROM rec
), link AS (
  INSERT INTO person_links (record_id, hub_person_id, outcome, score, evidence, matched_record_id, decided_by, linked_at)
  SELECT rec.id, $1::uuid, $8, $9, $10::jsonb, $11::bigint, $12, $6 FROM rec
), question AS (
  INSERT INTO possible_matches (id, record_id, referral_id, candidate_person_id, candidate_record_id, score, evidence, status, created_at)
  SELECT $13::uuid, rec.id, $3, $14::uuid, $11::bigint, $9, $10::jsonb, 'pending', $6 FROM rec WHERE $13::uuid IS NOT NULL
)
SELECT rec.id::float8 AS id FROM rec`;

/**
 * Resolves records to hub persons, in order, in the caller's transaction (see the header for the
 * rules). Every lock is taken first, so a transaction resolving several records takes them all in
 * the global order.
 */
export async function resolveRecords(ctx: ResolveContext, sql: Sql, inputs: readonly ResolveInput[], at: Date): Promise<Resolution[]> {
  await lockResolutions(ctx, sql, inputs);
  const resolutions: Resolution[] = [];
  for (const input of inputs) resolutions.push(await resolveLocked(ctx, sql, input, at));
  return resolutions;
}

/** Resolves one record to a hub person (see the header for the rules). */
export async function resolveRecord(ctx: ResolveContext, sql: Sql, input: ResolveInput, at: Date): Promise<Resolution> {
  const [resolution] = await resolveRecords(ctx, sql, [input], at);
  if (resolution === undefined) throw new Error('person index: no resolution for the record');
  return resolution;
}

/** One resolution, its locks held. */
async function resolveLocked(ctx: ResolveContext, sql: Sql, input: ResolveInput, at: Date): Promise<Resolution> {
  const existing = await sql.query<ExistingRow>(
    `SELECT r.id::float8 AS id, l.hub_person_id, l.outcome, l.score, l.evidence,
            (SELECT pm.id FROM possible_matches AS pm WHERE pm.record_id = r.id AND pm.status = 'pending' ORDER BY pm.created_at LIMIT 1) AS possible_match_id
     FROM person_index_records AS r JOIN person_links AS l ON l.record_id = r.id
     WHERE r.record_key = $1`,
    [input.recordKey],
  );
  const known = existing[0];
  if (known !== undefined) {
    await sql.query('INSERT INTO person_index_sightings (record_id, referral_id, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [known.id, input.referralId, at]);
    return existingResolution(known);
  }

  const record: IndexedRecord = { ...input.record, id: input.recordKey };
  const digests = digestsOf(ctx, record);
  const { ranked, report, confirmedBy } = await rankCandidates(ctx, sql, record, digests);
  const best = ranked[0];
  const outcome: ResolveOutcome = confirmedBy !== undefined ? 'match' : best === undefined || best.comparison.outcome === 'non-match' ? 'new' : best.comparison.outcome;
  const linkedPerson = outcome === 'match' && best !== undefined ? best.person : newId();
  const possibleMatchId = outcome === 'possible' ? newId() : null;
  const evidence: readonly MatchEvidence[] = best?.comparison.evidence ?? [];
  const linkOutcome: LinkOutcome = confirmedBy !== undefined ? 'confirmed' : outcome;
  await sql.query(WRITE, [
    linkedPerson,
    input.recordKey,
    input.referralId,
    ctx.codec.sealRecord(input.recordKey, record),
    digests,
    at,
    outcome !== 'match',
    linkOutcome,
    best?.comparison.score ?? null,
    JSON.stringify(evidence),
    best === undefined || outcome === 'new' ? null : String(best.recordId),
    confirmedBy ?? null,
    possibleMatchId,
    outcome === 'possible' && best !== undefined ? best.person : null,
  ]);
  return {
    hubPersonId: linkedPerson,
    outcome,
    score: best?.comparison.score ?? null,
    evidence,
    ...(possibleMatchId === null ? {} : { possibleMatchId }),
    candidates: report,
  };
}
