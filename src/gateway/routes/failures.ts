/**
 * /v1/admin/failures: the dead-letter list — failed lookups, publications and notifications —
 * and reprocessing them, one by one or in bulk (docs/decisions.md "Resilient connectors"). The
 * hub manager sees every failure; a connector administrator their agency's lookups and
 * notifications, without case content. Thin: parse, call src/research/failures.ts, answer.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { FAILURE_KINDS, failuresFor, reprocessFailures, reprocessMatching } from '../../research/failures.ts';
import { Agency } from '../../model/agency.ts';
import type { AppDeps, AppEnv } from '../env.ts';
import { problemResponses } from '../schemas.ts';
import { validationHook } from '../validation.ts';

const Kind = z.enum(FAILURE_KINDS);
const ConnectorId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and "-"');
const Instant = z.iso.datetime({ offset: true });

const Failure = z.object({
  kind: Kind,
  id: z.string(),
  referralId: z.string(),
  connectorId: z.string().nullable(),
  agency: Agency.nullable(),
  status: z.string(),
  reason: z.string().nullable().meta({ description: 'The failure code and reason: codes, statuses and counts, never case content.' }),
  attempts: z.number().int(),
  failedAt: Instant,
  reruns: z.number().int().meta({ description: 'Earlier runs before this one; their outcomes are in the lookup history of the referral.' }),
  recoverable: z.boolean().meta({ description: 'A lookup that runs again by itself once its agency answers again.' }),
});

/** `kind=lookup,notification`: a comma-separated list of kinds (given once, as every query parameter). */
const KindList = z
  .string()
  .max(100)
  .transform((value) => value.split(',').filter((v) => v !== ''))
  .pipe(z.array(Kind).min(1))
  .optional();

const Filter = z
  .object({
    kind: KindList,
    connector: ConnectorId.optional(),
    since: Instant.optional(),
    until: Instant.optional(),
  })
  .strict();

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Failed lookups, publications and notifications, oldest first',
  request: { query: Filter.extend({ limit: z.coerce.number().int().min(1).max(200).default(50), cursor: z.string().max(500).optional() }) },
  responses: { 200: { description: 'Failures', content: { 'application/json': { schema: z.object({ failures: z.array(Failure), next: z.string().nullable() }) } } }, ...problemResponses(400, 401, 403) },
});

const Outcome = z.object({
  kind: Kind,
  id: z.string(),
  outcome: z.enum(['queued', 'not-failed', 'not-ready', 'forbidden']),
  requestId: z.string().optional().meta({ description: "The new run's request id: in the lookup's history and in the audit entry." }),
});

const reprocessRoute = createRoute({
  method: 'post',
  path: '/reprocess',
  summary: 'Run failures again: the ones named, or every one a filter selects (at most 500 a request)',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z.union([
            z.object({ items: z.array(z.object({ kind: Kind, id: z.string().min(1).max(200) }).strict()).min(1).max(500) }).strict(),
            z.object({ filter: z.object({ kind: z.array(Kind).min(1).optional(), connector: ConnectorId.optional(), since: Instant.optional(), until: Instant.optional() }).strict() }).strict(),
          ]),
        },
      },
    },
  },
  responses: { 200: { description: 'What became of each', content: { 'application/json': { schema: z.object({ results: z.array(Outcome) }) } } }, ...problemResponses(400, 401, 403, 413, 415) },
});

const dateOf = (value: string | undefined): Date | undefined => (value === undefined ? undefined : new Date(value));

/** What listing and reprocessing failures need, from the app's dependencies (the API and the console alike). */
export function failureDepsOf(deps: AppDeps) {
  return {
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    scheduler: deps.scheduler,
    calendar: deps.sla.calendar,
    // Without a delivery port (tests of other routes), a queued message is sent by the outbox sweep.
    deliveries: deps.deliveries ?? { deliver: () => Promise.resolve() },
    caseChanged: (referralId: string) => deps.pictures?.caseChanged(referralId),
  };
}

export function failureRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const failureDeps = failureDepsOf(deps);

  app.openapi(listRoute, async (c) => {
    const query = c.req.valid('query');
    const page = await failuresFor(failureDeps, c.get('principal'), {
      kinds: query.kind ?? [...FAILURE_KINDS],
      connectorId: query.connector,
      since: dateOf(query.since),
      until: dateOf(query.until),
      limit: query.limit,
      cursor: query.cursor,
    });
    return c.json(page, 200);
  });

  app.openapi(reprocessRoute, async (c) => {
    const body = c.req.valid('json');
    const principal = c.get('principal');
    const results =
      'items' in body
        ? await reprocessFailures(failureDeps, principal, body.items)
        : await reprocessMatching(failureDeps, principal, { kinds: body.filter.kind ?? [...FAILURE_KINDS], connectorId: body.filter.connector, since: dateOf(body.filter.since), until: dateOf(body.filter.until) });
    return c.json({ results }, 200);
  });

  return app;
}
