/**
 * Chronology entries: which record leads an entry, and one entry from its records, with a
 * source per fact and the strictest sensitivity.
 *
 * Why this file exists: split out of chronology.ts (house file-size limit); building the entry
 * a reader sees is a step of its own, after records are grouped.
 */
import { stableId } from '../../lib/ids.ts';
import { AGENCIES, type Agency } from '../../model/agency.ts';
import { EventKind } from '../../model/fact.ts';
import { compare } from './compare.ts';
import { dateOf, kindOf, type ChronologyRecord, type TimedFact } from './records.ts';
import type { HappeningClass } from './rules.ts';
import type { ChronologyEntry, ChronologyKind, ChronologySource } from './types.ts';
import { SENSITIVITY_RANK } from '../fact-parts.ts';

const HAPPENING_ORDER: Readonly<Record<HappeningClass | 'none', number>> = { incident: 0, attendance: 1, 'cp-plan': 2, referral: 3, 'cp-flag': 4, none: 5 };
const AGENCY_ORDER = new Map<Agency, number>(AGENCIES.map((a, i) => [a, i]));

/** Kinds in the model's order (incident before crime), flags last. */
export const kindOrder = (kind: ChronologyKind): number => (kind === 'flag' ? EventKind.options.length : EventKind.options.indexOf(kind));

/** The record an entry is led by: the earliest; then incident, attendance, plan, referral, flag; then kind and agency order. */
export function leadOrder(a: ChronologyRecord, b: ChronologyRecord): number {
  return compare(a.date, b.date)
    || HAPPENING_ORDER[a.happening ?? 'none'] - HAPPENING_ORDER[b.happening ?? 'none']
    || kindOrder(a.kind) - kindOrder(b.kind)
    || (AGENCY_ORDER.get(a.agency) ?? 0) - (AGENCY_ORDER.get(b.agency) ?? 0)
    || compare(a.key, b.key);
}

const RANK = SENSITIVITY_RANK;

export function toEntry(records: readonly ChronologyRecord[]): ChronologyEntry {
  const ordered = [...records].sort(leadOrder);
  const lead = ordered[0];
  const leadFact = lead?.facts[0];
  if (lead === undefined || leadFact === undefined) throw new Error('a chronology entry has at least one record');
  const sources: ChronologySource[] = [];
  for (const record of ordered) {
    const bySource = new Map<string, TimedFact[]>();
    for (const fact of record.facts) {
      const key = `${fact.provenance.sourceRecordId}\u0000${fact.kind}`;
      bySource.set(key, [...(bySource.get(key) ?? []), fact]);
    }
    for (const facts of bySource.values()) {
      const ids = facts.map((f) => f.id).sort(compare);
      const first = facts.find((f) => f.id === ids[0]) ?? leadFact;
      sources.push({
        agency: first.provenance.agency,
        factId: first.id,
        factIds: ids,
        sourceRecordId: first.provenance.sourceRecordId,
        sensitivity: facts.map((f) => f.provenance.sensitivity).reduce((x, y) => (RANK[y] > RANK[x] ? y : x)),
        summary: first.summary,
        date: dateOf(first) ?? record.date,
        kind: kindOf(first),
      });
    }
  }
  const persons = [...new Set(ordered.flatMap((r) => [...r.persons]))].sort(compare);
  const present = new Set(ordered.map((r) => r.agency));
  return {
    id: stableId('chronology', lead.key),
    date: lead.date,
    ...(lead.endDate !== undefined && lead.endDate >= lead.date ? { endDate: lead.endDate } : {}),
    kind: lead.kind,
    summary: leadFact.summary,
    persons,
    sources,
    sensitivity: sources.map((s) => s.sensitivity).reduce((x, y) => (RANK[y] > RANK[x] ? y : x), 'open'),
    agencies: AGENCIES.filter((a) => present.has(a)),
  };
}
