/**
 * /v1/audit, for auditors: verification of the hash-chained log, search by
 * referral, actor, agency, action and time, export as FHIR R4 AuditEvent NDJSON, and the
 * information audit report. Every use of the log is itself audited (DICOM "Audit Log Used"), and
 * the audit entry commits before anything is answered.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { toFhirNdjsonLine } from '../../audit/fhir-export.ts';
import { recordAudit } from '../../audit/log.ts';
import { buildAuditReport, reportCsv } from '../../audit/report.ts';
import { auditHead, MAX_PAGE, scanAudit, searchAudit } from '../../audit/search.ts';
import { verifyAuditLog } from '../../audit/verify.ts';
import { sealAll } from '../../audit/seal.ts';
import { MashError } from '../../lib/errors.ts';
import { Agency } from '../../model/agency.ts';
import { requirePermission } from '../auth.ts';
import { enforce } from '../../case/access.ts';
import type { Principal } from '../../model/principal.ts';
import type { AppDeps, AppEnv } from '../env.ts';
import { problemResponses } from '../schemas.ts';
import { validationHook } from '../validation.ts';

/** The audit source's site in exported AuditEvents. */
const SITE = 'MASH Gateway';

const Verification = z
  .object({
    ok: z.boolean(),
    entries: z.number().int(),
    checkpoints: z.number().int(),
    headSeq: z.number().int(),
    unsealed: z.number().int().optional().meta({ description: 'Entries committed but not yet chained by the sealer when the answer was made.' }),
    failure: z.object({ seq: z.number().int(), reason: z.string() }).optional(),
  })
  .meta({ id: 'AuditVerification' });

const verifyRoute = createRoute({
  method: 'get',
  path: '/verify',
  summary: 'Recompute the audit hash chain and check its signed checkpoints',
  responses: {
    200: { description: 'Intact', content: { 'application/json': { schema: Verification } } },
    409: { description: 'Broken: names the first bad entry', content: { 'application/json': { schema: Verification } } },
    ...problemResponses(401, 403),
  },
});

const Instant = z.iso.datetime({ offset: true });

const AuditEntryView = z
  .object({
    seq: z.number().int(),
    at: z.string(),
    actor: z.string(),
    action: z.string(),
    referralId: z.string().nullable(),
    agency: z.string().nullable(),
    subject: z.string().nullable(),
    detail: z.string().meta({ description: 'The canonical JSON text the hash covers (ids, hashes and counts).' }),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry', description: 'An audit entry with every column of the hash chain (src/audit/chain.ts).' });

const entriesRoute = createRoute({
  method: 'get',
  path: '/entries',
  summary: 'Search the audit log: by referral, actor, agency, action and time, in pages ordered by seq',
  request: {
    query: z.object({
      referralId: z.uuid().optional(),
      actor: z.string().min(1).max(200).optional(),
      agency: Agency.optional().meta({ description: "The entry's agency column or, for lookups and notices, the agency in its detail." }),
      action: z.string().regex(/^[a-z]+(-[a-z]+)*(\.[a-z-]+)+$/, 'must be an audit action such as picture.viewed').max(60).optional(),
      from: Instant.optional().meta({ description: 'Inclusive.' }),
      to: Instant.optional().meta({ description: 'Exclusive.' }),
      after: z.string().regex(/^\d{1,18}$/, 'must be a seq from a previous page').default('0'),
      limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
    }),
  },
  responses: {
    200: {
      description: 'A page of entries, oldest first',
      content: { 'application/json': { schema: z.object({ entries: z.array(AuditEntryView), nextAfter: z.string().nullable().meta({ description: 'Pass as `after` for the next page; null at the end.' }) }) } },
    },
    ...problemResponses(400, 401, 403),
  },
});

const ExportQuery = z.object({
  format: z.enum(['fhir-ndjson']),
  from: Instant.optional(),
  to: Instant.optional(),
  referralId: z.uuid().optional(),
});

const exportRoute = createRoute({
  method: 'get',
  path: '/export',
  summary: 'Export the audit log as FHIR R4 AuditEvent NDJSON (IHE BALP patterns)',
  request: { query: ExportQuery },
  responses: {
    200: { description: 'One AuditEvent per line, oldest first, up to the head when the export began', content: { 'application/fhir+ndjson': { schema: z.string() } } },
    ...problemResponses(400, 401, 403),
  },
});

const count = z.number().int();
const AuditReportSchema = z
  .object({
    period: z.object({ from: z.string(), to: z.string() }),
    generatedAt: z.string(),
    throughSeq: count,
    entriesRead: count,
    unreadableEntries: count,
    lookups: z.array(z.object({ agency: z.string(), lawfulBasis: z.string(), done: count, failed: count, timedOut: count, notPermitted: count })),
    items: z.array(z.object({ agency: z.string(), revealed: count, released: count, redacted: count, withheld: count, decisions: count })),
    products: z.object({ published: count, referrals: count, delivered: count, deliveryFailed: count }),
    cases: z.object({ closed: count, contentDestroyed: count }),
    contentAccess: z.array(z.object({ role: z.string(), pictureViews: count, itemsShown: count, productReads: count })),
    failedAccess: z.array(z.object({ role: z.string(), failedLogins: count, deniedAccesses: count })),
  })
  .meta({ id: 'AuditReport', description: 'Information audit report for a period (governance recommendation 8); see src/audit/report.ts for the counting rules.' });

const reportRoute = createRoute({
  method: 'get',
  path: '/report',
  summary: 'Information audit report for a period, from the audit log (JSON or CSV)',
  request: { query: z.object({ from: Instant, to: Instant, format: z.enum(['json', 'csv']).default('json') }) },
  responses: {
    200: {
      description: 'The report; CSV rows are section,agency,basis,role,metric,count',
      content: { 'application/json': { schema: AuditReportSchema }, 'text/csv': { schema: z.string() } },
    },
    ...problemResponses(400, 401, 403),
  },
});

const period = (from: string | undefined, to: string | undefined): { from?: Date; to?: Date } => {
  const range = { ...(from === undefined ? {} : { from: new Date(from) }), ...(to === undefined ? {} : { to: new Date(to) }) };
  if (range.from !== undefined && range.to !== undefined && range.from.getTime() >= range.to.getTime()) {
    throw new MashError('REQUEST.INVALID', '`to` must be after `from`', { invalidParams: [{ name: 'query.to', reason: 'not after query.from' }] });
  }
  return range;
};

/**
 * Verifying the chain, for the API and the console alike: chain whatever has committed, verify the
 * whole chain, and record that it was verified and what it found.
 */
export async function verifyAuditFor(deps: Pick<AppDeps, 'db' | 'vault' | 'clock' | 'auditKeys'>, principal: Principal): Promise<Awaited<ReturnType<typeof verifyAuditLog>>> {
  await enforce(deps, principal, 'audit:verify', {});
  await sealAll(deps.db);
  const result = await verifyAuditLog(deps.db, deps.auditKeys);
  await recordAudit(deps.db, { at: deps.clock.now(), actor: principal.sub, action: 'audit.verified', detail: { ok: result.ok, entries: result.entries, firstBadEntry: result.failure?.seq ?? null } });
  return result;
}

/** What an audit search may ask (the API's query, parsed). */
export interface AuditSearch {
  readonly referralId?: string | undefined;
  readonly actor?: string | undefined;
  readonly agency?: Agency | undefined;
  readonly action?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly after: number;
  readonly limit: number;
}

/** A page of the audit log for the API and the console alike; the search is itself audited. */
export async function searchAuditFor(deps: Pick<AppDeps, 'db' | 'vault' | 'clock'>, principal: Principal, q: AuditSearch): Promise<Awaited<ReturnType<typeof searchAudit>>> {
  await sealAll(deps.db);
  await enforce(deps, principal, 'audit:read', {});
  const page = await searchAudit(deps.db, { referralId: q.referralId, actor: q.actor, agency: q.agency, actions: q.action === undefined ? undefined : [q.action], ...period(q.from, q.to), after: q.after }, q.limit);
  await recordAudit(deps.db, {
    at: deps.clock.now(),
    actor: principal.sub,
    action: 'audit.exported',
    referralId: q.referralId,
    detail: { via: 'search', entries: page.entries.length, after: q.after, actor: q.actor ?? null, agency: q.agency ?? null, action: q.action ?? null, from: q.from ?? null, to: q.to ?? null },
  });
  return page;
}

export function auditRoutes(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

  app.openapi(verifyRoute, async (c) => {
    const result = await verifyAuditFor(deps, c.get('principal'));
    return result.ok ? c.json(result, 200) : c.json(result, 409);
  });

  app.openapi(entriesRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await searchAuditFor(deps, c.get('principal'), { ...q, after: Number(q.after) });
    return c.json({ entries: [...page.entries], nextAfter: page.nextAfter === null ? null : String(page.nextAfter) }, 200);
  });

  // Registered for the OpenAPI document, served by a plain handler: the typed handler of
  // @hono/zod-openapi only answers JSON or text, and this answer is an NDJSON stream.
  app.openAPIRegistry.registerPath(exportRoute);
  app.get('/export', async (c) => {
    await sealAll(deps.db);
    await requirePermission(c, 'audit:read', deps);
    // As the validator of the typed routes reads a query: a repeated parameter is an array, refused.
    const parsed = ExportQuery.safeParse(Object.fromEntries(Object.entries(c.req.queries()).map(([name, values]) => [name, values.length === 1 ? values[0] : values])));
    if (!parsed.success) {
      const invalidParams = parsed.error.issues.slice(0, 20).map((issue) => ({ name: ['query', ...issue.path.map(String)].join('.'), reason: issue.message }));
      throw new MashError('REQUEST.INVALID', invalidParams[0] === undefined ? 'the request is invalid' : `${invalidParams[0].name}: ${invalidParams[0].reason}`, { invalidParams });
    }
    const q = parsed.data;
    const range = period(q.from, q.to);
    // The export ends at the head as it is now: a consistent snapshot however the log grows.
    const head = await auditHead(deps.db);
    await recordAudit(deps.db, {
      at: deps.clock.now(),
      actor: c.get('principal').sub,
      action: 'audit.exported',
      referralId: q.referralId,
      detail: { via: 'export', format: q.format, throughSeq: head.seq, from: q.from ?? null, to: q.to ?? null },
    });
    const batches = scanAudit(deps.db, { referralId: q.referralId, ...range, through: head.seq });
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await batches.next();
        if (next.done === true) controller.close();
        else controller.enqueue(encoder.encode(next.value.map((entry) => toFhirNdjsonLine(entry, { site: SITE })).join('')));
      },
      async cancel() {
        await batches.return(undefined);
      },
    });
    return c.body(body, 200, { 'content-type': 'application/fhir+ndjson' });
  });

  app.openapi(reportRoute, async (c) => {
    await sealAll(deps.db);
    await requirePermission(c, 'audit:read', deps);
    const q = c.req.valid('query');
    const range = period(q.from, q.to);
    if (range.from === undefined || range.to === undefined) throw new MashError('REQUEST.INVALID', 'give the period as `from` and `to`');
    const report = await buildAuditReport(deps.db, { from: range.from, to: range.to }, deps.clock.now());
    await recordAudit(deps.db, {
      at: deps.clock.now(),
      actor: c.get('principal').sub,
      action: 'audit.exported',
      detail: { via: 'report', format: q.format, throughSeq: report.throughSeq, from: report.period.from, to: report.period.to },
    });
    if (q.format === 'csv') return c.body(reportCsv(report), 200, { 'content-type': 'text/csv; charset=utf-8' });
    return c.json(report, 200);
  });

  return app;
}
