/**
 * Authorization for the health adapter: a static bearer token, HTTP Basic, or OAuth 2.0
 * client credentials (RFC 6749 §4.4) with either a client secret (HTTP Basic, §2.3.1) or a
 * signed JWT client assertion (RFC 7523; SMART App Launch "backend services":
 * RS384/ES384, iss = sub = client id, aud = token URL, unique jti, exp at most 5 minutes on).
 *
 * Why this file exists: national and trust FHIR endpoints use SMART backend services, and a
 * token per lookup would hammer token endpoints that allow only a few requests a second, so
 * tokens are cached until shortly before they expire. The cache belongs to one adapter
 * instance (made in the composition root), never to the module.
 */
import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import { err, ok, type Result } from '../../lib/result.ts';
import type { AdapterFailure, ConnectorAuth } from '../port.ts';
import { adapterFailure, exchange, type HttpEnvironment } from './exchange.ts';

type OAuth2Auth = Extract<ConnectorAuth, { kind: 'oauth2-client-credentials' }>;

/** Lifetime of our client assertion. SMART backend services: exp no more than five minutes ahead. */
const ASSERTION_LIFETIME_SECONDS = 240;
/** Renew a cached token this long before the server says it expires. */
const EXPIRY_MARGIN_MS = 30_000;
/** Used when the token response gives no `expires_in`. */
const DEFAULT_TOKEN_LIFETIME_SECONDS = 300;
const TOKEN_RESPONSE_MAX_BYTES = 64 * 1024;

const TokenResponse = z.object({
  access_token: z.string().min(1).max(8192),
  token_type: z.string().regex(/^bearer$/i),
  expires_in: z.number().positive().optional(),
});

const OAuthErrorResponse = z.object({ error: z.string().regex(/^[\x20-\x7e]{1,64}$/) });

interface CachedToken {
  readonly accessToken: string;
  readonly expiresAtMs: number;
}

/** Access tokens of one adapter instance, keyed by token URL, client and scope. */
export interface TokenCache {
  readonly tokens: Map<string, CachedToken>;
}

export const createTokenCache = (): TokenCache => ({ tokens: new Map() });

/** The Authorization header to send (none for `auth: none`), and whether it came from the cache. */
export interface Authorization {
  readonly header: string | undefined;
  readonly fromCache: boolean;
}

/** Per-call context for obtaining a token: the lookup's signal and orchestration log. */
export interface AuthCall {
  readonly signal: AbortSignal;
  readonly env: HttpEnvironment;
  /** Ignore a cached token (the server just refused it). */
  readonly forceRefresh?: boolean;
}

/** The Authorization header value for a connector's auth, fetching an OAuth token if needed. */
export async function authorize(auth: ConnectorAuth, cache: TokenCache, call: AuthCall): Promise<Result<Authorization, AdapterFailure>> {
  switch (auth.kind) {
    case 'none':
      return ok({ header: undefined, fromCache: false });
    case 'bearer':
      return ok({ header: `Bearer ${auth.token}`, fromCache: false });
    case 'basic':
      return ok({ header: `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`, fromCache: false });
    case 'oauth2-client-credentials':
      return oauth2Token(auth, cache, call);
    case 'ws-security':
      return err(adapterFailure('auth-failed', 'WS-Security credentials apply only to SOAP connectors', 'ADAPTER.AUTH_MISCONFIGURED'));
    default:
      return auth satisfies never;
  }
}

const cacheKey = (auth: OAuth2Auth): string => [auth.tokenUrl, auth.clientId, auth.scope ?? ''].join('\u0000');

async function oauth2Token(auth: OAuth2Auth, cache: TokenCache, call: AuthCall): Promise<Result<Authorization, AdapterFailure>> {
  const key = cacheKey(auth);
  const now = call.env.clock.now().getTime();
  const cached = cache.tokens.get(key);
  if (cached !== undefined && !call.forceRefresh && cached.expiresAtMs > now) {
    return ok({ header: `Bearer ${cached.accessToken}`, fromCache: true });
  }
  cache.tokens.delete(key);

  const form = new URLSearchParams({ grant_type: 'client_credentials' });
  if (auth.scope !== undefined) form.set('scope', auth.scope);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (auth.privateKeyPem !== undefined) {
    const assertion = await clientAssertion(auth, auth.privateKeyPem, now);
    if (!assertion.ok) return assertion;
    form.set('client_assertion_type', 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    form.set('client_assertion', assertion.value);
  } else if (auth.clientSecret !== undefined) {
    // RFC 6749 §2.3.1: client id and secret are form-urlencoded, then sent as HTTP Basic.
    const basic = `${encodeURIComponent(auth.clientId)}:${encodeURIComponent(auth.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(basic, 'utf8').toString('base64')}`;
  } else {
    return err(adapterFailure('auth-failed', 'OAuth2 connector has neither a client secret nor a private key', 'ADAPTER.AUTH_MISCONFIGURED'));
  }

  const result = await exchange(
    { name: 'OAuth2 token', method: 'POST', url: auth.tokenUrl, headers, body: form.toString(), signal: call.signal, maxBytes: TOKEN_RESPONSE_MAX_BYTES },
    call.env,
  );
  if (!result.ok) {
    const { failure } = result.error;
    return err(failure.kind === 'http-error' ? adapterFailure('auth-failed', failure.reason) : failure);
  }
  const { status, json } = result.value;
  if (status < 200 || status >= 300) {
    const oauthError = OAuthErrorResponse.safeParse(json);
    const detail = oauthError.success ? `: ${oauthError.data.error}` : '';
    return err(adapterFailure('auth-failed', `OAuth2 token endpoint refused the client (HTTP ${status}${detail})`));
  }
  const token = TokenResponse.safeParse(json);
  if (!token.success) {
    return err(adapterFailure('auth-failed', 'OAuth2 token endpoint returned no usable bearer token'));
  }
  const lifetimeMs = (token.data.expires_in ?? DEFAULT_TOKEN_LIFETIME_SECONDS) * 1000;
  cache.tokens.set(key, { accessToken: token.data.access_token, expiresAtMs: now + Math.max(0, lifetimeMs - EXPIRY_MARGIN_MS) });
  return ok({ header: `Bearer ${token.data.access_token}`, fromCache: false });
}

/** Drops a cached token the resource server has refused. */
export function forgetToken(auth: ConnectorAuth, cache: TokenCache): void {
  if (auth.kind === 'oauth2-client-credentials') cache.tokens.delete(cacheKey(auth));
}

/** SMART backend services client assertion (the signed JWT): RS384 for RSA keys, ES384 for EC P-384 keys. */
async function clientAssertion(auth: OAuth2Auth, privateKeyPem: string, nowMs: number): Promise<Result<string, AdapterFailure>> {
  let key: KeyObject;
  try {
    key = createPrivateKey(privateKeyPem);
  } catch {
    return err(adapterFailure('auth-failed', 'the private key for the client assertion could not be read', 'ADAPTER.AUTH_MISCONFIGURED'));
  }
  const alg = key.asymmetricKeyType === 'rsa' ? 'RS384' : key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'ES384' : undefined;
  if (alg === undefined) {
    return err(adapterFailure('auth-failed', 'the client assertion key must be RSA or EC P-384', 'ADAPTER.AUTH_MISCONFIGURED'));
  }
  const nowSeconds = Math.floor(nowMs / 1000);
  const jwt = await new SignJWT({})
    .setProtectedHeader({ alg, typ: 'JWT', ...(auth.keyId === undefined ? {} : { kid: auth.keyId }) })
    .setIssuer(auth.clientId)
    .setSubject(auth.clientId)
    .setAudience(auth.tokenUrl)
    .setJti(randomUUID())
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + ASSERTION_LIFETIME_SECONDS)
    .sign(key);
  return ok(jwt);
}
