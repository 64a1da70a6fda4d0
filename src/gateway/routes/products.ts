/**
 * The pull API for hosts that prefer it: a product by id (latest or a named version)
 * and a change feed of the versions published after a cursor that the caller may read. Only
 * published products are here: this is the outside of the firewall. The policy decides each read
 * from the product and its referral (src/case/disclosure.ts); every read is audited.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { Cases } from '../../case/repository.ts';
import { Product } from '../../model/product.ts';
import type { AppEnv } from '../env.ts';
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
  summary: 'Change feed: product versions published after a cursor that you may read, oldest first',
  description: 'Versions you may not read are skipped. A page may hold fewer than `limit` entries (even none) while `nextCursor` moves on: continue until `nextCursor` stops changing.',
  request: { query: z.object({ after: z.string().regex(/^\d{1,18}$/, 'must be a cursor from a previous page').default('0'), limit: z.coerce.number().int().min(1).max(100).default(20) }) },
  responses: { 200: { description: 'Feed page', content: { 'application/json': { schema: z.object({ entries: z.array(FeedEntry), nextCursor: z.string() }) } } }, ...problemResponses(400, 401, 403) },
});

export function productRoutes(cases: Cases) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(getProductRoute, async (c) => {
    const { productId } = c.req.valid('param');
    // The firewall asks the policy with the product and its referral's context, and audits the read.
    return c.json(await cases.of(c.get('principal')).product(productId, c.req.valid('query').version), 200);
  });

  app.openapi(feedRoute, async (c) => {
    const { after, limit } = c.req.valid('query');
    const page = await cases.of(c.get('principal')).productFeed(Number(after), limit);
    return c.json({ entries: page.entries.map((e) => ({ cursor: String(e.cursor), product: e.product })), nextCursor: String(page.nextCursor) }, 200);
  });

  return app;
}
