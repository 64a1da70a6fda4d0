/**
 * Health mapping against fixture files: the project's synthetic UK Core family, the NHS PDS
 * sandbox responses, and every Patient, RelatedPerson, Encounter, Condition, Flag and
 * EpisodeOfCare among the official FHIR R4 examples. Every fact must parse with `Fact`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  FhirCondition,
  FhirEncounter,
  FhirEpisodeOfCare,
  FhirFlag,
  FhirPatient,
  FhirRelatedPerson,
  FhirSearchBundle,
  type HealthPatientRecords,
  type HealthRaw,
} from '../adapters/fhir/types.ts';
import { Fact, type EventFact, type FlagFact, type PersonFact, type RelationshipFact } from '../model/fact.ts';
import type { MappingContext } from './context.ts';
import { mapHealth, patientSensitivity, sensitivityOf } from './health.ts';
import { externalPath } from '../../test/support/external.ts';

const FIXTURES = join(import.meta.dirname, '../../contracts/health/fixtures');
const R4_EXAMPLES = externalPath('fhir', 'r4-examples');

const ctx: MappingContext = {
  connectorId: 'northtown-health',
  sourceSystem: 'Northtown FHIR',
  lookupId: 'lookup-1',
  retrievedAt: '2026-11-21T10:00:00.000Z',
  lawfulBasis: 'children-act-1989-s47',
};

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

const AnyBundle = z.object({ entry: z.array(z.object({ resource: z.looseObject({ resourceType: z.string() }).optional() })).default([]) });

/** Groups a bundle's resources under their patients, as the adapter would return them. */
function rawFromBundle(bundle: unknown): HealthRaw {
  const resources = AnyBundle.parse(bundle).entry.flatMap((e) => (e.resource === undefined ? [] : [e.resource]));
  const patients = resources.filter((r) => r.resourceType === 'Patient').map((r) => FhirPatient.parse(r));
  const of = (patientId: string) => (ref: string | undefined) => ref === `Patient/${patientId}`;
  return {
    patients: patients.map((patient): HealthPatientRecords => {
      const mine = of(patient.id);
      return {
        patient,
        encounters: resources.filter((r) => r.resourceType === 'Encounter').map((r) => FhirEncounter.parse(r)).filter((r) => mine(r.subject?.reference)),
        conditions: resources.filter((r) => r.resourceType === 'Condition').map((r) => FhirCondition.parse(r)).filter((r) => mine(r.subject.reference)),
        flags: resources.filter((r) => r.resourceType === 'Flag').map((r) => FhirFlag.parse(r)).filter((r) => mine(r.subject.reference)),
        episodesOfCare: resources.filter((r) => r.resourceType === 'EpisodeOfCare').map((r) => FhirEpisodeOfCare.parse(r)).filter((r) => mine(r.patient.reference)),
        relatedPersons: resources.filter((r) => r.resourceType === 'RelatedPerson').map((r) => FhirRelatedPerson.parse(r)).filter((r) => mine(r.patient.reference)),
      };
    }),
  };
}

function expectAllValid(facts: readonly unknown[]): void {
  for (const fact of facts) {
    const parsed = Fact.safeParse(fact);
    expect(parsed.success, parsed.success ? '' : JSON.stringify(parsed.error.issues)).toBe(true);
  }
}

const byRecord = (facts: readonly Fact[], sourceRecordId: string, kind: Fact['kind']): Fact | undefined =>
  facts.find((f) => f.provenance.sourceRecordId === sourceRecordId && f.kind === kind);

function only<K extends Fact['kind']>(fact: Fact | undefined, kind: K): Extract<Fact, { kind: K }> {
  if (fact?.kind !== kind) throw new Error(`expected a ${kind} fact`);
  return fact as Extract<Fact, { kind: K }>;
}

describe('mapHealth on the synthetic UK Core family', () => {
  const raw = rawFromBundle(readJson(join(FIXTURES, 'featherstone-family.json')));
  const facts = mapHealth(raw, ctx);

  it('gives only facts that parse with the Fact schema, with unique ids', () => {
    expectAllValid(facts);
    expect(new Set(facts.map((f) => f.id)).size).toBe(facts.length);
    // 2 patients, 2 related persons (relationship + person each), 3 encounters, 1 condition, 1 flag, 1 episode.
    expect(facts).toHaveLength(2 + 4 + 3 + 1 + 1 + 1);
  });

  it('is deterministic: the same records and context give the same facts and ids', () => {
    expect(mapHealth(raw, ctx)).toEqual(facts);
    const other = mapHealth(raw, { ...ctx, lookupId: 'lookup-2' });
    expect(other.map((f) => f.id)).not.toEqual(facts.map((f) => f.id));
  });

  it('maps the Patient to a PersonFact: names incl. nickname, birth date, sex, NHS and local ids, addresses with periods', () => {
    const child: PersonFact = only(byRecord(facts, 'Patient/hc-child-1', 'person'), 'person');
    expect(child.personRef).toBe('Patient/hc-child-1');
    expect(child.names).toEqual([
      { given: ['Kayden', 'Lee'], family: 'Featherstone', use: 'official' },
      { given: ['Kay'], family: 'Featherstone', use: 'nickname' },
    ]);
    expect(child.birthDate).toBe('2017-03-14');
    expect(child.sex).toBe('male');
    expect(child.identifiers).toEqual([
      { system: 'nhs-number', value: '9991000003' },
      { system: 'local', value: 'NTH123456', issuer: 'https://fhir.northtown-hospital.example/Id/mrn' },
    ]);
    expect(child.addresses).toEqual([
      { lines: ['12 Elm Road'], town: 'Northtown', postcode: 'NT1 4AB', period: { start: '2021-06-01' } },
      { lines: ['Flat 3', '22 Mill Lane'], town: 'Northtown', postcode: 'NT2 7CD', period: { start: '2017-03-14', end: '2021-05-31' } },
    ]);
    expect(child.provenance).toEqual({
      agency: 'health',
      connectorId: 'northtown-health',
      sourceSystem: 'Northtown FHIR',
      sourceRecordId: 'Patient/hc-child-1',
      lookupId: 'lookup-1',
      retrievedAt: '2026-11-21T10:00:00.000Z',
      sourceUpdatedAt: '2026-10-02T09:15:00+00:00',
      lawfulBasis: 'children-act-1989-s47',
      sensitivity: 'open',
    });
  });

  it('maps RelatedPersons to relationships (MTH parent, STPPRN carer) and to person details', () => {
    const mother: RelationshipFact = only(byRecord(facts, 'RelatedPerson/hc-rp-1', 'relationship'), 'relationship');
    expect(mother).toMatchObject({
      personRef: 'Patient/hc-child-1',
      relationship: 'parent',
      relatedRef: 'RelatedPerson/hc-rp-1',
      relatedName: { given: ['Leanne'], family: 'Featherstone', use: 'official' },
      relatedBirthDate: '1994-08-02',
    });
    const stepParent = only(byRecord(facts, 'RelatedPerson/hc-rp-2', 'relationship'), 'relationship');
    expect(stepParent.relationship).toBe('carer');
    expect(stepParent.period).toEqual({ start: '2024-02-01' });
    expect(stepParent.provenance.sensitivity).toBe('sensitive');

    const motherPerson = only(byRecord(facts, 'RelatedPerson/hc-rp-1', 'person'), 'person');
    expect(motherPerson.personRef).toBe('RelatedPerson/hc-rp-1');
    expect(motherPerson.identifiers).toEqual([{ system: 'nhs-number', value: '9991000011' }]);
    expect(motherPerson.sex).toBe('female');
  });

  it('maps Encounters by class: EMER attendance, IMP admission, otherwise appointment', () => {
    const ae: EventFact = only(byRecord(facts, 'Encounter/hc-enc-1', 'event'), 'event');
    expect(ae).toMatchObject({
      personRef: 'Patient/hc-child-1',
      eventKind: 'attendance',
      date: '2026-09-30',
      endDate: '2026-10-01',
      summary: 'A&E attendance at Northtown General Hospital: Head injury',
      status: 'finished',
    });
    expect(ae.provenance.sensitivity).toBe('sensitive');
    expect(only(byRecord(facts, 'Encounter/hc-enc-2', 'event'), 'event')).toMatchObject({ eventKind: 'admission', date: '2025-02-10', endDate: '2025-02-13' });
    expect(only(byRecord(facts, 'Encounter/hc-enc-3', 'event'), 'event')).toMatchObject({ eventKind: 'appointment', summary: 'Paediatric outpatient appointment' });
  });

  it('maps Condition to a diagnosis and EpisodeOfCare to an episode of care', () => {
    expect(only(byRecord(facts, 'Condition/hc-cond-1', 'event'), 'event')).toMatchObject({ eventKind: 'diagnosis', date: '2020-05-01', summary: 'Diagnosis: Asthma', status: 'active, confirmed' });
    expect(only(byRecord(facts, 'EpisodeOfCare/hc-eoc-1', 'event'), 'event')).toMatchObject({
      eventKind: 'episode-of-care',
      date: '2017-03-20',
      endDate: '2022-03-14',
      summary: 'Health visiting (Northtown Community Health)',
      status: 'finished',
    });
  });

  it('maps the CP-IS Flag to a restricted child-protection-plan flag', () => {
    const flag: FlagFact = only(byRecord(facts, 'Flag/hc-flag-1', 'flag'), 'flag');
    expect(flag).toMatchObject({ flagKind: 'child-protection-plan', status: 'active', period: { start: '2026-10-05' }, personRef: 'Patient/hc-child-1' });
    expect(flag.provenance.sensitivity).toBe('restricted');
  });
});

describe('sensitivityOf (v3-Confidentiality in meta.security)', () => {
  const system = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
  it.each([
    ['U', 'open'],
    ['L', 'open'],
    ['M', 'open'],
    ['N', 'open'],
    ['R', 'sensitive'],
    ['V', 'restricted'],
  ] as const)('%s → %s', (code, expected) => {
    expect(sensitivityOf({ security: [{ system, code }] })).toBe(expected);
  });
  it('on a patient record, R is the PDS restricted ("sensitive patient") marking: restricted, like V', () => {
    expect(patientSensitivity({ security: [{ system, code: 'R' }] })).toBe('restricted');
    expect(patientSensitivity({ security: [{ system, code: 'V' }] })).toBe('restricted');
    expect(patientSensitivity({ security: [{ system, code: 'U' }] })).toBe('open');
    expect(patientSensitivity({ security: [{ system: 'http://example.org/other', code: 'R' }] })).toBe('open');
  });
  it('defaults to open, ignores other systems, and takes the most restrictive marking', () => {
    expect(sensitivityOf(undefined)).toBe('open');
    expect(sensitivityOf({ security: [{ system: 'http://example.org/other', code: 'V' }] })).toBe('open');
    expect(sensitivityOf({ security: [{ system, code: 'R' }, { system, code: 'N' }] })).toBe('sensitive');
    expect(sensitivityOf({ security: [{ system, code: 'R' }, { system, code: 'V' }] })).toBe('restricted');
  });
});

describe('mapHealth on NHS PDS sandbox responses', () => {
  const patientOf = (file: string) => {
    const bundle = FhirSearchBundle.parse(readJson(join(FIXTURES, 'pds', file)));
    return FhirPatient.parse(bundle.entry?.[0]?.resource);
  };
  const records = (patient: ReturnType<typeof patientOf>, relatedPersons: HealthPatientRecords['relatedPersons'] = []): HealthRaw => ({
    patients: [{ patient, encounters: [], conditions: [], flags: [], episodesOfCare: [], relatedPersons }],
  });

  it('reads the UPRN from the UK Core AddressKey extension and U as open', () => {
    const facts = mapHealth(records(patientOf('PatientSearch.json')), ctx);
    expectAllValid(facts);
    const person = only(facts[0], 'person');
    expect(person.identifiers).toContainEqual({ system: 'nhs-number', value: '9000000009' });
    expect(person.addresses[0]).toMatchObject({ postcode: 'LS1 6AE', uprn: '123456789012', period: { start: '2024-01-01', end: '2025-12-31' } });
    expect(person.provenance.sensitivity).toBe('open');
  });

  it('marks a restricted (R) PDS patient restricted, and everything about them with it', () => {
    const patient = patientOf('Sensitive_PatientSearch.json');
    const encounter = FhirEncounter.parse({ resourceType: 'Encounter', id: 'e-open', status: 'finished', class: { code: 'EMER' }, subject: { reference: `Patient/${patient.id}` }, period: { start: '2026-01-02' } });
    const facts = mapHealth({ patients: [{ patient, encounters: [encounter], conditions: [], flags: [], episodesOfCare: [], relatedPersons: [] }] }, ctx);
    expectAllValid(facts);
    expect(facts.map((f) => [f.kind, f.provenance.sensitivity])).toEqual([['person', 'restricted'], ['event', 'restricted']]);
    // The sensitive patient's record has no address or GP: nothing here says where she is.
    expect(only(facts[0], 'person').addresses).toEqual([]);
  });

  it('maps a PDS Guardian RelatedPerson to a carer, taking its own NHS number from patient.identifier when it is not the patient', () => {
    const related = FhirSearchBundle.parse(readJson(join(FIXTURES, 'pds', 'RelatedPersonBundle.json'))).entry?.map((e) => FhirRelatedPerson.parse(e.resource)) ?? [];
    const owner = FhirPatient.parse({ resourceType: 'Patient', id: 'child-x', identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9991000003' }], name: [{ family: 'Smith', given: ['Kai'] }] });
    const facts = mapHealth(records(owner, related), ctx);
    expectAllValid(facts);
    const relationship = facts.find((f) => f.kind === 'relationship');
    expect(relationship).toMatchObject({ relationship: 'carer', personRef: 'Patient/child-x' });
    const person = facts.find((f) => f.kind === 'person' && f.personRef.startsWith('RelatedPerson/'));
    expect(person).toMatchObject({ identifiers: [{ system: 'nhs-number', value: '9000000009' }] });
  });
});

describe('mapHealth edge cases', () => {
  const holder = FhirPatient.parse({ resourceType: 'Patient', id: 'holder', name: [{ family: 'Holder', given: ['Pat'] }] });
  const raw = (part: Partial<HealthPatientRecords>): HealthRaw => ({
    patients: [{ patient: holder, encounters: [], conditions: [], flags: [], episodesOfCare: [], relatedPersons: [], ...part }],
  });

  it('leaves out partial birth dates, anonymous names and over-long identifiers instead of guessing', () => {
    const patient = FhirPatient.parse({
      resourceType: 'Patient',
      id: 'p1',
      birthDate: '2017-03',
      name: [{ use: 'anonymous', family: 'Doe', given: ['John'] }, { text: 'Ada  Mary Lovelace' }],
      identifier: [{ system: 'urn:x', value: 'x'.repeat(65) }],
      address: [{ postalCode: 'NOT A POSTCODE AT ALL' }, { line: [' '] }],
    });
    const facts = mapHealth(raw({ patient }), ctx);
    expectAllValid(facts);
    const person = only(facts[0], 'person');
    expect(person.birthDate).toBeUndefined();
    expect(person.names).toEqual([{ given: ['Ada', 'Mary'], family: 'Lovelace' }]);
    expect(person.identifiers).toEqual([]);
    expect(person.addresses).toEqual([]);
  });

  it('gives no PersonFact for a patient without a usable name, but keeps their events', () => {
    const patient = FhirPatient.parse({ resourceType: 'Patient', id: 'nameless' });
    const encounter = FhirEncounter.parse({ resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'EMER' }, period: { start: '2026-01-02' } });
    const facts = mapHealth(raw({ patient, encounters: [encounter] }), ctx);
    expect(facts.map((f) => f.kind)).toEqual(['event']);
    expect(facts[0]?.personRef).toBe('Patient/nameless');
  });

  it('skips entered-in-error records', () => {
    const facts = mapHealth(
      raw({
        encounters: [FhirEncounter.parse({ resourceType: 'Encounter', id: 'e1', status: 'entered-in-error', class: { code: 'EMER' }, period: { start: '2026-01-02' } })],
        conditions: [FhirCondition.parse({ resourceType: 'Condition', id: 'c1', subject: {}, onsetDateTime: '2026-01-02', verificationStatus: { coding: [{ code: 'entered-in-error' }] } })],
        flags: [FhirFlag.parse({ resourceType: 'Flag', id: 'f1', status: 'entered-in-error', code: { text: 'x' }, subject: {} })],
        episodesOfCare: [FhirEpisodeOfCare.parse({ resourceType: 'EpisodeOfCare', id: 'o1', status: 'entered-in-error', patient: {} })],
      }),
      ctx,
    );
    expect(facts.map((f) => f.kind)).toEqual(['person']);
  });

  it('dates an undated record by its last update, else by its retrieval, and says so', () => {
    const dated = FhirEncounter.parse({ resourceType: 'Encounter', id: 'e1', status: 'planned', class: { code: 'AMB' }, meta: { lastUpdated: '2026-03-04T05:06:07Z' } });
    const undated = FhirEncounter.parse({ resourceType: 'Encounter', id: 'e2', status: 'planned', class: { code: 'AMB' } });
    const vague = FhirCondition.parse({ resourceType: 'Condition', id: 'c1', subject: {}, onsetString: 'approximately November 2012', code: { text: 'Asthma' } });
    const facts = mapHealth(raw({ encounters: [dated, undated], conditions: [vague] }), ctx);
    expectAllValid(facts);
    const events = facts.filter((f) => f.kind === 'event');
    expect(events.map((e) => e.date)).toEqual(['2026-03-04', '2026-11-21', '2026-11-21']);
    expect(events[0]?.detail).toMatch(/when it was last updated/);
    expect(events[1]?.detail).toMatch(/when it was retrieved/);
    expect(events[2]?.detail).toMatch(/^Onset: approximately November 2012\. The source gives no date/);
  });

  it('keeps a narrative as plain text in the detail: tags dropped, entities decoded', () => {
    const encounter = FhirEncounter.parse({
      resourceType: 'Encounter',
      id: 'e1',
      status: 'finished',
      class: { code: 'EMER' },
      period: { start: '2026-09-12T22:10:00+01:00' },
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>Mother reports &quot;an argument at home&quot;.</p><script>x</script><p>Referral &amp; follow-up&#x2014;done</p></div>' },
    });
    const facts = mapHealth(raw({ encounters: [encounter] }), ctx);
    expectAllValid(facts);
    expect(only(facts[1], 'event').detail).toBe('Mother reports "an argument at home". x Referral & follow-up—done');
  });

  it('recognises a CP-IS flag from its text when the coding is absent, and other flags as health alerts', () => {
    const facts = mapHealth(
      raw({
        flags: [
          FhirFlag.parse({ resourceType: 'Flag', id: 'f1', status: 'active', code: { text: 'Child Protection Plan' }, subject: {} }),
          FhirFlag.parse({ resourceType: 'Flag', id: 'f2', status: 'inactive', code: { text: 'Patient has a big dog' }, subject: {} }),
        ],
      }),
      ctx,
    );
    expect(facts.filter((f) => f.kind === 'flag').map((f) => [f.flagKind, f.status])).toEqual([
      ['child-protection-plan', 'active'],
      ['health-alert', 'inactive'],
    ]);
  });

  it('does not mistake prototype keys in source codes for mappings', () => {
    const patient = FhirPatient.parse({ resourceType: 'Patient', id: 'p1', gender: 'constructor', name: [{ use: 'toString', family: 'A', given: ['B'] }] });
    const related = FhirRelatedPerson.parse({ resourceType: 'RelatedPerson', id: 'r1', patient: {}, relationship: [{ coding: [{ code: '__proto__' }] }] });
    const facts = mapHealth(raw({ patient, relatedPersons: [related] }), ctx);
    expectAllValid(facts);
    expect(only(facts[0], 'person').sex).toBeUndefined();
    expect(facts.find((f) => f.kind === 'relationship')).toMatchObject({ relationship: 'other' });
  });
});

describe('mapHealth on every official FHIR R4 example of the resources we read', () => {
  const schemas = {
    Patient: FhirPatient,
    RelatedPerson: FhirRelatedPerson,
    Encounter: FhirEncounter,
    Condition: FhirCondition,
    Flag: FhirFlag,
    EpisodeOfCare: FhirEpisodeOfCare,
  } as const;
  const files = readdirSync(R4_EXAMPLES).filter((f) => f.endsWith('.json') && Object.keys(schemas).some((type) => f.startsWith(`${type}-`)));
  const holder = FhirPatient.parse({ resourceType: 'Patient', id: 'holder', name: [{ family: 'Holder', given: ['Pat'] }] });

  it('finds the examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it.each(files)('%s parses and maps to valid facts', (file) => {
    const json = readJson(join(R4_EXAMPLES, file));
    const empty: HealthPatientRecords = { patient: holder, encounters: [], conditions: [], flags: [], episodesOfCare: [], relatedPersons: [] };
    let records: HealthPatientRecords;
    if (file.startsWith('Patient-')) records = { ...empty, patient: FhirPatient.parse(json) };
    else if (file.startsWith('RelatedPerson-')) records = { ...empty, relatedPersons: [FhirRelatedPerson.parse(json)] };
    else if (file.startsWith('Encounter-')) records = { ...empty, encounters: [FhirEncounter.parse(json)] };
    else if (file.startsWith('Condition-')) records = { ...empty, conditions: [FhirCondition.parse(json)] };
    else if (file.startsWith('Flag-')) records = { ...empty, flags: [FhirFlag.parse(json)] };
    else records = { ...empty, episodesOfCare: [FhirEpisodeOfCare.parse(json)] };
    const facts = mapHealth({ patients: [records] }, ctx);
    expectAllValid(facts);
    // The holder's PersonFact, plus at least one fact from the example itself.
    if (!file.startsWith('Patient-')) expect(facts.length).toBeGreaterThan(1);
  });

  it('maps the searchset Bundles among the examples', () => {
    const searchsets = readdirSync(R4_EXAMPLES)
      .filter((f) => f.startsWith('Bundle-'))
      .map((f) => FhirSearchBundle.safeParse(readJson(join(R4_EXAMPLES, f))))
      .flatMap((r) => (r.success && r.data.type === 'searchset' ? [r.data] : []));
    expect(searchsets.length).toBeGreaterThan(0);
    for (const bundle of searchsets) {
      const patients = (bundle.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Patient' ? [FhirPatient.parse(e.resource)] : []));
      const facts = mapHealth({ patients: patients.map((patient) => ({ patient, encounters: [], conditions: [], flags: [], episodesOfCare: [], relatedPersons: [] })) }, ctx);
      expectAllValid(facts);
    }
  });
});
