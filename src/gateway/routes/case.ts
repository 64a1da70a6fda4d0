/**
 * The case's HTTP contract behind the firewall: reveal an item, decide its release (and read the
 * revisions of that decision), record the manager's decision, publish the product, decide a
 * possible match, assign a practitioner, close the case. The case repository (src/case) decides
 * and audits; these routes only parse, call it and answer.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { Cases } from '../../case/repository.ts';
import { Outcome, Redaction } from '../../model/product.ts';
import { Rag } from '../../model/referral.ts';
import type { AppDeps, AppEnv } from '../env.ts';
import { noRequestBody } from '../request-body.ts';
import { problemResponses, ReferralIdParam } from '../schemas.ts';
import { validationHook } from '../validation.ts';

const json = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

const ItemParams = ReferralIdParam.extend({ itemId: z.string().regex(/^[a-z]+_[0-9a-f]{32}$/, 'must be an item id') });

export const ReleaseBody = z
  .object({
    decision: z.enum(['release', 'redact', 'withhold']),
    rationale: z.string().trim().min(1).max(4000),
    redactions: z.array(Redaction.strict()).max(50).optional(),
    signpost: z.object({ contact: z.string().trim().min(1).max(500) }).strict().optional(),
  })
  .strict()
  .meta({ id: 'ReleaseDecision' });

export const DecisionBody = z.object({ rag: Rag, outcome: Outcome, rationale: z.string().trim().min(1).max(4000) }).strict().meta({ id: 'ManagerDecision' });

export const PublishBody = z
  .object({ withholdUndecided: z.object({ rationale: z.string().trim().min(1).max(4000) }).strict().optional() })
  .strict()
  .meta({ id: 'PublishRequest' });

const AssignBody = z.object({ subject: z.string().min(1).max(200) }).strict();

export const MatchBody = z.object({ decision: z.enum(['confirm', 'reject']), reason: z.string().trim().min(1).max(2000) }).strict().meta({ id: 'PossibleMatchDecision' });

export const MatchDecided = z
  .object({
    matchId: z.string(),
    kind: z.enum(['subject', 'person-index']),
    decision: z.enum(['confirmed', 'rejected']),
    hubPersonId: z.string().nullable().meta({ description: 'The hub person the record is linked to: person-index decisions, and confirmed subject-level ones.' }),
    subjectRef: z.string().nullable().meta({ description: 'Subject-level decisions: the subject the record was confirmed or rejected as.' }),
    alsoRejected: z.array(z.string()).meta({ description: "Other candidates of the subject rejected with this confirmation: a different NHS number, UPN or PNC id shows them to be other people." }),
  })
  .meta({ id: 'PossibleMatchDecided' });

const matchRoute = createRoute({
  method: 'post',
  path: '/{id}/possible-matches/{matchId}',
  summary: 'Confirm or reject a possible match (picture `possibleMatches`): a candidate record of a subject, or of a hub person',
  description:
    'Decided by the practitioner of the agency that owns the record, or by the hub manager once the owner has revealed it. ' +
    'Kind `subject`: a confirmed record joins the picture (its facts can then be released into the product) and the hub person index, and the ' +
    "subject's other candidates with a different NHS number, UPN or PNC id are rejected with it; a rejected record stays out. " +
    'Kind `person-index`: confirming merges the record into the candidate hub person; later referrals respect either answer. ' +
    'Each decision is kept and audited (who, when, the hash of the reason).',
  request: { params: ReferralIdParam.extend({ matchId: z.string().min(1).max(100) }), body: json(MatchBody) },
  responses: { 200: { description: 'Decided', content: { 'application/json': { schema: MatchDecided } } }, ...problemResponses(400, 401, 403, 404, 409, 413, 415) },
});

const CloseBody = z.object({ rationale: z.string().trim().min(1).max(4000) }).strict().meta({ id: 'CloseCase' });

const closeRoute = createRoute({
  method: 'post',
  path: '/{id}/close',
  summary: 'Close the case; its content is destroyed once the retention period has passed',
  request: { params: ReferralIdParam, body: json(CloseBody) },
  responses: { 200: { description: 'Closed', content: { 'application/json': { schema: z.object({ closedAt: z.string(), changed: z.boolean() }) } } }, ...problemResponses(400, 401, 403, 404, 413, 415) },
});

const revealRoute = createRoute({
  method: 'post',
  path: '/{id}/items/{itemId}/reveal',
  summary: "Reveal one of your agency's items to the hub",
  middleware: [noRequestBody()] as const,
  request: { params: ItemParams },
  responses: { 200: { description: 'Revealed', content: { 'application/json': { schema: z.object({ itemId: z.string(), revealed: z.literal(true), changed: z.boolean() }) } } }, ...problemResponses(400, 401, 403, 404, 413, 415) },
});

const releaseRoute = createRoute({
  method: 'put',
  path: '/{id}/items/{itemId}/release',
  summary: "Decide release, redaction or withholding of one of your agency's items",
  request: { params: ItemParams, body: json(ReleaseBody) },
  responses: { 200: { description: 'Recorded', content: { 'application/json': { schema: z.object({ itemId: z.string(), decision: ReleaseBody.shape.decision, revision: z.number().int() }) } } }, ...problemResponses(400, 401, 403, 404, 413, 415) },
});

const ReleaseRevisionView = z
  .object({
    revision: z.number().int(),
    decision: ReleaseBody.shape.decision,
    rationale: z.string(),
    redactions: z.array(Redaction),
    signpost: z.object({ contact: z.string() }).nullable(),
    decidedBy: z.string(),
    decidedAt: z.string(),
    current: z.boolean(),
  })
  .meta({ id: 'ReleaseRevision' });

const releaseRevisionsRoute = createRoute({
  method: 'get',
  path: '/{id}/items/{itemId}/release/revisions',
  summary: "Every revision of the release decision on one of your agency's items, oldest first (also for auditors)",
  request: { params: ItemParams },
  responses: {
    200: { description: 'The confidential record of the decision', content: { 'application/json': { schema: z.object({ itemId: z.string(), agency: z.string(), revisions: z.array(ReleaseRevisionView) }) } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

const decisionRoute = createRoute({
  method: 'post',
  path: '/{id}/decision',
  summary: "Record the manager's RAG, outcome and rationale; contributing agencies are told the outcome",
  request: { params: ReferralIdParam, body: json(DecisionBody) },
  responses: { 200: { description: 'Recorded', content: { 'application/json': { schema: z.object({ revision: z.number().int(), notified: z.number().int() }) } } }, ...problemResponses(400, 401, 403, 404, 413, 415) },
});

const publishRoute = createRoute({
  method: 'post',
  path: '/{id}/products',
  summary: 'Publish the product: released and redacted items, signposts, and the decision',
  request: { params: ReferralIdParam, body: { required: false, content: { 'application/json': { schema: PublishBody } } } },
  responses: {
    201: { description: 'A new version', content: { 'application/json': { schema: z.object({ productId: z.string(), version: z.number().int(), contentHash: z.string(), created: z.boolean() }) } } },
    200: { description: 'Nothing changed since the latest version', content: { 'application/json': { schema: z.object({ productId: z.string(), version: z.number().int(), contentHash: z.string(), created: z.boolean() }) } } },
    ...problemResponses(400, 401, 403, 404, 409, 413, 415),
  },
});

const assignRoute = createRoute({
  method: 'post',
  path: '/{id}/assignments',
  summary: 'Assign a practitioner to the referral',
  request: { params: ReferralIdParam, body: json(AssignBody) },
  responses: { 200: { description: 'Assigned', content: { 'application/json': { schema: z.object({ subject: z.string(), assigned: z.boolean() }) } } }, ...problemResponses(400, 401, 403, 404, 413, 415) },
});

export function caseRoutes(deps: Pick<AppDeps, 'publicUrl'>, cases: Cases) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(revealRoute, async (c) => {
    const { id, itemId } = c.req.valid('param');
    const { revealed } = await cases.of(c.get('principal')).reveal(id, itemId);
    return c.json({ itemId, revealed: true as const, changed: revealed }, 200);
  });

  app.openapi(releaseRoute, async (c) => {
    const { id, itemId } = c.req.valid('param');
    const body = c.req.valid('json');
    const { revision } = await cases.of(c.get('principal')).decideRelease(id, itemId, body);
    return c.json({ itemId, decision: body.decision, revision }, 200);
  });

  app.openapi(releaseRevisionsRoute, async (c) => {
    const { id, itemId } = c.req.valid('param');
    const { agency, revisions } = await cases.of(c.get('principal')).releaseHistory(id, itemId);
    const last = revisions.at(-1)?.revision;
    return c.json(
      {
        itemId,
        agency,
        revisions: revisions.map((r) => ({
          revision: r.revision,
          decision: r.decision,
          rationale: r.rationale,
          redactions: r.redactions,
          signpost: r.signpostContact === undefined ? null : { contact: r.signpostContact },
          decidedBy: r.decidedBy,
          decidedAt: r.decidedAt,
          current: r.revision === last,
        })),
      },
      200,
    );
  });

  app.openapi(decisionRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await cases.of(c.get('principal')).decide(id, c.req.valid('json')), 200);
  });

  app.openapi(publishRoute, async (c) => {
    const { id } = c.req.valid('param');
    // The body is optional: without one (and without a Content-Type) the request is `{}`.
    const { product, created } = await cases.of(c.get('principal')).publish(id, c.req.valid('json'));
    const body = { productId: product.productId, version: product.version, contentHash: product.contentHash, created };
    c.header('Location', `${deps.publicUrl ?? new URL(c.req.url).origin}/v1/products/${product.productId}?version=${product.version}`);
    return created ? c.json(body, 201) : c.json(body, 200);
  });

  app.openapi(matchRoute, async (c) => {
    const { id, matchId } = c.req.valid('param');
    const outcome = await cases.of(c.get('principal')).decidePossibleMatch(id, matchId, c.req.valid('json'));
    return c.json({ ...outcome, alsoRejected: [...outcome.alsoRejected] }, 200);
  });

  app.openapi(closeRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await cases.of(c.get('principal')).close(id, c.req.valid('json').rationale), 200);
  });

  app.openapi(assignRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { subject } = c.req.valid('json');
    const { assigned } = await cases.of(c.get('principal')).assign(id, subject);
    return c.json({ subject, assigned }, 200);
  });

  return app;
}
