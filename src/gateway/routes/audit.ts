/** /v1/audit: verification of the hash-chained audit log, for auditors (issue 6 §3). */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { recordAudit } from '../../audit/log.ts';
import { verifyAuditLog } from '../../audit/verify.ts';
import { requirePermission } from '../auth.ts';
import type { AppDeps, AppEnv } from '../env.ts';
import { problemResponses } from '../schemas.ts';
import { validationHook } from '../validation.ts';

const Verification = z
  .object({
    ok: z.boolean(),
    entries: z.number().int(),
    checkpoints: z.number().int(),
    headSeq: z.number().int(),
    failure: z.object({ seq: z.number().int(), reason: z.string() }).optional(),
  })
  .meta({ id: 'AuditVerification' });

const verifyRoute = createRoute({
  method: 'get',
  path: '/verify',
  summary: 'Recompute the audit hash chain and check its signed checkpoints',
  responses: {
    200: { description: 'Intact', content: { 'application/json': { schema: Verification } } },
    409: { description: 'Broken: names the first bad entry', content: { 'application/json': { schema: Verification } } },
    ...problemResponses(401, 403),
  },
});

export function auditRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.openapi(verifyRoute, async (c) => {
    await requirePermission(c, 'audit:verify', deps);
    const result = await verifyAuditLog(deps.db, deps.auditKeys);
    const principal = c.get('principal');
    await recordAudit(deps.db, {
      at: deps.clock.now(),
      actor: principal.sub,
      action: 'audit.verified',
      detail: { ok: result.ok, entries: result.entries, firstBadEntry: result.failure?.seq ?? null },
    });
    return result.ok ? c.json(result, 200) : c.json(result, 409);
  });
  return app;
}
