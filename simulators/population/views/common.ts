/**
 * Shared machinery of the agency view builders: the build context, noisy person records and
 * ground-truth bookkeeping.
 *
 * Why: all five builders must record ground truth the same way — one `GroundTruthRecord` per
 * person record, one `GroundTruthEvent` per event, and the link from an event to the planned
 * incident it renders — or the identity and chronology tests would be checking the builders
 * instead of the hub.
 */
import type { Agency } from '../../../src/model/agency.ts';
import { isoOf, REFERENCE_DAY } from '../dates.ts';
import { noisyIdentity, NOISE_PROFILES } from '../noise.ts';
import type { Plan, PlannedIncident } from '../plan.ts';
import type { Rng } from '../rng.ts';
import type { AgencyPersonBase, GroundTruthRecord, NoiseKind, RecordedAddress, TrueAddress } from '../types.ts';
import { currentAddress, previousAddress } from '../world.ts';
import type { World, WorldPerson } from '../world.ts';

/** A ground-truth event entry while views are being built (shared id settled at the end). */
export interface PendingEventTruth {
  agency: Agency;
  eventId: string;
  personIds: string[];
  incidentId?: string;
}

/** Everything a view builder needs. */
export interface BuildContext {
  readonly world: World;
  readonly plan: Plan;
  readonly rng: Rng;
  readonly groundTruth: GroundTruthRecord[];
  readonly eventTruth: PendingEventTruth[];
  readonly incidentById: ReadonlyMap<string, PlannedIncident>;
}

/** An address as agencies record it. */
export function recordedAddress(address: TrueAddress, withUprn: boolean): RecordedAddress {
  const lines = address.houseNumber.startsWith('Flat ')
    ? [address.houseNumber.split(',')[0] ?? address.houseNumber, `${address.houseNumber.split(', ')[1] ?? ''} ${address.street}`.trim()]
    : [`${address.houseNumber} ${address.street}`];
  return { lines, town: address.town, postcode: address.postcode, ...(withUprn ? { uprn: address.uprn } : {}) };
}

/** Result of `noisyRecord`: the base fields plus whether the agency's identifier was dropped. */
export interface NoisyRecord {
  readonly base: AgencyPersonBase;
  readonly dropIdentifier: boolean;
  readonly noise: readonly NoiseKind[];
}

/**
 * A person record for an agency with that agency's noise applied, registered in the ground
 * truth. `recordId` is drawn by the caller (agency-specific format).
 */
export function noisyRecord(
  ctx: BuildContext,
  agency: Agency,
  person: WorldPerson,
  recordId: string,
  opts: { holdsIdentifier: boolean; withUprn: boolean; address?: TrueAddress; extraNoise?: NoiseKind[] },
): NoisyRecord {
  const { rng, world } = ctx;
  const previous = previousAddress(world, rng, person);
  const id = noisyIdentity(rng, person, NOISE_PROFILES[agency], { hasOldAddress: previous !== undefined, holdsIdentifier: opts.holdsIdentifier });
  const address = id.useOldAddress && previous !== undefined ? previous : opts.address ?? currentAddress(world, person);
  const noise = [...id.noise, ...(opts.extraNoise ?? [])];
  ctx.groundTruth.push({ agency, recordId, personId: person.id, noise });
  const updated = REFERENCE_DAY - rng.int(1, 900);
  return {
    base: {
      recordId,
      name: id.name,
      otherNames: [],
      sex: rng.chance(agency === 'police' ? 0.01 : 0.002) ? 'unknown' : person.sex,
      ...(id.birthDate === undefined ? {} : { birthDate: id.birthDate }),
      ...(address === undefined ? {} : { address: recordedAddress(address, opts.withUprn) }),
      updatedOn: isoOf(updated),
    },
    dropIdentifier: id.dropIdentifier,
    noise,
  };
}

/** Registers an event in the ground truth and links it to its planned incident. */
export function recordEventTruth(ctx: BuildContext, agency: Agency, eventId: string, personIds: readonly string[], incident?: PlannedIncident): void {
  ctx.eventTruth.push({ agency, eventId, personIds: [...personIds], ...(incident === undefined ? {} : { incidentId: incident.id }) });
  if (incident !== undefined) incident.eventIds.push(eventId);
}

/** Sensible text for a person's age on a day ("a 9-year-old"). */
export function ageText(age: number): string {
  return age < 1 ? 'an infant' : `a${age === 8 || age === 11 || age === 18 ? 'n' : ''} ${age}-year-old`;
}
