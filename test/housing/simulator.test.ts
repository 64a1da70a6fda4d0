/**
 * The housing simulator searches like a housing system: surname parts, forename prefixes and
 * initials, postcode spacing, exact birth date and UPRN, refusal of over-broad searches, and
 * paging with `links.next` back to itself; its records render the featured family as the
 * population defines it (relationships to the lead tenant, arrears history, NOSP expiry).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_SEED, FEATURED_FAMILY, generatePopulation } from '../../simulators/population/index.ts';
import { loadCodeList } from '../../simulators/housing/alerts.ts';
import { housingRecords } from '../../simulators/housing/records.ts';
import { createPersonSearch } from '../../simulators/housing/search.ts';
import { startHousingSimulator, type HousingSimulator } from '../../simulators/housing/server.ts';

const population = generatePopulation({ seed: DEFAULT_SEED, households: 200 });
const records = housingRecords(population.views.housing, population.referenceDate, loadCodeList());
const search = createPersonSearch(records.persons);
const refs = (query: Record<string, string>): string[] | string => {
  const outcome = search(new URLSearchParams(query));
  return outcome.ok ? outcome.value.map((p) => p.personRef) : `refused: ${outcome.error}`;
};
const family = ['HPR-000001', 'HPR-000002', 'HPR-000003', 'HPR-000004'];

describe('housing simulator person search', () => {
  it('matches surname on any part of a hyphenated name, ignoring case', () => {
    expect(refs({ surname: 'smith', postcode: 'WF13 2QP' })).toEqual(['HPR-000001', 'HPR-000002', 'HPR-000003']);
    expect(refs({ surname: 'Jones', postcode: 'WF13 2QP' })).toEqual(['HPR-000003', 'HPR-000004']);
    expect(refs({ surname: 'Smith-Jones', dateOfBirth: FEATURED_FAMILY.birthDate })).toEqual(['HPR-000001']);
  });

  it('matches forenames from their start, postcodes without spacing, birth dates and UPRNs exactly', () => {
    expect(refs({ surname: 'Smith', forename: 'Rob', postcode: 'wf132qp' })).toEqual(['HPR-000001']);
    expect(refs({ surname: 'Smith', forename: 'Robbie', postcode: 'WF13 2QP' })).toEqual([]);
    expect(refs({ surname: 'Smith', dateOfBirth: '2017-04-03' })).toEqual([]);
    expect(refs({ uprn: FEATURED_FAMILY.uprn })).toEqual(family);
    expect(refs({ uprn: FEATURED_FAMILY.uprn, dateOfBirth: FEATURED_FAMILY.birthDate })).toEqual(['HPR-000001']);
  });

  it('refuses searches broader than the contract allows, and malformed criteria', () => {
    expect(refs({ surname: 'Smith' })).toMatch(/^refused: search too broad/);
    expect(refs({ forename: 'Robert', sex: 'male' })).toMatch(/^refused: search too broad/);
    expect(refs({ surname: 'Smith', dateOfBirth: '04/03/2017' })).toBe('refused: dateOfBirth must be YYYY-MM-DD');
    expect(refs({ uprn: 'ABC' })).toBe('refused: uprn must be 1 to 12 digits');
  });
});

describe('housing simulator records', () => {
  it("gives each tenancy member their relationship to the lead tenant, from the view's links", () => {
    const [tenancy] = records.tenanciesByPerson.get('HPR-000001') ?? [];
    expect(tenancy?.members.map((m) => [m.personRef, m.role, m.relationshipToLeadTenant])).toEqual([
      ['HPR-000003', 'lead-tenant', 'self'],
      ['HPR-000004', 'joint-tenant', 'partner'],
      ['HPR-000001', 'household-member', 'child'],
      ['HPR-000002', 'household-member', 'child'],
    ]);
  });

  it('keeps arrears as a balance history with the tenants liable, and NOSPs with their 28-day expiry', () => {
    const [account] = records.rentAccountsByTenancy.get('TEN000001') ?? [];
    expect(account).toMatchObject({ accountHolders: ['HPR-000003', 'HPR-000004'], currentArrears: 1515, arrearsHistory: [{ entryId: 'HEV0000002', arrearsBalance: 640 }, { entryId: 'HEV0000003', arrearsBalance: 1240 }] });
    expect(records.noticesByTenancy.get('TEN000001')).toEqual([expect.objectContaining({ noticeRef: 'HEV0000006', noticeType: 'NOSP', servedDate: '2026-10-01', expiryDate: '2026-10-29', status: 'expired', protectiveMarking: 'OFFICIAL-SENSITIVE' })]);
  });

  it('serves UKHDS alerts with the marking the population gives, as confidentiality levels', () => {
    expect(records.alertsByPerson.get('HPR-000003')?.map((a) => [a.person_alert_id, a.person_alert_code.alert_subcode, a.confidentiality_level, a.source_type?.source_code, a.informed_resident])).toEqual([[4, 'SAF1.02', 'Confidential', 'POL', false]]);
    expect(records.alertsByPerson.get('HPR-000001')?.map((a) => [a.person_alert_code.alert_subcode, a.confidentiality_level, a.review_date])).toEqual([['SAF2.02', 'Restricted', '2027-04-08']]);
  });
});

describe('housing simulator over HTTP', () => {
  let sim: HousingSimulator;
  beforeAll(async () => {
    sim = await startHousingSimulator({ population });
  });
  afterAll(async () => {
    await sim.close();
  });

  const Page = z.object({ items: z.array(z.object({ personRef: z.string() })), page: z.number(), totalPages: z.number(), totalItems: z.number(), links: z.object({ self: z.string(), next: z.string().optional() }) });

  it('pages with links.next back to the address it was reached on, until the last page', async () => {
    let url: string | undefined = `${sim.url}/persons?uprn=${FEATURED_FAMILY.uprn}&pageSize=3`;
    const seen: string[] = [];
    const pages: number[] = [];
    while (url !== undefined) {
      const body = Page.parse(await (await fetch(url)).json());
      seen.push(...body.items.map((i) => i.personRef));
      pages.push(body.page);
      expect(body).toMatchObject({ totalItems: 4, totalPages: 2 });
      url = body.links.next;
      if (url !== undefined) expect(url.startsWith(`${sim.url}/persons?`)).toBe(true);
    }
    expect(pages).toEqual([1, 2]);
    expect(seen).toEqual(family);

    const viaLocalhost = Page.parse(await (await fetch(`${sim.url.replace('127.0.0.1', 'localhost')}/persons?uprn=${FEATURED_FAMILY.uprn}&pageSize=3`)).json());
    expect(viaLocalhost.links.next?.startsWith('http://localhost:')).toBe(true);
  });

  it('refuses writes and unknown paths with problem documents', async () => {
    const post = await fetch(`${sim.url}/persons`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await fetch(`${sim.url}/persons/HPR-000001/alerts`)).status).toBe(404);
    expect((await fetch(`${sim.url}/notices`)).status).toBe(400);
  });
});
