/**
 * The review queue's reads: every possible match still waiting for a practitioner, across the open
 * referrals, oldest question first — subject-level ones ("is this agency record the referral's
 * subject?", `subject_matches`) and person-index ones ("is this record the hub person known from
 * other records?", `possible_matches`) — with the referral's clear columns (RAG, SLA) and what the
 * policy needs to decide on each row. Nothing sealed is read: ids, agencies, reveal times, scores
 * and evidence levels only (docs/decisions.md "A review queue of possible matches across referrals").
 *
 * Who sees a row is the policy's decision (src/case/policy.ts `identity:decide`), asked for every
 * row by the case; `visibleTo` narrows the rows in SQL as the policy would, so that a page is not
 * mostly rows the policy then drops, and the count of what a caller may not see never shapes a page.
 */
import type { Agency } from '../model/agency.ts';
import type { ReferralSummary } from '../model/referral.ts';
import type { Sql, SqlParam } from './db.ts';
import { toReferralSummary, type ReferralSummaryRow } from './referrals.ts';

/** The two kinds of question (src/model/picture.ts `PossibleMatch`). */
export type QuestionKind = 'subject' | 'person-index';

/** One possible match with its referral: clear columns only, and what the policy needs to decide on it. */
export interface QueuedQuestionRow {
  readonly id: string;
  readonly kind: QuestionKind;
  /** The agency that owns the candidate record. */
  readonly agency: string;
  /** Subject-level: the subject the record may be; person-index: the subject the record was sighted for, when known. */
  readonly subjectRef: string | null;
  readonly raisedAt: Date;
  readonly score: number;
  /** Subject-level questions store the model's probability; person-index ones only the score. */
  readonly probability: number | null;
  /** As stored (field, level, weight, …): the case parses it. */
  readonly evidence: unknown;
  /** Whether the owner has revealed the candidate record in this referral. */
  readonly revealed: boolean;
  /** Whether the question is already answered (only ever true for `locateQuestion`). */
  readonly decided: boolean;
  readonly referral: ReferralSummary;
  readonly firstPublishedAt: Date | null;
  readonly contributingAgencies: readonly Agency[];
  readonly assignees: readonly string[];
}

/** Who the rows are narrowed to in SQL, as the policy would: the hub (revealed records), or one agency's practitioner. */
export type QueueVisibility = { readonly kind: 'revealed' } | { readonly kind: 'agency'; readonly agency: Agency; readonly subject: string };

/** What the queue asks for. */
export interface QueueQuery {
  readonly visibleTo: QueueVisibility;
  readonly kind?: QuestionKind | undefined;
  readonly agency?: Agency | undefined;
  readonly referralId?: string | undefined;
  /** Keyset: rows after this (raised at, referral due at, id), in queue order. */
  readonly after?: { readonly raisedAt: Date; readonly dueAt: Date; readonly id: string } | undefined;
  readonly limit: number;
}

/**
 * Every question as one row set. A person-index question is asked about a record, which every
 * referral that sighted it shows (src/store/person-index/referrals.ts `pendingMatches`): the queue
 * lists it once, under the referral that raised it while that one is open, else the earliest open
 * referral that sighted the record. Its candidate is revealed when a person item of that record
 * (record key = agency:connector:source record id; a person fact's person ref is its source record
 * id, src/mapping) is revealed there. `only` narrows to one id of its kind before anything else.
 */
function questions(pendingOnly: boolean, only?: { readonly kind: QuestionKind; readonly param: string }): string {
  const subjectOnly = only === undefined ? '' : only.kind === 'subject' ? `AND m.match_id = ${only.param}` : 'AND false';
  const indexOnly = only === undefined ? '' : only.kind === 'person-index' ? `AND pm.id = ${only.param}::uuid` : 'AND false';
  const decidedSubject = 'EXISTS (SELECT 1 FROM subject_match_decisions d WHERE d.lookup_id = m.lookup_id AND d.person_ref = m.person_ref)';
  return `
    SELECT 'subject'::text AS kind, m.match_id AS id, m.referral_id, l.agency, m.subject_ref, m.raised_at, m.score,
           m.probability, m.evidence, (f.revealed_at IS NOT NULL) AS revealed, ${decidedSubject} AS decided
      FROM subject_matches AS m
      JOIN lookups AS l ON l.id = m.lookup_id
      JOIN LATERAL (SELECT f.revealed_at FROM facts AS f
                     WHERE f.referral_id = m.referral_id AND f.lookup_id = m.lookup_id AND f.person_ref = m.person_ref AND f.kind = 'person'
                     ORDER BY f.id LIMIT 1) AS f ON true
     WHERE m.outcome = 'possible' ${pendingOnly ? `AND NOT ${decidedSubject}` : ''} ${subjectOnly}
    UNION ALL
    SELECT 'person-index'::text, pm.id::text, host.referral_id, split_part(r.record_key, ':', 1), host.subject_ref, pm.created_at, pm.score,
           NULL::float8, pm.evidence,
           EXISTS (SELECT 1 FROM facts AS f JOIN lookups AS fl ON fl.id = f.lookup_id
                    WHERE f.referral_id = host.referral_id AND f.kind = 'person' AND f.revealed_at IS NOT NULL
                      AND fl.agency || ':' || fl.connector_id || ':' || f.person_ref = r.record_key),
           pm.status <> 'pending'
      FROM possible_matches AS pm
      JOIN person_index_records AS r ON r.id = pm.record_id
      JOIN LATERAL (SELECT s.referral_id, s.subject_ref FROM person_index_sightings AS s JOIN referrals AS sr ON sr.id = s.referral_id
                     WHERE s.record_id = pm.record_id AND sr.closed_at IS NULL AND sr.content_destroyed_at IS NULL
                     ORDER BY (s.referral_id = pm.referral_id) DESC, sr.received_at, sr.id LIMIT 1) AS host ON true
     WHERE ${pendingOnly ? "pm.status = 'pending'" : 'true'} ${indexOnly}`;
}

type Row = ReferralSummaryRow & {
  q_id: string;
  kind: QuestionKind;
  agency: string;
  subject_ref: string | null;
  raised_at: Date;
  score: number;
  probability: number | null;
  evidence: unknown;
  revealed: boolean;
  decided: boolean;
  first_published_at: Date | null;
  agencies: Agency[] | null;
  assigned: string[] | null;
};

async function select(sql: Sql, cte: string, where: readonly string[], params: SqlParam[], tail: string): Promise<QueuedQuestionRow[]> {
  const rows = await sql.query<Row>(
    `WITH q AS (${cte})
     SELECT q.id AS q_id, q.kind, q.agency, q.subject_ref, q.raised_at, q.score, q.probability, q.evidence, q.revealed, q.decided,
            r.id, r.status, r.rag, r.threshold, r.received_at, r.sla_due_at, r.sla_at_risk_at, r.picture_ready_at, r.external_reference,
            (SELECT min(p.published_at) FROM products p WHERE p.referral_id = r.id) AS first_published_at,
            ARRAY(SELECT DISTINCT l.agency FROM lookups l WHERE l.referral_id = r.id ORDER BY l.agency) AS agencies,
            ARRAY(SELECT a.subject FROM referral_assignments a WHERE a.referral_id = r.id ORDER BY a.subject) AS assigned
       FROM q JOIN referrals AS r ON r.id = q.referral_id
      WHERE r.closed_at IS NULL AND r.content_destroyed_at IS NULL ${where.map((w) => `AND ${w}`).join(' ')}
      ${tail}`,
    params,
  );
  return rows.map((row) => ({
    id: row.q_id,
    kind: row.kind,
    agency: row.agency,
    subjectRef: row.subject_ref,
    raisedAt: new Date(row.raised_at),
    score: row.score,
    probability: row.probability,
    evidence: row.evidence,
    revealed: row.revealed,
    decided: row.decided,
    referral: toReferralSummary(row),
    firstPublishedAt: row.first_published_at === null ? null : new Date(row.first_published_at),
    contributingAgencies: row.agencies ?? [],
    assignees: row.assigned ?? [],
  }));
}

/** A page of pending questions in queue order: the oldest question first, then the referral due soonest, then the id. */
export async function listQueuedQuestions(sql: Sql, query: QueueQuery): Promise<QueuedQuestionRow[]> {
  const params: SqlParam[] = [];
  const param = (value: SqlParam): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  const visible = query.visibleTo;
  if (visible.kind === 'revealed') where.push('q.revealed');
  else {
    // As the policy: the owning agency's practitioner, in a referral their agency contributed to or they are assigned.
    const agency = param(visible.agency);
    where.push(
      `q.agency = ${agency}`,
      `(EXISTS (SELECT 1 FROM lookups l WHERE l.referral_id = r.id AND l.agency = ${agency})
        OR EXISTS (SELECT 1 FROM referral_assignments a WHERE a.referral_id = r.id AND a.subject = ${param(visible.subject)}))`,
    );
  }
  if (query.kind !== undefined) where.push(`q.kind = ${param(query.kind)}`);
  if (query.agency !== undefined) where.push(`q.agency = ${param(query.agency)}`);
  if (query.referralId !== undefined) where.push(`r.id = ${param(query.referralId)}::uuid`);
  if (query.after !== undefined) {
    where.push(`(q.raised_at, r.sla_due_at, q.id) > (${param(query.after.raisedAt)}::timestamptz, ${param(query.after.dueAt)}::timestamptz, ${param(query.after.id)}::text)`);
  }
  return select(sql, questions(true), where, params, `ORDER BY q.raised_at, r.sla_due_at, q.id LIMIT ${param(query.limit)}`);
}

/** Possible-match ids: `smt_` and 128 bits in hex (subject-level), or a UUID (person index). */
const SUBJECT_ID = /^smt_[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One question by id, pending or decided, in an open referral; undefined when there is none. */
export async function locateQuestion(sql: Sql, matchId: string): Promise<QueuedQuestionRow | undefined> {
  const kind: QuestionKind | undefined = SUBJECT_ID.test(matchId) ? 'subject' : UUID.test(matchId) ? 'person-index' : undefined;
  if (kind === undefined) return undefined;
  const rows = await select(sql, questions(false, { kind, param: '$1' }), [], [matchId], 'LIMIT 1');
  return rows[0];
}
