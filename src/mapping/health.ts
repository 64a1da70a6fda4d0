/**
 * Health mapping: FHIR R4 (UK Core) records from the FHIR adapter → facts with provenance.
 *
 * Why this file exists: the hub reasons over one common model (DESIGN.md "The common
 * model"), and health speaks FHIR. This is the one place that knows how a Patient becomes a
 * PersonFact, which Encounter class is an A&E attendance, that a CP-IS Flag means a child
 * protection plan, and how FHIR `meta.security` confidentiality becomes the hub's sensitivity.
 * Pure: no I/O, no clock — the same records and context always give the same facts, with the
 * same ids (CONVENTIONS.md §6).
 *
 * Source data is kept, never invented: elements the model cannot hold exactly (partial birth
 * dates, over-long values) are left out rather than guessed; an undated event keeps a stand-in
 * date and says so. Resources marked `entered-in-error` are not facts and are skipped.
 */
import { z } from 'zod';
import {
  ADDRESS_KEY_EXTENSION,
  CONFIDENTIALITY_SYSTEM,
  CP_IS_FLAG_CODE,
  CP_IS_FLAG_SYSTEM,
  NHS_NUMBER_SYSTEM,
  type FhirAddress,
  type FhirCodeableConcept,
  type FhirCondition,
  type FhirEncounter,
  type FhirEpisodeOfCare,
  type FhirFlag,
  type FhirHumanName,
  type FhirIdentifier,
  type FhirMeta,
  type FhirNarrative,
  type FhirPatient,
  type FhirPeriod,
  type FhirRelatedPerson,
  type HealthRaw,
} from '../adapters/fhir/types.ts';
import type { Sensitivity } from '../model/agency.ts';
import type { EventFact, Fact, FlagFact, PersonFact, RelationshipFact } from '../model/fact.ts';
import { IsoDate, type Address, type HumanName, type Identifier, type Period, type Sex } from '../model/person.ts';
import type { Provenance } from '../model/provenance.ts';
import type { MappingContext } from './context.ts';
import { SENSITIVITY_RANK, clip, factId, optional, provenanceFor } from './fact-parts.ts';

type RelationshipType = RelationshipFact['relationship'];
type EventKind = EventFact['eventKind'];

/**
 * Maps everything the FHIR adapter found to facts. Each candidate patient yields a
 * PersonFact; their records yield events, flags and relationships under `Patient/<id>`;
 * each RelatedPerson also yields a PersonFact of its own under `RelatedPerson/<id>`, so
 * identity matching can link it to the same person elsewhere. Everything about a patient whose
 * demographic record is restricted is restricted too (see `patientSensitivity`).
 */
export function mapHealth(raw: HealthRaw, ctx: MappingContext): Fact[] {
  const facts: Fact[] = [];
  const seen = new Set<string>();
  for (const records of raw.patients) {
    const floor = patientSensitivity(records.patient.meta);
    const add = (fact: Fact | undefined): void => {
      if (fact !== undefined && !seen.has(fact.id)) {
        seen.add(fact.id);
        facts.push(atLeast(fact, floor));
      }
    };
    const personRef = `Patient/${records.patient.id}`;
    add(patientFact(records.patient, ctx));
    for (const related of records.relatedPersons) {
      add(relationshipFact(related, personRef, ctx));
      add(relatedPersonFact(related, records.patient, ctx));
    }
    for (const encounter of records.encounters) add(encounterFact(encounter, personRef, ctx));
    for (const condition of records.conditions) add(conditionFact(condition, personRef, ctx));
    for (const episode of records.episodesOfCare) add(episodeFact(episode, personRef, ctx));
    for (const flag of records.flags) add(flagFact(flag, personRef, ctx));
  }
  return facts;
}

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

/** Patient → PersonFact; undefined when the record carries no usable name. */
export function patientFact(patient: FhirPatient, ctx: MappingContext): PersonFact | undefined {
  const names = humanNames(patient.name);
  if (names.length === 0) return undefined;
  const sourceRecordId = `Patient/${patient.id}`;
  return {
    id: factId(ctx, sourceRecordId, 'person'),
    kind: 'person',
    personRef: sourceRecordId,
    provenance: provenance(ctx, sourceRecordId, patient.meta),
    names,
    ...optional('birthDate', isoDate(patient.birthDate)),
    ...optional('sex', sex(patient.gender)),
    identifiers: identifiers(patient.identifier),
    addresses: addresses(patient.address),
  };
}

/** RelatedPerson → RelationshipFact: "the related person is <relationship> of the patient". */
function relationshipFact(related: FhirRelatedPerson, personRef: string, ctx: MappingContext): RelationshipFact {
  const sourceRecordId = `RelatedPerson/${related.id}`;
  const relatedName = humanNames(related.name)[0];
  const period = toPeriod(related.period);
  return {
    id: factId(ctx, sourceRecordId, 'relationship'),
    kind: 'relationship',
    personRef,
    provenance: provenance(ctx, sourceRecordId, related.meta),
    relationship: relationshipType(related.relationship),
    relatedRef: sourceRecordId,
    ...optional('relatedName', relatedName),
    ...optional('relatedBirthDate', isoDate(related.birthDate)),
    ...optional('period', period),
  };
}

/**
 * The related person's own details as a PersonFact. PDS puts the related person's NHS number
 * in `RelatedPerson.patient.identifier` (their own patient record); when that differs from
 * the patient we asked about, it is the related person's identifier.
 */
function relatedPersonFact(related: FhirRelatedPerson, owner: FhirPatient, ctx: MappingContext): PersonFact | undefined {
  const names = humanNames(related.name);
  if (names.length === 0) return undefined;
  const sourceRecordId = `RelatedPerson/${related.id}`;
  const ids = identifiers(related.identifier);
  const ownerNhs = new Set(identifiers(owner.identifier).filter((i) => i.system === 'nhs-number').map((i) => i.value));
  const viaPatient = identifiers(related.patient.identifier === undefined ? undefined : [related.patient.identifier]);
  for (const id of viaPatient) {
    if (id.system === 'nhs-number' && !ownerNhs.has(id.value) && !ids.some((i) => i.system === id.system && i.value === id.value)) ids.push(id);
  }
  return {
    id: factId(ctx, sourceRecordId, 'person'),
    kind: 'person',
    personRef: sourceRecordId,
    provenance: provenance(ctx, sourceRecordId, related.meta),
    names,
    ...optional('birthDate', isoDate(related.birthDate)),
    ...optional('sex', sex(related.gender)),
    identifiers: ids,
    addresses: addresses(related.address),
  };
}

/**
 * Relationship codes → the hub's relationship types. v3-RoleCode (MTH, FTH, STPPRN …), UK Core
 * AdditionalRelatedPersonRole (Guardian …) and v2-0131 contact roles (C emergency contact).
 * Birth and adoptive parents are `parent`; step-parents, guardians and foster carers are
 * `carer` (they may hold parental responsibility, but the model keeps "parent" for parents).
 */
const RELATIONSHIP_BY_CODE: ReadonlyMap<string, RelationshipType> = new Map(
  Object.entries({
  MTH: 'parent', FTH: 'parent', PRN: 'parent', NMTH: 'parent', NFTH: 'parent', NPRN: 'parent',
  ADOPTM: 'parent', ADOPTF: 'parent', ADOPTP: 'parent', GESTM: 'parent',
  STPMTH: 'carer', STPFTH: 'carer', STPPRN: 'carer', GUARD: 'carer', GUARDIAN: 'carer', CARER: 'carer',
  FSTPRN: 'carer', FOSTERPARENT: 'carer', PERSONALCARER: 'carer',
  SIB: 'sibling', SIS: 'sibling', BRO: 'sibling', HSIB: 'sibling', HSIS: 'sibling', HBRO: 'sibling',
  NSIB: 'sibling', NSIS: 'sibling', NBRO: 'sibling', STPSIB: 'sibling', STPSIS: 'sibling', STPBRO: 'sibling',
  TWIN: 'sibling', TWINSIS: 'sibling', TWINBRO: 'sibling', ITWIN: 'sibling', FTWIN: 'sibling',
  SPS: 'partner', HUSB: 'partner', WIFE: 'partner', DOMPART: 'partner', SIGOTHR: 'partner', FMRSPS: 'partner',
  ROOM: 'household-member',
  C: 'emergency-contact', ECON: 'emergency-contact',
  } satisfies Record<string, RelationshipType>),
);

function relationshipType(concepts: readonly FhirCodeableConcept[] | undefined): RelationshipType {
  for (const concept of concepts ?? []) {
    for (const coding of concept.coding ?? []) {
      const mapped = coding.code === undefined ? undefined : RELATIONSHIP_BY_CODE.get(coding.code.toUpperCase());
      if (mapped !== undefined) return mapped;
    }
  }
  return 'other';
}

// ---------------------------------------------------------------------------------------------
// Chronology events
// ---------------------------------------------------------------------------------------------

/** Encounter → EventFact: class EMER is an A&E attendance, IMP (and ACUTE, NONAC) an admission, anything else an appointment. */
function encounterFact(encounter: FhirEncounter, personRef: string, ctx: MappingContext): EventFact | undefined {
  if (encounter.status === 'entered-in-error') return undefined;
  const eventKind = encounterKind(encounter.class.code);
  const label = eventKind === 'attendance' ? 'A&E attendance' : eventKind === 'admission' ? 'Hospital admission' : (conceptText(encounter.type?.[0]) ?? 'Appointment');
  const provider = encounter.serviceProvider?.display?.trim();
  const reason = (encounter.reasonCode ?? []).map((r) => conceptText(r)).filter((t) => t !== undefined).join('; ');
  const summary = `${label}${provider === undefined || provider === '' ? '' : ` at ${provider}`}${reason === '' ? '' : `: ${reason}`}`;
  return eventFact(`Encounter/${encounter.id}`, eventKind, personRef, ctx, {
    meta: encounter.meta,
    date: isoDate(encounter.period?.start) ?? isoDate(encounter.period?.end),
    endDate: isoDate(encounter.period?.end),
    summary,
    detail: narrativeText(encounter.text),
    status: encounter.status,
  });
}

/** v3-ActCode encounter classes that are inpatient stays. */
const ADMISSION_CLASSES: ReadonlySet<string> = new Set(['IMP', 'ACUTE', 'NONAC']);

function encounterKind(classCode: string | undefined): EventKind {
  const code = classCode?.toUpperCase() ?? '';
  if (code === 'EMER') return 'attendance';
  return ADMISSION_CLASSES.has(code) ? 'admission' : 'appointment';
}

/** Condition → EventFact 'diagnosis', dated by onset, else when it was recorded; a text onset goes to the detail. */
function conditionFact(condition: FhirCondition, personRef: string, ctx: MappingContext): EventFact | undefined {
  const verification = firstCode(condition.verificationStatus);
  if (verification === 'entered-in-error') return undefined;
  const clinical = firstCode(condition.clinicalStatus);
  const status = [clinical, verification].filter((s) => s !== undefined).join(', ');
  return eventFact(`Condition/${condition.id}`, 'diagnosis', personRef, ctx, {
    meta: condition.meta,
    date: isoDate(condition.onsetDateTime) ?? isoDate(condition.onsetPeriod?.start) ?? isoDate(condition.recordedDate),
    endDate: isoDate(condition.abatementDateTime) ?? isoDate(condition.abatementPeriod?.end),
    summary: `Diagnosis: ${conceptText(condition.code) ?? 'condition not named'}`,
    detail: conditionDetail(condition),
    status: status === '' ? undefined : status,
  });
}

/** The condition's notes (else its narrative), and its onset when given only as text ("approximately November 2012"). */
function conditionDetail(condition: FhirCondition): string | undefined {
  const onset = condition.onsetString?.trim();
  const notes = (condition.note ?? []).map((n) => n.text?.trim()).filter((t) => t !== undefined && t !== '');
  const parts = [
    ...(notes.length > 0 ? notes : [narrativeText(condition.text)].filter((t) => t !== undefined)),
    ...(onset === undefined || onset === '' ? [] : [`Onset: ${onset}.`]),
  ];
  return parts.length === 0 ? undefined : parts.join(' ');
}

/** EpisodeOfCare → EventFact 'episode-of-care' (health visiting, CAMHS, school nursing …). */
function episodeFact(episode: FhirEpisodeOfCare, personRef: string, ctx: MappingContext): EventFact | undefined {
  if (episode.status === 'entered-in-error') return undefined;
  const service = conceptText(episode.type?.[0]) ?? 'Episode of care';
  const organisation = episode.managingOrganization?.display?.trim();
  return eventFact(`EpisodeOfCare/${episode.id}`, 'episode-of-care', personRef, ctx, {
    meta: episode.meta,
    date: isoDate(episode.period?.start),
    endDate: isoDate(episode.period?.end),
    summary: `${service}${organisation === undefined || organisation === '' ? '' : ` (${organisation})`}`,
    detail: narrativeText(episode.text),
    status: episode.status,
  });
}

interface EventParts {
  readonly meta: FhirMeta | undefined;
  readonly date: string | undefined;
  readonly endDate: string | undefined;
  readonly summary: string;
  readonly detail?: string | undefined;
  readonly status: string | undefined;
}

/**
 * Builds an EventFact. A record without an event date is still worth seeing (DESIGN.md: never
 * a silent gap), so its last-updated date stands in — or, failing that, the date it was
 * retrieved — and the detail says which.
 */
function eventFact(sourceRecordId: string, eventKind: EventKind, personRef: string, ctx: MappingContext, parts: EventParts): EventFact {
  const updated = parts.date === undefined ? isoDate(parts.meta?.lastUpdated) : undefined;
  const date = parts.date ?? updated ?? isoDate(ctx.retrievedAt) ?? ctx.retrievedAt.slice(0, 10);
  const dateNote =
    parts.date !== undefined ? undefined
    : updated !== undefined ? 'The source gives no date for this record; the date shown is when it was last updated.'
    : 'The source gives no date for this record; the date shown is when it was retrieved.';
  const detail = [parts.detail, dateNote].filter((d) => d !== undefined).join(' ');
  return {
    id: factId(ctx, sourceRecordId, 'event'),
    kind: 'event',
    personRef,
    provenance: provenance(ctx, sourceRecordId, parts.meta),
    eventKind,
    date,
    ...optional('endDate', parts.endDate),
    summary: clip(parts.summary, 500),
    ...optional('detail', detail === '' ? undefined : clip(detail, 4000)),
    ...optional('status', parts.status === undefined ? undefined : clip(parts.status, 60)),
  };
}

// ---------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------

/** Flag → FlagFact; a CP-IS flag is a child protection plan. */
function flagFact(flag: FhirFlag, personRef: string, ctx: MappingContext): FlagFact | undefined {
  if (flag.status === 'entered-in-error') return undefined;
  const sourceRecordId = `Flag/${flag.id}`;
  const period = toPeriod(flag.period);
  return {
    id: factId(ctx, sourceRecordId, 'flag'),
    kind: 'flag',
    personRef,
    provenance: provenance(ctx, sourceRecordId, flag.meta),
    flagKind: isCpIs(flag.code) ? 'child-protection-plan' : 'health-alert',
    summary: clip(conceptText(flag.code) ?? 'Health alert', 500),
    ...optional('period', period),
    status: flag.status === 'active' ? 'active' : 'inactive',
  };
}

/** CP-IS by its coding, or — for systems that only give text — by the words "child protection". */
function isCpIs(code: FhirCodeableConcept): boolean {
  if ((code.coding ?? []).some((c) => c.code?.toUpperCase() === CP_IS_FLAG_CODE && (c.system === undefined || c.system === CP_IS_FLAG_SYSTEM))) return true;
  const texts = [code.text, ...(code.coding ?? []).map((c) => c.display)];
  return texts.some((t) => t !== undefined && /child[\s-]+protection/i.test(t));
}

// ---------------------------------------------------------------------------------------------
// Provenance and ids
// ---------------------------------------------------------------------------------------------

/** Deterministic fact id: the same lookup, record and kind always give the same id. */
const Instant = z.iso.datetime({ offset: true });

function provenance(ctx: MappingContext, sourceRecordId: string, meta: FhirMeta | undefined): Provenance {
  const updated = meta?.lastUpdated === undefined ? undefined : Instant.safeParse(meta.lastUpdated);
  return provenanceFor('health', ctx, sourceRecordId, sensitivityOf(meta), updated?.success === true ? updated.data : undefined);
}

/**
 * The sensitivity of a patient's demographic record. On a Patient, v3-Confidentiality R is how
 * the NHS marks a restricted record (PDS: a "sensitive patient", whose address and GP are
 * withheld because revealing where they are could put them at risk); V is stronger still. Both
 * make the record, and every fact the hub derives about that patient, `restricted`: a visit, a
 * flag or a relative's address can say where the patient is as surely as the address would. It
 * is never revealed to the hub without the owning agency's practitioner (DESIGN.md rule 2).
 */
export function patientSensitivity(meta: FhirMeta | undefined): Sensitivity {
  return (meta?.security ?? []).some((c) => c.system === CONFIDENTIALITY_SYSTEM && (c.code === 'R' || c.code === 'V')) ? 'restricted' : 'open';
}

/** The fact, its sensitivity raised to `floor` when lower. */
function atLeast(fact: Fact, floor: Sensitivity): Fact {
  if (SENSITIVITY_RANK[fact.provenance.sensitivity] >= SENSITIVITY_RANK[floor]) return fact;
  return { ...fact, provenance: { ...fact.provenance, sensitivity: floor } };
}

/**
 * `meta.security` v3-Confidentiality → sensitivity of a clinical record (an encounter, a
 * condition…): U, L, M, N open; R sensitive; V restricted. The most restrictive marking wins; no
 * marking is open (FHIR's default is normal). A patient's own record is read by
 * `patientSensitivity`.
 */
export function sensitivityOf(meta: FhirMeta | undefined): Sensitivity {
  let result: Sensitivity = 'open';
  for (const coding of meta?.security ?? []) {
    if (coding.system !== CONFIDENTIALITY_SYSTEM) continue;
    if (coding.code === 'V') return 'restricted';
    if (coding.code === 'R') result = 'sensitive';
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Data types
// ---------------------------------------------------------------------------------------------

const NAME_USES: ReadonlyMap<string, HumanName['use']> = new Map([['usual', 'usual'], ['official', 'official'], ['nickname', 'nickname'], ['maiden', 'maiden'], ['old', 'old']]);

/** FHIR HumanNames the model can hold; `anonymous` names are not the person's and are left out. */
function humanNames(names: readonly FhirHumanName[] | undefined): HumanName[] {
  const result: HumanName[] = [];
  for (const name of names ?? []) {
    if (name.use === 'anonymous') continue;
    let given = (name.given ?? []).map((g) => g.trim()).filter((g) => g !== '');
    let family = name.family?.trim() ?? '';
    if ((given.length === 0 || family === '') && name.text !== undefined) {
      // Only `text` (or half the parts): "Peter James Chalmers" — the last word is the family name.
      const words = name.text.trim().split(/\s+/).filter((w) => w !== '');
      if (words.length >= 2) {
        given = given.length > 0 ? given : words.slice(0, -1);
        family = family !== '' ? family : (words.at(-1) ?? '');
      }
    }
    if (given.length === 0 || family === '') continue;
    const use = name.use === undefined ? undefined : NAME_USES.get(name.use);
    result.push({ given: given.slice(0, 5).map((g) => clip(g, 100)), family: clip(family, 100), ...optional('use', use) });
  }
  return result;
}

const SEXES: ReadonlyMap<string, Sex> = new Map([['female', 'female'], ['male', 'male'], ['other', 'other'], ['unknown', 'unknown']]);

/** FHIR administrative gender → the model's sex (the same four codes). */
function sex(gender: string | undefined): Sex | undefined {
  return gender === undefined ? undefined : SEXES.get(gender);
}

/** NHS numbers as `nhs-number` (spaces removed); any other identifier as `local`, issued by its system. */
function identifiers(source: readonly Pick<FhirIdentifier, 'system' | 'value'>[] | undefined): Identifier[] {
  const result: Identifier[] = [];
  for (const identifier of source ?? []) {
    const raw = identifier.value?.trim();
    if (raw === undefined || raw === '') continue;
    if (identifier.system === NHS_NUMBER_SYSTEM) {
      const value = raw.replace(/\s+/g, '');
      if (value.length <= 64) result.push({ system: 'nhs-number', value });
      continue;
    }
    if (raw.length > 64) continue;
    const issuer = identifier.system?.trim();
    result.push({ system: 'local', value: raw, ...optional('issuer', issuer === undefined || issuer === '' ? undefined : clip(issuer, 120)) });
  }
  return result;
}

function addresses(source: readonly FhirAddress[] | undefined): Address[] {
  const result: Address[] = [];
  for (const address of source ?? []) {
    const lines = (address.line ?? []).map((l) => l.trim()).filter((l) => l !== '').map((l) => clip(l, 200));
    const town = address.city?.trim();
    const postcode = address.postalCode?.trim().toUpperCase();
    const uprn = addressKey(address, 'UPRN');
    const mapped: Address = {
      lines: lines.slice(0, 6),
      ...optional('town', town === undefined || town === '' ? undefined : clip(town, 100)),
      ...optional('postcode', postcode !== undefined && postcode !== '' && postcode.length <= 10 ? postcode : undefined),
      ...optional('uprn', uprn !== undefined && /^\d{1,12}$/.test(uprn) ? uprn : undefined),
      ...optional('period', toPeriod(address.period)),
    };
    if (mapped.lines.length > 0 || mapped.town !== undefined || mapped.postcode !== undefined || mapped.uprn !== undefined) result.push(mapped);
  }
  return result;
}

/** The value of a UK Core AddressKey extension of the given type (UPRN, PAF). */
function addressKey(address: FhirAddress, type: string): string | undefined {
  for (const extension of address.extension ?? []) {
    if (extension.url !== ADDRESS_KEY_EXTENSION) continue;
    const parts = extension.extension ?? [];
    if (parts.some((p) => p.url === 'type' && p.valueCoding?.code === type)) {
      return parts.find((p) => p.url === 'value')?.valueString?.trim();
    }
  }
  return undefined;
}

function toPeriod(source: FhirPeriod | undefined): Period | undefined {
  const start = isoDate(source?.start);
  const end = isoDate(source?.end);
  if (start === undefined && end === undefined) return undefined;
  return { ...optional('start', start), ...optional('end', end) };
}

/**
 * The calendar date of a FHIR date, dateTime or instant, as recorded (its own time zone).
 * Partial dates ("2017", "2017-03") have no day and are left out rather than guessed.
 */
function isoDate(value: string | undefined): string | undefined {
  const day = value?.match(/^(\d{4}-\d{2}-\d{2})/)?.[1];
  return day !== undefined && IsoDate.safeParse(day).success ? day : undefined;
}

/** The concept's text, else the first coding's display. */
function conceptText(concept: FhirCodeableConcept | undefined): string | undefined {
  const candidates = [concept?.text, ...(concept?.coding ?? []).map((c) => c.display)];
  for (const candidate of candidates) {
    const text = candidate?.trim();
    if (text !== undefined && text !== '') return text;
  }
  return undefined;
}

const ENTITIES: ReadonlyMap<string, string> = new Map([['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"], ['nbsp', ' ']]);

/**
 * A narrative's XHTML as plain text: tags dropped, entities decoded, whitespace collapsed.
 * The result is text, never markup — whoever displays it escapes it like any other string.
 */
function narrativeText(narrative: FhirNarrative | undefined): string | undefined {
  if (narrative?.div === undefined) return undefined;
  const text = narrative.div
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (whole: string, name: string) => {
      const code = name.startsWith('#x') || name.startsWith('#X') ? Number.parseInt(name.slice(2), 16) : name.startsWith('#') ? Number.parseInt(name.slice(1), 10) : undefined;
      if (code === undefined) return ENTITIES.get(name.toLowerCase()) ?? whole;
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
    })
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? undefined : clip(text, 3500);
}

function firstCode(concept: FhirCodeableConcept | undefined): string | undefined {
  return concept?.coding?.find((c) => c.code !== undefined)?.code;
}

/** `{ key: value }` when value is defined, `{}` otherwise — keeps optional properties absent, not undefined. */