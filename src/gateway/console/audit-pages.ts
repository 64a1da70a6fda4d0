/**
 * The auditor's screens: search the audit trail, and verify it (the hash chain and its signed
 * checkpoints, src/audit/verify.ts). Entries hold ids, codes and counts, never case content; the
 * search and the verification are themselves audited (src/gateway/routes/audit.ts).
 */
import { html } from 'hono/html';
import type { AuditPage } from '../../audit/search.ts';
import type { AuditVerification } from '../../audit/verify.ts';
import { csrfInput, page, tableHead, type Markup } from './layout.ts';
import type { ConsoleUser } from './session.ts';

export interface AuditFilters {
  readonly referralId?: string | undefined;
  readonly action?: string | undefined;
  readonly actor?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export function auditPage(
  user: ConsoleUser,
  filters: AuditFilters,
  results: AuditPage | undefined,
  extra: { verification?: AuditVerification | undefined; errors?: readonly { href: string; text: string }[] } = {},
): Markup {
  const input = (name: keyof AuditFilters, label: string, hint: string): Markup => html`<div class="govuk-form-group mash-filter">
<label class="govuk-label govuk-label--s" for="audit-${name}">${label}</label>
<div id="audit-${name}-hint" class="govuk-hint">${hint}</div>
<input class="govuk-input govuk-input--width-20" id="audit-${name}" name="${name}" type="text" spellcheck="false" aria-describedby="audit-${name}-hint" value="${filters[name] ?? ''}">
</div>`;
  const v = extra.verification;
  return page(
    { title: 'Audit trail', user, current: '/console/audit', errors: extra.errors },
    html`${
      v === undefined
        ? ''
        : v.ok
          ? html`<div class="govuk-notification-banner govuk-notification-banner--success" role="alert" aria-labelledby="verify-title" data-module="govuk-notification-banner"><div class="govuk-notification-banner__header"><h2 class="govuk-notification-banner__title" id="verify-title">Verified</h2></div><div class="govuk-notification-banner__content"><p class="govuk-notification-banner__heading" id="verify-result">The audit trail is intact: ${v.entries} entries chained, ${v.checkpoints} signed checkpoints.</p></div></div>`
          : html`<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert"><h2 class="govuk-error-summary__title">The audit trail does not verify</h2><div class="govuk-error-summary__body"><p class="govuk-body" id="verify-result">Entry ${v.failure?.seq ?? '?'}: ${v.failure?.reason ?? 'unknown'}</p></div></div></div>`
    }
<h1 class="govuk-heading-l">Audit trail</h1>
<form method="post" action="/console/audit/verify">
${csrfInput(user)}
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Verify the audit trail</button>
</form>
<h2 class="govuk-heading-m">Search</h2>
<form method="get" action="/console/audit" class="mash-filters">
${input('referralId', 'Referral', 'Its id')}
${input('action', 'Action', 'For example, picture.viewed')}
${input('actor', 'Who', 'As the audit names them')}
${input('from', 'From', 'For example, 2026-12-01')}
${input('to', 'Before', 'For example, 2026-12-31')}
<button type="submit" class="govuk-button govuk-button--secondary mash-filters__apply" data-module="govuk-button">Search</button>
</form>
${
  results === undefined
    ? ''
    : results.entries.length === 0
      ? html`<p class="govuk-body" id="no-entries">No entries match.</p>`
      : html`<table class="govuk-table mash-audit">
<caption class="govuk-table__caption govuk-table__caption--m">${results.entries.length} entries, oldest first</caption>
${tableHead(['Seq', 'When', 'Who', 'Action', 'Agency', 'Subject'])}
<tbody class="govuk-table__body">
${results.entries.map(
  (e) => html`<tr class="govuk-table__row">
<td class="govuk-table__cell">${e.seq}</td>
<td class="govuk-table__cell"><time datetime="${e.at}">${e.at}</time></td>
<td class="govuk-table__cell">${e.actor}</td>
<td class="govuk-table__cell">${e.action}</td>
<td class="govuk-table__cell">${e.agency ?? ''}</td>
<td class="govuk-table__cell mash-break">${e.subject ?? ''}</td>
</tr>`,
)}
</tbody>
</table>
${results.nextAfter === null ? '' : html`<p class="govuk-body"><a class="govuk-link" href="/console/audit?${new URLSearchParams({ ...definedOnly(filters), after: String(results.nextAfter) }).toString()}">Next page</a></p>`}`
}`,
  );
}

const definedOnly = (filters: AuditFilters): Record<string, string> => Object.fromEntries(Object.entries(filters).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
