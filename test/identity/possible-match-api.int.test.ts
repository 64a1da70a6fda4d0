/**
 * A possible match can be confirmed or rejected through the API, the decision
 * is kept (with who and why, in the audit log and the index), and later referrals respect it.
 * A person-index question is listed to, and decided by, whoever may see its record: the owning
 * agency's practitioner, and the hub manager only once the owner revealed the record
 * (docs/decisions.md "Trusted identifiers separate; ambiguous candidates go to a practitioner").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agency } from '../../src/model/agency.ts';
import { IndexedRecord } from '../../src/model/person-index.ts';
import { startFirewallHarness, type FirewallHarness } from '../case/harness.ts';
import { STORE_KINDS } from '../support/stores.ts';

describe.each(STORE_KINDS)('possible matches on $name', (kind) => {
  let harness: FirewallHarness;
  const EDUCATION = { role: 'hub-practitioner', agency: 'education' } as const;
  const HOUSING = { role: 'hub-practitioner', agency: 'housing' } as const;
  let first: string;
  let later: string;

  const claire = IndexedRecord.parse({ id: 'health-1', given: ['Claire', 'Louise'], family: 'Smith', birthDate: '1991-02-17', sex: 'female', addressLines: ['14 Alder Grove'], postcode: 'WF13 2QP', town: 'Dewsbury', nhsNumber: '9990001112' });
  // The school's contact record: no birth date, so the index can only possibly match it.
  const contact = IndexedRecord.parse({ id: 'education-7', given: ['Claire'], family: 'Smith', sex: 'female', addressLines: ['14 Alder Grove'], postcode: 'WF13 2QP', town: 'Dewsbury' });
  const otherContact = IndexedRecord.parse({ id: 'housing-3', given: ['Claire'], family: 'Smith', addressLines: ['14 Alder Grove'], postcode: 'WF13 2QP' });

  beforeAll(async () => {
    harness = await startFirewallHarness({ store: kind });
    first = (await harness.seedReferral(['health', 'education', 'housing'])).referralId;
    later = (await harness.seedReferral(['health', 'education', 'housing'])).referralId;
  }, 60_000);

  afterAll(async () => {
    await harness.close();
  });

  const resolve = (referralId: string, recordKey: string, record: IndexedRecord) =>
    harness.db.transaction((tx) => harness.personIndex.resolve(tx, { recordKey, referralId, record }, harness.clock.now()));

  type Reader = { role: 'hub-manager' | 'host-system' } | { role: 'hub-practitioner'; agency: Agency };
  const MANAGER: Reader = { role: 'hub-manager' };
  const tokenOf = (reader: Reader): Promise<string> => harness.token(reader.role, reader.role === 'hub-practitioner' ? reader.agency : undefined);

  async function decide(matchId: string, decision: 'confirm' | 'reject', by: Reader = MANAGER): Promise<Response> {
    return harness.app.request(`/v1/referrals/${first}/possible-matches/${matchId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenOf(by)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ decision, reason: decision === 'reject' ? 'Different Claire: the school contact is the grandmother.' : 'Same person: the GP confirms the address.' }),
    });
  }

  async function pendingInPicture(referralId: string, reader: Reader = MANAGER): Promise<{ id: string; kind: string; agency: string; score: number }[]> {
    const response = await harness.app.request(`/v1/referrals/${referralId}/picture`, { headers: { authorization: `Bearer ${await tokenOf(reader)}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { possibleMatches: { id: string; kind: string; agency: string; score: number }[] }).possibleMatches;
  }

  describe('possible matches through the API', () => {
    it('lists a possible match in the picture, refuses the host, and records a rejection with who and why', async () => {
      const known = await resolve(first, 'health:health-sim:Patient/pat-1', claire);
      expect(known.outcome).toBe('new');
      const possible = await resolve(first, 'education:education-sim:Contact/PUP1/1', contact);
      expect(possible.outcome).toBe('possible');
      const pending = await pendingInPicture(first, EDUCATION);
      expect(pending).toHaveLength(1);
      // With the version of the person index's model that scored it (the prior, 0, before any estimation).
      expect(pending[0]).toMatchObject({ kind: 'person-index', agency: 'education', modelVersion: 0 });
      // Not revealed by its owner: not the manager's, nor another agency's, to see or decide.
      expect(await pendingInPicture(first)).toEqual([]);
      expect(await pendingInPicture(first, HOUSING)).toEqual([]);
      expect((await decide(pending[0]!.id, 'reject', MANAGER)).status).toBe(403);
      expect((await decide(pending[0]!.id, 'reject', HOUSING)).status).toBe(403);

      expect((await decide(pending[0]!.id, 'reject', { role: 'host-system' })).status).toBe(403);
      const rejected = await decide(pending[0]!.id, 'reject', EDUCATION);
      expect(rejected.status).toBe(200);
      expect(await rejected.json()).toMatchObject({ kind: 'person-index', decision: 'rejected' });
      expect(await pendingInPicture(first, EDUCATION)).toHaveLength(0);
      expect((await decide(pending[0]!.id, 'confirm')).status).toBe(404);

      const audit = await harness.db.query<{ actor: string; detail: string }>("SELECT actor, detail FROM audit_log WHERE action = 'identity.match-decided' AND referral_id = $1", [first]);
      expect(audit).toHaveLength(1);
      expect(audit[0]?.actor).toBe('test-hub-practitioner-education');
      expect(JSON.parse(audit[0]!.detail)).toMatchObject({ decision: 'rejected' });
      expect(await harness.personIndex.reasonOf(harness.db, pending[0]!.id)).toBe('Different Claire: the school contact is the grandmother.');
    });

    it('respects the rejection in a later referral: the record is never linked to that person', async () => {
      const again = await resolve(later, 'education:education-sim:Contact/PUP1/1', contact);
      const claireAgain = await resolve(later, 'health:health-sim:Patient/pat-1', claire);
      expect(again.hubPersonId).not.toBe(claireAgain.hubPersonId);
      expect(await pendingInPicture(later)).toEqual([]);
    });

    it('confirms another possible match: the record joins the person, now and in later referrals', async () => {
      const possible = await resolve(first, 'housing:housing-sim:Person/HPR-3', otherContact);
      expect(possible.outcome).toBe('possible');
      const pending = await pendingInPicture(first, HOUSING);
      const confirmed = await decide(pending[0]!.id, 'confirm', HOUSING);
      expect(confirmed.status).toBe(200);
      const body = (await confirmed.json()) as { decision: string; hubPersonId: string };
      expect(body.decision).toBe('confirmed');
      const claireNow = await resolve(later, 'health:health-sim:Patient/pat-1', claire);
      expect(body.hubPersonId).toBe(claireNow.hubPersonId);
      const seenLater = await resolve(later, 'housing:housing-sim:Person/HPR-3', otherContact);
      expect(seenLater.hubPersonId).toBe(claireNow.hubPersonId);
    });
  });
});
