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
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { csrf } from 'hono/csrf';
import { secureHeaders } from 'hono/secure-headers';
import { z } from 'zod';
import type { Cases } from '../../case/repository.ts';
import { MashError, describeError } from '../../lib/errors.ts';
import { Agency } from '../../model/agency.ts';
import { PrincipalClaims, type Principal } from '../../model/principal.ts';
import type { AppDeps, ConsoleOptions } from '../env.ts';
import { registerAdminRoutes } from './admin-routes.ts';
import { registerCaseRoutes } from './case-routes.ts';
import { registerMatchQueueRoutes } from './match-queue.ts';
import { render, requireUser, signedInUser } from './kit.ts';
import { problemPage } from './layout.ts';
import { createOidcSignIn } from './oidc.ts';
import { CONSOLE_ROLES, continuePage, signInPage } from './pages.ts';
import { beginSession, checkCsrf, CSRF_FIELD, endSession, readSession, type ConsoleEnv } from './session.ts';


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


  app.get('/console/signed-in', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    return render(c, problemPage({ title: 'Signed in', detail: 'Your role works with the hub through its API, not through the console.', user }));
  });

  registerCaseRoutes(app, deps, cases);
  registerMatchQueueRoutes(app, deps, cases);
  registerAdminRoutes(app, deps);

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
