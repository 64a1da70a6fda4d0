/**
 * The product builder's signposts (DESIGN.md rule 5): a withheld item is shown only as "relevant
 * information exists, contact …", and whom to contact is the owner's word where it gave one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Fact } from '../model/fact.ts';
import { ReferralInput } from '../model/referral.ts';
import type { ItemRecord } from '../model/item.ts';
import { buildProduct, defaultSignpostContact, type ProductInput } from './product.ts';

const referral = ReferralInput.parse(JSON.parse(readFileSync(new URL('../../examples/referral.json', import.meta.url), 'utf8')));

function policeEvent(id: string, summary: string): Fact {
  return Fact.parse({
    id,
    kind: 'event',
    personRef: 'Person/P1',
    eventKind: 'incident',
    date: '2025-09-14',
    summary,
    provenance: {
      agency: 'police',
      connectorId: 'police-sim',
      sourceSystem: 'Simulated police records',
      sourceRecordId: `Occurrence/${id}`,
      lookupId: 'lkp_1',
      retrievedAt: '2025-11-20T09:15:02.120Z',
      lawfulBasis: 'children-act-1989-s47',
      sensitivity: 'restricted',
    },
  });
}

const undecided = (fact: Fact): ItemRecord => ({ fact, agency: 'police', revealedAt: null, revealedBy: null, release: null });
const withheldBy = (fact: Fact, contact: string | undefined): ItemRecord => ({
  fact,
  agency: 'police',
  revealedAt: '2025-11-20T10:00:00.000Z',
  revealedBy: 'practitioner',
  release: { decision: 'withhold', rationale: 'Source protection', redactions: [], ...(contact === undefined ? {} : { signpostContact: contact }), decidedBy: 'practitioner', decidedAt: '2025-11-20T10:01:00.000Z', revision: 1 },
});

const input = (items: readonly ItemRecord[]): ProductInput => ({
  productId: 'prd_00000000000000000000000000000001',
  referralId: '3f2c9a1e-5b7d-4c8e-9a10-2b3c4d5e6f70',
  externalReference: null,
  version: 1,
  publishedAt: '2025-11-20T11:00:00.000Z',
  publishedBy: 'manager',
  referral,
  decision: { rag: 'red', outcome: 'strategy-discussion', rationale: 'Synthetic', decidedAt: '2025-11-20T10:30:00.000Z', decidedBy: 'manager' },
  items,
  lookups: [],
  withholdUndecidedRationale: 'Owners not yet available',
});

describe('signposts', () => {
  it("carry the owner's contact even when an item withheld by default comes first", () => {
    const built = buildProduct(input([undecided(policeEvent('fact_a', 'Undecided incident')), withheldBy(policeEvent('fact_b', 'Intelligence report'), 'MASH police desk')]));
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.value.signposts).toEqual([expect.objectContaining({ agency: 'police', itemCount: 2, contact: 'MASH police desk' })]);
    expect(JSON.stringify(built.value)).not.toContain('Intelligence report');
  });

  it('fall back to the hub default when the owner named no contact', () => {
    const built = buildProduct(input([withheldBy(policeEvent('fact_b', 'Intelligence report'), undefined), undecided(policeEvent('fact_a', 'Undecided incident'))]));
    expect(built.ok && built.value.signposts[0]?.contact).toBe(defaultSignpostContact('police'));
  });
});
