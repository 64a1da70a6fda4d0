/**
 * The console's administration pages: the audit trail (auditors), connectors (their agency's
 * administrators) and failed work with reprocessing (administrators and the manager) — through
 * the same modules and policy as the API (src/gateway/routes/audit.ts, connectors.ts, failures.ts).
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { enforce } from '../../case/access.ts';
import { MashError } from '../../lib/errors.ts';
import { restoreConnectorVersion, testConnector, updateConnector } from '../../research/connector-admin.ts';
import type { CheckResult } from '../../research/connector-check.ts';
import { FAILURE_KINDS, failuresFor, reprocessFailures } from '../../research/failures.ts';
import { connectorHealthFigures, getConnectorBreaker, healthStatus } from '../../store/connector-health.ts';
import { listConnectorVersions, listStoredConnectors } from '../../store/connectors.ts';
import type { FailureRecord } from '../../store/reruns.ts';
import type { AppDeps } from '../env.ts';
import { searchAuditFor, verifyAuditFor } from '../routes/audit.ts';
import { connectorAllowed } from '../routes/connectors.ts';
import { failureDepsOf } from '../routes/failures.ts';
import { auditPage } from './audit-pages.ts';
import { connectorListPage, connectorPage, failuresPage } from './connector-pages.ts';
import { formOf, render, requireUser } from './kit.ts';
import type { ConsoleEnv, ConsoleUser } from './session.ts';

/** Registers the administration pages on the console app (its headers, session and error pages apply). */
export function registerAdminRoutes(app: Hono<ConsoleEnv>, deps: AppDeps): void {
  const AuditQuery = z
    .object({
      referralId: z.union([z.literal(''), z.uuid('Enter a referral id as the audit shows it')]).optional(),
      action: z.union([z.literal(''), z.string().regex(/^[a-z]+(\.[a-z-]+)+$/, 'Enter an action such as picture.viewed').max(60)]).optional(),
      actor: z.string().max(200, 'Who must be 200 characters or fewer').optional(),
      from: z.union([z.literal(''), z.iso.date('Enter the date as year-month-day, for example 2026-12-01')]).optional(),
      to: z.union([z.literal(''), z.iso.date('Enter the date as year-month-day, for example 2026-12-31')]).optional(),
      after: z.string().regex(/^\d{1,18}$/).optional(),
    })
    .strict();

  const showAudit = async (c: Context<ConsoleEnv>, user: ConsoleUser, verification?: Awaited<ReturnType<typeof verifyAuditFor>>): Promise<Response> => {
    const parsed = AuditQuery.safeParse(c.req.query());
    if (!parsed.success) {
      const errors = parsed.error.issues.map((issue) => ({ href: `#audit-${String(issue.path[0] ?? 'referralId')}`, text: issue.message }));
      return render(c, auditPage(user, c.req.query(), undefined, { errors }), 400);
    }
    const q = parsed.data;
    const blank = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());
    const from = blank(q.from);
    const to = blank(q.to);
    const results = await searchAuditFor(deps, user.principal, {
      referralId: blank(q.referralId),
      action: blank(q.action),
      actor: blank(q.actor),
      from: from === undefined ? undefined : `${from}T00:00:00.000Z`,
      to: to === undefined ? undefined : `${to}T00:00:00.000Z`,
      after: Number(q.after ?? '0'),
      limit: 100,
    });
    return render(c, auditPage(user, q, results, { verification }));
  };

  app.get('/console/audit', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    return showAudit(c, user);
  });

  app.post('/console/audit/verify', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    return showAudit(c, posted.user, await verifyAuditFor(deps, posted.user.principal));
  });

  // ---- Connector administration (the connector administrator's own agency only; the API's module and policy) ----

  const CONNECTOR_NOTICES: Readonly<Record<string, string>> = { endpoint: 'The new endpoint is saved as a new version.', restored: 'The version is restored, as a new version.' };
  const connectorIdOf = (c: Context<ConsoleEnv>): string => {
    const id = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).safeParse(c.req.param('connectorId'));
    if (!id.success) throw new MashError('CONNECTOR.NOT_FOUND', 'no connector has this address');
    return id.data;
  };
  const breakerOf = async (id: string): Promise<{ state: string; since: string | null; reason: string | null }> => getConnectorBreaker(deps.db, id);

  const showConnector = async (c: Context<ConsoleEnv>, user: ConsoleUser, id: string, extra: { test?: CheckResult; notice?: string | undefined; errors?: { href: string; text: string }[]; status?: 200 | 400 } = {}): Promise<Response> => {
    const stored = await connectorAllowed(deps, user.principal, 'connector:read', id);
    const [health, breaker, versions] = await Promise.all([connectorHealthFigures(deps.db, id, deps.clock.now()), getConnectorBreaker(deps.db, id), listConnectorVersions(deps.db, id)]);
    return render(c, connectorPage(user, { stored, status: healthStatus(health, breaker), breaker, health, versions, test: extra.test, notice: extra.notice, errors: extra.errors }), extra.status ?? 200);
  };

  app.get('/console/connectors', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    await enforce(deps, user.principal, 'connector:read', {});
    const agency = user.principal.agency;
    const stored = agency === undefined ? [] : await listStoredConnectors(deps.db, { agency });
    const rows = await Promise.all(
      stored.map(async (s) => {
        const [health, breaker] = await Promise.all([connectorHealthFigures(deps.db, s.connector.id, deps.clock.now()), breakerOf(s.connector.id)]);
        return { stored: s, status: healthStatus(health, { state: breaker.state as 'closed' | 'open' | 'half-open', since: breaker.since }), breaker: breaker.state };
      }),
    );
    return render(c, connectorListPage(user, rows));
  });

  app.get('/console/connectors/:connectorId', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    const done = c.req.query('done');
    return showConnector(c, user, connectorIdOf(c), { notice: done === undefined ? undefined : CONNECTOR_NOTICES[done] });
  });

  app.post('/console/connectors/:connectorId/test', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = connectorIdOf(c);
    const stored = await connectorAllowed(deps, posted.user.principal, 'connector:test', id);
    const { testedAt: _at, ...result } = await testConnector({ ...deps, env: deps.connectorEnv ?? {} }, stored, posted.user.principal.sub);
    return showConnector(c, posted.user, id, { test: result });
  });

  const Reason = z.string().trim().min(1).max(2000);
  app.post('/console/connectors/:connectorId/endpoint', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = connectorIdOf(c);
    await connectorAllowed(deps, posted.user.principal, 'connector:manage', id);
    const url = z.url().max(2048).safeParse((posted.form.baseUrl ?? '').trim());
    const reason = Reason.safeParse(posted.form.reason ?? '');
    const errors = [...(url.success ? [] : [{ href: '#endpoint-url', text: 'Enter the endpoint as a full URL, like https://records.agency.example/api' }]), ...(reason.success ? [] : [{ href: '#endpoint-reason', text: 'Enter why the endpoint changes' }])];
    if (!url.success || !reason.success) return showConnector(c, posted.user, id, { errors, status: 400 });
    await updateConnector(deps, id, { baseUrl: url.data }, { actor: posted.user.principal.sub, reason: reason.data });
    return c.redirect(`/console/connectors/${id}?done=endpoint`, 303);
  });

  app.post('/console/connectors/:connectorId/versions/:version/restore', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = connectorIdOf(c);
    await connectorAllowed(deps, posted.user.principal, 'connector:manage', id);
    const version = z.coerce.number().int().min(1).safeParse(c.req.param('version'));
    if (!version.success) throw new MashError('CONNECTOR.VERSION_NOT_FOUND', 'no version has this address');
    const reason = Reason.safeParse(posted.form.reason ?? '');
    if (!reason.success) return showConnector(c, posted.user, id, { errors: [{ href: `#restore-reason-${version.data}`, text: `Enter why version ${version.data} is restored` }], status: 400 });
    await restoreConnectorVersion(deps, id, version.data, { actor: posted.user.principal.sub, reason: reason.data });
    return c.redirect(`/console/connectors/${id}?done=restored`, 303);
  });

  // ---- Failures and reprocessing (the API's module and policy: src/research/failures.ts) ----

  const failureDeps = failureDepsOf(deps);
  const listFailures = async (user: ConsoleUser): Promise<FailureRecord[]> => (await failuresFor(failureDeps, user.principal, { kinds: [...FAILURE_KINDS], limit: 200 })).failures;

  app.get('/console/failures', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    const queued = c.req.query('queued');
    return render(c, failuresPage(user, await listFailures(user), queued === undefined || !/^\d{1,4}$/.test(queued) ? undefined : `${queued} started again.`));
  });

  const FailureItem = z.object({ kind: z.enum(FAILURE_KINDS), id: z.string().min(1).max(200) });
  app.post('/console/failures/reprocess', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const item = FailureItem.safeParse({ kind: posted.form.kind, id: posted.form.id });
    if (!item.success) throw new MashError('REQUEST.INVALID', 'this form does not name a failure: reload the page and try again');
    const results = await reprocessFailures(failureDeps, posted.user.principal, [item.data]);
    return c.redirect(`/console/failures?queued=${results.filter((r) => r.outcome === 'queued').length}`, 303);
  });

  app.post('/console/failures/reprocess-all', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const failures = await listFailures(posted.user);
    const results = failures.length === 0 ? [] : await reprocessFailures(failureDeps, posted.user.principal, failures.map((f) => ({ kind: f.kind, id: f.id })));
    return c.redirect(`/console/failures?queued=${results.filter((r) => r.outcome === 'queued').length}`, 303);
  });
}
