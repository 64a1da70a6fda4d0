/**
 * A referral's case in the console: what each agency said (every fact with where it came from),
 * the owner's controls over its own items (reveal; release, redact or withhold, with rationale,
 * redaction and signpost), and the manager's decision, product preview and publication. The
 * controls shown follow the policy function (an item's controls only to its owning agency's
 * practitioner; the decision and publication only to the manager); the routes ask the case
 * module, which asks the policy again, so a hand-made form is refused as the API refuses it.
 */
import { html } from 'hono/html';
import type { Fact } from '../../model/fact.ts';
import type { Picture } from '../../model/picture.ts';
import { Outcome, type Product } from '../../model/product.ts';
import { productSubstanceHash } from '../../case/product.ts';
import type { Agency } from '../../model/agency.ts';
import { agencyName, csrfInput, type Markup } from './layout.ts';
import type { ConsoleUser } from './session.ts';

type PictureItem = Picture['items'][number];

const OUTCOME_NAMES: Readonly<Record<Outcome, string>> = {
  'no-further-action': 'No further action',
  'early-help': 'Early help',
  'child-in-need-assessment': 'Child in need assessment',
  'strategy-discussion': 'Strategy discussion',
  'section-47-enquiry': 'Section 47 enquiry',
  'police-referral': 'Police referral',
  other: 'Other',
};

const DECISION_NAMES = { release: 'Released', redact: 'Redacted', withhold: 'Withheld' } as const;
const DECISION_TAGS = { release: 'govuk-tag--green', redact: 'govuk-tag--yellow', withhold: 'govuk-tag--red' } as const;

/** One line that says what a fact is, from its own fields. */
export function describeFact(fact: Fact): string {
  switch (fact.kind) {
    case 'person': {
      const name = fact.names[0];
      const named = name === undefined ? 'A person' : `${name.given.join(' ')} ${name.family}`.trim();
      return `${named}${fact.birthDate === undefined ? '' : `, born ${fact.birthDate}`}`;
    }
    case 'relationship':
      return `${fact.relationship}${fact.relatedName === undefined ? '' : `: ${`${fact.relatedName.given.join(' ')} ${fact.relatedName.family}`.trim()}`}`;
    case 'event':
      return `${fact.date === undefined ? '' : `${fact.date}: `}${fact.summary}`;
    case 'flag':
      return `${fact.flagKind}: ${fact.summary}`;
    default:
      return fact satisfies never;
  }
}

/** The fields of a fact an owner may redact: its content, not its identity or provenance. */
const redactableFields = (fact: Fact): string[] => Object.keys(fact).filter((key) => !['id', 'kind', 'personRef', 'provenance'].includes(key));

/** Whether this user may act on the item: its owning agency's practitioner (policy: owner keeps the duty of care). */
const ownsItem = (user: ConsoleUser, item: PictureItem): boolean => user.principal.role === 'hub-practitioner' && user.principal.agency === item.agency;

/** The facts of the picture, agency by agency, each with its provenance and, for its owner, its controls. */
export function factsSection(user: ConsoleUser, referralId: string, picture: Picture): Markup {
  const items = new Map(picture.items.map((item) => [item.itemId, item]));
  const agencies = [...new Set(picture.facts.map((f) => f.provenance.agency))].sort();
  if (agencies.length === 0) return html`<h2 class="govuk-heading-m">What the agencies hold</h2><p class="govuk-body">No facts you may see yet.</p>`;
  return html`<h2 class="govuk-heading-m">What the agencies hold</h2>
${agencies.map((agency) => {
  const facts = picture.facts.filter((f) => f.provenance.agency === agency);
  return html`<h3 class="govuk-heading-s">${agencyName(agency)} <span class="govuk-body-s">(${facts.length} ${facts.length === 1 ? 'fact' : 'facts'})</span></h3>
<ul class="govuk-list mash-facts">
${facts.map((fact) => factEntry(user, referralId, fact, items.get(fact.id)))}
</ul>`;
})}`;
}

function factEntry(user: ConsoleUser, referralId: string, fact: Fact, item: PictureItem | undefined): Markup {
  const p = fact.provenance;
  return html`<li class="mash-fact" id="item-${fact.id}">
<p class="govuk-body govuk-!-margin-bottom-1"><strong>${describeFact(fact)}</strong></p>
<p class="govuk-body-s mash-provenance">${agencyName(p.agency)} · ${p.sourceSystem} · record ${p.sourceRecordId} · retrieved <time datetime="${p.retrievedAt}">${p.retrievedAt}</time> · lawful basis ${p.lawfulBasis} · ${p.sensitivity}</p>
${item === undefined ? '' : itemState(user, referralId, item, fact)}
</li>`;
}

function itemState(user: ConsoleUser, referralId: string, item: PictureItem, fact: Fact): Markup {
  const state = html`<p class="govuk-body-s">${item.revealed ? 'Revealed to the hub' : html`<strong class="govuk-tag govuk-tag--grey">Not revealed</strong> only your agency sees it`}${
    item.release === null ? ' · no release decision yet' : html` · <strong class="govuk-tag ${DECISION_TAGS[item.release.decision]}">${DECISION_NAMES[item.release.decision]}</strong> by ${item.release.decidedBy}`
  }</p>`;
  if (!ownsItem(user, item)) return state;
  const action = `/console/referrals/${referralId}/items/${item.itemId}`;
  const id = (name: string): string => `${name}-${item.itemId}`;
  return html`${state}
${
  item.revealed
    ? ''
    : html`<form method="post" action="${action}/reveal" class="mash-inline-form">${csrfInput(user)}<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Reveal to the hub<span class="govuk-visually-hidden"> (${item.itemId})</span></button></form>`
}
<details class="govuk-details">
<summary class="govuk-details__summary"><span class="govuk-details__summary-text">Decide what may leave the hub<span class="govuk-visually-hidden"> (${item.itemId})</span></span></summary>
<div class="govuk-details__text">
<form method="post" action="${action}/release" novalidate>
${csrfInput(user)}
<div class="govuk-form-group">
<fieldset class="govuk-fieldset">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Decision</legend>
<div class="govuk-radios govuk-radios--small" data-module="govuk-radios">
${(['release', 'redact', 'withhold'] as const).map(
  (decision) => html`<div class="govuk-radios__item">
<input class="govuk-radios__input" id="${id(decision)}" name="decision" type="radio" value="${decision}"${item.release?.decision === decision ? html` checked` : ''}>
<label class="govuk-label govuk-radios__label" for="${id(decision)}">${decision === 'release' ? 'Release' : decision === 'redact' ? 'Release with a field redacted' : 'Withhold, with a signpost'}</label>
</div>`,
)}
</div>
</fieldset>
</div>
<div class="govuk-form-group">
<label class="govuk-label" for="${id('rationale')}">Rationale</label>
<textarea class="govuk-textarea" id="${id('rationale')}" name="rationale" rows="2"></textarea>
</div>
<div class="govuk-form-group">
<label class="govuk-label" for="${id('field')}">Field to redact (for a redaction)</label>
<select class="govuk-select" id="${id('field')}" name="redactField">
<option value="">None</option>
${redactableFields(fact).map((field) => html`<option value="${field}">${field}</option>`)}
</select>
</div>
<div class="govuk-form-group">
<label class="govuk-label" for="${id('replacement')}">Shown instead (for a redaction)</label>
<input class="govuk-input" id="${id('replacement')}" name="redactReplacement" type="text">
</div>
<div class="govuk-form-group">
<label class="govuk-label" for="${id('signpost')}">Who to contact (for a withheld item)</label>
<input class="govuk-input" id="${id('signpost')}" name="signpost" type="text">
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Save decision<span class="govuk-visually-hidden"> (${item.itemId})</span></button>
</form>
</div>
</details>`;
}

/** For an owning practitioner: one form releasing every item of theirs still undecided. */
export function releaseRestSection(user: ConsoleUser, referralId: string, picture: Picture): Markup {
  if (user.principal.role !== 'hub-practitioner') return html``;
  const undecided = picture.items.filter((item) => ownsItem(user, item) && item.release === null);
  if (undecided.length === 0) return html``;
  return html`<form method="post" action="/console/referrals/${referralId}/items/release-undecided" novalidate>
${csrfInput(user)}
<div class="govuk-form-group">
<label class="govuk-label govuk-label--s" for="release-rest-rationale">Release the ${undecided.length} items of yours still undecided</label>
<div id="release-rest-hint" class="govuk-hint">Each is revealed and released with this rationale, and audited one by one</div>
<textarea class="govuk-textarea" id="release-rest-rationale" name="rationale" rows="2" aria-describedby="release-rest-hint"></textarea>
</div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Release the rest</button>
</form>`;
}

/** The manager's decision form, the preview link and publication. */
export function managerSection(user: ConsoleUser, referralId: string): Markup {
  if (user.principal.role !== 'hub-manager') return html``;
  return html`<h2 class="govuk-heading-m">Decision</h2>
<form method="post" action="/console/referrals/${referralId}/decision" novalidate>
${csrfInput(user)}
<div class="govuk-form-group">
<fieldset class="govuk-fieldset">
<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">RAG rating</legend>
<div class="govuk-radios govuk-radios--inline" data-module="govuk-radios">
${(['red', 'amber', 'green'] as const).map(
  (rag) => html`<div class="govuk-radios__item"><input class="govuk-radios__input" id="decision-rag-${rag}" name="rag" type="radio" value="${rag}"><label class="govuk-label govuk-radios__label" for="decision-rag-${rag}">${rag[0]?.toUpperCase()}${rag.slice(1)}</label></div>`,
)}
</div>
</fieldset>
</div>
<div class="govuk-form-group">
<label class="govuk-label govuk-label--s" for="decision-outcome">Outcome</label>
<select class="govuk-select" id="decision-outcome" name="outcome">
${Outcome.options.map((outcome) => html`<option value="${outcome}">${OUTCOME_NAMES[outcome]}</option>`)}
</select>
</div>
<div class="govuk-form-group">
<label class="govuk-label govuk-label--s" for="decision-rationale">Rationale</label>
<textarea class="govuk-textarea" id="decision-rationale" name="rationale" rows="3"></textarea>
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Record decision</button>
</form>
<p class="govuk-body"><a class="govuk-link" href="/console/referrals/${referralId}/preview">Preview the product</a> — exactly what the host case system will receive</p>`;
}

const RAG_NAMES = { red: 'Red', amber: 'Amber', green: 'Green' } as const;

/** What a released item says, from its content as the host receives it (redacted fields show their marker). */
function describeContent(kind: string, content: Readonly<Record<string, unknown>>): string {
  const text = (key: string): string | undefined => (typeof content[key] === 'string' ? content[key] : undefined);
  const name = (value: unknown): string | undefined => {
    if (typeof value !== 'object' || value === null) return undefined;
    const { given, family } = value as { given?: unknown; family?: unknown };
    return [...(Array.isArray(given) ? given.filter((g): g is string => typeof g === 'string') : []), typeof family === 'string' ? family : ''].join(' ').trim() || undefined;
  };
  switch (kind) {
    case 'person': {
      const names = Array.isArray(content.names) ? content.names : [];
      return [name(names[0]) ?? 'A person', text('birthDate') === undefined ? undefined : `born ${text('birthDate') ?? ''}`].filter((x) => x !== undefined).join(', ');
    }
    case 'relationship':
      return [text('relationship') ?? 'relationship', name(content.relatedName)].filter((x) => x !== undefined).join(': ');
    default:
      return [text('date'), text('summary') ?? text('flagKind') ?? kind].filter((x) => x !== undefined).join(': ');
  }
}

/** Publication is refused while items are undecided: say so, and offer to withhold them by default, with a reason. */
export function undecidedBody(user: ConsoleUser, referralId: string, message: string, error: string | undefined): Markup {
  return html`<span class="govuk-caption-l">Product preview</span>
<h1 class="govuk-heading-l">Some items have no release decision</h1>
<p class="govuk-body">${message}</p>
<p class="govuk-body">Their owning agencies can still decide them. Or publish now with every undecided item withheld by default: the host is told how many, and why.</p>
<form method="post" action="/console/referrals/${referralId}/preview" novalidate>
${csrfInput(user)}
<div class="govuk-form-group${error === undefined ? '' : ' govuk-form-group--error'}">
<label class="govuk-label govuk-label--s" for="withhold-rationale">Why publish with undecided items withheld</label>
${error === undefined ? '' : html`<p id="withhold-rationale-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ${error}</p>`}
<textarea class="govuk-textarea${error === undefined ? '' : ' govuk-textarea--error'}" id="withhold-rationale" name="withholdRationale" rows="3"${error === undefined ? '' : html` aria-describedby="withhold-rationale-error"`}></textarea>
</div>
<button type="submit" class="govuk-button" data-module="govuk-button">Preview with undecided items withheld</button>
</form>
<p class="govuk-body"><a class="govuk-link" href="/console/referrals/${referralId}">Back to the referral</a></p>`;
}

/** The product as the host would receive it, and the form that publishes it. */
export function previewBody(user: ConsoleUser, referralId: string, product: Product, withholdRationale: string | undefined): Markup {
  const byAgency = (agency: Agency): number => product.items.filter((i) => i.agency === agency).length;
  const agencies = [...new Set(product.items.map((i) => i.agency))].sort();
  return html`<span class="govuk-caption-l">Product preview, version ${product.version}</span>
<h1 class="govuk-heading-l">${product.externalReference ?? product.referralId}</h1>
<p class="govuk-body">This is what publishing now sends to the host case system: nothing else leaves the hub.</p>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">RAG rating</dt><dd class="govuk-summary-list__value" id="preview-rag">${RAG_NAMES[product.decision.rag]}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Outcome</dt><dd class="govuk-summary-list__value" id="preview-outcome">${OUTCOME_NAMES[product.decision.outcome]}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Rationale</dt><dd class="govuk-summary-list__value">${product.decision.rationale}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Items released</dt><dd class="govuk-summary-list__value" id="preview-items">${product.items.length}</dd></div>
${
  product.withheldByDefault === undefined
    ? ''
    : html`<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Withheld by default</dt><dd class="govuk-summary-list__value" id="preview-withheld">${product.withheldByDefault.itemCount} undecided ${product.withheldByDefault.itemCount === 1 ? 'item' : 'items'}: ${product.withheldByDefault.rationale}</dd></div>`
}
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Fingerprint</dt><dd class="govuk-summary-list__value"><code id="preview-fingerprint">${productSubstanceHash(product)}</code><br><span class="govuk-body-s">The same for the version the host receives: everything but its version number and publication time</span></dd></div>
</dl>
${agencies.map(
  (agency) => html`<h2 class="govuk-heading-s">${agencyName(agency)} (${byAgency(agency)})</h2>
<ul class="govuk-list govuk-list--bullet">
${product.items
  .filter((i) => i.agency === agency)
  .map((i) => html`<li data-item="${i.itemId}">${describeContent(i.kind, i.content)}${i.disposition === 'redacted' ? html` <strong class="govuk-tag govuk-tag--yellow">Redacted: ${i.redactedFields.join(', ')}</strong>` : ''}<br><span class="govuk-body-s">${i.source.sourceSystem} · ${i.source.sourceRecordId}</span></li>`)}
</ul>`,
)}
${
  product.signposts.length === 0
    ? ''
    : html`<h2 class="govuk-heading-s">Signposts</h2>
<ul class="govuk-list govuk-list--bullet" id="preview-signposts">
${product.signposts.map((s) => html`<li>${agencyName(s.agency)} holds ${s.itemCount} more ${s.itemCount === 1 ? 'item' : 'items'}: ${s.note} Contact: ${s.contact}</li>`)}
</ul>`
}
<form method="post" action="/console/referrals/${referralId}/publish" novalidate>
${csrfInput(user)}
${withholdRationale === undefined ? '' : html`<input type="hidden" name="withholdRationale" value="${withholdRationale}">`}
<button type="submit" class="govuk-button" data-module="govuk-button">Publish to the host case system</button>
</form>`;
}
