/**
 * Ambiguous candidates through the HTTP API of the in-process app, over a real embedded store and
 * the real research completion (docs/decisions.md "Trusted identifiers separate; ambiguous
 * candidates go to a practitioner"). A referral about "Sam Smith, born 2000-05-05", without an NHS
 * number, whose health lookup returned the first five PDS sandbox candidates — five people, five
 * valid NHS numbers — each with an A&E attendance and a mother:
 * - none is matched automatically; none of their facts is in the picture or in the product, even
 *   when health has released them; no household search starts from them; none is linked into the
 *   hub person index;
 * - the candidates are listed to the health practitioner (with what is needed to decide), not to
 *   the police practitioner, and not to the manager until health reveals one;
 * - the owner confirms one: its facts join the picture and the product, the four others (other
 *   NHS numbers) are rejected with it, every decision is audited and kept;
 * - rejecting a candidate removes it from the list for good;
 * - across agencies, an education record with yet another NHS number is one more candidate, seen
 *   by education only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/lib/ids.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { PersonFact } from '../../src/model/fact.ts';
import type { Picture, PossibleMatch } from '../../src/model/picture.ts';
import { Product } from '../../src/model/product.ts';
import { subjectMatchDecisionReason } from '../../src/store/identity.ts';
import { startFirewallHarness, type FirewallHarness } from '../case/harness.ts';
import { educationRecordOf, seedCandidateReferral, type CandidateReferral } from './support/sam-smith.ts';

let harness: FirewallHarness;
let main: CandidateReferral;

type Caller = { role: 'hub-manager' } | { role: 'hub-practitioner'; agency: Agency };
const MANAGER: Caller = { role: 'hub-manager' };
const HEALTH: Caller = { role: 'hub-practitioner', agency: 'health' };
const POLICE: Caller = { role: 'hub-practitioner', agency: 'police' };
const EDUCATION: Caller = { role: 'hub-practitioner', agency: 'education' };

async function call(who: Caller, method: string, path: string, body?: unknown): Promise<Response> {
  const token = await harness.token(who.role, who.role === 'hub-practitioner' ? who.agency : undefined);
  return harness.app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function picture(who: Caller, referralId = main.referralId): Promise<Picture> {
  const response = await call(who, 'GET', `/v1/referrals/${referralId}/picture`);
  expect(response.status).toBe(200);
  return (await response.json()) as Picture;
}

const decide = (who: Caller, matchId: string, decision: 'confirm' | 'reject', reason: string, referralId = main.referralId): Promise<Response> =>
  call(who, 'POST', `/v1/referrals/${referralId}/possible-matches/${matchId}`, { decision, reason });

async function publishAndRead(): Promise<Product> {
  const published = await call(MANAGER, 'POST', `/v1/referrals/${main.referralId}/products`, { withholdUndecided: { rationale: 'Owners not yet available.' } });
  expect([200, 201]).toContain(published.status);
  const { productId, version } = (await published.json()) as { productId: string; version: number };
  const read = await call(MANAGER, 'GET', `/v1/products/${productId}?version=${version}`);
  expect(read.status).toBe(200);
  return Product.parse(await read.json());
}

const subjectMatchOf = (matches: readonly PossibleMatch[], personRef: string): PossibleMatch | undefined => matches.find((m) => m.kind === 'subject' && m.candidate?.agencyRecordId === personRef);

const CONFIRM_REASON = 'Same child: the GP practice confirms the NHS number with the referrer.';

beforeAll(async () => {
  harness = await startFirewallHarness();
  main = await seedCandidateReferral(harness);
  const decided = await call(MANAGER, 'POST', `/v1/referrals/${main.referralId}/decision`, { rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic rationale.' });
  expect(decided.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await harness.close();
});

describe('five people match the subject: none is matched automatically', () => {
  it('lists every candidate to the health practitioner, with what is needed to decide, and none of their facts', async () => {
    const view = await picture(HEALTH);
    const subjectLevel = view.possibleMatches.filter((m) => m.kind === 'subject');
    expect(subjectLevel).toHaveLength(5);
    for (const candidate of main.candidates) {
      const listed = subjectMatchOf(subjectLevel, candidate.personRef);
      expect(listed, candidate.personRef).toBeDefined();
      expect(listed).toMatchObject({ agency: 'health', subjectRef: 'child-1', reason: '5 distinct people match this subject' });
      expect(listed?.score).toBeGreaterThan(8);
      expect(listed?.evidence.some((e) => e.field === 'birthDate' && e.level === 'exact')).toBe(true);
      expect(listed?.candidate).toMatchObject({ itemId: candidate.personFactId, birthDate: '2000-05-05', identifiers: [{ system: 'nhs-number', value: candidate.nhsNumber }] });
      expect(listed?.candidate?.names[0]).toMatchObject({ given: ['Sam', expect.any(String)], family: 'Smith' });
    }
    const shown = new Set(view.facts.map((f) => f.id));
    for (const candidate of main.candidates) for (const id of candidate.factIds) expect(shown.has(id), id).toBe(false);
    const child = view.persons.find((p) => p.subjectRef === 'child-1');
    expect(child?.records).toEqual([]);
    expect(child?.awaitingDecision).toEqual([{ agency: 'health', records: 5 }]);
  });

  it('shows no candidate to the police practitioner, nor to the manager while health has revealed none', async () => {
    for (const who of [POLICE, MANAGER]) {
      const view = await picture(who);
      expect(view.possibleMatches).toEqual([]);
      expect(view.facts.filter((f) => f.provenance.agency === 'health')).toEqual([]);
      // The picture still says, per subject, that records await a decision.
      expect(view.persons.find((p) => p.subjectRef === 'child-1')?.awaitingDecision).toEqual([{ agency: 'health', records: 5 }]);
    }
  });

  it('starts no household search from the candidates and links none into the hub person index', async () => {
    expect(main.scheduled).toEqual([]);
    const status = await call(MANAGER, 'GET', `/v1/referrals/${main.referralId}`);
    expect(((await status.json()) as { status: string }).status).toBe('picture-ready');
    expect(await harness.personIndex.personsOfReferral(harness.db, main.referralId)).toEqual([]);
  });

  it('keeps every candidate fact out of the product, even released by health', async () => {
    // Their records (person facts) stay undecided: releasing one would reveal it to the hub (a
    // release reveals), and the next cases need the candidates unrevealed.
    for (const id of main.candidates.flatMap((c) => c.factIds.filter((f) => f !== c.personFactId))) {
      const released = await call(HEALTH, 'PUT', `/v1/referrals/${main.referralId}/items/${id}/release`, { decision: 'release', rationale: 'Relevant if this is the child.' });
      expect(released.status).toBe(200);
    }
    const product = await publishAndRead();
    const text = JSON.stringify(product);
    for (const candidate of main.candidates) {
      expect(text).not.toContain(candidate.nhsNumber);
      for (const id of candidate.factIds) expect(text).not.toContain(id);
    }
  });

  it('lets neither the manager nor the police practitioner decide an unrevealed health candidate', async () => {
    const [first] = (await picture(HEALTH)).possibleMatches;
    for (const who of [MANAGER, POLICE]) {
      const refused = await decide(who, first!.id, 'confirm', 'Looks like him.');
      expect(refused.status).toBe(403);
      expect(((await refused.json()) as { code: string }).code).toBe('FIREWALL.DENIED');
    }
  });

  it('shows the manager a candidate health revealed, and only that one', async () => {
    const second = main.candidates[1]!;
    expect((await call(HEALTH, 'POST', `/v1/referrals/${main.referralId}/items/${second.personFactId}/reveal`)).status).toBe(200);
    const view = await picture(MANAGER);
    expect(view.possibleMatches.map((m) => m.candidate?.agencyRecordId)).toEqual([second.personRef]);
    expect(view.facts.some((f) => f.id === second.personFactId)).toBe(false);
  });
});

describe('the owner confirms one candidate', () => {
  let confirmedId: string;
  let otherIds: string[];

  it('confirms it and rejects the four with other NHS numbers', async () => {
    const listed = (await picture(HEALTH)).possibleMatches;
    const [first, ...others] = main.candidates;
    confirmedId = subjectMatchOf(listed, first!.personRef)!.id;
    otherIds = others.map((c) => subjectMatchOf(listed, c.personRef)!.id);
    const response = await decide(HEALTH, confirmedId, 'confirm', CONFIRM_REASON);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { kind: string; decision: string; subjectRef: string; hubPersonId: string | null; alsoRejected: string[] };
    expect(body).toMatchObject({ kind: 'subject', decision: 'confirmed', subjectRef: 'child-1' });
    expect(body.hubPersonId).toEqual(expect.any(String));
    expect([...body.alsoRejected].sort()).toEqual([...otherIds].sort());
  });

  it('puts its facts in the picture, and none of the others', async () => {
    const [first, ...others] = main.candidates;
    for (const who of [HEALTH, MANAGER]) {
      const view = await picture(who);
      expect(view.possibleMatches).toEqual([]);
      const child = view.persons.find((p) => p.subjectRef === 'child-1');
      expect(child?.awaitingDecision).toEqual([]);
      if (who === HEALTH) {
        const shown = new Set(view.facts.map((f) => f.id));
        // The patient, the attendance and the relationship to the mother (the mother is not Sam).
        expect(first!.factIds.filter((id) => shown.has(id)).length).toBe(3);
        expect(child?.records).toEqual([expect.objectContaining({ agency: 'health', factId: first!.personFactId, outcome: 'confirmed' })]);
        for (const other of others) for (const id of other.factIds) expect(shown.has(id)).toBe(false);
      }
    }
  });

  it('puts its released facts in the product, and none of the others', async () => {
    const [first, ...others] = main.candidates;
    const released = await call(HEALTH, 'PUT', `/v1/referrals/${main.referralId}/items/${first!.personFactId}/release`, { decision: 'release', rationale: 'The child confirmed.' });
    expect(released.status).toBe(200);
    const product = await publishAndRead();
    const items = new Set(product.items.map((i) => i.itemId));
    expect(first!.factIds.filter((id) => items.has(id)).length).toBe(3);
    const text = JSON.stringify(product);
    for (const other of others) {
      expect(text).not.toContain(other.nhsNumber);
      for (const id of other.factIds) expect(items.has(id)).toBe(false);
    }
  });

  it('links only the confirmed record into the hub person index', async () => {
    const persons = await harness.personIndex.personsOfReferral(harness.db, main.referralId);
    expect(persons.flatMap((p) => p.records.map((r) => r.recordKey))).toEqual([`health:health-pds:${main.candidates[0]!.personRef}`]);
  });

  it('audits and keeps every decision: who, when, the reason by hash; answers a second decision with 409', async () => {
    const audit = await harness.db.query<{ actor: string; subject: string; agency: string; detail: string }>(
      "SELECT actor, subject, agency, detail FROM audit_log WHERE action = 'identity.match-decided' AND referral_id = $1 ORDER BY id",
      [main.referralId],
    );
    expect(audit.map((a) => a.subject)).toEqual([confirmedId, ...otherIds]);
    expect(audit.every((a) => a.actor === 'test-hub-practitioner-health' && a.agency === 'health')).toBe(true);
    const [confirmed, ...rejected] = audit.map((a) => JSON.parse(a.detail) as Record<string, unknown>);
    expect(confirmed).toMatchObject({ kind: 'subject', decision: 'confirmed', subjectRef: 'child-1', reasonSha256: sha256Hex(CONFIRM_REASON) });
    expect(JSON.stringify(audit)).not.toContain('GP practice');
    for (const r of rejected) expect(r).toMatchObject({ kind: 'subject', decision: 'rejected', cause: 'conflicts-with-confirmed', confirmedMatchId: confirmedId });
    expect(await subjectMatchDecisionReason(harness.db, harness.vault, main.referralId, main.healthLookupId, main.candidates[0]!.personRef)).toBe(CONFIRM_REASON);

    const again = await decide(HEALTH, confirmedId, 'reject', 'Changed my mind.');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('MATCH.ALREADY_DECIDED');
    expect((await decide(HEALTH, otherIds[0]!, 'confirm', 'Or this one?')).status).toBe(409);
  });
});

describe('rejecting a candidate', () => {
  it('removes it from the list, its facts never reach the picture, and the others still wait', async () => {
    const other = await seedCandidateReferral(harness);
    const listed = (await picture(HEALTH, other.referralId)).possibleMatches;
    const third = other.candidates[2]!;
    const response = await decide(HEALTH, subjectMatchOf(listed, third.personRef)!.id, 'reject', 'Different child: another GP practice.', other.referralId);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ kind: 'subject', decision: 'rejected', alsoRejected: [], hubPersonId: null });
    const view = await picture(HEALTH, other.referralId);
    expect(view.possibleMatches.map((m) => m.candidate?.agencyRecordId).sort()).toEqual(other.candidates.filter((c) => c !== third).map((c) => c.personRef).sort());
    expect(view.persons.find((p) => p.subjectRef === 'child-1')?.awaitingDecision).toEqual([{ agency: 'health', records: 4 }]);
    const shown = new Set(view.facts.map((f) => f.id));
    for (const candidate of other.candidates) for (const id of candidate.factIds) expect(shown.has(id)).toBe(false);
  });
});

describe('a confirmation that contradicts the subject’s matched record', () => {
  it('is refused with MATCH.CONFLICT; the candidate can still be rejected', async () => {
    // Education holds Sam Smith with one NHS number (an automatic match), and a record of a Sam
    // Smith without a birth date and with another NHS number (possible by score only).
    const undated = (lookupId: string): PersonFact => {
      const { birthDate: _unknown, ...record } = educationRecordOf(lookupId, { nhsNumber: '5900021459' });
      return record;
    };
    const seeded = await seedCandidateReferral(harness, {
      healthCandidates: 0,
      otherFacts: (lookupId) => [educationRecordOf(lookupId('education'), { nhsNumber: '5900020584' }), undated(lookupId('education'))],
    });
    const view = await picture(EDUCATION, seeded.referralId);
    expect(view.persons[0]?.records).toEqual([expect.objectContaining({ agency: 'education', outcome: 'match' })]);
    expect(view.possibleMatches).toEqual([expect.objectContaining({ kind: 'subject', agency: 'education', reason: 'the score is below the automatic match threshold' })]);
    const [candidate] = view.possibleMatches;
    const refused = await decide(EDUCATION, candidate!.id, 'confirm', 'Looks like him.', seeded.referralId);
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { code: string }).code).toBe('MATCH.CONFLICT');
    expect((await decide(EDUCATION, candidate!.id, 'reject', 'Another Sam Smith.', seeded.referralId)).status).toBe(200);
    expect((await picture(EDUCATION, seeded.referralId)).possibleMatches).toEqual([]);
  });
});

describe('candidates across agencies', () => {
  it('makes an education record with yet another NHS number one more candidate, listed to education only', async () => {
    const educationNhs = '5900021459'; // the sixth PDS patient: not among the five the health connector read
    const cross = await seedCandidateReferral(harness, { otherFacts: (lookupId) => [educationRecordOf(lookupId('education'), { nhsNumber: educationNhs })] });
    const education = await picture(EDUCATION, cross.referralId);
    expect(education.possibleMatches).toHaveLength(1);
    expect(education.possibleMatches[0]).toMatchObject({ kind: 'subject', agency: 'education', reason: '6 distinct people match this subject', candidate: { identifiers: [{ system: 'nhs-number', value: educationNhs }] } });
    expect(education.facts.filter((f) => f.kind === 'person')).toEqual([]);
    const health = await picture(HEALTH, cross.referralId);
    expect(health.possibleMatches.map((m) => m.agency)).toEqual(['health', 'health', 'health', 'health', 'health']);
    expect(health.persons[0]?.awaitingDecision).toEqual([
      { agency: 'education', records: 1 },
      { agency: 'health', records: 5 },
    ]);
  });
});
