/**
 * Who may see what of a case, decided once (governance: owner keeps the duty of care;
 * need-to-know). Readers of the picture differ only in what they may see, so they fall into
 * audiences: the hub (the manager: what the owners revealed) and each agency (its practitioners:
 * all of their agency's items, and what the others revealed). The policy (`policy.ts`) decides
 * whether a caller may read the picture at all; this decides what is in it for them.
 */
import { AGENCIES, Agency } from '../model/agency.ts';
import type { PossibleMatch } from '../model/picture.ts';
import type { Principal } from '../model/principal.ts';

/** The hub, or one agency. */
export type Audience = 'hub' | Agency;

/** Every audience a picture can be built for. */
export const AUDIENCES: readonly Audience[] = ['hub', ...AGENCIES];

/** Parses a stored audience (the store is a trust boundary too). */
export function parseAudience(value: string): Audience {
  return value === 'hub' ? 'hub' : Agency.parse(value);
}

/** A practitioner reads as their agency; everyone else who may read the picture reads as the hub. */
export function audienceOf(principal: Principal): Audience {
  return principal.role === 'hub-practitioner' && principal.agency !== undefined ? principal.agency : 'hub';
}

/** A principal standing for an audience, for the parts of the picture that ask "who is reading". */
export function readerOf(audience: Audience): Principal {
  return audience === 'hub' ? { sub: 'case:hub', role: 'hub-manager' } : { sub: `case:${audience}`, role: 'hub-practitioner', agency: audience };
}

/** An item: its owning agency's practitioners always; everyone once the owner has revealed it. */
export function maySeeItem(audience: Audience, item: { readonly agency: Agency; readonly revealedAt: string | null }): boolean {
  return item.revealedAt !== null || item.agency === audience;
}

/**
 * A possible match: only to who may see its candidate record — the owning agency always, others
 * once the owner revealed the record (docs/decisions.md "Trusted identifiers separate; ambiguous
 * candidates go to a practitioner"). A person-index question whose record is not among the
 * referral's items is its owning agency's alone.
 */
export function maySeePossibleMatch(audience: Audience, match: Pick<PossibleMatch, 'agency' | 'candidate'>, itemOf: (itemId: string) => { readonly agency: Agency; readonly revealedAt: string | null } | undefined): boolean {
  if (match.agency === audience) return true;
  const item = match.candidate === null ? undefined : itemOf(match.candidate.itemId);
  return item !== undefined && maySeeItem(audience, item);
}
