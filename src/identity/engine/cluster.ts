/**
 * Clustering scored pairs into persons without chaining.
 *
 * Why not transitive closure: if A–B and B–C each look like matches, closure puts A and C
 * together even when A and C plainly differ — with families, a father and son (Robert Smith,
 * same address) can chain through one ambiguous record into one "person", and a wrong merge
 * shares one person's records as another's. Here pairs are taken strongest first and two
 * clusters merge only when the link holds between the clusters as wholes: the mean score over
 * every cross pair (clipped, so one strong pair cannot carry a cluster) must reach a threshold,
 * and no cross pair may carry conflicting trusted identifiers (a cannot-link). This is
 * constrained average-linkage agglomeration; bench/linkage.ts measures it against closure.
 */

/** Options of `clusterPairs`. */
export interface ClusterOptions {
  /** Only pairs scoring at least this start a merge (log2 odds). */
  readonly linkThreshold: number;
  /** Two clusters merge when the mean clipped score over all their cross pairs reaches this. */
  readonly mergeThreshold: number;
  /** Scores are clipped to ±clip before averaging. */
  readonly clip: number;
  /** Judge merges of clusters with more cross pairs than this on an even sample of them. */
  readonly maxCrossPairs: number;
  /** Plain transitive closure over linking pairs (no cluster check); for measurement only. */
  readonly transitive?: boolean;
}

/** Default clustering: pairs from the possible-match threshold, merge at mean log-odds ≥ 0. */
export const DEFAULT_CLUSTERING: ClusterOptions = { linkThreshold: 0, mergeThreshold: 0, clip: 16, maxCrossPairs: 20_000 };

/** A scored candidate pair. */
export interface ScoredPair {
  readonly i: number;
  readonly j: number;
  readonly score: number;
  /** True when trusted identifiers conflict (never in one cluster). */
  readonly conflict: boolean;
}

/**
 * Clusters `n` records. `pairs` are the scored candidates; `scoreOf` scores any other pair
 * (records that share no blocking key) on demand. Returns a cluster number per record,
 * numbered in order of first appearance.
 */
export function clusterPairs(
  n: number,
  pairs: readonly ScoredPair[],
  scoreOf: (i: number, j: number) => { score: number; conflict: boolean },
  options: ClusterOptions = DEFAULT_CLUSTERING,
): Int32Array {
  const known = new Map<number, ScoredPair>();
  for (const p of pairs) known.set(p.i < p.j ? p.i * n + p.j : p.j * n + p.i, p);
  const lookup = (i: number, j: number): { score: number; conflict: boolean } => known.get(i < j ? i * n + j : j * n + i) ?? scoreOf(i, j);

  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const members: number[][] = Array.from({ length: n }, (_, i) => [i]);
  const find = (x: number): number => {
    let r = x;
    while (parent[r] !== r) r = parent[r] ?? r;
    let c = x;
    while (parent[c] !== r) {
      const next = parent[c] ?? r;
      parent[c] = r;
      c = next;
    }
    return r;
  };

  const canMerge = (a: readonly number[], b: readonly number[]): boolean => {
    const cross = a.length * b.length;
    const stride = cross > options.maxCrossPairs ? cross / options.maxCrossPairs : 1;
    let sum = 0;
    let counted = 0;
    for (let k = 0; k < cross; k += stride) {
      const idx = Math.floor(k);
      const x = a[Math.floor(idx / b.length)] ?? 0;
      const y = b[idx % b.length] ?? 0;
      const s = lookup(x, y);
      if (s.conflict) return false;
      sum += Math.min(options.clip, Math.max(-options.clip, s.score));
      counted++;
    }
    return counted > 0 && sum / counted >= options.mergeThreshold;
  };

  const edges = pairs.filter((p) => p.score >= options.linkThreshold && !p.conflict);
  edges.sort((x, y) => y.score - x.score || x.i - y.i || x.j - y.j);
  for (const e of edges) {
    const ra = find(e.i);
    const rb = find(e.j);
    if (ra === rb) continue;
    const a = members[ra] ?? [];
    const b = members[rb] ?? [];
    if (options.transitive !== true && !(a.length === 1 && b.length === 1) && !canMerge(a, b)) continue;
    const [big, small] = a.length >= b.length ? [ra, rb] : [rb, ra];
    parent[small] = big;
    (members[big] ?? []).push(...(members[small] ?? []));
    members[small] = [];
  }

  const label = new Int32Array(n);
  const numberOf = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const root = find(i);
    let c = numberOf.get(root);
    if (c === undefined) {
      c = numberOf.size;
      numberOf.set(root, c);
    }
    label[i] = c;
  }
  return label;
}
