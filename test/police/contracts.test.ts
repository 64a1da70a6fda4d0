/**
 * The police contract holds on both sides of the wire, checked with xmllint (libxml2 in
 * WebAssembly) against contracts/police/pole-person-search.xsd: the fixture files; every nominal
 * of the default population as the simulator serialises it; the simulator's responses and fault
 * details over HTTP; and the PersonSearchRequest node-soap builds from the WSDL for the adapter.
 * The WSDL itself must load in node-soap with the one operation the adapter calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClientAsync } from 'soap';
import { createPoliceSoapAdapter, POLICE_WSDL_PATH } from '../../src/adapters/police/adapter.ts';
import { DEFAULT_SEED, generatePopulation } from '../../simulators/population/index.ts';
import { indexPoliceView } from '../../simulators/police/search.ts';
import { startPoliceSimulator, type PoliceSimulator } from '../../simulators/police/server.ts';
import { personSearchResponse } from '../../simulators/police/xml.ts';
import { bodyPayload, featuredStepFatherQuery, found, readFixture, referralChildQuery, settingsFor, validateAgainstXsd } from './fixtures.ts';

const population = generatePopulation({ seed: DEFAULT_SEED });

async function expectValid(documents: readonly { readonly name: string; readonly xml: string }[]): Promise<void> {
  const result = await validateAgainstXsd(documents);
  expect(result.errors.slice(0, 5).map((e) => e.rawMessage)).toEqual([]);
  expect(result.valid).toBe(true);
}

describe('police contract (XSD validation with xmllint-wasm)', () => {
  it('the schema itself is rejected when a document breaks it (the check can fail)', async () => {
    const broken = bodyPayload(readFixture('person-search-response.xml')).replace('<pole:HandlingCode>4</pole:HandlingCode>', '<pole:HandlingCode>9</pole:HandlingCode>');
    const result = await validateAgainstXsd([{ name: 'broken.xml', xml: broken }]);
    expect(result.valid).toBe(false);
    expect(result.errors[0]?.message).toMatch(/HandlingCode/);
  });

  it.each(['person-search-response.xml', 'person-search-no-match.xml', 'person-search-request.xml'])('fixtures/%s: the body payload is valid', async (file) => {
    await expectValid([{ name: file, xml: bodyPayload(readFixture(file)) }]);
  });

  it.each(['fault-invalid-search-criteria.xml'])('fixtures/%s: the fault detail is valid', async (file) => {
    const detail = /<pole:PersonSearchFault[\s\S]*<\/pole:PersonSearchFault>/.exec(readFixture(file))?.[0] ?? '';
    await expectValid([{ name: file, xml: detail }]);
  });

  it('every nominal of the default population, with its associations and events, serialises to a valid response', async () => {
    const index = indexPoliceView(population.views.police);
    const pages: { name: string; xml: string }[] = [];
    for (let start = 0; start < index.nominals.length; start += 50) {
      const nominals = index.nominals.slice(start, start + 50);
      pages.push({ name: `page-${start / 50 + 1}.xml`, xml: personSearchResponse(index, nominals, { totalMatches: index.nominals.length, pageNumber: start / 50 + 1, pageSize: 50, morePages: start + 50 < index.nominals.length }) });
    }
    expect(pages.length).toBeGreaterThan(10);
    expect(population.views.police.events.some((e) => e.kind === 'intelligence')).toBe(true);
    await expectValid(pages);
  });

  it('node-soap loads the WSDL (and the XSD it imports) with the PersonSearch operation on a SOAP 1.2 port', async () => {
    const client = await createClientAsync(POLICE_WSDL_PATH);
    const description: unknown = client.describe();
    expect(description).toHaveProperty(['PersonSearchService', 'PersonSearchPort', 'PersonSearch', 'input', 'SearchCriteria']);
    expect(description).toHaveProperty(['PersonSearchService', 'PersonSearchPort', 'PersonSearch', 'output', 'SearchResultsMetadata']);
  });
});

describe('police contract on the wire: simulator responses and adapter requests', () => {
  let sim: PoliceSimulator;
  const requests: string[] = [];
  const responses: string[] = [];
  /** Passes every call to the simulator, keeping request and response bodies for validation. */
  const tee: typeof globalThis.fetch = async (input, init) => {
    if (typeof init?.body === 'string') requests.push(init.body);
    const response = await fetch(input, init);
    responses.push(await response.clone().text());
    return response;
  };

  beforeAll(async () => {
    sim = await startPoliceSimulator({ population, auth: { users: [{ username: 'mash', password: 'pw' }] } });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('the adapter sends valid PersonSearchRequests and the simulator answers with valid PersonSearchResponses', async () => {
    const adapter = createPoliceSoapAdapter({ pageSize: 2 });
    const settings = settingsFor(sim.url, { auth: { kind: 'ws-security', username: 'mash', password: 'pw' } });
    const queries = [referralChildQuery(), featuredStepFatherQuery, { ...featuredStepFatherQuery, identifiers: [{ system: 'pnc-id', value: '05/418273V' }] }];
    for (const query of queries) expect(found(await adapter.search(query, settings, { fetch: tee })).results.length).toBeGreaterThan(0);
    expect(requests.length).toBeGreaterThanOrEqual(4);
    expect(responses).toHaveLength(requests.length);
    await expectValid([
      ...requests.map((xml, i) => ({ name: `request-${i}.xml`, xml: bodyPayload(xml) })),
      ...responses.map((xml, i) => ({ name: `response-${i}.xml`, xml: bodyPayload(xml) })),
    ]);
  });

  it("the simulator's fault details are valid", async () => {
    const response = await fetch(sim.url, { method: 'POST', headers: { 'content-type': 'application/soap+xml' }, body: '<not-xml' });
    expect(response.status).toBe(400);
    const detail = /<pole:PersonSearchFault[\s\S]*<\/pole:PersonSearchFault>/.exec(await response.text())?.[0] ?? '';
    await expectValid([{ name: 'fault.xml', xml: detail }]);
  });

  it('the simulator serves the WSDL with its own address, and the XSD beside it', async () => {
    const wsdl = await (await fetch(`${sim.url}/?wsdl`)).text();
    expect(wsdl).toContain(`<soap12:address location="${sim.url}"/>`);
    const xsd = await fetch(`${sim.url}/pole-person-search.xsd`);
    expect(xsd.status).toBe(200);
    expect(await xsd.text()).toContain('targetNamespace="https://mash-gateway.invalid/schema/police/pole/1"');
  });
});
