/**
 * Housing mapping values: fact ids, provenance, person record ids, names, addresses, money and
 * text helpers.
 *
 * Why this file exists: split out of housing.ts (house file-size limit); every housing fact
 * builder (persons, events, alerts) shares these, so they live once, here.
 */
import type { HousingTenancy } from '../../adapters/housing/types.ts';
import type { Sensitivity } from '../../model/agency.ts';
import type { Address, HumanName } from '../../model/person.ts';
import type { Provenance } from '../../model/provenance.ts';
import type { MappingContext } from '../context.ts';
import { clip, factId, optional, provenanceFor } from '../fact-parts.ts';


export function provenance(ctx: MappingContext, sourceRecordId: string, updatedAt: string | undefined, sensitivity: Sensitivity): Provenance {
  return provenanceFor('housing', ctx, sourceRecordId, sensitivity, updatedAt);
}

export const personRecordId = (personRef: string): string => `Person/${personRef}`;

export function humanName(forenames: readonly string[], surname: string, use: HumanName['use']): HumanName | undefined {
  const given = forenames.map((g) => g.trim()).filter((g) => g !== '').slice(0, 5).map((g) => clip(g, 100));
  const family = surname.trim();
  if (given.length === 0 || family === '') return undefined;
  return { given, family: clip(family, 100), ...optional('use', use) };
}

export function nameText(forenames: readonly string[], surname: string): string {
  return [...forenames, surname].map((p) => p.trim()).filter((p) => p !== '').join(' ');
}

export function toAddress(address: HousingTenancy['address']): Address | undefined {
  const lines = address.addressLines.map((l) => l.trim()).filter((l) => l !== '');
  const town = address.town?.trim();
  const postcode = address.postcode?.trim().toUpperCase();
  const mapped: Address = {
    lines,
    ...optional('town', town === undefined || town === '' ? undefined : town),
    ...optional('postcode', postcode === undefined || postcode === '' ? undefined : postcode),
    ...optional('uprn', address.uprn),
  };
  return mapped.lines.length > 0 || mapped.town !== undefined || mapped.postcode !== undefined || mapped.uprn !== undefined ? mapped : undefined;
}

export function addressText(address: HousingTenancy['address']): string {
  const place = [address.town?.trim(), address.postcode?.trim()].filter((p) => p !== undefined && p !== '').join(' ');
  return [...address.addressLines.map((l) => l.trim()).filter((l) => l !== ''), ...(place === '' ? [] : [place])].join(', ');
}

/** "£1,240.00" — written out rather than through Intl, so the text never depends on the ICU build. */
export function pounds(amount: number): string {
  const pence = Math.round(amount * 100);
  const whole = Math.floor(pence / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `£${whole}.${String(pence % 100).padStart(2, '0')}`;
}



export { clip, factId, optional };
