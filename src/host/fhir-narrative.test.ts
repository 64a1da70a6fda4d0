/**
 * Narrative text of released items: escaped, free of characters XML cannot carry, and complete —
 * every released field appears, known shapes read as a person would write them.
 */
import { describe, expect, it } from 'vitest';
import type { ProductItem } from '../model/product.ts';
import { cleanText, describeItem, escapeXml, itemListEntry, itemPeriod, narrative } from './fhir-narrative.ts';

const item = (content: Record<string, unknown>, kind: ProductItem['kind'] = 'event', disposition: ProductItem['disposition'] = 'released'): ProductItem => ({
  itemId: 'i1',
  agency: 'police',
  kind,
  disposition,
  sensitivity: 'open',
  content,
  redactedFields: disposition === 'redacted' ? ['detail'] : [],
  source: { sourceSystem: 'Niche RMS', sourceRecordId: 'OCC-1', retrievedAt: '2025-11-20T09:00:00Z', lawfulBasis: 'children-act-1989-s47' },
});

describe('escapeXml and cleanText', () => {
  it('escapes markup and replaces characters XML 1.0 forbids', () => {
    expect(escapeXml('<script>alert("x")</script> & more')).toBe('&lt;script&gt;alert("x")&lt;/script&gt; &amp; more');
    expect(cleanText('bell\u0007 nul\u0000 lone\ud800 tab\tnewline\n')).toBe('bell\ufffd nul\ufffd lone\ufffd tab\tnewline\n');
    expect(cleanText('pair \ud83d\ude00 kept')).toBe('pair \ud83d\ude00 kept');
  });

  it('wraps narrative in an XHTML div', () => {
    expect(narrative('<p>x</p>')).toEqual({ status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p>x</p></div>' });
  });
});

describe('describeItem', () => {
  it('labels by kind and subtype, heads with the summary, and lists every other field', () => {
    const text = describeItem(item({ eventKind: 'incident', summary: 'Domestic incident attended', date: '2025-10-02', riskGrading: 'medium', officers: 2, kind: 'event', id: 'x' }), 'Kayden Featherstone');
    expect(text).toEqual({
      label: 'Event (incident)',
      headline: 'Domestic incident attended',
      details: ['About: Kayden Featherstone', 'Date: 2025-10-02', 'Officers: 2', 'Risk grading: medium'],
    });
  });

  it('reads names, identifiers, addresses and periods', () => {
    const text = describeItem(
      item(
        {
          names: [{ given: ['Dawn', 'Marie'], family: 'Featherstone' }],
          identifiers: [{ system: 'pnc-id', value: '12/345678A' }],
          addresses: [{ lines: ['9 Mill Row'], postcode: 'LK1 2AB', period: { start: '2020-01-01' } }],
          period: { start: '2020-01-01', end: '2021-01-01' },
          nested: { deeper: { deepest: { bottom: { floor: { basement: 'x' } } } } },
        },
        'person',
      ),
    );
    expect(text.label).toBe('Person record');
    expect(text.headline).toBe('Dawn Marie Featherstone');
    expect(text.details).toEqual([
      'Period: 2020-01-01 to 2021-01-01',
      'Addresses: 9 Mill Row, LK1 2AB',
      'Identifiers: 12/345678A (pnc-id)',
      'Nested: Deeper: Deepest: Bottom: Floor: (nested content)',
    ]);
  });

  it('lists fields in a fixed order, whatever order the content arrived in', () => {
    const content = { zeta: 'z', status: 'open', alpha: { b: 1, a: 2 }, date: '2025-01-01', summary: 'S' };
    const reversed = Object.fromEntries(Object.entries(content).reverse().map(([k, v]) => [k, typeof v === 'object' ? { a: 2, b: 1 } : v]));
    expect(describeItem(item(reversed))).toEqual(describeItem(item(content)));
    expect(describeItem(item(content)).details).toEqual(['Date: 2025-01-01', 'Status: open', 'Alpha: A: 2, B: 1', 'Zeta: z']);
  });

  it('falls back to the label when nothing gives a headline', () => {
    expect(describeItem(item({ flagKind: 'mappa' }, 'flag')).headline).toBe('Flag (mappa)');
  });

  it('notes a redaction in the list entry', () => {
    const released = item({ summary: 'Seen', detail: '[REDACTED by police] Ask the MASH desk' }, 'event', 'redacted');
    expect(itemListEntry(released, describeItem(released))).toContain('<i>Redacted by the owning agency: detail</i>');
  });
});

describe('itemPeriod', () => {
  it('takes real dates from date/endDate or period, and ignores anything else', () => {
    expect(itemPeriod({ date: '2025-01-02', endDate: '2025-01-05' })).toEqual({ start: '2025-01-02', end: '2025-01-05' });
    expect(itemPeriod({ period: { start: '2025-01-02' } })).toEqual({ start: '2025-01-02' });
    expect(itemPeriod({ date: '2025-02-30', period: 'soon' })).toEqual({});
  });
});
