/**
 * The social care simulator behaves like a case system: the view's translation into API records
 * (codes, outcomes, links from both ends), exact search without day/month tolerance, given-name
 * prefixes and known-as names, page-number paging, bearer auth and the fault control endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_SEED, generatePopulation, type SocialCareView } from '../population/index.ts';
import { searchPeople, startSocialCareSimulator, type SocialCareSimulator } from './server.ts';
import { socialCareRecords, type Collection } from './records.ts';

const address = { lines: ['3 Mill Lane'], town: 'Northtown', postcode: 'NT2 7CD', uprn: '990000000001' };
const view: SocialCareView = {
  agency: 'social-care',
  persons: [
    { recordId: 'CSC100001', name: { given: ['Ellie', 'May'], family: 'Hart' }, otherNames: [{ given: ['Ellie'], family: 'Brook' }], sex: 'female', birthDate: '2016-05-07', address, updatedOn: '2026-01-02', role: 'child', upn: 'W999302119417', allocatedWorker: 'Synthetic Worker' },
    { recordId: 'CSC100002', name: { given: ['Jo'], family: 'Hart' }, otherNames: [], sex: 'female', birthDate: '1988-10-11', address, updatedOn: '2026-01-02', role: 'adult', nhsNumber: '9990001006' },
  ],
  links: [{ fromRecordId: 'CSC100002', toRecordId: 'CSC100001', relationship: 'mother' }],
  events: [
    { eventId: 'E1', kind: 'contact', recordIds: ['CSC100001'], date: '2025-01-01', sensitivity: 'open', text: 'Contact from neighbour raising concerns about the care of the children. Outcome: Information and advice.', outcome: 'Information and advice' },
    { eventId: 'E2', kind: 'referral', recordIds: ['CSC100001'], date: '2025-03-01', sensitivity: 'sensitive', text: 'Referral accepted for assessment. Outcome: Assessment.', outcome: 'Assessment', primaryNeed: 'N1' },
    { eventId: 'E3', kind: 'section-47', recordIds: ['CSC100001'], date: '2025-03-05', sensitivity: 'restricted', text: 'Section 47 enquiry; concerns substantiated. Outcome: Initial child protection conference.', outcome: 'Initial child protection conference' },
    { eventId: 'E4', kind: 'cp-plan', recordIds: ['CSC100001'], date: '2025-03-20', sensitivity: 'sensitive', text: 'Child protection plan, category: neglect.', cpCategory: 'NEG' },
    { eventId: 'E5', kind: 'looked-after', recordIds: ['CSC100001'], date: '2025-06-01', sensitivity: 'sensitive', text: 'Became looked after.', legalStatus: 'C2', placement: 'K2' },
  ],
};
const records = socialCareRecords(view);
const search = (query: Record<string, string>): string[] | string => {
  const found = searchPeople(new URLSearchParams(query), records);
  return typeof found === 'string' ? found : found.map((p) => p.personId);
};
const json = (personId: string, collection: Collection): unknown[] => (records.collections.get(personId)?.get(collection) ?? []).map((i) => i.json);

describe('socialCareRecords', () => {
  it('translates people into contract terms: GenderCurrent, identifiers, an allocated worker without a name', () => {
    const child = records.people.get('CSC100001');
    expect(child).toMatchObject({ genderCurrent: '2', upn: 'W999302119417', personBirthDate: '2016-05-07', address, lastUpdated: '2026-01-02T09:00:00Z' });
    expect(child?.allocatedWorker).toMatchObject({ team: 'Children Looked After Team', allocatedOn: '2025-03-20' });
    expect(child?.allocatedWorker?.workerId).toMatch(/^SW-\d{4}$/);
    expect(JSON.stringify(child)).not.toContain('Synthetic Worker');
  });

  it('gives contacts CIN census sources and outcome codes, keeping the case system’s words apart', () => {
    expect(json('CSC100001', 'contacts')).toEqual([
      { id: 'E2', recordType: 'referral', date: '2025-03-01', referralSource: '10', primaryNeedCode: 'N1', outcome: { code: 'ASSESSMENT' }, summary: 'Referral accepted for assessment.', recordMarking: 'sensitive' },
      { id: 'E1', recordType: 'contact', date: '2025-01-01', referralSource: '1B', outcome: { code: 'INFORMATION_ADVICE' }, summary: 'Contact from neighbour raising concerns about the care of the children.', recordMarking: 'open' },
    ]);
    expect(json('CSC100001', 'section47-enquiries')).toEqual([
      { id: 'E3', s47ActualStartDate: '2025-03-05', icpcNotRequired: false, outcome: { code: 'ICPC' }, summary: 'Section 47 enquiry; concerns substantiated.', recordMarking: 'restricted' },
    ]);
    expect(json('CSC100001', 'child-protection-plans')).toEqual([
      { id: 'E4', cppStartDate: '2025-03-20', initialCategoryOfAbuse: 'NEG', latestCategoryOfAbuse: 'NEG', summary: 'Child protection plan, category: neglect.', recordMarking: 'sensitive' },
    ]);
    expect(json('CSC100001', 'looked-after-episodes')).toEqual([
      { id: 'E5', startDate: '2025-06-01', reasonForNewEpisode: 'S', legalStatus: 'C2', categoryOfNeed: 'N1', placement: 'K2', placementProvider: 'PR4', summary: 'Became looked after.', recordMarking: 'sensitive' },
    ]);
  });

  it('serves a link from both ends under one id, each saying what the other person is', () => {
    expect(json('CSC100001', 'relationships')).toEqual([{ id: 'REL000001', relationship: 'mother', relatedPerson: { personId: 'CSC100002', name: { given: ['Jo'], family: 'Hart' }, personBirthDate: '1988-10-11' } }]);
    expect(json('CSC100002', 'relationships')).toEqual([{ id: 'REL000001', relationship: 'child', relatedPerson: { personId: 'CSC100001', name: { given: ['Ellie', 'May'], family: 'Hart' }, personBirthDate: '2016-05-07' } }]);
  });
});

describe('searchPeople: exact, like a case system', () => {
  it.each([
    [{ nhsNumber: '9990001006' }, ['CSC100002']],
    [{ nhsNumber: '999 000 1006' }, ['CSC100002']],
    [{ upn: 'w999302119417' }, ['CSC100001']],
    [{ familyName: 'hart', birthDate: '2016-05-07' }, ['CSC100001']],
    [{ familyName: 'Hart', givenName: 'El', birthDate: '2016-05-07' }, ['CSC100001']],
    [{ familyName: 'Brook', givenName: 'Ellie', birthDate: '2016-05-07' }, ['CSC100001']],
    [{ familyName: 'Hart', postcode: 'nt27cd' }, ['CSC100001', 'CSC100002']],
    [{ givenName: 'Jo', birthDate: '1988-10-11', postcode: 'NT2 7CD' }, ['CSC100002']],
    // No forgiveness: a day/month swap, a nickname, a different given name with the other family name, a wrong postcode.
    [{ familyName: 'Hart', birthDate: '2016-07-05' }, []],
    [{ familyName: 'Hart', givenName: 'Elle-May', birthDate: '2016-05-07' }, []],
    [{ familyName: 'Brook', givenName: 'May', birthDate: '2016-05-07' }, []],
    [{ familyName: 'Hart', postcode: 'NT1 1AA' }, []],
    [{ nhsNumber: '9990001014' }, []],
  ])('%o finds %o', (query, expected) => {
    expect(search(query)).toEqual(expected);
  });

  it.each([[{ familyName: 'Hart' }], [{ givenName: 'Jo', birthDate: '1988-10-11' }], [{ birthDate: '1988-10-11' }], [{ familyName: 'Hart', birthDate: '11/10/1988' }], [{ nhsNumber: 'abc' }]])('refuses %o', (query) => {
    expect(typeof search(query)).toBe('string');
  });
});

describe('the social care simulator over HTTP', () => {
  let sim: SocialCareSimulator;
  const population = generatePopulation({ seed: DEFAULT_SEED, households: 20 });

  beforeAll(async () => {
    sim = await startSocialCareSimulator({ population, auth: { clients: [], staticTokens: ['t0ken'] } });
  });
  afterAll(async () => {
    await sim.close();
  });
  const get = (path: string, token = 't0ken'): Promise<Response> => fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const Page = z.object({ items: z.array(z.looseObject({ id: z.string() })), page: z.object({ number: z.number(), size: z.number(), totalItems: z.number(), totalPages: z.number() }) });

  it('needs the bearer token, and says so with WWW-Authenticate', async () => {
    const refused = await get('/people?nhsNumber=9994732153', 'wrong');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect((await get('/people?nhsNumber=9994732153')).status).toBe(200);
  });

  it('pages by number: every item once, then empty pages past the end', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 4; page += 1) {
      const body = Page.parse(await (await get(`/relationships?personId=CSC000001&pageSize=1&page=${page}`)).json());
      expect(body.page).toEqual({ number: page, size: 1, totalItems: 3, totalPages: 3 });
      seen.push(...body.items.map((i) => i.id));
    }
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
  });

  it('refuses writes, and the fault control endpoint reports what is set', async () => {
    expect((await fetch(`${sim.url}/people`, { method: 'POST', headers: { authorization: 'Bearer t0ken' } })).status).toBe(405);
    sim.setFaults({ latencyMs: 5, match: '/contacts' });
    expect(await (await fetch(`${sim.url}/_sim/faults`)).json()).toEqual({ latencyMs: 5, match: '/contacts' });
    sim.setFaults({});
    expect(() => {
      sim.setFaults({ status: 42 });
    }).toThrow();
  });
});
