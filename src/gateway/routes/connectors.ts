/**
 * /v1/connectors: agency system administrators add, configure, test and watch their own agency's
 * connectors and never see case content (DESIGN.md "Users"; docs/decisions.md "Connector
 * administration"). Every change is a new version with its reason, audited in its transaction;
 * credentials are write-only (`{"sealed": true}` in every answer). Another agency's connector is
 * 403 (FIREWALL.DENIED), one that does not exist 404 (CONNECTOR.NOT_FOUND): connector ids are
 * configuration, not case content. Thin: parse, ask the policy, call src/research/connector-admin.ts.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { enforce } from '../../case/access.ts';
import type { Action } from '../../case/policy.ts';
import { MashError } from '../../lib/errors.ts';
import { Connector } from '../../model/connector.ts';
import type { Principal } from '../../model/principal.ts';
import { deleteConnector, restoreConnectorVersion, saveConnector, setConnectorEnabled, testConnector, updateConnector, type ChangeBy } from '../../research/connector-admin.ts';
import { CHECK_STEPS } from '../../research/connector-check.ts';
import { hasInlineCredential, withdrawCredentials } from '../../store/connector-credentials.ts';
import { connectorHealthFigures, getConnectorBreaker, healthStatus, HEALTH_WINDOWS, listConnectorHealth } from '../../store/connector-health.ts';
import { getStoredConnector, listConnectorVersions, listStoredConnectors, type StoredConnector } from '../../store/connectors.ts';
import type { AppDeps, AppEnv } from '../env.ts';
import { problemResponses } from '../schemas.ts';
import { validationHook } from '../validation.ts';

const ConnectorId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lowercase letters, digits and "-"');
const Params = z.object({ connectorId: ConnectorId });
const Instant = z.iso.datetime({ offset: true });
/** Why a change is made (governance rule 6: every decision with its rationale); required on every change. */
const Reason = z.string().trim().min(1).max(1000).meta({ description: 'Why: kept in the version and the audit entry.' });
const ReasonBody = z.object({ reason: Reason }).strict();

const Breaker = z.object({
  breaker: z.enum(['closed', 'open', 'half-open']),
  since: z.string().nullable(),
  reason: z.string().nullable().meta({ description: 'Why it opened: the failure code and reason, never case content.' }),
});

/** A connector as an administrator sees it: credentials shown as `{"sealed": true}`. */
const ConnectorView = Connector.and(
  z.object({
    version: z.number().int(),
    managedBy: z.enum(['api', 'file', 'embedded']).meta({ description: 'Who owns it: the API (the store), MASH_CONNECTORS, or the embedded simulators. Declared ones are changed where declared.' }),
    deletedAt: Instant.nullable(),
    updatedAt: Instant,
    health: Breaker,
  }),
);

const HealthFiguresView = z.object({
  outcomes: z.number().int(),
  failures: z.number().int(),
  errorRate: z.number().nullable(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  lookups: z.number().int(),
  tests: z.number().int(),
});

const HealthView = z.object({
  connectorId: z.string(),
  status: z.enum(['green', 'red', 'unknown']),
  breaker: Breaker,
  lastSuccessAt: Instant.nullable(),
  lastFailureAt: Instant.nullable(),
  windows: z.object({ hour: HealthFiguresView, day: HealthFiguresView, week: HealthFiguresView }),
});

const VersionView = z.object({
  version: z.number().int(),
  action: z.enum(['created', 'updated', 'enabled', 'disabled', 'deleted', 'restored', 'declared']),
  managedBy: z.enum(['api', 'file', 'embedded']),
  changedBy: z.string(),
  changedAt: Instant,
  reason: z.string(),
  changedPaths: z.array(z.string()).meta({ description: 'The fields that changed from the version before: paths, never values.' }),
  restoredFrom: z.number().int().nullable(),
  deleted: z.boolean(),
  current: z.boolean(),
  connector: Connector,
});

const CheckView = z.object({
  connectorId: z.string(),
  version: z.number().int(),
  testedAt: Instant,
  ok: z.boolean(),
  failedStep: z.enum(CHECK_STEPS).nullable(),
  summary: z.string().nullable().meta({ description: 'Which step failed and why, in words an administrator can act on.' }),
  durationMs: z.number().int(),
  steps: z.array(z.object({ step: z.enum(CHECK_STEPS), status: z.enum(['passed', 'failed', 'skipped']), durationMs: z.number().int(), detail: z.string() })),
});

/** Top-level fields PATCH may change: every field but the id and the agency. */
const EDITABLE = Object.keys(Connector.shape).filter((k) => k !== 'id' && k !== 'agency') as [string, ...string[]];

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: "Your agency's connectors (deleted ones with ?deleted=include)",
  request: { query: z.object({ deleted: z.enum(['exclude', 'include']).default('exclude') }).strict() },
  responses: { 200: json(z.object({ connectors: z.array(ConnectorView) }), 'Connectors'), ...problemResponses(400, 401, 403) },
});

const createConnectorRoute = createRoute({
  method: 'post',
  path: '/',
  summary: 'Create a connector for your agency',
  request: body(z.object({ connector: Connector, reason: Reason }).strict()),
  responses: { 201: json(ConnectorView, 'Created'), ...problemResponses(400, 401, 403, 409, 413, 415) },
});

const getRoute = createRoute({
  method: 'get',
  path: '/{connectorId}',
  summary: 'One of your agency’s connectors',
  request: { params: Params },
  responses: { 200: json(ConnectorView, 'The connector'), ...problemResponses(400, 401, 403, 404) },
});

const putRoute = createRoute({
  method: 'put',
  path: '/{connectorId}',
  summary: "Create or replace one of your agency's connectors",
  description: 'Create-or-update, kept for existing clients: a `reason` is recorded when given (PATCH and the other changes require one).',
  request: { params: Params, ...body(Connector.extend({ reason: Reason.optional() })) },
  responses: { 200: json(ConnectorView, 'Saved'), ...problemResponses(400, 401, 403, 409, 413, 415) },
});

const patchRoute = createRoute({
  method: 'patch',
  path: '/{connectorId}',
  summary: 'Change fields of a connector (every field but id and agency)',
  request: { params: Params, ...body(z.object({ changes: z.partialRecord(z.enum(EDITABLE), z.unknown()), reason: Reason }).strict()) },
  responses: { 200: json(ConnectorView, 'Changed'), ...problemResponses(400, 401, 403, 404, 409, 413, 415) },
});

const enableRoute = createRoute({
  method: 'post',
  path: '/{connectorId}/enable',
  summary: 'Enable a connector: new referrals are looked up on it',
  request: { params: Params, ...body(ReasonBody) },
  responses: { 200: json(ConnectorView, 'Enabled'), ...problemResponses(400, 401, 403, 404, 409, 413, 415) },
});

const disableRoute = createRoute({
  method: 'post',
  path: '/{connectorId}/disable',
  summary: 'Disable a connector: new referrals are not looked up on it',
  request: { params: Params, ...body(ReasonBody) },
  responses: { 200: json(ConnectorView, 'Disabled'), ...problemResponses(400, 401, 403, 404, 409, 413, 415) },
});

const deleteRoute = createRoute({
  method: 'delete',
  path: '/{connectorId}',
  summary: 'Delete a connector: no longer listed or used; its history stays',
  request: { params: Params, query: z.object({ reason: Reason }).strict() },
  responses: { 200: json(ConnectorView, 'Deleted'), ...problemResponses(400, 401, 403, 404, 409) },
});

const versionsRoute = createRoute({
  method: 'get',
  path: '/{connectorId}/versions',
  summary: "A connector's versions, newest first: who, when, what changed (paths) and why",
  request: { params: Params },
  responses: { 200: json(z.object({ connectorId: z.string(), versions: z.array(VersionView) }), 'Versions'), ...problemResponses(400, 401, 403, 404) },
});

const restoreRoute = createRoute({
  method: 'post',
  path: '/{connectorId}/versions/{version}/restore',
  summary: 'Make an earlier version current again (itself a new version)',
  request: { params: Params.extend({ version: z.coerce.number().int().min(1).max(1_000_000) }), ...body(ReasonBody) },
  responses: { 200: json(ConnectorView, 'Restored'), ...problemResponses(400, 401, 403, 404, 409, 413, 415) },
});

const testRoute = createRoute({
  method: 'post',
  path: '/{connectorId}/test',
  summary: 'Test a connector live: credentials, token, connection, a harmless search, the answer’s shape',
  request: { params: Params },
  responses: { 200: json(CheckView, 'The test ran: `ok` says whether it passed, `failedStep` and `summary` where not'), ...problemResponses(400, 401, 403, 404) },
});

const healthRoute = createRoute({
  method: 'get',
  path: '/{connectorId}/health',
  summary: "A connector's health over the last hour, day and week: latency, error rate, breaker, last success and failure",
  request: { params: Params },
  responses: { 200: json(HealthView, 'Health'), ...problemResponses(400, 401, 403, 404) },
});

const MANAGED_BY = { database: 'api', file: 'file', embedded: 'embedded' } as const;

/** Defence in depth: whatever a definition holds, an inline credential never leaves (shown as sealed). */
function withoutSecrets(connector: Connector): Connector {
  return hasInlineCredential(connector) ? withdrawCredentials(connector, {}).definition : connector;
}

/**
 * One connector, for the API and the console alike: the policy first on the role alone, then on
 * the connector's agency (404 only for an administrator of some agency).
 */
export async function connectorAllowed(deps: Pick<AppDeps, 'db' | 'vault' | 'clock'>, principal: Principal, action: Action, id: string): Promise<StoredConnector> {
  await enforce(deps, principal, action, {}, undefined, id);
  const stored = await getStoredConnector(deps.db, id);
  if (stored === undefined) throw new MashError('CONNECTOR.NOT_FOUND', `no connector ${id}`);
  await enforce(deps, principal, action, { connector: { agency: stored.connector.agency } }, undefined, id);
  return stored;
}

export function connectorRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const by = (principal: Principal, reason: string | undefined, fallback: string): ChangeBy => ({ actor: principal.sub, reason: reason ?? fallback });

  const breakers = async (): Promise<Map<string, z.infer<typeof Breaker>>> =>
    new Map((await listConnectorHealth(deps.db)).map((h) => [h.connectorId, { breaker: h.breaker, since: h.since, reason: h.reason }]));

  const view = (stored: StoredConnector, breaker: z.infer<typeof Breaker> | undefined) => ({
    ...withoutSecrets(stored.connector),
    version: stored.version,
    managedBy: MANAGED_BY[stored.origin],
    deletedAt: stored.deletedAt?.toISOString() ?? null,
    updatedAt: stored.updatedAt.toISOString(),
    health: breaker ?? { breaker: 'closed' as const, since: null, reason: null },
  });
  const viewOne = async (stored: StoredConnector) => view(stored, (await breakers()).get(stored.connector.id));

  const connectorFor = (principal: Principal, action: Action, id: string): Promise<StoredConnector> => connectorAllowed(deps, principal, action, id);

  app.openapi(listRoute, async (c) => {
    const principal = c.get('principal');
    await enforce(deps, principal, 'connector:read', {});
    const { deleted } = c.req.valid('query');
    const known = await breakers();
    // An administrator lists their own agency's connectors only (a principal without one: none).
    const stored = principal.agency === undefined ? [] : await listStoredConnectors(deps.db, { agency: principal.agency, includeDeleted: deleted === 'include' });
    return c.json({ connectors: stored.map((s) => view(s, known.get(s.connector.id))) }, 200);
  });

  app.openapi(createConnectorRoute, async (c) => {
    const principal = c.get('principal');
    const { connector, reason } = c.req.valid('json');
    await enforce(deps, principal, 'connector:manage', { connector: { agency: connector.agency } }, undefined, connector.id);
    const existing = await getStoredConnector(deps.db, connector.id);
    // An admin may not create over another agency's id either.
    if (existing !== undefined) await enforce(deps, principal, 'connector:manage', { connector: { agency: existing.connector.agency } }, undefined, connector.id);
    const saved = await saveConnector(deps, connector, by(principal, reason, ''), 'create');
    return c.json(await viewOne(saved.stored), 201);
  });

  app.openapi(getRoute, async (c) => {
    const stored = await connectorFor(c.get('principal'), 'connector:read', c.req.valid('param').connectorId);
    return c.json(await viewOne(stored), 200);
  });

  app.openapi(putRoute, async (c) => {
    const principal = c.get('principal');
    const { reason, ...connector } = c.req.valid('json');
    const { connectorId } = c.req.valid('param');
    if (connector.id !== connectorId) throw new MashError('REQUEST.INVALID', 'the body id must match the path', { invalidParams: [{ name: 'json.id', reason: 'differs from the path' }] });
    const existing = await getStoredConnector(deps.db, connectorId);
    // An admin may neither create a connector for another agency nor take over one.
    await enforce(deps, principal, 'connector:manage', { connector: { agency: existing?.connector.agency ?? connector.agency } }, undefined, connectorId);
    await enforce(deps, principal, 'connector:manage', { connector: { agency: connector.agency } }, undefined, connectorId);
    const saved = await saveConnector(deps, connector, by(principal, reason, 'saved with PUT (no reason given)'), 'upsert');
    return c.json(await viewOne(saved.stored), 200);
  });

  app.openapi(patchRoute, async (c) => {
    const principal = c.get('principal');
    const { connectorId } = c.req.valid('param');
    const { changes, reason } = c.req.valid('json');
    await connectorFor(principal, 'connector:manage', connectorId);
    const saved = await updateConnector(deps, connectorId, changes, by(principal, reason, ''));
    return c.json(await viewOne(saved.stored), 200);
  });

  for (const [route, enabled] of [[enableRoute, true], [disableRoute, false]] as const) {
    app.openapi(route, async (c) => {
      const principal = c.get('principal');
      const { connectorId } = c.req.valid('param');
      await connectorFor(principal, 'connector:manage', connectorId);
      const saved = await setConnectorEnabled(deps, connectorId, enabled, by(principal, c.req.valid('json').reason, ''));
      return c.json(await viewOne(saved.stored), 200);
    });
  }

  app.openapi(deleteRoute, async (c) => {
    const principal = c.get('principal');
    const { connectorId } = c.req.valid('param');
    await connectorFor(principal, 'connector:manage', connectorId);
    const saved = await deleteConnector(deps, connectorId, by(principal, c.req.valid('query').reason, ''));
    return c.json(await viewOne(saved.stored), 200);
  });

  app.openapi(versionsRoute, async (c) => {
    const { connectorId } = c.req.valid('param');
    const stored = await connectorFor(c.get('principal'), 'connector:read', connectorId);
    const versions = await listConnectorVersions(deps.db, connectorId);
    return c.json(
      {
        connectorId,
        versions: versions.map((v) => ({
          version: v.version,
          action: v.action,
          managedBy: MANAGED_BY[v.origin],
          changedBy: v.changedBy,
          changedAt: v.changedAt.toISOString(),
          reason: v.reason,
          changedPaths: [...v.changedPaths],
          restoredFrom: v.restoredFrom,
          deleted: v.deleted,
          current: v.version === stored.version,
          connector: withoutSecrets(v.connector),
        })),
      },
      200,
    );
  });

  app.openapi(restoreRoute, async (c) => {
    const principal = c.get('principal');
    const { connectorId, version } = c.req.valid('param');
    await connectorFor(principal, 'connector:manage', connectorId);
    const saved = await restoreConnectorVersion(deps, connectorId, version, by(principal, c.req.valid('json').reason, ''));
    return c.json(await viewOne(saved.stored), 200);
  });

  app.openapi(testRoute, async (c) => {
    const principal = c.get('principal');
    const { connectorId } = c.req.valid('param');
    const stored = await connectorFor(principal, 'connector:test', connectorId);
    const { testedAt, ...result } = await testConnector({ ...deps, env: deps.connectorEnv ?? {} }, stored, principal.sub);
    return c.json({ connectorId, version: stored.version, testedAt: testedAt.toISOString(), ...result, steps: [...result.steps] }, 200);
  });

  app.openapi(healthRoute, async (c) => {
    const { connectorId } = c.req.valid('param');
    await connectorFor(c.get('principal'), 'connector:read', connectorId);
    const report = await connectorHealthFigures(deps.db, connectorId, deps.clock.now());
    const breaker = await getConnectorBreaker(deps.db, connectorId);
    const windows = Object.fromEntries(HEALTH_WINDOWS.map((w) => [w, report.windows[w]])) as Record<(typeof HEALTH_WINDOWS)[number], (typeof report.windows)['hour']>;
    return c.json(
      {
        connectorId,
        status: healthStatus(report, breaker),
        breaker: { breaker: breaker.state, since: breaker.since, reason: breaker.reason },
        lastSuccessAt: report.lastSuccessAt,
        lastFailureAt: report.lastFailureAt,
        windows,
      },
      200,
    );
  });

  return app;
}
