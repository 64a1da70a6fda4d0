/**
 * GET /metrics on the gateway's own port: the Prometheus exposition of this process
 * (src/metrics/prometheus.ts), behind the same bearer auth as the API and the policy's
 * `metrics:read` (hub manager and connector administrators: counts by connector, agency and kind,
 * never case content). A scraper inside the cluster can use the unauthenticated listener on
 * MASH_METRICS_PORT instead (README "Metrics"). Outside /v1: the path every scraper expects.
 */
import { Hono } from 'hono';
import { bearerAuth, requirePermission } from '../auth.ts';
import type { AppDeps, AppEnv, MetricsExposition } from '../env.ts';

/** The route app; mounted at /metrics. */
export function metricsRoutes(deps: AppDeps, exposition: MetricsExposition): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', bearerAuth(deps));
  app.get('/', async (c) => {
    await requirePermission(c, 'metrics:read', deps);
    // Text format 0.0.4 (prom-client's registry content type); never cached by a proxy.
    return c.body(await exposition.text(), 200, { 'content-type': exposition.contentType, 'cache-control': 'no-store' });
  });
  return app;
}
