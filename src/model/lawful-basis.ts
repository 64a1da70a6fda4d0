/**
 * What a connector's lookups need before they may be made, per threshold: DESIGN.md rule 7 says
 * child protection enquiries need no consent (Children Act 1989 s47), early help needs a key
 * person's consent, and health records need specific consent (common law duty of
 * confidentiality). Each connector declares its own requirements, since an agency's information
 * sharing agreement may ask more than the law's floor; without a declaration it gets its agency's
 * default below, which encodes the rule as written.
 */
import { z } from 'zod';
import type { Agency } from './agency.ts';

/**
 * The consent a lookup needs: `none`; `key-person` (a key person consented); `health-specific`
 * (a key person consented, specifically to health records); `never` (this connector is not used
 * at this threshold).
 */
export const ConsentRequirement = z.enum(['none', 'key-person', 'health-specific', 'never']);
export type ConsentRequirement = z.infer<typeof ConsentRequirement>;

/** A connector's requirement at each threshold. */
export const LawfulBasisDeclaration = z
  .object({
    'child-protection': ConsentRequirement,
    'child-in-need': ConsentRequirement,
    'early-help': ConsentRequirement,
  })
  .strict();
export type LawfulBasisDeclaration = z.infer<typeof LawfulBasisDeclaration>;

/** DESIGN.md rule 7 as written, for connectors that declare nothing. */
export function defaultLawfulBasisDeclaration(agency: Agency): LawfulBasisDeclaration {
  // Below the significant-harm threshold the duty of confidentiality still binds health records.
  if (agency === 'health') return { 'child-protection': 'none', 'child-in-need': 'health-specific', 'early-help': 'health-specific' };
  return { 'child-protection': 'none', 'child-in-need': 'none', 'early-help': 'key-person' };
}

/** The declaration a connector's lookups are gated by: its own, or its agency's default. */
export function lawfulBasisDeclarationOf(connector: { readonly agency: Agency; readonly lawfulBasis?: LawfulBasisDeclaration | undefined }): LawfulBasisDeclaration {
  return connector.lawfulBasis ?? defaultLawfulBasisDeclaration(connector.agency);
}
