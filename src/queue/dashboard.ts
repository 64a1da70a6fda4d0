/**
 * The queue dashboard of the distributed engine: bull-board (`@bull-board/api` with its Hono
 * adapter) over every queue of `QUEUE_NAMES`, on the engine's Redis and key prefix. Operators see
 * counts, states, timings and ids; nothing else can be on it, because
 * - it is read-only (`readOnlyMode`: bull-board refuses its own write routes, and the gateway
 *   refuses every method but GET before they are reached): retrying or removing failed work goes
 *   through /v1/admin/failures, which audits it (docs/decisions.md "Resilient connectors");
 * - job data is shown only as its kind's schema parses it (ids, CONVENTIONS.md: job data carries
 *   ids, never payloads), return values never (processors return nothing worth showing), and what
 *   Redis keeps of a failure is codes and reasons (stored-failure.ts);
 * - its page and assets come from the installed `@bull-board/ui` package, never a CDN: the one
 *   remote stylesheet its page names (web fonts) is taken out, and a Content-Security-Policy keeps
 *   the browser to this origin (a council network may have no route to the internet).
 * Who may open it is the gateway's business (bearer auth and the `queue:read` policy action); this
 * module builds the board and owns its Redis connection.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import { Queue } from 'bullmq';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { describeError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { DeliveryJobData, LookupJobData, QUEUE_NAMES, ReferralJobData, type JobKind } from '../model/jobs.ts';

/** Where the gateway mounts the dashboard; its page's `<base href>` and asset paths are built from it. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** The remote web-font stylesheet `@bull-board/ui`'s page links; the page falls back to system fonts without it. */
const REMOTE_FONTS = /<link[^>]*href="https:\/\/fonts\.googleapis\.com\/[^"]*"[^>]*>\s*/g;

/**
 * Everything from this origin only (W3C CSP Level 3). Styles allow inline: the page carries inline
 * style attributes and a `<style>` element; the UI's configuration is an inline JSON block, which is
 * data, not script.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ');

/** What each kind's job data may show: its schema's parse (ids only); periodic runs carry none. */
const SHOWN_DATA: Readonly<Record<JobKind, z.ZodType>> = {
  lookup: LookupJobData,
  referral: ReferralJobData,
  delivery: DeliveryJobData,
  'audit-seal': z.object({}).strict(),
  'audit-checkpoint': z.object({}).strict(),
  'outbox-sweep': z.object({}).strict(),
  'recovery-sweep': z.object({}).strict(),
  retention: z.object({}).strict(),
  'lookup-recovery': z.object({}).strict(),
  'model-estimation': z.object({}).strict(),
};

/** The board: a Hono app to mount at {@link QUEUE_DASHBOARD_PATH}, and its Redis connection to close. */
export interface QueueDashboard {
  readonly app: Hono;
  close(): Promise<void>;
}

export interface QueueDashboardOptions {
  /** The engine's Redis URL. */
  readonly connection: string;
  /** The engine's Redis key prefix (BullMQ `prefix`); default BullMQ's, as the engine's. */
  readonly prefix?: string;
  readonly logger: Logger;
}

/** Builds the read-only board over every queue of the engine (see the file header). */
export function createQueueDashboard(options: QueueDashboardOptions): QueueDashboard {
  const log = options.logger.child({ component: 'queue-dashboard' });
  // Reads only, and fail fast while Redis is away (the board shows an error; nothing queues up).
  const redis = new Redis(options.connection, { maxRetriesPerRequest: 1 });
  redis.on('error', (error: unknown) => {
    log.warn({ code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'redis connection error');
  });
  const prefix = options.prefix === undefined ? {} : { prefix: options.prefix };
  const queues = (Object.entries(QUEUE_NAMES) as [JobKind, string][]).map(([kind, name]) => {
    const queue = new Queue(name, { connection: redis, ...prefix });
    queue.on('error', (error) => {
      log.warn({ code: 'QUEUE.UNAVAILABLE', err: describeError(error) }, 'dashboard queue error');
    });
    const adapter = new BullMQAdapter(queue, { readOnlyMode: true, allowRetries: false, description: `${kind} jobs` });
    adapter.setFormatter('data', (data: unknown) => shownData(kind, data));
    adapter.setFormatter('returnValue', () => null);
    return { queue, adapter };
  });

  const serverAdapter = new HonoAdapter(serveStatic).setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({
    queues: queues.map(({ adapter }) => adapter),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'MASH queues' } },
  });

  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    c.res.headers.set('content-security-policy', CONTENT_SECURITY_POLICY);
    c.res.headers.set('x-content-type-options', 'nosniff');
    if (c.res.headers.get('content-type')?.startsWith('text/html') === true) {
      c.res.headers.delete('content-length');
      const page = (await c.res.text()).replace(REMOTE_FONTS, '');
      c.res = new Response(page, { status: c.res.status, headers: c.res.headers });
    }
  });
  app.route('/', serverAdapter.registerPlugin());

  return {
    app,
    async close() {
      await Promise.all(queues.map(({ queue }) => queue.close().catch(() => undefined)));
      await redis.quit().catch(() => {
        redis.disconnect();
      });
    },
  };
}

/** Job data as the dashboard shows it: what the kind's schema parses, or a note that it does not. */
export function shownData(kind: JobKind, data: unknown): unknown {
  const parsed = SHOWN_DATA[kind].safeParse(data);
  return parsed.success ? parsed.data : { invalid: 'JOB.INVALID_DATA: not shown' };
}
