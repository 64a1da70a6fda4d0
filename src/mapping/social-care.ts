/**
 * Children's social care mapping: records from the host case system's REST API (the social care
 * adapter's raw records) → facts with provenance.
 *
 * Why this file exists: the hub reasons over one common model (DESIGN.md "The common model"),
 * and the case system speaks in CIN census and SSDA903 terms. This is the one place that knows
 * that a contact is a `referral` event with its outcome, that assessments and section 47
 * enquiries are `assessment` events, that CIN and CP plans are `plan` events and an active CP
 * plan is also a `child-protection-plan` flag, that looked-after episodes are `looked-after`
 * events, and how the case system's record marking becomes the hub's sensitivity. Pure: no I/O,
 * no clock — the same records and context always give the same facts, with the same ids.
 *
 * The allocated worker is a FlagFact (`allocated-worker`): it is a standing state of the child
 * ("open to children's social care, allocated to a social worker in team X"), with a start and
 * no end while the case is open — which is what a flag is in the model — and it tells the hub
 * whom to signpost to. It names a team, a role and a worker id, never a worker's name.
 *
 * Sensitivity (the case system's `recordMarking` → the hub's sensitivity):
 * - `open` → open, `sensitive` → sensitive, `restricted` → restricted; any other marking →
 *   restricted (an unknown marking fails closed).
 * - No marking → open, except section 47 enquiries and child protection plans (and the CP flag),
 *   which are never below sensitive whatever their marking: they say a child was or is thought to
 *   be at risk of significant harm.
 * - Anything restricted stays restricted: a restricted person record makes every fact about that
 *   person restricted, whatever the marking of the individual record (the skeleton's floor).
 *
 * The walk over candidates is the shared skeleton's (skeleton.ts); this file gives social
 * care's parts: a person and their relationships, and — under social-care/ — their records
 * (records.ts) and the case system's markings and data types (values.ts).
 */
import type { ScPerson, ScRelationship, SocialCarePersonRecords, SocialCareRaw } from '../adapters/social-care/types.ts';
import type { PersonFact, RelationshipFact } from '../model/fact.ts';
import type { Identifier, Sex } from '../model/person.ts';
import { clip, type FactMaker } from './fact-parts.ts';
import { agencyMapper } from './skeleton.ts';
import { allocationFlag, assessmentFact, cinPlanFact, contactFact, cpPlanFact, cpPlanFlag, lookedAfterFact, section47Fact } from './social-care/records.ts';
import { humanName, marking, personRefOf, sensitivityOf, toAddress, uniqueNames } from './social-care/values.ts';

export { sensitivityOf } from './social-care/values.ts';

type RelationshipType = RelationshipFact['relationship'];

/**
 * Maps everything the social care adapter found to facts. Each candidate person yields a
 * PersonFact under `Person/<personId>` and their records yield events and flags; each
 * relationship yields a RelationshipFact and a (minimal) PersonFact for the related person, so
 * identity matching can find them elsewhere — unless that person was a candidate too, in which
 * case their full record's fact is kept.
 */
export const mapSocialCare = agencyMapper<SocialCareRaw, SocialCarePersonRecords>({
  agency: 'social-care',
  candidates: (raw) => raw.people,
  // A restricted person record restricts every fact about that person.
  floor: (records) => (marking(records.person.recordMarking) === 'restricted' ? 'restricted' : 'open'),
  person: (records, make) => personFact(records.person, make),
  *records(records, make) {
    const person = records.person;
    const personRef = personRefOf(person.personId);
    yield allocationFlag(person, personRef, make);
    for (const contact of records.contacts) yield contactFact(contact, personRef, make);
    for (const assessment of records.assessments) yield assessmentFact(assessment, personRef, make);
    for (const enquiry of records.section47Enquiries) yield section47Fact(enquiry, personRef, make);
    for (const plan of records.cinPlans) yield cinPlanFact(plan, personRef, make);
    for (const plan of records.childProtectionPlans) {
      yield cpPlanFact(plan, personRef, make);
      yield cpPlanFlag(plan, personRef, make);
    }
    for (const episode of records.lookedAfterEpisodes) yield lookedAfterFact(episode, personRef, make);
    for (const link of records.relationships) yield relationshipFact(link, person, make);
  },
  // After every candidate, so a candidate's full record wins over the summary another candidate's link gives.
  *answer(raw, make) {
    for (const records of raw.people) for (const link of records.relationships) yield relatedPersonFact(link, make);
  },
});

/** Person → PersonFact: names and known-as names, birth date, sex, NHS number, UPN, case-system id, address; undefined without a usable name. */
export function personFact(person: ScPerson, make: FactMaker): PersonFact | undefined {
  const sourceRecordId = personRefOf(person.personId);
  const address = toAddress(person.address);
  const names = uniqueNames([person.name, ...person.knownAs]);
  if (names.length === 0) return undefined;
  return make.person(
    { sourceRecordId, personRef: sourceRecordId, sensitivity: sensitivityOf(person.recordMarking, 'open'), sourceUpdatedAt: person.lastUpdated },
    {
      names,
      birthDate: person.personBirthDate,
      sex: SEX_BY_GENDER_CURRENT.get(person.genderCurrent),
      identifiers: identifiers(person, make),
      addresses: address === undefined ? [] : [address],
    },
  );
}

/** CIN census GenderCurrent: 1 male, 2 female, 0 not recorded, 9 indeterminate. */
const SEX_BY_GENDER_CURRENT: ReadonlyMap<string, Sex> = new Map([['1', 'male'], ['2', 'female'], ['0', 'unknown'], ['9', 'other']]);

function identifiers(person: ScPerson, make: FactMaker): Identifier[] {
  return [
    ...(person.nhsNumber === undefined ? [] : [{ system: 'nhs-number' as const, value: person.nhsNumber }]),
    ...(person.upn === undefined ? [] : [{ system: 'upn' as const, value: person.upn.toUpperCase() }]),
    // The case system's own id, issued by the system the connector names.
    { system: 'local', value: person.personId, issuer: clip(make.ctx.sourceSystem, 120) },
  ];
}

/** The related person as the link names them: enough for identity matching to look for them. */
function relatedPersonFact(link: ScRelationship, make: FactMaker): PersonFact | undefined {
  const related = link.relatedPerson;
  const sourceRecordId = personRefOf(related.personId);
  const name = humanName(related.name);
  if (name === undefined) return undefined;
  return make.person(
    { sourceRecordId, personRef: sourceRecordId, sensitivity: sensitivityOf(link.recordMarking, 'open'), sourceUpdatedAt: link.lastUpdated },
    { names: [name], birthDate: related.personBirthDate, identifiers: [{ system: 'local', value: related.personId, issuer: clip(make.ctx.sourceSystem, 120) }], addresses: [] },
  );
}

/**
 * What the related person is to the person asked about → a RelationshipFact read "relatedRef is
 * <relationship> of personRef". `child` and `step-child` links are turned round, so a
 * parent–child link gives the same fact from either end. Mothers, fathers and parents are
 * `parent`; step-parents and carers `carer`; grandparents (and grandchildren) `other`.
 */
const RELATIONSHIP_BY_CODE: ReadonlyMap<string, { readonly type: RelationshipType; readonly flip: boolean }> = new Map([
  ['mother', { type: 'parent', flip: false }],
  ['father', { type: 'parent', flip: false }],
  ['parent', { type: 'parent', flip: false }],
  ['step-parent', { type: 'carer', flip: false }],
  ['carer', { type: 'carer', flip: false }],
  ['child', { type: 'parent', flip: true }],
  ['step-child', { type: 'carer', flip: true }],
  ['sibling', { type: 'sibling', flip: false }],
  ['partner', { type: 'partner', flip: false }],
  ['household-member', { type: 'household-member', flip: false }],
  ['grandparent', { type: 'other', flip: false }],
  ['grandchild', { type: 'other', flip: true }],
]);

function relationshipFact(link: ScRelationship, person: ScPerson, make: FactMaker): RelationshipFact {
  const personRef = personRefOf(person.personId);
  const mapped = RELATIONSHIP_BY_CODE.get(link.relationship) ?? { type: 'other', flip: false };
  const related = link.relatedPerson;
  const ends = mapped.flip
    ? { personRef: personRefOf(related.personId), relatedRef: personRef, relatedName: person.name, relatedBirthDate: person.personBirthDate }
    : { personRef, relatedRef: personRefOf(related.personId), relatedName: related.name, relatedBirthDate: related.personBirthDate };
  return make.relationship(
    { sourceRecordId: `Relationship/${link.id}`, personRef: ends.personRef, sensitivity: sensitivityOf(link.recordMarking, 'open'), sourceUpdatedAt: link.lastUpdated },
    { relationship: mapped.type, relatedRef: ends.relatedRef, relatedName: humanName(ends.relatedName), relatedBirthDate: ends.relatedBirthDate },
  );
}
