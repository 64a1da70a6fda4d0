/**
 * Synthetic person-index records to train a model on: persons in households (the benchmark's
 * generator, bench/support/synthetic-persons.ts) and, for some of them, a second record as another
 * agency would hold it (a nickname, a typo, a swapped birth date, an old address). The duplicates
 * are what EM learns "same person" from; without them there is nothing to learn. Everything is
 * synthetic and seeded.
 */
import { createPersonGenerator, noisyQuery } from '../../../bench/support/synthetic-persons.ts';
import { createRng } from '../../../simulators/population/rng.ts';
import type { IndexedRecord } from '../../../src/model/person-index.ts';

/** One record to index: its record key and the record. */
export interface SyntheticIndexRecord {
  readonly recordKey: string;
  readonly record: IndexedRecord;
}

/** `persons` persons, a share of them (`duplicates`) seen twice, shuffled so duplicates are not adjacent to their originals. */
export function syntheticIndexRecords(persons: number, options: { readonly seed?: number; readonly duplicates?: number } = {}): SyntheticIndexRecord[] {
  const seed = options.seed ?? 7;
  const generator = createPersonGenerator({ seed });
  const rng = createRng(seed ^ 0x1dde);
  const out: SyntheticIndexRecord[] = [];
  while (out.filter((r) => r.recordKey.startsWith('synthetic:person:')).length < persons) {
    for (const person of generator.nextHousehold()) {
      out.push({ recordKey: `synthetic:person:${person.record.id}`, record: person.record });
      if (rng.chance(options.duplicates ?? 0.4)) {
        const id = `${person.record.id}-b`;
        out.push({ recordKey: `synthetic:other:${id}`, record: noisyQuery(rng, person.record, id).record });
      }
    }
  }
  // A seeded shuffle: records arrive in no particular order.
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as SyntheticIndexRecord, out[i] as SyntheticIndexRecord];
  }
  return out;
}
