/**
 * Identity matching: the public surface of `src/mapping/identity/`.
 *
 * Why an index: the rest of the hub (the person index, the research workflow, the link command)
 * should depend on what identity matching promises — records, a model, comparisons with their
 * evidence, blocking keys, linkage into persons — not on how the comparators or EM are built.
 *
 * - `personRecordFromFact(fact)`: a PersonFact as a flat PersonRecord.
 * - `estimateModel(records, options)`: a Fellegi–Sunter model fitted to records by EM.
 * - `createMatcher(model).compare(a, b)`: outcome (`match` | `possible` | `non-match`), score
 *   (log2 odds) and the evidence (level and weight per field and trusted identifier).
 * - `blockingKeys(record)`: the keys to file a record under in a persisted index.
 * - `linkRecords(records)`: persons found in a batch (estimate, block, score, cluster).
 * - `runLinkCsv(text)`: the `link` command's CSV in, `id,cluster` out.
 */
export { blockingKeys, candidatePairs, PERSON_KEY_KINDS, type BlockingOptions, type Candidates } from './blocking.ts';
export { clusterPairs, DEFAULT_CLUSTERING, type ClusterOptions, type ScoredPair } from './cluster.ts';
export { FIELDS, LEVELS, type FieldName } from './comparators.ts';
export { estimateModel, estimateFromCompared, compareCandidates, type EstimateOptions, type Estimation } from './estimate.ts';
export { canonicalIdentifier, isValidNhsNumber, isValidPncId, isValidUpn, TRUSTED_SYSTEMS, type TrustedSystem } from './identifiers.ts';
export { linkRecords, type Link, type LinkOptions, type LinkResult } from './link.ts';
export { formatClusterCsv, parseLinkCsv, runLinkCsv, type LinkInputError } from './link-csv.ts';
export { createMatcher, probabilityOf, type Comparison, type Evidence, type IdentifierVerdict, type Matcher, type Outcome, type PairScore } from './matcher.ts';
export { assertModel, defaultModel, DEFAULT_THRESHOLDS, PRIOR_FIELDS, type FieldModel, type MatchModel, type OutcomeThresholds, type TermFrequencies } from './model.ts';
export { personRecordFromFact, prepareRecord, type PersonRecord, type PreparedRecord } from './record.ts';
