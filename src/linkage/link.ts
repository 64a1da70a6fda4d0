/**
 * Linking a batch of person records into persons: estimate, block, score, cluster. Batch
 * tooling for the `link` command and the benchmarks; the runtime never loads it (a layer rule).
 *
 * Why one function: the `link` command, the benchmark and the tests must run exactly the same
 * path (held-out sets are scored through the command), so the whole job lives here and the
 * command only reads and writes CSV. With no model given, the model is estimated
 * from the batch itself (EM), so nothing is tuned to any particular data set.
 */
import {
  candidatePairs,
  clusterPairs,
  createMatcher,
  DEFAULT_CLUSTERING,
  FIELDS,
  prepareRecord,
  type BlockingOptions,
  type ClusterOptions,
  type MatchModel,
  type Outcome,
  type PersonRecord,
  type PreparedRecord,
  type ScoredPair,
} from '../identity/index.ts';
import { compareCandidates, estimateFromCompared, type EstimateOptions } from '../identity/index.ts';

/** Options of `linkRecords`. */
export interface LinkOptions {
  /** A configured model; when absent the model is estimated from the records. */
  readonly model?: MatchModel;
  readonly estimate?: EstimateOptions;
  readonly blocking?: BlockingOptions;
  readonly clustering?: Partial<ClusterOptions>;
}

/** A scored link between two records (candidate pairs at or above the possible threshold). */
export interface Link {
  readonly a: string;
  readonly b: string;
  readonly outcome: Outcome;
  readonly score: number;
}

/** The persons found in a batch. */
export interface LinkResult {
  /** Record ids per person, persons in order of their first record, ids in input order. */
  readonly clusters: readonly (readonly string[])[];
  /** Record id → index in `clusters`. */
  readonly clusterOf: ReadonlyMap<string, number>;
  /** Every candidate pair judged a match or a possible match. */
  readonly links: readonly Link[];
  readonly model: MatchModel;
  readonly candidatePairs: number;
}

/** Links records into persons. Record ids must be unique (RangeError otherwise). */
export function linkRecords(records: readonly PersonRecord[], options: LinkOptions = {}): LinkResult {
  const ids = new Set<string>();
  for (const r of records) {
    if (ids.has(r.id)) throw new RangeError('linkRecords: record ids must be unique');
    ids.add(r.id);
  }
  const prepared = records.map(prepareRecord);
  const blocking = options.blocking ?? options.estimate?.blocking;
  const compared = compareCandidates(prepared, candidatePairs(prepared, blocking === undefined ? {} : blocking));
  const model = options.model ?? estimateFromCompared(prepared, compared, options.estimate).model;
  const matcher = createMatcher(model);

  const clustering: ClusterOptions = { ...DEFAULT_CLUSTERING, linkThreshold: model.thresholds.possible, ...options.clustering };
  const record = (i: number): PreparedRecord => prepared[i] as PreparedRecord;
  // Only pairs that can start a merge are kept; clustering scores any other pair on demand.
  const scored: ScoredPair[] = [];
  const links: Link[] = [];
  for (let k = 0; k < compared.left.length; k++) {
    const i = compared.left[k] ?? 0;
    const j = compared.right[k] ?? 0;
    const { score, identifiers, personal, twins } = matcher.scoreLevels(compared.levels, k * FIELDS.length, record(i), record(j));
    // A pair that looks like twins starts no merge and counts against one as strongly as the
    // clipping allows; not a hard cannot-link, so that one badly written first name among a
    // person's several records does not keep the rest apart.
    if (twins) scored.push({ i, j, score: -clustering.clip, conflict: false });
    else if (score >= clustering.linkThreshold) scored.push({ i, j, score, conflict: identifiers === 'conflict' });
    const outcome = matcher.outcomeOf(score, identifiers, personal, twins);
    if (outcome !== 'non-match') links.push({ a: record(i).record.id, b: record(j).record.id, outcome, score });
  }
  const label = clusterPairs(
    records.length,
    scored,
    (i, j) => {
      const s = matcher.scorePrepared(record(i), record(j));
      return { score: s.twins ? -clustering.clip : s.score, conflict: s.identifiers === 'conflict' };
    },
    clustering,
  );
  const clusters: string[][] = [];
  const clusterOf = new Map<string, number>();
  records.forEach((r, i) => {
    const c = label[i] ?? 0;
    (clusters[c] ??= []).push(r.id);
    clusterOf.set(r.id, c);
  });
  return { clusters, clusterOf, links, model, candidatePairs: compared.left.length };
}
