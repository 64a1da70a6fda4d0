/**
 * Building a referral's picture for one audience (DESIGN.md "Picture"): the facts of the records
 * that stand as matches, as this audience may see them (`audience.ts`), every lookup with its facts
 * counted, per agency how complete its answer is, the people, family and chronology, and the
 * possible matches this audience may decide. The case's content is read once, and every audience's
 * picture is built from it; the built picture is what is stored and served (`pictures.ts`).
 */
import type { Identity, PictureView } from '../identity/index.ts';
import { agencyChecks } from '../model/check.ts';
import type { ItemRecord } from '../model/item.ts';
import type { StoredSubjectMatch } from '../model/identity.ts';
import type { LookupRecord } from '../model/lookup.ts';
import { Picture } from '../model/picture.ts';
import type { ReferralStatus } from '../model/referral.ts';
import type { Db } from '../store/db.ts';
import { listSubjectMatches } from '../store/identity.ts';
import { listItems } from '../store/items.ts';
import { listLookups } from '../store/lookups.ts';
import type { ContentOwner, Vault } from '../store/vault.ts';
import { maySeeItem, maySeePossibleMatch, type Audience } from './audience.ts';
import { lookupView, tallyLookupFacts, type LookupFacts } from './lookup-facts.ts';
import { candidateRecords, relevantItems } from './relevance.ts';

/** Everything a referral's pictures are built from, read once for all its audiences. */
export interface CaseContent {
  readonly referralId: string;
  /** The case version read before anything else: the content holds every change up to it. */
  readonly version: number;
  readonly status: ReferralStatus;
  readonly lookups: readonly LookupRecord[];
  readonly items: readonly ItemRecord[];
  readonly matches: readonly StoredSubjectMatch[];
  readonly lookupFacts: ReadonlyMap<string, LookupFacts>;
}

/**
 * Reads a referral's case content through `db`. The version is read first: every change committed
 * up to it is in what follows, so a picture labelled with it is never older than it says (a change
 * committed meanwhile only makes it look stale, and it is built again).
 */
export async function readCaseContent(db: Db, vault: Vault, head: { readonly version: number; readonly status: ReferralStatus }, referralId: string): Promise<CaseContent> {
  const items = await listItems(db, vault, referralId);
  const matches = await listSubjectMatches(db, referralId);
  const lookups = await listLookups(db, referralId);
  return { referralId, version: head.version, status: head.status, lookups, items, matches, lookupFacts: tallyLookupFacts(items, relevantItems(items, matches), matches) };
}

/** A picture built for one audience, with what its reads must audit and the keys it must be sealed under. */
export interface BuiltPicture {
  readonly audience: Audience;
  readonly version: number;
  readonly picture: Picture;
  /** The items shown, candidates included, in the order the audit names them. */
  readonly shownItemIds: readonly string[];
  /** The candidate records among them. */
  readonly candidateItemIds: readonly string[];
  /** Every owner whose content the picture may hold: the hub (the referral) and each agency with items. */
  readonly owners: readonly ContentOwner[];
}

/** Builds the picture of `content` for `audience`, as of `builtAt`. */
export async function buildPicture(deps: { readonly identity: Pick<Identity, 'pictureIdentity'> }, content: CaseContent, audience: Audience, builtAt: Date): Promise<BuiltPicture> {
  const { referralId } = content;
  const relevant = relevantItems(content.items, content.matches);
  const items = relevant.filter((i) => maySeeItem(audience, i));
  const allCandidates = candidateRecords(content.items, content.matches);
  const candidates = allCandidates.filter((i) => maySeeItem(audience, i));
  // Identity makes the possible matches of every candidate; which of them this audience sees is decided here, once.
  const view: PictureView = { items, candidates: allCandidates };
  const shown = new Map<string, number>();
  for (const { fact } of items) shown.set(fact.provenance.lookupId, (shown.get(fact.provenance.lookupId) ?? 0) + 1);
  const lookups = content.lookups.map((l) => ({ ...lookupView(l, content.lookupFacts), factsShown: shown.get(l.id) ?? 0 }));
  const identity = await deps.identity.pictureIdentity(referralId, view, content.lookups);
  // Possible matches only to who may see the candidate record (src/case/audience.ts).
  const byId = new Map(content.items.map((i) => [i.fact.id, i]));
  const possibleMatches = identity.possibleMatches.filter((m) => maySeePossibleMatch(audience, m, (id) => byId.get(id)));
  const picture = {
    referralId,
    persons: identity.persons,
    family: identity.family,
    chronology: [...identity.chronology],
    possibleMatches,
    status: content.status,
    generatedAt: builtAt.toISOString(),
    lookups,
    checks: agencyChecks(lookups),
    facts: items.map((i) => i.fact),
    items: items.map((i) => ({
      itemId: i.fact.id,
      agency: i.agency,
      sensitivity: i.fact.provenance.sensitivity,
      revealed: i.revealedAt !== null,
      release: i.release === null ? null : { decision: i.release.decision, revision: i.release.revision, decidedAt: i.release.decidedAt, decidedBy: i.release.decidedBy },
    })),
  };
  // What is stored is parsed like anything crossing into the store; what is served is what was built.
  Picture.parse(picture);
  const agencies = new Set(content.items.map((i) => i.agency));
  return {
    audience,
    version: content.version,
    picture,
    shownItemIds: [...items, ...candidates].map((i) => i.fact.id),
    candidateItemIds: candidates.map((i) => i.fact.id),
    owners: ['hub', ...[...agencies].sort()],
  };
}
