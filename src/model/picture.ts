/** The picture: every fact gathered for one referral, and the status of every lookup. */
import { z } from 'zod';
import { Fact } from './fact.ts';
import { LookupView } from './lookup.ts';
import { ReferralStatus } from './referral.ts';

export const Picture = z.object({
  referralId: z.string(),
  status: ReferralStatus,
  generatedAt: z.iso.datetime({ offset: true }),
  lookups: z.array(LookupView),
  facts: z.array(Fact),
});
export type Picture = z.infer<typeof Picture>;
