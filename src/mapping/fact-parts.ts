/**
 * The parts every agency mapper builds its facts from: deterministic fact ids, provenance from
 * the mapping context, the four fact shapes of the common model, sensitivity ordering, and a few
 * value helpers. One place, so the five mappers cannot drift on what a fact id, a provenance
 * record or a fact's layout is (CONVENTIONS.md §6; DESIGN.md "The common model").
 */
import { stableId } from '../lib/ids.ts';
import type { Agency, Sensitivity } from '../model/agency.ts';
import type { EventFact, Fact, FlagFact, PersonFact, RelationshipFact } from '../model/fact.ts';
import type { Address, HumanName, Identifier, Period, Sex } from '../model/person.ts';
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

/** Where a fact comes from and whom it is about: what its id and provenance are made of. */
export interface FactSource {
  /** The agency's record the fact is read from (`Patient/…`, `Incident/…/Nominal/…`). */
  readonly sourceRecordId: string;
  /** The person the fact is about, as the agency names them. */
  readonly personRef: string;
  /** The source's own marking, as the hub's sensitivity. */
  readonly sensitivity: Sensitivity;
  /** When the source last changed the record, where it says (ISO 8601 instant). */
  readonly sourceUpdatedAt?: string | undefined;
}

/** A person fact without its head; absent optional values may be given as undefined. */
export interface PersonBody {
  readonly names: HumanName[];
  readonly birthDate?: string | undefined;
  readonly sex?: Sex | undefined;
  readonly identifiers: Identifier[];
  readonly addresses: Address[];
}

/** A relationship fact without its head: "relatedRef is <relationship> of personRef". */
export interface RelationshipBody {
  readonly relationship: RelationshipFact['relationship'];
  readonly relatedRef: string;
  readonly relatedName?: HumanName | undefined;
  readonly relatedBirthDate?: string | undefined;
  readonly period?: Period | undefined;
}

/** An event fact without its head. `summary` and `detail` are cut to the model's lengths here. */
export interface EventBody {
  readonly eventKind: EventFact['eventKind'];
  readonly date: string;
  readonly endDate?: string | undefined;
  readonly summary: string;
  readonly detail?: string | undefined;
  readonly status?: string | undefined;
}

/** A flag fact without its head. `summary` is cut to the model's length here. */
export interface FlagBody {
  readonly flagKind: string;
  readonly summary: string;
  readonly period?: Period | undefined;
  readonly status: FlagFact['status'];
}

/** Longest summary and detail the model holds (src/model/fact.ts). */
const SUMMARY_MAX = 500;
const DETAIL_MAX = 4000;

/**
 * The fact builders of one agency's lookup. Every fact starts with the same head — its id
 * (`factId`), its kind, whom it is about, its provenance (`provenanceFor`) — in that order, so
 * the same records always give byte-identical facts whichever mapper built them.
 */
export interface FactMaker {
  readonly agency: Agency;
  readonly ctx: MappingContext;
  person(source: FactSource, body: PersonBody): PersonFact;
  relationship(source: FactSource, body: RelationshipBody): RelationshipFact;
  event(source: FactSource, body: EventBody): EventFact;
  flag(source: FactSource, body: FlagBody): FlagFact;
}

/** The fact builders for `agency`'s records retrieved in the lookup `ctx` describes. */
export function factMaker(agency: Agency, ctx: MappingContext): FactMaker {
  const head = <K extends Fact['kind']>(kind: K, source: FactSource): { id: string; kind: K; personRef: string; provenance: Provenance } => ({
    id: factId(ctx, source.sourceRecordId, kind),
    kind,
    personRef: source.personRef,
    provenance: provenanceFor(agency, ctx, source.sourceRecordId, source.sensitivity, source.sourceUpdatedAt),
  });
  return {
    agency,
    ctx,
    person: (source, body) => ({
      ...head('person', source),
      names: body.names,
      ...optional('birthDate', body.birthDate),
      ...optional('sex', body.sex),
      identifiers: body.identifiers,
      addresses: body.addresses,
    }),
    relationship: (source, body) => ({
      ...head('relationship', source),
      relationship: body.relationship,
      relatedRef: body.relatedRef,
      ...optional('relatedName', body.relatedName),
      ...optional('relatedBirthDate', body.relatedBirthDate),
      ...optional('period', body.period),
    }),
    event: (source, body) => ({
      ...head('event', source),
      eventKind: body.eventKind,
      date: body.date,
      ...optional('endDate', body.endDate),
      summary: clip(body.summary, SUMMARY_MAX),
      ...optional('detail', body.detail === undefined ? undefined : clip(body.detail, DETAIL_MAX)),
      ...optional('status', body.status),
    }),
    flag: (source, body) => ({
      ...head('flag', source),
      flagKind: body.flagKind,
      summary: clip(body.summary, SUMMARY_MAX),
      ...optional('period', body.period),
      status: body.status,
    }),
  };
}

/** open < sensitive < restricted. */
export const SENSITIVITY_RANK: Readonly<Record<Sensitivity, number>> = { open: 0, sensitive: 1, restricted: 2 };

/** The more sensitive of two. */
export function moreSensitive(a: Sensitivity, b: Sensitivity): Sensitivity {
  return SENSITIVITY_RANK[a] >= SENSITIVITY_RANK[b] ? a : b;
}

/** The fact, its sensitivity raised to `floor` when lower. */
export function atLeast<F extends Fact>(fact: F, floor: Sensitivity): F {
  if (SENSITIVITY_RANK[fact.provenance.sensitivity] >= SENSITIVITY_RANK[floor]) return fact;
  return { ...fact, provenance: { ...fact.provenance, sensitivity: floor } };
}

/** A period from whichever ends are known; undefined when neither is. */
export function period(start: string | undefined, end: string | undefined): Period | undefined {
  if (start === undefined && end === undefined) return undefined;
  return { ...optional('start', start), ...optional('end', end) };
}

/** The address when it says where (a line, a town, a postcode or a UPRN); undefined when it says nothing. */
export function usableAddress(address: Address): Address | undefined {
  return address.lines.length > 0 || address.town !== undefined || address.postcode !== undefined || address.uprn !== undefined ? address : undefined;
}

/** Cut text to `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** `{ [key]: value }` when there is a value, `{}` otherwise (for optional schema fields). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  // TypeScript types a computed key as `string`; the object holds exactly `key`.
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}
