/**
 * Job data and the scheduling port. Job data carries ids, never payloads (CONVENTIONS.md,
 * from Medplum): a processor reads what it needs from the store, the source of truth.
 */
import { z } from 'zod';

export const QUEUE_NAMES = { referral: 'mash-referral', lookup: 'mash-lookup' } as const;

export const LookupJobData = z.object({ referralId: z.string().min(1), lookupId: z.string().min(1) }).strict();
export type LookupJobData = z.infer<typeof LookupJobData>;

export const ReferralJobData = z.object({ referralId: z.string().min(1), wave: z.number().int().min(1).max(9).default(1) }).strict();
export type ReferralJobData = z.infer<typeof ReferralJobData>;

/** What a new or resumed referral needs from the job system. */
export interface ResearchPlan {
  readonly referralId: string;
  /** Lower runs first. */
  readonly priority: number;
  readonly lookupIds: readonly string[];
  /** 1 for the referral's subjects; 2 for the household members the first wave found. */
  readonly wave?: number;
}

/**
 * The port through which the gateway and the recovery sweep start work. Implemented by the
 * BullMQ flow producer and by the in-process runner; both dedupe on deterministic job ids.
 */
export interface ResearchScheduler {
  schedule(plan: ResearchPlan): Promise<void>;
  /** True when the job system is reachable (readiness). */
  ping(): Promise<boolean>;
}

/** Deterministic job ids: one parent per referral, one child per lookup. No ':' (BullMQ). */
export const referralJobId = (referralId: string, wave = 1): string => (wave === 1 ? `referral-${referralId}` : `referral-${referralId}-w${wave}`);
export const lookupJobId = (lookupId: string): string => `lookup-${lookupId}`;
