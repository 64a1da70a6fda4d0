/**
 * The education contract holds: the fixtures in contracts/education/fixtures and what the
 * education simulator serves — the featured child's search, UPN search, pages, empty results,
 * error documents, and every pupil of the population — are valid against
 * contracts/education/pupil-search.xsd (+ ctf.xsd), checked by libxml2 (xmllint-wasm). Broken
 * documents are refused by the same check, so it is not vacuous.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SEED, FEATURED_FAMILY, generatePopulation, type Population } from '../../simulators/population/index.ts';
import { educationRecords, pupilNode, searchResponseXml } from '../../simulators/education/ctf.ts';
import { malformedBody } from '../../simulators/education/hostile.ts';
import { startEducationSimulator, type EducationSimulator } from '../../simulators/education/server.ts';
import { readFixture, validateAgainstContract } from './fixtures.ts';

async function expectValid(xml: string, label: string): Promise<void> {
  const result = await validateAgainstContract(xml, label);
  expect(result.errors.map((e) => e.rawMessage), label).toEqual([]);
  expect(result.valid).toBe(true);
}

describe('education fixtures are valid against the contract', () => {
  it.each(['featured-family.xml', 'edge-cases.xml', 'empty.xml', 'error.xml'])('fixtures/%s', async (file) => {
    await expectValid(readFixture(file), file);
  });

  it('refuses documents that break it (the check is live)', async () => {
    const valid = readFixture('edge-cases.xml');
    const broken = [
      valid.replace('<Gender>U</Gender>', '<Gender>X</Gender>'),
      valid.replace('<UPN>A123456789012</UPN>', '<UPN>I123456789012</UPN>'),
      valid.replace('<Relationship>SWR</Relationship>', '<Relationship>NEIGHBOUR</Relationship>'),
      valid.replace('<DOB>2012-11-30</DOB>', '<DOB>2012-02-30</DOB>'),
      valid.replace(/<Surname>Nowak<\/Surname>\s*<Forename>Zofia<\/Forename>/, '<Forename>Zofia</Forename><Surname>Nowak</Surname>'),
      malformedBody('wrong-shape', undefined),
      malformedBody('wrong-root', undefined),
    ];
    for (const [index, xml] of broken.entries()) {
      expect((await validateAgainstContract(xml, `broken-${index}.xml`)).valid, `broken document ${index}`).toBe(false);
    }
  });
});

describe('what the education simulator serves is valid against the contract', () => {
  let population: Population;
  let sim: EducationSimulator;
  const get = async (query: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> => {
    const response = await fetch(`${sim.url}/pupils?${query}`, { headers });
    return { status: response.status, body: await response.text() };
  };

  beforeAll(async () => {
    population = generatePopulation({ seed: DEFAULT_SEED });
    sim = await startEducationSimulator({ population });
  });
  afterAll(async () => {
    await sim.close();
  });

  it("the featured child's search by the referral's surname and birth date", async () => {
    const { status, body } = await get('surname=Smith&dob=2017-03-04&fuzzy=true&pageSize=5&page=1');
    expect(status).toBe(200);
    expect(body).toContain(`<RecordID>${FEATURED_FAMILY.childRecords.education}</RecordID>`);
    expect(body).toContain('<Surname>Smyth</Surname>');
    await expectValid(body, 'featured-child.xml');
  });

  it('a UPN search, a search with no matches, and both pages of a two-page search', async () => {
    const byUpn = await get(`upn=${FEATURED_FAMILY.upn}`);
    expect(byUpn.body).toContain(`<UPN>${FEATURED_FAMILY.upn}</UPN>`);
    await expectValid(byUpn.body, 'upn.xml');

    const none = await get('surname=Nobody&dob=1999-01-01');
    expect(none.body).toContain('<TotalMatches>0</TotalMatches>');
    await expectValid(none.body, 'none.xml');

    const first = await get('surname=Smith&postcode=WF13%202QP&fuzzy=true&pageSize=1&page=1');
    expect(first.body).toContain('<NextPage>2</NextPage>');
    await expectValid(first.body, 'page-1.xml');
    const second = await get('surname=Smith&postcode=WF13%202QP&fuzzy=true&pageSize=1&page=2');
    expect(second.body).toContain('<Page>2</Page>');
    await expectValid(second.body, 'page-2.xml');
  });

  it('error documents: a query too broad, a malformed parameter, an unknown path', async () => {
    const broad = await get('surname=Smith');
    expect(broad.status).toBe(400);
    expect(broad.body).toContain('<Code>QUERY_TOO_BROAD</Code>');
    await expectValid(broad.body, 'too-broad.xml');

    const invalid = await get('surname=Smith&dob=04/03/2017');
    expect(invalid.status).toBe(400);
    expect(invalid.body).toContain('<Code>INVALID_QUERY</Code>');
    await expectValid(invalid.body, 'invalid.xml');

    const unknown = await fetch(`${sim.url}/students`);
    expect(unknown.status).toBe(404);
    await expectValid(await unknown.text(), 'not-found.xml');
  });

  it('every pupil of the population, as one document', async () => {
    const records = educationRecords(population);
    const xml = searchResponseXml({ page: 1, pageSize: records.pupils.length, total: records.pupils.length }, records.pupils.map((p) => pupilNode(records, p)), records, new Date('2026-11-21T10:00:00Z'));
    // The population has most shapes: EHC plans, suspensions, CME, grandparents, flats (permanent exclusions are in edge-cases.xml).
    for (const marker of ['<SENprovision>E</SENprovision>', '<Category>SUSP</Category>', '<CMEstatus>', '<Relationship>GN', '<SAON>']) expect(xml).toContain(marker);
    await expectValid(xml, 'all-pupils.xml');
  });
});
