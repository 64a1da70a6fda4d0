/**
 * Planning a referral's research: one lookup per enabled connector × subject, each passed
 * through the lawful-basis gate first. Pure: ids are deterministic from the referral id.
 */
import { stableId } from '../lib/ids.ts';
import type { Connector } from '../model/connector.ts';
import { lawfulBasisDeclarationOf } from '../model/lawful-basis.ts';
import type { ReferralInput } from '../model/referral.ts';
import type { NewLookup } from '../model/lookup.ts';
import { decideLawfulBasis } from './lawful-basis.ts';

export const lookupIdFor = (referralId: string, connectorId: string, subjectRef: string): string => stableId('lkp', referralId, connectorId, subjectRef);

export function planLookups(referralId: string, input: Pick<ReferralInput, 'threshold' | 'consent' | 'subjects'>, connectors: readonly Connector[]): NewLookup[] {
  const lookups: NewLookup[] = [];
  for (const connector of connectors) {
    if (!connector.enabled) continue;
    const decision = decideLawfulBasis(input.threshold, input.consent, lawfulBasisDeclarationOf(connector));
    for (const subject of input.subjects) {
      lookups.push({
        id: lookupIdFor(referralId, connector.id, subject.ref),
        connectorId: connector.id,
        agency: connector.agency,
        subjectRef: subject.ref,
        status: decision.permitted ? 'queued' : 'not-permitted',
        lawfulBasis: decision.permitted ? decision.basis : null,
        reason: decision.permitted ? null : decision.reason,
      });
    }
  }
  return lookups;
}
