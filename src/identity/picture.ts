/**
 * The people of a picture: the referral's subjects and the household members the
 * research found, each with the agency person records matched to them — score, outcome and the
 * evidence behind it; the household graph around the child; one chronology across agencies, the
 * same incident reported by several agencies shown once with every source; and the possible
 * matches a practitioner must decide. The people, family and chronology are built only from the
 * items the case lets the audience see; the possible matches are every one the referral has, and
 * the case shows each only to who may see its candidate record (src/case/audience.ts
 * `maySeePossibleMatch`: the case is the one owner of visibility, docs/decisions.md "The case has
 * one owner, and its picture is stored"). The household graph and the
 * chronology are built by the picture's builders (`PictureSections`) from the people worked out here.
 */
import { Agency } from '../model/agency.ts';
import type { PersonFact } from '../model/fact.ts';
import { standingOf, type StoredSubjectMatch } from '../model/identity.ts';
import type { ItemRecord } from '../model/item.ts';
import type { LookupRecord } from '../model/lookup.ts';
import type { Picture, PossibleMatch } from '../model/picture.ts';
import type { Db } from '../store/db.ts';
import type { PersonIndex } from './person-index.ts';
import { recordKeyOf } from './person-linking.ts';
import type { CoResidence, IdentityStore, PictureSections, ReportedRelationship } from './port.ts';

/**
 * What a picture is built from, as the case hands it over: the items of records that stand as
 * matches that the audience may see, and every candidate record awaiting a decision (the case
 * filters the possible matches made from them).
 */
export interface PictureView {
  readonly items: readonly ItemRecord[];
  readonly candidates: readonly ItemRecord[];
}

/** The picture's identity section. */
export interface PictureIdentity {
  readonly persons: Picture['persons'];
  /** The household graph around the child (src/mapping/family.ts), or null without a child. */
  readonly family: unknown;
  /** One time-ordered list across agencies (src/mapping/chronology.ts). */
  readonly chronology: readonly unknown[];
  /** Records a practitioner must decide on: all of the referral's; the case filters them by audience. */
  readonly possibleMatches: readonly PossibleMatch[];
}

/** What the picture's identity section reads, handed in by the composition root. */
export interface PictureIdentityDeps {
  readonly db: Db;
  readonly store: IdentityStore;
  readonly personIndex: PersonIndex;
  readonly sections: PictureSections;
  /** The model version subject-level matches are scored with (the prior, 0, with a live model); null when unversioned. */
  readonly subjectModelVersion?: number | null | undefined;
}

/** Why a person-index possible match waits for a practitioner. */
const PERSON_INDEX_REASON = 'the hub person index can only possibly match this record to a person known from other records';

/** The candidate as its owner's person record describes it. */
function candidateOf(item: ItemRecord & { readonly fact: PersonFact }): NonNullable<PossibleMatch['candidate']> {
  const { fact } = item;
  return {
    itemId: fact.id,
    agencyRecordId: fact.provenance.sourceRecordId,
    names: fact.names,
    ...(fact.birthDate === undefined ? {} : { birthDate: fact.birthDate }),
    identifiers: fact.identifiers,
  };
}

const isPersonItem = (item: ItemRecord): item is ItemRecord & { readonly fact: PersonFact } => item.fact.kind === 'person';

/**
 * The referral's possible matches: subject-level ones with their candidate record, and
 * person-index questions with their record when it is among the items handed over. Who may see
 * which is the case's to decide (src/case/audience.ts).
 */
async function possibleMatchesFor(
  deps: PictureIdentityDeps,
  referralId: string,
  view: PictureView,
  matches: readonly StoredSubjectMatch[],
  lookups: readonly LookupRecord[],
): Promise<PossibleMatch[]> {
  const key = (lookupId: string, personRef: string): string => `${lookupId}\u0000${personRef}`;
  const candidates = new Map(view.candidates.filter(isPersonItem).map((i) => [key(i.fact.provenance.lookupId, i.fact.personRef), i]));
  const subjectLevel: PossibleMatch[] = matches
    .filter((m) => standingOf(m) === 'possible')
    .flatMap((m) => {
      const item = candidates.get(key(m.lookupId, m.personRef));
      if (item === undefined) return [];
      return [{ id: m.id, kind: 'subject' as const, agency: item.agency, subjectRef: m.subjectRef, score: m.score, evidence: [...m.evidence], modelVersion: deps.subjectModelVersion ?? null, reason: m.reason ?? 'a practitioner must decide', candidate: candidateOf(item) }];
    });

  const connectorOf = new Map(lookups.map((l) => [l.id, l.connectorId]));
  const shown = [...view.items, ...view.candidates].filter(isPersonItem);
  const byRecordKey = new Map(shown.flatMap((i) => {
    const connectorId = connectorOf.get(i.fact.provenance.lookupId);
    return connectorId === undefined ? [] : [[recordKeyOf(i.fact, connectorId), i] as const];
  }));
  const subjectOf = new Map(matches.map((m) => [key(m.lookupId, m.personRef), m.subjectRef]));
  const personIndexLevel: PossibleMatch[] = (await deps.personIndex.pendingMatches(deps.db, referralId)).flatMap((m) => {
    const agency = Agency.safeParse(m.recordKey.split(':')[0]);
    if (!agency.success) return [];
    const item = byRecordKey.get(m.recordKey);
    return [{
      id: m.id,
      kind: 'person-index' as const,
      agency: agency.data,
      subjectRef: item === undefined ? null : (subjectOf.get(key(item.fact.provenance.lookupId, item.fact.personRef)) ?? null),
      score: m.score,
      evidence: m.evidence.map((e) => ({ field: e.field, level: e.level, weight: e.weight })),
      modelVersion: m.modelVersion,
      reason: PERSON_INDEX_REASON,
      candidate: item === undefined ? null : candidateOf(item),
    }];
  });
  return [...subjectLevel, ...personIndexLevel];
}

/**
 * The picture's identity section: the persons, the household graph and the chronology from the
 * items the case hands over, and the referral's possible matches (filtered by the case).
 */
export async function pictureIdentity(deps: PictureIdentityDeps, referralId: string, view: PictureView, lookups: readonly LookupRecord[]): Promise<PictureIdentity> {
  const referral = await deps.store.getReferral(deps.db, referralId);
  if (referral === undefined) return { persons: [], family: null, chronology: [], possibleMatches: [] };
  const visible = view.items;
  const discovered = await deps.store.listDiscoveredSubjects(deps.db, referralId);
  const matches = await deps.store.listSubjectMatches(deps.db, referralId);
  const possibleMatches = await possibleMatchesFor(deps, referralId, view, matches, lookups);
  const agencyOf = new Map(lookups.map((l) => [l.id, l.agency]));
  const personFacts = visible.filter((i) => i.fact.kind === 'person');
  // How the person index linked each record seen in this referral: shown beside the record, only
  // for records the audience sees (the person facts handed over), with the model version that scored it.
  const connectorOfLookup = new Map(lookups.map((l) => [l.id, l.connectorId]));
  const linkOf = new Map<string, NonNullable<Picture['persons'][number]['records'][number]['personLink']>>();
  for (const person of await deps.personIndex.personsOfReferral(deps.db, referralId)) {
    for (const r of person.records) {
      linkOf.set(r.recordKey, { hubPersonId: person.hubPersonId, outcome: r.outcome, score: r.score, evidence: r.evidence.map((e) => ({ field: e.field, level: e.level, weight: e.weight })), modelVersion: r.modelVersion });
    }
  }
  const personLinkOf = (item: ItemRecord): Picture['persons'][number]['records'][number]['personLink'] => {
    const connectorId = connectorOfLookup.get(item.fact.provenance.lookupId);
    return item.fact.kind !== 'person' || connectorId === undefined ? null : (linkOf.get(recordKeyOf(item.fact, connectorId)) ?? null);
  };
  const subjects = [
    ...referral.input.subjects.map((subject) => ({ subject, wave: 1, relationship: null })),
    ...discovered.map((d) => ({ subject: d.subject, wave: d.wave, relationship: d.relationship })),
  ];
  const persons: Picture['persons'] = subjects.map(({ subject, wave, relationship }) => {
    const own = matches.filter((m) => m.subjectRef === subject.ref);
    const waiting = new Map<Agency, number>();
    for (const m of own) {
      const agency = agencyOf.get(m.lookupId);
      if (agency !== undefined && standingOf(m) === 'possible') waiting.set(agency, (waiting.get(agency) ?? 0) + 1);
    }
    return {
      subjectRef: subject.ref,
      role: subject.role,
      wave,
      relationship,
      name: subject.name,
      ...(subject.birthDate === undefined ? {} : { birthDate: subject.birthDate }),
      records: own
        .filter((m) => standingOf(m) === 'match')
        .flatMap((m) => {
          const fact = personFacts.find((i) => i.fact.personRef === m.personRef && i.fact.provenance.lookupId === m.lookupId);
          const outcome = m.decision?.decision === 'confirmed' ? ('confirmed' as const) : ('match' as const);
          return fact === undefined ? [] : [{ personRef: m.personRef, agency: fact.agency, factId: fact.fact.id, outcome, score: m.score, probability: m.probability, evidence: [...m.evidence], personLink: personLinkOf(fact) }];
        }),
      awaitingDecision: [...waiting].sort(([a], [b]) => a.localeCompare(b)).map(([agency, records]) => ({ agency, records })),
    };
  });

  // An agency record is a person of the picture when it stands as a match to a subject (best score wins).
  const personByRecord = new Map<string, { subjectRef: string; score: number }>();
  for (const m of matches) {
    if (standingOf(m) !== 'match') continue;
    const key = `${agencyOf.get(m.lookupId) ?? ''}|${m.personRef}`;
    const known = personByRecord.get(key);
    if (known === undefined || known.score < m.score) personByRecord.set(key, { subjectRef: m.subjectRef, score: m.score });
  }
  const personOf = (personRef: string, agency: Agency): string | undefined => personByRecord.get(`${agency}|${personRef}`)?.subjectRef;
  const facts = visible.map((i) => i.fact);
  const chronology = deps.sections.chronology(facts, personOf, { persons: new Set(subjects.map((s) => s.subject.ref)) });

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
      const witness = matches.find((m) => m.subjectRef === d.subject.ref && standingOf(m) === 'match');
      const agency = witness === undefined ? undefined : agencyOf.get(witness.lookupId);
      if (agency !== undefined) relationships.push({ personId: child.ref, relatedPersonId: d.subject.ref, relationship, agency, factId: `discovered:${d.subject.ref}` });
    }
  }
  const family = deps.sections.family(
    child.ref,
    subjects.map((s) => ({ personId: s.subject.ref, birthDate: s.subject.birthDate })),
    relationships,
    coResidence,
    { depth: 1, asOf: referral.receivedAt.toISOString().slice(0, 10) },
  );
  return { persons, family, chronology, possibleMatches };
}
