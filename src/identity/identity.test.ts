/**
 * Identity is built from the matcher it is handed (CONVENTIONS.md §1: no module-level
 * singletons): wave matching, household discovery and the person index all judge people by that
 * one matcher, so a model configured in the composition root is the model everything uses. Here a
 * model that never matches automatically turns every automatic match into a possible one, in all
 * three. The ports this does not reach refuse every call.
 */
import { describe, expect, it } from 'vitest';
import type { Fact, PersonFact } from '../model/fact.ts';
import type { Subject } from '../model/referral.ts';
import type { Db } from '../store/db.ts';
import { memoryPersonIndexStore } from '../../test/support/memory-person-index.ts';
import { blockingKeys } from './engine/blocking.ts';
import { createMatcher, type Matcher } from './engine/matcher.ts';
import { defaultModel } from './engine/model.ts';
import { createIdentity, type Identity } from './identity.ts';

const refuse = (): Promise<never> => Promise.reject(new Error('not used by this test'));
const db: Db = { kind: 'pglite', query: refuse, transaction: refuse, exec: refuse, close: refuse };

function identityWith(matcher: Matcher): Identity {
  return createIdentity({
    db,
    clock: { now: () => new Date('2026-11-21T10:00:00Z') },
    matcher,
    store: {
      referralExists: refuse,
      lockReferral: refuse,
      getReferral: refuse,
      listLookups: refuse,
      listItems: refuse,
      listDiscoveredSubjects: refuse,
      listSubjectMatches: refuse,
      candidateRecordOf: refuse,
      recordSubjectMatchDecision: refuse,
      hubPersonsOfRecords: refuse,
      keepPairDecisions: refuse,
      latestPairDecision: refuse,
    },
    personIndexStore: memoryPersonIndexStore(blockingKeys),
    audit: refuse,
    access: { requirePictureRead: refuse, requireDecision: refuse },
    pictureSections: { chronology: () => [], family: () => null },
  });
}

/** A model whose automatic-match threshold no pair reaches. */
const neverAutomatic = createMatcher({ ...defaultModel(), thresholds: { match: 1000, possible: 0, requirePersonalEvidence: true } });

// A synthetic child as the referral names her, and as the GP's system records her.
const child: Subject = { ref: 'child-1', role: 'child', name: { given: ['Amara'], family: 'Okafor' }, otherNames: [], birthDate: '2016-01-20', sex: 'female', identifiers: [], address: { lines: ['2 Mill Lane'], postcode: 'LS1 4AB', town: 'Leeds' } };
const provenance = (sourceRecordId: string): PersonFact['provenance'] => ({
  agency: 'health',
  connectorId: 'health-test',
  sourceSystem: 'Synthetic GP system',
  sourceRecordId,
  lookupId: 'lookup-1',
  retrievedAt: '2026-11-21T09:00:00Z',
  lawfulBasis: 'children-act-1989-s47',
  sensitivity: 'open',
});
const gpRecord: PersonFact = {
  id: 'fact-child',
  kind: 'person',
  personRef: 'Patient/1',
  names: [{ given: ['Amara'], family: 'Okafor' }],
  birthDate: '2016-01-20',
  sex: 'female',
  identifiers: [],
  addresses: [{ lines: ['2 Mill Lane'], postcode: 'LS1 4AB', town: 'Leeds' }],
  provenance: provenance('Patient/1'),
};
/** Her mother, named twice in the GP record (two relationships to one person). */
const mother: PersonFact = { ...gpRecord, id: 'fact-mother', personRef: 'RelatedPerson/1', names: [{ given: ['Grace'], family: 'Okafor' }], birthDate: '1988-07-02', provenance: provenance('RelatedPerson/1') };
const facts: Fact[] = [
  gpRecord,
  mother,
  { id: 'fact-rel-1', kind: 'relationship', personRef: 'Patient/1', relationship: 'parent', relatedRef: 'RelatedPerson/1', provenance: provenance('Patient/1') },
  { id: 'fact-rel-2', kind: 'relationship', personRef: 'Patient/1', relationship: 'carer', relatedRef: 'RelatedPerson/1', provenance: provenance('Patient/1') },
];
const lookups = [{ id: 'lookup-1', subjectRef: 'child-1' }];
const indexed = { recordKey: 'health:gp:2', referralId: 'referral-1', record: { id: 'x', given: ['Amara'], family: 'Okafor', birthDate: '2016-01-20', sex: 'female' as const, addressLines: ['2 Mill Lane'], postcode: 'LS1 4AB', town: 'Leeds' } };

describe('identity over the matcher it is handed', () => {
  it('keeps that matcher', () => {
    const matcher = createMatcher(defaultModel());
    expect(identityWith(matcher).matcher).toBe(matcher);
  });

  it('matches a wave with it', () => {
    expect(identityWith(createMatcher(defaultModel())).matchWave(lookups, [child], facts).find((m) => m.personRef === 'Patient/1')?.outcome).toBe('match');
    expect(identityWith(neverAutomatic).matchWave(lookups, [child], facts).find((m) => m.personRef === 'Patient/1')?.outcome).toBe('possible');
  });

  it('discovers the household with it: a member named twice is one subject', () => {
    const identity = identityWith(createMatcher(defaultModel()));
    const matches = identity.matchWave(lookups, [child], facts);
    const members = identity.discoverHousehold([child], matches, facts, [child], (n) => `hh-2-${n}`, 2);
    expect(members.map((m) => m.subject.name.given)).toEqual([['Grace']]);
    // Nothing stands as a match under a model that never matches automatically: no one to search around.
    const strict = identityWith(neverAutomatic);
    expect(strict.discoverHousehold([child], strict.matchWave(lookups, [child], facts), facts, [child], (n) => `hh-2-${n}`, 2)).toEqual([]);
  });

  it('resolves person index records with it', async () => {
    const sql = { query: refuse };
    const at = new Date('2026-11-21T10:00:00Z');
    const seeded = async (identity: Identity): Promise<string> => {
      await identity.personIndex.resolve(sql, { ...indexed, recordKey: 'health:gp:1' }, at);
      return (await identity.personIndex.resolve(sql, indexed, at)).outcome;
    };
    expect(await seeded(identityWith(createMatcher(defaultModel())))).toBe('match');
    expect(await seeded(identityWith(neverAutomatic))).toBe('possible');
  });
});
