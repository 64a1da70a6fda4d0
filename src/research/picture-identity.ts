/**
 * The people of a picture (issue 4): the referral's subjects and the household members the
 * research found, each with the agency person records matched to them — score, outcome and the
 * evidence behind it; the household graph around the child; and one chronology across agencies,
 * the same incident reported by several agencies shown once with every source. Built only from
 * the items the caller may see.
 */
import { buildChronology, type ChronologyEntry } from '../mapping/chronology.ts';
import { buildFamily, type CoResidence, type FamilyGraph, type ReportedRelationship } from '../mapping/family.ts';
import type { Agency } from '../model/agency.ts';
import type { Picture } from '../model/picture.ts';
import { listDiscoveredSubjects, listSubjectMatches } from '../store/identity.ts';
import type { ItemRecord } from '../store/items.ts';
import { getReferral, type LookupRecord } from '../store/referrals.ts';
import type { Db } from '../store/db.ts';
import type { PersonIndex } from '../store/person-index.ts';
import type { Vault } from '../store/vault.ts';

export interface PictureIdentity {
  readonly persons: Picture['persons'];
  readonly family: FamilyGraph | null;
  readonly chronology: readonly ChronologyEntry[];
  /** Records the hub person index could only possibly match to a known person: a practitioner decides. */
  readonly possibleMatches: readonly { readonly id: string; readonly agency: string; readonly score: number; readonly evidence: readonly { readonly field: string; readonly level: string; readonly weight: number }[] }[];
}

export async function pictureIdentity(deps: { readonly db: Db; readonly vault: Vault; readonly personIndex: PersonIndex }, referralId: string, visible: readonly ItemRecord[], lookups: readonly LookupRecord[]): Promise<PictureIdentity> {
  const referral = await getReferral(deps.db, deps.vault, referralId);
  if (referral === undefined) return { persons: [], family: null, chronology: [], possibleMatches: [] };
  const possibleMatches = (await deps.personIndex.pendingMatches(deps.db, referralId)).map((m) => ({
    id: m.id,
    agency: m.recordKey.split(':')[0] ?? '',
    score: m.score,
    evidence: m.evidence.map((e) => ({ field: e.field, level: e.level, weight: e.weight })),
  }));
  const discovered = await listDiscoveredSubjects(deps.db, deps.vault, referralId);
  const matches = await listSubjectMatches(deps.db, referralId);
  const personFacts = visible.filter((i) => i.fact.kind === 'person');
  const subjects = [
    ...referral.input.subjects.map((subject) => ({ subject, wave: 1, relationship: null })),
    ...discovered.map((d) => ({ subject: d.subject, wave: d.wave, relationship: d.relationship })),
  ];
  const persons: Picture['persons'] = subjects.map(({ subject, wave, relationship }) => ({
    subjectRef: subject.ref,
    role: subject.role,
    wave,
    relationship,
    name: subject.name,
    ...(subject.birthDate === undefined ? {} : { birthDate: subject.birthDate }),
    records: matches
      .filter((m) => m.subjectRef === subject.ref)
      .flatMap((m) => {
        const fact = personFacts.find((i) => i.fact.personRef === m.personRef && i.fact.provenance.lookupId === m.lookupId);
        return fact === undefined ? [] : [{ personRef: m.personRef, agency: fact.agency, factId: fact.fact.id, outcome: m.outcome, score: m.score, probability: m.probability, evidence: [...m.evidence] }];
      }),
  }));

  // An agency record is a person of the picture when it matched a subject (best score wins).
  const agencyOf = new Map(lookups.map((l) => [l.id, l.agency]));
  const personByRecord = new Map<string, { subjectRef: string; score: number }>();
  for (const m of matches) {
    if (m.outcome === 'non-match') continue;
    const key = `${agencyOf.get(m.lookupId) ?? ''}|${m.personRef}`;
    const known = personByRecord.get(key);
    if (known === undefined || known.score < m.score) personByRecord.set(key, { subjectRef: m.subjectRef, score: m.score });
  }
  const personOf = (personRef: string, agency: Agency): string | undefined => personByRecord.get(`${agency}|${personRef}`)?.subjectRef;
  const facts = visible.map((i) => i.fact);
  const chronology = buildChronology(facts, personOf, { persons: new Set(subjects.map((s) => s.subject.ref)) });

  const child = referral.input.subjects.find((s) => s.role === 'child');
  if (child === undefined) return { persons, family: null, chronology, possibleMatches };
  const relationships: ReportedRelationship[] = [];
  const coResidence: CoResidence[] = [];
  for (const fact of facts) {
    if (fact.kind === 'relationship') {
      const from = personOf(fact.personRef, fact.provenance.agency);
      const to = personOf(fact.relatedRef, fact.provenance.agency);
      if (from !== undefined && to !== undefined && from !== to) relationships.push({ personId: from, relatedPersonId: to, relationship: fact.relationship, agency: fact.provenance.agency, factId: fact.id });
    } else if (fact.kind === 'person') {
      const personId = personOf(fact.personRef, fact.provenance.agency);
      if (personId === undefined) continue;
      for (const address of fact.addresses.filter((a) => a.period?.end === undefined)) {
        const lines = address.lines.join(' ').toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
        const key = address.uprn !== undefined ? `uprn:${address.uprn}` : lines !== '' && address.postcode !== undefined ? `addr:${lines}|${address.postcode.replace(/\s+/g, '').toUpperCase()}` : undefined;
        if (key !== undefined) coResidence.push({ personId, addressKey: key, agency: fact.provenance.agency, factId: fact.id });
      }
    }
  }
  // The discovery itself is a report: the member was named in the child's records as this relationship.
  for (const d of discovered) {
    const relationship = d.relationship === 'parent' || d.relationship === 'carer' || d.relationship === 'sibling' || d.relationship === 'household-member' ? d.relationship : 'other';
    if (!relationships.some((r) => r.personId === child.ref && r.relatedPersonId === d.subject.ref)) {
      const witness = matches.find((m) => m.subjectRef === d.subject.ref && m.outcome === 'match');
      const agency = witness === undefined ? undefined : agencyOf.get(witness.lookupId);
      if (agency !== undefined) relationships.push({ personId: child.ref, relatedPersonId: d.subject.ref, relationship, agency, factId: `discovered:${d.subject.ref}` });
    }
  }
  const family = buildFamily(
    child.ref,
    subjects.map((s) => ({ personId: s.subject.ref, birthDate: s.subject.birthDate })),
    relationships,
    coResidence,
    { depth: 1, asOf: referral.receivedAt.toISOString().slice(0, 10) },
  );
  return { persons, family, chronology, possibleMatches };
}
