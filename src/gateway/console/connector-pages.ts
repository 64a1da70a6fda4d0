/**
 * The connector administrator's screens: their agency's connectors with health, one connector's
 * health over the last hour, day and week, the live test (which step failed, and why), changing
 * the endpoint, and the version history with restore. Never case content: connectors, figures
 * and codes only. Credentials are never shown (the store shows them as sealed).
 */
import { html } from 'hono/html';
import type { CheckResult } from '../../research/connector-check.ts';
import { HEALTH_WINDOWS, type ConnectorHealthReport } from '../../store/connector-health.ts';
import type { ConnectorVersion, StoredConnector } from '../../store/connectors.ts';
import type { FailureRecord } from '../../store/reruns.ts';
import { agencyName, csrfInput, page, type Markup } from './layout.ts';
import type { ConsoleUser } from './session.ts';

export type HealthStatus = 'green' | 'red' | 'unknown';

const STATUS_TAGS: Readonly<Record<HealthStatus, { readonly tag: string; readonly text: string }>> = {
  green: { tag: 'govuk-tag--green', text: 'Healthy' },
  red: { tag: 'govuk-tag--red', text: 'Failing' },
  unknown: { tag: 'govuk-tag--grey', text: 'Not yet used' },
};

const MANAGED: Readonly<Record<StoredConnector['origin'], string>> = { database: 'this console and the API', file: 'the MASH_CONNECTORS file', embedded: 'the embedded simulators' };

const statusTag = (status: HealthStatus): Markup => html`<strong class="govuk-tag ${STATUS_TAGS[status].tag}">${STATUS_TAGS[status].text}</strong>`;

export function connectorListPage(user: ConsoleUser, connectors: readonly { readonly stored: StoredConnector; readonly status: HealthStatus; readonly breaker: string }[]): Markup {
  return page(
    { title: 'Connectors', user, current: '/console/connectors' },
    html`<h1 class="govuk-heading-l">Connectors</h1>
<p class="govuk-body">${user.principal.agency === undefined ? '' : agencyName(user.principal.agency)}'s links to its systems. You see their configuration and health, never case content.</p>
${
  connectors.length === 0
    ? html`<p class="govuk-body">Your agency has no connectors.</p>`
    : html`<table class="govuk-table">
<caption class="govuk-table__caption govuk-visually-hidden">Your agency's connectors</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Connector</th><th scope="col" class="govuk-table__header">Health</th><th scope="col" class="govuk-table__header">Circuit</th><th scope="col" class="govuk-table__header">Endpoint</th><th scope="col" class="govuk-table__header">Version</th></tr></thead>
<tbody class="govuk-table__body">
${connectors.map(
  ({ stored, status, breaker }) => html`<tr class="govuk-table__row">
<th scope="row" class="govuk-table__header"><a class="govuk-link" href="/console/connectors/${stored.connector.id}">${stored.connector.id}</a>${stored.connector.enabled ? '' : html` <strong class="govuk-tag govuk-tag--grey">Disabled</strong>`}<br><span class="govuk-body-s">${stored.connector.sourceSystem}</span></th>
<td class="govuk-table__cell">${statusTag(status)}</td>
<td class="govuk-table__cell">${breaker}</td>
<td class="govuk-table__cell mash-break">${stored.connector.baseUrl}</td>
<td class="govuk-table__cell">${stored.version}</td>
</tr>`,
)}
</tbody>
</table>`
}`,
  );
}

const ms = (value: number | null): string => (value === null ? '—' : `${Math.round(value)} ms`);
const percent = (value: number | null): string => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);

export interface ConnectorPageParts {
  readonly stored: StoredConnector;
  readonly status: HealthStatus;
  readonly breaker: { readonly state: string; readonly since: string | null; readonly reason: string | null };
  readonly health: ConnectorHealthReport;
  readonly versions: readonly ConnectorVersion[];
  readonly test?: CheckResult | undefined;
  readonly notice?: string | undefined;
  readonly errors?: readonly { href: string; text: string }[] | undefined;
}

export function connectorPage(user: ConsoleUser, parts: ConnectorPageParts): Markup {
  const { stored, health, test } = parts;
  const id = stored.connector.id;
  const editable = stored.origin === 'database';
  return page(
    { title: `Connector ${id}`, user, current: '/console/connectors', errors: parts.errors },
    html`${parts.notice === undefined ? '' : html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="notice-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="notice-title">Success</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${parts.notice}</p></div></div>`}
<span class="govuk-caption-l">Connector</span>
<h1 class="govuk-heading-l">${id}</h1>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Health</dt><dd class="govuk-summary-list__value" id="connector-health">${statusTag(parts.status)}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Circuit breaker</dt><dd class="govuk-summary-list__value">${parts.breaker.state}${parts.breaker.reason === null ? '' : ` — ${parts.breaker.reason}`}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">System</dt><dd class="govuk-summary-list__value">${stored.connector.sourceSystem} (${stored.connector.type})</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Endpoint</dt><dd class="govuk-summary-list__value" id="connector-endpoint">${stored.connector.baseUrl}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Version</dt><dd class="govuk-summary-list__value" id="connector-version">${stored.version}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Managed by</dt><dd class="govuk-summary-list__value">${MANAGED[stored.origin]}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Last success</dt><dd class="govuk-summary-list__value">${health.lastSuccessAt ?? 'None'}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Last failure</dt><dd class="govuk-summary-list__value">${health.lastFailureAt ?? 'None'}</dd></div>
</dl>
<h2 class="govuk-heading-m">Health</h2>
<table class="govuk-table">
<caption class="govuk-table__caption govuk-visually-hidden">Lookups and tests, by period</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Last</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Lookups</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Tests</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Error rate</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">p50</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">p95</th></tr></thead>
<tbody class="govuk-table__body">
${HEALTH_WINDOWS.map((window) => {
  const f = health.windows[window];
  return html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${window}</th><td class="govuk-table__cell govuk-table__cell--numeric">${f.lookups}</td><td class="govuk-table__cell govuk-table__cell--numeric">${f.tests}</td><td class="govuk-table__cell govuk-table__cell--numeric">${percent(f.errorRate)}</td><td class="govuk-table__cell govuk-table__cell--numeric">${ms(f.p50Ms)}</td><td class="govuk-table__cell govuk-table__cell--numeric">${ms(f.p95Ms)}</td></tr>`;
})}
</tbody>
</table>
<h2 class="govuk-heading-m" id="test">Test the connection</h2>
<p class="govuk-body">Checks the credentials, the token, that the endpoint answers, a search that matches nobody, and the shape of the answer. Nothing about anyone is read.</p>
${
  test === undefined
    ? ''
    : html`<div class="${test.ok ? 'govuk-inset-text' : 'govuk-error-summary'}" id="test-result"${test.ok ? '' : html` data-module="govuk-error-summary"`}>
${test.ok ? html`<p class="govuk-body"><strong>The connection works.</strong> Every step passed in ${test.durationMs} ms.</p>` : html`<div role="alert"><h3 class="govuk-error-summary__title">The test failed at “${test.failedStep ?? ''}”</h3><div class="govuk-error-summary__body"><p class="govuk-body">${test.summary ?? ''}</p></div></div>`}
</div>
<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--s">Steps</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Step</th><th scope="col" class="govuk-table__header">Result</th><th scope="col" class="govuk-table__header">What happened</th></tr></thead>
<tbody class="govuk-table__body">${test.steps.map((step) => html`<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">${step.step}</th><td class="govuk-table__cell">${step.status}</td><td class="govuk-table__cell mash-break">${step.detail}</td></tr>`)}</tbody>
</table>`
}
<form method="post" action="/console/connectors/${id}/test">${csrfInput(user)}<button type="submit" class="govuk-button" data-module="govuk-button">Test the connection</button></form>
<h2 class="govuk-heading-m">Change the endpoint</h2>
${
  editable
    ? html`<form method="post" action="/console/connectors/${id}/endpoint" novalidate>
${csrfInput(user)}
<div class="govuk-form-group"><label class="govuk-label" for="endpoint-url">Endpoint URL</label><input class="govuk-input" id="endpoint-url" name="baseUrl" type="url" spellcheck="false" value="${stored.connector.baseUrl}"></div>
<div class="govuk-form-group"><label class="govuk-label" for="endpoint-reason">Why</label><div id="endpoint-reason-hint" class="govuk-hint">Kept with the new version</div><input class="govuk-input" id="endpoint-reason" name="reason" type="text" aria-describedby="endpoint-reason-hint"></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Save the endpoint</button>
</form>`
    : html`<p class="govuk-body">This connector is declared by ${MANAGED[stored.origin]}: change it there.</p>`
}
<h2 class="govuk-heading-m">Versions</h2>
<table class="govuk-table">
<caption class="govuk-table__caption govuk-visually-hidden">Every version, newest first</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Version</th><th scope="col" class="govuk-table__header">Change</th><th scope="col" class="govuk-table__header">Who, when and why</th><th scope="col" class="govuk-table__header">Restore</th></tr></thead>
<tbody class="govuk-table__body">
${[...parts.versions].reverse().map(
  (v) => html`<tr class="govuk-table__row">
<th scope="row" class="govuk-table__header">${v.version}${v.version === stored.version ? ' (current)' : ''}</th>
<td class="govuk-table__cell mash-break">${v.action}${v.changedPaths.length === 0 ? '' : `: ${v.changedPaths.join(', ')}`}</td>
<td class="govuk-table__cell">${v.changedBy}, ${v.changedAt.toISOString()}<br><span class="govuk-body-s">${v.reason}</span></td>
<td class="govuk-table__cell">${
    v.version === stored.version || !editable
      ? ''
      : html`<form method="post" action="/console/connectors/${id}/versions/${v.version}/restore" novalidate>${csrfInput(user)}<label class="govuk-label govuk-visually-hidden" for="restore-reason-${v.version}">Why restore version ${v.version}</label><input class="govuk-input govuk-!-margin-bottom-2" id="restore-reason-${v.version}" name="reason" type="text" placeholder="Why"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">Restore<span class="govuk-visually-hidden"> version ${v.version}</span></button></form>`
  }</td>
</tr>`,
)}
</tbody>
</table>`,
  );
}

const FAILURE_KINDS_SHOWN: Readonly<Record<FailureRecord['kind'], string>> = { lookup: 'Lookup', publication: 'Publication to the host', notification: 'Outcome notification' };

/**
 * Failed work the viewer may see (an administrator: their agency's lookups and notifications; the
 * manager: everything), each with a button that runs it again — the new run is linked to the
 * failure in the lookup's history and the audit trail. Codes and counts only.
 */
export function failuresPage(user: ConsoleUser, failures: readonly FailureRecord[], notice: string | undefined): Markup {
  return page(
    { title: 'Failures', user, current: '/console/failures' },
    html`${notice === undefined ? '' : html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="notice-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="notice-title">Success</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading">${notice}</p></div></div>`}
<h1 class="govuk-heading-l">Failures</h1>
<p class="govuk-body">Work that failed for good, oldest first. Running it again starts a new attempt linked to this one.</p>
${
  failures.length === 0
    ? html`<p class="govuk-body" id="no-failures">Nothing has failed.</p>`
    : html`<form method="post" action="/console/failures/reprocess-all" class="govuk-!-margin-bottom-6">${csrfInput(user)}<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Run all ${failures.length} again</button></form>
<table class="govuk-table">
<caption class="govuk-table__caption govuk-visually-hidden">Failed work</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">What</th><th scope="col" class="govuk-table__header">Connector</th><th scope="col" class="govuk-table__header">Why</th><th scope="col" class="govuk-table__header">When</th><th scope="col" class="govuk-table__header">Again</th></tr></thead>
<tbody class="govuk-table__body">
${failures.map(
  (f) => html`<tr class="govuk-table__row" id="failure-${f.id}">
<td class="govuk-table__cell">${FAILURE_KINDS_SHOWN[f.kind]}${f.reruns > 0 ? html`<br><span class="govuk-body-s">${f.reruns} earlier ${f.reruns === 1 ? 'run' : 'runs'}</span>` : ''}</td>
<td class="govuk-table__cell mash-break">${f.connectorId ?? 'host'}</td>
<td class="govuk-table__cell mash-break"><strong class="govuk-tag govuk-tag--red">${f.status}</strong><br><span class="govuk-body-s">${f.reason ?? ''} (${f.attempts} ${f.attempts === 1 ? 'attempt' : 'attempts'})</span></td>
<td class="govuk-table__cell"><time datetime="${f.failedAt}">${f.failedAt}</time></td>
<td class="govuk-table__cell"><form method="post" action="/console/failures/reprocess">${csrfInput(user)}<input type="hidden" name="kind" value="${f.kind}"><input type="hidden" name="id" value="${f.id}"><button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button">Run again<span class="govuk-visually-hidden"> (${f.id})</span></button></form></td>
</tr>`,
)}
</tbody>
</table>`
}`,
  );
}
