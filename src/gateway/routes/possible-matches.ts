/**
 * /v1/possible-matches: the review queue of possible matches across referrals, and deciding one
 * from it (docs/decisions.md "A review queue of possible matches across referrals"). Thin: parse,
 * call the case repository (src/case/possible-match-queue.ts decides who sees what; the decision
 * is the per-referral one, src/identity/possible-matches.ts), answer.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { Cases } from '../../case/repository.ts';
import { Agency } from '../../model/agency.ts';
import { Rag, ReferralStatus } from '../../model/referral.ts';
import type { AppEnv } from '../env.ts';
import { problemResponses, SlaView } from '../schemas.ts';
import { validationHook } from '../validation.ts';
import { MatchBody, MatchDecided } from './case.ts';

const Kind = z.enum(['subject', 'person-index']);

export const PossibleMatchQueueQuery = z
  .object({
    kind: Kind.optional().meta({ description: 'Only questions of this kind.' }),
    agency: Agency.optional().meta({ description: 'Only records this agency owns.' }),
    referral: z.uuid().optional().meta({ description: "Only this referral's questions." }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(300).optional().meta({ description: 'The `next` of the page before.' }),
  })
  .strict();

const QueueEntry = z
  .object({
    id: z.string().meta({ description: 'Decide it at POST /v1/possible-matches/{matchId} (or within its referral).' }),
    kind: Kind,
    referral: z.object({
      id: z.uuid(),
      externalReference: z.string().nullable(),
      status: ReferralStatus,
      rag: Rag,
      sla: SlaView.extend({ workingSecondsLeft: z.number().int().meta({ description: 'Working time until due on the working-hours clock; negative: overdue by that much.' }) }),
    }),
    agency: Agency.meta({ description: 'The agency that owns the candidate record.' }),
    subjectRef: z.string().nullable().meta({ description: 'subject: the subject the record may be; person-index: the subject the record was found for, when known.' }),
    raisedAt: z.iso.datetime({ offset: true }).meta({ description: 'When the question was raised (the wave matched, or the person index found the candidate).' }),
    score: z.number().meta({ description: 'log2 odds that the record is the person.' }),
    probability: z.number().min(0).max(1),
    evidence: z.array(z.object({ field: z.string(), level: z.string(), weight: z.number() })).meta({ description: 'The level each compared field reached and its weight in bits: no values.' }),
  })
  .meta({ id: 'PossibleMatchQueueEntry' });

const QueuePage = z.object({ possibleMatches: z.array(QueueEntry), next: z.string().nullable() }).meta({ id: 'PossibleMatchQueue' });

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Possible matches waiting for a practitioner, across referrals, oldest question first',
  description:
    'Each pending question — is this agency record the referral\'s subject (`subject`), is this record the hub person known from other records (`person-index`) — ' +
    'listed to whoever may decide it: the practitioner of the agency that owns the record always, the hub manager once the owner has revealed it; nobody else, ' +
    'and nothing is said of the others, not even how many there are. Ties are broken by the referral due soonest, then the id. No names, birth dates or identifiers.',
  request: { query: PossibleMatchQueueQuery },
  responses: { 200: { description: 'A page of the queue', content: { 'application/json': { schema: QueuePage } } }, ...problemResponses(400, 401, 403) },
});

const decideRoute = createRoute({
  method: 'post',
  path: '/{matchId}',
  summary: 'Confirm or reject a possible match from the queue: the same decision as within its referral',
  description:
    'The same decision function, policy and audit as POST /v1/referrals/{id}/possible-matches/{matchId}. 404 for a match that does not exist or that the caller may not decide; ' +
    '409 once it is decided. Later referrals respect the answer: a rejected record stays out of a later referral\'s picture of the same person, a confirmed one links.',
  request: { params: z.object({ matchId: z.string().min(1).max(100) }), body: { required: true, content: { 'application/json': { schema: MatchBody } } } },
  responses: {
    200: { description: 'Decided', content: { 'application/json': { schema: MatchDecided.extend({ referralId: z.uuid() }) } } },
    ...problemResponses(400, 401, 403, 404, 409, 413, 415),
  },
});

export function possibleMatchRoutes(cases: Cases) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(listRoute, async (c) => {
    const { referral, ...query } = c.req.valid('query');
    return c.json(await cases.of(c.get('principal')).possibleMatchQueue({ ...query, referralId: referral }), 200);
  });

  app.openapi(decideRoute, async (c) => {
    const { matchId } = c.req.valid('param');
    const outcome = await cases.of(c.get('principal')).decideQueuedMatch(matchId, c.req.valid('json'));
    return c.json({ ...outcome, alsoRejected: [...outcome.alsoRejected] }, 200);
  });

  return app;
}
