/**
 * The console's pages that are not one case: the demo sign-in and the referral queue. Each is a
 * function of what the case module answered (the same module, and so the same policy, as the
 * API) to markup; nothing here reads the store.
 */
import { html } from 'hono/html';
import type { ReferralListEntry, ReferralListPage } from '../../case/listing.ts';
import type { ReferralStatusView } from '../../case/status.ts';
import type { LookupView } from '../../model/lookup.ts';
import type { RepeatConcernView } from '../../model/repeat-concern.ts';
import { AGENCIES } from '../../model/agency.ts';
import type { Rag, ReferralStatus, Threshold } from '../../model/referral.ts';
import type { WorkingCalendar } from '../../model/working-calendar.ts';
import { ROLE_NAMES, agencyName, page, tableHead, type Markup } from './layout.ts';
import type { ConsoleUser } from './session.ts';

/** Roles a person signs in to the console as (intake and the host are systems, not people). */
export const CONSOLE_ROLES = ['hub-practitioner', 'hub-manager', 'connector-admin', 'auditor'] as const;

export interface SignInValues {
  readonly name?: string | undefined;
  readonly role?: string | undefined;
  readonly agency?: string | undefined;
}

/** The embedded demo sign-in: a name, a role and, for practitioners and administrators, an agency. */
export function signInPage(values: SignInValues, errors: Readonly<Partial<Record<'name' | 'role' | 'agency', string>>>, ways: { readonly demo: boolean; readonly provider: boolean }): Markup {
  const list = (['name', 'role', 'agency'] as const).flatMap((field) => {
    const text = errors[field];
    return text === undefined ? [] : [{ href: `#${field === 'role' ? 'role' : field}`, text }];
  });
  return page(
    { title: 'Sign in', errors: list },
    html`<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">Sign in</h1>
${
  ways.provider
    ? html`<p class="govuk-body">Sign in with the account you use for your organisation's other systems.</p>
<a href="/console/oidc/start" role="button" draggable="false" class="govuk-button govuk-button--start" data-module="govuk-button">Sign in with your organisation's account</a>`
    : ''
}
${ways.demo ? demoSignIn(values, errors) : ''}
</div></div>`,
  );
}

function demoSignIn(values: SignInValues, errors: Readonly<Partial<Record<'name' | 'role' | 'agency', string>>>): Markup {
  const fieldError = (field: 'name' | 'role' | 'agency'): Markup =>
    errors[field] === undefined ? html`` : html`<p id="${field}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${errors[field]}</p>`;
  const group = (field: 'name' | 'role' | 'agency'): string => `govuk-form-group${errors[field] === undefined ? '' : ' govuk-form-group--error'}`;
  const described = (field: 'name' | 'role' | 'agency', hint: string): string => [hint, errors[field] === undefined ? '' : `${field}-error`].filter((x) => x !== '').join(' ');
  return html`<div class="govuk-warning-text">
<span class="govuk-warning-text__icon" aria-hidden="true">!</span>
<strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> Demonstration sign-in. This gateway runs embedded, with synthetic people only: choose who to be. A council's gateway signs staff in through its identity provider.</strong>
</div>
<form method="post" action="/console/sign-in" novalidate>
<div class="${group('name')}">
<label class="govuk-label govuk-label--s" for="name">Your name</label>
<div id="name-hint" class="govuk-hint">As it will appear in the audit log</div>
${fieldError('name')}
<input class="govuk-input govuk-!-width-two-thirds${errors.name === undefined ? '' : ' govuk-input--error'}" id="name" name="name" type="text" spellcheck="false" autocomplete="name" aria-describedby="${described('name', 'name-hint')}" value="${values.name ?? ''}">
</div>
<div class="${group('role')}">
<fieldset class="govuk-fieldset" aria-describedby="${described('role', 'role-hint')}">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Your role</legend>
<div id="role-hint" class="govuk-hint">What you do in the hub</div>
${fieldError('role')}
<div class="govuk-radios" data-module="govuk-radios">
${CONSOLE_ROLES.map(
  (role, index) => html`<div class="govuk-radios__item">
<input class="govuk-radios__input" id="${index === 0 ? 'role' : `role-${role}`}" name="role" type="radio" value="${role}"${values.role === role ? html` checked` : ''}>
<label class="govuk-label govuk-radios__label" for="${index === 0 ? 'role' : `role-${role}`}">${ROLE_NAMES[role]}</label>
</div>`,
)}
</div>
</fieldset>
</div>
<div class="${group('agency')}">
<label class="govuk-label govuk-label--s" for="agency">Your agency</label>
<div id="agency-hint" class="govuk-hint">Practitioners and connector administrators work for one partner agency</div>
${fieldError('agency')}
<select class="govuk-select${errors.agency === undefined ? '' : ' govuk-select--error'}" id="agency" name="agency" aria-describedby="${described('agency', 'agency-hint')}">
<option value="">None (hub manager, auditor)</option>
${AGENCIES.map((agency) => html`<option value="${agency}"${values.agency === agency ? html` selected` : ''}>${agencyName(agency)}</option>`)}
</select>
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Sign in</button>
</form>`;
}

/** After the provider's redirect: a page of our own origin that moves on to the console (see oidc.ts). */
export function continuePage(next: string): Markup {
  return html`<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${next}"><title>Signed in – MASH Gateway</title>
<link rel="stylesheet" href="/console/assets/govuk-frontend.min.css"></head>
<body class="govuk-template__body"><div class="govuk-width-container"><main class="govuk-main-wrapper" id="main-content">
<h1 class="govuk-heading-l">Signed in</h1>
<p class="govuk-body"><a class="govuk-link" href="${next}">Continue to the console</a></p>
</main></div></body>
</html>`;
}



export const RAG_TAGS: Readonly<Record<Rag, { readonly tag: string; readonly text: string }>> = {
  red: { tag: 'govuk-tag--red', text: 'Red' },
  amber: { tag: 'govuk-tag--orange', text: 'Amber' },
  green: { tag: 'govuk-tag--green', text: 'Green' },
};
const THRESHOLDS: Readonly<Record<Threshold, string>> = { 'child-protection': 'Child protection', 'child-in-need': 'Child in need', 'early-help': 'Early help' };
const STATUSES: Readonly<Record<ReferralStatus, string>> = { received: 'Received', researching: 'Researching', 'picture-ready': 'Picture ready', failed: 'Failed' };
export const STANDINGS: Readonly<Record<string, { readonly tag: string; readonly text: string }>> = {
  'on-track': { tag: 'govuk-tag--grey', text: 'On track' },
  'at-risk': { tag: 'govuk-tag--yellow', text: 'At risk' },
  breached: { tag: 'govuk-tag--red', text: 'Breached' },
  met: { tag: 'govuk-tag--green', text: 'Met' },
};

/** "2 h 05 min" of working time. */
function workingDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  const hours = Math.floor(minutes / 60);
  return hours === 0 ? `${minutes} min` : `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** The SLA countdown on the working-hours clock: time left, or how long overdue. */
export function slaCountdown(calendar: Pick<WorkingCalendar, 'workingTimeBetween'>, now: Date, dueAt: Date): string {
  if (now.getTime() < dueAt.getTime()) return `${workingDuration(calendar.workingTimeBetween(now, dueAt))} of working time left`;
  return `Overdue by ${workingDuration(calendar.workingTimeBetween(dueAt, now))} of working time`;
}

export interface QueueFilters {
  readonly repeatConcern?: string | undefined;
  readonly sla?: string | undefined;
  readonly rag?: string | undefined;
  readonly status?: string | undefined;
}

/** The referral queue: most urgent first (the list's order: soonest due), with the filters that narrowed it. */
export function queuePage(user: ConsoleUser, list: ReferralListPage, filters: QueueFilters, clock: { now: Date; calendar: Pick<WorkingCalendar, 'workingTimeBetween'> }): Markup {
  const select = (name: string, label: string, options: readonly (readonly [string, string])[], value: string | undefined): Markup => html`<div class="govuk-form-group mash-filter">
<label class="govuk-label govuk-label--s" for="filter-${name}">${label}</label>
<select class="govuk-select" id="filter-${name}" name="${name}">
<option value="">Any</option>
${options.map(([v, text]) => html`<option value="${v}"${value === v ? html` selected` : ''}>${text}</option>`)}
</select>
</div>`;
  const row = (entry: ReferralListEntry): Markup => {
    const rag = RAG_TAGS[entry.rag];
    const standing = STANDINGS[entry.sla.standing] ?? { tag: 'govuk-tag--grey', text: entry.sla.standing };
    return html`<tr class="govuk-table__row">
<th scope="row" class="govuk-table__header mash-break"><a class="govuk-link" href="/console/referrals/${entry.id}">${entry.externalReference ?? entry.id}</a>${entry.repeatConcern ? html`<br><strong class="govuk-tag govuk-tag--purple">Repeat concern</strong>` : ''}</th>
<td class="govuk-table__cell"><strong class="govuk-tag ${rag.tag}">${rag.text}</strong></td>
<td class="govuk-table__cell">${THRESHOLDS[entry.threshold]}</td>
<td class="govuk-table__cell">${STATUSES[entry.status]}<br><span class="govuk-body-s">${entry.lookups.finished} of ${entry.lookups.total} lookups finished</span></td>
<td class="govuk-table__cell"><strong class="govuk-tag ${standing.tag}">${standing.text}</strong><br><span class="govuk-body-s">${slaCountdown(clock.calendar, clock.now, new Date(entry.sla.dueAt))}</span></td>
<td class="govuk-table__cell"><time datetime="${entry.receivedAt}">${formatTime(entry.receivedAt)}</time></td>
</tr>`;
  };
  return page(
    { title: 'Referrals', user, current: '/console/referrals' },
    html`<h1 class="govuk-heading-l">Referrals</h1>
<p class="govuk-body">Open referrals you may see, the soonest due first. SLA times count working hours only.</p>
<form method="get" action="/console/referrals" class="mash-filters">
${select('sla', 'SLA', [['on-track', 'On track'], ['at-risk', 'At risk'], ['breached', 'Breached']], filters.sla)}
${select('rag', 'RAG rating', [['red', 'Red'], ['amber', 'Amber'], ['green', 'Green']], filters.rag)}
${select('status', 'Status', Object.entries(STATUSES), filters.status)}
${select('repeatConcern', 'Repeat concern', [['true', 'Yes'], ['false', 'No']], filters.repeatConcern)}
<button type="submit" class="govuk-button govuk-button--secondary mash-filters__apply" data-module="govuk-button">Apply filters</button>
</form>
${
  list.referrals.length === 0
    ? html`<p class="govuk-body" id="no-referrals">No open referrals match.</p>`
    : html`<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--m">${list.referrals.length === 1 ? '1 referral' : `${list.referrals.length} referrals`}</caption>
${tableHead(['Reference', 'RAG', 'Threshold', 'Status', 'SLA', 'Received'])}
<tbody class="govuk-table__body">
${list.referrals.map(row)}
</tbody>
</table>`
}
${list.next === null ? '' : html`<p class="govuk-body"><a class="govuk-link" href="/console/referrals?${new URLSearchParams({ ...definedOnly(filters), cursor: list.next }).toString()}">Next page</a></p>`}`,
  );
}

const definedOnly = (filters: QueueFilters): Record<string, string> => Object.fromEntries(Object.entries(filters).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));

/** "5 December 2026, 09:14" in the hub's time zone (UK). */
export function formatTime(iso: string): string {
  return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' }).format(new Date(iso));
}

/** A child who keeps coming back: said first, with the earlier referrals the viewer may see. */
function repeatConcernBanner(concern: RepeatConcernView): Markup {
  return html`<div class="govuk-warning-text" id="repeat-concern"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> Repeat concern: ${concern.notifications} notifications about this child from ${concern.agencies.length} agencies (${concern.agencies.join(', ')}) in ${concern.windowMonths} months.</strong></div>
<ul class="govuk-list govuk-list--bullet" id="repeat-concern-earlier">
${concern.earlier.map((e) => html`<li>${formatTime(e.receivedAt)}, from ${e.agency ?? 'an agency not named'}${e.referralId === null ? ' (a referral you may not open)' : html`: <a class="govuk-link" href="/console/referrals/${e.referralId}">referral ${e.referralId.slice(0, 8)}</a>`}</li>`)}
</ul>`;
}

const LOOKUP_STATUSES: Readonly<Record<LookupView['status'], { readonly tag: string; readonly text: string }>> = {
  queued: { tag: 'govuk-tag--grey', text: 'Queued' },
  running: { tag: 'govuk-tag--blue', text: 'Running' },
  done: { tag: 'govuk-tag--green', text: 'Done' },
  partial: { tag: 'govuk-tag--yellow', text: 'Partial' },
  failed: { tag: 'govuk-tag--red', text: 'Failed' },
  'timed-out': { tag: 'govuk-tag--red', text: 'Timed out' },
  'not-permitted': { tag: 'govuk-tag--purple', text: 'Not permitted' },
};

/**
 * One referral's state: its rating, SLA and every lookup with its outcome and, when it is not a
 * complete answer, why — a picture that is partial says so (DESIGN.md: honesty over completeness).
 */
export function referralPage(
  user: ConsoleUser,
  view: ReferralStatusView & { readonly repeatConcern?: RepeatConcernView | null | undefined },
  clock: { now: Date; calendar: Pick<WorkingCalendar, 'workingTimeBetween'> },
  parts: { sections?: readonly Markup[]; notice?: string | undefined; errors?: readonly { href: string; text: string }[] | undefined } = {},
): Markup {
  const { sections = [], notice, errors } = parts;
  const rag = RAG_TAGS[view.rag];
  const standing = STANDINGS[view.sla.standing] ?? { tag: 'govuk-tag--grey', text: view.sla.standing };
  const counts = view.lookupCounts;
  const unfinished = counts.queued + counts.running;
  const gaps = counts.failed + counts.timedOut + counts.partial + counts.notPermitted;
  const title = `Referral ${view.externalReference ?? view.id}`;
  return page(
    { title, user, current: '/console/referrals', errors },
    html`${notice === undefined ? '' : html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="notice-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="notice-title">Success</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${notice}</p></div></div>`}
<span class="govuk-caption-l">Referral</span>
<h1 class="govuk-heading-l">${view.externalReference ?? view.id}</h1>
${view.repeatConcern?.flagged === true ? repeatConcernBanner(view.repeatConcern) : ''}
${
  unfinished > 0
    ? html`<div class="govuk-inset-text">Research is still running: ${unfinished} of ${counts.total} lookups have not finished. What is shown is not yet the whole picture.</div>`
    : gaps > 0
      ? html`<div class="govuk-warning-text"><span class="govuk-warning-text__icon" aria-hidden="true">!</span><strong class="govuk-warning-text__text"><span class="govuk-visually-hidden">Warning</span> The picture is incomplete: ${gaps} of ${counts.total} lookups did not give a complete answer. Their reasons are below.</strong></div>`
      : ''
}
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">RAG rating</dt><dd class="govuk-summary-list__value"><strong class="govuk-tag ${rag.tag}">${rag.text}</strong></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Threshold</dt><dd class="govuk-summary-list__value">${THRESHOLDS[view.threshold]}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Status</dt><dd class="govuk-summary-list__value">${STATUSES[view.status]}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">SLA</dt><dd class="govuk-summary-list__value"><strong class="govuk-tag ${standing.tag}">${standing.text}</strong> ${slaCountdown(clock.calendar, clock.now, new Date(view.sla.dueAt))}, due <time datetime="${view.sla.dueAt}">${formatTime(view.sla.dueAt)}</time></dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Received</dt><dd class="govuk-summary-list__value"><time datetime="${view.receivedAt}">${formatTime(view.receivedAt)}</time></dd></div>
</dl>
<h2 class="govuk-heading-m">Lookups</h2>
<table class="govuk-table">
<caption class="govuk-table__caption govuk-visually-hidden">Every lookup of this referral, with its outcome</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Agency</th>
<th scope="col" class="govuk-table__header">Subject</th>
<th scope="col" class="govuk-table__header">Wave</th>
<th scope="col" class="govuk-table__header">Outcome</th>
<th scope="col" class="govuk-table__header govuk-table__header--numeric">Facts</th>
</tr></thead>
<tbody class="govuk-table__body">
${view.lookups.map((lookup) => {
  const status = LOOKUP_STATUSES[lookup.status];
  return html`<tr class="govuk-table__row">
<td class="govuk-table__cell">${agencyName(lookup.agency)}</td>
<td class="govuk-table__cell">${lookup.subjectRef}</td>
<td class="govuk-table__cell">${lookup.wave}</td>
<td class="govuk-table__cell mash-break"><strong class="govuk-tag ${status.tag}">${status.text}</strong>${lookup.reason === null ? '' : html`<br><span class="govuk-body-s">${lookup.reason}</span>`}</td>
<td class="govuk-table__cell govuk-table__cell--numeric">${lookup.factCount}</td>
</tr>`;
})}
</tbody>
</table>
${sections}`,
  );
}
