/**
 * Household discovery: the household members the records matched to the referred child name
 * (parents, carers, siblings, household members) become the subjects of the next wave, so their
 * records are searched too (DESIGN.md "Data flow": second wave; docs/decisions.md "Identity
 * matching choices": the second wave searches the household). Members named by several agencies
 * are one subject, de-duplicated by the matcher the composition root built. Matching the wave's
 * records to their subjects is in `subject-matching.ts`.
 */
import type { z } from 'zod';
import type { Fact, PersonFact, RelationshipFact } from '../model/fact.ts';
import { standingOf, type DiscoveredSubject, type SubjectMatch } from '../model/identity.ts';
import type { Subject, SubjectRole } from '../model/referral.ts';
import type { Matcher } from './engine/matcher.ts';
import type { PersonRecord } from './engine/record.ts';
import { subjectRecord } from './subject-record.ts';

type Role = z.infer<typeof SubjectRole>;

const HOUSEHOLD: Readonly<Partial<Record<RelationshipFact['relationship'], Role>>> = {
  parent: 'parent',
  carer: 'carer',
  sibling: 'sibling',
  'household-member': 'household-member',
};

const MAX_DISCOVERED = 8;

/** A household member who is a child of an age with the referred child is, for the hub, a sibling. */
function siblingOrRole(candidate: Subject, child: Subject, role: Role): Role {
  if (role !== 'household-member' || candidate.birthDate === undefined || child.birthDate === undefined || child.role !== 'child') return role;
  const years = Math.abs(Date.parse(candidate.birthDate) - Date.parse(child.birthDate)) / (365.25 * 86_400_000);
  return years < 12 && Date.parse(candidate.birthDate) > Date.parse(child.birthDate) - 12 * 365.25 * 86_400_000 ? 'sibling' : role;
}

/**
 * The household members named in the records matched to `around` (the subjects of this wave), not
 * already subjects, de-duplicated across agencies by the matcher. Each becomes a subject of the
 * next wave, living at the child's address unless its own record says otherwise. Only records
 * that stand as matches count: a candidate awaiting a practitioner's decision may be another
 * child, and searching its household would research a family unrelated to the referral.
 */
export function discoverHousehold(
  matcher: Matcher,
  around: readonly Subject[],
  matches: readonly SubjectMatch[],
  facts: readonly Fact[],
  existing: readonly Subject[],
  nextRef: (n: number) => string,
  wave: number,
): DiscoveredSubject[] {
  const found: { subject: Subject; record: PersonRecord; relationship: string }[] = [];
  const known = existing.map(subjectRecord);
  for (const subject of around) {
    const own = new Set(matches.filter((m) => m.subjectRef === subject.ref && standingOf(m) === 'match').map((m) => `${m.lookupId}\u0000${m.personRef}`));
    for (const fact of facts) {
      if (fact.kind !== 'relationship' || !own.has(`${fact.provenance.lookupId}\u0000${fact.personRef}`)) continue;
      const role = HOUSEHOLD[fact.relationship];
      if (role === undefined) continue;
      const person = facts.find((f): f is PersonFact => f.kind === 'person' && f.personRef === fact.relatedRef && f.provenance.lookupId === fact.provenance.lookupId);
      const name = person?.names[0] ?? fact.relatedName;
      if (name === undefined) continue;
      const address = person?.addresses.find((a) => a.period?.end === undefined) ?? person?.addresses[0];
      const candidate: Subject = {
        ref: nextRef(found.length + 1),
        role,
        name: { given: name.given, family: name.family },
        otherNames: (person?.names.slice(1) ?? []).map((n) => ({ given: n.given, family: n.family })),
        ...((person?.birthDate ?? fact.relatedBirthDate) === undefined ? {} : { birthDate: person?.birthDate ?? fact.relatedBirthDate }),
        ...(person?.sex === undefined ? {} : { sex: person.sex }),
        ...(address !== undefined ? { address } : subject.address === undefined ? {} : { address: subject.address }),
        identifiers: (person?.identifiers ?? []).filter((i) => i.system !== 'local' && i.system !== 'uprn'),
      };
      const record = subjectRecord(candidate);
      const same = (other: PersonRecord): boolean => matcher.compare(record, other).outcome !== 'non-match';
      if (known.some(same)) continue;
      const duplicate = found.findIndex((f) => same(f.record));
      if (duplicate >= 0) {
        // The same person named by another agency: keep what either knows (birth date, identifiers).
        const kept = found[duplicate];
        if (kept !== undefined) {
          const merged: Subject = {
            ...kept.subject,
            ...(kept.subject.birthDate === undefined && candidate.birthDate !== undefined ? { birthDate: candidate.birthDate } : {}),
            ...(kept.subject.sex === undefined && candidate.sex !== undefined ? { sex: candidate.sex } : {}),
            identifiers: [...kept.subject.identifiers, ...candidate.identifiers.filter((i) => !kept.subject.identifiers.some((k) => k.system === i.system))],
            otherNames: [...kept.subject.otherNames, { given: candidate.name.given, family: candidate.name.family }].slice(0, 10),
          };
          found[duplicate] = { subject: merged, record: subjectRecord(merged), relationship: kept.relationship };
        }
        continue;
      }
      found.push({ subject: { ...candidate, role: siblingOrRole(candidate, subject, role) }, record, relationship: fact.relationship });
      if (found.length >= MAX_DISCOVERED) break;
    }
  }
  return found.map((f) => ({ subject: f.subject, wave, relationship: f.relationship }));
}
