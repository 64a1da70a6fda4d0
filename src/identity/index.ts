/**
 * Identity: the one public entry of `src/identity/`. Nothing outside this folder imports any
 * other file of it (a dependency-cruiser rule, `npm run layers`).
 *
 * Why one entry: the rest of the hub — the research flow, the gateway, the case, the composition
 * root, batch linkage — should depend on what identity promises, not on how the comparators, the
 * clustering or the person index's ranking are built (docs/decisions.md "One home for identity").
 *
 * - `createIdentity(deps)`: identity over its ports, built once in `src/main.ts` — wave matching,
 *   household discovery, person-index linking, possible-match decisions, the picture's identity
 *   section, all over one matcher.
 * - The ports it declares (`IdentityStore`, `PersonIndexStore`, `AppendAudit`, `IdentityAccess`,
 *   `PictureSections`): implemented by the store, the audit log, the firewall and mapping.
 * - The matching engine: `createMatcher(model).compare(a, b)` (outcome, score and evidence),
 *   `personRecordFromFact`, `blockingKeys`, `clusterPairs`, the model and its priors, trusted
 *   identifiers. The comparison-vector parts (`compareFields`, `termValue`, `identifierEvidence`,
 *   `candidatePairs`) are here for batch linkage (`src/linkage/`: the `link` command). EM
 *   estimation (`estimateModel`, `estimateFromCompared`) serves both the `link` command and the
 *   live person index's scheduled re-estimation.
 * - The live model (`createLiveModel`): the person index's active model version, its scheduled
 *   re-estimation from the index's own records, and the checks that refuse a degenerate fit
 *   (`judgeEstimation`), over the `ModelStore` port.
 * - The pure rules behind the operations, for tests and tools: `matchWave`, `discoverHousehold`,
 *   `provablyDifferent`, `subjectRecord`, `recordKeyOf`, `createPersonIndex`.
 */
export { createIdentity, type Identity, type IdentityDeps } from './identity.ts';
export type { AppendAudit, CoResidence, IdentityAccess, IdentityAuditEntry, IdentityStore, PersonIndexStore, PersonOf, PictureSections, ReportedRelationship } from './port.ts';

export { BLOCKING_SCHEME, blockingKeys, candidatePairs, COARSE_KEY_KINDS, PERSON_KEY_KINDS, type BlockingOptions, type Candidates } from './engine/blocking.ts';
export { clusterPairs, DEFAULT_CLUSTERING, type ClusterOptions, type ScoredPair } from './engine/cluster.ts';
export { compareFields, FIELDS, LEVELS, MISSING, termValue, type FieldName } from './engine/comparators.ts';
export { canonicalIdentifier, isValidNhsNumber, isValidPncId, isValidUpn, pncCheckLetter, TRUSTED_SYSTEMS, upnCheckLetter, type TrustedSystem } from './engine/identifiers.ts';
export { createMatcher, identifierEvidence, probabilityOf, type Comparison, type Evidence, type IdentifierVerdict, type Matcher, type Outcome, type PairScore } from './engine/matcher.ts';
export { assertModel, defaultModel, DEFAULT_THRESHOLDS, PRIOR_FIELDS, type FieldModel, type MatchModel, type OutcomeThresholds, type TermFrequencies } from './engine/model.ts';
export { compareCandidates, estimateFromCompared, estimateModel, TERM_FIELDS, type ComparedPairs, type EstimateOptions, type Estimation } from './engine/estimate.ts';
export { parseIsoDate, personRecordFromFact, prepareRecord, type PersonRecord, type PreparedRecord } from './engine/record.ts';

export { discoverHousehold } from './household.ts';
export { createLiveModel, type ActiveMatcher, type EstimationOutcome, type EstimationRequest, type LiveModel, type LiveModelOptions } from './live-model.ts';
export type { AppendModelAudit, ModelAuditEntry, ModelStore } from './model-port.ts';
export { DEFAULT_QUALITY_RULES, judgeEstimation, type EstimationFacts, type QualityRules } from './model-quality.ts';
export { createPersonIndex, type CandidateReport, type DecisionFailure, type DecisionOutcome, type MatchDecision, type PersonIndex, type PersonIndexOptions, type Resolution, type ResolveInput, type ResolveOutcome } from './person-index.ts';
export { recordKeyOf, type LinkContext, type LinkedPersons } from './person-linking.ts';
export type { PictureIdentity, PictureView } from './picture.ts';
export type { PossibleMatchOutcome, PossibleMatchRequest } from './possible-matches.ts';
export { MATCH_REASONS, matchWave, provablyDifferent, type WaveLookup } from './subject-matching.ts';
export { subjectRecord } from './subject-record.ts';
