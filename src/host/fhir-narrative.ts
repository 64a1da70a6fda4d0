/**
 * The human-readable side of the FHIR document: XHTML narrative for sections, and plain text
 * for each released item. A document's narrative is what a practitioner in the host system
 * reads and what the hub attests to (FHIR R4 "Documents": the narrative is the attested
 * content), so every item the owner released appears here in full — and nothing else does:
 * the text is built only from the product, which holds no withheld content.
 *
 * Why by hand: item content is the fact as released (`Record<string, unknown>`), so it is
 * rendered defensively — known shapes (names, identifiers, addresses, periods) read as such,
 * anything else as "Field: value" — and every string is escaped and stripped of characters
 * XML 1.0 forbids, so no released text can break or inject into the XHTML (txt-1, txt-2).
 */
/// <reference types="fhir" />
import type { ProductItem } from '../model/product.ts';
import { IsoDate } from '../model/person.ts';

const XHTML_NS = 'http://www.w3.org/1999/xhtml';
/** How deep nested content is rendered; deeper values are summarised, never dropped silently. */
const MAX_DEPTH = 4;

/** Keys shown elsewhere (label, headline, Observation timing) or internal to the hub. */
const SHOWN_ELSEWHERE: ReadonlySet<string> = new Set(['id', 'kind', 'provenance', 'subjectRef']);
/** Where the headline comes from, first that holds text. */
const HEADLINE_KEYS = ['summary', 'names', 'relatedName'] as const;
/** The key whose value qualifies the kind in the label, per kind. */
const SUBTYPE_KEY: Readonly<Record<ProductItem['kind'], string>> = { person: '', relationship: 'relationship', event: 'eventKind', flag: 'flagKind' };
const KIND_LABEL: Readonly<Record<ProductItem['kind'], string>> = { person: 'Person record', relationship: 'Relationship', event: 'Event', flag: 'Flag' };

/** An item as text: a short label ("Event (incident)"), a headline, and one line per other field. */
export interface ItemText {
  readonly label: string;
  readonly headline: string;
  readonly details: readonly string[];
}

/**
 * Text with characters XML 1.0 cannot carry (C0 controls other than tab, LF and CR, lone
 * surrogates, U+FFFE/U+FFFF) replaced by U+FFFD. Also makes a valid FHIR `string`.
 */
export function cleanText(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching the forbidden characters is the point
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** Escapes text for XHTML element content. */
export function escapeXml(text: string): string {
  return cleanText(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A FHIR Narrative (status generated) around already-escaped XHTML. */
export function narrative(innerXhtml: string): fhir4.Narrative {
  return { status: 'generated', div: `<div xmlns="${XHTML_NS}">${innerXhtml}</div>` };
}

/** Paragraphs from plain text lines, escaped. */
export function paragraphs(lines: readonly string[]): string {
  return lines.map((line) => `<p>${escapeXml(line)}</p>`).join('');
}

/**
 * The item's label, headline and remaining fields, from its released content. `about` names
 * the referral subject the item is linked to (`content.subjectRef`), when it is one.
 */
export function describeItem(item: ProductItem, about?: string): ItemText {
  const content = item.content;
  const subtypeKey = SUBTYPE_KEY[item.kind];
  const subtype = subtypeKey === '' ? undefined : render(content[subtypeKey], 0);
  const label = subtype === undefined ? KIND_LABEL[item.kind] : `${KIND_LABEL[item.kind]} (${subtype})`;
  const headlineKey = HEADLINE_KEYS.find((key) => render(content[key], 0) !== undefined);
  const headline = (headlineKey === undefined ? undefined : render(content[headlineKey], 0)) ?? label;
  const details: string[] = about === undefined ? [] : [`About: ${about}`];
  for (const [key, value] of Object.entries(content).sort(byFieldOrder)) {
    if (SHOWN_ELSEWHERE.has(key) || key === subtypeKey || key === headlineKey) continue;
    const text = render(value, 0);
    if (text !== undefined) details.push(`${fieldLabel(key)}: ${text}`);
  }
  return { label: cleanText(label), headline: cleanText(headline), details: details.map(cleanText) };
}

/** Fields a reader expects first, in this order; the rest follow by name. */
const LEADING_FIELDS: readonly string[] = ['date', 'endDate', 'period', 'status', 'detail'];

/**
 * A fixed order of fields, whatever order the content arrived in: a product reloaded from the
 * store (jsonb reorders keys) must give the same document, byte for byte.
 */
function byFieldOrder([a]: readonly [string, unknown], [b]: readonly [string, unknown]): number {
  const rank = (key: string): number => {
    const index = LEADING_FIELDS.indexOf(key);
    return index === -1 ? LEADING_FIELDS.length : index;
  };
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** An item as one XHTML list entry, with the redaction note when the owner redacted fields. */
export function itemListEntry(item: ProductItem, text: ItemText): string {
  const lines = text.details.map((line) => `<br/>${escapeXml(line)}`).join('');
  const redaction =
    item.disposition === 'redacted'
      ? `<br/><i>${escapeXml(`Redacted by the owning agency: ${item.redactedFields.length === 0 ? 'some content' : item.redactedFields.join(', ')}`)}</i>`
      : '';
  return `<li><b>${escapeXml(text.label)}</b>: ${escapeXml(text.headline)}${lines}${redaction}</li>`;
}

/** When the item happened or applied, from `date`/`endDate` or `period`, when they are real dates. */
export function itemPeriod(content: Readonly<Record<string, unknown>>): { start?: string; end?: string } {
  const date = (value: unknown): string | undefined => (IsoDate.safeParse(value).success && typeof value === 'string' ? value : undefined);
  const period = content.period;
  const fromPeriod = isRecord(period) ? { start: date(period.start), end: date(period.end) } : {};
  const start = date(content.date) ?? fromPeriod.start;
  const end = date(content.endDate) ?? fromPeriod.end;
  return { ...(start === undefined ? {} : { start }), ...(end === undefined ? {} : { end }) };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "eventKind" → "Event kind", "sourceRecordId" → "Source record id". */
function fieldLabel(key: string): string {
  const words = key.replace(/[_-]+/g, ' ').replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().trim();
  return words === '' ? key : `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
}

/** A value as one line of text, or undefined when it holds nothing to show. */
function render(value: unknown, depth: number): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (depth >= MAX_DEPTH) return '(nested content)';
  if (Array.isArray(value)) {
    const parts = value.map((v) => render(v, depth + 1)).filter((v) => v !== undefined);
    return parts.length === 0 ? undefined : parts.join('; ');
  }
  if (!isRecord(value)) return undefined;
  return renderKnownShape(value, depth) ?? renderRecord(value, depth);
}

/** Names, identifiers, addresses and periods of the common model, written as a person would. */
function renderKnownShape(value: Readonly<Record<string, unknown>>, depth: number): string | undefined {
  const { given, family, system, lines, town, postcode, start, end } = value;
  if (typeof family === 'string' && Array.isArray(given)) {
    const givenText = render(given, depth + 1)?.replace(/; /g, ' ');
    return [givenText, family].filter((p) => p !== undefined && p !== '').join(' ');
  }
  if (typeof system === 'string' && typeof value.value === 'string') return `${value.value} (${typeof value.issuer === 'string' ? value.issuer : system})`;
  if (Array.isArray(lines) || typeof town === 'string' || typeof postcode === 'string') {
    const parts = [render(lines, depth + 1)?.replace(/; /g, ', '), render(town, depth + 1), render(postcode, depth + 1)].filter((p) => p !== undefined);
    return parts.length === 0 ? undefined : parts.join(', ');
  }
  if ((typeof start === 'string' || typeof end === 'string') && Object.keys(value).every((k) => k === 'start' || k === 'end')) {
    return `${typeof start === 'string' ? start : '…'} to ${typeof end === 'string' ? end : 'now'}`;
  }
  return undefined;
}

function renderRecord(value: Readonly<Record<string, unknown>>, depth: number): string | undefined {
  const parts: string[] = [];
  for (const [key, inner] of Object.entries(value).sort(byFieldOrder)) {
    const text = render(inner, depth + 1);
    if (text !== undefined) parts.push(`${fieldLabel(key)}: ${text}`);
  }
  return parts.length === 0 ? undefined : parts.join(', ');
}
