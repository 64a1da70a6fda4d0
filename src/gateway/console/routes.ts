/**
 * The hub console at /console (docs/decisions.md "The hub console"): server-rendered pages over
 * the same case module, and so the same policy function, as the API; every action a plain HTML
 * form (progressive enhancement: nothing needs JavaScript).
 *
 * Headers on every console answer: a strict Content-Security-Policy (scripts, styles, fonts and
 * images from this origin only; no inline script; forms post here only; no framing), and
 * `Cache-Control: no-store` on pages, which carry case information (OWASP Session Management:
 * sensitive pages are not cached). Static assets are a fixed list read once at start.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import { z } from 'zod';
import type { Cases } from '../../case/repository.ts';
import { MashError, describeError } from '../../lib/errors.ts';
import { Agency } from '../../model/agency.ts';
import { PrincipalClaims, type Principal } from '../../model/principal.ts';
import { createOidcSignIn } from './oidc.ts';
import { Rag, ReferralStatus } from '../../model/referral.ts';
import type { AppDeps, ConsoleOptions } from '../env.ts';
import { page, problemPage, type Markup } from './layout.ts';
import { factsSection, managerSection, previewBody, releaseRestSection, undecidedBody } from './case-pages.ts';
import { chronologySection, familySection, possibleMatchesSection } from './people.ts';
import { DecisionBody, PublishBody, ReleaseBody } from '../routes/case.ts';
import { searchAuditFor, verifyAuditFor } from '../routes/audit.ts';
import { auditPage } from './audit-pages.ts';
import { connectorListPage, connectorPage, failuresPage } from './connector-pages.ts';
import { failureDepsOf } from '../routes/failures.ts';
import { FAILURE_KINDS, failuresFor, reprocessFailures } from '../../research/failures.ts';
import type { FailureRecord } from '../../store/reruns.ts';
import { connectorAllowed } from '../routes/connectors.ts';
import { enforce } from '../../case/access.ts';
import type { CheckResult } from '../../research/connector-check.ts';
import { restoreConnectorVersion, testConnector, updateConnector } from '../../research/connector-admin.ts';
import { connectorHealthFigures, getConnectorBreaker, healthStatus } from '../../store/connector-health.ts';
import { listConnectorVersions, listStoredConnectors } from '../../store/connectors.ts';
import { Picture } from '../../model/picture.ts';
import { CONSOLE_ROLES, continuePage, queuePage, referralPage, signInPage } from './pages.ts';
import { beginSession, checkCsrf, CSRF_FIELD, endSession, readSession, type ConsoleEnv, type ConsoleUser } from './session.ts';


const GOVUK_DIST = path.join(path.dirname(new URL(import.meta.resolve('govuk-frontend')).pathname));
const OWN_ASSETS = path.join(import.meta.dirname, 'assets');

interface Asset {
  readonly body: Uint8Array;
  readonly type: string;
}

/**
 * The files the console serves. The Design System's typeface (GDS Transport) is for GOV.UK
 * services only: its `@font-face` rules are taken out, and text falls back to Arial.
 */
function loadAssets(): ReadonlyMap<string, Asset> {
  const css = readFileSync(path.join(GOVUK_DIST, 'govuk-frontend.min.css'), 'utf8').replace(/@font-face\{[^}]*\}/g, '');
  return new Map<string, Asset>([
    ['/console/assets/govuk-frontend.min.css', { body: Buffer.from(css, 'utf8'), type: 'text/css; charset=utf-8' }],
    ['/console/assets/govuk-frontend.min.js', { body: readFileSync(path.join(GOVUK_DIST, 'govuk-frontend.min.js')), type: 'text/javascript; charset=utf-8' }],
    ['/console/assets/console.css', { body: readFileSync(path.join(OWN_ASSETS, 'console.css')), type: 'text/css; charset=utf-8' }],
    ['/console/assets/console.mjs', { body: readFileSync(path.join(OWN_ASSETS, 'console.mjs')), type: 'text/javascript; charset=utf-8' }],
    ['/assets/images/favicon.ico', { body: readFileSync(path.join(GOVUK_DIST, 'assets', 'images', 'favicon.ico')), type: 'image/x-icon' }],
    ['/assets/images/favicon.svg', { body: readFileSync(path.join(GOVUK_DIST, 'assets', 'images', 'favicon.svg')), type: 'image/svg+xml' }],
  ]);
}

const SignInForm = z
  .object({
    name: z.string().trim().min(1, 'Enter your name').max(100, 'Your name must be 100 characters or fewer'),
    role: z.enum(CONSOLE_ROLES, 'Select your role'),
    agency: z.union([z.literal(''), Agency]).optional(),
  })
  .strict();

const QueueQuery = z
  .object({
    sla: z.union([z.literal(''), z.enum(['on-track', 'at-risk', 'breached'])]).optional(),
    rag: z.union([z.literal(''), Rag]).optional(),
    status: z.union([z.literal(''), ReferralStatus]).optional(),
    repeatConcern: z.enum(['', 'true', 'false']).optional(),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

const ReferralId = z.uuid();

/** The console's routes, to mount at the application's root (they answer /console/* and the favicon). */
export function consoleRoutes(deps: AppDeps, cases: Cases, options: ConsoleOptions): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const assets = loadAssets();

  for (const [pathname, asset] of assets) {
    app.get(pathname, (c) => {
      c.header('content-type', asset.type);
      c.header('cache-control', 'public, max-age=3600');
      c.header('x-content-type-options', 'nosniff');
      return c.body(asset.body.slice());
    });
  }

  app.use(
    '/console/*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'same-origin',
      crossOriginEmbedderPolicy: false,
    }),
  );
  app.use('/console', async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });
  app.use('/console/*', async (c, next) => {
    await next();
    if (!c.req.path.startsWith('/console/assets/')) c.header('cache-control', 'no-store');
  });
  // A form posted from another origin is refused before anything reads it (Origin check), whatever its token.
  app.use('/console/*', csrf());
  app.use('/console', readSession(deps, options));
  app.use('/console/*', readSession(deps, options));

  const render = async (c: Context<ConsoleEnv>, markup: Markup, status: 200 | 400 | 401 | 403 | 404 = 200): Promise<Response> => c.html(await markup, status);
  const signedInUser = (c: Context<ConsoleEnv>): ConsoleUser | undefined => c.get('user');

  app.get('/console', (c) => c.redirect(signedInUser(c) === undefined ? '/console/sign-in' : '/console/referrals', 303));

  const oidc = options.oidc === undefined ? undefined : createOidcSignIn(options.oidc, deps.logger, options.secureCookies);
  const landing = (principal: Principal): string =>
    principal.role === 'hub-practitioner' || principal.role === 'hub-manager' ? '/console/referrals' : principal.role === 'auditor' ? '/console/audit' : principal.role === 'connector-admin' ? '/console/connectors' : '/console/signed-in';

  app.get('/console/sign-in', async (c) => {
    if (!options.demoSignIn && oidc === undefined) throw new MashError('CONSOLE.SIGN_IN_UNAVAILABLE', 'no sign-in is configured on this gateway: set MASH_OIDC_ISSUER and MASH_OIDC_CLIENT_ID');
    return render(c, signInPage({}, {}, { demo: options.demoSignIn, provider: oidc !== undefined }));
  });

  app.get('/console/oidc/start', async (c) => {
    if (oidc === undefined) throw new MashError('CONSOLE.SIGN_IN_UNAVAILABLE', 'sign-in through an identity provider is not configured on this gateway');
    return c.redirect(await oidc.start(c), 302);
  });

  // The provider sends the browser back here. A page of our own moves on to the console, so that
  // the next request is a same-site navigation and carries the SameSite=Strict session cookie.
  app.get('/console/oidc/callback', async (c) => {
    if (oidc === undefined) throw new MashError('CONSOLE.SIGN_IN_UNAVAILABLE', 'sign-in through an identity provider is not configured on this gateway');
    const principal = await oidc.finish(c);
    await beginSession(c, deps, options, principal);
    deps.logger.info({ requestId: c.get('requestId'), role: principal.role, agency: principal.agency, via: 'oidc' }, 'console sign-in');
    return render(c, continuePage(landing(principal)));
  });

  app.post('/console/sign-in', async (c) => {
    if (!options.demoSignIn) throw new MashError('CONSOLE.SIGN_IN_UNAVAILABLE', 'the demonstration sign-in is off on this gateway: sign in through your identity provider');
    const form = await c.req.parseBody();
    const values = { name: stringField(form.name), role: stringField(form.role), agency: stringField(form.agency) };
    const parsed = SignInForm.safeParse(values);
    const errors: Partial<Record<'name' | 'role' | 'agency', string>> = {};
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        if ((field === 'name' || field === 'role' || field === 'agency') && errors[field] === undefined) errors[field] = field === 'agency' ? 'Select an agency from the list' : issue.message;
      }
    } else {
      const needsAgency = parsed.data.role === 'hub-practitioner' || parsed.data.role === 'connector-admin';
      const agency = parsed.data.agency === '' ? undefined : parsed.data.agency;
      if (needsAgency && agency === undefined) errors.agency = 'Select the agency you work for';
      if (!needsAgency && agency !== undefined) errors.agency = 'Hub managers and auditors work for the hub: select "None"';
      if (Object.keys(errors).length === 0) {
        const principal = PrincipalClaims.parse({ sub: parsed.data.name, role: parsed.data.role, ...(agency === undefined ? {} : { agency }) });
        await beginSession(c, deps, options, principal);
        deps.logger.info({ requestId: c.get('requestId'), role: principal.role, agency: principal.agency }, 'console sign-in');
        return c.redirect(landing(principal), 303);
      }
    }
    return render(c, signInPage(values, errors, { demo: true, provider: oidc !== undefined }), 400);
  });

  app.post('/console/sign-out', async (c) => {
    const user = signedInUser(c);
    if (user !== undefined) checkCsrf(user, (await c.req.parseBody())[CSRF_FIELD]);
    await endSession(c, deps, options);
    return c.redirect('/console/sign-in', 303);
  });

  /** Pages for people signed in: anyone else is sent to sign in. */
  const requireUser = (c: Context<ConsoleEnv>): ConsoleUser | Response => signedInUser(c) ?? c.redirect('/console/sign-in', 303);

  app.get('/console/signed-in', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    return render(c, problemPage({ title: 'Signed in', detail: 'There is nothing for your role in the console yet: the screens for connectors and the audit trail come next.', user }));
  });

  app.get('/console/referrals', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    const query = QueueQuery.safeParse(c.req.query());
    const filters = query.success ? query.data : {};
    const list = await cases.of(user.principal).list({
      sla: filters.sla === '' ? undefined : filters.sla,
      rag: filters.rag === '' ? undefined : filters.rag,
      status: filters.status === '' ? undefined : filters.status,
      repeatConcern: filters.repeatConcern === undefined || filters.repeatConcern === '' ? undefined : filters.repeatConcern === 'true',
      cursor: filters.cursor,
      limit: 50,
    });
    return render(c, queuePage(user, list, filters, { now: deps.clock.now(), calendar: deps.sla.calendar }));
  });

  /** What a change that succeeded says on the page it returns to (codes, never content, in the URL). */
  const NOTICES: Readonly<Record<string, string>> = {
    revealed: 'The item is revealed to the hub.',
    released: 'Your release decision is saved.',
    'released-rest': 'Your undecided items are released.',
    decided: 'Your decision is recorded; the contributing agencies will hear the outcome.',
    matched: 'Your decision on the possible match is saved.',
    published: 'The product is published to the host case system.',
  };

  const referralIdOf = (c: Context<ConsoleEnv>): string => {
    const id = ReferralId.safeParse(c.req.param('id'));
    if (!id.success) throw new MashError('REFERRAL.NOT_FOUND', 'no referral has this address');
    return id.data;
  };

  /** The referral's page: its status, and what this user may see and do of its picture. */
  const showReferral = async (c: Context<ConsoleEnv>, user: ConsoleUser, id: string, extra: { notice?: string | undefined; errors?: { href: string; text: string }[]; status?: 200 | 400 } = {}): Promise<Response> => {
    const repository = cases.of(user.principal);
    const view = await repository.status(id);
    const picture = Picture.parse(JSON.parse((await repository.picture(id)).json));
    const chronology = { agency: c.req.query('agency'), kind: c.req.query('kind') };
    const sections = [possibleMatchesSection(user, id, picture), familySection(picture), chronologySection(id, picture, chronology), releaseRestSection(user, id, picture), factsSection(user, id, picture), managerSection(user, id)];
    return render(c, referralPage(user, view, { now: deps.clock.now(), calendar: deps.sla.calendar }, { sections, notice: extra.notice, errors: extra.errors }), extra.status ?? 200);
  };

  app.get('/console/referrals/:id', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    const done = c.req.query('done');
    return showReferral(c, user, referralIdOf(c), { notice: done === undefined ? undefined : NOTICES[done] });
  });

  /** A form post: signed in, with this session's token; its fields as strings. */
  const formOf = async (c: Context<ConsoleEnv>): Promise<{ user: ConsoleUser; form: Record<string, string> } | Response> => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    const body = await c.req.parseBody();
    checkCsrf(user, body[CSRF_FIELD]);
    return { user, form: Object.fromEntries(Object.entries(body).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : []))) };
  };
  const backTo = (c: Context<ConsoleEnv>, id: string, done: keyof typeof NOTICES, anchor = ''): Response => c.redirect(`/console/referrals/${id}?done=${done}${anchor}`, 303);
  const ItemId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);
  const itemIdOf = (c: Context<ConsoleEnv>): string => {
    const itemId = ItemId.safeParse(c.req.param('itemId'));
    if (!itemId.success) throw new MashError('ITEM.NOT_FOUND', 'no item has this address');
    return itemId.data;
  };

  app.post('/console/referrals/:id/items/release-undecided', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = referralIdOf(c);
    const rationale = (posted.form.rationale ?? '').trim();
    if (rationale === '') return showReferral(c, posted.user, id, { errors: [{ href: '#release-rest-rationale', text: 'Enter the rationale for releasing your undecided items' }], status: 400 });
    const repository = cases.of(posted.user.principal);
    const picture = Picture.parse(JSON.parse((await repository.picture(id)).json));
    const undecided = picture.items.filter((item) => item.agency === posted.user.principal.agency && item.release === null);
    for (const item of undecided) {
      if (!item.revealed) await repository.reveal(id, item.itemId);
      await repository.decideRelease(id, item.itemId, { decision: 'release', rationale });
    }
    return backTo(c, id, 'released-rest');
  });

  app.post('/console/referrals/:id/items/:itemId/reveal', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = referralIdOf(c);
    const itemId = itemIdOf(c);
    await cases.of(posted.user.principal).reveal(id, itemId);
    return backTo(c, id, 'revealed', `#item-${itemId}`);
  });

  app.post('/console/referrals/:id/items/:itemId/release', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = referralIdOf(c);
    const itemId = itemIdOf(c);
    const { form } = posted;
    const field = (form.redactField ?? '').trim();
    const replacement = (form.redactReplacement ?? '').trim();
    const contact = (form.signpost ?? '').trim();
    const errors: { href: string; text: string }[] = [];
    if (form.decision === undefined) errors.push({ href: `#release-${itemId}`, text: 'Select release, redact or withhold' });
    if (form.decision === 'redact' && (field === '' || replacement === '')) errors.push({ href: `#field-${itemId}`, text: 'Select the field to redact and enter what is shown instead' });
    if (form.decision === 'withhold' && contact === '') errors.push({ href: `#signpost-${itemId}`, text: 'Enter who to contact about the withheld item' });
    const parsed = ReleaseBody.safeParse({
      decision: form.decision,
      rationale: form.rationale ?? '',
      ...(form.decision === 'redact' && field !== '' && replacement !== '' ? { redactions: [{ field, replacement }] } : {}),
      ...(form.decision === 'withhold' && contact !== '' ? { signpost: { contact } } : {}),
    });
    if (!parsed.success && errors.length === 0) errors.push({ href: `#rationale-${itemId}`, text: 'Enter the rationale for your decision' });
    if (errors.length > 0 || !parsed.success) return showReferral(c, posted.user, id, { errors, status: 400 });
    await cases.of(posted.user.principal).decideRelease(id, itemId, parsed.data);
    return backTo(c, id, 'released', `#item-${itemId}`);
  });

  const MatchForm = z.object({ decision: z.enum(['confirm', 'reject']), reason: z.string().trim().min(1).max(2000) });
  app.post('/console/referrals/:id/matches/:matchId', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = referralIdOf(c);
    const matchId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/).safeParse(c.req.param('matchId'));
    if (!matchId.success) throw new MashError('MATCH.NOT_FOUND', 'no possible match has this address');
    const parsed = MatchForm.safeParse({ decision: posted.form.decision, reason: posted.form.reason ?? '' });
    if (!parsed.success) {
      const fields = new Set(parsed.error.issues.map((issue) => issue.path[0]));
      const errors = [
        ...(fields.has('decision') ? [{ href: `#confirm-${matchId.data}`, text: 'Select whether this is the same person' }] : []),
        ...(fields.has('reason') ? [{ href: `#reason-${matchId.data}`, text: 'Enter the reason for your decision' }] : []),
      ];
      return showReferral(c, posted.user, id, { errors, status: 400 });
    }
    await cases.of(posted.user.principal).decidePossibleMatch(id, matchId.data, parsed.data);
    return backTo(c, id, 'matched');
  });

  app.post('/console/referrals/:id/decision', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = referralIdOf(c);
    const parsed = DecisionBody.safeParse({ rag: posted.form.rag, outcome: posted.form.outcome, rationale: posted.form.rationale ?? '' });
    if (!parsed.success) {
      const fields = new Set(parsed.error.issues.map((issue) => issue.path[0]));
      const errors = [
        ...(fields.has('rag') ? [{ href: '#decision-rag-red', text: 'Select the RAG rating' }] : []),
        ...(fields.has('outcome') ? [{ href: '#decision-outcome', text: 'Select the outcome' }] : []),
        ...(fields.has('rationale') ? [{ href: '#decision-rationale', text: 'Enter the rationale for your decision' }] : []),
      ];
      return showReferral(c, posted.user, id, { errors, status: 400 });
    }
    await cases.of(posted.user.principal).decide(id, parsed.data);
    return backTo(c, id, 'decided');
  });

  /** The preview, or (items undecided) the offer to withhold them by default. */
  const showPreview = async (c: Context<ConsoleEnv>, user: ConsoleUser, id: string, withholdRationale: string | undefined, error?: string): Promise<Response> => {
    if (error !== undefined) return render(c, page({ title: 'Product preview', user, current: '/console/referrals', errors: [{ href: '#withhold-rationale', text: error }] }, undecidedBody(user, id, '', error)), 400);
    try {
      const product = await cases.of(user.principal).preview(id, withholdRationale === undefined ? {} : { withholdUndecided: { rationale: withholdRationale } });
      return await render(c, page({ title: 'Product preview', user, current: '/console/referrals' }, previewBody(user, id, product, withholdRationale)));
    } catch (failure) {
      if (!(failure instanceof MashError) || failure.code !== 'PUBLICATION.UNDECIDED_ITEMS') throw failure;
      return render(c, page({ title: 'Product preview', user, current: '/console/referrals' }, undecidedBody(user, id, failure.message.split(';')[0] ?? failure.message, undefined)));
    }
  };

  app.get('/console/referrals/:id/preview', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    return showPreview(c, user, referralIdOf(c), undefined);
  });

  // A rationale is case content: it travels in the form's body, never in the URL.
  app.post('/console/referrals/:id/preview', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const rationale = (posted.form.withholdRationale ?? '').trim();
    const id = referralIdOf(c);
    if (rationale === '' || rationale.length > 4000) return showPreview(c, posted.user, id, undefined, 'Enter why the undecided items are withheld (at most 4000 characters)');
    return showPreview(c, posted.user, id, rationale);
  });

  app.post('/console/referrals/:id/publish', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = referralIdOf(c);
    const parsed = PublishBody.safeParse(posted.form.withholdRationale === undefined ? {} : { withholdUndecided: { rationale: posted.form.withholdRationale } });
    if (!parsed.success) throw new MashError('REQUEST.INVALID', 'the rationale for withholding undecided items is missing or too long: preview again');
    await cases.of(posted.user.principal).publish(id, parsed.data);
    return backTo(c, id, 'published');
  });

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

  // Errors answer as pages, with the status the API would give and its words; a bug is logged and answered 500.
  app.onError(async (error, c) => {
    const user = signedInUser(c);
    // Hono's Origin check refuses a form from another site before the route runs.
    if (error instanceof HTTPException && error.status === 403) {
      return c.html(await problemPage({ title: 'You cannot do this', detail: 'this form did not come from this console: go back, reload the page and try again', user }), 403);
    }
    if (error instanceof MashError && error.status !== null) {
      const title = error.status === 401 ? 'You are not signed in' : error.status === 403 ? 'You cannot do this' : error.status === 404 ? 'Page not found' : error.status === 400 ? 'There is a problem' : 'Sorry, there is a problem';
      return c.html(await problemPage({ title, detail: error.message, user }), error.status as 400 | 401 | 403 | 404 | 409 | 410 | 503);
    }
    deps.logger.error({ requestId: c.get('requestId'), code: 'INTERNAL', error: describeError(error) }, 'unhandled console error');
    return c.html(await problemPage({ title: 'Sorry, there is a problem with the service', detail: 'Try again later.', user }), 500);
  });

  return app;
}

const stringField = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
