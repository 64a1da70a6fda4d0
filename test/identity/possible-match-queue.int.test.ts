/**
 * The review queue of possible matches on both stores (PGlite and PostgreSQL), through the app
 * in-process: subject-level questions (Sam Smith against the PDS fuzzy multi-match, five health
 * candidates, one revealed by its owner) and a person-index question (a GP's contact record the
 * index can only possibly match to a hub person) listed across referrals to whoever may decide each —
 * oldest question first, then the referral due soonest, then the id — and decided from the queue
 * (docs/decisions.md "A review queue of possible matches across referrals"). The migration that
 * gives subject-level questions their id in SQL computes the id the API uses.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agency } from '../../src/model/agency.ts';
import { subjectMatchId } from '../../src/model/identity.ts';
import { IndexedRecord } from '../../src/model/person-index.ts';
import { splitStatements } from '../../src/store/migrate.ts';
import { startFirewallHarness, type FirewallHarness } from '../case/harness.ts';
import { STORE_KINDS } from '../support/stores.ts';
import { seedCandidateReferral, type CandidateReferral } from './support/sam-smith.ts';

interface Entry {
  id: string;
  kind: string;
  agency: string;
  raisedAt: string;
  referral: { id: string; sla: { dueAt: string } };
  probability: number;
  score: number;
}

describe.each(STORE_KINDS)('the possible-match queue on $name', (kind) => {
  let harness: FirewallHarness;
  let sam: CandidateReferral;
  let indexReferral: string;
  let indexMatch: string;

  type Who = { role: 'hub-manager' | 'host-system' | 'auditor' } | { role: 'hub-practitioner'; agency: Agency };
  const MANAGER: Who = { role: 'hub-manager' };
  const practitioner = (agency: Agency): Who => ({ role: 'hub-practitioner', agency });
  const tokenOf = (who: Who): Promise<string> => harness.token(who.role, who.role === 'hub-practitioner' ? who.agency : undefined);

  async function queue(who: Who, query = ''): Promise<Entry[]> {
    const response = await harness.app.request(`/v1/possible-matches${query}`, { headers: { authorization: `Bearer ${await tokenOf(who)}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { possibleMatches: Entry[] }).possibleMatches;
  }

  const decide = async (who: Who, matchId: string, decision: 'confirm' | 'reject' = 'reject'): Promise<Response> =>
    harness.app.request(`/v1/possible-matches/${matchId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenOf(who)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision, reason: 'Synthetic reason.' }),
    });

  beforeAll(async () => {
    harness = await startFirewallHarness({ store: kind });
    // A person-index question first (the oldest): the GP's contact record has no birth date, so the
    // index can only possibly match it to the mother it already knows from the school.
    indexReferral = (await harness.seedReferral(['health', 'education'])).referralId;
    const resolve = (recordKey: string, record: IndexedRecord) => harness.db.transaction((tx) => harness.personIndex.resolve(tx, { recordKey, referralId: indexReferral, record }, harness.clock.now()));
    await resolve('education:education-sim:Contact/PUP9/1', IndexedRecord.parse({ id: 'education-9', given: ['Claire'], family: 'Smith', birthDate: '1991-02-17', sex: 'female', addressLines: ['14 Alder Grove'], postcode: 'WF13 2QP', nhsNumber: '9990001112' }));
    const possible = await resolve('health:health-sim:RelatedPerson/rp-9', IndexedRecord.parse({ id: 'health-9', given: ['Claire'], family: 'Smith', sex: 'female', addressLines: ['14 Alder Grove'], postcode: 'WF13 2QP' }));
    expect(possible.outcome).toBe('possible');
    harness.clock.advance(60_000);
    sam = await seedCandidateReferral(harness);
    // The owner reveals one candidate: the manager may decide that one.
    await harness.db.query('UPDATE facts SET revealed_at = $2, revealed_by = $3 WHERE id = $1', [sam.candidates[0]!.personFactId, harness.clock.now(), 'test-hub-practitioner-health']);
  }, 120_000);

  afterAll(async () => {
    await harness.close();
  });

  it('gives subject-level questions in SQL the id the API uses, the migration included', async () => {
    const stored = await harness.db.query<{ lookup_id: string; person_ref: string; match_id: string }>('SELECT lookup_id, person_ref, match_id FROM subject_matches WHERE referral_id = $1', [sam.referralId]);
    expect(stored.length).toBeGreaterThanOrEqual(5);
    for (const row of stored) expect(row.match_id).toBe(subjectMatchId(row.lookup_id, row.person_ref));
    // The migration's backfill of rows from before, run again over these rows.
    const backfill = splitStatements(readFileSync(new URL('../../src/store/migrations/020_possible_match_queue.sql', import.meta.url), 'utf8')).find((s) => s.trim().startsWith('UPDATE subject_matches'));
    expect(backfill).toBeDefined();
    await harness.db.query("UPDATE subject_matches SET match_id = 'smt_x' || lookup_id || person_ref WHERE referral_id = $1", [sam.referralId]);
    await harness.db.query(backfill ?? '');
    const again = await harness.db.query<{ lookup_id: string; person_ref: string; match_id: string }>('SELECT lookup_id, person_ref, match_id FROM subject_matches WHERE referral_id = $1', [sam.referralId]);
    for (const row of again) expect(row.match_id).toBe(subjectMatchId(row.lookup_id, row.person_ref));
  });

  it('lists each question to whoever may decide it, oldest first, then by due time and id', async () => {
    const health = await queue(practitioner('health'));
    const ids = sam.candidates.map((c) => subjectMatchId(sam.healthLookupId, c.personRef));
    // Across referrals, oldest question first: the person-index one was raised a minute earlier;
    // Sam Smith's five, raised together in one referral, by id.
    expect(health.map((e) => [e.kind, e.referral.id])).toEqual([['person-index', indexReferral], ...Array.from({ length: 5 }, () => ['subject', sam.referralId])]);
    indexMatch = health[0]!.id;
    expect(health.slice(1).map((e) => e.id)).toEqual([...ids].sort());
    expect(Date.parse(health[0]!.raisedAt)).toBeLessThan(Date.parse(health[1]!.raisedAt));
    expect(health.every((e) => e.agency === 'health')).toBe(true);
    // The index keeps a score; its probability follows from the log2 odds.
    expect(health[0]!.probability).toBeCloseTo(1 / (1 + 2 ** -health[0]!.score), 10);

    // The manager: only the revealed candidate; another agency, nothing.
    expect((await queue(MANAGER)).map((e) => e.id)).toEqual([ids[0]]);
    expect(await queue(practitioner('education'))).toEqual([]);
    expect(await queue(practitioner('police'))).toEqual([]);
    expect(await queue(practitioner('housing'))).toEqual([]);
    expect((await queue(practitioner('health'), '?kind=person-index')).map((e) => e.id)).toEqual([indexMatch]);
    expect((await queue(practitioner('health'), `?referral=${sam.referralId}&limit=2`)).map((e) => e.id)).toEqual([...ids].sort().slice(0, 2));
    // Pages follow the same order, the keyset cursor across both kinds and both referrals.
    const paged: string[] = [];
    let cursor: string | null = '';
    for (let n = 0; cursor !== null && n < 10; n += 1) {
      const response = await harness.app.request(`/v1/possible-matches?limit=4${cursor === '' ? '' : `&cursor=${encodeURIComponent(cursor)}`}`, { headers: { authorization: `Bearer ${await tokenOf(practitioner('health'))}` } });
      const body = (await response.json()) as { possibleMatches: Entry[]; next: string | null };
      paged.push(...body.possibleMatches.map((e) => e.id));
      cursor = body.next;
    }
    expect(paged).toEqual(health.map((e) => e.id));
  });

  it('decides from the queue: 404 and an audited denial for a match the caller may not decide, 409 once decided', async () => {
    const unrevealed = subjectMatchId(sam.healthLookupId, sam.candidates[1]!.personRef);
    const hidden = await decide(MANAGER, unrevealed);
    expect(hidden.status).toBe(404);
    expect(((await hidden.json()) as { code: string }).code).toBe('MATCH.NOT_FOUND');
    const denied = await harness.db.query<{ subject: string }>("SELECT subject FROM audit_log WHERE action = 'access.denied' AND subject = $1", [unrevealed]);
    expect(denied).toHaveLength(1);
    expect((await decide(practitioner('education'), indexMatch)).status).toBe(404);

    const rejected = await decide(practitioner('health'), indexMatch);
    expect(rejected.status).toBe(200);
    expect(await rejected.json()).toMatchObject({ matchId: indexMatch, referralId: indexReferral, kind: 'person-index', decision: 'rejected' });
    const again = await decide(practitioner('health'), indexMatch, 'confirm');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('MATCH.ALREADY_DECIDED');
    expect((await queue(practitioner('health'))).map((e) => e.kind)).toEqual(Array(5).fill('subject'));
    const audit = await harness.db.query<{ actor: string }>("SELECT actor FROM audit_log WHERE action = 'identity.match-decided' AND subject = $1", [indexMatch]);
    expect(audit.map((a) => a.actor)).toEqual(['test-hub-practitioner-health']);

    const confirmed = await decide(practitioner('health'), unrevealed, 'confirm');
    expect(confirmed.status).toBe(200);
    // Confirming one candidate rejects the others (different NHS numbers), as within the referral.
    expect(((await confirmed.json()) as { alsoRejected: string[] }).alsoRejected).toHaveLength(4);
    expect(await queue(practitioner('health'))).toEqual([]);
    expect(await queue(MANAGER)).toEqual([]);
  });
});
