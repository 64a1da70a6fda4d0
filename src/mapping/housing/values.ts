/**
 * Housing mapping values: fact ids, provenance, person record ids, names, addresses, money and
 * text helpers.
 *
 * Why this file exists: split out of housing.ts (house file-size limit); every housing fact
 * builder (persons, events, alerts) shares these, so they live once, here.
 */
import type { HousingTenancy } from '../../adapters/housing/types.ts';
import { stableId } from '../../lib/ids.ts';
import type { Sensitivity } from '../../model/agency.ts';
import type { Fact } from '../../model/fact.ts';
import type { Address, HumanName } from '../../model/person.ts';
import type { Provenance } from '../../model/provenance.ts';
import type { MappingContext } from '../context.ts';

export function factId(ctx: MappingContext, sourceRecordId: string, kind: Fact['kind']): string {
  return stableId('fact', ctx.lookupId, sourceRecordId, kind);
}

export function provenance(ctx: MappingContext, sourceRecordId: string, updatedAt: string | undefined, sensitivity: Sensitivity): Provenance {
  return {
    agency: 'housing',
    connectorId: ctx.connectorId,
    sourceSystem: ctx.sourceSystem,
    sourceRecordId,
    lookupId: ctx.lookupId,
    retrievedAt: ctx.retrievedAt,
    ...optional('sourceUpdatedAt', updatedAt),
    lawfulBasis: ctx.lawfulBasis,
    sensitivity,
  };
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

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `{ key: value }` when value is defined, `{}` otherwise — keeps optional properties absent, not undefined. */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  // TypeScript types a computed key as `string`; the object holds exactly `key`.
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
