/**
 * examples/referral.json must stay a valid `POST /v1/referrals` body naming the featured child
 * of the default population, so the README walk-through finds him in every agency.
 */
import { externalPath } from '../../test/support/external.ts';
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReferralInput } from '../../src/model/referral.ts';
import { DEFAULT_SEED, FEATURED_FAMILY, generatePopulation, UKHDS_ALERTS, writeGroundTruth } from './index.ts';

const repoRoot = join(import.meta.dirname, '..', '..');

describe('examples/referral.json', () => {
  it('parses as ReferralInput and names the featured child of the default population', async () => {
    const body: unknown = JSON.parse(await readFile(join(repoRoot, 'examples', 'referral.json'), 'utf8'));
    const referral = ReferralInput.parse(body);
    expect(referral.rag).toBe('red');
    expect(referral.threshold).toBe('child-protection');
    expect(referral.consent).toEqual({ obtained: false, healthSpecific: false });

    const child = referral.subjects.find((s) => s.ref === 'child-1');
    expect(child?.role).toBe('child');
    const population = generatePopulation({ seed: DEFAULT_SEED });
    const truth = population.persons.find((p) => p.id === FEATURED_FAMILY.childId);
    if (truth === undefined || child === undefined) throw new Error('featured child missing');
    expect(child.name.given[0]).toBe(truth.givenNames[0]);
    expect(child.name.family).toBe(truth.familyName);
    expect(child.birthDate).toBe(truth.birthDate);
    expect(child.sex).toBe(truth.sex);
    expect(child.identifiers).toContainEqual({ system: 'nhs-number', value: truth.nhsNumber });
    const address = population.addresses.find((a) => a.uprn === truth.addressHistory.at(-1)?.uprn);
    expect(child.address?.postcode).toBe(address?.postcode);
    expect(child.address?.uprn).toBe(address?.uprn);
  });
});

describe('writeGroundTruth', () => {
  it('writes CSV and JSON files covering every record and event', async () => {
    const population = generatePopulation({ seed: 3, households: 100 });
    const dir = await mkdtemp(join(tmpdir(), 'mash-population-'));
    try {
      const files = await writeGroundTruth(population, dir);
      expect(files.map((f) => f.slice(dir.length + 1)).sort()).toEqual(['events.csv', 'ground-truth.json', 'persons.csv', 'records.csv', 'relationships.csv', 'shared-incidents.json']);
      const records = (await readFile(join(dir, 'records.csv'), 'utf8')).trim().split('\n');
      expect(records[0]).toBe('agency,recordId,personId,noise');
      expect(records.length - 1).toBe(population.groundTruth.length);
      const events = (await readFile(join(dir, 'events.csv'), 'utf8')).trim().split('\n');
      expect(events.length - 1).toBe(population.eventTruth.length);
      const json = JSON.parse(await readFile(join(dir, 'ground-truth.json'), 'utf8')) as { persons: unknown[] };
      expect(json.persons.length).toBe(population.persons.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('UKHDS person-alert codes', () => {
  const sql = externalPath('housing', 'ukhds-person-alert-codes', 'person_alert_codes.sql');
  it('are copied verbatim from the UKHDS code list', async () => {
    const text = await readFile(sql, 'utf8');
    for (const a of Object.values(UKHDS_ALERTS)) {
      expect(text, a.code).toContain(`'${a.code}', `);
      expect(text, a.code).toMatch(new RegExp(`'${escape(a.code)}', \\d, '${escape(a.name)}', '${escape(a.subname)}'`));
    }
  });
});
