/**
 * Housing mapping values: person record ids, names, addresses, money and text helpers.
 *
 * Why this file exists: split out of housing.ts (house file-size limit); every housing fact
 * builder (persons, events, alerts) shares these, so they live once, here.
 */
import type { HousingTenancy } from '../../adapters/housing/types.ts';
import type { Address, HumanName } from '../../model/person.ts';
import { clip, optional, usableAddress } from '../fact-parts.ts';

/** How the hub names a housing person's record: `Person/<personRef>`. */
export const personRecordId = (personRef: string): string => `Person/${personRef}`;

/** A recorded name as the model's; undefined without a forename or a surname. */
export function humanName(forenames: readonly string[], surname: string, use: HumanName['use']): HumanName | undefined {
  const given = forenames.map((g) => g.trim()).filter((g) => g !== '').slice(0, 5).map((g) => clip(g, 100));
  const family = surname.trim();
  if (given.length === 0 || family === '') return undefined;
  return { given, family: clip(family, 100), ...optional('use', use) };
}

/** A name as text ("Claire Louise Smith"). */
export function nameText(forenames: readonly string[], surname: string): string {
  return [...forenames, surname].map((p) => p.trim()).filter((p) => p !== '').join(' ');
}

/** A housing address as the model's; undefined when it says nothing. */
export function toAddress(address: HousingTenancy['address']): Address | undefined {
  const lines = address.addressLines.map((l) => l.trim()).filter((l) => l !== '');
  const town = address.town?.trim();
  const postcode = address.postcode?.trim().toUpperCase();
  return usableAddress({
    lines,
    ...optional('town', town === undefined || town === '' ? undefined : town),
    ...optional('postcode', postcode === undefined || postcode === '' ? undefined : postcode),
    ...optional('uprn', address.uprn),
  });
}

/** An address as one line of text. */
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

export { clip, optional };
