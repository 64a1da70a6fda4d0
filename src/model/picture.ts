/** The picture: every fact gathered for one referral, the status of every lookup, and per agency how complete its answer is. */
import { z } from 'zod';
import { Agency, Sensitivity } from './agency.ts';
import { AgencyCheck } from './check.ts';
import { Fact } from './fact.ts';
import { HumanName } from './person.ts';
import { LookupView } from './lookup.ts';
import { ReferralStatus } from './referral.ts';

export const Picture = z.object({
  referralId: z.string(),
  status: ReferralStatus,
  generatedAt: z.iso.datetime({ offset: true }),
  /** Every lookup, with `factsShown`: how many of its `factCount` facts this caller sees (the rest are not revealed to them). */
  lookups: z.array(LookupView.extend({ factsShown: z.number().int().min(0) })),
  /** Per agency: whether it was checked and whether its answer is complete, in words (src/model/check.ts). */
  checks: z.array(AgencyCheck),
  /** The people of the picture: the referral's subjects and the household members found, each with the agency records matched to them. */
  persons: z.array(
    z.object({
      subjectRef: z.string(),
      role: z.string(),
      wave: z.number().int(),
      relationship: z.string().nullable(),
      name: HumanName,
      birthDate: z.string().optional(),
      records: z.array(
        z.object({
          personRef: z.string(),
          agency: Agency,
          factId: z.string(),
          outcome: z.enum(['match', 'possible', 'non-match']),
          score: z.number(),
          probability: z.number(),
          evidence: z.array(z.object({ field: z.string(), level: z.string(), weight: z.number() })),
        }),
      ),
    }),
  ),
  /** The household graph around the child (src/mapping/family.ts), in subject refs. */
  family: z.unknown(),
  /** One time-ordered list across agencies; the same incident from several agencies once, with every source. */
  chronology: z.array(z.unknown()),
  possibleMatches: z.array(z.object({ id: z.string(), agency: z.string(), score: z.number(), evidence: z.array(z.object({ field: z.string(), level: z.string(), weight: z.number() })) })),
  facts: z.array(Fact),
  /** Each item's state behind the firewall: whether revealed, and its owner's release decision. */
  items: z.array(
    z.object({
      itemId: z.string(),
      agency: Agency,
      sensitivity: Sensitivity,
      revealed: z.boolean(),
      release: z.object({ decision: z.enum(['release', 'redact', 'withhold']), revision: z.number().int(), decidedAt: z.string(), decidedBy: z.string() }).nullable(),
    }),
  ),
});
export type Picture = z.infer<typeof Picture>;
