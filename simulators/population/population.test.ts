/**
 * Properties of the generated population the simulators and matching tests rely on:
 * determinism, size, speed, valid identifiers, realistic noise per agency, complete ground
 * truth, and shared incidents recorded by more than one agency on the same date.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AGENCIES } from '../../src/model/agency.ts';
import type { Agency } from '../../src/model/agency.ts';
import {
  agencyView, DEFAULT_SEED, eventsOf, generatePopulation, isValidNhsNumber, isValidPncId, isValidPostcodeFormat, isValidUpn, isValidUprn,
  NICKNAMES, personRecordsOf,
} from './index.ts';
import type { NoiseKind, Population } from './index.ts';

let population: Population;

beforeAll(() => {
  population = generatePopulation({ seed: DEFAULT_SEED });
});

/** Share of an agency's person records that carry a noise kind. */
function noiseRate(agency: Agency, kind: NoiseKind): number {
  const records = population.groundTruth.filter((g) => g.agency === agency);
  return records.filter((g) => g.noise.includes(kind)).length / records.length;
}

describe('generatePopulation', () => {
  it('is deterministic: same seed, byte-identical JSON; another seed differs', () => {
    const again = generatePopulation({ seed: DEFAULT_SEED });
    expect(JSON.stringify(again)).toBe(JSON.stringify(population));
    const other = generatePopulation({ seed: 7, households: 200 });
    expect(JSON.stringify(other.persons)).not.toBe(JSON.stringify(generatePopulation({ seed: 8, households: 200 }).persons));
  });

  // How fast it generates is a benchmark figure (bench/startup.ts: `npm start` generates it), not a test's.
  it('generates at least 2,000 households', () => {
    expect(population.households.length).toBeGreaterThanOrEqual(2000);
    expect(population.persons.length).toBeGreaterThan(4000);
  });

  it('gives every person a valid NHS number, unique', () => {
    const nhs = population.persons.map((p) => p.nhsNumber);
    for (const n of nhs) expect(isValidNhsNumber(n), n).toBe(true);
    expect(new Set(nhs).size).toBe(nhs.length);
  });

  it('gives school-age children valid, unique UPNs; some adults valid PNC ids', () => {
    const upns = population.persons.flatMap((p) => (p.upn === undefined ? [] : [p.upn]));
    expect(upns.length).toBeGreaterThan(500);
    for (const u of upns) expect(isValidUpn(u), u).toBe(true);
    expect(new Set(upns).size).toBe(upns.length);
    const pncs = population.persons.flatMap((p) => (p.pncId === undefined ? [] : [p.pncId]));
    expect(pncs.length).toBeGreaterThan(50);
    for (const id of pncs) expect(isValidPncId(id), id).toBe(true);
  });

  it('has UK-style addresses with 12-digit UPRNs and address histories', () => {
    for (const a of population.addresses) {
      expect(isValidUprn(a.uprn), a.uprn).toBe(true);
      expect(isValidPostcodeFormat(a.postcode), a.postcode).toBe(true);
    }
    const movers = population.persons.filter((p) => p.addressHistory.length > 1);
    expect(movers.length / population.persons.length).toBeGreaterThan(0.2);
    for (const p of population.persons) {
      expect(p.addressHistory.length).toBeGreaterThan(0);
      p.addressHistory.forEach((period, i) => {
        if (period.to !== undefined) expect(period.to > period.from).toBe(true);
        if (i < p.addressHistory.length - 1) expect(period.to).toBeDefined();
      });
    }
  });

  it('builds families: parents, step-parents, siblings, partners, grandparents, lodgers', () => {
    const kinds = new Set(population.relationships.map((r) => r.kind));
    for (const k of ['parent', 'step-parent', 'sibling', 'half-sibling', 'partner', 'grandparent', 'household-member'] as const) expect(kinds.has(k), k).toBe(true);
    const roles = new Set(population.persons.map((p) => p.role));
    for (const r of ['parent', 'step-parent', 'child', 'grandparent', 'lodger'] as const) expect(roles.has(r), r).toBe(true);
  });

  it('dates no event after the reference date or before its people were born', () => {
    const birth = new Map(population.persons.map((p) => [p.id, p.birthDate]));
    const truth = new Map(population.eventTruth.map((e) => [`${e.agency}|${e.eventId}`, e]));
    for (const agency of AGENCIES) {
      for (const e of eventsOf(population, agency)) {
        expect(e.date <= population.referenceDate, `${agency} ${e.eventId} ${e.date}`).toBe(true);
        const t = truth.get(`${agency}|${e.eventId}`);
        for (const id of t?.personIds ?? []) if (!e.eventId.startsWith('cond-')) expect(e.date >= (birth.get(id) ?? ''), `${e.eventId} before birth`).toBe(true);
      }
    }
  });
});

describe('agency views', () => {
  it('cover the population partially: health nearly all, others fewer', () => {
    const known = (a: Agency): number => new Set(population.groundTruth.filter((g) => g.agency === a).map((g) => g.personId)).size;
    const n = population.persons.length;
    expect(known('health') / n).toBeGreaterThan(0.95);
    expect(known('police') / n).toBeLessThan(0.3);
    expect(known('social-care') / n).toBeLessThan(0.3);
    expect(known('housing') / n).toBeLessThan(0.4);
    const familiesWithChildren = population.households.filter((h) => h.memberIds.some((id) => population.persons.find((p) => p.id === id)?.role === 'child'));
    const csc = new Set(population.groundTruth.filter((g) => g.agency === 'social-care').map((g) => g.personId));
    const cscFamilies = familiesWithChildren.filter((h) => h.memberIds.some((id) => csc.has(id)));
    expect(cscFamilies.length / familiesWithChildren.length).toBeLessThan(0.5);
    expect(cscFamilies.length).toBeGreaterThan(50);
  });

  it('police hold no NHS numbers; education holds UPNs, not NHS numbers', () => {
    const police = agencyView(population, 'police');
    for (const n of police.nominals) expect(JSON.stringify(n)).not.toMatch(/999\d{7}/);
    const education = agencyView(population, 'education');
    for (const p of education.persons) expect(JSON.stringify(p)).not.toMatch(/nhs/i);
    expect(education.persons.filter((p) => p.kind === 'pupil' && p.upn !== undefined).length).toBeGreaterThan(500);
  });

  it('education knows school-age children and the contacts with parental responsibility', () => {
    const education = agencyView(population, 'education');
    const pupils = education.persons.filter((p) => p.kind === 'pupil');
    expect(pupils.length).toBeGreaterThan(500);
    expect(education.contactLinks.filter((l) => l.parentalResponsibility).length).toBeGreaterThan(pupils.length * 0.8);
    expect(education.contactLinks.some((l) => !l.parentalResponsibility)).toBe(true);
  });

  it('applies noise at sane rates in every agency', () => {
    for (const agency of AGENCIES) {
      const any = population.groundTruth.filter((g) => g.agency === agency && g.noise.length > 0).length / population.groundTruth.filter((g) => g.agency === agency).length;
      expect(any, agency).toBeGreaterThan(0.03);
      expect(any, agency).toBeLessThan(0.7);
    }
    expect(noiseRate('police', 'nickname')).toBeGreaterThan(0.02);
    expect(noiseRate('police', 'birth-date-swap')).toBeGreaterThan(0.01);
    expect(noiseRate('education', 'nickname')).toBeGreaterThan(0.01);
    expect(noiseRate('social-care', 'old-address')).toBeGreaterThan(0.03);
    expect(noiseRate('health', 'typo-family') + noiseRate('health', 'typo-given')).toBeGreaterThan(0.005);
    expect(noiseRate('health', 'nickname')).toBeLessThan(noiseRate('police', 'nickname'));
    const hyphenated = population.groundTruth.filter((g) => g.noise.includes('hyphenated-family')).length;
    expect(hyphenated).toBeGreaterThan(10);
  });

  it('noise is really in the records: nicknames are nicknames, swapped dates are swaps', () => {
    const persons = new Map(population.persons.map((p) => [p.id, p]));
    const records = new Map<string, { name: { given: readonly string[]; family: string }; birthDate?: string }>();
    for (const agency of AGENCIES) {
      for (const r of personRecordsOf(population, agency) as readonly { recordId: string; name: { given: readonly string[]; family: string }; birthDate?: string }[]) records.set(`${agency}|${r.recordId}`, r);
    }
    let nicknames = 0;
    let swaps = 0;
    for (const g of population.groundTruth) {
      const r = records.get(`${g.agency}|${g.recordId}`);
      const p = persons.get(g.personId);
      if (r === undefined || p === undefined) throw new Error(`missing ${g.agency} ${g.recordId}`);
      if (g.noise.includes('nickname')) {
        expect(NICKNAMES[p.givenNames[0] ?? '']).toContain(r.name.given[0]);
        nicknames++;
      }
      if (g.noise.includes('birth-date-swap')) {
        const [y, m, d] = p.birthDate.split('-');
        expect(r.birthDate).toBe(`${y}-${d}-${m}`);
        swaps++;
      }
      if (g.noise.length === 0) {
        expect(r.name.family).toBe(p.familyName);
        if (r.birthDate !== undefined) expect(r.birthDate).toBe(p.birthDate);
      }
    }
    expect(nicknames).toBeGreaterThan(50);
    expect(swaps).toBeGreaterThan(20);
  });

  it('gives each agency record its own local id', () => {
    const prefixes: Record<Agency, RegExp> = { health: /^pat-\d{7}$/, police: /^NOM\d{6}$/, education: /^(PUP|CON)\d{6}$/, housing: /^HPR-\d{6}$/, 'social-care': /^CSC\d{6}$/ };
    for (const agency of AGENCIES) for (const r of personRecordsOf(population, agency)) expect(r.recordId, agency).toMatch(prefixes[agency]);
  });

  it('marks some events sensitive or restricted in each agency\'s own terms', () => {
    const health = agencyView(population, 'health').events;
    expect(health.some((e) => e.sensitivity === 'R')).toBe(true);
    expect(health.some((e) => e.sensitivity === 'V')).toBe(true);
    const police = agencyView(population, 'police').events;
    for (const code of [1, 2, 3, 4, 5] as const) expect(police.some((e) => e.sensitivity === code), `handling ${code}`).toBe(true);
    expect(police.filter((e) => e.kind === 'intelligence').every((e) => e.sourceGrading !== undefined && e.intelligenceGrading !== undefined)).toBe(true);
    for (const agency of ['education', 'housing', 'social-care'] as const) {
      const marks = new Set(agencyView(population, agency).events.map((e) => e.sensitivity));
      expect(marks.has('open') && marks.has('sensitive'), agency).toBe(true);
    }
    expect(agencyView(population, 'social-care').events.some((e) => e.sensitivity === 'restricted')).toBe(true);
  });

  it('uses CIN census categories for CP plans and real UKHDS alert codes', () => {
    const plans = agencyView(population, 'social-care').events.filter((e) => e.kind === 'cp-plan');
    expect(plans.length).toBeGreaterThan(10);
    for (const p of plans) expect(['NEG', 'PHY', 'SAB', 'EMO', 'MUL']).toContain(p.cpCategory);
    const alerts = agencyView(population, 'housing').persons.flatMap((p) => p.alerts);
    expect(alerts.length).toBeGreaterThan(20);
    for (const a of alerts) expect(a.code).toMatch(/^(MED|PREG|MH|AGE|RISK|SAF|COMM)\d\.\d{2}$/);
  });
});

describe('ground truth', () => {
  it('covers every agency person record exactly once, pointing at a real person', () => {
    const ids = new Set(population.persons.map((p) => p.id));
    const truth = new Set(population.groundTruth.map((g) => `${g.agency}|${g.recordId}`));
    expect(truth.size).toBe(population.groundTruth.length);
    let total = 0;
    for (const agency of AGENCIES) {
      for (const r of personRecordsOf(population, agency)) {
        expect(truth.has(`${agency}|${r.recordId}`), `${agency} ${r.recordId}`).toBe(true);
        total++;
      }
    }
    expect(total).toBe(population.groundTruth.length);
    for (const g of population.groundTruth) expect(ids.has(g.personId)).toBe(true);
    for (const rp of population.relatedPersonTruth) expect(ids.has(rp.personId)).toBe(true);
  });

  it('covers every agency event exactly once', () => {
    const truth = new Set(population.eventTruth.map((e) => `${e.agency}|${e.eventId}`));
    expect(truth.size).toBe(population.eventTruth.length);
    let total = 0;
    for (const agency of AGENCIES) {
      for (const e of eventsOf(population, agency)) {
        expect(truth.has(`${agency}|${e.eventId}`)).toBe(true);
        total++;
      }
    }
    expect(total).toBe(population.eventTruth.length);
  });

  it('records shared incidents in two or more agencies, and a domestic incident with a same-day A&E attendance', () => {
    expect(population.sharedIncidents.length).toBeGreaterThan(50);
    const events = new Map<string, { agency: Agency; date: string }>();
    for (const agency of AGENCIES) for (const e of eventsOf(population, agency)) events.set(e.eventId, { agency, date: e.date });
    for (const s of population.sharedIncidents) {
      const agencies = new Set(s.eventIds.map((id) => events.get(id)?.agency));
      expect(agencies.size, s.id).toBeGreaterThanOrEqual(2);
      expect([...agencies].sort()).toEqual([...s.agencies].sort());
      for (const id of s.eventIds) expect(population.eventTruth.find((e) => e.eventId === id)?.sharedIncidentId).toBe(s.id);
    }
    const da = population.sharedIncidents.filter((s) => s.kind === 'domestic-abuse' && s.agencies.includes('police') && s.agencies.includes('health'));
    expect(da.length).toBeGreaterThan(10);
    for (const s of da) {
      const police = s.eventIds.map((id) => events.get(id)).filter((e) => e?.agency === 'police');
      const health = s.eventIds.map((id) => events.get(id)).filter((e) => e?.agency === 'health');
      expect(police.some((p) => health.some((h) => h !== undefined && p !== undefined && h.date === p.date && p.date === s.date)), s.id).toBe(true);
    }
    const cp = population.sharedIncidents.filter((s) => s.kind === 'child-protection-plan');
    expect(cp.some((s) => s.agencies.includes('health') && s.agencies.includes('social-care'))).toBe(true);
  });

  it('stays sane for other seeds and sizes', () => {
    for (const seed of [1, 42, 0xdeadbeef]) {
      const p = generatePopulation({ seed, households: 300 });
      expect(p.households.length).toBe(301);
      for (const person of p.persons) expect(isValidNhsNumber(person.nhsNumber)).toBe(true);
      for (const agency of AGENCIES) for (const e of eventsOf(p, agency)) expect(e.date <= p.referenceDate).toBe(true);
    }
  });
});
