/**
 * Police records: a person's part in incidents, crimes and intelligence reports as chronology
 * events, and their warning markers as flags (the mapping decisions are in ../police.ts's header).
 *
 * Why this file exists: split out of police.ts (house file-size limit); how an incident, a
 * crime and a graded intelligence report read in a chronology is one responsibility.
 * Involvement records: an incident that involves two candidates is one fact per person, each
 * with that person's role, so its source record id is the involvement.
 */
import type {
  Crime,
  Incident,
  IncidentCategoryCode,
  IntelligenceReport,
  InvolvedNominal,
  InvolvementRoleCode,
  Nominal,
  WarningMarker,
} from '../../adapters/police/types.ts';
import type { Sensitivity } from '../../model/agency.ts';
import type { EventFact, FlagFact } from '../../model/fact.ts';
import { period, type FactMaker } from '../fact-parts.ts';
import { atLeastSensitive, gradingOf, handlingSensitivity } from './grading.ts';
import { locationSentence, nominalRef } from './values.ts';

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
export function incidentFact(incident: Incident, personRef: string, make: FactMaker): EventFact {
  const sourceRecordId = `Incident/${incident.IncidentIdentification}/${personRef}`;
  return eventFact(sourceRecordId, 'incident', personRef, make, {
    sensitivity: atLeastSensitive(handlingSensitivity(incident.HandlingCode)),
    date: incident.IncidentDate,
    summary: `${CATEGORY_LABELS[incident.IncidentCategoryCode]} (${ROLE_LABELS[incident.SubjectRoleCode]})`,
    detail: [incident.IncidentSummaryText, locationSentence(incident.IncidentLocation), othersSentence(incident.InvolvedNominal), `Police reference ${incident.IncidentIdentification}; handling code ${incident.HandlingCode}.`],
  });
}

/** A crime, as this person's part in it → EventFact 'crime'. */
export function crimeFact(crime: Crime, personRef: string, make: FactMaker): EventFact {
  const sourceRecordId = `Crime/${crime.CrimeReferenceIdentification}/${personRef}`;
  return eventFact(sourceRecordId, 'crime', personRef, make, {
    sensitivity: atLeastSensitive(handlingSensitivity(crime.HandlingCode)),
    date: crime.OffenceDate,
    summary: `Crime: ${crime.CrimeClassificationText} (${ROLE_LABELS[crime.SubjectRoleCode]})`,
    detail: [crime.CrimeSummaryText, locationSentence(crime.CrimeLocation), othersSentence(crime.InvolvedNominal), `Crime reference ${crime.CrimeReferenceIdentification}; handling code ${crime.HandlingCode}.`],
  });
}

/** An intelligence report → EventFact 'other', its grading in the summary and explained in the detail. */
export function intelligenceFact(report: IntelligenceReport, personRef: string, make: FactMaker): EventFact {
  const sourceRecordId = `Intelligence/${report.IntelligenceIdentification}/${personRef}`;
  const grading = gradingOf(report);
  return eventFact(sourceRecordId, 'other', personRef, make, {
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
  /** Sentences of the detail; absent and empty ones are left out. */
  readonly detail: readonly (string | undefined)[];
}

function eventFact(sourceRecordId: string, eventKind: EventFact['eventKind'], personRef: string, make: FactMaker, parts: EventParts): EventFact {
  const detail = parts.detail.filter((d) => d !== undefined && d !== '').join(' ');
  return make.event({ sourceRecordId, personRef, sensitivity: parts.sensitivity }, { eventKind, date: parts.date, summary: parts.summary, detail: detail === '' ? undefined : detail });
}

/** Who else was involved, by police record and role: names stay in their own records. */
function othersSentence(others: readonly InvolvedNominal[]): string | undefined {
  if (others.length === 0) return undefined;
  return `Also involved: ${others.map((o) => `${nominalRef(o.NominalIdentification)} (${ROLE_LABELS[o.InvolvementRoleCode]})`).join(', ')}.`;
}

/** Warning marker codes → flag kinds; the hub's words where it has them, else "police-warning-marker". */
const FLAG_KINDS: Readonly<Record<string, string>> = {
  DA: 'domestic-abuse', VI: 'violence', WE: 'weapons', DR: 'drugs', MH: 'mental-health', SH: 'self-harm', ES: 'escaper', MI: 'missing', CSE: 'cse-risk', MAP: 'mappa',
};

/** A warning marker → FlagFact; inactive once its end date has passed. */
export function markerFact(marker: WarningMarker, nominal: Nominal, make: FactMaker): FlagFact {
  const personRef = nominalRef(nominal.NominalIdentification);
  const sourceRecordId = `${personRef}/WarningMarker/${marker.WarningMarkerCode}/${marker.WarningMarkerStartDate ?? 'undated'}`;
  const ended = marker.WarningMarkerEndDate !== undefined && marker.WarningMarkerEndDate <= make.ctx.retrievedAt.slice(0, 10);
  return make.flag(
    { sourceRecordId, personRef, sensitivity: 'sensitive', sourceUpdatedAt: nominal.RecordLastUpdatedDateTime },
    {
      flagKind: FLAG_KINDS[marker.WarningMarkerCode] ?? 'police-warning-marker',
      summary: `Police warning marker ${marker.WarningMarkerCode}: ${marker.WarningMarkerDescriptionText}`,
      period: period(marker.WarningMarkerStartDate, marker.WarningMarkerEndDate),
      status: ended ? 'inactive' : 'active',
    },
  );
}
