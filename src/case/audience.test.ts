/**
 * Who sees what of a case (governance: the owner keeps the duty of care; need-to-know): the
 * audience a reader falls into, items by owner and reveal, and possible matches only to who may
 * see the candidate record (docs/decisions.md "Trusted identifiers separate; ambiguous candidates
 * go to a practitioner").
 */
import { describe, expect, it } from 'vitest';
import { audienceOf, maySeeItem, maySeePossibleMatch, parseAudience, readerOf } from './audience.ts';

describe('audiences', () => {
  it('puts a practitioner in their agency and every other reader in the hub', () => {
    expect(audienceOf({ sub: 'p', role: 'hub-practitioner', agency: 'police' })).toBe('police');
    expect(audienceOf({ sub: 'm', role: 'hub-manager' })).toBe('hub');
    expect(audienceOf(readerOf('health'))).toBe('health');
    expect(audienceOf(readerOf('hub'))).toBe('hub');
    expect(parseAudience('education')).toBe('education');
    expect(() => parseAudience('nobody')).toThrow();
  });

  it('shows an item to its owner always, to everyone once revealed', () => {
    const hidden = { agency: 'health' as const, revealedAt: null };
    const revealed = { agency: 'health' as const, revealedAt: '2026-11-21T09:00:00.000Z' };
    expect(maySeeItem('health', hidden)).toBe(true);
    expect(maySeeItem('police', hidden)).toBe(false);
    expect(maySeeItem('hub', hidden)).toBe(false);
    expect(maySeeItem('hub', revealed)).toBe(true);
    expect(maySeeItem('police', revealed)).toBe(true);
  });

  it("shows a possible match only to who may see its candidate record; a person-index question without an item is its owner's", () => {
    const items = new Map([
      ['hidden', { agency: 'health' as const, revealedAt: null }],
      ['shown', { agency: 'health' as const, revealedAt: '2026-11-21T09:00:00.000Z' }],
    ]);
    const itemOf = (id: string) => items.get(id);
    const match = (itemId: string | null) => ({ agency: 'health' as const, candidate: itemId === null ? null : { itemId, agencyRecordId: 'r', names: [], identifiers: [] } });
    expect(maySeePossibleMatch('health', match('hidden'), itemOf)).toBe(true);
    expect(maySeePossibleMatch('hub', match('hidden'), itemOf)).toBe(false);
    expect(maySeePossibleMatch('police', match('hidden'), itemOf)).toBe(false);
    expect(maySeePossibleMatch('hub', match('shown'), itemOf)).toBe(true);
    expect(maySeePossibleMatch('hub', match(null), itemOf)).toBe(false);
    expect(maySeePossibleMatch('health', match(null), itemOf)).toBe(true);
  });
});
