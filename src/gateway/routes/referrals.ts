/**
 * /v1/referrals: intake, the list of open referrals by SLA, status and the picture. Intake hands the referral to the
 * research workflow; status and picture are read through the case repository (src/case), which
 * decides what the caller may see and audits a view of case content.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import { z } from 'zod';
import type { Cases } from '../../case/repository.ts';
import { Picture } from '../../model/picture.ts';
import { ReferralInput } from '../../model/referral.ts';
import { submitReferral } from '../../research/intake.ts';
import type { AppDeps, AppEnv } from '../env.ts';
import { problemResponses, ReferralAccepted, ReferralIdParam, ReferralListPage, ReferralListQuery, ReferralStatusView } from '../schemas.ts';
import { validationHook } from '../validation.ts';

const IdempotencyHeaders = z.object({
  'idempotency-key': z.string().min(8).max(200).optional().meta({ description: 'Repeat a POST safely: the same key returns the same referral.' }),
});

const createReferralRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Submit a referral; research starts at once',
  request: {
    headers: IdempotencyHeaders,
    body: { required: true, content: { 'application/json': { schema: ReferralInput } } },
  },
  responses: {
    202: { description: 'Accepted; research has started', content: { 'application/json': { schema: ReferralAccepted } } },
    200: { description: 'Already submitted with this Idempotency-Key', content: { 'application/json': { schema: ReferralAccepted } } },
    ...problemResponses(400, 401, 403, 413, 415),
  },
});

const listReferralsRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Open referrals, soonest due first; filter by SLA standing (at-risk, breached), RAG and status',
  description: 'Practitioners see the referrals their agency contributed to or they are assigned; the manager sees all. No case content.',
  request: { query: ReferralListQuery },
  responses: {
    200: { description: 'A page of referrals', content: { 'application/json': { schema: ReferralListPage } } },
    ...problemResponses(400, 401, 403),
  },
});

const getReferralRoute = createRoute({
  method: 'get',
  path: '/{id}',
  summary: 'Referral status, SLA due time and every lookup',
  request: { params: ReferralIdParam },
  responses: {
    200: { description: 'Status', content: { 'application/json': { schema: ReferralStatusView } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

const getPictureRoute = createRoute({
  method: 'get',
  path: '/{id}/picture',
  summary: 'The facts gathered, each with its provenance; the people found; the possible matches awaiting a practitioner',
  description:
    'Only records matched to a subject (automatically, or confirmed by a practitioner) contribute facts. Records that may be a subject but are not certain — ' +
    'for instance several people with different NHS numbers matching one child — are listed in `possibleMatches` (kind `subject`) to those who may see them, ' +
    'counted per person in `persons[].awaitingDecision`, and kept out of the facts and of every product until confirmed.',
  request: { params: ReferralIdParam },
  responses: {
    200: { description: 'Picture', content: { 'application/json': { schema: Picture } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

/**
 * Answers JSON as it was stored, without parsing and serialising (or encoding) it again on every read. The
 * text is a picture the case built and checked against the Picture schema before sealing it
 * (src/case/picture.ts), and AES-GCM authenticated it since; `TypedResponse` only carries the
 * type to the OpenAPI route, so stating it here is all that is needed.
 */
function storedJson<T>(c: Context<AppEnv>, json: Uint8Array<ArrayBuffer>): TypedResponse<JSONParsed<T>, 200, 'json'> {
  return c.body(json, 200, { 'content-type': 'application/json' }) as unknown as TypedResponse<JSONParsed<T>, 200, 'json'>;
}

export function referralRoutes(deps: AppDeps, cases: Cases) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(createReferralRoute, async (c) => {
    const repository = cases.of(c.get('principal'));
    await repository.authorize('referral:create');
    const principal = c.get('principal');
    const key = c.req.valid('header')['idempotency-key'];
    // Keys are scoped to the caller so two systems cannot collide.
    const submitted = await submitReferral(c.req.valid('json'), principal.sub, key === undefined ? null : `${principal.sub} ${key}`, deps);
    const location = `${deps.publicUrl ?? new URL(c.req.url).origin}/v1/referrals/${submitted.id}`;
    const body = { id: submitted.id, status: (await repository.submittedStatus(submitted.id)) ?? 'received', location };
    c.header('Location', location);
    return submitted.created ? c.json(body, 202) : c.json(body, 200);
  });

  app.openapi(listReferralsRoute, async (c) => {
    return c.json(await cases.of(c.get('principal')).list(c.req.valid('query')), 200);
  });

  app.openapi(getReferralRoute, async (c) => {
    const { id } = c.req.valid('param');
    return c.json(await cases.of(c.get('principal')).status(id), 200);
  });

  app.openapi(getPictureRoute, async (c) => {
    const { id } = c.req.valid('param');
    // Read from storage (or memory) as built for the caller's audience: the JSON is answered as
    // stored, as the UTF-8 bytes encoded once when the picture was opened or built.
    const served = await cases.of(c.get('principal')).picture(id);
    return storedJson<Picture>(c, served.body);
  });

  return app;
}
