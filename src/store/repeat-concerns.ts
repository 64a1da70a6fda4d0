/**
 * Notifications about a child, counted over the hub person index (DESIGN.md rule 1, "one front
 * door"; docs/decisions.md "Repeat concerns: notifications about a child, counted over the person
 * index"): for each child a referral names, the referrals in the window ending at its receipt whose
 * own child's records are linked to the same hub person.
 *
 * Why at read time, in one SQL statement: the count depends on other referrals — an earlier one
 * whose research completes later, a possible match a practitioner confirms (the persons merge) or
 * rejects (they stay apart) — so a stored flag would go stale; read from the links as they stand,
 * it is always the index's current answer. Every step is an index range: the referral's sightings
 * (primary key), the persons' links (`person_links_by_person`), their records' sightings
 * (`person_index_sightings_by_record`) and the referrals by id. No personal data is read.
 */
import type { Notification, RepeatConcernRule } from '../model/repeat-concern.ts';
import type { Sql } from './db.ts';

/** One child of a referral and the notifications about it in the window, oldest first (the referral's own included). */
export interface ChildNotifications {
  readonly referralId: string;
  readonly subjectRef: string;
  readonly notifications: readonly Notification[];
}

// `target` is the referrals asked about, with their receipt and child refs; the window is the
// `months` calendar months (counted in UTC) ending at each one's receipt, both ends included.
const NOTIFICATIONS = (target: string): string => `
WITH target AS (${target}),
mine AS (
  SELECT DISTINCT t.id AS referral_id, t.received_at AS anchor, s.subject_ref, l.hub_person_id
    FROM target AS t
    JOIN person_index_sightings AS s ON s.referral_id = t.id AND s.subject_ref = ANY (t.child_refs)
    JOIN person_links AS l ON l.record_id = s.record_id
)
SELECT DISTINCT m.referral_id, m.subject_ref, r.id AS other_id, r.received_at, r.referrer_agency
  FROM mine AS m
  JOIN person_links AS l ON l.hub_person_id = m.hub_person_id
  JOIN person_index_sightings AS s ON s.record_id = l.record_id
  JOIN referrals AS r ON r.id = s.referral_id AND s.subject_ref = ANY (r.child_refs)
 WHERE r.received_at <= m.anchor
   AND r.received_at >= ((m.anchor AT TIME ZONE 'UTC') - make_interval(months => $1::int)) AT TIME ZONE 'UTC'
 ORDER BY m.referral_id, m.subject_ref, r.received_at, r.id`;

interface Row {
  referral_id: string;
  subject_ref: string;
  other_id: string;
  received_at: Date;
  referrer_agency: string | null;
}

const grouped = (rows: readonly Row[]): ChildNotifications[] => {
  const byChild = new Map<string, { referralId: string; subjectRef: string; notifications: Notification[] }>();
  for (const row of rows) {
    const key = `${row.referral_id}\u0000${row.subject_ref}`;
    const child = byChild.get(key) ?? { referralId: row.referral_id, subjectRef: row.subject_ref, notifications: [] };
    child.notifications.push({ referralId: row.other_id, receivedAt: new Date(row.received_at), agency: row.referrer_agency });
    byChild.set(key, child);
  }
  return [...byChild.values()];
};

/** The notifications about each child of one referral within `months` ending at its receipt. */
export async function childNotifications(sql: Sql, referralId: string, months: number): Promise<ChildNotifications[]> {
  const rows = await sql.query<Row>(NOTIFICATIONS('SELECT id, received_at, child_refs FROM referrals WHERE id = $2::uuid'), [months, referralId]);
  return grouped(rows);
}

/** The same for every referral received in [from, to): the performance report's repeat concerns. */
export async function childNotificationsReceived(sql: Sql, from: Date, to: Date, months: number): Promise<ChildNotifications[]> {
  const rows = await sql.query<Row>(NOTIFICATIONS('SELECT id, received_at, child_refs FROM referrals WHERE received_at >= $2 AND received_at < $3'), [months, from, to]);
  return grouped(rows);
}


/**
 * A condition on referral `alias` (a row of `referrals`): whether it is a repeat concern under the
 * rule — some child it names has at least `notifications` referrals from at least `agencies`
 * named agencies in the window. The same counting as above, for a list's WHERE clause; `param`
 * binds each value and returns its placeholder.
 */
export function repeatConcernCondition(alias: string, rule: RepeatConcernRule, param: (value: number) => string): string {
  return `EXISTS (
    SELECT 1
      FROM person_index_sightings AS rc_s
      JOIN person_links AS rc_l ON rc_l.record_id = rc_s.record_id
      JOIN person_links AS rc_l2 ON rc_l2.hub_person_id = rc_l.hub_person_id
      JOIN person_index_sightings AS rc_s2 ON rc_s2.record_id = rc_l2.record_id
      JOIN referrals AS rc_r ON rc_r.id = rc_s2.referral_id AND rc_s2.subject_ref = ANY (rc_r.child_refs)
     WHERE rc_s.referral_id = ${alias}.id AND rc_s.subject_ref = ANY (${alias}.child_refs)
       AND rc_r.received_at <= ${alias}.received_at
       AND rc_r.received_at >= ((${alias}.received_at AT TIME ZONE 'UTC') - make_interval(months => ${param(rule.windowMonths)}::int)) AT TIME ZONE 'UTC'
     GROUP BY rc_s.subject_ref
    HAVING count(DISTINCT rc_r.id) >= ${param(rule.minNotifications)} AND count(DISTINCT rc_r.referrer_agency) >= ${param(rule.minAgencies)})`;
}
