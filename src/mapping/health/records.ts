/**
 * Health records: what a patient's records say — Encounters, Conditions and EpisodesOfCare as
 * chronology events, Flags as flags (a CP-IS flag is a child protection plan).
 *
 * Why this file exists: split out of health.ts (house file-size limit); which Encounter class is
 * an A&E attendance, how a condition is dated and when a flag is CP-IS is one responsibility.
 * Resources marked `entered-in-error` are not facts and are skipped; an undated event keeps a
 * stand-in date and says so (DESIGN.md: never a silent gap).
 */
import { CP_IS_FLAG_CODE, CP_IS_FLAG_SYSTEM, type FhirCodeableConcept, type FhirCondition, type FhirEncounter, type FhirEpisodeOfCare, type FhirFlag, type FhirMeta } from '../../adapters/fhir/types.ts';
import type { EventFact, FlagFact } from '../../model/fact.ts';
import { clip, type FactMaker } from '../fact-parts.ts';
import { healthSource } from './sensitivity.ts';
import { conceptText, firstCode, isoDate, narrativeText, toPeriod } from './values.ts';

type EventKind = EventFact['eventKind'];

/** Encounter → EventFact: class EMER is an A&E attendance, IMP (and ACUTE, NONAC) an admission, anything else an appointment. */
export function encounterFact(encounter: FhirEncounter, personRef: string, make: FactMaker): EventFact | undefined {
  if (encounter.status === 'entered-in-error') return undefined;
  const eventKind = encounterKind(encounter.class.code);
  const label = eventKind === 'attendance' ? 'A&E attendance' : eventKind === 'admission' ? 'Hospital admission' : (conceptText(encounter.type?.[0]) ?? 'Appointment');
  const provider = encounter.serviceProvider?.display?.trim();
  const reason = (encounter.reasonCode ?? []).map((r) => conceptText(r)).filter((t) => t !== undefined).join('; ');
  const summary = `${label}${provider === undefined || provider === '' ? '' : ` at ${provider}`}${reason === '' ? '' : `: ${reason}`}`;
  return eventFact(`Encounter/${encounter.id}`, eventKind, personRef, make, {
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
export function conditionFact(condition: FhirCondition, personRef: string, make: FactMaker): EventFact | undefined {
  const verification = firstCode(condition.verificationStatus);
  if (verification === 'entered-in-error') return undefined;
  const clinical = firstCode(condition.clinicalStatus);
  const status = [clinical, verification].filter((s) => s !== undefined).join(', ');
  return eventFact(`Condition/${condition.id}`, 'diagnosis', personRef, make, {
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
export function episodeFact(episode: FhirEpisodeOfCare, personRef: string, make: FactMaker): EventFact | undefined {
  if (episode.status === 'entered-in-error') return undefined;
  const service = conceptText(episode.type?.[0]) ?? 'Episode of care';
  const organisation = episode.managingOrganization?.display?.trim();
  return eventFact(`EpisodeOfCare/${episode.id}`, 'episode-of-care', personRef, make, {
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
function eventFact(sourceRecordId: string, eventKind: EventKind, personRef: string, make: FactMaker, parts: EventParts): EventFact {
  const updated = parts.date === undefined ? isoDate(parts.meta?.lastUpdated) : undefined;
  const date = parts.date ?? updated ?? isoDate(make.ctx.retrievedAt) ?? make.ctx.retrievedAt.slice(0, 10);
  const dateNote =
    parts.date !== undefined ? undefined
    : updated !== undefined ? 'The source gives no date for this record; the date shown is when it was last updated.'
    : 'The source gives no date for this record; the date shown is when it was retrieved.';
  const detail = [parts.detail, dateNote].filter((d) => d !== undefined).join(' ');
  return make.event(healthSource(sourceRecordId, personRef, parts.meta), {
    eventKind,
    date,
    endDate: parts.endDate,
    summary: parts.summary,
    detail: detail === '' ? undefined : detail,
    status: parts.status === undefined ? undefined : clip(parts.status, 60),
  });
}

/** Flag → FlagFact; a CP-IS flag is a child protection plan. */
export function flagFact(flag: FhirFlag, personRef: string, make: FactMaker): FlagFact | undefined {
  if (flag.status === 'entered-in-error') return undefined;
  return make.flag(healthSource(`Flag/${flag.id}`, personRef, flag.meta), {
    flagKind: isCpIs(flag.code) ? 'child-protection-plan' : 'health-alert',
    summary: conceptText(flag.code) ?? 'Health alert',
    period: toPeriod(flag.period),
    status: flag.status === 'active' ? 'active' : 'inactive',
  });
}

/** CP-IS by its coding, or — for systems that only give text — by the words "child protection". */
function isCpIs(code: FhirCodeableConcept): boolean {
  if ((code.coding ?? []).some((c) => c.code?.toUpperCase() === CP_IS_FLAG_CODE && (c.system === undefined || c.system === CP_IS_FLAG_SYSTEM))) return true;
  const texts = [code.text, ...(code.coding ?? []).map((c) => c.display)];
  return texts.some((t) => t !== undefined && /child[\s-]+protection/i.test(t));
}
