/**
 * Person records: made from PersonFacts, and normalised once so comparison is cheap and fair.
 */
import { describe, expect, it } from 'vitest';
import { PersonFact } from '../../model/fact.ts';
import { foldText, nameTokens, normalisePostcode, parseIsoDate, personRecordFromFact, prepareRecord } from './record.ts';

const provenance = {
  agency: 'health', connectorId: 'c1', sourceSystem: 'gp-system', sourceRecordId: 'Patient/1', lookupId: 'lookup-1',
  retrievedAt: '2026-11-21T10:00:00.000Z', lawfulBasis: 'children-act-1989-s47', sensitivity: 'open',
} as const;

describe('personRecordFromFact', () => {
  it('takes the usual name, the current address and the identifiers a fact gives', () => {
    const fact = PersonFact.parse({
      id: 'fact-1', personRef: 'Patient/1', kind: 'person', provenance,
      names: [{ given: ['Robert', 'James'], family: 'Smith', use: 'official' }, { given: ['Bobby'], family: 'Smith', use: 'usual' }],
      birthDate: '2015-04-03', sex: 'male',
      identifiers: [{ system: 'nhs-number', value: '9434765919' }, { system: 'local', value: 'A12', issuer: 'school-mis' }],
      addresses: [
        { lines: ['3 Old Road'], postcode: 'HD1 1AA', period: { start: '2015-04-03', end: '2020-01-01' } },
        { lines: ['14 Alder Grove'], town: 'Dewsbury', postcode: 'WF13 2QP', uprn: '100090382714', period: { start: '2020-01-01' } },
      ],
    });
    expect(personRecordFromFact(fact)).toEqual({
      id: 'fact-1', given: ['Bobby'], family: 'Smith', birthDate: '2015-04-03', sex: 'male',
      addressLines: ['14 Alder Grove'], postcode: 'WF13 2QP', town: 'Dewsbury', uprn: '100090382714',
      nhsNumber: '9434765919', otherId: 'school-mis:A12',
    });
  });
});

describe('normalisation', () => {
  it('folds case, accents and punctuation out of names', () => {
    expect(foldText('  ZOË   Ní  ')).toBe('zoe ni');
    expect(nameTokens("O'Brien-Smith")).toEqual(['obrien', 'smith']);
    expect(nameTokens('R.')).toEqual(['r']);
  });
  it('parses only real calendar days', () => {
    expect(parseIsoDate('2016-02-29')?.digits).toBe('20160229');
    expect(parseIsoDate('2015-02-29')).toBeUndefined();
    expect(parseIsoDate('29/02/2016')).toBeUndefined();
  });
  it('knows a UK postcode district, and falls back to all but the last character', () => {
    expect(normalisePostcode('wf13 2qp')).toEqual({ postcode: 'WF132QP', district: 'WF13' });
    expect(normalisePostcode('2517')).toEqual({ postcode: '2517', district: '251' });
    expect(normalisePostcode(' ')).toBeUndefined();
  });
  it('drops identifiers that fail their check', () => {
    const p = prepareRecord({ id: 'x', nhsNumber: '9434765918', upn: 'B801200005001', pncId: '08/056560Z' });
    expect(p.nhsNumber).toBeUndefined();
    expect(p.upn).toBe('B801200005001');
    expect(p.pncId).toBe('08/56560Z');
  });
});
