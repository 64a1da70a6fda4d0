/**
 * `generatePopulation`: one deterministic synthetic population behind all five agency
 * simulators, with each agency's partial, noisy view and the ground truth that ties them
 * together.
 *
 * Why one generator: identity matching, family building and chronology de-duplication can only
 * be tested end to end if every simulator describes the same people and happenings. Order of
 * work: featured family → generated households → stories (shared incidents, care episodes) →
 * one view per agency (each from its own PRNG stream) → featured records → ground truth.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENCIES } from '../../src/model/agency.ts';
import type { Agency } from '../../src/model/agency.ts';
import { REFERENCE_DATE, isoOf } from './dates.ts';
import { addFeaturedFamily, addFeaturedRecords, FEATURED_FAMILY } from './featured.ts';
import { planStories } from './plan.ts';
import { createRng, deriveSeed } from './rng.ts';
import type { AgencyViews, GroundTruthEvent, Population, PopulationOptions, SharedIncident } from './types.ts';
import type { BuildContext, PendingEventTruth } from './views/common.ts';
import { buildEducation } from './views/education.ts';
import { buildHealth } from './views/health.ts';
import { buildHousing } from './views/housing.ts';
import { buildPolice } from './views/police.ts';
import { buildSocialCare } from './views/social-care.ts';
import { generateHousehold } from './households.ts';
import { createWorld, toHousehold, toTruePerson } from './world.ts';

/** Locale-independent string order (code units), so sorting is the same on every machine. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The seed the simulators use unless told otherwise. */
export const DEFAULT_SEED = 20261121;

/** Default number of generated households. */
export const DEFAULT_HOUSEHOLDS = 2000;

/** Generates the population for a seed. Same seed and size → byte-identical `JSON.stringify`. */
export function generatePopulation(options: PopulationOptions = { seed: DEFAULT_SEED }): Population {
  const seed = options.seed >>> 0;
  const households = options.households ?? DEFAULT_HOUSEHOLDS;
  if (!Number.isInteger(households) || households < 0) throw new RangeError('households must be a non-negative integer');

  const world = createWorld(seed, FEATURED_FAMILY.householdId);
  addFeaturedFamily(world);
  world.nextPersonNumber = 5; // P000001–P000004 are the featured family
  for (let i = 0; i < households; i++) generateHousehold(world, seed, i);

  const plan = planStories(world, seed);
  const groundTruth: Population['groundTruth'][number][] = [];
  const eventTruth: PendingEventTruth[] = [];
  const incidentById = new Map(plan.incidents.map((i) => [i.id, i]));
  const context = (agency: Agency): BuildContext => ({ world, plan, rng: createRng(deriveSeed(seed, 'view', agency)), groundTruth, eventTruth, incidentById });

  const health = buildHealth(context('health'));
  const police = buildPolice(context('police'));
  const education = buildEducation(context('education'));
  const housing = buildHousing(context('housing'));
  const socialCare = buildSocialCare(context('social-care'));
  const featuredIncident = addFeaturedRecords(context('health'), { health, police, education, housing, socialCare });
  incidentById.set(featuredIncident.id, featuredIncident);

  // Settle shared incidents: those recorded by two or more agencies.
  const agenciesOf = new Map<string, Set<Agency>>();
  for (const e of eventTruth) {
    if (e.incidentId === undefined) continue;
    const set = agenciesOf.get(e.incidentId) ?? new Set<Agency>();
    set.add(e.agency);
    agenciesOf.set(e.incidentId, set);
  }
  const sharedIncidents: SharedIncident[] = [];
  for (const incident of plan.incidents) {
    const agencies = agenciesOf.get(incident.id);
    if (agencies === undefined || agencies.size < 2) continue;
    sharedIncidents.push({
      id: incident.id, kind: incident.kind, date: isoOf(incident.day), personIds: [...incident.roles.keys()],
      agencies: AGENCIES.filter((a) => agencies.has(a)), eventIds: incident.eventIds.slice(),
    });
  }
  const shared = new Set(sharedIncidents.map((s) => s.id));
  const settledEvents: GroundTruthEvent[] = eventTruth.map((e) => ({
    agency: e.agency, eventId: e.eventId, personIds: e.personIds,
    ...(e.incidentId !== undefined && shared.has(e.incidentId) ? { sharedIncidentId: e.incidentId } : {}),
  }));

  // Records ordered by their (random) ids and events by date, so that the order of a view says
  // nothing about households or generation order.
  const byRecordId = <T extends { recordId: string }>(xs: T[]): T[] => xs.sort((a, b) => compare(a.recordId, b.recordId));
  const byDate = <T extends { date: string; eventId: string }>(xs: T[]): T[] => xs.sort((a, b) => compare(a.date, b.date) || compare(a.eventId, b.eventId));
  const views: AgencyViews = {
    health: { agency: 'health', patients: byRecordId(health.patients), events: byDate(health.events) },
    police: { agency: 'police', nominals: byRecordId(police.nominals), links: police.links, events: byDate(police.events) },
    education: { agency: 'education', persons: byRecordId(education.persons), contactLinks: education.contactLinks, events: byDate(education.events) },
    housing: {
      agency: 'housing', tenancies: housing.tenancies.sort((a, b) => compare(a.tenancyRef, b.tenancyRef)), persons: byRecordId(housing.persons),
      links: housing.links, events: byDate(housing.events),
    },
    'social-care': { agency: 'social-care', persons: byRecordId(socialCare.persons), links: socialCare.links, events: byDate(socialCare.events) },
  };

  return {
    seed,
    referenceDate: REFERENCE_DATE,
    addresses: world.addresses,
    households: world.households.map(toHousehold),
    persons: world.persons.map(toTruePerson),
    relationships: world.relationships,
    sharedIncidents,
    views,
    groundTruth,
    eventTruth: settledEvents,
    relatedPersonTruth: health.relatedPersonTruth,
  };
}

/** One agency's view of the population (what its simulator serves). */
export function agencyView<A extends Agency>(population: Population, agency: A): AgencyViews[A] {
  return population.views[agency];
}

/** The person records of any view, for code that treats agencies alike. */
export function personRecordsOf(population: Population, agency: Agency): readonly { readonly recordId: string }[] {
  switch (agency) {
    case 'health':
      return population.views.health.patients;
    case 'police':
      return population.views.police.nominals;
    case 'education':
      return population.views.education.persons;
    case 'housing':
      return population.views.housing.persons;
    case 'social-care':
      return population.views['social-care'].persons;
    default:
      return agency satisfies never;
  }
}

/** The events of any view. */
export function eventsOf(population: Population, agency: Agency): readonly { readonly eventId: string; readonly date: string; readonly recordIds: readonly string[] }[] {
  return population.views[agency].events;
}

const csvCell = (v: string | number | undefined): string => {
  const s = v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
const csv = (header: readonly string[], rows: readonly (readonly (string | number | undefined)[])[]): string =>
  [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';

/**
 * Writes the ground truth to `dir`: `persons.csv`, `relationships.csv`, `records.csv`
 * (agency, recordId, personId, noise), `events.csv` (agency, eventId, personIds,
 * sharedIncidentId), `shared-incidents.json` and `ground-truth.json` (everything but the views).
 * Returns the paths written.
 */
export async function writeGroundTruth(population: Population, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: [string, string][] = [
    ['persons.csv', csv(['personId', 'householdId', 'role', 'givenNames', 'familyName', 'sex', 'birthDate', 'nhsNumber', 'upn', 'pncId', 'currentUprn'],
      population.persons.map((p) => [p.id, p.householdId, p.role, p.givenNames.join(' '), p.familyName, p.sex, p.birthDate, p.nhsNumber, p.upn, p.pncId, p.addressHistory[p.addressHistory.length - 1]?.uprn]))],
    ['relationships.csv', csv(['kind', 'fromId', 'toId', 'parentalResponsibility'],
      population.relationships.map((r) => [r.kind, r.fromId, r.toId, r.parentalResponsibility === undefined ? undefined : String(r.parentalResponsibility)]))],
    ['records.csv', csv(['agency', 'recordId', 'personId', 'noise'], population.groundTruth.map((g) => [g.agency, g.recordId, g.personId, g.noise.join(';')]))],
    ['events.csv', csv(['agency', 'eventId', 'personIds', 'sharedIncidentId'], population.eventTruth.map((e) => [e.agency, e.eventId, e.personIds.join(';'), e.sharedIncidentId]))],
    ['shared-incidents.json', `${JSON.stringify(population.sharedIncidents, null, 2)}\n`],
    ['ground-truth.json', `${JSON.stringify({
      seed: population.seed, referenceDate: population.referenceDate, featuredFamily: FEATURED_FAMILY, addresses: population.addresses,
      households: population.households, persons: population.persons, relationships: population.relationships, sharedIncidents: population.sharedIncidents,
      groundTruth: population.groundTruth, eventTruth: population.eventTruth, relatedPersonTruth: population.relatedPersonTruth,
    })}\n`],
  ];
  const written: string[] = [];
  for (const [name, content] of files) {
    const path = join(dir, name);
    await writeFile(path, content, 'utf8');
    written.push(path);
  }
  return written;
}
