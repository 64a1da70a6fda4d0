/**
 * Repeat concerns over the person index (DESIGN.md rule 1; docs/decisions.md "Repeat concerns:
 * notifications about a child, counted over the person index"), on both stores: a referral counts
 * as a notification about a child only through records matched to a subject it names as a child;
 * a practitioner's answer to a possible match is respected — a confirmed record's referral is
 * counted (the persons merged), a rejected one's never, also when the record is seen again; and a
 * viewer sees an earlier referral's id only when the policy lets them read it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { repeatConcernFor } from '../../src/case/repeat-concern.ts';
import { createMatcher, createPersonIndex, defaultModel, type PersonIndex } from '../../src/identity/index.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { IndexedRecord } from '../../src/model/person-index.ts';
import type { Principal } from '../../src/model/principal.ts';
import { normaliseReferrerAgency } from '../../src/model/repeat-concern.ts';
import type { Db } from '../../src/store/db.ts';
import { createPersonIndexStore, deriveIndexKey } from '../../src/store/person-index.ts';
import { childNotifications } from '../../src/store/repeat-concerns.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';

const NOW = new Date('2026-11-20T10:00:00Z');
const monthsAgo = (months: number): Date => new Date(Date.UTC(NOW.getUTCFullYear(), NOW.getUTCMonth() - months, NOW.getUTCDate(), 10));

// Synthetic people. The child as three agencies hold her (one person), and a namesake: same
// names, a birth date ten days apart, another address — a possible match, which only a
// practitioner can settle.
const child = { given: ['Maisie', 'Ann'], family: 'Threlfall', birthDate: '2016-05-02', sex: 'female', addressLines: ['7 Ferncliffe Road'], postcode: 'BD16 2AT', town: 'Bingley' } as const;
const childRecords: Record<'health' | 'education' | 'police', IndexedRecord> = {
  health: { id: 'x', ...child, given: [...child.given], addressLines: [...child.addressLines] },
  education: { id: 'x', ...child, given: ['Maisie'], addressLines: [...child.addressLines] },
  police: { id: 'x', ...child, given: ['Maisie', 'Ann'], addressLines: [...child.addressLines] },
};
const namesake: IndexedRecord = { id: 'x', given: ['Maisie'], family: 'Threlfall', birthDate: '2016-05-12', sex: 'female', addressLines: ['40 Moss Street'], postcode: 'BD16 4QQ', town: 'Bingley' };

const manager: Principal = { sub: 'manager-1', role: 'hub-manager' };
const healthPractitioner: Principal = { sub: 'practitioner-health', role: 'hub-practitioner', agency: 'health' };
const intake: Principal = { sub: 'front-door', role: 'referral-intake' };

/** A referral row as intake writes its clear columns (received, referrer normalised, child refs), with lookups of the given agencies. */
async function referral(db: Db, receivedAt: Date, referrer: string, childRefs: readonly string[], lookupAgencies: readonly Agency[]): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO referrals (id, status, rag, threshold, received_at, sla_due_at, sla_at_risk_at, submitted_by, sealed_body, referrer_agency, child_refs)
     VALUES ($1, 'picture-ready', 'amber', 'child-in-need', $2, $2, $2, 'test', '\\x00'::bytea, $3, $4::text[])`,
    [id, receivedAt, normaliseReferrerAgency(referrer), [...childRefs]],
  );
  for (const agency of lookupAgencies) {
    await db.query(`INSERT INTO lookups (id, referral_id, connector_id, agency, subject_ref, status) VALUES ($1, $2, $3, $3, 'c1', 'done')`, [`lk-${randomUUID()}`, id, agency]);
  }
  return id;
}

function newIndex(): PersonIndex {
  return createPersonIndex({ store: createPersonIndexStore(deriveIndexKey(randomBytes(32))), matcher: createMatcher(defaultModel()) });
}

describe.each(STORE_KINDS)('repeat concerns on $name', (kind) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** A store with three referrals about the child (police 8 months ago, a school 4 months ago naming the namesake, NHS now) and one about another child. */
  async function scenario() {
    const store = await openTestStore(kind);
    close = store.close;
    const { db } = store;
    const index = newIndex();
    const link = (referralId: string, recordKey: string, record: IndexedRecord, subjectRef: string) =>
      db.transaction(async (tx) => index.resolve(tx, { recordKey, referralId, subjectRef, record }, NOW));

    const first = await referral(db, monthsAgo(8), 'police', ['c1'], ['police']);
    const person = (await link(first, 'health:gp:H-1', childRecords.health, 'c1')).hubPersonId;
    const second = await referral(db, monthsAgo(4), 'School', ['c1'], ['health']);
    const possible = await link(second, 'education:school:E-9', namesake, 'c1');
    expect(possible.outcome).toBe('possible');
    // A referral about someone else, in which the child's record came up as a household member's: not a notification about her.
    const aboutSibling = await referral(db, monthsAgo(2), 'housing', ['c1'], ['housing']);
    expect((await link(aboutSibling, 'police:pnd:P-4', childRecords.police, 'hh-2')).hubPersonId).toBe(person);
    const third = await referral(db, NOW, ' NHS ', ['c1'], ['health']);
    expect((await link(third, 'education:school:E-1', childRecords.education, 'c1')).hubPersonId).toBe(person);
    return { db, index, first, second, third, possible };
  }

  it('counts only child subjects, and a pending possible match not at all', async () => {
    const { db, first, third } = await scenario();
    const [only] = await childNotifications(db, third, 12);
    expect(only?.notifications.map((n) => [n.referralId, n.agency])).toEqual([
      [first, 'police'],
      [third, 'health'],
    ]);
    expect(await repeatConcernFor({ db }, manager, third)).toMatchObject({ flagged: false, notifications: 2, agencies: ['health', 'police'] });
  });

  it('counts the referral of a record a practitioner confirmed as the child', async () => {
    const { db, index, first, second, third, possible } = await scenario();
    const decided = await db.transaction((tx) => index.decidePossibleMatch(tx, possible.possibleMatchId ?? '', { decision: 'confirm', by: 'practitioner-education', reason: 'Same pupil' }, NOW));
    expect(decided.ok).toBe(true);

    expect(await repeatConcernFor({ db }, manager, third)).toEqual({
      flagged: true,
      subjectRef: 'c1',
      notifications: 3,
      agencies: ['education', 'health', 'police'],
      windowMonths: 12,
      minNotifications: 3,
      minAgencies: 2,
      earlier: [
        { referralId: first, receivedAt: monthsAgo(8).toISOString(), agency: 'police' },
        { referralId: second, receivedAt: monthsAgo(4).toISOString(), agency: 'education' },
      ],
    });
    // Need to know: the health practitioner reads the second referral (health looked it up), not
    // the first: that one shows its date and agency, not its id. The front door sees none of it.
    const seen = await repeatConcernFor({ db }, healthPractitioner, third);
    expect(seen?.earlier.map((e) => e.referralId)).toEqual([null, second]);
    expect(seen?.earlier.map((e) => e.agency)).toEqual(['police', 'education']);
    expect(await repeatConcernFor({ db }, intake, third)).toBeNull();
    // Anchored at each referral's receipt: the second, four months ago, had two notifications.
    expect(await repeatConcernFor({ db }, manager, second)).toMatchObject({ flagged: false, notifications: 2 });
  });

  it('never counts the referral of a record a practitioner rejected, also when it is seen again', async () => {
    const { db, index, third, possible } = await scenario();
    const decided = await db.transaction((tx) => index.decidePossibleMatch(tx, possible.possibleMatchId ?? '', { decision: 'reject', by: 'practitioner-education', reason: 'A cousin' }, NOW));
    expect(decided.ok).toBe(true);
    // The namesake referred again, by social care: her own person, not the child's.
    const fourth = await referral(db, monthsAgo(1), "Children's Social Care", ['c1'], ['social-care']);
    await db.transaction((tx) => index.resolve(tx, { recordKey: 'education:school:E-9', referralId: fourth, subjectRef: 'c1', record: namesake }, NOW));

    expect(await repeatConcernFor({ db }, manager, third)).toMatchObject({ flagged: false, notifications: 2, agencies: ['health', 'police'] });
    expect(await repeatConcernFor({ db }, manager, fourth)).toMatchObject({ flagged: false, notifications: 2, agencies: ['education', 'social-care'] });
  });
});
