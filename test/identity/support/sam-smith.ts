/**
 * "Sam Smith, born 2000-05-05" against the NHS PDS sandbox data: the fuzzy multi-match searchset
 * (`fhir/nhs-pds-fhir-api/karate-stubs/searchResponses/fuzzy_multimatch_searchset.json`) holds
 * 20 Patients of that name and birth date, each with a different valid NHS number. The health
 * connector reads the first five (its candidate cap). Here: those patients as the FHIR adapter
 * returns them, each with one synthetic A&E attendance and a synthetic mother, mapped by the real
 * health mapper; the referral subject without and with an NHS number; and a seeded referral
 * researched by the real completion step over a real store, for the identity tests.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { FhirEncounter, FhirPatient, FhirRelatedPerson, type HealthRaw } from '../../../src/adapters/fhir/types.ts';
import { stableId } from '../../../src/lib/ids.ts';
import { silentLogger } from '../../../src/lib/logger.ts';
import type { MappingContext } from '../../../src/mapping/context.ts';
import { mapHealth } from '../../../src/mapping/health.ts';
import type { Agency, Sensitivity } from '../../../src/model/agency.ts';
import type { Fact, PersonFact } from '../../../src/model/fact.ts';
import type { ResearchPlan } from '../../../src/model/jobs.ts';
import { ReferralInput, type Subject } from '../../../src/model/referral.ts';
import { completeResearch } from '../../../src/research/complete.ts';
import { lookupIdFor } from '../../../src/research/plan.ts';
import type { Identity } from '../../../src/identity/index.ts';
import type { Db } from '../../../src/store/db.ts';
import { recordLookupOutcome } from '../../../src/case/arrival.ts';
import { insertReferral } from '../../../src/store/referrals.ts';
import type { Vault } from '../../../src/store/vault.ts';
import { externalPath } from '../../support/external.ts';
import { testSla } from '../../support/sla.ts';

export const PDS_FUZZY_MULTIMATCH = externalPath('fhir', 'nhs-pds-fhir-api', 'karate-stubs', 'searchResponses', 'fuzzy_multimatch_searchset.json');

/** The health connector's candidate cap (src/adapters/fhir/adapter.ts `maxCandidates`). */
export const CANDIDATE_CAP = 5;

const Searchset = z.object({ entry: z.array(z.object({ resource: z.looseObject({ resourceType: z.string() }) })) });

/** Every Patient of the PDS fuzzy multi-match searchset, in the order PDS returns them. */
export function pdsFuzzyPatients(): FhirPatient[] {
  return Searchset.parse(JSON.parse(readFileSync(PDS_FUZZY_MULTIMATCH, 'utf8')))
    .entry.filter((e) => e.resource.resourceType === 'Patient')
    .map((e) => FhirPatient.parse(e.resource));
}

/** The NHS number PDS gives a patient. */
export const nhsNumberOf = (patient: FhirPatient): string => patient.identifier?.find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number')?.value ?? '';

/** A synthetic A&E attendance of a patient (FHIR R4 Encounter). */
export const attendanceOf = (patient: FhirPatient): FhirEncounter =>
  FhirEncounter.parse({
    resourceType: 'Encounter',
    id: `enc-${patient.id}`,
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' },
    subject: { reference: `Patient/${patient.id}` },
    period: { start: '2026-09-12T22:40:00Z', end: '2026-09-13T01:10:00Z' },
    serviceProvider: { display: 'Synthetic General Hospital' },
  });

/** A synthetic mother of a patient (FHIR R4 RelatedPerson, v3-RoleCode MTH). */
export const motherOf = (patient: FhirPatient): FhirRelatedPerson =>
  FhirRelatedPerson.parse({
    resourceType: 'RelatedPerson',
    id: `rp-${patient.id}`,
    patient: { reference: `Patient/${patient.id}` },
    relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'MTH' }] }],
    name: [{ given: ['Synthetic'], family: `Mother${patient.id.slice(-4)}` }],
    birthDate: '1975-01-01',
  });

/** What the FHIR adapter returns for the candidates: each patient with one attendance and a mother. */
export function healthRawOf(patients: readonly FhirPatient[]): HealthRaw {
  return {
    patients: patients.map((patient) => ({ patient, encounters: [attendanceOf(patient)], conditions: [], flags: [], episodesOfCare: [], relatedPersons: [motherOf(patient)] })),
  };
}

/** A mapping context for one lookup (as the research layer builds it). */
export const mappingContext = (lookupId: string, connectorId = 'health-pds'): MappingContext => ({
  connectorId,
  sourceSystem: 'NHS PDS sandbox',
  lookupId,
  retrievedAt: '2026-11-21T09:00:00.000Z',
  lawfulBasis: 'children-act-1989-s47',
});

/** The referral's subject: Sam Smith, born 2000-05-05, with no NHS number unless one is given. */
export function samSmith(nhsNumber?: string): Subject {
  return {
    ref: 'child-1',
    role: 'child',
    name: { given: ['Sam'], family: 'Smith' },
    otherNames: [],
    birthDate: '2000-05-05',
    identifiers: nhsNumber === undefined ? [] : [{ system: 'nhs-number', value: nhsNumber }],
  };
}

/** An education person record of Sam Smith carrying an NHS number and/or a UPN (synthetic; the school's copy). */
export function educationRecordOf(lookupId: string, ids: { readonly nhsNumber?: string; readonly upn?: string }): PersonFact {
  const key = ids.nhsNumber ?? ids.upn ?? 'none';
  return {
    id: stableId('fact', lookupId, key),
    kind: 'person',
    personRef: `Pupil/EDU${key}`,
    provenance: {
      agency: 'education',
      connectorId: 'education-la',
      sourceSystem: 'Synthetic LA pupil database',
      sourceRecordId: `Pupil/EDU${key}`,
      lookupId,
      retrievedAt: '2026-11-21T09:00:00.000Z',
      lawfulBasis: 'children-act-1989-s47',
      sensitivity: 'sensitive',
    },
    names: [{ given: ['Sam'], family: 'Smith' }],
    birthDate: '2000-05-05',
    sex: 'male',
    identifiers: [...(ids.nhsNumber === undefined ? [] : [{ system: 'nhs-number' as const, value: ids.nhsNumber }]), ...(ids.upn === undefined ? [] : [{ system: 'upn' as const, value: ids.upn }])],
    addresses: [],
  };
}

export interface CandidateReferral {
  readonly referralId: string;
  readonly healthLookupId: string;
  /** The health candidates: NHS number, record, and the ids of every fact mapped from it. */
  readonly candidates: readonly { readonly nhsNumber: string; readonly personRef: string; readonly personFactId: string; readonly factIds: readonly string[] }[];
  /** Plans the completion asked to schedule (a second wave, if any). */
  readonly scheduled: readonly ResearchPlan[];
}

/**
 * Seeds a referral about Sam Smith whose health lookup returned the first five PDS candidates (with
 * their attendances and mothers), and whose other agencies' lookups found nothing or the given
 * facts, then runs the real completion of wave 1 (subject matching, person linking, household
 * discovery) over the store.
 */
export async function seedCandidateReferral(
  deps: { readonly db: Db; readonly vault: Vault; readonly identity: Identity; readonly clock: { now(): Date } },
  options: {
    readonly subject?: Subject;
    readonly agencies?: readonly Agency[];
    readonly autoReveal?: readonly Sensitivity[];
    /** How many PDS candidates the health lookup returns (default: the connector's cap). */
    readonly healthCandidates?: number;
    readonly otherFacts?: (lookupId: (agency: Agency) => string) => readonly Fact[];
  } = {},
): Promise<CandidateReferral> {
  const referralId = randomUUID();
  const at = deps.clock.now();
  const subject = options.subject ?? samSmith();
  const agencies = options.agencies ?? ['health', 'police', 'education', 'social-care'];
  const input = ReferralInput.parse({
    concern: { summary: 'Synthetic concern about Sam Smith.' },
    rag: 'red',
    threshold: 'child-protection',
    consent: { obtained: false },
    subjects: [subject],
  });
  const connectorOf = (agency: Agency): string => (agency === 'health' ? 'health-pds' : `${agency}-la`);
  const lookupId = (agency: Agency): string => lookupIdFor(referralId, connectorOf(agency), subject.ref);
  const lookups = agencies.map((agency) => ({ id: lookupId(agency), connectorId: connectorOf(agency), agency, subjectRef: subject.ref, status: 'queued' as const, lawfulBasis: 'children-act-1989-s47' as const, reason: null }));
  await deps.db.transaction((tx) => insertReferral(tx, deps.vault, { id: referralId, idempotencyKey: null, input, receivedAt: at, slaDueAt: at, slaAtRiskAt: at, submittedBy: 'seed', lookups }));

  const healthLookupId = lookupId('health');
  const patients = pdsFuzzyPatients().slice(0, options.healthCandidates ?? CANDIDATE_CAP);
  const healthFacts = mapHealth(healthRawOf(patients), mappingContext(healthLookupId));
  const others = options.otherFacts?.(lookupId) ?? [];
  for (const lookup of lookups) {
    const facts = lookup.agency === 'health' ? healthFacts : others.filter((f) => f.provenance.lookupId === lookup.id);
    await deps.db.transaction((tx) => recordLookupOutcome(tx, deps.vault, { lookupId: lookup.id, referralId, status: 'done', reason: null, facts, orchestrations: [], at, autoReveal: options.autoReveal ?? [] }));
  }

  const scheduled: ResearchPlan[] = [];
  await completeResearch(
    { referralId, wave: 1 },
    {
      db: deps.db,
      vault: deps.vault,
      clock: deps.clock,
      sla: testSla,
      logger: silentLogger(),
      actor: 'system:test',
      familyDepth: 1,
      identity: deps.identity,
      schedule: (plan) => {
        scheduled.push(plan);
        return Promise.resolve();
      },
    },
  );

  const candidates = patients.map((patient) => {
    const personRef = `Patient/${patient.id}`;
    const mine = healthFacts.filter((f) => f.personRef === personRef);
    const person = mine.find((f) => f.kind === 'person');
    return { nhsNumber: nhsNumberOf(patient), personRef, personFactId: person?.id ?? '', factIds: mine.map((f) => f.id) };
  });
  return { referralId, healthLookupId, candidates, scheduled };
}
