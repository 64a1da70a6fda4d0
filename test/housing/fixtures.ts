/**
 * Shared fixtures of the housing tests: the contract's fixture responses, read and parsed as the
 * adapter would parse them; the referral's subject query for the featured child; connector
 * settings for a simulator; and the mapping context.
 *
 * Why this file exists: the adapter, mapping, contract and simulator tests start from the same
 * files (contracts/housing/fixtures) and the same subject (examples/referral.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import type { ConnectorAuth, ConnectorSettings, SubjectQuery } from '../../src/adapters/port.ts';
import {
  HousingAsbCase,
  HousingHomelessnessApplication,
  HousingNotice,
  HousingPerson,
  HousingRentAccount,
  HousingTenancy,
  pageOf,
  UkhdsPersonAlert,
  type HousingRaw,
} from '../../src/adapters/housing/types.ts';
import type { MappingContext } from '../../src/mapping/context.ts';

export const CONTRACT_DIR = join(import.meta.dirname, '../../contracts/housing');
export const FIXTURES_DIR = join(CONTRACT_DIR, 'fixtures');

export const FIXTURE_FILES = [
  'persons-search.json',
  'tenancies.json',
  'rent-accounts.json',
  'notices.json',
  'asb-cases.json',
  'homelessness-applications.json',
  'person-alerts.json',
] as const;

export const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

function itemsOf<T extends z.ZodType>(file: (typeof FIXTURE_FILES)[number], schema: T): z.infer<T>[] {
  return pageOf(schema).parse(readJson(join(FIXTURES_DIR, file))).items;
}

/** The fixture family as the adapter returns it for a search of the child Amara Okafor. */
export function fixtureRaw(): HousingRaw {
  const [child] = itemsOf('persons-search.json', HousingPerson);
  if (child === undefined) throw new Error('persons-search.json has no person');
  const tenancies = itemsOf('tenancies.json', HousingTenancy);
  return {
    persons: [
      {
        person: child,
        tenancies,
        asbCases: itemsOf('asb-cases.json', HousingAsbCase),
        homelessnessApplications: itemsOf('homelessness-applications.json', HousingHomelessnessApplication),
        alerts: itemsOf('person-alerts.json', UkhdsPersonAlert),
      },
    ],
    tenancies: [
      { tenancyRef: 'TEN-20417', rentAccounts: itemsOf('rent-accounts.json', HousingRentAccount), notices: itemsOf('notices.json', HousingNotice) },
      { tenancyRef: 'TEN-19920', rentAccounts: [], notices: [] },
    ],
  };
}

/** The featured child as examples/referral.json describes him (nickname, NHS number, address). */
export const referralQuery: SubjectQuery = {
  given: ['Robert', 'James'],
  family: 'Smith',
  otherNames: [{ given: ['Bobby'], family: 'Smith' }],
  birthDate: '2017-03-04',
  sex: 'male',
  postcode: 'WF13 2QP',
  addressLines: ['14 Alder Grove'],
  identifiers: [{ system: 'nhs-number', value: '9994732153' }],
};

/** Values that identify the featured family: none may appear in an orchestration. */
export const IDENTIFYING_VALUES = ['Smith', 'Robert', 'Bobby', '2017-03-04', 'WF13', '9994732153', 'HPR-000001', 'TEN000001', '100090382714'] as const;

export function settingsFor(baseUrl: string, overrides: Partial<ConnectorSettings> & { auth?: ConnectorAuth } = {}): ConnectorSettings {
  return { id: 'housing-sim', baseUrl, auth: { kind: 'none' }, timeoutMs: 5_000, maxResponseBytes: 1_000_000, maxPages: 10, maxCandidates: 5, ...overrides };
}

export const mappingContext: MappingContext = {
  connectorId: 'housing-sim',
  sourceSystem: 'Northtown housing management system',
  lookupId: 'lookup-housing-1',
  retrievedAt: '2026-11-21T10:00:00.000Z',
  lawfulBasis: 'children-act-1989-s47',
};
