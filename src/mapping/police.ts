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
 *
 * The walk over candidates is the shared skeleton's (skeleton.ts); this file gives police's
 * parts: a nominal and their associations, and — under police/ — their records (records.ts),
 * the grading and handling-code rules (grading.ts) and POLE's data types (values.ts).
 */
import type { Association, AssociationTypeCode, Nominal, NominalSummary, PersonSearchResult, PoliceRaw } from '../adapters/police/types.ts';
import type { Identifier } from '../model/person.ts';
import type { PersonFact, RelationshipFact } from '../model/fact.ts';
import { clip, period, type FactMaker } from './fact-parts.ts';
import { crimeFact, incidentFact, intelligenceFact, markerFact } from './police/records.ts';
import { address, dedupeNames, humanName, nominalRef, sexOf } from './police/values.ts';
import { agencyMapper } from './skeleton.ts';

export { handlingSensitivity } from './police/grading.ts';

type RelationshipType = RelationshipFact['relationship'];

/** A candidate nominal's search result, and whether a nominal it names was a candidate too. */
interface Candidate {
  readonly result: PersonSearchResult;
  readonly isCandidate: (nominalId: string) => boolean;
}

/**
 * Maps everything the police adapter found to facts. Each candidate nominal yields a PersonFact
 * under `Nominal/<id>` with its warning markers (FlagFacts) and its part in incidents, crimes and
 * intelligence (EventFacts); each association a RelationshipFact, and the associated nominal a
 * PersonFact of its own when it was not a candidate, so identity matching can place them.
 */
export const mapPolice = agencyMapper<PoliceRaw, Candidate>({
  agency: 'police',
  candidates(raw) {
    const candidates = new Set(raw.results.map((r) => r.Nominal.NominalIdentification));
    return raw.results.map((result) => ({ result, isCandidate: (id: string) => candidates.has(id) }));
  },
  person: ({ result }, make) => nominalFact(result.Nominal, make),
  *records({ result, isCandidate }, make) {
    const nominal = result.Nominal;
    const personRef = nominalRef(nominal.NominalIdentification);
    for (const marker of nominal.WarningMarker) yield markerFact(marker, nominal, make);
    for (const association of result.Association) {
      yield relationshipFact(association, nominal, make);
      if (!isCandidate(association.AssociatedNominal.NominalIdentification)) yield associatedNominalFact(association.AssociatedNominal, make);
    }
    for (const incident of result.Incident) yield incidentFact(incident, personRef, make);
    for (const crime of result.Crime) yield crimeFact(crime, personRef, make);
    for (const report of result.IntelligenceReport) yield intelligenceFact(report, personRef, make);
  },
});

/** A nominal → PersonFact: aliases follow the recorded name; PNC id and nominal number as identifiers. */
export function nominalFact(nominal: Nominal, make: FactMaker): PersonFact | undefined {
  const names = [nominal.PersonName, ...nominal.PersonAlternateName].map(humanName).filter((n) => n !== undefined);
  if (names.length === 0) return undefined;
  const sourceRecordId = nominalRef(nominal.NominalIdentification);
  // Nominals carry no marking: that a person is known to police is itself police information.
  return make.person(
    { sourceRecordId, personRef: sourceRecordId, sensitivity: 'sensitive', sourceUpdatedAt: nominal.RecordLastUpdatedDateTime },
    {
      names: dedupeNames(names),
      birthDate: nominal.PersonBirthDate,
      sex: sexOf(nominal.PersonSexCode),
      identifiers: identifiers(nominal.NominalIdentification, nominal.PNCIdentification, make),
      addresses: nominal.NominalAddress.map(address).filter((a) => a !== undefined),
    },
  );
}

/** An associated nominal, as the result summarises them (name, birth date, PNC id). */
function associatedNominalFact(summary: NominalSummary, make: FactMaker): PersonFact | undefined {
  const name = humanName(summary.PersonName);
  if (name === undefined) return undefined;
  const sourceRecordId = nominalRef(summary.NominalIdentification);
  return make.person(
    { sourceRecordId, personRef: sourceRecordId, sensitivity: 'sensitive' },
    { names: [name], birthDate: summary.PersonBirthDate, identifiers: identifiers(summary.NominalIdentification, summary.PNCIdentification, make), addresses: [] },
  );
}

function identifiers(nominalId: string, pncId: string | undefined, make: FactMaker): Identifier[] {
  return [...(pncId === undefined ? [] : [{ system: 'pnc-id' as const, value: pncId }]), { system: 'local', value: nominalId, issuer: clip(make.ctx.sourceSystem, 120) }];
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
function relationshipFact(association: Association, subject: Nominal, make: FactMaker): RelationshipFact {
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
  return make.relationship(
    { sourceRecordId, personRef: nominalRef(person.id), sensitivity: 'sensitive' },
    {
      relationship,
      relatedRef: nominalRef(related.id),
      relatedName: humanName(related.name),
      relatedBirthDate: related.birthDate,
      period: period(association.AssociationStartDate, association.AssociationEndDate),
    },
  );
}
