/**
 * The metrics listener (MASH_METRICS_PORT, MASH_METRICS_HOST): GET /metrics without auth, for a
 * Prometheus inside the cluster — and the only HTTP a worker process serves, so its lookups can be
 * scraped at all (README "Metrics"). Bound to 127.0.0.1 unless configured otherwise: whoever can
 * reach it reads the figures, so it is for a private network, never a public one.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { MashError } from '../lib/errors.ts';
import type { PrometheusMetrics } from './prometheus.ts';

/** A listening metrics server. */
export interface MetricsServer {
  /** Its base URL (`http://host:port`). */
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the listener; resolves once it listens (port 0 picks a free one). */
export function startMetricsServer(metrics: Pick<PrometheusMetrics, 'exposition' | 'contentType'>, options: { readonly host: string; readonly port: number }): Promise<MetricsServer> {
  const app = new Hono();
  app.get('/metrics', async (c) => c.body(await metrics.exposition(), 200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }));
  app.notFound((c) => new MashError('ROUTE.NOT_FOUND', `no route for ${c.req.method} ${c.req.path}; this listener serves GET /metrics`).getResponse(c.req.path));
  app.onError((_error, c) => new MashError('INTERNAL', 'the metrics could not be collected').getResponse(c.req.path));
  return new Promise((resolve, reject) => {
    const server: ServerType = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, (info) => {
      const host = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${info.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
    server.once('error', reject);
  });
}
