/**
 * Housing mapping against the contract's fixture responses (contracts/housing/fixtures: the
 * synthetic Okafor family), and the mapping rules on their own: sensitivity from markings and
 * UKHDS confidentiality levels, household relationships, event kinds. Every fact must parse
 * with `Fact`.
 */
import { describe, expect, it } from 'vitest';
import type { HousingRaw, UkhdsPersonAlert } from '../adapters/housing/types.ts';
import { Fact, type EventFact, type FlagFact, type PersonFact, type RelationshipFact } from '../model/fact.ts';
import { fixtureRaw, mappingContext as ctx } from '../../test/housing/fixtures.ts';
import { alertSensitivity, householdRelationship, mapHousing, markingSensitivity, pounds } from './housing.ts';

const facts = mapHousing(fixtureRaw(), ctx);
const persons = facts.filter((f): f is PersonFact => f.kind === 'person');
const relationships = facts.filter((f): f is RelationshipFact => f.kind === 'relationship');
const events = facts.filter((f): f is EventFact => f.kind === 'event');
const flags = facts.filter((f): f is FlagFact => f.kind === 'flag');
const event = (sourceRecordId: string): EventFact | undefined => events.find((e) => e.provenance.sourceRecordId === sourceRecordId);

describe('mapHousing on the fixture family', () => {
  it('makes only facts that parse, with full provenance and unique, deterministic ids', () => {
    for (const fact of facts) expect(Fact.safeParse(fact).success, JSON.stringify(fact)).toBe(true);
    expect(new Set(facts.map((f) => f.id)).size).toBe(facts.length);
    expect(mapHousing(fixtureRaw(), ctx)).toEqual(facts);
    for (const fact of facts) {
      expect(fact.provenance).toMatchObject({ agency: 'housing', connectorId: 'housing-sim', sourceSystem: ctx.sourceSystem, lookupId: ctx.lookupId, retrievedAt: ctx.retrievedAt, lawfulBasis: 'children-act-1989-s47' });
    }
    // 2 tenancies, 2 arrears balances, 2 possession steps, 1 ASB case, 1 homelessness application.
    expect({ person: persons.length, relationship: relationships.length, event: events.length, flag: flags.length }).toEqual({ person: 4, relationship: 5, event: 8, flag: 3 });
  });

  it('maps the candidate to a PersonFact with the housing reference, known-as name and UPRN', () => {
    expect(persons.find((p) => p.personRef === 'Person/HPR-100201')).toEqual({
      id: expect.stringMatching(/^fact_[0-9a-f]{32}$/) as unknown,
      kind: 'person',
      personRef: 'Person/HPR-100201',
      provenance: expect.objectContaining({ sourceRecordId: 'Person/HPR-100201', sourceUpdatedAt: '2026-09-30T14:05:00Z', sensitivity: 'open' }) as unknown,
      names: [
        { given: ['Amara', 'Joy'], family: 'Okafor', use: 'official' },
        { given: ['Amy'], family: 'Okafor', use: 'nickname' },
      ],
      birthDate: '2016-08-19',
      sex: 'female',
      identifiers: [{ system: 'local', value: 'HPR-100201', issuer: ctx.sourceSystem }],
      addresses: [{ lines: ['7 Beck Lane'], town: 'Northtown', postcode: 'NT2 5PX', uprn: '200004512345' }],
    });
  });

  it('gives every other household member a PersonFact and ties them to the candidate as the record states', () => {
    expect(persons.map((p) => p.personRef).sort()).toEqual(['Person/HPR-100201', 'Person/HPR-100202', 'Person/HPR-100203', 'Person/HPR-100204']);
    expect(persons.find((p) => p.personRef === 'Person/HPR-100203')).toMatchObject({ names: [{ given: ['Tunde'], family: 'Bello' }], identifiers: [{ system: 'local', value: 'HPR-100203' }] });
    const tie = (sourceRecordId: string): RelationshipFact | undefined => relationships.find((r) => r.provenance.sourceRecordId === sourceRecordId);
    expect(tie('Tenancy/TEN-20417/members/HPR-100201/HPR-100202')).toMatchObject({
      personRef: 'Person/HPR-100201',
      relationship: 'parent',
      relatedRef: 'Person/HPR-100202',
      relatedName: { given: ['Grace'], family: 'Okafor' },
      relatedBirthDate: '1988-01-30',
      period: { start: '2021-02-01' },
    });
    expect(tie('Tenancy/TEN-20417/members/HPR-100201/HPR-100203')).toMatchObject({ relationship: 'household-member', period: { start: '2023-06-12' } });
    expect(tie('Tenancy/TEN-20417/members/HPR-100201/HPR-100204')).toMatchObject({ relationship: 'household-member', relatedBirthDate: '2019-05-02' });
    expect(tie('Tenancy/TEN-19920/members/HPR-100201/HPR-100202')).toMatchObject({ relationship: 'parent', period: { start: '2020-09-01', end: '2021-01-31' }, provenance: { sensitivity: 'sensitive' } });
    expect(tie('HomelessnessApplication/HCL-5521/members/HPR-100201/HPR-100202')).toMatchObject({ relationship: 'parent', relatedRef: 'Person/HPR-100202', provenance: { sensitivity: 'restricted' } });
  });

  it('maps tenancies to tenancy events on the lead tenant', () => {
    expect(event('Tenancy/TEN-20417')).toMatchObject({
      personRef: 'Person/HPR-100202',
      eventKind: 'tenancy',
      date: '2021-02-01',
      status: 'current',
      summary: 'Secure tenancy TEN-20417 at 7 Beck Lane, Northtown NT2 5PX (4 in household)',
      provenance: { sensitivity: 'open', sourceUpdatedAt: '2026-06-01T09:12:00Z' },
    });
    expect(event('Tenancy/TEN-20417')?.detail).toContain('Tunde Bello (joint tenant)');
    expect(event('Tenancy/TEN-19920')).toMatchObject({ eventKind: 'tenancy', date: '2020-09-01', endDate: '2021-01-31', status: 'ended', provenance: { sensitivity: 'sensitive' } });
    expect(event('Tenancy/TEN-19920')?.detail).toContain('Ended: Moved to a secure tenancy.');
  });

  it("maps each arrears balance to an 'other' event with the amount, skipping a clear account", () => {
    const arrears = events.filter((e) => e.provenance.sourceRecordId.startsWith('RentAccount/'));
    expect(arrears.map((e) => [e.eventKind, e.personRef, e.date, e.summary, e.provenance.sensitivity])).toEqual([
      ['other', 'Person/HPR-100202', '2026-02-09', 'Rent arrears of £412.50 on tenancy TEN-20417', 'open'],
      ['other', 'Person/HPR-100202', '2026-05-18', 'Rent arrears of £980.00 on tenancy TEN-20417', 'sensitive'],
    ]);
    expect(arrears[1]?.detail).toBe('Arrangement broken; Universal Credit housing element stopped.');
  });

  it("maps possession notices and orders to 'eviction' events naming the step and its stage", () => {
    expect(event('Notice/NOT-8812')).toMatchObject({
      eventKind: 'eviction',
      personRef: 'Person/HPR-100202',
      date: '2026-06-01',
      endDate: '2026-06-29',
      summary: 'Notice of Seeking Possession served on tenancy TEN-20417 (arrears £980.00)',
      status: 'proceedings-issued',
      provenance: { sensitivity: 'sensitive' },
    });
    expect(event('Notice/NOT-8812')?.detail).toContain('Ground: Housing Act 1985 Schedule 2 Ground 1 (rent arrears).');
    expect(event('Notice/NOT-9034')).toMatchObject({ eventKind: 'eviction', summary: 'Possession order granted on tenancy TEN-20417', status: 'order-granted' });
  });

  it("maps an ASB case to an 'incident' on the candidate with their role", () => {
    expect(event('AsbCase/ASB-3307')).toMatchObject({
      eventKind: 'incident',
      personRef: 'Person/HPR-100201',
      date: '2025-03-10',
      endDate: '2025-07-02',
      summary: 'Anti-social behaviour case ASB-3307: harassment (victim)',
      status: 'closed',
      provenance: { sensitivity: 'open' },
    });
  });

  it("maps a duty-to-refer homelessness application to a 'referral' on the applicant, restricted as locked", () => {
    expect(event('HomelessnessApplication/HCL-5521')).toMatchObject({
      eventKind: 'referral',
      personRef: 'Person/HPR-100202',
      date: '2020-08-10',
      endDate: '2020-10-05',
      summary: 'Homelessness application: domestic abuse; relief duty owed; outcome main duty accepted',
      status: 'main-duty-accepted',
      provenance: { sensitivity: 'restricted' },
    });
    expect(event('HomelessnessApplication/HCL-5521')?.detail).toContain('Referred by Northtown Police under the duty to refer.');
  });

  it('maps UKHDS person alerts to flags keyed by sub-code, with sensitivity from the confidentiality level', () => {
    expect(flags.map((f) => [f.flagKind, f.status, f.provenance.sensitivity, f.period])).toEqual([
      ['SAF2.01', 'active', 'restricted', { start: '2026-07-08' }],
      ['MED1.01', 'active', 'sensitive', { start: '2022-11-21' }],
      ['SAF2.02', 'inactive', 'sensitive', { start: '2025-01-15', end: '2025-04-30' }],
    ]);
    expect(flags[0]).toMatchObject({
      personRef: 'Person/HPR-100201',
      summary: 'SAF2.01 Child Safeguarding Concern — Child Protection Plan in Place: Child protection plan (neglect). Liaise with the allocated social worker before any visit.',
      provenance: { sourceRecordId: 'PersonAlert/77001', sourceUpdatedAt: '2026-07-08T10:00:00Z' },
    });
  });
});

describe('housing mapping rules', () => {
  const alert = (code: string, level: UkhdsPersonAlert['confidentiality_level'], special?: string): UkhdsPersonAlert => ({
    person_alert_id: 1,
    person_id: 1,
    person_alert_code_id: 1,
    person_alert_code: { alert_code: code.split('.')[0] ?? code, alert_subcode: code, alert_name: 'Name' },
    start_date: '2026-01-01',
    is_active: true,
    confidentiality_level: level,
    ...(special === undefined ? {} : { special_category_data_type: { category_code: special } }),
  });

  it.each([
    ['RISK2.01', 'Public', undefined, 'open'],
    ['RISK2.01', 'Private', undefined, 'sensitive'],
    ['RISK2.01', 'Restricted', undefined, 'sensitive'],
    ['RISK2.01', 'Confidential', undefined, 'restricted'],
    ['SAF1.02', 'Public', undefined, 'sensitive'],
    ['SAF1.02', 'Confidential', undefined, 'restricted'],
    ['MH1.01', 'Public', 'HEALTH', 'sensitive'],
    ['AGE1.07', 'Public', 'NONE', 'open'],
  ] as const)('alert %s at %s (special category %s) is %s', (code, level, special, expected) => {
    expect(alertSensitivity(alert(code, level, special))).toBe(expected);
  });

  it('record markings: restricted access wins, OFFICIAL-SENSITIVE is sensitive, OFFICIAL or none is open', () => {
    expect(markingSensitivity({})).toBe('open');
    expect(markingSensitivity({ protectiveMarking: 'OFFICIAL' })).toBe('open');
    expect(markingSensitivity({ protectiveMarking: 'OFFICIAL-SENSITIVE' })).toBe('sensitive');
    expect(markingSensitivity({ protectiveMarking: 'OFFICIAL', restrictedAccess: true })).toBe('restricted');
  });

  it('household ties: partner and parent only where the record states them', () => {
    const lead = { isLead: true, relationship: 'self' } as const;
    expect(householdRelationship(lead, { isLead: false, relationship: 'partner' })).toBe('partner');
    expect(householdRelationship(lead, { isLead: false, relationship: 'parent' })).toBe('parent');
    expect(householdRelationship(lead, { isLead: false, relationship: 'child' })).toBe('household-member');
    expect(householdRelationship({ isLead: false, relationship: 'child' }, lead)).toBe('parent');
    expect(householdRelationship({ isLead: false, relationship: 'partner' }, lead)).toBe('partner');
    expect(householdRelationship({ isLead: false, relationship: 'child' }, { isLead: false, relationship: 'child' })).toBe('household-member');
    expect(householdRelationship({ isLead: false, relationship: undefined }, lead)).toBe('household-member');
  });

  it('writes pounds with separators and pence', () => {
    expect(pounds(0)).toBe('£0.00');
    expect(pounds(412.5)).toBe('£412.50');
    expect(pounds(1240)).toBe('£1,240.00');
    expect(pounds(1234567.891)).toBe('£1,234,567.89');
  });

  it("a self-presented application is 'other'; a referral not under the duty to refer is 'other' too", () => {
    const raw = fixtureRaw();
    const [records] = raw.persons;
    const [application] = records?.homelessnessApplications ?? [];
    if (records === undefined || application === undefined) throw new Error('fixture missing');
    const { referral: _dropped, ...selfPresented } = application;
    const variant = (app: typeof application): HousingRaw => ({ ...raw, persons: [{ ...records, homelessnessApplications: [app] }] });
    const kindOf = (r: HousingRaw): string | undefined =>
      mapHousing(r, ctx).find((f): f is EventFact => f.kind === 'event' && f.provenance.sourceRecordId === 'HomelessnessApplication/HCL-5521')?.eventKind;
    expect(kindOf(variant(selfPresented))).toBe('other');
    expect(kindOf(variant({ ...application, referral: { dutyToRefer: false, referringAgency: 'GP' } }))).toBe('other');
  });

  it('falls back sensibly: no person fact without a name; current arrears without history; notice without tenants served', () => {
    const raw = fixtureRaw();
    const [records] = raw.persons;
    if (records === undefined) throw new Error('fixture missing');
    const [account] = raw.tenancies[0]?.rentAccounts ?? [];
    const [notice] = raw.tenancies[0]?.notices ?? [];
    if (account === undefined || notice === undefined) throw new Error('fixture missing');
    const variant: HousingRaw = {
      persons: [{ ...records, person: { ...records.person, forenames: [' '] } }],
      tenancies: [{ tenancyRef: 'TEN-20417', rentAccounts: [{ ...account, accountHolders: [], arrearsHistory: [] }], notices: [{ ...notice, servedOn: [] }] }],
    };
    const mapped = mapHousing(variant, ctx);
    for (const fact of mapped) expect(Fact.safeParse(fact).success).toBe(true);
    expect(mapped.some((f) => f.kind === 'person' && f.personRef === 'Person/HPR-100201')).toBe(false);
    expect(mapped.find((f) => f.provenance.sourceRecordId === 'RentAccount/RA-20417/arrears/current')).toMatchObject({
      kind: 'event',
      personRef: 'Person/HPR-100202',
      date: '2026-11-20',
      summary: 'Rent arrears of £980.00 on tenancy TEN-20417',
    });
    expect(mapped.find((f) => f.provenance.sourceRecordId === 'Notice/NOT-8812')).toMatchObject({ personRef: 'Person/HPR-100202' });
  });
});
