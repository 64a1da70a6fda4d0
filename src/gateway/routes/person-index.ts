/**
 * /v1/person-index/models: the person index's model versions (which one links the hub's people
 * now, what each was trained on, why a refused one was refused), and an estimation run on request.
 * The hub manager's; no personal data (docs/decisions.md "The live person index trains its own
 * model"). The route answers; the policy and the work are the case's and identity's
 * (src/case/person-index-models.ts).
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { estimateModelNow, listModelVersions } from '../../case/person-index-models.ts';
import type { ModelVersionSummary } from '../../model/person-index-model.ts';
import type { AppDeps, AppEnv } from '../env.ts';
import { noRequestBody } from '../request-body.ts';
import { problemResponses } from '../schemas.ts';
import { validationHook } from '../validation.ts';

const count = z.number().int();
const ModelVersion = z
  .object({
    version: count.meta({ description: 'Version number; 0 is the prior the release ships, used before any estimation.' }),
    kind: z.enum(['prior', 'estimated']),
    status: z.enum(['active', 'refused', 'superseded']).meta({ description: 'active: the person index matches with it; refused: failed the checks, never used; superseded: active before.' }),
    createdAt: z.string(),
    activatedAt: z.string().nullable(),
    supersededAt: z.string().nullable(),
    trigger: z.enum(['migration', 'schedule', 'request']),
    requestedBy: z.string().nullable().meta({ description: 'Who asked for it (trigger request).' }),
    records: count.meta({ description: 'Person index records it was trained on.' }),
    candidatePairs: count.meta({ description: 'Pairs sharing a blocking key.' }),
    trainingPairs: count.meta({ description: 'Candidate pairs that trained m (sharing a person-level key).' }),
    iterations: count.meta({ description: 'EM iterations.' }),
    converged: z.boolean().nullable(),
    expectedMatches: z.number().nullable().meta({ description: 'Expected true matches among the training pairs.' }),
    reasons: z.array(z.object({ code: z.string(), message: z.string() })).meta({ description: 'Why a refused version was refused.' }),
  })
  .meta({ id: 'ModelVersion', description: "A version of the person index's match model (counts and status; its parameters stay in the store)." });

const listRoute = createRoute({
  method: 'get',
  path: '/models',
  summary: "The person index's model versions, newest first, with the active one",
  responses: {
    200: { description: 'Versions', content: { 'application/json': { schema: z.object({ active: count.nullable(), versions: z.array(ModelVersion) }) } } },
    ...problemResponses(401, 403, 404),
  },
});

const estimateRoute = createRoute({
  method: 'post',
  path: '/models/estimate',
  middleware: [noRequestBody()] as const,
  summary: 'Estimate the model now from the index’s records: activated, refused (kept with its reasons) or unchanged (these records were estimated already)',
  responses: {
    200: { description: 'What the estimation did', content: { 'application/json': { schema: z.object({ outcome: z.enum(['activated', 'refused', 'unchanged']), version: ModelVersion }) } } },
    ...problemResponses(400, 401, 403, 404, 413, 415),
  },
});

const view = (v: ModelVersionSummary): z.infer<typeof ModelVersion> => ({
  version: v.version,
  kind: v.kind,
  status: v.status,
  createdAt: v.createdAt.toISOString(),
  activatedAt: v.activatedAt?.toISOString() ?? null,
  supersededAt: v.supersededAt?.toISOString() ?? null,
  trigger: v.trigger,
  requestedBy: v.requestedBy,
  records: v.records,
  candidatePairs: v.candidatePairs,
  trainingPairs: v.trainingPairs,
  iterations: v.iterations,
  converged: v.converged,
  expectedMatches: v.expectedMatches,
  reasons: [...v.reasons],
});

/** The person index's routes. */
export function personIndexRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(listRoute, async (c) => {
    const versions = await listModelVersions(deps, c.get('principal'));
    return c.json({ active: versions.find((v) => v.status === 'active')?.version ?? null, versions: versions.map(view) }, 200);
  });

  app.openapi(estimateRoute, async (c) => {
    const outcome = await estimateModelNow(deps, c.get('principal'));
    return c.json({ outcome: outcome.kind, version: view(outcome.version) }, 200);
  });

  return app;
}
