/**
 * Shared fixtures of the social care tests: the synthetic Ashworth family from
 * contracts/social-care/fixtures/ashworth (read and parsed with the adapter's own schemas, as the
 * adapter would), the featured child's subject queries, and connector settings for a simulator.
 *
 * Why this file exists: the mapping, contract and protocol tests start from the same files, and
 * the fixture directory's naming (`people.json`, `<collection>.<personId>.json`) lives in one place.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ZodType } from 'zod';
import type { ConnectorAuth, ConnectorSettings, SubjectQuery } from '../../src/adapters/port.ts';
import {
  ScAssessment,
  ScChildProtectionPlan,
  ScCinPlan,
  ScContact,
  ScLookedAfterEpisode,
  ScPage,
  ScPerson,
  ScRelationship,
  ScSection47,
  type SocialCarePersonRecords,
  type SocialCareRaw,
} from '../../src/adapters/social-care/types.ts';
import type { MappingContext } from '../../src/mapping/context.ts';

export const CONTRACT_DIR = join(import.meta.dirname, '../../contracts/social-care');
export const FIXTURES_DIR = join(CONTRACT_DIR, 'fixtures');
export const ASHWORTH_DIR = join(FIXTURES_DIR, 'ashworth');

/** Each person-scoped collection: its endpoint (and fixture file prefix) and the contract's page definition. */
export const COLLECTION_PAGES = {
  contacts: 'ContactPage',
  assessments: 'AssessmentPage',
  'section47-enquiries': 'Section47Page',
  'cin-plans': 'CinPlanPage',
  'child-protection-plans': 'ChildProtectionPlanPage',
  'looked-after-episodes': 'LookedAfterEpisodePage',
  relationships: 'RelationshipPage',
} as const;
export type CollectionPath = keyof typeof COLLECTION_PAGES;

export const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** Every fixture file with the contract definition it must satisfy. */
export function fixtureFiles(): { readonly file: string; readonly definition: string }[] {
  const files = readdirSync(ASHWORTH_DIR).map((name) => {
    if (name === 'people.json') return { file: join(ASHWORTH_DIR, name), definition: 'PersonPage' };
    const collection = Object.entries(COLLECTION_PAGES).find(([path]) => name.startsWith(`${path}.`));
    if (collection === undefined) throw new Error(`fixture ${name} does not name a collection`);
    return { file: join(ASHWORTH_DIR, name), definition: collection[1] };
  });
  return [...files, { file: join(FIXTURES_DIR, 'problem-400.json'), definition: 'Problem' }];
}

function items<T>(path: string, schema: ZodType<T>): T[] {
  if (!existsSync(path)) return [];
  return ScPage.parse(readJson(path)).items.map((item) => schema.parse(item));
}

/** The Ashworth family as the adapter would return it: every person in people.json with their collections. */
export function ashworthRaw(): SocialCareRaw {
  const people = ScPage.parse(readJson(join(ASHWORTH_DIR, 'people.json'))).items.map((p) => ScPerson.parse(p));
  const file = (collection: CollectionPath, personId: string): string => join(ASHWORTH_DIR, `${collection}.${personId}.json`);
  return {
    people: people.map((person): SocialCarePersonRecords => ({
      person,
      contacts: items(file('contacts', person.personId), ScContact),
      assessments: items(file('assessments', person.personId), ScAssessment),
      section47Enquiries: items(file('section47-enquiries', person.personId), ScSection47),
      cinPlans: items(file('cin-plans', person.personId), ScCinPlan),
      childProtectionPlans: items(file('child-protection-plans', person.personId), ScChildProtectionPlan),
      lookedAfterEpisodes: items(file('looked-after-episodes', person.personId), ScLookedAfterEpisode),
      relationships: items(file('relationships', person.personId), ScRelationship),
    })),
  };
}

export const mappingContext: MappingContext = {
  connectorId: 'northtown-csc',
  sourceSystem: 'Northtown children’s case system',
  lookupId: 'lookup-1',
  retrievedAt: '2026-11-21T10:00:00.000Z',
  lawfulBasis: 'children-act-1989-s47',
};

/** The featured child as examples/referral.json describes him (the referral's details, noise and all). */
export const featuredReferralQuery: SubjectQuery = {
  given: ['Robert', 'James'],
  family: 'Smith',
  otherNames: [{ given: ['Bobby'], family: 'Smith' }],
  birthDate: '2017-03-04',
  sex: 'male',
  postcode: 'WF13 2QP',
  addressLines: ['14 Alder Grove'],
  identifiers: [{ system: 'nhs-number', value: '9994732153' }],
};

/** The same child without his NHS number: only name, birth date and address to go on. */
export const featuredByDemographics: SubjectQuery = { ...featuredReferralQuery, identifiers: [] };

/** Values that identify the featured child: none may appear in an orchestration. */
export const FEATURED_IDENTIFYING_VALUES = ['9994732153', 'Smith', 'Robert', 'Bobby', '2017-03-04', '2017-04-03', 'WF13', 'CSC000001'] as const;

export function settingsFor(baseUrl: string, overrides: Partial<ConnectorSettings> & { auth?: ConnectorAuth } = {}): ConnectorSettings {
  return { id: 'social-care-sim', baseUrl, auth: { kind: 'none' }, timeoutMs: 5_000, maxResponseBytes: 1_000_000, maxPages: 10, maxCandidates: 5, ...overrides };
}
