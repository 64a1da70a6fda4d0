/**
 * /admin/queues: the queue dashboard (bull-board, built by src/queue/dashboard.ts and handed in by
 * the composition root) behind the API's own door — a bearer token (auth.ts) and the one policy
 * function's `queue:read` (src/case/policy.ts: connector administrators and the hub manager; a
 * denial is audited). Read-only: only GET (and HEAD) pass; retrying or removing failed work is
 * /v1/admin/failures, which audits it. The dashboard exists only with the distributed engine
 * (BullMQ on Redis); embedded, the path answers a problem saying so.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { createMiddleware } from 'hono/factory';
import { MashError } from '../lib/errors.ts';
import { bearerAuth, requirePermission } from './auth.ts';
import type { AppDeps, AppEnv } from './env.ts';

const PATHS = ['/admin/queues', '/admin/queues/*'] as const;

/** Mounts the dashboard the deps carry at /admin/queues, or the problem that says there is none. */
export function mountQueueDashboard(app: OpenAPIHono<AppEnv>, deps: AppDeps): void {
  const dashboard = deps.queueDashboard;
  if (dashboard === undefined) {
    for (const path of PATHS) {
      app.all(path, () => {
        throw new MashError('ROUTE.NOT_FOUND', 'the queue dashboard is a feature of the distributed deployment (REDIS_URL set); this gateway runs its jobs in-process');
      });
    }
    return;
  }
  for (const path of PATHS) {
    app.use(path, bearerAuth(deps));
    app.use(path, async (c, next) => {
      await requirePermission(c, 'queue:read', deps);
      await next();
    });
    app.use(path, readOnly());
  }
  app.route('/admin/queues', dashboard);
}

/** RFC 9110 §15.5.6: a write method is refused with 405 and the methods allowed. */
function readOnly() {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') {
      await next();
      return;
    }
    const refused = new MashError('REQUEST.METHOD_NOT_ALLOWED', 'the queue dashboard is read-only: retry or remove failed work through /v1/admin/failures, which audits it').getResponse(c.req.path);
    refused.headers.set('allow', 'GET, HEAD');
    return refused;
  });
}
