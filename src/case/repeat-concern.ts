/**
 * A referral's repeat concern as one viewer may see it (DESIGN.md rule 1, "one front door";
 * docs/decisions.md "Repeat concerns: notifications about a child, counted over the person index").
 *
 * Why in the case: the count is the store's (src/store/repeat-concerns.ts), but what a viewer sees
 * of the child's other referrals is an access decision, and the case owns those. Shown only to
 * whoever may read this referral's picture; of each earlier referral the viewer sees that it exists,
 * when it was received and which agency referred, and its id only when the policy lets them read
 * that referral (governance: need to know — a practitioner learns that the child came to the hub
 * before, not what the hub holds about it).
 */
import { DEFAULT_REPEAT_CONCERN_RULE, reachesRule, type RepeatConcernRule, type RepeatConcernView } from '../model/repeat-concern.ts';
import type { Principal } from '../model/principal.ts';
import { childNotifications, type ChildNotifications } from '../store/repeat-concerns.ts';
import type { Db } from '../store/db.ts';
import { referralContext } from './access.ts';
import { authorize } from './policy.ts';

/** What the repeat-concern view needs: the store and the hub's rule. */
export interface RepeatConcernDeps {
  readonly db: Db;
  readonly repeatConcernRule?: RepeatConcernRule | undefined;
}

/** The child a referral's flag is about: a flagged one first, then the one with most notifications. */
export function strongestChild(rule: RepeatConcernRule, children: readonly ChildNotifications[]): { child: ChildNotifications; flagged: boolean; agencies: string[] } | undefined {
  let best: { child: ChildNotifications; flagged: boolean; agencies: string[] } | undefined;
  for (const child of children) {
    const reached = reachesRule(rule, child.notifications);
    const better =
      best === undefined ||
      (reached.flagged && !best.flagged) ||
      (reached.flagged === best.flagged && child.notifications.length > best.child.notifications.length);
    if (better) best = { child, ...reached };
  }
  return best;
}

/**
 * The repeat concern of a referral as `principal` may see it; null when they may not read its
 * picture. Asked after the caller's own read of the referral was allowed and audited, so a
 * denial here is not audited again: it only leaves the section out. `pictureRead`: the caller
 * was just allowed to read this referral's picture (the picture's own read asked the policy), so
 * it is not asked again; the one query left is the count.
 */
export async function repeatConcernFor(deps: RepeatConcernDeps, principal: Principal, referralId: string, pictureRead = false): Promise<RepeatConcernView | null> {
  const rule = deps.repeatConcernRule ?? DEFAULT_REPEAT_CONCERN_RULE;
  if (!pictureRead && !authorize(principal, 'picture:read', { referral: await referralContext(deps.db, referralId) }).allowed) return null;
  const best = strongestChild(rule, await childNotifications(deps.db, referralId, rule.windowMonths));
  const base = { windowMonths: rule.windowMonths, minNotifications: rule.minNotifications, minAgencies: rule.minAgencies };
  // Not linked to the person index yet (research still running): nothing to count.
  if (best === undefined) return { flagged: false, subjectRef: null, notifications: 0, agencies: [], ...base, earlier: [] };
  const earlier = [];
  for (const n of best.child.notifications) {
    if (n.referralId === referralId) continue;
    const mayRead = authorize(principal, 'referral:read', { referral: await referralContext(deps.db, n.referralId) }).allowed;
    earlier.push({ referralId: mayRead ? n.referralId : null, receivedAt: n.receivedAt.toISOString(), agency: n.agency });
  }
  return { flagged: best.flagged, subjectRef: best.child.subjectRef, notifications: best.child.notifications.length, agencies: best.agencies, ...base, earlier };
}

/** Adds `repeatConcern` to a picture's JSON text as stored, without parsing it again (the picture is served as built). */
export function withRepeatConcern(body: Uint8Array<ArrayBuffer>, concern: RepeatConcernView | null): Uint8Array<ArrayBuffer> {
  let end = body.length - 1;
  while (end > 0 && body[end] !== 0x7d) end -= 1;
  if (end <= 0) throw new Error('a stored picture is not a JSON object');
  const field = new TextEncoder().encode(`,"repeatConcern":${JSON.stringify(concern)}}`);
  const out = new Uint8Array(end + field.length);
  out.set(body.subarray(0, end), 0);
  out.set(field, end);
  return out;
}
