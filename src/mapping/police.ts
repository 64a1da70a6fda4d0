/**
 * Police mapping: PersonSearch results from the police SOAP adapter (POLE: nominals, their
 * associations, incidents, crimes, intelligence reports and warning markers) → facts with
 * provenance.
 *
 * Why this file exists: the hub reasons over one common model (DESIGN.md "The common model"),
 * and police speak POLE. This is the one place that knows how a nominal becomes a PersonFact,
 * which association is a partner or a parent, how an incident, a crime and a graded
 * intelligence report read in a chronology, and how police handling codes become the hub's
 * sensitivity. Pure: no I/O, no clock — the same records and context always give the same facts,
 * with the same ids (CONVENTIONS.md §6).
 *
 * Sensitivity (DESIGN.md: mapped from the source's own marking; contracts/police/README.md):
 *
 * | police marking                                   | sensitivity  |
 * |--------------------------------------------------|--------------|
 * | 5x5x5 handling code 1 (may be disseminated)      | open         |
 * | 5x5x5 handling code 2 or 3 (dissemination with conditions) | sensitive |
 * | 5x5x5 handling code 4 or 5 (within the force only / refer to originator) | restricted |
 * | 3x5x2 handling code P (lawful sharing permitted) | sensitive    |
 * | 3x5x2 handling code C (sharing with conditions)  | restricted   |
 *
 * Intelligence reports take their grading's sensitivity as it is: the handling code is the
 * originator's own dissemination decision. Incidents and crimes take their handling code's, but
 * never less than `sensitive`: they name victims, suspects and children present. Nominals,
 * associations and warning markers carry no marking in the source; they are `sensitive`,
 * because that a person is known to police is itself police information (London MASH
 * governance: the owner keeps the duty of care and decides what is shared).
 *
 * Involvement records: an incident that involves two candidates (mother as victim, child
 * present) is one record in the force's system but one fact per person here, each with that
 * person's role, so its source record id is the involvement — `Incident/<id>/Nominal/<nominal>`.
 */
import type {
  Association,
  AssociationTypeCode,
  Crime,
  Grading3x5x2,
  Grading5x5x5,
  IncidentCategoryCode,
  Incident,
  IntelligenceReport,
  InvolvedNominal,
  InvolvementRoleCode,
  Nominal,
  NominalSummary,
  PersonName,
  PoleAddress,
  PoliceRaw,
  WarningMarker,
} from '../adapters/police/types.ts';
import type { Sensitivity } from '../model/agency.ts';
import type { EventFact, Fact, FlagFact, PersonFact, RelationshipFact } from '../model/fact.ts';
import type { Address, HumanName, Identifier, Period, Sex } from '../model/person.ts';
import type { Provenance } from '../model/provenance.ts';
import type { MappingContext } from './context.ts';
import { clip, factId, optional, provenanceFor } from './fact-parts.ts';

type RelationshipType = RelationshipFact['relationship'];

/**
 * Maps everything the police adapter found to facts. Each candidate nominal yields a PersonFact
 * under `Nominal/<id>` with its warning markers (FlagFacts) and its part in incidents, crimes and
 * intelligence (EventFacts); each association a RelationshipFact, and the associated nominal a
 * PersonFact of its own when it was not a candidate, so identity matching can place them.
 */
export function mapPolice(raw: PoliceRaw, ctx: MappingContext): Fact[] {
  const facts: Fact[] = [];
  const seen = new Set<string>();
  const add = (fact: Fact | undefined): void => {
    if (fact !== undefined && !seen.has(fact.id)) {
      seen.add(fact.id);
      facts.push(fact);
    }
  };
  const candidates = new Map(raw.results.map((r) => [r.Nominal.NominalIdentification, r.Nominal]));
  for (const result of raw.results) {
    const nominal = result.Nominal;
    const personRef = nominalRef(nominal.NominalIdentification);
    add(nominalFact(nominal, ctx));
    for (const marker of nominal.WarningMarker) add(markerFact(marker, nominal, ctx));
    for (const association of result.Association) {
      add(relationshipFact(association, nominal, ctx));
      if (!candidates.has(association.AssociatedNominal.NominalIdentification)) add(associatedNominalFact(association.AssociatedNominal, ctx));
    }
    for (const incident of result.Incident) add(incidentFact(incident, personRef, ctx));
    for (const crime of result.Crime) add(crimeFact(crime, personRef, ctx));
    for (const report of result.IntelligenceReport) add(intelligenceFact(report, personRef, ctx));
  }
  return facts;
}

const nominalRef = (id: string): string => `Nominal/${id}`;

// ---------------------------------------------------------------------------------------------
// People
// ---------------------------------------------------------------------------------------------

/** A nominal → PersonFact: aliases follow the recorded name; PNC id and nominal number as identifiers. */
export function nominalFact(nominal: Nominal, ctx: MappingContext): PersonFact | undefined {
  const names = [nominal.PersonName, ...nominal.PersonAlternateName].map(humanName).filter((n) => n !== undefined);
  if (names.length === 0) return undefined;
  const sourceRecordId = nominalRef(nominal.NominalIdentification);
  return {
    id: factId(ctx, sourceRecordId, 'person'),
    kind: 'person',
    personRef: sourceRecordId,
    provenance: provenance(ctx, sourceRecordId, 'sensitive', nominal.RecordLastUpdatedDateTime),
    names: dedupeNames(names),
    ...optional('birthDate', nominal.PersonBirthDate),
    ...optional('sex', sexOf(nominal.PersonSexCode)),
    identifiers: identifiers(nominal.NominalIdentification, nominal.PNCIdentification, ctx),
    addresses: nominal.NominalAddress.map(address).filter((a) => a !== undefined),
  };
}

/** An associated nominal, as the result summarises them (name, birth date, PNC id). */
function associatedNominalFact(summary: NominalSummary, ctx: MappingContext): PersonFact | undefined {
  const name = humanName(summary.PersonName);
  if (name === undefined) return undefined;
  const sourceRecordId = nominalRef(summary.NominalIdentification);
  return {
    id: factId(ctx, sourceRecordId, 'person'),
    kind: 'person',
    personRef: sourceRecordId,
    provenance: provenance(ctx, sourceRecordId, 'sensitive'),
    names: [name],
    ...optional('birthDate', summary.PersonBirthDate),
    identifiers: identifiers(summary.NominalIdentification, summary.PNCIdentification, ctx),
    addresses: [],
  };
}

function identifiers(nominalId: string, pncId: string | undefined, ctx: MappingContext): Identifier[] {
  return [...(pncId === undefined ? [] : [{ system: 'pnc-id' as const, value: pncId }]), { system: 'local', value: nominalId, issuer: clip(ctx.sourceSystem, 120) }];
}

/**
 * Association codes → the hub's relationship types, read "the associated nominal is <code> of
 * the subject". `family-member` says only that they are related, so it is `other`; a former
 * partner is still a `partner` (what matters in domestic abuse), its end date in the period;
 * `child` is turned round into `parent` (below).
 */
const RELATIONSHIP_BY_CODE: Readonly<Record<AssociationTypeCode, RelationshipType>> = {
  partner: 'partner',
  'former-partner': 'partner',
  parent: 'parent',
  child: 'parent',
  sibling: 'sibling',
  'family-member': 'other',
  'household-member': 'household-member',
  associate: 'associate',
  other: 'other',
};

/** Symmetric associations are one fact whichever side they are read from. */
const SYMMETRIC: ReadonlySet<AssociationTypeCode> = new Set(['partner', 'former-partner', 'sibling', 'family-member', 'household-member', 'associate', 'other']);

/**
 * An association → RelationshipFact. Its source record id names both nominals in a fixed order,
 * so the same link seen from both candidates' results is one fact: for symmetric links the
 * lower id first; for parent links the child first ("the related person is parent of …").
 */
function relationshipFact(association: Association, subject: Nominal, ctx: MappingContext): RelationshipFact {
  const other = association.AssociatedNominal;
  const code = association.AssociationTypeCode;
  const subjectId = subject.NominalIdentification;
  const otherId = other.NominalIdentification;
  // "other is child of subject" is "subject is parent of other".
  const flipped = code === 'child' || (SYMMETRIC.has(code) && otherId < subjectId);
  const person = flipped ? { id: otherId, name: other.PersonName, birthDate: other.PersonBirthDate } : { id: subjectId, name: subject.PersonName, birthDate: subject.PersonBirthDate };
  const related = flipped ? { id: subjectId, name: subject.PersonName, birthDate: subject.PersonBirthDate } : { id: otherId, name: other.PersonName, birthDate: other.PersonBirthDate };
  const relationship = RELATIONSHIP_BY_CODE[code];
  const sourceRecordId = `${nominalRef(person.id)}/Association/${related.id}/${code === 'child' ? 'parent' : code}`;
  const period = toPeriod(association.AssociationStartDate, association.AssociationEndDate);
  return {
    id: factId(ctx, sourceRecordId, 'relationship'),
    kind: 'relationship',
    personRef: nominalRef(person.id),
    provenance: provenance(ctx, sourceRecordId, 'sensitive'),
    relationship,
    relatedRef: nominalRef(related.id),
    ...optional('relatedName', humanName(related.name)),
    ...optional('relatedBirthDate', related.birthDate),
    ...optional('period', period),
  };
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

const CATEGORY_LABELS: Readonly<Record<IncidentCategoryCode, string>> = {
  'domestic-abuse': 'Domestic abuse incident',
  'missing-person': 'Missing person incident',
  asb: 'Anti-social behaviour incident',
  'concern-for-welfare': 'Concern for welfare incident',
  'public-order': 'Public order incident',
  other: 'Police incident',
};

const ROLE_LABELS: Readonly<Record<InvolvementRoleCode, string>> = {
  victim: 'victim',
  suspect: 'suspect',
  offender: 'offender',
  witness: 'witness',
  'reporting-person': 'reporting person',
  'missing-person': 'missing person',
  'child-present': 'child present',
  subject: 'subject',
  involved: 'involved',
};

/** An incident, as this person's part in it → EventFact 'incident'. */
function incidentFact(incident: Incident, personRef: string, ctx: MappingContext): EventFact {
  const sourceRecordId = `Incident/${incident.IncidentIdentification}/${personRef}`;
  return eventFact(sourceRecordId, 'incident', personRef, ctx, {
    sensitivity: atLeastSensitive(handlingSensitivity(incident.HandlingCode)),
    date: incident.IncidentDate,
    summary: `${CATEGORY_LABELS[incident.IncidentCategoryCode]} (${ROLE_LABELS[incident.SubjectRoleCode]})`,
    detail: [incident.IncidentSummaryText, locationSentence(incident.IncidentLocation), othersSentence(incident.InvolvedNominal), `Police reference ${incident.IncidentIdentification}; handling code ${incident.HandlingCode}.`],
  });
}

/** A crime, as this person's part in it → EventFact 'crime'. */
function crimeFact(crime: Crime, personRef: string, ctx: MappingContext): EventFact {
  const sourceRecordId = `Crime/${crime.CrimeReferenceIdentification}/${personRef}`;
  return eventFact(sourceRecordId, 'crime', personRef, ctx, {
    sensitivity: atLeastSensitive(handlingSensitivity(crime.HandlingCode)),
    date: crime.OffenceDate,
    summary: `Crime: ${crime.CrimeClassificationText} (${ROLE_LABELS[crime.SubjectRoleCode]})`,
    detail: [crime.CrimeSummaryText, locationSentence(crime.CrimeLocation), othersSentence(crime.InvolvedNominal), `Crime reference ${crime.CrimeReferenceIdentification}; handling code ${crime.HandlingCode}.`],
  });
}

/** An intelligence report → EventFact 'other', its grading in the summary and explained in the detail. */
function intelligenceFact(report: IntelligenceReport, personRef: string, ctx: MappingContext): EventFact {
  const sourceRecordId = `Intelligence/${report.IntelligenceIdentification}/${personRef}`;
  const grading = gradingOf(report);
  return eventFact(sourceRecordId, 'other', personRef, ctx, {
    sensitivity: grading.sensitivity,
    date: report.IntelligenceReportDate,
    summary: `Police intelligence (${grading.short}): ${report.IntelligenceText}`,
    detail: [report.IntelligenceText, grading.explained, `Intelligence reference ${report.IntelligenceIdentification}; ${ROLE_LABELS[report.SubjectRoleCode]}.`],
  });
}

interface EventParts {
  readonly sensitivity: Sensitivity;
  readonly date: string;
  readonly summary: string;
  readonly detail: readonly (string | undefined)[];
}

function eventFact(sourceRecordId: string, eventKind: EventFact['eventKind'], personRef: string, ctx: MappingContext, parts: EventParts): EventFact {
  const detail = parts.detail.filter((d) => d !== undefined && d !== '').join(' ');
  return {
    id: factId(ctx, sourceRecordId, 'event'),
    kind: 'event',
    personRef,
    provenance: provenance(ctx, sourceRecordId, parts.sensitivity),
    eventKind,
    date: parts.date,
    summary: clip(parts.summary, 500),
    ...optional('detail', detail === '' ? undefined : clip(detail, 4000)),
  };
}

function locationSentence(location: PoleAddress | undefined): string | undefined {
  const text = location === undefined ? '' : [...location.AddressLine, location.LocationTownName, location.LocationPostalCode].filter((p) => p !== undefined).join(', ');
  return text === '' ? undefined : `Location: ${text}.`;
}

/** Who else was involved, by police record and role: names stay in their own records. */
function othersSentence(others: readonly InvolvedNominal[]): string | undefined {
  if (others.length === 0) return undefined;
  return `Also involved: ${others.map((o) => `${nominalRef(o.NominalIdentification)} (${ROLE_LABELS[o.InvolvementRoleCode]})`).join(', ')}.`;
}

// ---------------------------------------------------------------------------------------------
// Grading and sensitivity
// ---------------------------------------------------------------------------------------------

/** 5x5x5 handling code → sensitivity (table in the header). */
export function handlingSensitivity(code: number): Sensitivity {
  if (code <= 1) return 'open';
  return code <= 3 ? 'sensitive' : 'restricted';
}

const atLeastSensitive = (sensitivity: Sensitivity): Sensitivity => (sensitivity === 'open' ? 'sensitive' : sensitivity);

const SOURCE_5X5X5: Readonly<Record<Grading5x5x5['SourceEvaluationCode'], string>> = {
  A: 'always reliable', B: 'mostly reliable', C: 'sometimes reliable', D: 'unreliable', E: 'untested',
};
const INTELLIGENCE_5X5X5: Readonly<Record<number, string>> = {
  1: 'known to be true without reservation', 2: 'known personally to the source but not to the officer', 3: 'not personally known to the source but corroborated', 4: 'cannot be judged', 5: 'suspected to be false or malicious',
};
const HANDLING_5X5X5: Readonly<Record<number, string>> = {
  1: 'may be disseminated to other law enforcement and prosecuting agencies', 2: 'may be disseminated to UK non-prosecuting parties', 3: 'may be disseminated to non-EEA law enforcement agencies, with conditions', 4: 'may be disseminated within the originating agency only', 5: 'no further dissemination: refer to the originator',
};
const SOURCE_3X5X2: Readonly<Record<number, string>> = { 1: 'reliable', 2: 'untested', 3: 'not reliable' };
const INTELLIGENCE_3X5X2: Readonly<Record<Grading3x5x2['IntelligenceAssessmentCode'], string>> = {
  A: 'known directly to the source', B: 'known indirectly to the source but corroborated', C: 'known indirectly to the source', D: 'not known', E: 'suspected to be false',
};

interface GradingReading {
  readonly short: string;
  readonly explained: string;
  readonly sensitivity: Sensitivity;
}

function gradingOf(report: IntelligenceReport): GradingReading {
  const g5 = report.Grading5x5x5;
  if (g5 !== undefined) {
    const { SourceEvaluationCode: s, IntelligenceEvaluationCode: i, HandlingCode: h } = g5;
    return {
      short: `graded ${s}${i}, handling code ${h}`,
      explained: `Graded 5x5x5: source ${s} (${SOURCE_5X5X5[s]}), intelligence ${i} (${INTELLIGENCE_5X5X5[i] ?? 'unknown'}), handling code ${h} (${HANDLING_5X5X5[h] ?? 'unknown'}).`,
      sensitivity: handlingSensitivity(h),
    };
  }
  const g3 = report.Grading3x5x2;
  if (g3 === undefined) return { short: 'ungraded', explained: 'The report carries no grading.', sensitivity: 'restricted' };
  const { SourceEvaluationCode: s, IntelligenceAssessmentCode: i, HandlingCode: h } = g3;
  const conditions = g3.HandlingConditionsText === undefined ? '' : ` Conditions: ${g3.HandlingConditionsText}`;
  return {
    short: `graded ${s}${i}${h}`,
    explained: `Graded 3x5x2: source ${s} (${SOURCE_3X5X2[s] ?? 'unknown'}), intelligence ${i} (${INTELLIGENCE_3X5X2[i]}), handling code ${h} (${h === 'P' ? 'lawful sharing permitted' : 'lawful sharing permitted subject to conditions'}).${conditions}`,
    sensitivity: h === 'P' ? 'sensitive' : 'restricted',
  };
}

// ---------------------------------------------------------------------------------------------
// Warning markers
// ---------------------------------------------------------------------------------------------

/** Warning marker codes → flag kinds; the hub's words where it has them, else "police-warning-marker". */
const FLAG_KINDS: Readonly<Record<string, string>> = {
  DA: 'domestic-abuse', VI: 'violence', WE: 'weapons', DR: 'drugs', MH: 'mental-health', SH: 'self-harm', ES: 'escaper', MI: 'missing', CSE: 'cse-risk', MAP: 'mappa',
};

/** A warning marker → FlagFact; inactive once its end date has passed. */
function markerFact(marker: WarningMarker, nominal: Nominal, ctx: MappingContext): FlagFact {
  const personRef = nominalRef(nominal.NominalIdentification);
  const sourceRecordId = `${personRef}/WarningMarker/${marker.WarningMarkerCode}/${marker.WarningMarkerStartDate ?? 'undated'}`;
  const period = toPeriod(marker.WarningMarkerStartDate, marker.WarningMarkerEndDate);
  const ended = marker.WarningMarkerEndDate !== undefined && marker.WarningMarkerEndDate <= ctx.retrievedAt.slice(0, 10);
  return {
    id: factId(ctx, sourceRecordId, 'flag'),
    kind: 'flag',
    personRef,
    provenance: provenance(ctx, sourceRecordId, 'sensitive', nominal.RecordLastUpdatedDateTime),
    flagKind: FLAG_KINDS[marker.WarningMarkerCode] ?? 'police-warning-marker',
    summary: clip(`Police warning marker ${marker.WarningMarkerCode}: ${marker.WarningMarkerDescriptionText}`, 500),
    ...optional('period', period),
    status: ended ? 'inactive' : 'active',
  };
}

// ---------------------------------------------------------------------------------------------
// Provenance, ids and data types
// ---------------------------------------------------------------------------------------------

/** Deterministic fact id: the same lookup, record and kind always give the same id. */
function provenance(ctx: MappingContext, sourceRecordId: string, sensitivity: Sensitivity, sourceUpdatedAt?: string): Provenance {
  return provenanceFor('police', ctx, sourceRecordId, sensitivity, sourceUpdatedAt);
}

/** A recorded name as the model's; a name without a given name (the model needs one) is left out. */
function humanName(name: PersonName): HumanName | undefined {
  const given = name.PersonGivenName.slice(0, 5);
  return given.length === 0 ? undefined : { given, family: name.PersonSurName };
}

function dedupeNames(names: readonly HumanName[]): HumanName[] {
  const seen = new Set<string>();
  return names.filter((n) => {
    const key = [...n.given, n.family].join('\u0000').toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const SEXES: Readonly<Record<'M' | 'F' | 'U', Sex>> = { M: 'male', F: 'female', U: 'unknown' };

function sexOf(code: 'M' | 'F' | 'U' | undefined): Sex | undefined {
  return code === undefined ? undefined : SEXES[code];
}

function address(source: PoleAddress): Address | undefined {
  const postcode = source.LocationPostalCode?.toUpperCase();
  const mapped: Address = {
    lines: [...source.AddressLine],
    ...optional('town', source.LocationTownName),
    ...optional('postcode', postcode),
    ...optional('uprn', source.UPRN),
  };
  return mapped.lines.length > 0 || mapped.town !== undefined || mapped.postcode !== undefined || mapped.uprn !== undefined ? mapped : undefined;
}

function toPeriod(start: string | undefined, end: string | undefined): Period | undefined {
  if (start === undefined && end === undefined) return undefined;
  return { ...optional('start', start), ...optional('end', end) };
}

/** `{ key: value }` when value is defined, `{}` otherwise — keeps optional properties absent, not undefined. */