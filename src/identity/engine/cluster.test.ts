/**
 * Clustering without chaining: two links that each look right must not join two people who
 * plainly differ, and conflicting identifiers are never in one cluster.
 */
import { describe, expect, it } from 'vitest';
import { clusterPairs, DEFAULT_CLUSTERING, type ScoredPair } from './cluster.ts';

/** Scores of every pair of `n` records from a table; pairs not listed score −30. */
function table(pairs: readonly ScoredPair[]): (i: number, j: number) => { score: number; conflict: boolean } {
  return (i, j) => {
    const p = pairs.find((x) => (x.i === i && x.j === j) || (x.i === j && x.j === i));
    return { score: p?.score ?? -30, conflict: p?.conflict ?? false };
  };
}

describe('clusterPairs', () => {
  it('does not chain A–B–C when A and C plainly differ (closure would)', () => {
    // A father (0), an ambiguous record (1) and his son (2).
    const pairs: ScoredPair[] = [
      { i: 0, j: 1, score: 14, conflict: false },
      { i: 1, j: 2, score: 12, conflict: false },
      { i: 0, j: 2, score: -20, conflict: false },
    ];
    expect([...clusterPairs(3, pairs, table(pairs))]).toEqual([0, 0, 1]);
    expect([...clusterPairs(3, pairs, table(pairs), { ...DEFAULT_CLUSTERING, transitive: true })]).toEqual([0, 0, 0]);
  });

  it('merges clusters whose members agree on the whole', () => {
    const pairs: ScoredPair[] = [
      { i: 0, j: 1, score: 20, conflict: false },
      { i: 2, j: 3, score: 18, conflict: false },
      { i: 1, j: 2, score: 9, conflict: false },
      { i: 0, j: 2, score: 4, conflict: false },
      { i: 0, j: 3, score: -2, conflict: false },
      { i: 1, j: 3, score: 3, conflict: false },
    ];
    expect([...clusterPairs(4, pairs, table(pairs))]).toEqual([0, 0, 0, 0]);
  });

  it('keeps records with conflicting trusted identifiers apart, whatever the rest says', () => {
    const pairs: ScoredPair[] = [
      { i: 0, j: 1, score: 30, conflict: false },
      { i: 1, j: 2, score: 30, conflict: false },
      { i: 0, j: 2, score: 30, conflict: true },
    ];
    const label = clusterPairs(3, pairs, table(pairs));
    expect(label[0]).not.toBe(label[2]);
  });

  it('ignores links below the threshold and numbers clusters by first appearance', () => {
    const pairs: ScoredPair[] = [{ i: 1, j: 3, score: 5, conflict: false }, { i: 0, j: 2, score: -1, conflict: false }];
    expect([...clusterPairs(4, pairs, table(pairs))]).toEqual([0, 1, 2, 1]);
  });
});
