/**
 * The pull API for hosts that prefer it (issue 5 §5): a product by id (latest or a named version)
 * and a change feed of every version published after a cursor. Only published products are here:
 * this is the outside of the firewall. Every read is audited as a disclosure.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { recordAudit } from '../../audit/log.ts';
import { enforce } from '../../firewall/workflow.ts';
import { MashError } from '../../lib/errors.ts';
import { Product } from '../../model/product.ts';
import { getProductVersion, productFeed } from '../../store/products.ts';
import type { AppDeps, AppEnv } from '../env.ts';
import { problemResponses } from '../schemas.ts';
import { validationHook } from '../validation.ts';

const getProductRoute = createRoute({
  method: 'get',
  path: '/{productId}',
  summary: 'A published product: the latest version, or ?version=N',
  request: {
    params: z.object({ productId: z.string().regex(/^prd_[0-9a-f]{32}$/, 'must be a product id') }),
    query: z.object({ version: z.coerce.number().int().min(1).optional() }),
  },
  responses: { 200: { description: 'Product', content: { 'application/json': { schema: Product } } }, ...problemResponses(400, 401, 403, 404) },
});

const FeedEntry = z.object({ cursor: z.string(), product: Product });
const feedRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Change feed: product versions published after a cursor, oldest first',
  request: { query: z.object({ after: z.string().regex(/^\d{1,18}$/, 'must be a cursor from a previous page').default('0'), limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: { 200: { description: 'Feed page', content: { 'application/json': { schema: z.object({ entries: z.array(FeedEntry), nextCursor: z.string() }) } } }, ...problemResponses(400, 401, 403) },
});

export function productRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(getProductRoute, async (c) => {
    const principal = c.get('principal');
    await enforce(deps, principal, 'product:read', {});
    const { productId } = c.req.valid('param');
    const found = await getProductVersion(deps.db, deps.vault, productId, c.req.valid('query').version);
    if (found === undefined) throw new MashError('PRODUCT.NOT_FOUND', `no product ${productId}${c.req.valid('query').version === undefined ? '' : ' at that version'}`);
    await recordAudit(deps.db, { at: deps.clock.now(), actor: principal.sub, action: 'product.read', referralId: found.product.referralId, subject: productId, detail: { version: found.product.version, role: principal.role } });
    return c.json(found.product, 200);
  });

  app.openapi(feedRoute, async (c) => {
    const principal = c.get('principal');
    await enforce(deps, principal, 'product:read', {});
    const { after, limit } = c.req.valid('query');
    const page = await productFeed(deps.db, deps.vault, Number(after), limit);
    for (const entry of page) {
      await recordAudit(deps.db, { at: deps.clock.now(), actor: principal.sub, action: 'product.read', referralId: entry.product.referralId, subject: entry.product.productId, detail: { version: entry.product.version, role: principal.role, via: 'feed' } });
    }
    return c.json({ entries: page.map((e) => ({ cursor: String(e.cursor), product: e.product })), nextCursor: String(page.at(-1)?.cursor ?? after) }, 200);
  });

  return app;
}
