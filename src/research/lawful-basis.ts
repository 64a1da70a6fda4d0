/**
 * The lawful-basis gate before every lookup (DESIGN.md rule 7). Child protection enquiries
 * proceed under Children Act 1989 s47, child in need work under s17, early help on a key person's
 * consent; what consent each connector's lookups need is its declaration
 * (`src/model/lawful-basis.ts`). A lookup the basis does not allow is not made, and the picture
 * says so, with the reason.
 */
import type { LawfulBasisDeclaration } from '../model/lawful-basis.ts';
import type { LawfulBasis } from '../model/provenance.ts';
import type { Consent, Threshold } from '../model/referral.ts';

export type LawfulBasisDecision =
  | { readonly permitted: true; readonly basis: LawfulBasis }
  | { readonly permitted: false; readonly reason: string };

const BASIS: Readonly<Record<Threshold, LawfulBasis>> = {
  'child-protection': 'children-act-1989-s47',
  'child-in-need': 'children-act-1989-s17',
  'early-help': 'consent',
};

/** Whether a lookup at this threshold, with this consent, may be made under the connector's declaration. */
export function decideLawfulBasis(threshold: Threshold, consent: Consent, declaration: LawfulBasisDeclaration): LawfulBasisDecision {
  const requirement = declaration[threshold];
  switch (requirement) {
    case 'none':
      return { permitted: true, basis: BASIS[threshold] };
    case 'key-person':
      if (!consent.obtained) return { permitted: false, reason: `${threshold} lookups need consent from a key person` };
      return { permitted: true, basis: BASIS[threshold] };
    case 'health-specific':
      if (!consent.obtained) return { permitted: false, reason: `${threshold} lookups need consent from a key person, specific to health records` };
      if (!consent.healthSpecific) {
        return { permitted: false, reason: 'health records need specific consent (common law duty of confidentiality)' };
      }
      return { permitted: true, basis: BASIS[threshold] };
    case 'never':
      return { permitted: false, reason: `the connector is not used for ${threshold} referrals (its lawful-basis declaration)` };
    default:
      return requirement satisfies never;
  }
}
