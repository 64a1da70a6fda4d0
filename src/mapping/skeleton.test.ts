/**
 * The mapper skeleton over a toy agency: candidates walked in the agency's order, person fact
 * first, each fact id kept once (the first seen wins), every fact about a candidate raised to
 * the candidate's floor, persons-first ordering when asked, and answer-wide facts last.
 */
import { describe, expect, it } from 'vitest';
import type { Sensitivity } from '../model/agency.ts';
import type { Fact } from '../model/fact.ts';
import type { MappingContext } from './context.ts';
import { agencyMapper, type AgencyMapping } from './skeleton.ts';

const ctx: MappingContext = { connectorId: 'c', sourceSystem: 's', lookupId: 'lookup-1', retrievedAt: '2026-11-21T10:00:00.000Z', lawfulBasis: 'children-act-1989-s47' };

interface ToyCandidate {
  readonly ref: string;
  readonly floor: Sensitivity;
  readonly flags: readonly { readonly id: string; readonly sensitivity: Sensitivity }[];
  /** A sketch of another person the candidate's records name. */
  readonly names?: string;
}
interface ToyRaw {
  readonly candidates: readonly ToyCandidate[];
  readonly shared: readonly string[];
}

const parts: AgencyMapping<ToyRaw, ToyCandidate> = {
  agency: 'housing',
  candidates: (raw) => raw.candidates,
  floor: (c) => c.floor,
  person: (c, make) => make.person({ sourceRecordId: c.ref, personRef: c.ref, sensitivity: 'open' }, { names: [{ given: [c.ref], family: 'Full' }], identifiers: [], addresses: [] }),
  *records(c, make) {
    if (c.names !== undefined) yield make.person({ sourceRecordId: c.names, personRef: c.names, sensitivity: 'open' }, { names: [{ given: [c.names], family: 'Sketch' }], identifiers: [], addresses: [] });
    for (const flag of c.flags) yield make.flag({ sourceRecordId: flag.id, personRef: c.ref, sensitivity: flag.sensitivity }, { flagKind: 'k', summary: flag.id, status: 'active' });
    yield undefined;
  },
  *answer(raw, make) {
    for (const id of raw.shared) yield make.event({ sourceRecordId: id, personRef: id, sensitivity: 'open' }, { eventKind: 'other', date: '2026-01-01', summary: id });
  },
};

const summary = (facts: readonly Fact[]): string[] =>
  facts.map((f) => `${f.kind}:${f.provenance.sourceRecordId}:${f.provenance.sensitivity}${f.kind === 'person' ? `:${f.names[0]?.family ?? ''}` : ''}`);

describe('agencyMapper', () => {
  const raw: ToyRaw = {
    candidates: [
      { ref: 'A', floor: 'open', flags: [{ id: 'F1', sensitivity: 'sensitive' }], names: 'B' },
      { ref: 'B', floor: 'restricted', flags: [{ id: 'F2', sensitivity: 'open' }, { id: 'F1', sensitivity: 'open' }] },
    ],
    shared: ['E1', 'E1'],
  };

  it("walks candidates in order, person first, keeps each id once, raises to the candidate's floor, answer last", () => {
    expect(summary(agencyMapper(parts)(raw, ctx))).toEqual([
      'person:A:open:Full',
      'person:B:open:Sketch',
      'flag:F1:sensitive',
      'flag:F2:restricted',
      'event:E1:open',
    ]);
  });

  it("with persons first, a candidate's full record wins over another candidate's sketch of them", () => {
    expect(summary(agencyMapper({ ...parts, personsFirst: true })(raw, ctx))).toEqual([
      'person:A:open:Full',
      'person:B:restricted:Full',
      'flag:F1:sensitive',
      'flag:F2:restricted',
      'event:E1:open',
    ]);
  });

  it('gives the same facts for the same records, and nothing for no candidates', () => {
    expect(agencyMapper(parts)(raw, ctx)).toEqual(agencyMapper(parts)(raw, ctx));
    expect(agencyMapper(parts)({ candidates: [], shared: [] }, ctx)).toEqual([]);
  });
});
