/**
 * The console's page template: the GOV.UK Design System page template and components
 * (govuk-frontend, served from this gateway), written with Hono's `html` templates, which escape
 * every interpolated value (docs/decisions.md "The hub console": Node runs our TypeScript by
 * stripping types, so JSX syntax would need a build step; `html` escapes as Hono JSX does).
 *
 * A council is not on GOV.UK: no crown, no GOV.UK header and no GDS Transport font (the typeface
 * is licensed to GOV.UK services only): the service navigation names the service, and text falls
 * back to Arial, as the Design System tells services off GOV.UK to do.
 */
import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Agency } from '../../model/agency.ts';
import type { Principal, Role } from '../../model/principal.ts';
import { CSRF_FIELD, type ConsoleUser } from './session.ts';

export type Markup = HtmlEscapedString | Promise<HtmlEscapedString>;

/** What each role works on: the console's navigation. */
const NAVIGATION: Readonly<Record<Role, readonly { readonly href: string; readonly label: string }[]>> = {
  'hub-practitioner': [
    { href: '/console/referrals', label: 'Referrals' },
    { href: '/console/possible-matches', label: 'Possible matches' },
  ],
  'hub-manager': [
    { href: '/console/referrals', label: 'Referrals' },
    { href: '/console/possible-matches', label: 'Possible matches' },
    { href: '/console/failures', label: 'Failures' },
  ],
  'connector-admin': [
    { href: '/console/connectors', label: 'Connectors' },
    { href: '/console/failures', label: 'Failures' },
  ],
  auditor: [{ href: '/console/audit', label: 'Audit trail' }],
  'referral-intake': [],
  'host-system': [],
};

export const ROLE_NAMES: Readonly<Record<Role, string>> = {
  'hub-practitioner': 'Hub practitioner',
  'hub-manager': 'Hub manager',
  'connector-admin': 'Connector administrator',
  auditor: 'Auditor',
  'referral-intake': 'Referral intake',
  'host-system': 'Host case system',
};

const AGENCY_NAMES: Readonly<Record<Agency, string>> = {
  health: 'Health',
  police: 'Police',
  education: 'Education',
  housing: 'Housing',
  'social-care': "Children's social care",
};
export const agencyName = (agency: Agency): string => AGENCY_NAMES[agency];

export const describePrincipal = (principal: Principal): string => `${principal.sub} — ${ROLE_NAMES[principal.role]}${principal.agency === undefined ? '' : `, ${principal.agency}`}`;

export interface PageOptions {
  readonly title: string;
  readonly user?: ConsoleUser | undefined;
  /** The navigation entry this page belongs to. */
  readonly current?: string | undefined;
  /** Shown above the heading: the GOV.UK error summary pattern. */
  readonly errors?: readonly { readonly href: string; readonly text: string }[] | undefined;
}

/** A whole page. The title is prefixed "Error: " when the page shows errors (GOV.UK error summary pattern). */
export function page(options: PageOptions, body: Markup): Markup {
  const errors = options.errors ?? [];
  const title = `${errors.length > 0 ? 'Error: ' : ''}${options.title} – MASH Gateway`;
  const nav = options.user === undefined ? [] : NAVIGATION[options.user.principal.role];
  return html`<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#1d70b8">
<link rel="icon" sizes="48x48" href="/assets/images/favicon.ico">
<link rel="icon" sizes="any" href="/assets/images/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/assets/govuk-frontend.min.css">
<link rel="stylesheet" href="/console/assets/console.css">
</head>
<body class="govuk-template__body">
<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
<section class="govuk-service-navigation" aria-label="Service information" data-module="govuk-service-navigation">
<div class="govuk-width-container">
<div class="govuk-service-navigation__container">
<span class="govuk-service-navigation__service-name"><a href="/console" class="govuk-service-navigation__link">MASH Gateway</a></span>
${
  nav.length === 0
    ? ''
    : html`<nav aria-label="Menu" class="govuk-service-navigation__wrapper">
<ul class="govuk-service-navigation__list" id="navigation">
${nav.map((item) =>
  item.href === options.current
    ? html`<li class="govuk-service-navigation__item govuk-service-navigation__item--active"><a class="govuk-service-navigation__link" href="${item.href}" aria-current="true"><strong class="govuk-service-navigation__active-fallback">${item.label}</strong></a></li>`
    : html`<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="${item.href}">${item.label}</a></li>`,
)}
</ul>
</nav>`
}
</div>
</div>
</section>
<div class="govuk-width-container">
${options.user === undefined ? '' : signedIn(options.user)}
<main class="govuk-main-wrapper" id="main-content">
${errors.length === 0 ? '' : errorSummary(errors)}
${body}
</main>
</div>
<footer class="govuk-footer">
<div class="govuk-width-container">
<div class="govuk-footer__meta">
<div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
<p class="govuk-body-s">Multi-Agency Safeguarding Hub. Information shared here is confidential: the owning agency decides what may leave the hub.</p>
</div>
</div>
</div>
</footer>
<script type="module" src="/console/assets/console.mjs"></script>
</body>
</html>`;
}

/** Who is signed in, and the sign-out form (a POST with the session's token: signing out changes state). */
function signedIn(user: ConsoleUser): Markup {
  return html`<div class="mash-signed-in">
<p class="govuk-body-s mash-signed-in__who">Signed in as <strong>${describePrincipal(user.principal)}</strong></p>
<form method="post" action="/console/sign-out" class="mash-signed-in__form">
${csrfInput(user)}
<button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">Sign out</button>
</form>
</div>`;
}

/** A GOV.UK table's head row: one column header per name. */
export function tableHead(columns: readonly string[]): Markup {
  return html`<thead class="govuk-table__head"><tr class="govuk-table__row">${columns.map((column) => html`<th scope="col" class="govuk-table__header">${column}</th>`)}</tr></thead>`;
}

/** The hidden synchronizer token of a form. */
export function csrfInput(user: ConsoleUser): Markup {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${user.csrfToken}">`;
}

/** The GOV.UK error summary: focused on load by govuk-frontend, each error linked to its field. */
export function errorSummary(errors: readonly { readonly href: string; readonly text: string }[]): Markup {
  return html`<div class="govuk-error-summary" data-module="govuk-error-summary">
<div role="alert">
<h2 class="govuk-error-summary__title">There is a problem</h2>
<div class="govuk-error-summary__body">
<ul class="govuk-list govuk-error-summary__list">
${errors.map((e) => html`<li><a href="${e.href}">${e.text}</a></li>`)}
</ul>
</div>
</div>
</div>`;
}

/** A page that says what went wrong, in words, with the status the API would answer. */
export function problemPage(options: { title: string; detail: string; user?: ConsoleUser | undefined }): Markup {
  return page(
    { title: options.title, user: options.user },
    html`<h1 class="govuk-heading-l">${options.title}</h1>
<p class="govuk-body">${options.detail}</p>
<p class="govuk-body"><a class="govuk-link" href="/console">Go to the console's start page</a></p>`,
  );
}
