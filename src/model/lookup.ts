/**
 * A lookup: one connector asked about one subject. Its status is what the picture reports
 * for that source (DESIGN.md: done, failed, not permitted, timed out).
 */
import { z } from 'zod';
import { Agency } from './agency.ts';
import { LawfulBasis } from './provenance.ts';

export const LookupStatus = z.enum(['queued', 'running', 'done', 'failed', 'not-permitted', 'timed-out']);
export type LookupStatus = z.infer<typeof LookupStatus>;

export const TERMINAL_LOOKUP_STATUSES: readonly LookupStatus[] = ['done', 'failed', 'not-permitted', 'timed-out'];

export const isTerminalLookup = (status: LookupStatus): boolean => TERMINAL_LOOKUP_STATUSES.includes(status);

/** One outbound call an adapter made: redacted metadata, never bodies (OpenHIM orchestrations). */
export const Orchestration = z.object({
  name: z.string(),
  method: z.string(),
  url: z.string(),
  status: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
  startedAt: z.iso.datetime({ offset: true }),
  error: z.string().optional(),
});
export type Orchestration = z.infer<typeof Orchestration>;

export const LookupView = z.object({
  id: z.string(),
  connectorId: z.string(),
  agency: Agency,
  subjectRef: z.string(),
  status: LookupStatus,
  lawfulBasis: LawfulBasis.nullable(),
  reason: z.string().nullable(),
  attempts: z.number().int(),
  factCount: z.number().int(),
  startedAt: z.iso.datetime({ offset: true }).nullable(),
  finishedAt: z.iso.datetime({ offset: true }).nullable(),
  orchestrations: z.array(Orchestration),
  /** 1: the referral's subjects; 2: household members found in the first wave's records. */
  wave: z.number().int().min(1),
});
export type LookupView = z.infer<typeof LookupView>;
