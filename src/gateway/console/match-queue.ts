/**
 * The console's possible-match queue (docs/decisions.md "A review queue of possible matches across
 * referrals"): every question waiting for this user across referrals, the oldest first, with its
 * referral's RAG and SLA countdown and a link to the referral, and the confirm / reject form of a
 * referral's page for each. Read and decided through the case module, so the policy decides as on
 * the API (GET and POST /v1/possible-matches): the user sees only what they may decide.
 * Server-rendered GOV.UK Design System patterns, no inline script, the session's CSRF token.
 */
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { z } from 'zod';
import type { PossibleMatchQueueEntry, PossibleMatchQueuePage } from '../../case/possible-match-queue.ts';
import type { Cases } from '../../case/repository.ts';
import { MashError } from '../../lib/errors.ts';
import type { WorkingCalendar } from '../../model/working-calendar.ts';
import type { AppDeps } from '../env.ts';
import { formOf, matchDecisionOf, render, requireUser } from './kit.ts';
import { agencyName, page, tableHead, type Markup } from './layout.ts';
import { formatTime, RAG_TAGS, slaCountdown, STANDINGS } from './pages.ts';
import { matchDecisionForm } from './people.ts';
import type { ConsoleEnv, ConsoleUser } from './session.ts';

const PATH = '/console/possible-matches';
const PAGE_SIZE = 25;
const QueueQuery = z.object({ cursor: z.string().min(1).max(300).optional(), done: z.literal('matched').optional() });

interface Clock {
  readonly now: Date;
  readonly calendar: Pick<WorkingCalendar, 'workingTimeBetween'>;
}

/** What the question asks, in words (no personal data: the subject's reference in the referral). */
function questionOf(entry: PossibleMatchQueueEntry): string {
  return entry.kind === 'subject'
    ? `Is this ${agencyName(entry.agency)} record the referral's subject${entry.subjectRef === null ? '' : ` ${entry.subjectRef}`}?`
    : `Is this ${agencyName(entry.agency)} record a person known from other referrals?`;
}

const referralName = (entry: PossibleMatchQueueEntry): string => entry.referral.externalReference ?? entry.referral.id;

function card(user: ConsoleUser, entry: PossibleMatchQueueEntry): Markup {
  const id = entry.id;
  return html`<div class="govuk-summary-card" id="match-${id}">
<div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">${questionOf(entry)} <span class="govuk-body-s">(referral ${referralName(entry)})</span></h3></div>
<div class="govuk-summary-card__content">
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Evidence</dt><dd class="govuk-summary-list__value">${entry.evidence.map((e) => `${e.field}: ${e.level}`).join('; ') || 'None recorded'}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Likelihood</dt><dd class="govuk-summary-list__value">${`${(entry.probability * 100).toFixed(1)}%`} (score ${entry.score.toFixed(1)})</dd></div>
</dl>
${matchDecisionForm(user, `${PATH}/${id}`, id, `the decision for referral ${referralName(entry)}`)}
</div>
</div>`;
}

/** The queue page: a table in queue order, then a decision card per question. */
export function matchQueuePage(user: ConsoleUser, queue: PossibleMatchQueuePage, clock: Clock, parts: { notice?: string | undefined; errors?: readonly { href: string; text: string }[] | undefined } = {}): Markup {
  const row = (entry: PossibleMatchQueueEntry): Markup => {
    const rag = RAG_TAGS[entry.referral.rag];
    const standing = STANDINGS[entry.referral.sla.standing] ?? { tag: 'govuk-tag--grey', text: entry.referral.sla.standing };
    return html`<tr class="govuk-table__row">
<td class="govuk-table__cell"><time datetime="${entry.raisedAt}">${formatTime(entry.raisedAt)}</time></td>
<th scope="row" class="govuk-table__header mash-break"><a class="govuk-link" href="/console/referrals/${entry.referral.id}">${referralName(entry)}</a></th>
<td class="govuk-table__cell"><strong class="govuk-tag ${rag.tag}">${rag.text}</strong></td>
<td class="govuk-table__cell"><strong class="govuk-tag ${standing.tag}">${standing.text}</strong><br><span class="govuk-body-s">${slaCountdown(clock.calendar, clock.now, new Date(entry.referral.sla.dueAt))}</span></td>
<td class="govuk-table__cell">${entry.kind === 'subject' ? 'The referral\'s subject' : 'A person from other referrals'}<br><span class="govuk-body-s">${agencyName(entry.agency)} record</span></td>
<td class="govuk-table__cell"><a class="govuk-link" href="#match-${entry.id}">Decide<span class="govuk-visually-hidden"> the question raised ${formatTime(entry.raisedAt)} for referral ${referralName(entry)}</span></a></td>
</tr>`;
  };
  const { notice, errors } = parts;
  const count = queue.possibleMatches.length;
  return page(
    { title: 'Possible matches', user, current: PATH, errors },
    html`${notice === undefined ? '' : html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="notice-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="notice-title">Success</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${notice}</p></div></div>`}
<h1 class="govuk-heading-l">Possible matches</h1>
<p class="govuk-body">Records that may be a person of a case, waiting for your decision, the oldest question first. You see the records your agency owns${user.principal.role === 'hub-manager' ? ', or that their owner revealed to the hub' : ''}. SLA times count working hours only.</p>
${
  count === 0
    ? html`<p class="govuk-body" id="no-matches">No possible matches wait for your decision.</p>`
    : html`<table class="govuk-table" id="match-queue">
<caption class="govuk-table__caption govuk-table__caption--m">${count === 1 ? '1 possible match' : `${count} possible matches`}</caption>
${tableHead(['Raised', 'Referral', 'RAG', 'SLA', 'Question', 'Action'])}
<tbody class="govuk-table__body">
${queue.possibleMatches.map(row)}
</tbody>
</table>
<h2 class="govuk-heading-m">Decisions</h2>
${queue.possibleMatches.map((entry) => card(user, entry))}`
}
${queue.next === null ? '' : html`<p class="govuk-body"><a class="govuk-link" href="${PATH}?${new URLSearchParams({ cursor: queue.next }).toString()}">Next page</a></p>`}`,
  );
}

/** Registers the queue's pages on the console app (its headers, session and error pages apply). */
export function registerMatchQueueRoutes(app: Hono<ConsoleEnv>, deps: AppDeps, cases: Cases): void {
  const show = async (c: Context<ConsoleEnv>, user: ConsoleUser, parts: { cursor?: string | undefined; notice?: string | undefined; errors?: { href: string; text: string }[]; status?: 200 | 400 } = {}): Promise<Response> => {
    const queue = await cases.of(user.principal).possibleMatchQueue({ limit: PAGE_SIZE, cursor: parts.cursor });
    return render(c, matchQueuePage(user, queue, { now: deps.clock.now(), calendar: deps.sla.calendar }, parts), parts.status ?? 200);
  };

  app.get(PATH, async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    const query = QueueQuery.safeParse(c.req.query());
    if (!query.success) throw new MashError('REQUEST.INVALID', 'this page has no such address');
    return show(c, user, { cursor: query.data.cursor, notice: query.data.done === undefined ? undefined : 'Your decision on the possible match is saved.' });
  });

  app.post(`${PATH}/:matchId`, async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const answer = matchDecisionOf(c.req.param('matchId'), posted.form);
    if ('errors' in answer) return show(c, posted.user, { errors: answer.errors, status: 400 });
    await cases.of(posted.user.principal).decideQueuedMatch(answer.matchId, answer.decision);
    return c.redirect(`${PATH}?done=matched`, 303);
  });
}
