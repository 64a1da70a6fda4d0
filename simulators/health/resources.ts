/**
 * The synthetic population's health view as UK Core-shaped FHIR R4 resources, for the health
 * simulator to serve.
 *
 * Why this file exists: the population generator describes what health systems hold in its
 * own terms (`HealthView`); a FHIR server serves resources. This is the translation, written
 * the way NHS systems publish: NHS number under `https://fhir.nhs.uk/Id/nhs-number`, names with
 * `use` (nicknames as `nickname`), v3-RoleCode relationships, v3-ActCode encounter classes,
 * SNOMED CT where the generator is sure of the code, and v3-Confidentiality in `meta.security`
 * on every resource (N, R or V from the record's own marking). Synthetic data only.
 *
 * Resource ids: a patient's id is its `recordId`, a RelatedPerson's its `id`. An event with one
 * patient keeps its `eventId`; an event recorded against several patients (FHIR resources have
 * one subject) becomes one resource per patient, `<eventId>.1`, `<eventId>.2` … — see
 * `healthEventIdOf`.
 */
/// <reference types="fhir" />
import { CP_IS_FLAG_CODE, CP_IS_FLAG_SYSTEM } from '../../src/adapters/fhir/types.ts';
import type { CodedConcept, FhirConfidentiality, HealthEvent, HealthPatient, HealthRelatedPerson, Population, RecordedName } from '../population/index.ts';

const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const UK_CORE = 'https://fhir.hl7.org.uk/StructureDefinition';

const CONFIDENTIALITY_DISPLAY: Readonly<Record<FhirConfidentiality, string>> = { N: 'normal', R: 'restricted', V: 'very restricted' };

/** v3-RoleCode displays of the relationship codes the population uses. */
const ROLE_DISPLAY: Readonly<Record<HealthRelatedPerson['relationship'], string>> = {
  MTH: 'mother',
  FTH: 'father',
  STPMTH: 'stepmother',
  STPFTH: 'stepfather',
  GRMTH: 'grandmother',
  GRFTH: 'grandfather',
  SIB: 'sibling',
  HSIB: 'half-sibling',
  SPS: 'spouse',
  FAMMEMB: 'family member',
};

/** Every resource the health simulator serves for this population. */
export function healthResources(population: Population): fhir4.FhirResource[] {
  const view = population.views.health;
  const nhsNumberOf = new Map(view.patients.flatMap((p) => (p.nhsNumber === undefined ? [] : [[p.recordId, p.nhsNumber] as const])));
  const resources: fhir4.FhirResource[] = [];
  for (const patient of view.patients) {
    resources.push(patientResource(patient));
    for (const related of patient.relatedPersons) resources.push(relatedPersonResource(related, patient, nhsNumberOf));
  }
  for (const event of view.events) resources.push(...eventResources(event, population.referenceDate));
  return resources;
}

/** The population `eventId` a resource id made by `healthResources` came from. */
export function healthEventIdOf(resourceId: string): string {
  return resourceId.replace(/\.\d+$/, '');
}

function security(code: FhirConfidentiality): fhir4.Coding[] {
  return [{ system: CONFIDENTIALITY, code, display: CONFIDENTIALITY_DISPLAY[code] }];
}

function meta(lastUpdatedDay: string, confidentiality: FhirConfidentiality, profile: string): fhir4.Meta {
  return { lastUpdated: `${lastUpdatedDay}T09:00:00Z`, profile: [`${UK_CORE}/${profile}`], security: security(confidentiality) };
}

function humanName(name: RecordedName, use: fhir4.HumanName['use']): fhir4.HumanName {
  const given = name.given.filter((g) => g.trim() !== '');
  return { use, family: name.family, ...(given.length === 0 ? {} : { given }) };
}

function patientResource(patient: HealthPatient): fhir4.Patient {
  const names = [
    humanName(patient.name, 'official'),
    // Known-as names: a different given name with the same family name is a nickname; a different family name is an old one.
    ...patient.otherNames.map((n) => humanName(n, n.family === patient.name.family ? 'nickname' : 'old')),
  ];
  return {
    resourceType: 'Patient',
    id: patient.recordId,
    // The population marks events, not patient records; demographics are normal (N) as on PDS.
    meta: meta(patient.updatedOn, 'N', 'UKCore-Patient'),
    ...(patient.nhsNumber === undefined ? {} : { identifier: [{ system: NHS_NUMBER_SYSTEM, value: patient.nhsNumber }] }),
    name: names,
    gender: patient.sex,
    ...(patient.birthDate === undefined ? {} : { birthDate: patient.birthDate }),
    ...(patient.address === undefined
      ? {}
      : { address: [{ use: 'home', line: [...patient.address.lines], city: patient.address.town, postalCode: patient.address.postcode }] }),
    generalPractitioner: [{ type: 'Organization', identifier: { system: ODS_SYSTEM, value: patient.gpPractice.odsCode }, display: patient.gpPractice.name }],
  };
}

function relatedPersonResource(related: HealthRelatedPerson, patient: HealthPatient, nhsNumberOf: ReadonlyMap<string, string>): fhir4.RelatedPerson {
  const nhsNumber = related.patientRecordId === undefined ? undefined : nhsNumberOf.get(related.patientRecordId);
  return {
    resourceType: 'RelatedPerson',
    id: related.id,
    meta: meta(patient.updatedOn, 'N', 'UKCore-RelatedPerson'),
    ...(nhsNumber === undefined ? {} : { identifier: [{ system: NHS_NUMBER_SYSTEM, value: nhsNumber }] }),
    active: true,
    patient: { reference: `Patient/${patient.recordId}` },
    relationship: [{ coding: [{ system: ROLE_CODE, code: related.relationship, display: ROLE_DISPLAY[related.relationship] }] }],
    name: [humanName(related.name, 'official')],
    ...(related.phone === undefined ? {} : { telecom: [{ system: 'phone', value: related.phone, use: 'mobile' }] }),
  };
}

function concept(code: CodedConcept): fhir4.CodeableConcept {
  return {
    ...(code.system !== undefined && code.code !== undefined ? { coding: [{ system: code.system, code: code.code, display: code.display }] } : {}),
    text: code.display,
  };
}

function narrative(text: string): fhir4.Narrative {
  const escaped = text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  return { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${escaped}</div>` };
}

/** One resource per patient the event concerns. */
function eventResources(event: HealthEvent, referenceDate: string): fhir4.FhirResource[] {
  const several = event.recordIds.length > 1;
  return event.recordIds.map((recordId, index) => eventResource(event, several ? `${event.eventId}.${index + 1}` : event.eventId, recordId, referenceDate));
}

function eventResource(event: HealthEvent, id: string, recordId: string, referenceDate: string): fhir4.FhirResource {
  const subject = { reference: `Patient/${recordId}` };
  const updated = event.endDate ?? event.date;
  const ended = event.endDate !== undefined && event.endDate <= referenceDate;
  switch (event.kind) {
    case 'ae-attendance':
    case 'admission': {
      const emergency = event.kind === 'ae-attendance';
      return {
        resourceType: 'Encounter',
        id,
        meta: meta(updated, event.sensitivity, 'UKCore-Encounter'),
        text: narrative(event.text),
        status: 'finished',
        class: emergency ? { system: ACT_CODE, code: 'EMER', display: 'emergency' } : { system: ACT_CODE, code: 'IMP', display: 'inpatient encounter' },
        type: [{ text: emergency ? 'Emergency department attendance' : 'Hospital admission' }],
        subject,
        period: { start: event.date, ...(event.endDate === undefined ? {} : { end: event.endDate }) },
        reasonCode: [concept(event.code)],
        ...(event.provider === undefined ? {} : { serviceProvider: { display: event.provider } }),
      };
    }
    case 'condition':
      return {
        resourceType: 'Condition',
        id,
        meta: meta(updated, event.sensitivity, 'UKCore-Condition'),
        clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: ended ? 'resolved' : 'active' }] },
        verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item', display: 'Problem List Item' }] }],
        code: concept(event.code),
        subject,
        onsetDateTime: event.date,
        ...(event.endDate === undefined ? {} : { abatementDateTime: event.endDate }),
        recordedDate: event.date,
        note: [{ text: event.text }],
      };
    case 'episode-of-care':
      return {
        resourceType: 'EpisodeOfCare',
        id,
        meta: meta(updated, event.sensitivity, 'UKCore-EpisodeOfCare'),
        text: narrative(event.text),
        status: ended ? 'finished' : 'active',
        type: [{ text: event.service ?? event.code.display }],
        patient: subject,
        ...(event.provider === undefined ? {} : { managingOrganization: { display: event.provider } }),
        period: { start: event.date, ...(event.endDate === undefined ? {} : { end: event.endDate }) },
      };
    case 'cp-is-flag':
      return {
        resourceType: 'Flag',
        id,
        meta: meta(updated, event.sensitivity, 'UKCore-Flag'),
        text: narrative(event.text),
        status: ended ? 'inactive' : 'active',
        category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/flag-category', code: 'safety', display: 'Safety' }] }],
        code: {
          coding: [
            { system: CP_IS_FLAG_SYSTEM, code: CP_IS_FLAG_CODE, display: 'Child Protection - Information Sharing' },
            ...(event.code.system !== undefined && event.code.code !== undefined ? [{ system: event.code.system, code: event.code.code, display: event.code.display }] : []),
          ],
          text: event.code.display,
        },
        subject,
        period: { start: event.date, ...(event.endDate === undefined ? {} : { end: event.endDate }) },
      };
    default:
      return event.kind satisfies never;
  }
}
