/**
 * The people of a picture (issue 4): the referral's subjects and the household members the
 * research found, each with the agency person records matched to them — score, outcome and the
 * evidence behind it. Only records whose fact the caller may see are listed.
 */
import type { ItemRecord } from '../store/items.ts';
import { listDiscoveredSubjects, listSubjectMatches } from '../store/identity.ts';
import { getReferral } from '../store/referrals.ts';
import type { Picture } from '../model/picture.ts';
import type { AppDeps } from './env.ts';

export async function picturePersons(deps: Pick<AppDeps, 'db' | 'vault'>, referralId: string, visible: readonly ItemRecord[]): Promise<Picture['persons']> {
  const referral = await getReferral(deps.db, deps.vault, referralId);
  if (referral === undefined) return [];
  const discovered = await listDiscoveredSubjects(deps.db, deps.vault, referralId);
  const matches = await listSubjectMatches(deps.db, referralId);
  const personFacts = visible.filter((i) => i.fact.kind === 'person');
  const subjects = [
    ...referral.input.subjects.map((subject) => ({ subject, wave: 1, relationship: null })),
    ...discovered.map((d) => ({ subject: d.subject, wave: d.wave, relationship: d.relationship })),
  ];
  return subjects.map(({ subject, wave, relationship }) => ({
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
}
