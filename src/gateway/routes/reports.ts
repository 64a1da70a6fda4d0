/**
 * /v1/reports: the performance report for the hub manager and the safeguarding board (London MASH
 * governance model, recommendation 13), as JSON or CSV. The route parses the period and the format
 * and answers; the policy and the counting are the case's (src/case/performance-report.ts).
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { performanceCsv, performanceReport } from '../../case/performance-report.ts';
import type { AppDeps, AppEnv } from '../env.ts';
import { problemResponses } from '../schemas.ts';
import { validationHook } from '../validation.ts';

/** A day (`2026-04-01`, midnight UTC) or an instant with its offset (RFC 3339). */
const PeriodBound = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .transform((text) => new Date(text.length === 10 ? `${text}T00:00:00Z` : text))
  .refine((at) => !Number.isNaN(at.getTime()), 'not a calendar date')
  .meta({ description: 'An ISO 8601 date (midnight UTC) or date-time with offset.' });

const PerformanceQuery = z
  .object({
    from: PeriodBound.meta({ description: 'Referrals received at or after this.' }),
    to: PeriodBound.meta({ description: 'Referrals received before this; after `from`, at most 366 days on.' }),
    format: z.enum(['json', 'csv']).optional().meta({ description: 'Or ask with `Accept: text/csv`.' }),
  })
  .strict();

const count = z.number().int();
const Percentiles = z.object({ count, p50: z.number().nullable(), p90: z.number().nullable(), p95: z.number().nullable() });
const Stage = z.object({ met: count, breached: count, pending: count, seconds: Percentiles });
const PerformanceReportSchema = z
  .object({
    period: z.object({ from: z.string(), to: z.string() }),
    generatedAt: z.string(),
    referrals: z.object({ total: count, byRagAndThreshold: z.array(z.object({ rag: z.string(), threshold: z.string(), count })) }),
    timeliness: z.object({ picture: Stage, product: Stage }),
    agencies: z.array(
      z.object({
        agency: z.string(),
        lookups: count,
        done: count,
        partial: count,
        failed: count,
        timedOut: count,
        notPermitted: count,
        unfinished: count,
        failureRate: z.number().nullable(),
        partialRate: z.number().nullable(),
        responseSeconds: Percentiles,
      }),
    ),
    releaseDecisions: z.array(z.object({ agency: z.string(), decided: count, released: count, redacted: count, withheld: count, decisionSeconds: Percentiles })),
    ragChanges: z.object({ escalations: count, deescalations: count, unchanged: count }),
    repeatConcerns: z.object({
      rule: z.object({ minNotifications: count, minAgencies: count, windowMonths: count }),
      flagged: count,
      linked: count,
      byReferrerAgency: z.array(z.object({ agency: z.string(), flagged: count })),
    }),
  })
  .meta({ id: 'PerformanceReport', description: 'Performance of the referrals received in a period (governance recommendation 13); see src/case/performance-report.ts and src/store/performance.ts for the counting rules.' });

const performanceRoute = createRoute({
  method: 'get',
  path: '/performance',
  summary: 'Performance report for a period: referrals, SLA, agencies, release decisions, RAG changes, repeat concerns (JSON or CSV)',
  request: { query: PerformanceQuery },
  responses: {
    200: {
      description: 'The report; CSV rows are section,measure,dimension,value',
      content: { 'application/json': { schema: PerformanceReportSchema }, 'text/csv': { schema: z.string() } },
    },
    ...problemResponses(400, 401, 403),
  },
});

/** Whether the caller asked for CSV: `format=csv`, or `Accept: text/csv` without `format`. */
const wantsCsv = (format: 'json' | 'csv' | undefined, accept: string | undefined): boolean =>
  format === undefined ? (accept ?? '').split(',').some((type) => type.split(';')[0]?.trim().toLowerCase() === 'text/csv') : format === 'csv';

export function reportRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(performanceRoute, async (c) => {
    const q = c.req.valid('query');
    const report = await performanceReport({ db: deps.db, clock: deps.clock, repeatConcernRule: deps.repeatConcernRule }, c.get('principal'), { from: q.from, to: q.to });
    if (wantsCsv(q.format, c.req.header('accept'))) return c.body(performanceCsv(report), 200, { 'content-type': 'text/csv; charset=utf-8' });
    return c.json(report, 200);
  });

  return app;
}
