/**
 * The gateway's HTTP application: routes, auth, problem documents, OpenAPI. Built by
 * `createApp(deps)` from its dependencies; tests drive it in-process with `app.request()`.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import { createCases } from '../case/repository.ts';
import { INTERNAL_DETAIL, MashError, describeError } from '../lib/errors.ts';
import { newId } from '../lib/ids.ts';
import { runInLogContext } from '../lib/log-context.ts';
import type { Logger } from '../lib/logger.ts';
import { storeAnswers } from '../store/db.ts';
import { bearerAuth } from './auth.ts';
import { referralInLogContext } from './log-ids.ts';
import { mountQueueDashboard } from './queue-dashboard.ts';
import { mountDocs } from './docs.ts';
import type { AppDeps, AppEnv } from './env.ts';
import { withLibraryErrorsConverted } from './library-errors.ts';
import { auditRoutes } from './routes/audit.ts';
import { consoleRoutes } from './console/routes.ts';
import { connectorRoutes } from './routes/connectors.ts';
import { failureRoutes } from './routes/failures.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { caseRoutes } from './routes/case.ts';
import { possibleMatchRoutes } from './routes/possible-matches.ts';
import { productRoutes } from './routes/products.ts';
import { referralRoutes } from './routes/referrals.ts';
import { reportRoutes } from './routes/reports.ts';
import { personIndexRoutes } from './routes/person-index.ts';
import { jsonRequestBody } from './request-body.ts';
import { textRequestTarget } from './request-target.ts';
import { validationHook } from './validation.ts';

const DEFAULT_MAX_BODY = 1024 * 1024;
// /readyz answers within this, whatever state the store or the queue is in.
const READINESS_TIMEOUT_MS = 2_000;

/**
 * Request id in and out, and one log line per request: method, route pattern, status, timing — never
 * ids' content or bodies. The request runs in a log context of its own (src/lib/log-context.ts), so
 * every line logged while handling it carries its request id, and its referral's once known.
 */
function requestLog(logger: Logger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    // A caller's request id is kept only if it is a plain token, so it cannot forge log lines.
    const offered = c.req.header('x-request-id');
    const requestId = offered !== undefined && /^[A-Za-z0-9._-]{1,100}$/.test(offered) ? offered : newId();
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    const started = performance.now();
    await runInLogContext({ requestId }, async () => {
      await next();
      logger.info({ method: c.req.method, route: routePath(c, -1), status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
    });
  });
}

export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.use('*', requestLog(deps.logger));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const [store, queue] = await Promise.all([
      probe(storeAnswers(deps.db), READINESS_TIMEOUT_MS),
      probe(deps.scheduler.ping(), READINESS_TIMEOUT_MS),
    ]);
    const ready = store && queue;
    return c.json({ status: ready ? 'ready' : 'not-ready', store: store ? 'up' : 'down', queue: queue ? 'up' : 'down' }, ready ? 200 : 503);
  });
  mountDocs(app);
  // Prometheus scrape behind bearer auth and `metrics:read`, unless configured off (README "Metrics").
  if (deps.metricsExposition !== undefined) app.route('/metrics', withLibraryErrorsConverted(metricsRoutes(deps, deps.metricsExposition)));

  app.use('/v1/*', bodyLimit({ maxSize: deps.maxBodyBytes ?? DEFAULT_MAX_BODY, onError: () => { throw new MashError('REQUEST.TOO_LARGE', 'the request body is too large'); } }));
  app.use('/v1/*', bearerAuth(deps));
  // After authentication: an anonymous caller's body is never read beyond the size limit.
  app.use('/v1/*', textRequestTarget());
  app.use('/v1/*', jsonRequestBody());
  app.use('/v1/referrals/:id', referralInLogContext());
  app.use('/v1/referrals/:id/*', referralInLogContext());
  const cases = createCases(deps);
  // Each route app converts the errors its validators' libraries throw (library-errors.ts).
  app.route('/v1/referrals', withLibraryErrorsConverted(referralRoutes(deps, cases)));
  app.route('/v1/referrals', withLibraryErrorsConverted(caseRoutes(deps, cases)));
  app.route('/v1/products', withLibraryErrorsConverted(productRoutes(cases)));
  app.route('/v1/connectors', withLibraryErrorsConverted(connectorRoutes(deps)));
  app.route('/v1/admin/failures', withLibraryErrorsConverted(failureRoutes(deps)));
  app.route('/v1/audit', withLibraryErrorsConverted(auditRoutes(deps)));
  mountQueueDashboard(app, deps);
  if (deps.console !== undefined) app.route('/', consoleRoutes(deps, cases, deps.console));
  app.route('/v1/reports', withLibraryErrorsConverted(reportRoutes(deps)));
  app.route('/v1/possible-matches', withLibraryErrorsConverted(possibleMatchRoutes(cases)));
  app.route('/v1/person-index', withLibraryErrorsConverted(personIndexRoutes(deps)));

  app.notFound((c) => new MashError('ROUTE.NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`).getResponse(c.req.path));

  // One error type answers for itself (CONVENTIONS.md §4): a MashError whose code reaches HTTP
  // carries its response; anything else is a bug, logged and answered INTERNAL.
  app.onError((error, c) => {
    if (error instanceof MashError && error.status !== null) return error.getResponse(c.req.path);
    deps.logger.error({ requestId: c.get('requestId'), code: 'INTERNAL', error: describeError(error) }, 'unhandled error');
    return new MashError('INTERNAL', INTERNAL_DETAIL).getResponse(c.req.path);
  });

  return app;
}

/** True when the check resolves true within `ms`; false when it fails, answers false or takes longer. */
async function probe(check: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([check.catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}
