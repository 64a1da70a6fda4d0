/**
 * /v1/connectors: agency system administrators manage their own agency's connectors (endpoint,
 * credentials references, policy) and never see case content. Every change is audited.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { appendAudit } from '../../audit/log.ts';
import { enforce } from '../../case/access.ts';
import { canonicalJson } from '../../lib/canonical-json.ts';
import { sha256Hex } from '../../lib/ids.ts';
import { MashError } from '../../lib/errors.ts';
import { Connector } from '../../model/connector.ts';
import { getConnector, listConnectors, upsertConnector } from '../../store/connectors.ts';
import { listConnectorHealth } from '../../store/connector-health.ts';
import type { AppDeps, AppEnv } from '../env.ts';
import { problemResponses } from '../schemas.ts';
import { validationHook } from '../validation.ts';

/** Each connector with its circuit breaker as the workers last reported it (docs/decisions.md "Resilient connectors"). */
const ConnectorWithHealth = Connector.and(
  z.object({
    health: z.object({
      breaker: z.enum(['closed', 'open', 'half-open']),
      since: z.string().nullable(),
      reason: z.string().nullable().meta({ description: 'Why it opened: the failure code and reason, never case content.' }),
    }),
  }),
);

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: "Your agency's connectors",
  responses: { 200: { description: 'Connectors', content: { 'application/json': { schema: z.object({ connectors: z.array(ConnectorWithHealth) }) } } }, ...problemResponses(401, 403) },
});

const putRoute = createRoute({
  method: 'put',
  path: '/{connectorId}',
  summary: "Create or change one of your agency's connectors",
  request: { params: z.object({ connectorId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/) }), body: { required: true, content: { 'application/json': { schema: Connector } } } },
  responses: { 200: { description: 'Saved', content: { 'application/json': { schema: Connector } } }, ...problemResponses(400, 401, 403, 413, 415) },
});

/** Inline secret values never leave the gateway: shown as a placeholder. */
function withoutSecrets(connector: Connector): Connector {
  return JSON.parse(JSON.stringify(connector, (key, value: unknown) => (key === 'value' ? '[redacted]' : value))) as Connector;
}

/** Secrets given through the API must be references (environment or file), never the secret itself. */
const hasInlineSecret = (connector: Connector): boolean => JSON.stringify(connector.auth).includes('"value"');

export function connectorRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(listRoute, async (c) => {
    const principal = c.get('principal');
    await enforce(deps, principal, 'connector:read', {});
    const health = new Map((await listConnectorHealth(deps.db)).map((h) => [h.connectorId, h]));
    const connectors = (await listConnectors(deps.db))
      .filter((x) => x.agency === principal.agency)
      .map((x) => {
        const known = health.get(x.id);
        return { ...withoutSecrets(x), health: { breaker: known?.breaker ?? 'closed', since: known?.since ?? null, reason: known?.reason ?? null } };
      });
    return c.json({ connectors }, 200);
  });

  app.openapi(putRoute, async (c) => {
    const principal = c.get('principal');
    const connector = c.req.valid('json');
    const { connectorId } = c.req.valid('param');
    if (hasInlineSecret(connector)) throw new MashError('REQUEST.INVALID', 'give secrets as {"env": "NAME"} or {"file": "/path"}, not inline', { invalidParams: [{ name: 'json.auth', reason: 'inline secret' }] });
    if (connector.id !== connectorId) throw new MashError('REQUEST.INVALID', 'the body id must match the path', { invalidParams: [{ name: 'json.id', reason: 'differs from the path' }] });
    const existing = await getConnector(deps.db, connectorId);
    // An admin may neither create a connector for another agency nor take over one.
    await enforce(deps, principal, 'connector:manage', { connector: { agency: existing?.agency ?? connector.agency } }, undefined, connectorId);
    await enforce(deps, principal, 'connector:manage', { connector: { agency: connector.agency } }, undefined, connectorId);
    await deps.db.transaction(async (tx) => {
      const at = deps.clock.now();
      await upsertConnector(tx, connector, 'database', at);
      await appendAudit(tx, {
        at,
        actor: principal.sub,
        action: 'connector.declared',
        agency: connector.agency,
        subject: connector.id,
        detail: { created: existing === undefined, enabled: connector.enabled, definitionSha256: sha256Hex(canonicalJson(connector)) },
      });
    });
    return c.json(withoutSecrets(connector), 200);
  });

  return app;
}
