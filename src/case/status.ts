/**
 * A referral's status as the API shows it (`GET /v1/referrals/{id}`): its state, SLA and every
 * lookup with its facts counted as the picture holds them — counts only, no case content. The
 * counts come from the stored picture when one is current (nothing is opened); otherwise they are
 * worked out from the items, as the picture would.
 */
import { newProductOfferedAt } from '../store/reruns.ts';
import { z } from 'zod';
import { MashError } from '../lib/errors.ts';
import type { LookupView } from '../model/lookup.ts';
import type { Principal } from '../model/principal.ts';
import type { Rag, ReferralStatus, Threshold } from '../model/referral.ts';
import { standingAt, type SlaStanding } from '../model/working-calendar.ts';
import { currentLookupFacts } from '../store/case-pictures.ts';
import { firstPublishedAt } from '../store/referral-list.ts';
import { getReferralSummary } from '../store/referrals.ts';
import { listLookups } from '../store/lookups.ts';
import { enforce, referralContext, type CaseStoreDeps } from './access.ts';
import { lookupFactsOf, lookupView, type LookupFacts } from './lookup-facts.ts';
import { PICTURE_FORMAT } from './pictures.ts';

/** Lookups counted by status. */
export interface LookupCounts {
  readonly total: number;
  readonly queued: number;
  readonly running: number;
  readonly done: number;
  readonly partial: number;
  readonly failed: number;
  readonly notPermitted: number;
  readonly timedOut: number;
}

/** Where a referral stands against its SLA (DESIGN.md rule 4). */
export interface SlaView {
  readonly dueAt: string;
  readonly atRiskAt: string;
  readonly standing: SlaStanding;
}

/** The SLA view from a referral's stored times. */
export function slaView(now: Date, times: { readonly slaDueAt: Date; readonly slaAtRiskAt: Date }, published: Date | null): SlaView {
  return {
    dueAt: times.slaDueAt.toISOString(),
    atRiskAt: times.slaAtRiskAt.toISOString(),
    standing: standingAt(now, { dueAt: times.slaDueAt, atRiskAt: times.slaAtRiskAt, firstPublishedAt: published }),
  };
}

/** The status of a referral and its lookups. */
export interface ReferralStatusView {
  readonly id: string;
  readonly status: ReferralStatus;
  readonly rag: Rag;
  readonly threshold: Threshold;
  readonly externalReference: string | null;
  readonly receivedAt: string;
  readonly slaDueAt: string;
  /** The SLA on the working-hours clock: due, at risk from, and where the referral stands now. */
  readonly sla: SlaView;
  readonly pictureReadyAt: string | null;
  readonly lookupCounts: LookupCounts;
  readonly lookups: LookupView[];
  /**
   * Since when a new product version is on offer: a lookup ran again (its agency recovered, or
   * someone reprocessed it) after a product was published, so the published one may no longer
   * hold everything the hub knows. Null otherwise; publishing again clears it.
   */
  readonly newProductVersionOfferedAt: string | null;
}

const StoredLookupFacts = z.record(z.string(), z.object({ inPicture: z.number().int(), excluded: z.number().int(), awaiting: z.number().int() }));

/** The per-lookup counts: a current stored picture's, or worked out now. */
async function lookupFactsNow(deps: CaseStoreDeps, referralId: string): Promise<ReadonlyMap<string, LookupFacts>> {
  const stored = await currentLookupFacts(deps.db, referralId, PICTURE_FORMAT);
  // Rows we wrote ourselves, parsed all the same: the store is a trust boundary too.
  if (stored !== undefined) return new Map(Object.entries(StoredLookupFacts.parse(stored)));
  return lookupFactsOf(deps.db, deps.vault, referralId);
}

/** The status of a referral, for whoever the policy lets read it. */
export async function referralStatus(deps: CaseStoreDeps, principal: Principal, referralId: string): Promise<ReferralStatusView> {
  await enforce(deps, principal, 'referral:read', { referral: await referralContext(deps.db, referralId) }, referralId);
  const referral = await getReferralSummary(deps.db, referralId);
  if (referral === undefined) throw new MashError('REFERRAL.NOT_FOUND', `no referral ${referralId}`);
  const lookupFacts = await lookupFactsNow(deps, referralId);
  const lookups = (await listLookups(deps.db, referralId)).map((l) => lookupView(l, lookupFacts));
  const count = (status: LookupView['status']): number => lookups.filter((l) => l.status === status).length;
  return {
    id: referral.id,
    status: referral.status,
    rag: referral.rag,
    threshold: referral.threshold,
    externalReference: referral.externalReference,
    receivedAt: referral.receivedAt.toISOString(),
    slaDueAt: referral.slaDueAt.toISOString(),
    sla: slaView(deps.clock.now(), referral, await firstPublishedAt(deps.db, referralId)),
    pictureReadyAt: referral.pictureReadyAt?.toISOString() ?? null,
    lookupCounts: {
      total: lookups.length,
      queued: count('queued'),
      running: count('running'),
      done: count('done'),
      partial: count('partial'),
      failed: count('failed'),
      notPermitted: count('not-permitted'),
      timedOut: count('timed-out'),
    },
    lookups,
    newProductVersionOfferedAt: (await newProductOfferedAt(deps.db, referralId))?.toISOString() ?? null,
  };
}
