/**
 * Console sessions (docs/decisions.md "The hub console"): after sign-in the browser holds a
 * random 256-bit session id in a cookie that is `HttpOnly`, `SameSite=Strict`, path `/console`,
 * and `Secure` with the `__Host-` prefix when the console is served over TLS (RFC 6265bis §4.1.3).
 * The store keeps the id's SHA-256 only; sign-out ends the session there.
 *
 * Forms: every state-changing form carries the session's synchronizer token (OWASP CSRF
 * Prevention Cheat Sheet), checked in constant time, on top of SameSite=Strict and Hono's
 * Origin check — three independent defences, as the cheat sheet recommends for sensitive services.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createMiddleware } from 'hono/factory';
import { MashError } from '../../lib/errors.ts';
import { sha256Hex } from '../../lib/ids.ts';
import type { Principal } from '../../model/principal.ts';
import { endConsoleSession, findConsoleSession, insertConsoleSession } from '../../store/console-sessions.ts';
import type { AppDeps, AppEnv, ConsoleOptions } from '../env.ts';

/** A signed-in console user: who, and the token their forms carry. */
export interface ConsoleUser {
  readonly principal: Principal;
  readonly csrfToken: string;
}

export interface ConsoleEnv extends AppEnv {
  Variables: AppEnv['Variables'] & { user: ConsoleUser | undefined };
}

export type SessionOptions = Pick<ConsoleOptions, 'secureCookies' | 'sessionMinutes'>;

const COOKIE = 'mash_session';
/** Form field of the synchronizer token. */
export const CSRF_FIELD = '_csrf';

const cookieName = (options: SessionOptions): string => (options.secureCookies ? `__Host-${COOKIE}` : COOKIE);
const randomToken = (): string => randomBytes(32).toString('base64url');

/** Reads the session cookie and, when it names a live session, sets `user`. Never fails the request. */
export function readSession(deps: Pick<AppDeps, 'db' | 'clock'>, options: SessionOptions) {
  return createMiddleware<ConsoleEnv>(async (c, next) => {
    const id = getCookie(c, cookieName(options));
    let user: ConsoleUser | undefined;
    if (id !== undefined && /^[A-Za-z0-9_-]{43}$/.test(id)) {
      const session = await findConsoleSession(deps.db, sha256Hex(id), deps.clock.now());
      if (session !== undefined) user = { principal: session.principal, csrfToken: session.csrfToken };
    }
    c.set('user', user);
    if (user !== undefined) c.set('principal', user.principal);
    await next();
  });
}

/** Begins a session for `principal` and sets its cookie. */
export async function beginSession(c: Context<ConsoleEnv>, deps: Pick<AppDeps, 'db' | 'clock'>, options: SessionOptions, principal: Principal): Promise<void> {
  const id = randomToken();
  const at = deps.clock.now();
  const expiresAt = new Date(at.getTime() + options.sessionMinutes * 60_000);
  await insertConsoleSession(deps.db, { idSha256: sha256Hex(id), principal, csrfToken: randomToken(), at, expiresAt });
  setCookie(c, cookieName(options), id, {
    httpOnly: true,
    sameSite: 'Strict',
    // `__Host-` cookies must have path "/" (RFC 6265bis §4.1.3.2); otherwise the console's own path.
    path: options.secureCookies ? '/' : '/console',
    secure: options.secureCookies,
    expires: expiresAt,
    ...(options.secureCookies ? { prefix: 'host' as const } : {}),
  });
}

/** Ends the session the cookie names (in the store) and clears the cookie. */
export async function endSession(c: Context<ConsoleEnv>, deps: Pick<AppDeps, 'db' | 'clock'>, options: SessionOptions): Promise<boolean> {
  const id = getCookie(c, cookieName(options));
  const ended = id === undefined ? false : await endConsoleSession(deps.db, sha256Hex(id), deps.clock.now());
  deleteCookie(c, cookieName(options), { path: options.secureCookies ? '/' : '/console', secure: options.secureCookies, ...(options.secureCookies ? { prefix: 'host' as const } : {}) });
  return ended;
}

/** The form's synchronizer token matches the session's, compared in constant time; otherwise 403. */
export function checkCsrf(user: ConsoleUser, offered: unknown): void {
  const expected = Buffer.from(user.csrfToken, 'utf8');
  const given = Buffer.from(typeof offered === 'string' ? offered : '', 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new MashError('CONSOLE.FORM_EXPIRED', 'this form has expired or did not come from this console: go back, reload the page and try again');
  }
}
