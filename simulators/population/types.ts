/**
 * Types of the synthetic population behind all five agency simulators.
 *
 * Why this file exists: every simulator (health FHIR, police SOAP, education XML, housing
 * REST, children's social care REST) serves a partial, noisy *view* of one shared,
 * deterministic population, so that identity matching, family building and chronology
 * de-duplication can be tested against a known ground truth. This file is the contract
 * between the generator (`generate.ts`) and the simulators: a simulator reads only its own
 * `AgencyViews[agency]`; the `truth` side (true persons, ground truth, shared incidents) is for
 * tests and must never be served by a simulator.
 *
 * The types themselves sit in truth-types.ts (the ground truth) and view-types.ts (what each
 * agency holds); this file adds the population as a whole and re-exports both.
 *
 * All people, addresses and identifiers are synthetic.
 */
import type { Agency } from '../../src/model/agency.ts';
import type { GroundTruthEvent, GroundTruthRecord, Household, IsoDate, SharedIncident, TrueAddress, TrueRelationship, TruePerson } from './truth-types.ts';
import type { AgencyViews } from './view-types.ts';

export type { Agency };

/** Options of `generatePopulation`. */
export interface PopulationOptions {
  /** Any 32-bit unsigned integer; same seed → byte-identical population JSON. */
  readonly seed: number;
  /** Number of generated households (the featured family is added on top). Default 2,000. */
  readonly households?: number;
}

export type * from './truth-types.ts';
export type * from './view-types.ts';

/** Ids and key values of the featured family (always present, known to all five agencies). */
export interface FeaturedFamilyIds {
  readonly householdId: string;
  readonly childId: string;
  readonly siblingId: string;
  readonly motherId: string;
  /** Step-father in the featured family (surname differs from the children's). */
  readonly fatherId: string;
  /** The child's NHS number, UPN and birth date. */
  readonly nhsNumber: string;
  readonly upn: string;
  readonly birthDate: IsoDate;
  readonly uprn: string;
  /** The child's record id in each agency. */
  readonly childRecords: Readonly<Record<Agency, string>>;
  /** The domestic-abuse incident at the home address (police + same-day A&E + social care). */
  readonly domesticIncidentId: string;
  readonly domesticIncidentDate: IsoDate;
}

export interface Population {
  readonly seed: number;
  /** "Today" of the synthetic world: 2026-11-21. */
  readonly referenceDate: IsoDate;
  readonly addresses: readonly TrueAddress[];
  readonly households: readonly Household[];
  readonly persons: readonly TruePerson[];
  readonly relationships: readonly TrueRelationship[];
  readonly sharedIncidents: readonly SharedIncident[];
  readonly views: AgencyViews;
  /** For every agency person record: who it truly is. */
  readonly groundTruth: readonly GroundTruthRecord[];
  /** For every agency event: who it truly concerns and which shared incident it records. */
  readonly eventTruth: readonly GroundTruthEvent[];
  /** For every health RelatedPerson: who it truly is. */
  readonly relatedPersonTruth: readonly { readonly relatedPersonId: string; readonly personId: string }[];
}
