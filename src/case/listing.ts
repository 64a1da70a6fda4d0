/**
 * The referral list: open referrals in urgency order (the soonest due first), filtered by their
 * standing against the SLA on the working-hours clock (DESIGN.md rule 4: referrals nearing or past
 * their SLA are flagged), RAG and status. Only clear columns are read; nothing sealed is opened.
 *
 * Who sees which referral is the policy's decision (`policy.ts`, `referral:read`), asked for every
 * row: the query narrows a practitioner's rows to those their agency contributed to or they are
 * assigned, as the policy would, so that a page is not mostly rows the policy then drops.
 */
import { MashError } from '../lib/errors.ts';
import type { Principal } from '../model/principal.ts';
import type { Rag, ReferralStatus, Threshold } from '../model/referral.ts';
import { DEFAULT_REPEAT_CONCERN_RULE, type RepeatConcernRule } from '../model/repeat-concern.ts';
import { listReferrals } from '../store/referral-list.ts';
import { enforce, type CaseStoreDeps } from './access.ts';
import { authorize } from './policy.ts';
import { slaView, type SlaView } from './status.ts';

/** What a caller may ask the list for. */
export interface ReferralListRequest {
  readonly sla?: 'on-track' | 'at-risk' | 'breached' | undefined;
  readonly rag?: Rag | undefined;
  readonly status?: ReferralStatus | undefined;
  /** Only referrals that are (true) or are not (false) a repeat concern (src/case/repeat-concern.ts). */
  readonly repeatConcern?: boolean | undefined;
  readonly limit: number;
  /** The `next` of the page before. */
  readonly cursor?: string | undefined;
}

/** One referral in the list: its state and SLA, no content. */
export interface ReferralListEntry {
  readonly id: string;
  readonly status: ReferralStatus;
  readonly rag: Rag;
  readonly threshold: Threshold;
  readonly externalReference: string | null;
  readonly receivedAt: string;
  readonly pictureReadyAt: string | null;
  readonly sla: SlaView;
  /** Research progress: lookups finished (whatever their outcome) of all planned so far. */
  readonly lookups: { readonly total: number; readonly finished: number };
  /** The child keeps coming back from different agencies (DESIGN.md rule 1; MASH_REPEAT_CONCERN_*). */
  readonly repeatConcern: boolean;
}

export interface ReferralListPage {
  readonly referrals: ReferralListEntry[];
  /** Pass as `cursor` for the next page; null on the last. */
  readonly next: string | null;
}

/** The cursor names the last row's due time and id: opaque to callers, parsed back strictly. */
const encodeCursor = (dueAt: Date, id: string): string => Buffer.from(`${dueAt.toISOString()}|${id}`, 'utf8').toString('base64url');

function decodeCursor(cursor: string): { dueAt: Date; id: string } {
  const [due, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const dueAt = new Date(due ?? '');
  if (rest.length > 0 || id === undefined || !/^[0-9a-f-]{36}$/.test(id) || Number.isNaN(dueAt.getTime())) {
    throw new MashError('REQUEST.INVALID', 'cursor is not one this list gave');
  }
  return { dueAt, id };
}

/** A page of the referrals this principal may read. */
export async function listCases(deps: CaseStoreDeps & { readonly repeatConcernRule?: RepeatConcernRule | undefined }, principal: Principal, request: ReferralListRequest): Promise<ReferralListPage> {
  await enforce(deps, principal, 'referral:list', {});
  const now = deps.clock.now();
  const rows = await listReferrals(deps.db, {
    now,
    sla: request.sla,
    rag: request.rag,
    status: request.status,
    repeatConcern: request.repeatConcern === undefined ? undefined : { flagged: request.repeatConcern, rule: deps.repeatConcernRule ?? DEFAULT_REPEAT_CONCERN_RULE },
    visibleTo: principal.role === 'hub-practitioner' ? { agency: principal.agency, subject: principal.sub } : undefined,
    flagRule: deps.repeatConcernRule ?? DEFAULT_REPEAT_CONCERN_RULE,
    after: request.cursor === undefined ? undefined : decodeCursor(request.cursor),
    limit: request.limit + 1,
  });
  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  return {
    referrals: page
      .filter((row) => authorize(principal, 'referral:read', { referral: { contributingAgencies: [...row.contributingAgencies], assignees: [...row.assignees] } }).allowed)
      .map((row) => ({
        id: row.summary.id,
        status: row.summary.status,
        rag: row.summary.rag,
        threshold: row.summary.threshold,
        externalReference: row.summary.externalReference,
        receivedAt: row.summary.receivedAt.toISOString(),
        pictureReadyAt: row.summary.pictureReadyAt?.toISOString() ?? null,
        sla: slaView(now, row.summary, row.firstPublishedAt),
        lookups: row.lookups,
        repeatConcern: row.repeatConcern === true,
      })),
    next: rows.length > request.limit && last !== undefined ? encodeCursor(last.summary.slaDueAt, last.summary.id) : null,
  };
}
