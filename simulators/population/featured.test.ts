/**
 * The featured family (README example): present for every seed, known to all five agencies,
 * with the events the demonstration relies on.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AGENCIES } from '../../src/model/agency.ts';
import { agencyView, DEFAULT_SEED, FEATURED_FAMILY, generatePopulation, isValidNhsNumber, isValidPncId, isValidUpn } from './index.ts';
import type { Population } from './index.ts';

const F = FEATURED_FAMILY;
let population: Population;

beforeAll(() => {
  population = generatePopulation({ seed: DEFAULT_SEED });
});

describe('featured family', () => {
  it('is the same whatever the seed or size', () => {
    const other = generatePopulation({ seed: 99, households: 50 });
    const pick = (p: Population): unknown => ({
      persons: p.persons.filter((x) => x.householdId === F.householdId),
      truth: p.groundTruth.filter((g) => ([F.childId, F.siblingId, F.motherId, F.fatherId] as readonly string[]).includes(g.personId)),
      police: p.views.police.events.filter((e) => e.recordIds.includes(F.childRecords.police)),
    });
    expect(pick(other)).toEqual(pick(population));
  });

  it('has a 9-year-old child with valid NHS number and UPN, a mother, a step-father and a sibling', () => {
    const byId = new Map(population.persons.map((p) => [p.id, p]));
    const child = byId.get(F.childId);
    expect(child).toMatchObject({ givenNames: ['Robert', 'James'], familyName: 'Smith', birthDate: F.birthDate, nhsNumber: F.nhsNumber, upn: F.upn });
    expect(isValidNhsNumber(F.nhsNumber)).toBe(true);
    expect(isValidUpn(F.upn)).toBe(true);
    const father = byId.get(F.fatherId);
    expect(father?.familyName).toBe('Jones');
    expect(isValidPncId(father?.pncId ?? '')).toBe(true);
    const rels = population.relationships;
    expect(rels).toContainEqual({ kind: 'parent', fromId: F.motherId, toId: F.childId, parentalResponsibility: true });
    expect(rels).toContainEqual({ kind: 'step-parent', fromId: F.fatherId, toId: F.childId, parentalResponsibility: false });
    expect(rels.some((r) => r.kind === 'sibling' && [r.fromId, r.toId].includes(F.childId) && [r.fromId, r.toId].includes(F.siblingId))).toBe(true);
    expect(child?.addressHistory.at(-1)?.uprn).toBe(F.uprn);
  });

  it('is known to all five agencies, with the record ids exported', () => {
    for (const agency of AGENCIES) {
      expect(population.groundTruth).toContainEqual(expect.objectContaining({ agency, recordId: F.childRecords[agency], personId: F.childId }));
    }
  });

  it('keeps the NHS number exact in health and the UPN exact in education, with noisy names elsewhere', () => {
    const patient = agencyView(population, 'health').patients.find((p) => p.recordId === F.childRecords.health);
    expect(patient?.nhsNumber).toBe(F.nhsNumber);
    expect(patient?.name).toEqual({ given: ['Robert', 'James'], family: 'Smith' });
    const pupil = agencyView(population, 'education').persons.find((p) => p.recordId === F.childRecords.education);
    expect(pupil?.kind === 'pupil' ? pupil.upn : undefined).toBe(F.upn);
    expect(pupil?.name).toEqual({ given: ['Bobby'], family: 'Smyth' });
    const nominal = agencyView(population, 'police').nominals.find((p) => p.recordId === F.childRecords.police);
    expect(nominal?.name).toEqual({ given: ['R.'], family: 'Smith-Jones' });
    const csc = agencyView(population, 'social-care').persons.find((p) => p.recordId === F.childRecords['social-care']);
    expect(csc?.birthDate).toBe('2017-04-03'); // day/month swapped
  });

  it('health: A&E attendances incl. a restricted one, and a same-day attendance for the domestic incident', () => {
    const events = agencyView(population, 'health').events.filter((e) => e.recordIds.includes(F.childRecords.health));
    const ae = events.filter((e) => e.kind === 'ae-attendance');
    expect(ae.length).toBeGreaterThanOrEqual(3);
    expect(ae.some((e) => e.sensitivity === 'V' || e.sensitivity === 'R')).toBe(true);
    expect(ae.some((e) => e.date === F.domesticIncidentDate)).toBe(true);
  });

  it('police: domestic incident at the home address and restricted intelligence on the step-father', () => {
    const police = agencyView(population, 'police');
    const da = police.events.find((e) => e.incidentType === 'domestic-abuse' && e.date === F.domesticIncidentDate);
    expect(da?.recordIds).toContain(F.childRecords.police);
    expect(da?.location?.lines).toEqual(['14 Alder Grove']);
    const fatherRecord = population.groundTruth.find((g) => g.agency === 'police' && g.personId === F.fatherId)?.recordId;
    const intel = police.events.find((e) => e.kind === 'intelligence' && fatherRecord !== undefined && e.recordIds.includes(fatherRecord));
    expect(intel?.sensitivity).toBeGreaterThanOrEqual(4);
  });

  it('education: persistent absence and a fixed-term exclusion', () => {
    const events = agencyView(population, 'education').events.filter((e) => e.recordIds.includes(F.childRecords.education));
    expect(events.some((e) => e.kind === 'attendance' && e.persistentAbsence === true)).toBe(true);
    expect(events.some((e) => e.kind === 'exclusion' && e.exclusionType === 'fixed-term')).toBe(true);
  });

  it('housing: rent arrears and a safeguarding person alert', () => {
    const housing = agencyView(population, 'housing');
    const members = housing.persons.filter((p) => p.tenancyRef === 'TEN000001').map((p) => p.recordId);
    expect(housing.events.some((e) => e.kind === 'rent-arrears' && e.recordIds.some((r) => members.includes(r)))).toBe(true);
    const child = housing.persons.find((p) => p.recordId === F.childRecords.housing);
    expect(child?.alerts.some((a) => a.code.startsWith('SAF'))).toBe(true);
  });

  it('social care: a previous contact before the current concern', () => {
    const events = agencyView(population, 'social-care').events.filter((e) => e.recordIds.includes(F.childRecords['social-care']));
    expect(events.some((e) => e.kind === 'contact' && e.date < '2026-01-01')).toBe(true);
  });

  it('the domestic incident is one shared incident across police, health and social care', () => {
    const incident = population.sharedIncidents.find((s) => s.id === F.domesticIncidentId);
    expect(incident?.date).toBe(F.domesticIncidentDate);
    expect(incident?.agencies).toEqual(['health', 'police', 'social-care']);
    expect(incident?.personIds).toContain(F.childId);
  });
});
