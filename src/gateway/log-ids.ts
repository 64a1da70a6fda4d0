/**
 * The referral a request names goes into its log context (src/lib/log-context.ts), so every line
 * logged while handling it — routes, the case module, research — carries the referral id
 * (CONVENTIONS.md §9: identifiers, never personal data). The request id is set by the request log
 * middleware (app.ts); intake adds the id of a referral it creates (src/research/intake.ts).
 */
import { createMiddleware } from 'hono/factory';
import { addToLogContext } from '../lib/log-context.ts';
import type { AppEnv } from './env.ts';

/** Referral ids are UUIDs (src/lib/ids.ts); anything else in the path is left for the route's validation to answer. */
const REFERRAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Middleware for routes under `/v1/referrals/:id`: the path's referral id joins the log context. */
export function referralInLogContext() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const id = c.req.param('id');
    if (id !== undefined && REFERRAL_ID.test(id)) addToLogContext({ referralId: id.toLowerCase() });
    await next();
  });
}
