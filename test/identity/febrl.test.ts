/**
 * Linkage on the FEBRL benchmark sets (../shared/data/external/linkage/febrl): blocking keeps
 * the true pairs together, and the link command's own function reaches F1 ≥ 0.99 on dataset 1.
 * Accuracy, not timing: the figures for every set are printed by bench/linkage.ts.
 */
import { describe, expect, it } from 'vitest';
import { candidatePairs, prepareRecord } from '../../src/identity/index.ts';
import { parseLinkCsv, runLinkCsv } from '../../src/linkage/link-csv.ts';
import { febrl } from './support/linkage-sets.ts';
import { linkPrecision, pairwiseScores } from './support/pairwise.ts';

describe('FEBRL', () => {
  it.each([1, 2, 3] as const)('blocking keeps at least 0.995 of the true pairs of dataset %i as candidates', async (n) => {
    const set = await febrl(n);
    const parsed = parseLinkCsv(set.csv);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const records = parsed.value;
    const { left, right } = candidatePairs(records.map(prepareRecord));
    const entity = records.map((r) => set.truth.get(r.id));
    let found = 0;
    for (let k = 0; k < left.length; k++) if (entity[left[k] ?? 0] === entity[right[k] ?? 0]) found++;
    let truePairs = 0;
    const sizes = new Map<string | undefined, number>();
    for (const e of entity) sizes.set(e, (sizes.get(e) ?? 0) + 1);
    for (const s of sizes.values()) truePairs += (s * (s - 1)) / 2;
    expect(found / truePairs).toBeGreaterThanOrEqual(0.995);
    // And blocking does its job: far fewer candidates than pairs.
    expect(left.length).toBeLessThan((records.length * (records.length - 1)) / 2 / 100);
  });

  it('links dataset 1 with pairwise F1 ≥ 0.99 and automatic matches ≥ 99.5 % precise', async () => {
    const set = await febrl(1);
    const linked = runLinkCsv(set.csv);
    if (!linked.ok) throw new Error(linked.error.message);
    const scores = pairwiseScores(linked.value.result.clusterOf, set.truth);
    expect(scores.f1).toBeGreaterThanOrEqual(0.99);
    const auto = linkPrecision(linked.value.result.links.filter((l) => l.outcome === 'match'), set.truth);
    expect(auto.precision).toBeGreaterThanOrEqual(0.995);
  });
});
