/**
 * Products built by hand for the host tests, as the firewall's product builder would make them
 * for the firewall's acceptance scenario: police withhold an intelligence item (a signpost), health
 * redact a field of a restricted entry, education, housing and social care release. Synthetic
 * people only. The withheld and redacted originals are exported so tests can prove that no
 * serialisation of the product carries them.
 */
import type { AgencyCheck } from '../../src/model/check.ts';
import { Product, redactionMarker, type ProductItem } from '../../src/model/product.ts';
import { sha256Hex } from '../../src/lib/ids.ts';

/** Text the owners kept back: it must never appear in anything sent to the host. */
export const WITHHELD_TEXT = {
  policeIntelligence: 'Informant states the stepfather deals from the garage at 14 Quarry Lane',
  healthRedactedDetail: 'Disclosed during a consultation at the Larkfield sexual health clinic',
} as const;

const referralId = '3f2c9a1e-5b7d-4c8e-9a10-2b3c4d5e6f70';

function check(agency: AgencyCheck['agency'], answer: AgencyCheck['answer'], counts: Partial<Omit<AgencyCheck, 'agency' | 'answer' | 'statement'>>, statement: string): AgencyCheck {
  return { agency, answer, lookups: 0, complete: 0, partial: 0, failed: 0, timedOut: 0, notPermitted: 0, pending: 0, ...counts, statement };
}

function item(partial: Omit<ProductItem, 'redactedFields' | 'disposition'> & Partial<Pick<ProductItem, 'redactedFields' | 'disposition'>>): ProductItem {
  return { disposition: 'released', redactedFields: [], ...partial };
}

const items: ProductItem[] = [
  item({
    itemId: 'fct_health_1',
    agency: 'health',
    kind: 'event',
    disposition: 'redacted',
    sensitivity: 'restricted',
    content: {
      eventKind: 'attendance',
      date: '2025-11-03',
      summary: 'Emergency department attendance with a wrist injury',
      detail: redactionMarker('health', 'Clinical detail withheld; contact the safeguarding named nurse'),
      status: 'finished',
      subjectRef: 'c1',
    },
    redactedFields: ['detail'],
    source: { sourceSystem: 'GP Connect', sourceRecordId: 'Encounter/enc-77', retrievedAt: '2025-11-20T09:15:02.120Z', lawfulBasis: 'children-act-1989-s47' },
  }),
  item({
    itemId: 'fct_health_2',
    agency: 'health',
    kind: 'flag',
    sensitivity: 'sensitive',
    content: { flagKind: 'safeguarding', summary: 'Child on a child protection plan', period: { start: '2025-06-01' }, status: 'active', subjectRef: 'c1' },
    source: { sourceSystem: 'GP Connect', sourceRecordId: 'Flag/flg-3', retrievedAt: '2025-11-20T09:15:03Z', lawfulBasis: 'children-act-1989-s47' },
  }),
  item({
    itemId: 'fct_education_1',
    agency: 'education',
    kind: 'event',
    sensitivity: 'open',
    content: { eventKind: 'absence', date: '2025-10-01', endDate: '2025-10-17', summary: 'Persistent absence, 11 sessions missed', subjectRef: 'c1' },
    source: { sourceSystem: 'Capita SIMS', sourceRecordId: 'ATT-2025-0091', retrievedAt: '2025-11-20T09:15:04+00:00', lawfulBasis: 'children-act-1989-s47' },
  }),
  item({
    itemId: 'fct_housing_1',
    agency: 'housing',
    kind: 'person',
    sensitivity: 'open',
    content: {
      names: [{ given: ['Dawn'], family: 'Featherstone' }],
      birthDate: '1988-04-12',
      addresses: [{ lines: ['Flat 3', '9 Mill Row'], town: 'Larkfield', postcode: 'LK1 2AB' }],
      identifiers: [{ system: 'local', value: 'TEN-4411', issuer: 'Larkfield Homes' }],
    },
    source: { sourceSystem: 'Northgate Housing', sourceRecordId: 'P-4411', retrievedAt: '2025-11-20T10:15:05+01:00', lawfulBasis: 'children-act-1989-s47' },
  }),
  item({
    itemId: 'fct_social_1',
    agency: 'social-care',
    kind: 'relationship',
    sensitivity: 'open',
    content: { relationship: 'parent', relatedRef: 'SCR100009', relatedName: { given: ['Dawn'], family: 'Featherstone' }, period: { start: '2015-02-14' } },
    source: { sourceSystem: 'Mosaic', sourceRecordId: 'REL-1001', retrievedAt: '2025-11-20T09:15:06Z', lawfulBasis: 'children-act-1989-s47' },
  }),
  item({
    itemId: 'fct_social_2',
    agency: 'social-care',
    kind: 'event',
    sensitivity: 'open',
    // Characters a careless XHTML writer would let through: markup, an ampersand, a control character.
    content: { eventKind: 'assessment', date: '2025-01-09', summary: 'Single assessment <closed> & stepped down to early help\u0007', status: 'closed' },
    source: { sourceSystem: 'Mosaic', sourceRecordId: 'ASM-77', retrievedAt: '2025-11-20T09:15:07Z', lawfulBasis: 'children-act-1989-s47' },
  }),
];

const withoutHash = {
  productId: 'prd_7d1e0c3a9b2f4e6d8c1a0b9f8e7d6c5b',
  referralId,
  externalReference: 'FD-2025-1187',
  version: 1,
  publishedAt: '2025-11-20T11:30:00Z',
  publishedBy: 'manager-ashworth',
  threshold: 'child-protection' as const,
  decision: {
    rag: 'red' as const,
    outcome: 'strategy-discussion' as const,
    rationale: 'Injury pattern and persistent absence with an active plan: convene a strategy discussion today.',
    decidedAt: '2025-11-20T11:25:00Z',
    decidedBy: 'manager-ashworth',
  },
  subjects: [
    { ref: 'c1', role: 'child' as const, name: { given: ['Kayden'], family: 'Featherstone' }, birthDate: '2015-02-14' },
    { ref: 'm1', role: 'parent' as const, name: { given: ['Dawn'], family: 'Featherstone', use: 'official' as const }, birthDate: '1988-04-12' },
  ],
  items,
  signposts: [{ agency: 'police' as const, itemCount: 1, contact: 'MASH police desk, 01632 960 111, mash.police@example.invalid', note: 'Police hold intelligence relevant to this household.' }],
  // Which agencies were checked: health answered only in part (a candidate cap), housing failed for one person.
  checks: [
    check('health', 'incomplete', { lookups: 2, complete: 1, partial: 1 }, 'Health was checked for 2 people; the answer is incomplete: 1 answer was cut short — Patient search: 5 of 19 matching records read (candidate cap).'),
    check('police', 'complete', { lookups: 2, complete: 2 }, 'Police was checked for 2 people; every answer was complete.'),
    check('education', 'complete', { lookups: 2, complete: 2 }, 'Education was checked for 2 people; every answer was complete.'),
    check('housing', 'incomplete', { lookups: 2, complete: 1, failed: 1 }, 'Housing was checked for 2 people; the answer is incomplete: 1 lookup failed.'),
    check('social-care', 'complete', { lookups: 2, complete: 2 }, "Children's social care was checked for 2 people; every answer was complete."),
  ],
};

/** The acceptance scenario's product, version 1. */
export const sampleProduct: Product = Product.parse({ ...withoutHash, contentHash: sha256Hex(JSON.stringify(withoutHash)) });

/** A product with a different id or version, and optionally other changes. */
export function productWith(changes: Partial<Product>): Product {
  const base = { ...sampleProduct, ...changes };
  const { contentHash: _hash, ...rest } = base;
  return Product.parse({ ...rest, contentHash: sha256Hex(JSON.stringify(rest)) });
}

/** The smallest product: one child, nothing released, nothing withheld. */
export const minimalProduct: Product = productWith({
  productId: 'prd_minimal',
  subjects: [{ ref: 'c1', role: 'child', name: { given: ['Mia'], family: 'Okafor' } }],
  items: [],
  signposts: [],
  externalReference: null,
  decision: { rag: 'green', outcome: 'no-further-action', rationale: 'No concerns found.', decidedAt: '2025-11-21T08:00:00Z', decidedBy: 'manager-okoro' },
});
