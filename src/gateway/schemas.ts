/** Response schemas of the HTTP contract, shared by routes and the OpenAPI document. */
import { z } from 'zod';
import { LookupView } from '../model/lookup.ts';
import { Rag, ReferralStatus, Threshold } from '../model/referral.ts';
import { RepeatConcernView } from '../model/repeat-concern.ts';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    invalidParams: z.array(z.object({ name: z.string(), reason: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details with a stable `code`.' });

export const ReferralAccepted = z.object({ id: z.uuid(), status: ReferralStatus, location: z.string() }).meta({ id: 'ReferralAccepted' });

export const LookupCounts = z.object({
  total: z.number().int(),
  queued: z.number().int(),
  running: z.number().int(),
  done: z.number().int(),
  /** Answered, but cut short (candidate cap, page cap, the agency's own limit): see each lookup's `reason` and `cuts`. */
  partial: z.number().int(),
  failed: z.number().int(),
  notPermitted: z.number().int(),
  timedOut: z.number().int(),
});

/** A referral's SLA on the working-hours clock (DESIGN.md rule 4). */
export const SlaView = z
  .object({
    dueAt: z.iso.datetime({ offset: true }),
    atRiskAt: z.iso.datetime({ offset: true }).meta({ description: 'From when the referral is flagged at risk of breaching (MASH_SLA_AT_RISK of its working time used).' }),
    standing: z.enum(['on-track', 'at-risk', 'breached', 'met']).meta({ description: '`met` or `breached` for good once the first product is published; before that, where the referral stands now.' }),
  })
  .meta({ id: 'Sla' });

/** One referral in a list: its state and SLA, no content. */
export const ReferralListEntry = z.object({
  id: z.uuid(),
  status: ReferralStatus,
  rag: Rag,
  threshold: Threshold,
  externalReference: z.string().nullable(),
  receivedAt: z.iso.datetime({ offset: true }),
  pictureReadyAt: z.iso.datetime({ offset: true }).nullable(),
  sla: SlaView,
  lookups: z.object({ total: z.number().int(), finished: z.number().int() }).meta({ description: 'Research progress: lookups finished (any outcome) of those planned so far.' }),
  repeatConcern: z.boolean().meta({ description: 'The child has MASH_REPEAT_CONCERN_NOTIFICATIONS or more notifications from MASH_REPEAT_CONCERN_AGENCIES or more agencies within the window.' }),
});

export const ReferralListPage = z.object({ referrals: z.array(ReferralListEntry), next: z.string().nullable() }).meta({ id: 'ReferralList' });

export const ReferralListQuery = z
  .object({
    sla: z.enum(['on-track', 'at-risk', 'breached']).optional().meta({ description: 'Open referrals (no product yet) in this standing against their SLA.' }),
    rag: Rag.optional(),
    status: ReferralStatus.optional(),
    repeatConcern: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .meta({ description: 'Only referrals whose child is (true) or is not (false) a repeat concern at the referral\'s receipt (MASH_REPEAT_CONCERN_*).' }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(200).optional().meta({ description: 'The `next` of the page before.' }),
  })
  .strict();

export const ReferralStatusView = z
  .object({
    id: z.uuid(),
    status: ReferralStatus,
    rag: Rag,
    threshold: Threshold,
    externalReference: z.string().nullable(),
    receivedAt: z.iso.datetime({ offset: true }),
    slaDueAt: z.iso.datetime({ offset: true }),
    sla: SlaView,
    pictureReadyAt: z.iso.datetime({ offset: true }).nullable(),
    lookupCounts: LookupCounts,
    lookups: z.array(LookupView),
    repeatConcern: RepeatConcernView.nullable(),
  })
  .meta({ id: 'ReferralStatus' });

export const ReferralIdParam = z.object({ id: z.uuid({ message: 'must be a referral id (UUID)' }) });

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((status) => [status, { description: 'Problem', content: { 'application/problem+json': { schema: ProblemSchema } } }]));
