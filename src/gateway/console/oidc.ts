/**
 * Signing staff in through the council's identity provider (docs/decisions.md "The hub console"):
 * OpenID Connect, authorization code flow with PKCE (RFC 7636) and a nonce, as openid-client
 * implements it. The provider says who the person is; configurable claims say their role and
 * agency; the hub's own principal is then checked the way a bearer token's claims are (PrincipalClaims), and a
 * console session begins.
 *
 * Between leaving for the provider and coming back, the state, nonce and PKCE verifier wait in
 * an `HttpOnly` cookie on the callback's path. It is `SameSite=Lax` (a provider's redirect back is
 * a cross-site navigation, which never carries a Strict cookie), lives ten minutes and is used
 * once. The callback answers with a page on our own origin that moves on to the console, so the
 * first console page is a same-site navigation and carries the Strict session cookie.
 */
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import * as client from 'openid-client';
import { z } from 'zod';
import { MashError, describeError } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import { Agency } from '../../model/agency.ts';
import { PrincipalClaims, Role, type Principal } from '../../model/principal.ts';
import type { OidcOptions } from '../../config.ts';
import type { ConsoleEnv } from './session.ts';

const LOGIN_COOKIE = 'mash_oidc_login';
const LOGIN_PATH = '/console/oidc';
const LOGIN_SECONDS = 600;

const LoginState = z.object({ state: z.string().min(16).max(200), nonce: z.string().min(16).max(200), verifier: z.string().min(43).max(128), at: z.number().int() }).strict();

export interface OidcSignIn {
  /** Where to send the browser: the provider's authorization endpoint, with this attempt's state set in a cookie. */
  start(c: Context<ConsoleEnv>): Promise<string>;
  /** The provider's answer: the principal it vouches for, or a MashError saying why not. */
  finish(c: Context<ConsoleEnv>): Promise<Principal>;
}

export function createOidcSignIn(options: OidcOptions, logger: Logger, secureCookies: boolean): OidcSignIn {
  let configuration: Promise<client.Configuration> | undefined;
  const log = logger.child({ component: 'oidc' });
  /** Discovery once, on first use (the provider may be away when the gateway starts); a failure is tried again next time. */
  const configured = (): Promise<client.Configuration> => {
    configuration ??= client
      .discovery(new URL(options.issuer), options.clientId, options.clientSecret, undefined, loopbackHttp(options.issuer) ? { execute: [insecureForLoopback] } : undefined)
      .catch((error: unknown) => {
        configuration = undefined;
        log.warn({ code: 'CONSOLE.SIGN_IN_FAILED', error: describeError(error) }, 'identity provider discovery failed');
        throw new MashError('CONSOLE.SIGN_IN_FAILED', 'the identity provider could not be reached: try again in a minute, or tell the service desk');
      });
    return configuration;
  };
  const redirectUri = (c: Context<ConsoleEnv>): string => options.redirectUrl ?? new URL(`${LOGIN_PATH}/callback`, c.req.url).toString();

  return {
    async start(c) {
      const config = await configured();
      const login = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(), at: Date.now() };
      setCookie(c, LOGIN_COOKIE, Buffer.from(JSON.stringify(login), 'utf8').toString('base64url'), { httpOnly: true, sameSite: 'Lax', secure: secureCookies, path: LOGIN_PATH, maxAge: LOGIN_SECONDS });
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri(c),
        scope: options.scopes,
        state: login.state,
        nonce: login.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(login.verifier),
        code_challenge_method: 'S256',
      });
      return url.toString();
    },

    async finish(c) {
      const raw = getCookie(c, LOGIN_COOKIE);
      deleteCookie(c, LOGIN_COOKIE, { path: LOGIN_PATH, secure: secureCookies });
      const parsed = raw === undefined ? undefined : LoginState.safeParse(safeJson(Buffer.from(raw, 'base64url').toString('utf8')));
      if (parsed === undefined || !parsed.success || Date.now() - parsed.data.at > LOGIN_SECONDS * 1_000) {
        throw new MashError('CONSOLE.SIGN_IN_FAILED', 'this sign-in took too long or was started in another browser: sign in again');
      }
      const config = await configured();
      // The URL the provider sent the browser to, as the provider saw it (behind a proxy, the configured one).
      const current = new URL(redirectUri(c));
      current.search = new URL(c.req.url).search;
      let claims: Record<string, unknown>;
      try {
        const tokens = await client.authorizationCodeGrant(config, current, { pkceCodeVerifier: parsed.data.verifier, expectedState: parsed.data.state, expectedNonce: parsed.data.nonce, idTokenExpected: true });
        claims = { ...(tokens.claims() ?? {}) };
      } catch (error) {
        // The provider's refusal (access_denied, an expired code) or a token that does not verify: never signed in.
        log.warn({ code: 'CONSOLE.SIGN_IN_FAILED', error: describeError(error) }, 'identity provider sign-in refused');
        throw new MashError('CONSOLE.SIGN_IN_FAILED', 'the identity provider did not sign you in: sign in again, or tell the service desk');
      }
      return principalOf(claims, options);
    },
  };
}

/** Plain HTTP to the provider only on this machine (a local provider for development and tests); anything else must be https. */
const loopbackHttp = (issuer: string): boolean => {
  const url = new URL(issuer);
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
};
// eslint-disable-next-line @typescript-eslint/no-deprecated -- deprecated to discourage production use; used only for a loopback issuer (loopbackHttp)
const insecureForLoopback = client.allowInsecureRequests;

const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
};

/** The values of a claim: a string, or an array of strings (groups, roles). */
function claimValues(claims: Readonly<Record<string, unknown>>, name: string): string[] {
  const value = claims[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The hub principal from the provider's claims: the role from the role claim through the role
 * map (a value naming a hub role maps to it), the agency likewise, the name from the name claim.
 * No role, or two, is refused: the hub never guesses what someone may see.
 */
export function principalOf(claims: Readonly<Record<string, unknown>>, options: Pick<OidcOptions, 'roleClaim' | 'roleMap' | 'agencyClaim' | 'agencyMap' | 'nameClaim'>): Principal {
  const roles = [...new Set(claimValues(claims, options.roleClaim).flatMap((value) => {
    const mapped = options.roleMap[value] ?? value;
    const role = Role.safeParse(mapped);
    return role.success ? [role.data] : [];
  }))];
  if (roles.length !== 1) {
    throw new MashError('CONSOLE.SIGN_IN_FAILED', roles.length === 0 ? 'your account has no role in the hub: ask the service desk to add you to a hub group' : 'your account has more than one role in the hub: ask the service desk to leave you one');
  }
  const agencies = [...new Set(claimValues(claims, options.agencyClaim).flatMap((value) => {
    const agency = Agency.safeParse(options.agencyMap[value] ?? value);
    return agency.success ? [agency.data] : [];
  }))];
  if (agencies.length > 1) throw new MashError('CONSOLE.SIGN_IN_FAILED', 'your account names more than one agency: ask the service desk to leave you one');
  const name = claimValues(claims, options.nameClaim)[0] ?? claimValues(claims, 'sub')[0];
  const principal = PrincipalClaims.safeParse({ sub: name, role: roles[0], ...(agencies[0] === undefined ? {} : { agency: agencies[0] }) });
  if (!principal.success) throw new MashError('CONSOLE.SIGN_IN_FAILED', 'your account does not say which agency you work for: ask the service desk');
  return principal.data;
}
