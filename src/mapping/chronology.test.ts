/**
 * The chronology's merge rule, one case per clause, on hand-made facts: what is one record, which
 * kinds merge within which window, persons, topics and named sources, same-agency companions,
 * ambiguity, flags, sensitivity, ordering and stable ids. The featured family and the synthetic
 * population through the real simulators and mappers: test/identity/chronology.int.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { Agency, Sensitivity } from '../model/agency.ts';
import { Fact, type EventFact, type FlagFact } from '../model/fact.ts';
import { buildChronology, MERGE_RULE, MERGE_RULES, type ChronologyEntry, type PersonOf } from './chronology.ts';

// Hub persons: Bobby (child), Chloe (sibling), Claire (mother), Daniel (step-father).
const REFS: Readonly<Record<string, string>> = {
  'health|Patient/p-bobby': 'bobby', 'health|Patient/p-claire': 'claire', 'health|Patient/p-chloe': 'chloe',
  'police|Nominal/N-bobby': 'bobby', 'police|Nominal/N-claire': 'claire', 'police|Nominal/N-daniel': 'daniel',
  'social-care|Person/C-bobby': 'bobby', 'social-care|Person/C-chloe': 'chloe',
  'housing|Person/H-claire': 'claire', 'housing|Person/H-bobby': 'bobby', 'education|Pupil/E-bobby': 'bobby',
};
const personOf: PersonOf = (personRef, agency) => REFS[`${agency}|${personRef}`];

const provenance = (agency: Agency, sourceRecordId: string, sensitivity: Sensitivity, lookupId: string) => ({
  agency, connectorId: `${agency}-sim`, sourceSystem: `${agency} system`, sourceRecordId, lookupId,
  retrievedAt: '2026-11-21T10:00:00.000Z', lawfulBasis: 'children-act-1989-s47' as const, sensitivity,
});

interface EventInput {
  readonly agency: Agency;
  readonly record: string;
  readonly person: string;
  readonly kind: EventFact['eventKind'];
  readonly date: string;
  readonly summary: string;
  readonly detail?: string;
  readonly sensitivity?: Sensitivity;
  readonly lookup?: string;
  readonly endDate?: string;
}

function event(input: EventInput): EventFact {
  const lookup = input.lookup ?? 'lookup-1';
  const fact: EventFact = {
    id: `fact-${lookup}-${input.record}`, kind: 'event', personRef: input.person, provenance: provenance(input.agency, input.record, input.sensitivity ?? 'open', lookup),
    eventKind: input.kind, date: input.date, summary: input.summary,
    ...(input.detail === undefined ? {} : { detail: input.detail }), ...(input.endDate === undefined ? {} : { endDate: input.endDate }),
  };
  expect(Fact.safeParse(fact).success).toBe(true);
  return fact;
}

function flag(agency: Agency, record: string, person: string, flagKind: string, summary: string, start?: string, sensitivity: Sensitivity = 'sensitive'): FlagFact {
  const fact: FlagFact = {
    id: `fact-${record}-flag`, kind: 'flag', personRef: person, provenance: provenance(agency, record, sensitivity, 'lookup-1'),
    flagKind, summary, status: 'active', ...(start === undefined ? {} : { period: { start } }),
  };
  expect(Fact.safeParse(fact).success).toBe(true);
  return fact;
}

/** The source record ids of each entry, entries in chronology order. */
const shape = (entries: readonly ChronologyEntry[]): string[][] => entries.map((e) => e.sources.map((s) => s.sourceRecordId).sort());

const daIncident = (person: string, date = '2026-09-12', role = 'victim'): EventFact =>
  event({ agency: 'police', record: `Incident/INC2/${person}`, person, kind: 'incident', date, summary: `Domestic abuse incident (${role})`, detail: 'Victim has bruising to face. Children present.', sensitivity: 'sensitive' });
const notification = (record: string, person: string, date = '2026-09-13', from = 'Police (6)', text = 'Police notification: domestic incident at the home address; child present.'): EventFact =>
  event({ agency: 'social-care', record, person, kind: 'referral', date, summary: `Contact from ${from}: ${text} Outcome: Early help.`, sensitivity: 'sensitive' });
const attendance = (record: string, person: string, date: string, reason: string, detail?: string): EventFact =>
  event({ agency: 'health', record, person, kind: 'attendance', date, summary: `A&E attendance at Kirkfield General Hospital: ${reason}`, ...(detail === undefined ? {} : { detail }), sensitivity: 'sensitive' });

describe('one record: facts that are one source record', () => {
  it('the same record fetched by two lookups is one source, with both fact ids and both persons', () => {
    const a = event({ agency: 'housing', record: 'AsbCase/ASB1', person: 'Person/H-claire', kind: 'incident', date: '2026-01-05', summary: 'Anti-social behaviour case ASB1: noise', lookup: 'l-claire' });
    const b = event({ agency: 'housing', record: 'AsbCase/ASB1', person: 'Person/H-bobby', kind: 'incident', date: '2026-01-05', summary: 'Anti-social behaviour case ASB1: noise', lookup: 'l-bobby' });
    const [entry, ...rest] = buildChronology([a, b], personOf);
    expect(rest).toEqual([]);
    expect(entry?.sources).toHaveLength(1);
    expect(entry?.sources[0]?.factIds).toEqual([a.id, b.id].sort());
    expect(entry?.persons).toEqual(['bobby', 'claire']);
  });

  it("police involvement records (one fact per person involved) are one incident", () => {
    const entries = buildChronology([daIncident('Nominal/N-claire'), daIncident('Nominal/N-daniel', '2026-09-12', 'suspect')], personOf);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.persons).toEqual(['claire', 'daniel']);
    expect(entries[0]?.sources.map((s) => s.summary)).toEqual(['Domestic abuse incident (victim)', 'Domestic abuse incident (suspect)']);
  });

  it('a case-system plan and the flag it raises share a source record: one entry that reads as the plan', () => {
    const plan = event({ agency: 'social-care', record: 'ChildProtectionPlan/CPP1', person: 'Person/C-bobby', kind: 'plan', date: '2026-03-01', summary: 'Child protection plan, category Neglect (NEG)', sensitivity: 'sensitive' });
    const raised = flag('social-care', 'ChildProtectionPlan/CPP1', 'Person/C-bobby', 'child-protection-plan', 'Subject of a child protection plan since 2026-03-01', '2026-03-01');
    const entries = buildChronology([raised, plan], personOf);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'plan', summary: plan.summary });
    expect(entries[0]?.sources.map((s) => s.kind)).toEqual(['plan', 'flag']);
  });
});

describe('rule 2: compatible kinds within the pairing’s window', () => {
  it('a police incident and the next-day police notification to social care are one entry, even about a child police do not hold', () => {
    const entries = buildChronology([daIncident('Nominal/N-claire'), notification('Contact/CSE2', 'Person/C-bobby')], personOf);
    expect(shape(entries)).toEqual([['Contact/CSE2', 'Incident/INC2/Nominal/N-claire']]);
    expect(entries[0]).toMatchObject({ date: '2026-09-12', kind: 'incident', agencies: ['police', 'social-care'], persons: ['bobby', 'claire'] });
  });

  it('a notification four days after the incident is another entry (window 0–3 days)', () => {
    expect(buildChronology([daIncident('Nominal/N-claire'), notification('Contact/CSE2', 'Person/C-bobby', '2026-09-16')], personOf)).toHaveLength(2);
  });

  it('a notification before the incident is another entry (notifications follow incidents)', () => {
    expect(buildChronology([daIncident('Nominal/N-claire'), notification('Contact/CSE2', 'Person/C-bobby', '2026-09-11')], personOf)).toHaveLength(2);
  });

  it('A&E the same night merges with the incident; two days later it does not', () => {
    const same = attendance('Encounter/enc5', 'Patient/p-claire', '2026-09-12', 'Assault — injury', 'Bruising to face. Patient disclosed assault by partner at home.');
    const later = attendance('Encounter/enc6', 'Patient/p-claire', '2026-09-14', 'Assault — injury', 'Bruising to face.');
    expect(shape(buildChronology([daIncident('Nominal/N-claire'), same], personOf))).toEqual([['Encounter/enc5', 'Incident/INC2/Nominal/N-claire']]);
    expect(buildChronology([daIncident('Nominal/N-claire'), later], personOf)).toHaveLength(2);
  });

  it('a CP plan, the CP-IS flag and the housing alert it raises are one entry; a child in need plan is not a CP plan', () => {
    const plan = event({ agency: 'social-care', record: 'ChildProtectionPlan/CPP1', person: 'Person/C-bobby', kind: 'plan', date: '2026-03-01', summary: 'Child protection plan, category Neglect (NEG)', sensitivity: 'sensitive' });
    const cpis = flag('health', 'Flag/flag-1', 'Patient/p-bobby', 'child-protection-plan', 'Child protection plan (CP-IS)', '2026-03-01', 'sensitive');
    const alert = flag('housing', 'PersonAlert/9', 'Person/H-bobby', 'SAF2.01', 'SAF2.01 Child Safeguarding Concern — Child Protection Plan in Place', '2026-03-02', 'restricted');
    const entries = buildChronology([alert, cpis, plan], personOf);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'plan', agencies: ['health', 'housing', 'social-care'], sensitivity: 'restricted' });

    const cin = event({ agency: 'social-care', record: 'CinPlan/CIN1', person: 'Person/C-bobby', kind: 'plan', date: '2026-03-01', summary: 'Child in need plan' });
    expect(buildChronology([cin, cpis], personOf)).toHaveLength(2);
  });

  it('a police ASB incident and the housing ASB case opened within a week are one entry; eight days apart they are not', () => {
    const police = event({ agency: 'police', record: 'Incident/INC9/Nominal/N-claire', person: 'Nominal/N-claire', kind: 'incident', date: '2026-01-05', summary: 'Anti-social behaviour incident (subject)', detail: 'Neighbour complaint: noise.' });
    const housing = (date: string): EventFact => event({ agency: 'housing', record: `AsbCase/${date}`, person: 'Person/H-claire', kind: 'incident', date, summary: 'Anti-social behaviour case: noise (alleged perpetrator)' });
    expect(buildChronology([police, housing('2026-01-12')], personOf)).toHaveLength(1);
    expect(buildChronology([police, housing('2026-01-13')], personOf)).toHaveLength(2);
  });

  it('kinds the table does not pair never merge: an exclusion and a notification the same day', () => {
    const exclusion = event({ agency: 'education', record: 'Exclusion/E-bobby/EX1', person: 'Pupil/E-bobby', kind: 'exclusion', date: '2026-09-13', summary: 'Suspension: physical assault against a pupil' });
    expect(buildChronology([exclusion, notification('Contact/CSE2', 'Person/C-bobby')], personOf)).toHaveLength(2);
  });
});

describe('rules 3 and 4: persons, topics and named sources', () => {
  it('an incident and an attendance with no person in common do not merge', () => {
    const chloe = attendance('Encounter/enc7', 'Patient/p-chloe', '2026-09-12', 'Laceration of hand', 'Cut by broken glass.');
    expect(buildChronology([daIncident('Nominal/N-claire'), chloe], personOf)).toHaveLength(2);
  });

  it('a record no hub person is known for never merges', () => {
    const unknown = attendance('Encounter/enc8', 'Patient/p-unknown', '2026-09-12', 'Assault — injury', 'Bruising; assault by partner.');
    expect(buildChronology([daIncident('Nominal/N-claire'), unknown], personOf)).toHaveLength(2);
  });

  it('a same-day attendance with nothing in common in its summary (a sprained ankle) does not merge', () => {
    expect(buildChronology([daIncident('Nominal/N-claire'), attendance('Encounter/enc9', 'Patient/p-claire', '2026-09-12', 'Sprain of ankle')], personOf)).toHaveLength(2);
  });

  it('disagreeing topics never merge: a missing-person incident and a domestic-incident notification', () => {
    const missing = event({ agency: 'police', record: 'Incident/INC3/Nominal/N-bobby', person: 'Nominal/N-bobby', kind: 'incident', date: '2026-09-12', summary: 'Missing person incident (missing person)', detail: 'Reported missing by carer.' });
    expect(buildChronology([missing, notification('Contact/CSE2', 'Person/C-bobby')], personOf)).toHaveLength(2);
  });

  it('a referral that names the other agency merges without a topic, about the same person; one naming another agency never does', () => {
    const incident = event({ agency: 'police', record: 'Incident/INC4/Nominal/N-bobby', person: 'Nominal/N-bobby', kind: 'incident', date: '2026-05-02', summary: 'Concern for welfare incident (subject)' });
    const fromPolice = notification('Contact/CSE4', 'Person/C-bobby', '2026-05-03', 'Police (6)', 'Concerns about the care of the child.');
    const fromSchool = notification('Contact/CSE5', 'Person/C-bobby', '2026-05-03', 'Schools (2A)', 'Concerns about the care of the child.');
    expect(buildChronology([incident, fromPolice], personOf)).toHaveLength(1);
    expect(buildChronology([incident, fromSchool], personOf)).toHaveLength(2);
    // Naming another agency blocks even a shared topic.
    expect(buildChronology([daIncident('Nominal/N-claire'), notification('Contact/CSE6', 'Person/C-bobby', '2026-09-13', 'Schools (2A)')], personOf)).toHaveLength(2);
  });

  it('about another member of the family, a notification needs both a shared topic and to name the other agency', () => {
    const vague = notification('Contact/CSE7', 'Person/C-bobby', '2026-09-13', 'Police (6)', 'Concerns about the care of the child.');
    expect(buildChronology([daIncident('Nominal/N-claire'), vague], personOf)).toHaveLength(2);
  });
});

describe('rules 5 and 6: same-agency companions and ambiguity', () => {
  it('never merges two records of one agency on their own: two police incidents the same day stay apart', () => {
    const other = event({ agency: 'police', record: 'Incident/INC5/Nominal/N-claire', person: 'Nominal/N-claire', kind: 'incident', date: '2026-09-12', summary: 'Domestic abuse incident (victim)' });
    expect(buildChronology([daIncident('Nominal/N-claire'), other], personOf)).toHaveLength(2);
    expect(buildChronology([notification('Contact/CSE2', 'Person/C-bobby'), notification('Contact/CSE3', 'Person/C-chloe')], personOf)).toHaveLength(2);
  });

  it('the featured night: incident and crime, both attendances, a notification per child — one entry', () => {
    const crime = event({ agency: 'police', record: 'Crime/CRI1/Nominal/N-claire', person: 'Nominal/N-claire', kind: 'crime', date: '2026-09-12', summary: 'Crime: Assault occasioning actual bodily harm (domestic) (victim)' });
    const facts = [
      daIncident('Nominal/N-claire'), daIncident('Nominal/N-bobby', '2026-09-12', 'child present'), crime,
      attendance('Encounter/enc4', 'Patient/p-bobby', '2026-09-12', 'Laceration of forearm', 'Laceration from broken glass. Mother reports "an argument at home".'),
      attendance('Encounter/enc5', 'Patient/p-claire', '2026-09-12', 'Assault — injury', 'Bruising to face. Patient disclosed assault by partner at home.'),
      notification('Contact/CSE2', 'Person/C-bobby'), notification('Contact/CSE3', 'Person/C-chloe'),
    ];
    const entries = buildChronology(facts, personOf);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'incident', agencies: ['health', 'police', 'social-care'], persons: ['bobby', 'chloe', 'claire'], sensitivity: 'sensitive' });
    expect(entries[0]?.sources).toHaveLength(7);
  });

  it('two incidents on consecutive nights: a notification that fits both with equal evidence merges with neither', () => {
    const second = event({ agency: 'police', record: 'Incident/INC6/Nominal/N-claire', person: 'Nominal/N-claire', kind: 'incident', date: '2026-09-13', summary: 'Domestic abuse incident (victim)', detail: 'Victim has bruising.' });
    const entries = buildChronology([daIncident('Nominal/N-claire'), second, notification('Contact/CSE2', 'Person/C-bobby', '2026-09-14')], personOf);
    expect(shape(entries)).toEqual([['Incident/INC2/Nominal/N-claire'], ['Incident/INC6/Nominal/N-claire'], ['Contact/CSE2']]);
  });

  it('more evidence settles it, days alone do not: the hospital referral joins the attendance, the GP contact that day does not', () => {
    const seen = attendance('Encounter/enc1', 'Patient/p-bobby', '2026-02-01', 'Fractured wrist', 'Fractured wrist; account given by parent.');
    const hospital = notification('Contact/CSE8', 'Person/C-bobby', '2026-02-01', 'Health services: A&E (3E)', 'Hospital referral: fractured wrist; explanation inconsistent with presentation.');
    const gp = notification('Contact/CSE9', 'Person/C-bobby', '2026-02-01', 'Health services: GP (3A)', 'Contact from gp raising concerns about the care of the children.');
    expect(shape(buildChronology([seen, hospital, gp], personOf))).toEqual([['Contact/CSE8', 'Encounter/enc1'], ['Contact/CSE9']]);
  });
});

describe('entries', () => {
  it('flags with a start date are entries of kind flag; standing markers without one are left out', () => {
    const raised = flag('police', 'Nominal/N-daniel/WarningMarker/VI/2011-06-02', 'Nominal/N-daniel', 'violence', 'Police warning marker VI: Violent', '2011-06-02');
    const standing = flag('housing', 'PersonAlert/3', 'Person/H-claire', 'MED1.01', 'MED1.01 Asthma');
    expect(buildChronology([raised, standing], personOf).map((e) => [e.kind, e.date, e.summary])).toEqual([['flag', '2011-06-02', 'Police warning marker VI: Violent']]);
  });

  it('are in date order, with the strictest sensitivity of their sources and agencies in the hub’s order', () => {
    const restricted = attendance('Encounter/enc5', 'Patient/p-claire', '2026-09-12', 'Assault — injury', 'Assault by partner; bruising.');
    const early = event({ agency: 'education', record: 'Attendance/E-bobby/T1', person: 'Pupil/E-bobby', kind: 'absence', date: '2025-09-03', endDate: '2025-12-19', summary: 'Attendance 2025/26 autumn term: 88.5%' });
    const facts = [{ ...restricted, provenance: { ...restricted.provenance, sensitivity: 'restricted' as const } }, daIncident('Nominal/N-claire'), early];
    const entries = buildChronology(facts, personOf);
    expect(entries.map((e) => [e.date, e.endDate, e.sensitivity, e.agencies])).toEqual([
      ['2025-09-03', '2025-12-19', 'open', ['education']],
      ['2026-09-12', undefined, 'restricted', ['health', 'police']],
    ]);
  });

  it('have stable ids: the same facts in any order give the same entries', () => {
    const facts = [daIncident('Nominal/N-claire'), notification('Contact/CSE2', 'Person/C-bobby'), attendance('Encounter/enc5', 'Patient/p-claire', '2026-09-12', 'Assault — injury', 'assault by partner')];
    const once = buildChronology(facts, personOf);
    expect(buildChronology([...facts].reverse(), personOf)).toEqual(once);
    expect(once[0]?.id).toMatch(/^chronology_[0-9a-f]{32}$/);
  });

  it('keep only the family’s facts when told who the family is', () => {
    const other = event({ agency: 'police', record: 'Incident/INC7/Nominal/N-stranger', person: 'Nominal/N-stranger', kind: 'incident', date: '2026-01-01', summary: 'Public order incident (subject)' });
    expect(buildChronology([other, daIncident('Nominal/N-claire')], personOf, { persons: new Set(['bobby', 'claire']) }).map((e) => e.persons)).toEqual([['claire']]);
    expect(buildChronology([other], personOf)).toHaveLength(1);
  });

  it('the rule is documented: every table row says why, and the words number the clauses', () => {
    for (const rule of MERGE_RULES) expect(rule.why.length).toBeGreaterThan(20);
    expect(MERGE_RULE.map((line) => line.slice(0, 2))).toEqual(['1.', '2.', '3.', '4.', '5.', '6.']);
  });
});
