/**
 * The housing contract holds, on both sides: the fixtures and everything the simulator serves
 * validate against contracts/housing/openapi.json's JSON Schemas (checked with our own minimal
 * validator, json-schema.ts — independent of the adapter's zod schemas); served person alerts
 * also validate against the original UKHDS `person_alert.schema.json`; the adapter's zod
 * schemas accept all of it; and the UKHDS code list copy equals what the published SQL defines.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  HousingAsbCase,
  HousingHomelessnessApplication,
  HousingNotice,
  HousingPerson,
  HousingRentAccount,
  HousingTenancy,
  pageOf,
  UkhdsPersonAlert,
} from '../../src/adapters/housing/types.ts';
import { DEFAULT_SEED, generatePopulation, UKHDS_ALERTS, type Population } from '../../simulators/population/index.ts';
import { loadCodeList } from '../../simulators/housing/alerts.ts';
import { housingRecords, type HousingRecords } from '../../simulators/housing/records.ts';
import { startHousingSimulator, type HousingSimulator } from '../../simulators/housing/server.ts';
import { CONTRACT_DIR, FIXTURE_FILES, FIXTURES_DIR, readJson } from './fixtures.ts';
import { assertSupported, validateJsonSchema } from './json-schema.ts';
import { CODE_LIST_JSON, readCodeList, UKHDS_SCHEMA, UKHDS_SQL } from './ukhds-sql.ts';

const OpenApi = z.object({
  openapi: z.string(),
  paths: z.record(z.string(), z.unknown()),
  components: z.object({ schemas: z.record(z.string(), z.unknown()) }),
});
const openapi = readJson(join(CONTRACT_DIR, 'openapi.json'));
const { components } = OpenApi.parse(openapi);

/** Validation errors of `value` against `components.schemas[name]`. */
const errorsOf = (name: string, value: unknown): string[] => validateJsonSchema({ $ref: `#/components/schemas/${name}` }, JSON.parse(JSON.stringify(value)), openapi);

function expectValid(name: string, value: unknown, label: string): void {
  expect(errorsOf(name, value), `${label} against ${name}`).toEqual([]);
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with the endpoints of the housing connector, and every $ref resolves', () => {
    expect(OpenApi.parse(openapi).openapi).toBe('3.1.0');
    expect(Object.keys(OpenApi.parse(openapi).paths).sort()).toEqual(
      ['/asb-cases', '/homelessness-applications', '/notices', '/oauth2/token', '/person-alerts', '/persons', '/persons/{personRef}', '/rent-accounts', '/tenancies'].sort(),
    );
    const refs = [...JSON.stringify(openapi).matchAll(/"\$ref":"(#[^"]+)"/g)].map((m) => m[1] ?? '');
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) expect(() => validateJsonSchema({ $ref: ref }, null, openapi), ref).not.toThrow(/unresolvable/);
  });

  it('uses only JSON Schema keywords the validator applies', () => {
    for (const [name, schema] of Object.entries(components.schemas)) expect(() => assertSupported(schema, name), name).not.toThrow();
  });

  it('rejects what it should: a schema check that can fail', () => {
    expect(errorsOf('Person', { personRef: 'HPR-1' }).join('\n')).toMatch(/missing required property personId/);
    expect(errorsOf('PersonAlert', { person_id: 1, person_alert_code_id: 1, start_date: '2026-13-01' }).join('\n')).toMatch(/start_date: not a valid date/);
  });
});

const FIXTURE_SCHEMAS: Readonly<Record<(typeof FIXTURE_FILES)[number], readonly [string, z.ZodType]>> = {
  'persons-search.json': ['PersonPage', pageOf(HousingPerson)],
  'tenancies.json': ['TenancyPage', pageOf(HousingTenancy)],
  'rent-accounts.json': ['RentAccountPage', pageOf(HousingRentAccount)],
  'notices.json': ['NoticePage', pageOf(HousingNotice)],
  'asb-cases.json': ['AsbCasePage', pageOf(HousingAsbCase)],
  'homelessness-applications.json': ['HomelessnessApplicationPage', pageOf(HousingHomelessnessApplication)],
  'person-alerts.json': ['PersonAlertPage', pageOf(UkhdsPersonAlert)],
};

describe('the fixtures', () => {
  it.each(FIXTURE_FILES)('%s validates against the contract and parses with the adapter schema', (file) => {
    const [schemaName, zodSchema] = FIXTURE_SCHEMAS[file];
    const value = readJson(join(FIXTURES_DIR, file));
    expectValid(schemaName, value, file);
    expect(zodSchema.safeParse(value).success).toBe(true);
  });

  it('person alerts also validate against the original UKHDS person_alert.schema.json', () => {
    const ukhds = readJson(UKHDS_SCHEMA);
    const { items } = z.object({ items: z.array(z.unknown()) }).parse(readJson(join(FIXTURES_DIR, 'person-alerts.json')));
    for (const alert of items) expect(validateJsonSchema(ukhds, alert)).toEqual([]);
  });
});

describe('the UKHDS code list', () => {
  it('equals what the published SQL defines', () => {
    const fromSql = readCodeList(readFileSync(UKHDS_SQL, 'utf8'));
    expect(readJson(CODE_LIST_JSON)).toEqual(JSON.parse(JSON.stringify(fromSql)));
    expect(fromSql.codes).toHaveLength(126);
    expect(new Set(fromSql.codes.map((c) => c.alert_code)).size).toBe(20);
    expect(fromSql.codes.find((c) => c.alert_subcode === 'SAF2.02')).toMatchObject({ alert_name: 'Child Safeguarding Concern', alert_subname: 'Unexplained School Absences / Welfare Concern', alert_category_id: 6 });
    expect(fromSql.categories.find((c) => c.alert_category_id === 6)?.alert_category_name).toBe('Safeguarding');
  });

  it('holds every code the population uses, as the simulator loads it', () => {
    const codes = new Set(loadCodeList().codes.map((c) => c.alert_subcode));
    for (const alert of Object.values(UKHDS_ALERTS)) expect(codes.has(alert.code), alert.code).toBe(true);
  });
});

describe('what the simulator serves', () => {
  let population: Population;
  let records: HousingRecords;
  let sim: HousingSimulator;

  beforeAll(async () => {
    population = generatePopulation({ seed: DEFAULT_SEED });
    records = housingRecords(population.views.housing, population.referenceDate, loadCodeList());
    sim = await startHousingSimulator({ population });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('every record validates against its contract schema and parses with the adapter schema', () => {
    const groups: readonly (readonly [string, z.ZodType, readonly unknown[]])[] = [
      ['Person', HousingPerson, records.persons],
      ['Tenancy', HousingTenancy, [...records.tenanciesByPerson.values()].flat()],
      ['RentAccount', HousingRentAccount, [...records.rentAccountsByTenancy.values()].flat()],
      ['Notice', HousingNotice, [...records.noticesByTenancy.values()].flat()],
      ['AsbCase', HousingAsbCase, [...records.asbByPerson.values()].flat()],
      ['HomelessnessApplication', HousingHomelessnessApplication, [...records.applicationsByPerson.values()].flat()],
      ['PersonAlert', UkhdsPersonAlert, [...records.alertsByPerson.values()].flat()],
    ];
    for (const [name, zodSchema, items] of groups) {
      expect(items.length, name).toBeGreaterThan(0);
      for (const item of new Set(items)) {
        expectValid(name, item, name);
        expect(zodSchema.safeParse(JSON.parse(JSON.stringify(item))).success, name).toBe(true);
      }
    }
  });

  it('every served person alert validates against the original UKHDS person_alert.schema.json', () => {
    const ukhds = readJson(UKHDS_SCHEMA);
    const alerts = [...records.alertsByPerson.values()].flat();
    expect(alerts.length).toBeGreaterThan(100);
    for (const alert of alerts) expect(validateJsonSchema(ukhds, JSON.parse(JSON.stringify(alert)))).toEqual([]);
  });

  it('responses on the wire — pages, single reads, problems and tokens — match the contract', async () => {
    const get = async (path: string): Promise<{ status: number; type: string; body: unknown }> => {
      const response = await fetch(`${sim.url}${path}`);
      return { status: response.status, type: response.headers.get('content-type') ?? '', body: await response.json() };
    };
    const sample = records.persons.filter((_, i) => i % 25 === 0).concat(records.persons.filter((p) => p.personRef.startsWith('HPR-00000')));
    const pages: [string, string][] = [
      ['/persons?surname=Smith&postcode=WF13%202QP&pageSize=2', 'PersonPage'],
      ['/persons?surname=Smith&postcode=WF13%202QP&pageSize=2&page=2', 'PersonPage'],
      ['/persons?uprn=100090382714', 'PersonPage'],
    ];
    for (const p of sample) {
      for (const [path, schema] of [['tenancies', 'TenancyPage'], ['asb-cases', 'AsbCasePage'], ['homelessness-applications', 'HomelessnessApplicationPage'], ['person-alerts', 'PersonAlertPage']] as const) {
        pages.push([`/${path}?personRef=${p.personRef}&pageSize=1`, schema]);
      }
      if (p.tenancyRef !== undefined) pages.push([`/rent-accounts?tenancyRef=${p.tenancyRef}`, 'RentAccountPage'], [`/notices?tenancyRef=${p.tenancyRef}`, 'NoticePage']);
    }
    for (const [path, schema] of pages) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.type).toMatch(/^application\/json/);
      expectValid(schema, response.body, path);
    }

    expectValid('Person', (await get('/persons/HPR-000001')).body, 'GET /persons/HPR-000001');
    for (const path of ['/persons?surname=Smith', '/persons?forename=Robert&surname=', '/persons?surname=Smith&dateOfBirth=04/03/2017', '/tenancies', '/persons?uprn=1&pageSize=500', '/persons/HPR-999999x', '/nowhere']) {
      const response = await get(path);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.type).toMatch(/^application\/problem\+json/);
      expectValid('Problem', response.body, path);
    }
    const token = await fetch(`${sim.url}/oauth2/token`, { method: 'POST', body: 'grant_type=client_credentials' });
    expect(token.status).toBe(400);
    expectValid('TokenError', await token.json(), 'token endpoint without auth');
  });
});

describe('what the simulator serves with auth configured', () => {
  let sim: HousingSimulator;

  beforeAll(async () => {
    sim = await startHousingSimulator({ population: generatePopulation({ seed: DEFAULT_SEED, households: 20 }), auth: { clients: [{ clientId: 'c', clientSecret: 's' }] } });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('token responses and refusals match the contract; API calls without a token are 401 problems', async () => {
    const basic = (secret: string): string => `Basic ${Buffer.from(`c:${secret}`).toString('base64')}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const issued = await fetch(sim.tokenUrl, { method: 'POST', headers: { ...form, authorization: basic('s') }, body: 'grant_type=client_credentials&scope=housing.read' });
    expect(issued.status).toBe(200);
    const body: unknown = await issued.json();
    expectValid('TokenResponse', body, 'token');
    const refused = await fetch(sim.tokenUrl, { method: 'POST', headers: { ...form, authorization: basic('x') }, body: 'grant_type=client_credentials' });
    expect(refused.status).toBe(401);
    expectValid('TokenError', await refused.json(), 'refused token');

    const anonymous = await fetch(`${sim.url}/persons?uprn=1`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expectValid('Problem', await anonymous.json(), 'anonymous');
    const accessToken = z.object({ access_token: z.string() }).parse(body).access_token;
    const authorised = await fetch(`${sim.url}/persons?uprn=1`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(authorised.status).toBe(200);
    sim.revokeTokens();
    expect((await fetch(`${sim.url}/persons?uprn=1`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(401);
  });
});
