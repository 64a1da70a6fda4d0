/**
 * The gateway's HTTP application: routes, auth, problem documents, OpenAPI. Built by
 * `createApp(deps)` from its dependencies; tests drive it in-process with `app.request()`.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import { createCases } from '../case/repository.ts';
import { ERROR_STATUS, MashError, describeError, type ErrorCode } from '../lib/errors.ts';
import { newId } from '../lib/ids.ts';
import type { Logger } from '../lib/logger.ts';
import { storeAnswers } from '../store/db.ts';
import { ContentDestroyedError } from '../store/vault.ts';
import { bearerAuth } from './auth.ts';
import { mountDocs } from './docs.ts';
import type { AppDeps, AppEnv } from './env.ts';
import { problem, problemResponse } from './problem.ts';
import { auditRoutes } from './routes/audit.ts';
import { connectorRoutes } from './routes/connectors.ts';
import { caseRoutes } from './routes/case.ts';
import { productRoutes } from './routes/products.ts';
import { referralRoutes } from './routes/referrals.ts';
import { jsonRequestBody } from './request-body.ts';
import { textRequestTarget } from './request-target.ts';
import { validationHook } from './validation.ts';

const DEFAULT_MAX_BODY = 1024 * 1024;
// RFC 9110 §10.2.3: a 503 says when to try again. The store and the queue come back by themselves.
const RETRY_AFTER_SECONDS = '5';
// /readyz answers within this, whatever state the store or the queue is in.
const READINESS_TIMEOUT_MS = 2_000;

/** Request id in and out, and one log line per request: method, route pattern, status, timing — never ids' content or bodies. */
function requestLog(logger: Logger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    // A caller's request id is kept only if it is a plain token, so it cannot forge log lines.
    const offered = c.req.header('x-request-id');
    const requestId = offered !== undefined && /^[A-Za-z0-9._-]{1,100}$/.test(offered) ? offered : newId();
    c.set('requestId', requestId);
    c.header('x-request-id', requestId);
    const started = performance.now();
    await next();
    logger.info({ requestId, method: c.req.method, route: routePath(c, -1), status: c.res.status, ms: Math.round(performance.now() - started) }, 'request');
  });
}

/**
 * Hono and @hono/zod-openapi answer some bad requests by throwing HTTPException: the JSON
 * validator for a body that is not JSON (400), the media-type gate of a route (415), the body
 * limit (413). Each becomes the problem document of its stable code; any other is a bug.
 */
function httpExceptionProblem(status: number): { code: ErrorCode; detail: string } | undefined {
  switch (status) {
    case 400:
      return { code: 'REQUEST.MALFORMED_JSON', detail: 'the request body is not valid JSON' };
    case 413:
      return { code: 'REQUEST.TOO_LARGE', detail: 'the request body is too large' };
    case 415:
      return { code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE', detail: 'send the body as application/json in UTF-8' };
    default:
      return undefined;
  }
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

  app.use('/v1/*', bodyLimit({ maxSize: deps.maxBodyBytes ?? DEFAULT_MAX_BODY, onError: () => { throw new MashError('REQUEST.TOO_LARGE', 'the request body is too large'); } }));
  app.use('/v1/*', bearerAuth(deps));
  // After authentication: an anonymous caller's body is never read beyond the size limit.
  app.use('/v1/*', textRequestTarget());
  app.use('/v1/*', jsonRequestBody());
  const cases = createCases(deps);
  app.route('/v1/referrals', referralRoutes(deps, cases));
  app.route('/v1/referrals', caseRoutes(deps, cases));
  app.route('/v1/products', productRoutes(cases));
  app.route('/v1/connectors', connectorRoutes(deps));
  app.route('/v1/audit', auditRoutes(deps));

  app.notFound((c) => problemResponse(problem('ROUTE.NOT_FOUND', 404, `no route for ${c.req.method} ${c.req.path}`, { instance: c.req.path })));

  app.onError((error, c) => {
    const instance = c.req.path;
    if (error instanceof MashError) {
      const headers: Record<string, string> =
        error.status === 401
          ? { 'www-authenticate': `Bearer realm="mash", error="${error.code === 'AUTH.MISSING_TOKEN' ? 'invalid_request' : 'invalid_token'}"` }
          : error.status === 503
            ? { 'retry-after': RETRY_AFTER_SECONDS }
            : {};
      return problemResponse(problem(error.code, error.status, error.message, { instance, invalidParams: error.invalidParams }), headers);
    }
    if (error instanceof ContentDestroyedError) {
      // Retention destroyed this case's content: it is gone for good, not merely hidden.
      return problemResponse(problem('CONTENT.DESTROYED', 410, 'this case content was destroyed under the retention policy', { instance }));
    }
    if (error instanceof HTTPException) {
      const mapped = httpExceptionProblem(error.status);
      if (mapped !== undefined) return problemResponse(problem(mapped.code, ERROR_STATUS[mapped.code], mapped.detail, { instance }));
    }
    deps.logger.error({ requestId: c.get('requestId'), code: 'INTERNAL', error: describeError(error) }, 'unhandled error');
    return problemResponse(problem('INTERNAL', ERROR_STATUS.INTERNAL, 'an internal error occurred; it has been logged', { instance }));
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
