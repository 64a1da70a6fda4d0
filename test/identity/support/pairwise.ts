/**
 * Pairwise linkage metrics: precision, recall and F1 over record pairs, from clusters or links.
 *
 * Why pairwise: it is how FEBRL and Splink results are reported, and how held-out sets are
 * scored: a pair of records is a true positive when both the linker and the truth put them
 * together. Counted from the cluster contingency table, so no pair list is ever built.
 */

/** Pairwise figures. */
export interface PairwiseScores {
  readonly truePairs: number;
  readonly predictedPairs: number;
  readonly correctPairs: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
}

const pairs = (k: number): number => (k * (k - 1)) / 2;

/** Pairwise precision, recall and F1 of predicted clusters (id → label) against the truth (id → entity). */
export function pairwiseScores(predicted: ReadonlyMap<string, string | number>, truth: ReadonlyMap<string, string>): PairwiseScores {
  const cell = new Map<string, number>();
  const predictedSize = new Map<string | number, number>();
  const trueSize = new Map<string, number>();
  for (const [id, label] of predicted) {
    const entity = truth.get(id);
    if (entity === undefined) throw new Error('a predicted id has no truth');
    predictedSize.set(label, (predictedSize.get(label) ?? 0) + 1);
    trueSize.set(entity, (trueSize.get(entity) ?? 0) + 1);
    const key = `${String(label)}\u0000${entity}`;
    cell.set(key, (cell.get(key) ?? 0) + 1);
  }
  let correctPairs = 0;
  for (const c of cell.values()) correctPairs += pairs(c);
  let predictedPairs = 0;
  for (const c of predictedSize.values()) predictedPairs += pairs(c);
  let truePairs = 0;
  for (const c of trueSize.values()) truePairs += pairs(c);
  const precision = predictedPairs === 0 ? 1 : correctPairs / predictedPairs;
  const recall = truePairs === 0 ? 1 : correctPairs / truePairs;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { truePairs, predictedPairs, correctPairs, precision, recall, f1 };
}

/** Precision of linked pairs (e.g. automatic matches): the share that are truly one entity. */
export function linkPrecision(links: readonly { readonly a: string; readonly b: string }[], truth: ReadonlyMap<string, string>): { readonly links: number; readonly correct: number; readonly precision: number } {
  let correct = 0;
  for (const l of links) if (truth.get(l.a) !== undefined && truth.get(l.a) === truth.get(l.b)) correct++;
  return { links: links.length, correct, precision: links.length === 0 ? 1 : correct / links.length };
}

/** Clusters by plain transitive closure over links (union–find): id → label, every id of `ids` labelled. */
export function closureClusters(ids: readonly string[], links: readonly { readonly a: string; readonly b: string }[]): Map<string, string> {
  const parent = new Map<string, string>(ids.map((id) => [id, id]));
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r) ?? r;
    parent.set(x, r);
    return r;
  };
  for (const l of links) {
    const ra = find(l.a);
    const rb = find(l.b);
    if (ra !== rb) parent.set(ra, rb);
  }
  return new Map(ids.map((id) => [id, find(id)]));
}
