/**
 * Social care mapping against the contract's fixture files (the synthetic Ashworth family):
 * every fact parses with `Fact`, ids are deterministic, each record type becomes the right
 * fact, and sensitivity follows the record marking as the mapper's header documents.
 */
import { describe, expect, it } from 'vitest';
import { Fact, type EventFact, type FlagFact, type PersonFact, type RelationshipFact } from '../model/fact.ts';
import { ashworthRaw, mappingContext as ctx } from '../../test/social-care/fixtures.ts';
import { mapSocialCare, sensitivityOf } from './social-care.ts';

const raw = ashworthRaw();
const facts = mapSocialCare(raw, ctx);

function only<K extends Fact['kind']>(sourceRecordId: string, kind: K): Extract<Fact, { kind: K }> {
  const matches = facts.filter((f): f is Extract<Fact, { kind: K }> => f.provenance.sourceRecordId === sourceRecordId && f.kind === kind);
  if (matches.length !== 1 || matches[0] === undefined) throw new Error(`expected one ${kind} fact for ${sourceRecordId}, got ${matches.length}`);
  return matches[0];
}
const event = (sourceRecordId: string): EventFact => only(sourceRecordId, 'event');
const flag = (sourceRecordId: string): FlagFact => only(sourceRecordId, 'flag');

describe('mapSocialCare on the Ashworth family fixtures', () => {
  it('gives only facts that parse with the Fact schema, with unique ids', () => {
    for (const fact of facts) {
      const parsed = Fact.safeParse(fact);
      expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
    }
    expect(new Set(facts.map((f) => f.id)).size).toBe(facts.length);
    const count = (kind: Fact['kind']): number => facts.filter((f) => f.kind === kind).length;
    // 3 candidates + 2 people known only from links (Lee Reid, Margaret Ashworth).
    expect(count('person')).toBe(5);
    // Mia: 4 contacts, 1 assessment, 1 s47, 1 CIN plan, 2 CP plans, 1 LAC episode; Noah: 1 contact.
    expect(count('event')).toBe(11);
    // Mia's active CP plan and her allocated worker.
    expect(count('flag')).toBe(2);
    // REL-1, REL-2, REL-3, REL-4, REL-7 — each link once, whichever end it was read from.
    expect(count('relationship')).toBe(5);
  });

  it('is deterministic: the same records and context give the same facts and ids', () => {
    expect(mapSocialCare(raw, ctx)).toEqual(facts);
    const other = mapSocialCare(raw, { ...ctx, lookupId: 'lookup-2' });
    expect(other.map((f) => f.id)).not.toEqual(facts.map((f) => f.id));
  });

  it('maps the person: names and known-as names, birth date, sex, NHS number, UPN, case id with issuer, address with UPRN', () => {
    const mia: PersonFact = only('Person/SCR100001', 'person');
    expect(mia).toMatchObject({
      personRef: 'Person/SCR100001',
      names: [{ given: ['Mia', 'Louise'], family: 'Ashworth' }, { given: ['Mia'], family: 'Reid' }],
      birthDate: '2015-08-21',
      sex: 'female',
      identifiers: [
        { system: 'nhs-number', value: '9990001006' },
        { system: 'upn', value: 'W999302119417' },
        { system: 'local', value: 'SCR100001', issuer: ctx.sourceSystem },
      ],
      addresses: [{ lines: ['Flat 4', '17 Canal Street'], town: 'Northtown', postcode: 'NT3 9XY', uprn: '990000123456' }],
    });
    expect(mia.provenance).toEqual({
      agency: 'social-care',
      connectorId: 'northtown-csc',
      sourceSystem: ctx.sourceSystem,
      sourceRecordId: 'Person/SCR100001',
      lookupId: 'lookup-1',
      retrievedAt: ctx.retrievedAt,
      sourceUpdatedAt: '2026-10-30T14:05:00Z',
      lawfulBasis: 'children-act-1989-s47',
      sensitivity: 'sensitive',
    });
    expect(only('Person/SCR100009', 'person')).toMatchObject({ sex: 'male', identifiers: [{ system: 'upn', value: 'Y999302123088' }, { system: 'local', value: 'SCR100009' }] });
  });

  it('maps contacts and referrals to referral events with their source and outcome in the summary', () => {
    expect(event('Contact/C-2002')).toMatchObject({
      personRef: 'Person/SCR100001',
      eventKind: 'referral',
      date: '2025-11-03',
      summary: 'Contact from Police (6): Police notification: domestic incident at the home address; child present. Outcome: Early help.',
      provenance: { sensitivity: 'sensitive' },
    });
    expect(event('Contact/R-2003')).toMatchObject({
      eventKind: 'referral',
      summary: 'Referral from Schools (2A): School referral: bruising to upper arm noticed in PE; explanation inconsistent. Outcome: Assessment.',
      detail: 'Primary need: Abuse or neglect (N1).',
      provenance: { sourceUpdatedAt: '2026-02-10T12:00:00Z' },
    });
    expect(event('Contact/C-2001').summary).toMatch(/^Contact from Health services: health visitor \(3B\): .* Outcome: No further action\.$/);
    // OTHER keeps the case system's own words.
    expect(event('Contact/C-2004').summary).toMatch(/Outcome: Passed to the allocated social worker\.$/);
    expect(event('Contact/C-2004').provenance.sensitivity).toBe('open');
  });

  it('maps assessments and section 47 enquiries to assessment events; s47 is never below sensitive', () => {
    expect(event('Assessment/A-3001')).toMatchObject({
      eventKind: 'assessment',
      date: '2026-02-11',
      endDate: '2026-03-20',
      status: 'completed',
      summary: 'Child and family assessment. Outcome: Strategy discussion.',
      detail: 'Factors identified at assessment: Domestic violence: child subject (3A); Mental health: parent/carer (4B); Neglect (16A).',
    });
    const s47 = event('Section47/S-4001');
    expect(s47).toMatchObject({
      eventKind: 'assessment',
      date: '2026-02-14',
      summary: 'Section 47 enquiry: Section 47 enquiry; concerns substantiated. Outcome: Initial child protection conference.',
      detail: 'Initial child protection conference held on 2026-03-01.',
    });
    // Marked open by the case system, raised to sensitive.
    expect(s47.provenance.sensitivity).toBe('sensitive');
  });

  it('maps CIN and CP plans to plan events with category, start and end; an active CP plan is also a flag', () => {
    expect(event('CinPlan/P-5001')).toMatchObject({ eventKind: 'plan', date: '2024-01-08', endDate: '2024-09-30', status: 'ended', summary: 'Child in need plan', provenance: { sensitivity: 'open' } });
    const current = event('ChildProtectionPlan/CP-6001');
    expect(current).toMatchObject({
      eventKind: 'plan',
      date: '2026-03-02',
      status: 'active',
      summary: 'Child protection plan, initial category Neglect (NEG), latest category Emotional abuse (EMO): Child protection plan following ICPC.',
      detail: 'Previous child protection plans: 1.',
      provenance: { sensitivity: 'sensitive' },
    });
    expect(current.endDate).toBeUndefined();
    expect(flag('ChildProtectionPlan/CP-6001')).toMatchObject({
      personRef: 'Person/SCR100001',
      flagKind: 'child-protection-plan',
      status: 'active',
      period: { start: '2026-03-02' },
      summary: 'Subject of a child protection plan (initial category Neglect (NEG), latest category Emotional abuse (EMO)) since 2026-03-02',
      provenance: { sensitivity: 'sensitive', sourceUpdatedAt: '2026-09-14T10:00:00Z' },
    });
    // The ended plan is an event only, and stays restricted as marked.
    expect(event('ChildProtectionPlan/CP-6000')).toMatchObject({ endDate: '2022-01-15', status: 'ended', provenance: { sensitivity: 'restricted' } });
    expect(facts.some((f) => f.kind === 'flag' && f.provenance.sourceRecordId === 'ChildProtectionPlan/CP-6000')).toBe(false);
  });

  it('a CP plan that ends after the retrieval day is still active', () => {
    const mia = raw.people[0];
    if (mia === undefined) throw new Error('fixture changed');
    const ending = { ...mia, childProtectionPlans: [{ ...mia.childProtectionPlans[0], id: 'CP-X', cppStartDate: '2026-01-01', cppEndDate: '2026-12-01', initialCategoryOfAbuse: 'SAB', latestCategoryOfAbuse: 'SAB', factorsIdentifiedAtAssessment: [], summary: 'Plan.' }] };
    const mapped = mapSocialCare({ people: [ending] }, ctx);
    const cpFlag = mapped.find((f) => f.kind === 'flag' && f.flagKind === 'child-protection-plan');
    expect(cpFlag).toMatchObject({ period: { start: '2026-01-01', end: '2026-12-01' }, status: 'active' });
    expect(cpFlag?.kind === 'flag' ? cpFlag.summary : '').toContain('Sexual abuse (SAB)');
  });

  it('maps looked-after episodes with SSDA903 legal status and placement', () => {
    expect(event('LookedAfterEpisode/L-7001')).toMatchObject({
      eventKind: 'looked-after',
      date: '2022-02-01',
      endDate: '2022-08-30',
      status: 'ended',
      summary: 'Looked after: Single period of accommodation under section 20 (V2); placement: Foster placement with other foster carer: not long term (U6): Accommodated under section 20 while mother was in hospital.',
      detail: 'Placement provider: Own local authority provision (PR1). Reason episode ceased (SSDA903 REC): E4A.',
    });
  });

  it('maps the allocated worker to an allocated-worker flag naming team, role and worker id — no name', () => {
    const allocation = flag('Allocation/SCR100001');
    expect(allocation.provenance.sensitivity).toBe('sensitive');
    expect({ ...allocation, id: undefined, provenance: undefined }).toEqual({
      id: undefined,
      kind: 'flag',
      personRef: 'Person/SCR100001',
      provenance: undefined,
      flagKind: 'allocated-worker',
      summary: "Open to children's social care: allocated to a social worker in Child Protection and Court Team (worker SW-4821) since 2026-03-02",
      period: { start: '2026-03-02' },
      status: 'active',
    });
  });

  it('maps links to relationships read "related is <relationship> of person", the same from either end', () => {
    const rel = (id: string): RelationshipFact => only(`Relationship/${id}`, 'relationship');
    // Read from Mia's side as "mother" and from Sarah's side as "child": one fact, one direction.
    expect(rel('REL-1')).toMatchObject({ personRef: 'Person/SCR100001', relatedRef: 'Person/SCR100003', relationship: 'parent', relatedName: { given: ['Sarah'], family: 'Ashworth' }, relatedBirthDate: '1990-01-12' });
    expect(rel('REL-3')).toMatchObject({ relationship: 'carer', relatedRef: 'Person/SCR100004', provenance: { sensitivity: 'sensitive' } });
    expect(rel('REL-4').relationship).toBe('other');
    expect(rel('REL-2').relationship).toBe('sibling');
    // REL-7 is read from Noah's (restricted) side first: restricted.
    expect(rel('REL-7')).toMatchObject({ personRef: 'Person/SCR100009', relatedRef: 'Person/SCR100003', relationship: 'parent', provenance: { sensitivity: 'restricted' } });
    // People known only from a link get a minimal PersonFact; candidates keep their full one.
    expect(only('Person/SCR100004', 'person')).toMatchObject({ names: [{ given: ['Lee'], family: 'Reid' }], birthDate: '1986-11-30', identifiers: [{ system: 'local', value: 'SCR100004' }] });
    expect(only('Person/SCR100003', 'person').names).toHaveLength(2);
  });

  it('a restricted person makes every fact about them restricted, whatever the record says', () => {
    expect(event('Contact/C-2101')).toMatchObject({ personRef: 'Person/SCR100009', provenance: { sensitivity: 'restricted' } });
    expect(only('Person/SCR100009', 'person').provenance.sensitivity).toBe('restricted');
  });

  it('keeps the outcome when a long summary must be cut, and the whole text in the detail', () => {
    const mia = raw.people[0];
    if (mia === undefined) throw new Error('fixture changed');
    const long = 'x'.repeat(1_500);
    const contact = { id: 'C-LONG', recordType: 'contact' as const, date: '2026-01-01', referralSource: '9', outcome: { code: 'NFA' }, summary: long };
    const [mapped] = mapSocialCare({ people: [{ ...mia, contacts: [contact], assessments: [], section47Enquiries: [], cinPlans: [], childProtectionPlans: [], lookedAfterEpisodes: [], relationships: [] }] }, ctx)
      .filter((f) => f.kind === 'event');
    expect(mapped?.kind === 'event' ? mapped.summary : '').toMatch(/^Contact from Anonymous \(9\): x+… Outcome: No further action\.$/);
    expect(mapped?.kind === 'event' ? mapped.summary.length : 0).toBeLessThanOrEqual(500);
    expect(mapped?.kind === 'event' ? mapped.detail : '').toBe(long);
  });
});

describe('sensitivityOf', () => {
  it.each([
    [undefined, 'open', 'open'],
    ['open', 'open', 'open'],
    ['sensitive', 'open', 'sensitive'],
    ['restricted', 'open', 'restricted'],
    [undefined, 'sensitive', 'sensitive'],
    ['open', 'sensitive', 'sensitive'],
    ['restricted', 'sensitive', 'restricted'],
    ['top-secret', 'open', 'restricted'],
  ] as const)('marking %s with floor %s is %s', (marking, floor, expected) => {
    expect(sensitivityOf(marking, floor)).toBe(expected);
  });

  // That a restricted person overrides the record marking is the mapping's floor (src/mapping/skeleton.ts):
  // 'a restricted person makes every fact about them restricted, whatever the record says', above.
});

describe('mapSocialCare on odd but well-typed records', () => {
  it('leaves out names with nothing but blanks, and the facts still parse', () => {
    const mia = raw.people[0];
    if (mia === undefined) throw new Error('fixture changed');
    const blank = { given: [' '], family: ' ' };
    const odd = {
      ...mia,
      person: { ...mia.person, name: blank, knownAs: [] },
      relationships: [{ id: 'REL-X', relationship: 'child', relatedPerson: { personId: 'SCR1', name: blank } }],
    };
    const mapped = mapSocialCare({ people: [odd] }, ctx);
    for (const fact of mapped) expect(Fact.safeParse(fact).success).toBe(true);
    expect(mapped.some((f) => f.kind === 'person')).toBe(false);
    expect(mapped.find((f) => f.kind === 'relationship')).toMatchObject({ personRef: 'Person/SCR1', relatedRef: 'Person/SCR100001', relationship: 'parent' });
  });
});
