/**
 * The statutory codes the social care adapter, mapper, contract and simulator use are the real
 * ones: CIN census codes appear in the DfE CIN census schema (CIN_schema_2023-2024.xsd) and
 * SSDA903 codes in the SSDA903 column specification (SSDA903_schema_2024.yml), both read from
 * ../shared/data/external/childrens-social-care/ — and the contract's enums are the same lists.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import {
  ASSESSMENT_FACTOR,
  CATEGORY_OF_ABUSE,
  CATEGORY_OF_NEED,
  GENDER_CURRENT,
  LEGAL_STATUS,
  PLACEMENT_PROVIDER,
  PLACEMENT_TYPE,
  PRIMARY_NEED,
  REASON_EPISODE_CEASED,
  REASON_FOR_NEW_EPISODE,
  REFERRAL_SOURCE,
} from '../../src/adapters/social-care/codes.ts';
import { externalPath } from '../support/external.ts';
import { CONTRACT_DIR, readJson } from './fixtures.ts';

const CIN_XSD = readFileSync(externalPath('childrens-social-care', 'cin-census', 'CIN_schema_2023-2024.xsd'), 'utf8');

/** The enumeration values of a named `xs:simpleType` in the CIN census schema. */
function xsdEnumeration(typeName: string): string[] {
  const start = CIN_XSD.indexOf(`<xs:simpleType name="${typeName}">`);
  if (start < 0) throw new Error(`no simpleType ${typeName} in the CIN census schema`);
  const end = CIN_XSD.indexOf('</xs:simpleType>', start);
  return [...CIN_XSD.slice(start, end).matchAll(/<xs:enumeration value="([^"]+)"/g)].map((m) => m[1] ?? '');
}

const CategoryList = z.object({ category: z.array(z.object({ code: z.string() })) });
const Ssda903 = z.object({ column_map: z.record(z.string(), z.record(z.string(), z.unknown())) });
const ssda903 = Ssda903.parse(parseYaml(readFileSync(externalPath('childrens-social-care', 'ssda903-looked-after', 'SSDA903_schema_2024.yml'), 'utf8')));

/** The category codes of an SSDA903 column (trimmed: the YAML has a stray space in one code). */
function ssda903Codes(table: string, column: string): string[] {
  return CategoryList.parse(ssda903.column_map[table]?.[column]).category.map((c) => c.code.trim());
}

const schemaFile = z.object({ $defs: z.record(z.string(), z.object({ enum: z.array(z.string()).optional() }).loose()) }).parse(readJson(join(CONTRACT_DIR, 'schemas', 'social-care.schema.json')));
const contractEnum = (name: string): string[] => schemaFile.$defs[name]?.enum ?? [];

describe('CIN census codes (CIN_schema_2023-2024.xsd)', () => {
  it('the categories of abuse we use are the schema’s categoryofabuse: NEG, PHY, SAB, EMO, MUL', () => {
    const inSchema = xsdEnumeration('categoryofabuse');
    expect(Object.keys(CATEGORY_OF_ABUSE)).toEqual(['NEG', 'PHY', 'SAB', 'EMO', 'MUL']);
    for (const code of Object.keys(CATEGORY_OF_ABUSE)) expect(inSchema, code).toContain(code);
    expect(contractEnum('CategoryOfAbuse')).toEqual(inSchema);
  });

  it.each([
    ['referralsourcetype', REFERRAL_SOURCE, 'ReferralSource'],
    ['primaryneedcodetype', PRIMARY_NEED, 'PrimaryNeedCode'],
    ['assessmentfactorstype', ASSESSMENT_FACTOR, 'AssessmentFactor'],
    ['gendertype', GENDER_CURRENT, 'GenderCurrent'],
  ] as const)('%s: our table and the contract enum hold exactly the schema’s codes', (typeName, table, contractName) => {
    const inSchema = xsdEnumeration(typeName).sort();
    expect(Object.keys(table).sort()).toEqual(inSchema);
    expect(contractEnum(contractName).sort()).toEqual(inSchema);
  });

  it('our labels of the categories of abuse are the schema’s documentation', () => {
    for (const [code, label] of Object.entries(CATEGORY_OF_ABUSE)) {
      expect(CIN_XSD).toContain(`<xs:enumeration value="${code}"><xs:annotation><xs:documentation>${label}</xs:documentation>`);
    }
  });
});

describe('SSDA903 codes (SSDA903_schema_2024.yml, Episodes)', () => {
  it.each([
    ['LS', Object.keys(LEGAL_STATUS), 'LegalStatus'],
    ['PLACE', Object.keys(PLACEMENT_TYPE), 'PlacementType'],
    ['PLACE_PROVIDER', Object.keys(PLACEMENT_PROVIDER), 'PlacementProvider'],
    ['RNE', [...REASON_FOR_NEW_EPISODE], 'ReasonForNewEpisode'],
    ['REC', [...REASON_EPISODE_CEASED], 'ReasonEpisodeCeased'],
    ['CIN', [...CATEGORY_OF_NEED], 'CategoryOfNeed'],
  ] as const)('%s: our list and the contract enum hold exactly the specification’s codes', (column, ours, contractName) => {
    const inSpec = ssda903Codes('Episodes', column).sort();
    expect([...ours].sort()).toEqual(inSpec);
    expect(contractEnum(contractName).sort()).toEqual(inSpec);
  });

  it('the legal statuses and placements in the sample SSDA903 episodes are ones we label', () => {
    const csv = readFileSync(externalPath('childrens-social-care', 'ssda903-looked-after', 'SSDA903_2020_episodes.csv'), 'utf8').trim().split('\n');
    const header = csv[0]?.split(',') ?? [];
    const ls = header.indexOf('LS');
    const place = header.indexOf('PLACE');
    expect(ls).toBeGreaterThanOrEqual(0);
    for (const row of csv.slice(1)) {
      const cells = row.split(',');
      expect(Object.keys(LEGAL_STATUS)).toContain(cells[ls]);
      expect(Object.keys(PLACEMENT_TYPE)).toContain(cells[place]);
    }
  });
});
