/**
 * /v1/referrals: intake, status and the picture (issue 2 §6). Reading the picture is a view of
 * case content, so it is written to the audit log in the same transaction as the read.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { MashError } from '../../lib/errors.ts';
import { agencyChecks } from '../../model/check.ts';
import type { LookupView } from '../../model/lookup.ts';
import { Picture } from '../../model/picture.ts';
import { ReferralInput } from '../../model/referral.ts';
import { submitReferral } from '../../research/intake.ts';
import { getReferral, listLookups } from '../../store/referrals.ts';
import { lookupFactsOf, lookupView } from '../../firewall/lookup-facts.ts';
import { viewPicture } from '../../firewall/workflow.ts';
import { requirePermission } from '../auth.ts';
import type { AppDeps, AppEnv } from '../env.ts';
import { problemResponses, ReferralAccepted, ReferralIdParam, ReferralStatusView } from '../schemas.ts';
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

export function referralRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(createReferralRoute, async (c) => {
    await requirePermission(c, 'referral:create', deps);
    const principal = c.get('principal');
    const key = c.req.valid('header')['idempotency-key'];
    // Keys are scoped to the caller so two systems cannot collide.
    const submitted = await submitReferral(c.req.valid('json'), principal.sub, key === undefined ? null : `${principal.sub} ${key}`, deps);
    const location = `${deps.publicUrl ?? new URL(c.req.url).origin}/v1/referrals/${submitted.id}`;
    const referral = await getReferral(deps.db, deps.vault, submitted.id);
    const body = { id: submitted.id, status: referral?.status ?? 'received', location };
    c.header('Location', location);
    return submitted.created ? c.json(body, 202) : c.json(body, 200);
  });

  app.openapi(getReferralRoute, async (c) => {
    const { id } = c.req.valid('param');
    await requirePermission(c, 'referral:read', deps, id);
    const referral = await getReferral(deps.db, deps.vault, id);
    if (referral === undefined) throw new MashError('REFERRAL.NOT_FOUND', `no referral ${id}`);
    // Each lookup's facts counted as the picture holds them (relevance): counts only, nothing shown.
    const lookupFacts = await lookupFactsOf(deps.db, deps.vault, id);
    const lookups = (await listLookups(deps.db, id)).map((l) => lookupView(l, lookupFacts));
    const count = (status: LookupView['status']) => lookups.filter((l) => l.status === status).length;
    return c.json(
      {
        id: referral.id,
        status: referral.status,
        rag: referral.rag,
        threshold: referral.threshold,
        externalReference: referral.externalReference,
        receivedAt: referral.receivedAt.toISOString(),
        slaDueAt: referral.slaDueAt.toISOString(),
        pictureReadyAt: referral.pictureReadyAt?.toISOString() ?? null,
        lookupCounts: {
          total: lookups.length,
          queued: count('queued'),
          running: count('running'),
          done: count('done'),
          partial: count('partial'),
          failed: count('failed'),
          notPermitted: count('not-permitted'),
          timedOut: count('timed-out'),
        },
        lookups,
      },
      200,
    );
  });

  app.openapi(getPictureRoute, async (c) => {
    const { id } = c.req.valid('param');
    // The firewall decides what this caller may see, and audits the view with the items shown.
    const principal = c.get('principal');
    const view = await viewPicture(deps, principal, id);
    const { items, lookupFacts } = view;
    const [status] = await deps.db.query<{ status: Picture['status'] }>('SELECT status FROM referrals WHERE id = $1', [id]);
    const lookupRecords = await listLookups(deps.db, id);
    const shown = new Map<string, number>();
    for (const { fact } of items) shown.set(fact.provenance.lookupId, (shown.get(fact.provenance.lookupId) ?? 0) + 1);
    const lookups = lookupRecords.map((l) => ({ ...lookupView(l, lookupFacts), factsShown: shown.get(l.id) ?? 0 }));
    const { persons, family, chronology, possibleMatches } = await deps.identity.pictureIdentity(id, view, lookupRecords, principal);
    return c.json(
      {
        referralId: id,
        persons,
        family,
        chronology: [...chronology],
        possibleMatches: [...possibleMatches],
        status: status?.status ?? 'received',
        generatedAt: deps.clock.now().toISOString(),
        lookups,
        checks: agencyChecks(lookups),
        facts: items.map((i) => i.fact),
        items: items.map((i) => ({
          itemId: i.fact.id,
          agency: i.agency,
          sensitivity: i.fact.provenance.sensitivity,
          revealed: i.revealedAt !== null,
          release: i.release === null ? null : { decision: i.release.decision, revision: i.release.revision, decidedAt: i.release.decidedAt, decidedBy: i.release.decidedBy },
        })),
      },
      200,
    );
  });

  return app;
}
