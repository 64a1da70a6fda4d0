/**
 * Linkage data sets (FEBRL 1–3, Splink fake_1000, the synthetic population) converted to the
 * `link` command's CSV, with their truth; shared by bench/linkage.ts and the identity tests.
 *
 * Why: the benchmark must score the very path held-out sets go through (the link CSV), so each
 * source is converted to that format here, exactly as SOURCES.md describes its columns, and its
 * ground truth kept apart — FEBRL's `rec-<N>-…` ids, Splink's `cluster`, the synthetic
 * population's `groundTruth`. Nothing here is visible to the linker but the CSV.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { externalPath } from '../../support/external.ts';
import { generatePopulation } from '../../../simulators/population/index.ts';
import type { Agency, AgencyPersonBase, Population } from '../../../simulators/population/index.ts';

/** One benchmark set: the link CSV and, per row id, the true entity. */
export interface LinkageSet {
  readonly name: string;
  readonly csv: string;
  readonly truth: ReadonlyMap<string, string>;
}

/** The link command's columns, in the order the benchmark writes them. */
export const LINK_COLUMNS = ['id', 'given', 'family', 'birth_date', 'sex', 'address', 'postcode', 'town', 'nhs_number', 'email', 'other_id', 'upn', 'pnc_id', 'uprn'] as const;
type LinkRow = Partial<Record<(typeof LINK_COLUMNS)[number], string>> & { id: string };

/** Rows to CSV with the link header. */
export function toLinkCsv(rows: readonly LinkRow[]): string {
  return stringify([[...LINK_COLUMNS], ...rows.map((r) => LINK_COLUMNS.map((c) => r[c] ?? ''))]);
}

/** `YYYYMMDD` → `YYYY-MM-DD`; anything else passes through (the command treats it as missing). */
const isoFromCompact = (v: string): string => (/^\d{8}$/.test(v) ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}` : v);

/** FEBRL dataset 1, 2 or 3 (`../shared/data/external/linkage/febrl/`). */
export async function febrl(n: 1 | 2 | 3): Promise<LinkageSet> {
  const text = await readFile(externalPath('linkage', 'febrl', `dataset${n}.csv`), 'utf8');
  const rows: Record<string, string>[] = parse(text, { columns: true, trim: true, skip_empty_lines: true });
  const truth = new Map<string, string>();
  const out: LinkRow[] = rows.map((r) => {
    const id = r.rec_id ?? '';
    truth.set(id, /^rec-(\d+)-/.exec(id)?.[1] ?? id);
    return {
      id,
      given: r.given_name ?? '',
      family: r.surname ?? '',
      birth_date: isoFromCompact(r.date_of_birth ?? ''),
      address: [r.street_number, r.address_1, r.address_2].filter((x) => x !== undefined && x.length > 0).join(' '),
      town: r.suburb ?? '',
      postcode: r.postcode ?? '',
      other_id: r.soc_sec_id ?? '',
    };
  });
  return { name: `FEBRL ${n}`, csv: toLinkCsv(out), truth };
}

/** Splink's fake_1000 (`../shared/data/external/linkage/splink-fake_1000/`). */
export async function splinkFake1000(): Promise<LinkageSet> {
  const text = await readFile(externalPath('linkage', 'splink-fake_1000', 'fake_1000.csv'), 'utf8');
  const rows: Record<string, string>[] = parse(text, { columns: true, trim: true, skip_empty_lines: true });
  const truth = new Map<string, string>();
  const out: LinkRow[] = rows.map((r) => {
    const id = r.unique_id ?? '';
    truth.set(id, r.cluster ?? id);
    return { id, given: r.first_name ?? '', family: r.surname ?? '', birth_date: r.dob ?? '', town: r.city ?? '', email: r.email ?? '' };
  });
  return { name: 'Splink fake_1000', csv: toLinkCsv(out), truth };
}

/** Every agency's person records of the synthetic population, one link row each. */
export function populationSet(population: Population = generatePopulation()): LinkageSet {
  const truth = new Map<string, string>();
  for (const g of population.groundTruth) truth.set(`${g.agency}:${g.recordId}`, g.personId);
  const rows: LinkRow[] = [];
  const add = (agency: Agency, p: AgencyPersonBase, ids: { nhs?: string; upn?: string; pnc?: string } = {}): void => {
    rows.push({
      id: `${agency}:${p.recordId}`,
      given: p.name.given.join(' '),
      family: p.name.family,
      birth_date: p.birthDate ?? '',
      sex: p.sex,
      address: p.address?.lines.join(', ') ?? '',
      postcode: p.address?.postcode ?? '',
      town: p.address?.town ?? '',
      uprn: p.address?.uprn ?? '',
      nhs_number: ids.nhs ?? '',
      upn: ids.upn ?? '',
      pnc_id: ids.pnc ?? '',
    });
  };
  const v = population.views;
  for (const p of v.health.patients) add('health', p, p.nhsNumber === undefined ? {} : { nhs: p.nhsNumber });
  for (const p of v.police.nominals) add('police', p, p.pncId === undefined ? {} : { pnc: p.pncId });
  for (const p of v.education.persons) add('education', p, p.kind === 'pupil' && p.upn !== undefined ? { upn: p.upn } : {});
  for (const p of v.housing.persons) add('housing', p);
  for (const p of v['social-care'].persons) add('social-care', p, { ...(p.nhsNumber === undefined ? {} : { nhs: p.nhsNumber }), ...(p.upn === undefined ? {} : { upn: p.upn }) });
  return { name: 'Synthetic population', csv: toLinkCsv(rows), truth };
}
