/**
 * The lawful-basis gate, branch by branch (DESIGN.md rule 7): every threshold, with and without a
 * key person's consent, with and without consent specific to health records, for health and for
 * the other agencies under their default declarations, and a connector's own declaration.
 */
import { describe, expect, it } from 'vitest';
import { AGENCIES } from '../model/agency.ts';
import { Connector } from '../model/connector.ts';
import { defaultLawfulBasisDeclaration, lawfulBasisDeclarationOf, type LawfulBasisDeclaration } from '../model/lawful-basis.ts';
import type { Consent, Threshold } from '../model/referral.ts';
import { decideLawfulBasis } from './lawful-basis.ts';
import { planLookups } from './plan.ts';

const CONSENT: Readonly<Record<string, Consent>> = {
  none: { obtained: false, healthSpecific: false },
  general: { obtained: true, healthSpecific: false },
  'general and health-specific': { obtained: true, healthSpecific: true },
  // Specific to health records but no key person's consent recorded: not consent at all.
  'health-specific only': { obtained: false, healthSpecific: true },
};

type Expected = 'children-act-1989-s47' | 'children-act-1989-s17' | 'consent' | RegExp;
const KEY_PERSON = /^early-help lookups need consent from a key person$/;
const HEALTH_KEY_PERSON = /lookups need consent from a key person, specific to health records$/;
const HEALTH_SPECIFIC = /^health records need specific consent \(common law duty of confidentiality\)$/;

// [threshold, consent, expected for health, expected for every other agency]
const TABLE: readonly (readonly [Threshold, keyof typeof CONSENT, Expected, Expected])[] = [
  ['child-protection', 'none', 'children-act-1989-s47', 'children-act-1989-s47'],
  ['child-protection', 'general', 'children-act-1989-s47', 'children-act-1989-s47'],
  ['child-protection', 'general and health-specific', 'children-act-1989-s47', 'children-act-1989-s47'],
  ['child-protection', 'health-specific only', 'children-act-1989-s47', 'children-act-1989-s47'],
  ['child-in-need', 'none', HEALTH_KEY_PERSON, 'children-act-1989-s17'],
  ['child-in-need', 'general', HEALTH_SPECIFIC, 'children-act-1989-s17'],
  ['child-in-need', 'general and health-specific', 'children-act-1989-s17', 'children-act-1989-s17'],
  ['child-in-need', 'health-specific only', HEALTH_KEY_PERSON, 'children-act-1989-s17'],
  ['early-help', 'none', HEALTH_KEY_PERSON, KEY_PERSON],
  ['early-help', 'general', HEALTH_SPECIFIC, 'consent'],
  ['early-help', 'general and health-specific', 'consent', 'consent'],
  ['early-help', 'health-specific only', HEALTH_KEY_PERSON, KEY_PERSON],
];

function expectDecision(threshold: Threshold, consent: Consent, declaration: LawfulBasisDeclaration, expected: Expected): void {
  const decision = decideLawfulBasis(threshold, consent, declaration);
  if (expected instanceof RegExp) {
    expect(decision.permitted).toBe(false);
    expect(decision.permitted ? '' : decision.reason).toMatch(expected);
  } else {
    expect(decision).toEqual({ permitted: true, basis: expected });
  }
}

describe('the default declarations encode DESIGN.md rule 7', () => {
  it.each(TABLE)('%s with %s consent: health %s, others %s', (threshold, consent, health, others) => {
    for (const agency of AGENCIES) {
      expectDecision(threshold, CONSENT[consent] ?? CONSENT.none!, defaultLawfulBasisDeclaration(agency), agency === 'health' ? health : others);
    }
  });
});

describe("a connector's own declaration", () => {
  const strict: LawfulBasisDeclaration = { 'child-protection': 'none', 'child-in-need': 'key-person', 'early-help': 'never' };

  it('is used in place of its agency default', () => {
    expect(lawfulBasisDeclarationOf({ agency: 'police', lawfulBasis: strict })).toBe(strict);
    expect(lawfulBasisDeclarationOf({ agency: 'police' })).toEqual(defaultLawfulBasisDeclaration('police'));
    expectDecision('child-in-need', CONSENT.none!, strict, /^child-in-need lookups need consent from a key person$/);
    expectDecision('child-in-need', CONSENT.general!, strict, 'children-act-1989-s17');
    expectDecision('early-help', CONSENT['general and health-specific']!, strict, /^the connector is not used for early-help referrals \(its lawful-basis declaration\)$/);
  });

  it('gates the planned lookups of that connector only, with the reason', () => {
    const base = Connector.parse({ id: 'police-default', agency: 'police', type: 'police-soap', sourceSystem: 'x', baseUrl: 'http://127.0.0.1:1' });
    const planned = planLookups(
      'ref_1',
      { threshold: 'early-help', consent: CONSENT['general and health-specific']!, subjects: [{ ref: 'child-1', role: 'child', name: { given: ['A'], family: 'B' }, otherNames: [], identifiers: [] }] },
      [
        { ...base, id: 'police-strict', lawfulBasis: strict },
        base,
      ],
    );
    expect(planned.map((l) => [l.connectorId, l.status, l.lawfulBasis])).toEqual([
      ['police-strict', 'not-permitted', null],
      ['police-default', 'queued', 'consent'],
    ]);
    expect(planned[0]?.reason).toMatch(/its lawful-basis declaration/);
  });
});
