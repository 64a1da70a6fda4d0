/**
 * The people of a case in the console: the family as a genogram (SVG drawn here, on the server:
 * no script, no client library), with the same relationships as a table for those who do not see
 * the drawing; the merged chronology, filtered by agency and kind; and the possible matches the
 * viewer's agency must decide (confirm or reject, with a reason). What is shown is the picture as
 * this viewer may see it — the case module built it under the policy.
 */
import { html, raw } from 'hono/html';
import { escapeToBuffer } from 'hono/utils/html';
import { z } from 'zod';
import { Agency } from '../../model/agency.ts';
import type { Picture } from '../../model/picture.ts';
import { agencyName, csrfInput, type Markup } from './layout.ts';
import type { ConsoleUser } from './session.ts';

/** The family graph as the picture carries it (src/mapping/family.ts), parsed at the boundary. */
const Family = z.object({
  childPersonId: z.string(),
  nodes: z.array(z.object({ personId: z.string(), role: z.string(), sources: z.array(z.string()), depth: z.number().int(), coResident: z.boolean() }).loose()),
  edges: z.array(z.object({ from: z.string(), to: z.string(), relationship: z.string(), coResident: z.boolean().optional() }).loose()),
});
type Family = z.infer<typeof Family>;

const ChronologyEntry = z
  .object({
    id: z.string(),
    date: z.string().optional(),
    endDate: z.string().optional(),
    kind: z.string(),
    summary: z.string(),
    agencies: z.array(Agency),
    sources: z.array(z.object({ agency: Agency, sourceRecordId: z.string() }).loose()),
  })
  .loose();
type ChronologyEntry = z.infer<typeof ChronologyEntry>;

const escape = (text: string): string => {
  const buffer: [string] = [''];
  escapeToBuffer(text, buffer);
  return buffer[0];
};

const personName = (picture: Picture, ref: string): string => {
  const person = picture.persons.find((p) => p.subjectRef === ref);
  if (person === undefined) return ref;
  return `${person.name.given.join(' ')} ${person.name.family}`.trim() || ref;
};

/** Generations above the child (parents, carers), the child's own (siblings, the child), and the rest. */
const ROW_OF: Readonly<Record<string, number>> = { parent: 0, 'step-parent': 0, carer: 0, guardian: 0, grandparent: 0, partner: 0, child: 1, sibling: 1, 'half-sibling': 1, 'step-sibling': 1 };

/**
 * The genogram: the child and the people around them, parents and carers above, siblings beside,
 * lines for each relationship. Text carries the meaning (names, roles, "lives with the child"),
 * never colour or line style alone (WCAG 1.4.1).
 */
export function genogramSvg(picture: Picture, family: Family): string {
  const width = 180;
  const gap = 30;
  const rows: Family['nodes'][] = [[], [], []];
  for (const node of family.nodes) (rows[node.personId === family.childPersonId ? 1 : (ROW_OF[node.role] ?? 2)] ?? rows[2])?.push(node);
  const columns = Math.max(1, ...rows.map((r) => r.length));
  const totalWidth = columns * (width + gap) + gap;
  const position = new Map<string, { x: number; y: number }>();
  rows.forEach((row, r) => {
    const offset = (totalWidth - (row.length * (width + gap) - gap)) / 2;
    row.forEach((node, i) => position.set(node.personId, { x: offset + i * (width + gap), y: 20 + r * 110 }));
  });
  const height = 20 + rows.filter((r) => r.length > 0).length * 110;
  const lines = family.edges.flatMap((edge) => {
    const a = position.get(edge.from);
    const b = position.get(edge.to);
    if (a === undefined || b === undefined) return [];
    return [`<line x1="${a.x + width / 2}" y1="${a.y + 30}" x2="${b.x + width / 2}" y2="${b.y + 30}" class="mash-genogram__edge"${edge.coResident === true ? '' : ' stroke-dasharray="6 4"'}/>`];
  });
  const boxes = family.nodes.flatMap((node) => {
    const at = position.get(node.personId);
    if (at === undefined) return [];
    const isChild = node.personId === family.childPersonId;
    return [
      `<g><rect x="${at.x}" y="${at.y}" width="${width}" height="60" rx="${isChild ? 0 : 8}" class="mash-genogram__person${isChild ? ' mash-genogram__person--child' : ''}"/>`,
      `<text x="${at.x + 10}" y="${at.y + 24}" class="mash-genogram__name">${escape(personName(picture, node.personId).slice(0, 24))}</text>`,
      `<text x="${at.x + 10}" y="${at.y + 46}" class="mash-genogram__role">${escape(isChild ? 'the child' : node.role)}${node.coResident && !isChild ? ' · lives with the child' : ''}</text></g>`,
    ];
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${totalWidth} ${height}" width="100%" role="img" aria-labelledby="genogram-title genogram-desc" class="mash-genogram"><title id="genogram-title">Family of ${escape(personName(picture, family.childPersonId))}</title><desc id="genogram-desc">${family.nodes.length} people; the table below lists each relationship.</desc>${lines.join('')}${boxes.join('')}</svg>`;
}

/** The family: the genogram and, for every reader, the relationships as a table. */
export function familySection(picture: Picture): Markup {
  const family = Family.safeParse(picture.family);
  if (!family.success || family.data.nodes.length === 0) return html`<h2 class="govuk-heading-m">Family</h2><p class="govuk-body">No household found yet.</p>`;
  return html`<h2 class="govuk-heading-m">Family</h2>
<div class="mash-genogram-wrapper">${raw(genogramSvg(picture, family.data))}</div>
<table class="govuk-table">
<caption class="govuk-table__caption govuk-table__caption--s">Relationships</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Person</th><th scope="col" class="govuk-table__header">To the child</th><th scope="col" class="govuk-table__header">Lives with the child</th><th scope="col" class="govuk-table__header">Known to</th></tr></thead>
<tbody class="govuk-table__body">
${family.data.nodes
  .filter((n) => n.personId !== family.data.childPersonId)
  .map(
    (n) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${personName(picture, n.personId)}</td><td class="govuk-table__cell">${n.role}</td><td class="govuk-table__cell">${n.coResident ? 'Yes' : 'Not known'}</td><td class="govuk-table__cell">${n.sources.map((s) => (Agency.safeParse(s).success ? agencyName(s as Agency) : s)).join(', ')}</td></tr>`,
  )}
</tbody>
</table>`;
}

export interface ChronologyFilters {
  readonly agency?: string | undefined;
  readonly kind?: string | undefined;
}

/** One time-ordered list across agencies, filtered by agency and kind (a GET form: filters are not case content). */
export function chronologySection(referralId: string, picture: Picture, filters: ChronologyFilters): Markup {
  const entries = picture.chronology.flatMap((raw) => {
    const entry = ChronologyEntry.safeParse(raw);
    return entry.success ? [entry.data] : [];
  });
  const kinds = [...new Set(entries.map((e) => e.kind))].sort();
  const agencies = [...new Set(entries.flatMap((e) => e.agencies))].sort();
  const shown = entries.filter((e: ChronologyEntry) => (filters.agency === undefined || filters.agency === '' || e.agencies.includes(filters.agency as Agency)) && (filters.kind === undefined || filters.kind === '' || e.kind === filters.kind));
  return html`<h2 class="govuk-heading-m" id="chronology">Chronology</h2>
<form method="get" action="/console/referrals/${referralId}#chronology" class="mash-filters">
<div class="govuk-form-group mash-filter"><label class="govuk-label govuk-label--s" for="chronology-agency">Agency</label>
<select class="govuk-select" id="chronology-agency" name="agency"><option value="">Any</option>${agencies.map((a) => html`<option value="${a}"${filters.agency === a ? html` selected` : ''}>${agencyName(a)}</option>`)}</select></div>
<div class="govuk-form-group mash-filter"><label class="govuk-label govuk-label--s" for="chronology-kind">Kind</label>
<select class="govuk-select" id="chronology-kind" name="kind"><option value="">Any</option>${kinds.map((k) => html`<option value="${k}"${filters.kind === k ? html` selected` : ''}>${k}</option>`)}</select></div>
<button type="submit" class="govuk-button govuk-button--secondary mash-filters__apply" data-module="govuk-button">Filter the chronology</button>
</form>
${
  shown.length === 0
    ? html`<p class="govuk-body" id="no-chronology">Nothing in the chronology matches.</p>`
    : html`<table class="govuk-table mash-chronology">
<caption class="govuk-table__caption govuk-visually-hidden">Chronology, oldest first</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">When</th><th scope="col" class="govuk-table__header">What</th><th scope="col" class="govuk-table__header">Kind</th><th scope="col" class="govuk-table__header">From</th></tr></thead>
<tbody class="govuk-table__body">
${shown.map(
  (e) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${e.date ?? 'Undated'}${e.endDate === undefined ? '' : ` to ${e.endDate}`}</td><td class="govuk-table__cell">${e.summary}</td><td class="govuk-table__cell">${e.kind}</td><td class="govuk-table__cell mash-break">${e.sources.map((s) => `${agencyName(s.agency)} (${s.sourceRecordId})`).join('; ')}</td></tr>`,
)}
</tbody>
</table>`
}`;
}

/** The words a practitioner reads for a comparison's field (the engine's names otherwise). */
const FIELD_NAMES: Readonly<Record<string, string>> = {
  given: 'First name', family: 'Family name', birthDate: 'Date of birth', sex: 'Sex', address: 'Address', town: 'Town',
  email: 'E-mail', otherId: 'Other identifier', nhsUnchecked: 'NHS number (not checked)', nhsNumber: 'NHS number', upn: 'UPN', pncId: 'PNC ID',
};

type Evidence = Picture['possibleMatches'][number]['evidence'];

/**
 * Why two records were judged one person (or may be): each comparison, the level it reached and
 * its weight in bits, and the model version that scored it — the evidence the hub keeps with
 * every link (docs/decisions.md "The live person index trains its own model"), for the
 * practitioner to read. Closed by default (GOV.UK details).
 */
export function evidenceDetails(summary: string, evidence: Evidence, modelVersion: number | null | undefined): Markup {
  const counted = evidence.filter((e) => e.weight !== 0);
  const uncounted = evidence.filter((e) => e.weight === 0);
  return html`<details class="govuk-details govuk-!-margin-bottom-2"><summary class="govuk-details__summary"><span class="govuk-details__summary-text">${summary}</span></summary>
<div class="govuk-details__text">
<table class="govuk-table govuk-!-font-size-16"><caption class="govuk-table__caption govuk-table__caption--s">Comparisons and their weights${modelVersion === null || modelVersion === undefined ? '' : `, scored by model version ${modelVersion}`}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">Compared</th><th scope="col" class="govuk-table__header">Result</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Weight (bits)</th></tr></thead>
<tbody class="govuk-table__body">${counted.map((e) => html`<tr class="govuk-table__row"><td class="govuk-table__cell">${FIELD_NAMES[e.field] ?? e.field}</td><td class="govuk-table__cell">${e.level}</td><td class="govuk-table__cell govuk-table__cell--numeric">${e.weight > 0 ? '+' : ''}${e.weight.toFixed(1)}</td></tr>`)}</tbody>
</table>
${uncounted.length === 0 ? '' : html`<p class="govuk-body-s">Not counted: ${uncounted.map((e) => `${FIELD_NAMES[e.field] ?? e.field} (${e.level})`).join(', ')}.</p>`}
</div></details>`;
}

const HOW_LINKED: Readonly<Record<string, string>> = {
  match: 'matched automatically', possible: 'possible match, awaiting a decision', new: 'a new person to the hub', confirmed: 'confirmed by a practitioner', rejected: 'rejected by a practitioner',
};

/**
 * How each record in the picture came to be this case's person: matched automatically or
 * confirmed, with what probability and evidence; and how the hub person index linked it across
 * referrals (to which hub person, scored by which model version).
 */
export function recordsSection(picture: Picture): Markup {
  const persons = picture.persons.filter((p) => p.records.length > 0);
  if (persons.length === 0) return html``;
  return html`<h2 class="govuk-heading-m" id="records">How the records were matched</h2>
${persons.map(
  (p) => html`<h3 class="govuk-heading-s">${personName(picture, p.subjectRef)} <span class="govuk-caption-s">${p.role}</span></h3>
<ul class="govuk-list">
${p.records.map(
  (r) => html`<li id="record-${r.factId}"><p class="govuk-body govuk-!-margin-bottom-1"><strong>${agencyName(r.agency)}</strong> record ${r.personRef}: ${r.outcome === 'confirmed' ? 'confirmed by a practitioner' : 'matched automatically'} (${(r.probability * 100).toFixed(1)} %)${
    r.personLink === null || r.personLink === undefined ? '' : html`; across referrals, ${HOW_LINKED[r.personLink.outcome] ?? r.personLink.outcome} (hub person ${r.personLink.hubPersonId.slice(0, 8)})`
  }</p>
${evidenceDetails('Why this record is this person', r.evidence, 0)}
${r.personLink === null || r.personLink === undefined || r.personLink.evidence.length === 0 ? '' : evidenceDetails('Why it was linked across referrals', r.personLink.evidence, r.personLink.modelVersion)}</li>`,
)}
</ul>`,
)}`;
}

/**
 * The answer to a possible match — same person or not, and why — wherever it is asked (a
 * referral's page, the review queue); its fields' ids are those the error summary links to
 * (kit.ts `matchDecisionOf`). `saving` completes the button's hidden text for screen readers.
 */
export function matchDecisionForm(user: ConsoleUser, action: string, matchId: string, saving: string): Markup {
  return html`<form method="post" action="${action}" novalidate>
${csrfInput(user)}
<div class="govuk-form-group"><fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Is this the same person?</legend>
<div class="govuk-radios govuk-radios--inline govuk-radios--small" data-module="govuk-radios">
<div class="govuk-radios__item"><input class="govuk-radios__input" id="confirm-${matchId}" name="decision" type="radio" value="confirm"><label class="govuk-label govuk-radios__label" for="confirm-${matchId}">Yes, confirm</label></div>
<div class="govuk-radios__item"><input class="govuk-radios__input" id="reject-${matchId}" name="decision" type="radio" value="reject"><label class="govuk-label govuk-radios__label" for="reject-${matchId}">No, reject</label></div>
</div></fieldset></div>
<div class="govuk-form-group"><label class="govuk-label" for="reason-${matchId}">Reason</label><textarea class="govuk-textarea" id="reason-${matchId}" name="reason" rows="2"></textarea></div>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Save<span class="govuk-visually-hidden"> ${saving}</span></button>
</form>`;
}

/** Possible matches the viewer may decide: their own agency's records (identity:decide). */
export function possibleMatchesSection(user: ConsoleUser, referralId: string, picture: Picture): Markup {
  const mine = picture.possibleMatches.filter((m) => user.principal.role === 'hub-practitioner' && m.agency === user.principal.agency);
  const others = picture.possibleMatches.length - mine.length;
  if (picture.possibleMatches.length === 0) return html``;
  return html`<h2 class="govuk-heading-m">Possible matches</h2>
<p class="govuk-body">Records that may be someone in this case. Their facts stay out of the picture and of every product until their agency confirms them.${others > 0 ? ` ${others} more await another agency's decision.` : ''}</p>
${mine.map((m) => {
  const candidate = m.candidate;
  const name = candidate?.names[0] === undefined ? m.id : `${candidate.names[0].given.join(' ')} ${candidate.names[0].family}`.trim();
  return html`<div class="govuk-summary-card" id="match-${m.id}">
<div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">${name}${candidate === null ? '' : html` <span class="govuk-body-s">(${candidate.agencyRecordId})</span>`} may be ${personName(picture, m.subjectRef ?? '')}</h3></div>
<div class="govuk-summary-card__content">
<p class="govuk-body-s">${m.reason}</p>
${evidenceDetails(`Why it may be this person (${((1 / (1 + 2 ** -m.score)) * 100).toFixed(1)} %)`, m.evidence, m.modelVersion)}
${matchDecisionForm(user, `/console/referrals/${referralId}/matches/${m.id}`, m.id, `the decision on ${name}`)}
</div>
</div>`;
})}`;
}
