/**
 * The education view: pupils, their schools, attendance, exclusions, SEN status, children
 * missing education, and the contacts schools hold for them.
 *
 * Why: schools see children every day, so attendance and exclusions are often the earliest
 * signal in a MASH chronology. Education identifies children by UPN (never NHS number) and
 * records the adults it deals with as "contacts", only some of whom hold parental
 * responsibility — the distinction the hub needs before sharing with a step-parent.
 */
import { ageOn, dayOfYmd, isoOf, REFERENCE_DAY } from '../dates.ts';
import type { EducationEvent, EducationEventKind, EducationLinkKind, EducationPerson, EducationView, Pupil, PupilContact, SimpleMarking } from '../types.ts';
import { relationshipsTo } from '../world.ts';
import type { SchoolSpell, WorldPerson } from '../world.ts';
import { noisyRecord, recordEventTruth } from './common.ts';
import type { BuildContext } from './common.ts';

/** One school term. */
export interface Term {
  readonly label: string;
  readonly start: number;
  readonly end: number;
}

/** The three terms of the academic year starting in September of `year`. */
export function termsOf(year: number): Term[] {
  const label = `${year}/${String((year + 1) % 100).padStart(2, '0')}`;
  return [
    { label: `${label} Autumn`, start: dayOfYmd(year, 9, 3), end: dayOfYmd(year, 12, 19) },
    { label: `${label} Spring`, start: dayOfYmd(year + 1, 1, 6), end: dayOfYmd(year + 1, 3, 28) },
    { label: `${label} Summer`, start: dayOfYmd(year + 1, 4, 14), end: dayOfYmd(year + 1, 7, 21) },
  ];
}

/** Terms reported: the last two full academic years and the current term to date. */
export const REPORTED_TERMS: readonly Term[] = [...termsOf(2024), ...termsOf(2025), ...termsOf(2026).slice(0, 1)];

/** School on roll on a day, from a child's spells. */
export function schoolOn(spells: readonly SchoolSpell[], day: number): SchoolSpell | undefined {
  return spells.find((s) => s.from <= day && (s.to === undefined || day < s.to));
}

/** Builds the education view for generated households. */
export function buildEducation(ctx: BuildContext): { persons: EducationPerson[]; contactLinks: EducationView['contactLinks'][number][]; events: EducationEvent[] } {
  const { world, rng } = ctx;
  const persons: EducationPerson[] = [];
  const contactLinks: EducationView['contactLinks'][number][] = [];
  const events: EducationEvent[] = [];
  const contactOf = new Map<string, string>();

  const emit = (kind: EducationEventKind, p: WorldPerson, recordId: string, day: number, sensitivity: SimpleMarking, text: string, extra: Partial<EducationEvent> = {}): void => {
    const eventId = world.ids.draw('EDU', 7);
    events.push({ eventId, kind, recordIds: [recordId], date: isoOf(day), sensitivity, text, ...extra });
    recordEventTruth(ctx, 'education', eventId, [p.id]);
  };

  for (const p of world.persons) {
    const spellsTrue = world.schooling.get(p.id);
    if (spellsTrue === undefined || p.householdId === world.featuredHouseholdId) continue;
    const traits = world.traits.get(p.id);
    const risk = traits?.risk ?? 0;
    const recordId = world.ids.draw('PUP', 6);
    const { base, dropIdentifier } = noisyRecord(ctx, 'education', p, recordId, { holdsIdentifier: true, withUprn: false });

    // Children missing education: off roll, whereabouts unknown to the school.
    const cme = risk === 2 && rng.chance(0.04);
    const cmeDay = cme ? rng.int(REFERENCE_DAY - 500, REFERENCE_DAY - 30) : undefined;
    const spells: SchoolSpell[] = cmeDay === undefined ? spellsTrue : spellsTrue.filter((s) => s.from < cmeDay).map((s) => (s.to === undefined || s.to > cmeDay ? { school: s.school, from: s.from, to: cmeDay } : s));

    // Contacts: resident adults with a parental, step-parent or grandparent link.
    const contactIds: string[] = [];
    for (const r of relationshipsTo(world, p.id)) {
      if ((r.kind !== 'parent' && r.kind !== 'step-parent' && r.kind !== 'grandparent')) continue;
      const adult = world.personById.get(r.fromId);
      if (adult === undefined || adult.householdId !== p.householdId) continue;
      let cid = contactOf.get(adult.id);
      if (cid === undefined) {
        cid = world.ids.draw('CON', 6);
        contactOf.set(adult.id, cid);
        const c = noisyRecord(ctx, 'education', adult, cid, { holdsIdentifier: false, withUprn: false });
        const contact: PupilContact = { ...c.base, kind: 'contact', ...(rng.chance(0.8) ? { phone: `07700 900${String(rng.int(0, 999)).padStart(3, '0')}` } : {}) };
        persons.push(contact);
      }
      const relationship: EducationLinkKind = r.kind === 'parent' ? (adult.sex === 'female' ? 'mother' : 'father') : r.kind === 'step-parent' ? (adult.sex === 'female' ? 'step-mother' : 'step-father') : 'grandparent';
      const pr = r.kind === 'parent' ? true : r.parentalResponsibility === true;
      const priority = relationship === 'mother' ? 1 : relationship === 'father' ? 2 : 3;
      contactLinks.push({ fromRecordId: cid, toRecordId: recordId, relationship, parentalResponsibility: pr, priority });
      contactIds.push(cid);
    }

    const pupil: Pupil = {
      ...base,
      kind: 'pupil',
      ...(dropIdentifier || p.upn === undefined ? {} : { upn: p.upn }),
      schools: spells.map((s) => ({ urn: s.school.urn, name: s.school.name, from: isoOf(s.from), ...(s.to === undefined ? {} : { to: isoOf(s.to) }) })),
      sen: traits?.sen ?? 'none',
      contactRecordIds: contactIds,
    };
    persons.push(pupil);

    // Attendance per term while on roll.
    const baseline = risk === 2 ? 87 : risk === 1 ? 91.5 : 95.5;
    const personal = baseline + (rng.next() - 0.5) * 8;
    for (const term of REPORTED_TERMS) {
      if (term.start > REFERENCE_DAY) continue;
      const end = Math.min(term.end, REFERENCE_DAY);
      const spell = schoolOn(spells, term.start + 7);
      if (spell === undefined) continue;
      const pct = Math.max(40, Math.min(100, Math.round((personal + (rng.next() - 0.5) * 8) * 10) / 10));
      const pa = pct < 90;
      emit('attendance', p, recordId, end, 'open', `${term.label}: attendance ${pct}%${pa ? ' (persistent absence)' : ''}.`, { term: term.label, attendancePercent: pct, persistentAbsence: pa, schoolUrn: spell.school.urn });
    }

    // Exclusions.
    const age = ageOn(p.birthDay, REFERENCE_DAY);
    const yearlyRate = (age >= 11 ? 0.04 : 0.008) * (1 + 2.5 * risk);
    for (let y = 0; y < 4; y++) {
      if (!rng.chance(yearlyRate)) continue;
      const day = rng.int(REFERENCE_DAY - (y + 1) * 365, REFERENCE_DAY - y * 365 - 1);
      const spell = schoolOn(spells, day);
      if (spell === undefined) continue;
      const permanent = age >= 12 && risk === 2 && rng.chance(0.08);
      const days = permanent ? 0 : rng.int(1, 5);
      emit('exclusion', p, recordId, day, 'sensitive', permanent ? 'Permanent exclusion following persistent disruptive behaviour.' : `Fixed-term exclusion, ${days} day(s): ${rng.pick(['physical assault against a pupil', 'verbal abuse of staff', 'persistent disruptive behaviour', 'damage to property'])}.`, {
        exclusionType: permanent ? 'permanent' : 'fixed-term', ...(permanent ? {} : { exclusionDays: days }), schoolUrn: spell.school.urn,
      });
    }
    if (pupil.sen !== 'none') {
      const first = spells[0];
      if (first !== undefined) {
        const day = rng.int(first.from, Math.max(first.from, REFERENCE_DAY - 30));
        emit('sen-change', p, recordId, day, 'sensitive', pupil.sen === 'ehc-plan' ? 'Education, health and care plan issued.' : 'Added to SEN support register.');
      }
    }
    for (let i = 1; i < spells.length; i++) {
      const s = spells[i];
      const prev = spells[i - 1];
      if (s !== undefined && prev !== undefined && s.school.phase === prev.school.phase) {
        emit('school-move', p, recordId, s.from, 'open', `In-year move from ${prev.school.name} to ${s.school.name}.`, { schoolUrn: s.school.urn });
      }
    }
    if (cmeDay !== undefined) {
      emit('children-missing-education', p, recordId, cmeDay, 'sensitive', 'Removed from roll; whereabouts unknown. Referred to children missing education officer.');
    }
  }
  return { persons, contactLinks, events };
}
