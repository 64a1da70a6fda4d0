/**
 * Identity as one object, built once by the composition root: the matcher made from the model,
 * the person index over the store's rows, and the operations the research flow, the gateway and
 * the case use — wave matching, household discovery, linking, possible-match decisions and the
 * picture's identity section.
 *
 * Why one object: the matcher is configuration, immutable once built, and every part that
 * matches people must use the same one. It used to be a module-level singleton; now
 * `src/main.ts` builds it from the model and hands it here, and everything identity does uses it
 * (CONVENTIONS.md §1: no module-level singletons; docs/decisions.md "One home for identity").
 */
import type { Clock } from '../lib/clock.ts';
import type { Fact } from '../model/fact.ts';
import type { DiscoveredSubject, SubjectMatch, SubjectMatchDecision } from '../model/identity.ts';
import type { LookupRecord } from '../model/lookup.ts';
import type { Principal } from '../model/principal.ts';
import type { Subject } from '../model/referral.ts';
import type { Db, Sql } from '../store/db.ts';
import type { Matcher } from './engine/matcher.ts';
import { applyEarlierDecisions } from './earlier-decisions.ts';
import { discoverHousehold } from './household.ts';
import type { LiveModel } from './live-model.ts';
import { createPersonIndex, type PersonIndex } from './person-index.ts';
import { linkPersons, type LinkContext, type LinkedPersons } from './person-linking.ts';
import { pictureIdentity, type PictureIdentity, type PictureView } from './picture.ts';
import type { AppendAudit, IdentityAccess, IdentityStore, PersonIndexStore, PictureSections } from './port.ts';
import { decidePossibleMatch, type PossibleMatchOutcome, type PossibleMatchRequest } from './possible-matches.ts';
import { matchWave, type WaveLookup } from './subject-matching.ts';

/** What identity is built from; each port is implemented outside identity (src/identity/port.ts). */
export interface IdentityDeps {
  readonly db: Db;
  readonly clock: Clock;
  /** Built once from the model (`createMatcher(defaultModel())`). */
  readonly matcher: Matcher;
  /**
   * The person index's live model (src/identity/live-model.ts): the index scores with its active
   * version and records it on every link. Without it the index scores with `matcher`, unversioned.
   */
  readonly models?: LiveModel | undefined;
  readonly store: IdentityStore;
  readonly personIndexStore: PersonIndexStore;
  readonly audit: AppendAudit;
  readonly access: IdentityAccess;
  readonly pictureSections: PictureSections;
}

/** The hub's identity operations, all over one matcher. */
export interface Identity {
  readonly matcher: Matcher;
  readonly personIndex: PersonIndex;
  /** The person index's model versions and their estimation, when identity was built with a live model. */
  readonly models: LiveModel | undefined;
  /** Matches every person record of a wave's finished lookups to its subject (src/identity/subject-matching.ts). */
  matchWave(lookups: readonly WaveLookup[], subjects: readonly Subject[], facts: readonly Fact[]): SubjectMatch[];
  /** The household members named in the records matched to `around`: the next wave's subjects. */
  discoverHousehold(around: readonly Subject[], matches: readonly SubjectMatch[], facts: readonly Fact[], existing: readonly Subject[], nextRef: (n: number) => string, wave: number): DiscoveredSubject[];
  /** Links the records standing as matches into the person index, in the caller's transaction. */
  linkPersons(
    tx: Sql,
    context: LinkContext,
    lookups: readonly LookupRecord[],
    facts: readonly Fact[],
    matches: readonly (SubjectMatch & { readonly decision?: SubjectMatchDecision | null })[],
  ): Promise<LinkedPersons>;
  /**
   * Decides the wave's possible subject matches a practitioner already answered for the same record
   * and hub person in an earlier referral (src/identity/earlier-decisions.ts), in the caller's
   * transaction after the wave's records were linked; returns how many.
   */
  applyEarlierDecisions(tx: Sql, context: LinkContext, lookups: readonly LookupRecord[], facts: readonly Fact[]): Promise<number>;
  /** A practitioner confirms or rejects a possible match of either kind. */
  decidePossibleMatch(principal: Principal, referralId: string, matchId: string, request: PossibleMatchRequest): Promise<PossibleMatchOutcome>;
  /** The picture's persons, family, chronology and possible matches, as this caller may see them. */
  pictureIdentity(referralId: string, view: PictureView, lookups: readonly LookupRecord[]): Promise<PictureIdentity>;
}

/** Builds identity over its ports. */
export function createIdentity(deps: IdentityDeps): Identity {
  const { matcher } = deps;
  const models = deps.models;
  const personIndex = createPersonIndex({ store: deps.personIndexStore, matcher, activeModel: models === undefined ? undefined : (sql) => models.active(sql) });
  const full = { ...deps, personIndex };
  return {
    matcher,
    personIndex,
    models,
    matchWave: (lookups, subjects, facts) => matchWave(matcher, lookups, subjects, facts),
    discoverHousehold: (around, matches, facts, existing, nextRef, wave) => discoverHousehold(matcher, around, matches, facts, existing, nextRef, wave),
    linkPersons: (tx, context, lookups, facts, matches) => linkPersons(full, tx, context, lookups, facts, matches),
    applyEarlierDecisions: (tx, context, lookups, facts) => applyEarlierDecisions(full, tx, context, lookups, facts),
    decidePossibleMatch: (principal, referralId, matchId, request) => decidePossibleMatch(full, principal, referralId, matchId, request),
    pictureIdentity: (referralId, view, lookups) => pictureIdentity({ ...full, sections: deps.pictureSections, subjectModelVersion: models === undefined ? null : 0 }, referralId, view, lookups),
  };
}
