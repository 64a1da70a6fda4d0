/**
 * Chronology types: the shapes buildChronology returns and takes.
 *
 * Why this file exists: split out of chronology.ts (house file-size limit) so the rule table,
 * the records and the entries can all name these types without importing the builder itself.
 * Re-exported from ../chronology.ts, the module importers use.
 */
import type { Agency, Sensitivity } from '../../model/agency.ts';
import type { EventFact } from '../../model/fact.ts';

/** What an entry is: the event kind of its lead record, or `flag` for a flag raised. */
export type ChronologyKind = EventFact['eventKind'] | 'flag';

/** One fact behind an entry, as its owner recorded it. */
export interface ChronologySource {
  readonly agency: Agency;
  /** The fact (the first, when several lookups fetched the same record). */
  readonly factId: string;
  /** Every fact that is this source record: the same record fetched by several lookups. */
  readonly factIds: readonly string[];
  readonly sourceRecordId: string;
  readonly sensitivity: Sensitivity;
  readonly summary: string;
  readonly date: string;
  readonly kind: ChronologyKind;
}

/** One happening, with every agency's record of it. */
export interface ChronologyEntry {
  /** Stable: derived from the lead record's connector and source record id. */
  readonly id: string;
  readonly date: string;
  readonly endDate?: string;
  readonly kind: ChronologyKind;
  /** The lead record's summary; each source keeps its own. */
  readonly summary: string;
  /** Hub person ids of everyone the sources are about, sorted. */
  readonly persons: readonly string[];
  readonly sources: readonly ChronologySource[];
  /** The strictest sensitivity of its sources. */
  readonly sensitivity: Sensitivity;
  /** The agencies that recorded it, in the hub's agency order. */
  readonly agencies: readonly Agency[];
}

/** The hub person an agency's person reference has been linked to, if any. */
export type PersonOf = (personRef: string, agency: Agency) => string | undefined;

export interface ChronologyOptions {
  /** When given, only facts about these hub persons (the child and family) are included. */
  readonly persons?: ReadonlySet<string>;
}
