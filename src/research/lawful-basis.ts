/**
 * The lawful-basis gate before every lookup (DESIGN.md rule 7). Child protection enquiries
 * need no consent (Children Act 1989 s47); child in need work proceeds under s17; early help
 * needs a key person's consent, and health records need specific consent (common law duty of
 * confidentiality). A lookup the basis does not allow is not made, and the picture says so.
 */
import type { Agency } from '../model/agency.ts';
import type { LawfulBasis } from '../model/provenance.ts';
import type { Consent, Threshold } from '../model/referral.ts';

export type LawfulBasisDecision =
  | { readonly permitted: true; readonly basis: LawfulBasis }
  | { readonly permitted: false; readonly reason: string };

export function decideLawfulBasis(threshold: Threshold, consent: Consent, agency: Agency): LawfulBasisDecision {
  switch (threshold) {
    case 'child-protection':
      return { permitted: true, basis: 'children-act-1989-s47' };
    case 'child-in-need':
      if (agency === 'health' && !(consent.obtained && consent.healthSpecific)) {
        // Below the significant-harm threshold the duty of confidentiality still binds health records.
        return { permitted: false, reason: 'child-in-need health lookups need specific consent to health records' };
      }
      return { permitted: true, basis: 'children-act-1989-s17' };
    case 'early-help':
      if (!consent.obtained) return { permitted: false, reason: 'early-help lookups need consent from a key person' };
      if (agency === 'health' && !consent.healthSpecific) {
        return { permitted: false, reason: 'health records need specific consent (common law duty of confidentiality)' };
      }
      return { permitted: true, basis: 'consent' };
    default:
      return threshold satisfies never;
  }
}
