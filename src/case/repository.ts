/**
 * The case repository: the one owner of a referral's case (DESIGN.md "Layout": src/case). Built per
 * principal, as Medplum builds its repository per user and adds the access filters to every query
 * (medplum/medplum packages/server/src/fhir/repo.ts): every operation asks the one policy function
 * (`policy.ts`) with the case's context before it reads or changes anything, and what a reader sees
 * is chosen by the reader's audience (`audience.ts`) — the stored picture is selected by it.
 *
 * Routes parse, call this, and answer; they hold no SQL and no access rule. Every operation that
 * changes the case commits its change and its audit entry together, then tells the stored
 * pictures (`pictures.ts`) that the case changed.
 */
import { createAuditGroupCommit, type AuditGroupCommit } from '../audit/group-commit.ts';
import type { Identity, PossibleMatchOutcome, PossibleMatchRequest } from '../identity/index.ts';
import type { Clock } from '../lib/clock.ts';
import { MashError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import type { ReleaseDecision } from '../model/item.ts';
import type { DeliveryScheduler, ResearchScheduler } from '../model/jobs.ts';
import type { Agency } from '../model/agency.ts';
import type { Principal } from '../model/principal.ts';
import type { Product } from '../model/product.ts';
import type { ReferralStatus } from '../model/referral.ts';
import type { SlaClock } from '../model/working-calendar.ts';
import { lookUpCaseContext, lookUpCaseKeys, lookUpPicture, type CaseContext } from '../store/case-pictures.ts';
import type { Db } from '../store/db.ts';
import { getReferralSummary } from '../store/referrals.ts';
import type { Vault } from '../store/vault.ts';
import { enforce, referralContext, type CaseStoreDeps } from './access.ts';
import { assign } from './assignment.ts';
import { audienceOf } from './audience.ts';
import { recordDecision, type DecisionRequest } from './decision.ts';
import { readProduct, readProductFeed, type FeedPage } from './disclosure.ts';
import { decide, releaseHistory, reveal, type ReleaseRequest } from './items.ts';
import { createPictures, type Pictures, type ServedPicture } from './pictures.ts';
import type { Action } from './policy.ts';
import { previewProduct, publish, type PublishRequest } from './publication.ts';
import { closeCase } from './retention.ts';
import { listCases, type ReferralListPage, type ReferralListRequest } from './listing.ts';
import { listPossibleMatchQueue, referralOfQueuedMatch, type PossibleMatchQueuePage, type PossibleMatchQueueRequest } from './possible-match-queue.ts';
import { referralStatus, type ReferralStatusView } from './status.ts';
import { repeatConcernFor, withRepeatConcern } from './repeat-concern.ts';
import type { RepeatConcernRule, RepeatConcernView } from '../model/repeat-concern.ts';

/** What the case repository is built from. */
export interface CaseDeps extends CaseStoreDeps {
  /** Identity, built once by the composition root: possible-match decisions and the picture's people. */
  readonly identity: Pick<Identity, 'decidePossibleMatch' | 'pictureIdentity'>;
  readonly logger: Logger;
  /** The stored pictures; without them, pictures are built by the reads that find them stale. */
  readonly pictures?: Pictures | undefined;
  /** The working-hours SLA clock: a RAG change moves the due and at-risk times with it. */
  readonly sla: SlaClock;
  /** Moves a referral's waiting research when its rating changes; without it, the order stays. */
  readonly scheduler?: Pick<ResearchScheduler, 'reprioritise'> | undefined;
  /**
   * Told of outbox messages once the transaction that wrote them has committed, so delivery starts
   * at once (the job engine); without it, the outbox sweep finds them.
   */
  readonly deliveries?: DeliveryScheduler | undefined;
  /** Where release decisions and publications are counted once committed (src/lib/metrics.ts); none when absent. */
  readonly metrics?: Metrics | undefined;
  /** When a child's notifications make a repeat concern (configuration; the hub's default without it). */
  readonly repeatConcernRule?: RepeatConcernRule | undefined;
}

/** One principal's view of, and work on, the hub's cases. */
export interface CaseRepository {
  /** Asks the policy for an action outside any one case's content (submitting a referral, the product feed); a denial is audited. */
  authorize(action: Action, referralId?: string): Promise<void>;
  /** Open referrals this principal may read, soonest due first, by SLA standing, RAG and status. */
  list(request: ReferralListRequest): Promise<ReferralListPage>;
  /** A referral's status: its state, SLA and every lookup with its facts counted. */
  status(referralId: string): Promise<ReferralStatusView & { readonly repeatConcern: RepeatConcernView | null }>;
  /** A referral's state alone, without policy: for the one who just submitted it. */
  submittedStatus(referralId: string): Promise<ReferralStatus | undefined>;
  /** The picture as this principal may see it, read from storage (built once if the case changed); the view is audited. */
  picture(referralId: string): Promise<ServedPicture>;
  reveal(referralId: string, itemId: string): Promise<{ revealed: boolean }>;
  decideRelease(referralId: string, itemId: string, request: ReleaseRequest): Promise<{ revision: number }>;
  releaseHistory(referralId: string, itemId: string): Promise<{ agency: Agency; revisions: ReleaseDecision[] }>;
  decide(referralId: string, request: DecisionRequest): Promise<{ revision: number; notified: number }>;
  publish(referralId: string, request: PublishRequest): Promise<{ product: Product; created: boolean }>;
  /** The product publishing now would build (same builder, next version), stored nowhere; the view is audited. */
  preview(referralId: string, request: PublishRequest): Promise<Product>;
  decidePossibleMatch(referralId: string, matchId: string, request: PossibleMatchRequest): Promise<PossibleMatchOutcome>;
  /** The review queue: pending possible matches across referrals that this principal may decide, oldest first. */
  possibleMatchQueue(request: PossibleMatchQueueRequest): Promise<PossibleMatchQueuePage>;
  /** Decides a possible match named by id alone (from the queue): 404 unless this principal may decide it, 409 once decided. */
  decideQueuedMatch(matchId: string, request: PossibleMatchRequest): Promise<PossibleMatchOutcome & { readonly referralId: string }>;
  assign(referralId: string, subject: string): Promise<{ assigned: boolean }>;
  close(referralId: string, rationale: string): Promise<{ closedAt: string; changed: boolean }>;
  product(productId: string, version: number | undefined): Promise<Product>;
  productFeed(after: number, limit: number): Promise<FeedPage>;
}

/** The hub's cases: a repository per principal over one set of stored pictures. */
export interface Cases {
  of(principal: Principal): CaseRepository;
  readonly pictures: Pictures;
}

/** Builds the case repositories; the stored pictures are the given ones, or built by reads alone. */
export function createCases(deps: CaseDeps): Cases {
  const pictures = deps.pictures ?? createPictures(deps, { background: false });
  const store: CaseStoreDeps = { db: deps.db, vault: deps.vault, clock: deps.clock };
  // Views change nothing else, so concurrent views share a commit (src/audit/group-commit.ts).
  const views = createAuditGroupCommit(deps.db);
  const contexts = createContextMemory();

  /** Runs a change, then (committed) tells the stored pictures the case changed. */
  const changing = async <T>(referralId: string, change: () => Promise<T>): Promise<T> => {
    const result = await change();
    pictures.caseChanged(referralId);
    return result;
  };

  return {
    pictures,
    of(principal) {
      return {
        async authorize(action, referralId) {
          const context = referralId === undefined ? {} : { referral: await referralContext(deps.db, referralId) };
          await enforce(store, principal, action, context, referralId);
        },
        list: (request) => listCases({ ...store, repeatConcernRule: deps.repeatConcernRule }, principal, request),
        async status(referralId) {
          const view = await referralStatus(store, principal, referralId);
          return { ...view, repeatConcern: await repeatConcernFor({ ...store, repeatConcernRule: deps.repeatConcernRule }, principal, referralId) };
        },
        submittedStatus: async (referralId) => (await getReferralSummary(deps.db, referralId))?.status,
        async picture(referralId) {
          const served = await viewPicture({ ...store, pictures, views, contexts }, principal, referralId);
          // Read now, not stored with the picture: it depends on other referrals and on the viewer.
          const concern = await repeatConcernFor({ ...store, repeatConcernRule: deps.repeatConcernRule }, principal, referralId, true);
          return { ...served, body: withRepeatConcern(served.body, concern) };
        },
        reveal: (referralId, itemId) => changing(referralId, () => reveal(store, principal, referralId, itemId)),
        decideRelease: async (referralId, itemId, request) => {
          const decided = await changing(referralId, () => decide(store, principal, referralId, itemId, request));
          // Only the owning agency decides (policy.ts), so the decider's agency is the item's.
          deps.metrics?.releaseDecided({ decision: request.decision, agency: principal.agency ?? 'none' });
          return decided;
        },
        releaseHistory: (referralId, itemId) => releaseHistory(store, principal, referralId, itemId),
        decide: (referralId, request) => changing(referralId, () => recordDecision({ ...store, sla: deps.sla, deliveries: deps.deliveries, research: deps.scheduler }, principal, referralId, request)),
        publish: async (referralId, request) => {
          const published = await changing(referralId, () => publish({ ...store, deliveries: deps.deliveries }, principal, referralId, request));
          if (published.created) deps.metrics?.productPublished();
          return published;
        },
        preview: (referralId, request) => previewProduct(store, principal, referralId, request),
        // Identity decides whose record a candidate is (its possible-match decisions);
        // a decision changes this case's picture, and, for a person-index question, the pictures of
        // every referral that sighted the record (their versions are bumped in the same transaction).
        decidePossibleMatch: (referralId, matchId, request) => changing(referralId, () => deps.identity.decidePossibleMatch(principal, referralId, matchId, request)),
        possibleMatchQueue: (request) => listPossibleMatchQueue({ ...store, sla: deps.sla }, principal, request),
        async decideQueuedMatch(matchId, request) {
          const referralId = await referralOfQueuedMatch(store, principal, matchId);
          // The same decision, policy and audit as the per-referral route; a denial raised there
          // (the record's reveal changed meanwhile) is, from the queue, a match this caller cannot see.
          const outcome = await changing(referralId, () => deps.identity.decidePossibleMatch(principal, referralId, matchId, request)).catch((error: unknown) => {
            if (error instanceof MashError && error.code === 'FIREWALL.DENIED') throw new MashError('MATCH.NOT_FOUND', `no possible match ${matchId} you may decide`);
            throw error;
          });
          return { ...outcome, referralId };
        },
        assign: (referralId, subject) => changing(referralId, () => assign(store, principal, referralId, subject)),
        close: (referralId, rationale) => changing(referralId, () => closeCase(store, principal, referralId, rationale)),
        product: (productId, version) => readProduct(store, principal, productId, version),
        productFeed: (after, limit) => readProductFeed(store, principal, after, limit),
      };
    },
  };
}

/**
 * The policy context of the referrals read lately, each with the version it was read at. The
 * context (contributing agencies, assignees) is read from lookups and assignments, and every
 * change to either bumps the case version (migration 010), so a context is the case's exactly as
 * long as its version is.
 */
interface ContextMemory {
  at(referralId: string, version: number): CaseContext | undefined;
  keep(referralId: string, context: CaseContext): void;
}

function createContextMemory(capacity = 10_000): ContextMemory {
  const held = new Map<string, CaseContext>();
  return {
    at(referralId, version) {
      const context = held.get(referralId);
      return context?.version === version ? context : undefined;
    },
    keep(referralId, context) {
      held.delete(referralId);
      held.set(referralId, context);
      for (const oldest of held.keys()) {
        if (held.size <= capacity) break;
        held.delete(oldest);
      }
    },
  };
}

/**
 * The picture as this principal may see it: the picture of their audience, selected by it in the
 * same query that reads the case's version and policy context; built once if the case changed
 * since. A copy this process holds in memory is served when one small query (no sealed bytes)
 * says its version is still the case's and none of its keys is destroyed — read from the store on
 * every request, so a change made by another process is never missed; the policy is asked every
 * time, with the context of that same version. One `picture.viewed` audit entry per picture
 * served, naming every item shown, committed before the picture is answered.
 */
async function viewPicture(
  deps: { readonly db: Db; readonly vault: Vault; readonly clock: Clock; readonly pictures: Pictures; readonly views: AuditGroupCommit; readonly contexts: ContextMemory },
  principal: Principal,
  referralId: string,
): Promise<ServedPicture> {
  const audience = audienceOf(principal);
  const notFound = (): MashError => new MashError('REFERRAL.NOT_FOUND', `no referral ${referralId}`);
  const permitted = (context: CaseContext): Promise<void> =>
    enforce(deps, principal, 'picture:read', { referral: { contributingAgencies: context.contributingAgencies, assignees: context.assignees } }, referralId);
  const fromStore = async (): Promise<ServedPicture> => {
    const found = await lookUpPicture(deps.db, referralId, audience);
    if (found === undefined) throw notFound();
    deps.contexts.keep(referralId, { version: found.version, contributingAgencies: found.contributingAgencies, assignees: found.assignees });
    await permitted(found);
    return deps.pictures.serve(referralId, audience, found.version, found.stored);
  };
  /** The copy held in memory, when the store says now that it is the case's picture. */
  const fromMemory = async (): Promise<ServedPicture | undefined> => {
    const held = deps.pictures.held(referralId, audience);
    if (held === undefined) return undefined;
    const keys = await lookUpCaseKeys(deps.db, referralId);
    if (keys === undefined) throw notFound();
    // Changed since (by this process or another), or a key destroyed: never served from memory.
    const current = (version: number): boolean => version === held.served.version && held.owners.every((owner) => keys.liveOwners.has(owner));
    if (!current(keys.version)) return undefined;
    let context = deps.contexts.at(referralId, keys.version);
    if (context === undefined) {
      context = await lookUpCaseContext(deps.db, referralId);
      if (context === undefined) throw notFound();
      deps.contexts.keep(referralId, context);
      if (!current(context.version)) return undefined;
    }
    await permitted(context);
    return held.served;
  };
  let served = await fromMemory();
  if (served === undefined) {
    deps.pictures.forget(referralId, audience);
    served = await fromStore();
  }
  // Candidate records are shown too (to let their owner decide): named among the items shown, and apart.
  await deps.views.append({
    at: deps.clock.now(),
    actor: principal.sub,
    action: 'picture.viewed',
    referralId,
    agency: principal.agency,
    detail: { role: principal.role, items: served.shownItemIds.length, itemIds: [...served.shownItemIds], candidateItemIds: [...served.candidateItemIds] },
  });
  return served;
}
