/**
 * The social care contract holds together, and what we serve keeps to it.
 *
 * How responses are validated: the contract's own JSON Schema file
 * (contracts/social-care/schemas/social-care.schema.json, draft 2020-12) is turned into a zod
 * schema with zod 4's `z.fromJSONSchema` — one definition at a time, with the file's `$defs`
 * beside it — so there is no hand-written mirror to drift from the contract. The negative
 * cases below prove the conversion enforces what matters here (required fields,
 * `additionalProperties: false`, enums, patterns, `format: date`). Checked: every `$ref` in
 * openapi.yaml resolves; every fixture file matches its definition; every endpoint of the
 * simulator, for a sample of people, answers with bodies that match theirs (and problem
 * documents for refusals).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DEFAULT_SEED, generatePopulation } from '../../simulators/population/index.ts';
import { startSocialCareSimulator, type SocialCareSimulator } from '../../simulators/social-care/server.ts';
import { COLLECTION_PAGES, CONTRACT_DIR, fixtureFiles, readJson } from './fixtures.ts';

const SchemaFile = z.object({ $schema: z.literal('https://json-schema.org/draft/2020-12/schema'), $defs: z.record(z.string(), z.record(z.string(), z.unknown())) });
const schemaFile = SchemaFile.parse(readJson(join(CONTRACT_DIR, 'schemas', 'social-care.schema.json')));

/** The zod schema of one contract definition, converted from the JSON Schema file. */
function definition(name: string): z.ZodType {
  if (schemaFile.$defs[name] === undefined) throw new Error(`no $defs/${name} in the contract`);
  return z.fromJSONSchema({ $schema: schemaFile.$schema, $defs: schemaFile.$defs, $ref: `#/$defs/${name}` });
}

function expectValid(value: unknown, name: string, label: string): void {
  const result = definition(name).safeParse(value);
  const issues = result.success ? '' : JSON.stringify(result.error.issues.slice(0, 3));
  expect(result.success, `${label} does not match ${name}: ${issues}`).toBe(true);
}

/** Every `$ref` string anywhere in a parsed document. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, v]) => (key === '$ref' && typeof v === 'string' ? [v] : refsIn(v)));
}

describe('contracts/social-care', () => {
  it('openapi.yaml is OpenAPI 3.1 and every $ref resolves, in the file or in the schema file', () => {
    const openapi = z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()), components: z.looseObject({}) }).parse(parseYaml(readFileSync(join(CONTRACT_DIR, 'openapi.yaml'), 'utf8')));
    expect(openapi.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.paths).sort()).toEqual(['/assessments', '/child-protection-plans', '/cin-plans', '/contacts', '/looked-after-episodes', '/oauth2/token', '/people', '/relationships', '/section47-enquiries']);
    const refs = refsIn(openapi);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      const external = /^\.\/schemas\/social-care\.schema\.json#\/\$defs\/([A-Za-z0-9]+)$/.exec(ref);
      if (external?.[1] !== undefined) {
        expect(schemaFile.$defs[external[1]], ref).toBeDefined();
        continue;
      }
      const local = /^#\/components\/(parameters|responses)\/([A-Za-z0-9]+)$/.exec(ref);
      expect(local, `unexpected $ref ${ref}`).not.toBeNull();
    }
    // And within the schema file.
    for (const ref of refsIn(schemaFile.$defs)) expect(schemaFile.$defs[ref.replace('#/$defs/', '')], ref).toBeDefined();
  });

  it('the conversion enforces required fields, closed objects, enums, patterns and dates', () => {
    const plan = { id: 'CP-1', cppStartDate: '2026-01-01', initialCategoryOfAbuse: 'NEG', latestCategoryOfAbuse: 'NEG', summary: 'Plan.' };
    const cp = definition('ChildProtectionPlan');
    expect(cp.safeParse(plan).success).toBe(true);
    expect(cp.safeParse({ ...plan, initialCategoryOfAbuse: 'XYZ' }).success).toBe(false);
    expect(cp.safeParse({ ...plan, cppStartDate: '2026-02-30' }).success).toBe(false);
    expect(cp.safeParse({ ...plan, extra: true }).success).toBe(false);
    expect(cp.safeParse({ ...plan, id: 'has space' }).success).toBe(false);
    const { summary: _summary, ...withoutSummary } = plan;
    expect(cp.safeParse(withoutSummary).success).toBe(false);
    expect(definition('ContactPage').safeParse({ items: [], page: { number: 0, size: 20, totalItems: 0, totalPages: 0 } }).success).toBe(false);
  });

  it.each(fixtureFiles().map((f) => [f.file.slice(CONTRACT_DIR.length + 1), f.definition, f.file] as const))('fixture %s matches %s', (_name, def, file) => {
    expectValid(readJson(file), def, file);
  });
});

describe('the social care simulator answers per the contract', () => {
  let sim: SocialCareSimulator;
  const population = generatePopulation({ seed: DEFAULT_SEED, households: 300 });
  const view = population.views['social-care'];

  beforeAll(async () => {
    sim = await startSocialCareSimulator({ population });
  });
  afterAll(async () => {
    await sim.close();
  });

  const get = async (path: string): Promise<{ status: number; contentType: string; body: unknown }> => {
    const response = await fetch(`${sim.url}${path}`);
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: await response.json() };
  };

  it('every collection of every person with records, and a person search for each, matches its page definition', async () => {
    const withRecords = new Set(view.events.flatMap((e) => e.recordIds));
    const sample = view.persons.filter((p) => withRecords.has(p.recordId) || p.allocatedWorker !== undefined).slice(0, 40);
    expect(sample.length).toBeGreaterThan(10);
    const kinds = new Set<string>();
    for (const person of sample) {
      const search = person.nhsNumber !== undefined ? `nhsNumber=${person.nhsNumber}` : `familyName=${encodeURIComponent(person.name.family)}&birthDate=${person.birthDate ?? ''}`;
      const found = await get(`/people?${search}`);
      expect(found.status, search).toBe(person.birthDate === undefined && person.nhsNumber === undefined ? 400 : 200);
      if (found.status === 200) expectValid(found.body, 'PersonPage', `GET /people?${search}`);
      for (const [collection, def] of Object.entries(COLLECTION_PAGES)) {
        const page = await get(`/${collection}?personId=${person.recordId}&pageSize=100`);
        expect(page.status).toBe(200);
        expect(page.contentType).toMatch(/^application\/json/);
        expectValid(page.body, def, `GET /${collection} for ${person.recordId}`);
        if (z.object({ items: z.array(z.unknown()).min(1) }).safeParse(page.body).success) kinds.add(collection);
      }
    }
    // The sample exercised every kind of record the population has.
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['child-protection-plans', 'contacts', 'relationships', 'section47-enquiries', 'assessments']));
  });

  it('every looked-after episode and CP plan in the population matches the contract', async () => {
    const ids = [...new Set(view.events.filter((e) => e.kind === 'looked-after' || e.kind === 'cp-plan' || e.kind === 'cin-plan').flatMap((e) => e.recordIds))];
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) {
      for (const [collection, def] of [['looked-after-episodes', 'LookedAfterEpisodePage'], ['child-protection-plans', 'ChildProtectionPlanPage'], ['cin-plans', 'CinPlanPage']] as const) {
        expectValid((await get(`/${collection}?personId=${id}`)).body, def, `GET /${collection} for ${id}`);
      }
    }
  });

  it.each([
    ['/people?familyName=Smith', 400],
    ['/people?birthDate=2017-02-30&familyName=Smith', 400],
    ['/people?nhsNumber=12345', 400],
    ['/people?nhsNumber=9994732153&page=0', 400],
    ['/people?nhsNumber=9994732153&pageSize=101', 400],
    ['/contacts', 400],
    ['/contacts?personId=NOSUCH1', 404],
    ['/nothing-here', 404],
  ] as const)('%s is refused with a problem document (HTTP %i)', async (path, status) => {
    const answer = await get(path);
    expect(answer.status).toBe(status);
    expect(answer.contentType).toBe('application/problem+json');
    expectValid(answer.body, 'Problem', path);
  });
});
