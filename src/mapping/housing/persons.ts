/**
 * Housing persons and relationships: housing persons and household members → PersonFacts, and
 * the ties a tenancy or homelessness application states → RelationshipFacts.
 *
 * Why this file exists: split out of housing.ts (house file-size limit); who lives in the home
 * and how they are related is one responsibility. Re-exported from ../housing.ts.
 */
import type {
  HousingHomelessnessApplication,
  HousingPerson,
  HousingTenancy,
  HousingTenancyMember,
  RelationshipToLeadTenant,
} from '../../adapters/housing/types.ts';
import type { Sensitivity } from '../../model/agency.ts';
import type { Fact, PersonFact, RelationshipFact } from '../../model/fact.ts';
import type { Address, HumanName, Period } from '../../model/person.ts';
import { period, type FactMaker } from '../fact-parts.ts';
import { markingSensitivity } from './sensitivity.ts';
import { clip, humanName, personRecordId, toAddress } from './values.ts';

const OTHER_NAME_USE: Readonly<Record<NonNullable<HousingPerson['otherNames'][number]['type']>, HumanName['use']>> = {
  alias: undefined,
  'known-as': 'nickname',
  previous: 'old',
  maiden: 'maiden',
};

/** A person as a housing record names them. */
interface NamedPerson {
  readonly personRef: string;
  readonly forenames?: readonly string[];
  readonly surname?: string;
  readonly dateOfBirth?: string | undefined;
}

/** Person → PersonFact; undefined when the record carries no usable name. */
export function personFact(person: HousingPerson, make: FactMaker): PersonFact | undefined {
  const others = person.otherNames.map((n) => humanName(n.forenames, n.surname, n.type === undefined ? undefined : OTHER_NAME_USE[n.type])).filter((n) => n !== undefined);
  const address = person.currentAddress === undefined ? undefined : toAddress(person.currentAddress);
  return memberFact(person, markingSensitivity(person), person.updatedAt, make, { others, sex: person.sex, addresses: address === undefined ? [] : [address] });
}

/** A PersonFact from a name, birth date and what else the record gives (a household member: nothing else). */
function memberFact(member: NamedPerson, sensitivity: Sensitivity, updatedAt: string | undefined, make: FactMaker, more: { others?: HumanName[]; sex?: PersonFact['sex']; addresses?: Address[] } = {}): PersonFact | undefined {
  const name = humanName(member.forenames ?? [], member.surname ?? '', 'official');
  if (name === undefined) return undefined;
  const sourceRecordId = personRecordId(member.personRef);
  return make.person(
    { sourceRecordId, personRef: sourceRecordId, sensitivity, sourceUpdatedAt: updatedAt },
    {
      names: [name, ...(more.others ?? [])],
      birthDate: member.dateOfBirth,
      sex: more.sex,
      identifiers: [{ system: 'local', value: member.personRef, issuer: clip(make.ctx.sourceSystem, 120) }],
      addresses: more.addresses ?? [],
    },
  );
}

/** The tenancy's other members as persons, each tied to the candidate. */
export function tenancyHousehold(tenancy: HousingTenancy, candidate: HousingPerson, make: FactMaker): Fact[] {
  const self = tenancy.members.find((m) => m.personRef === candidate.personRef);
  if (self === undefined) return [];
  const sensitivity = markingSensitivity(tenancy);
  const facts: Fact[] = [];
  for (const member of tenancy.members) {
    if (member.personRef === candidate.personRef) continue;
    const person = memberFact(member, sensitivity, tenancy.updatedAt, make);
    if (person !== undefined) facts.push(person);
    const relationship = householdRelationship(tieToLead(self), tieToLead(member));
    const sourceRecordId = `Tenancy/${tenancy.tenancyRef}/members/${candidate.personRef}/${member.personRef}`;
    const during = period(member.startDate ?? tenancy.startDate, member.endDate ?? tenancy.endDate);
    facts.push(relationshipFact(sourceRecordId, candidate.personRef, member, relationship, during, sensitivity, tenancy.updatedAt, make));
  }
  return facts;
}

/** The application's household (applicant included) as persons, tied to the candidate when the candidate is in it. */
export function applicationHousehold(application: HousingHomelessnessApplication, candidate: HousingPerson, make: FactMaker): Fact[] {
  const sensitivity = markingSensitivity(application);
  const applicantTie: HouseholdTie = { isLead: true, relationship: 'self' };
  const people = [{ ...application.applicant, tie: applicantTie }, ...application.householdMembers.map((m) => ({ ...m, tie: { isLead: false, relationship: m.relationshipToApplicant } }))];
  const self = people.find((p) => p.personRef === candidate.personRef);
  if (self === undefined) return [];
  const facts: Fact[] = [];
  for (const other of people) {
    if (other.personRef === candidate.personRef) continue;
    const person = memberFact(other, sensitivity, application.updatedAt, make);
    if (person !== undefined) facts.push(person);
    const sourceRecordId = `HomelessnessApplication/${application.applicationRef}/members/${candidate.personRef}/${other.personRef}`;
    facts.push(relationshipFact(sourceRecordId, candidate.personRef, other, householdRelationship(self.tie, other.tie), { start: application.approachDate }, sensitivity, application.updatedAt, make));
  }
  return facts;
}

/** How one member stands to the household's head (the lead tenant, or the applicant). */
interface HouseholdTie {
  readonly isLead: boolean;
  readonly relationship: RelationshipToLeadTenant | undefined;
}

/**
 * The relationship of `other` to `self` as the record states it: the head's partner is
 * 'partner'; the head is 'parent' of a member recorded as their child; a member recorded as the
 * head's parent is the head's 'parent'. Anything else is 'household-member'.
 */
export function householdRelationship(self: HouseholdTie, other: HouseholdTie): RelationshipFact['relationship'] {
  if (self.isLead) return other.relationship === 'partner' ? 'partner' : other.relationship === 'parent' ? 'parent' : 'household-member';
  if (other.isLead) return self.relationship === 'partner' ? 'partner' : self.relationship === 'child' ? 'parent' : 'household-member';
  return 'household-member';
}

function tieToLead(member: HousingTenancyMember): HouseholdTie {
  const isLead = member.role === 'lead-tenant' || member.relationshipToLeadTenant === 'self';
  return { isLead, relationship: member.relationshipToLeadTenant };
}

function relationshipFact(sourceRecordId: string, fromRef: string, related: NamedPerson, relationship: RelationshipFact['relationship'], during: Period | undefined, sensitivity: Sensitivity, updatedAt: string | undefined, make: FactMaker): RelationshipFact {
  return make.relationship(
    { sourceRecordId, personRef: personRecordId(fromRef), sensitivity, sourceUpdatedAt: updatedAt },
    {
      relationship,
      relatedRef: personRecordId(related.personRef),
      relatedName: humanName(related.forenames ?? [], related.surname ?? '', undefined),
      relatedBirthDate: related.dateOfBirth,
      period: during === undefined ? undefined : period(during.start, during.end),
    },
  );
}

export function leadTenant(tenancy: HousingTenancy): HousingTenancyMember | undefined {
  return tenancy.members.find((m) => m.role === 'lead-tenant') ?? tenancy.members.find((m) => m.relationshipToLeadTenant === 'self');
}
