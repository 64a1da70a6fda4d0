/**
 * The parts every agency mapper builds its facts from: deterministic fact ids, provenance from
 * the mapping context, sensitivity ordering, and two small value helpers. One place, so the five
 * mappers cannot drift on what a fact id or a provenance record is.
 */
import { stableId } from '../lib/ids.ts';
import type { Agency, Sensitivity } from '../model/agency.ts';
import type { Fact } from '../model/fact.ts';
import type { Provenance } from '../model/provenance.ts';
import type { MappingContext } from './context.ts';

/** Deterministic fact id: the same lookup, record and kind always give the same id. */
export function factId(ctx: MappingContext, sourceRecordId: string, kind: Fact['kind']): string {
  return stableId('fact', ctx.lookupId, sourceRecordId, kind);
}

/** A fact's provenance: the mapping context, the source record, and the source's own marking. */
export function provenanceFor(agency: Agency, ctx: MappingContext, sourceRecordId: string, sensitivity: Sensitivity, sourceUpdatedAt?: string): Provenance {
  return {
    agency,
    connectorId: ctx.connectorId,
    sourceSystem: ctx.sourceSystem,
    sourceRecordId,
    lookupId: ctx.lookupId,
    retrievedAt: ctx.retrievedAt,
    ...optional('sourceUpdatedAt', sourceUpdatedAt),
    lawfulBasis: ctx.lawfulBasis,
    sensitivity,
  };
}

/** open < sensitive < restricted. */
export const SENSITIVITY_RANK: Readonly<Record<Sensitivity, number>> = { open: 0, sensitive: 1, restricted: 2 };

/** Cut text to `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `{ [key]: value }` when there is a value, `{}` otherwise (for optional schema fields). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  // TypeScript types a computed key as `string`; the object holds exactly `key`.
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
