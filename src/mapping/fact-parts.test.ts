/**
 * The parts every mapper builds facts from: a fact's id and head are the same whichever mapper
 * builds it, sensitivity only ever rises, and the value helpers leave absent values absent.
 */
import { describe, expect, it } from 'vitest';
import { Fact } from '../model/fact.ts';
import type { MappingContext } from './context.ts';
import { atLeast, clip, factId, factMaker, moreSensitive, optional, period, usableAddress } from './fact-parts.ts';

const ctx: MappingContext = {
  connectorId: 'northtown-health',
  sourceSystem: 'Northtown FHIR',
  lookupId: 'lookup-1',
  retrievedAt: '2026-11-21T10:00:00.000Z',
  lawfulBasis: 'children-act-1989-s47',
};
const source = { sourceRecordId: 'Patient/p1', personRef: 'Patient/p1', sensitivity: 'open' as const };

describe('factMaker', () => {
  const make = factMaker('health', ctx);

  it('gives every fact the id of its lookup, record and kind, and provenance from the context', () => {
    const person = make.person(source, { names: [{ given: ['Ada'], family: 'Test' }], identifiers: [], addresses: [] });
    const flag = make.flag(source, { flagKind: 'child-protection-plan', summary: 'On a plan', status: 'active' });
    expect(person.id).toBe(factId(ctx, 'Patient/p1', 'person'));
    expect(flag.id).toBe(factId(ctx, 'Patient/p1', 'flag'));
    expect(person.id).not.toBe(flag.id);
    expect(factMaker('police', ctx).person(source, { names: [{ given: ['Ada'], family: 'Test' }], identifiers: [], addresses: [] }).id).toBe(person.id);
    expect(person.provenance).toEqual({ agency: 'health', connectorId: 'northtown-health', sourceSystem: 'Northtown FHIR', sourceRecordId: 'Patient/p1', lookupId: 'lookup-1', retrievedAt: '2026-11-21T10:00:00.000Z', lawfulBasis: 'children-act-1989-s47', sensitivity: 'open' });
    for (const fact of [person, flag]) expect(Fact.safeParse(fact).success).toBe(true);
  });

  it('lays every fact out head first, and leaves absent optional values out rather than undefined', () => {
    const event = make.event({ ...source, sourceUpdatedAt: '2026-11-01T00:00:00Z' }, { eventKind: 'attendance', date: '2026-10-01', summary: 'Seen', detail: undefined, endDate: undefined });
    expect(Object.keys(event)).toEqual(['id', 'kind', 'personRef', 'provenance', 'eventKind', 'date', 'summary']);
    expect(event.provenance.sourceUpdatedAt).toBe('2026-11-01T00:00:00Z');
  });

  it("cuts an event's summary and detail to the model's lengths, marking the cut", () => {
    const event = make.event(source, { eventKind: 'attendance', date: '2026-10-01', summary: 'x'.repeat(600), detail: 'y'.repeat(5000) });
    expect(event.summary).toHaveLength(500);
    expect(event.summary.endsWith('…')).toBe(true);
    expect(event.detail).toHaveLength(4000);
    expect(Fact.safeParse(event).success).toBe(true);
  });
});

describe('sensitivity', () => {
  it('keeps the more sensitive of two markings', () => {
    expect(moreSensitive('open', 'sensitive')).toBe('sensitive');
    expect(moreSensitive('restricted', 'open')).toBe('restricted');
    expect(moreSensitive('sensitive', 'sensitive')).toBe('sensitive');
  });

  it('raises a fact to a floor, and never lowers it', () => {
    const make = factMaker('health', ctx);
    const open = make.flag(source, { flagKind: 'k', summary: 's', status: 'active' });
    expect(atLeast(open, 'restricted').provenance.sensitivity).toBe('restricted');
    const restricted = make.flag({ ...source, sensitivity: 'restricted' }, { flagKind: 'k', summary: 's', status: 'active' });
    expect(atLeast(restricted, 'open')).toBe(restricted);
  });
});

describe('value helpers', () => {
  it('makes a period only from known ends', () => {
    expect(period(undefined, undefined)).toBeUndefined();
    expect(period('2026-01-01', undefined)).toEqual({ start: '2026-01-01' });
    expect(period(undefined, '2026-02-01')).toEqual({ end: '2026-02-01' });
  });

  it('keeps an address only when it says where', () => {
    expect(usableAddress({ lines: [] })).toBeUndefined();
    expect(usableAddress({ lines: [], postcode: 'WF13 2QP' })).toEqual({ lines: [], postcode: 'WF13 2QP' });
  });

  it('clips and omits', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('ab…');
    expect(optional('k', undefined)).toEqual({});
    expect(optional('k', 0)).toEqual({ k: 0 });
  });
});
