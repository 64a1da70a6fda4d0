/**
 * The health simulator's OAuth 2.0 token endpoint and bearer-token check (the education,
 * housing, social care and host simulators use them too).
 *
 * Why this file exists: NHS FHIR endpoints are reached with SMART backend services (a JWT
 * client assertion signed with the client's private key, RFC 7523) or, in some trusts, a
 * client secret. The adapter's token handling is only proven against an endpoint that
 * verifies both for real, with jose, as a production authorisation server would: signature,
 * issuer = subject = client id, audience = token URL, expiry at most five minutes ahead, and
 * no replayed `jti`.
 */
import { createPublicKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { decodeJwt, jwtVerify, type JWK } from 'jose';
import { readBody, type Reply } from '../common/http.ts';

/** A client the token endpoint knows: a secret, a public key for its assertions, or both. */
export interface SimulatorClient {
  readonly clientId: string;
  readonly clientSecret?: string;
  /** SPKI PEM or public JWK of the key the client signs its assertions with (RS384 / ES384). */
  readonly publicKey?: string | JWK;
}

/** Authorisation of the simulator; when given, FHIR endpoints (not /metadata) need a bearer token. */
export interface SimulatorAuth {
  readonly clients: readonly SimulatorClient[];
  /** Tokens accepted without the token endpoint (a connector with static bearer auth). */
  readonly staticTokens?: readonly string[];
  /** Lifetime of issued tokens. Default 300 s. */
  readonly tokenTtlSeconds?: number;
}

export type TokenOutcome =
  | { readonly status: 200; readonly body: { access_token: string; token_type: 'Bearer'; expires_in: number; scope?: string } }
  | { readonly status: 400 | 401; readonly body: { error: string; error_description: string } };

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART backend services: the assertion's exp is at most five minutes in the future. */
const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const CLOCK_SKEW_SECONDS = 5;

/** Issues and checks tokens for one simulator. */
export interface TokenIssuer {
  /** `audience`: the token URL as this request reached it; the configured one is accepted too. */
  issue(form: URLSearchParams, authorizationHeader: string | undefined, audience?: string): Promise<TokenOutcome>;
  /** True when the Authorization header carries a token this simulator issued (and it is unexpired) or a static one. */
  accepts(authorizationHeader: string | undefined): boolean;
}

/** Makes the token issuer; `tokenUrl` is the audience client assertions must name (or the token URL as reached). */
export function createTokenIssuer(auth: SimulatorAuth, tokenUrl: string, now: () => number = Date.now): TokenIssuer {
  const issued = new Map<string, number>();
  const seenJti = new Map<string, number>();
  const ttlSeconds = auth.tokenTtlSeconds ?? 300;
  const keys = new Map<string, KeyObject>();
  const keyFor = (client: SimulatorClient): KeyObject | undefined => {
    if (client.publicKey === undefined) return undefined;
    let key = keys.get(client.clientId);
    if (key === undefined) {
      key = typeof client.publicKey === 'string' ? createPublicKey(client.publicKey) : createPublicKey({ key: { ...client.publicKey }, format: 'jwk' });
      keys.set(client.clientId, key);
    }
    return key;
  };
  const refuse = (status: 400 | 401, error: string, description: string): TokenOutcome => ({ status, body: { error, error_description: description } });

  async function authenticate(form: URLSearchParams, authorizationHeader: string | undefined, audiences: string[]): Promise<SimulatorClient | TokenOutcome> {
    const assertionType = form.get('client_assertion_type');
    if (assertionType !== null) {
      if (assertionType !== JWT_BEARER) return refuse(400, 'invalid_request', 'unsupported client_assertion_type');
      const assertion = form.get('client_assertion') ?? '';
      let issuer: string | undefined;
      try {
        issuer = decodeJwt(assertion).iss;
      } catch {
        return refuse(401, 'invalid_client', 'client_assertion is not a JWT');
      }
      const client = auth.clients.find((c) => c.clientId === issuer);
      const key = client === undefined ? undefined : keyFor(client);
      if (client === undefined || key === undefined) return refuse(401, 'invalid_client', 'unknown client');
      try {
        const { payload } = await jwtVerify(assertion, key, {
          issuer: client.clientId,
          subject: client.clientId,
          audience: audiences,
          algorithms: ['RS384', 'ES384'],
          requiredClaims: ['exp', 'jti'],
          currentDate: new Date(now()),
          clockTolerance: CLOCK_SKEW_SECONDS,
        });
        const nowSeconds = Math.floor(now() / 1000);
        if (payload.exp === undefined || payload.exp - nowSeconds > MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
          return refuse(401, 'invalid_client', 'client_assertion expires more than five minutes ahead');
        }
        const jti = payload.jti ?? '';
        for (const [seen, expiry] of seenJti) if (expiry < nowSeconds) seenJti.delete(seen);
        if (seenJti.has(jti)) return refuse(401, 'invalid_client', 'client_assertion jti replayed');
        seenJti.set(jti, payload.exp);
      } catch {
        return refuse(401, 'invalid_client', 'client_assertion failed verification');
      }
      return client;
    }

    // client_secret_basic (RFC 6749 §2.3.1) or client_secret_post.
    let clientId = form.get('client_id');
    let secret = form.get('client_secret');
    if (authorizationHeader?.startsWith('Basic ') === true) {
      const decoded = Buffer.from(authorizationHeader.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        clientId = decodeURIComponent(decoded.slice(0, colon));
        secret = decodeURIComponent(decoded.slice(colon + 1));
      }
    }
    const client = auth.clients.find((c) => c.clientId === clientId);
    if (client?.clientSecret === undefined || secret === null || !sameSecret(secret, client.clientSecret)) {
      return refuse(401, 'invalid_client', 'client authentication failed');
    }
    return client;
  }

  return {
    async issue(form, authorizationHeader, audience) {
      if (form.get('grant_type') !== 'client_credentials') return refuse(400, 'unsupported_grant_type', 'only client_credentials is supported');
      const client = await authenticate(form, authorizationHeader, audience === undefined || audience === tokenUrl ? [tokenUrl] : [tokenUrl, audience]);
      if ('status' in client) return client;
      const token = randomBytes(32).toString('base64url');
      issued.set(token, now() + ttlSeconds * 1000);
      const scope = form.get('scope');
      return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: ttlSeconds, ...(scope === null ? {} : { scope }) } };
    },
    accepts(authorizationHeader) {
      if (authorizationHeader?.startsWith('Bearer ') !== true) return false;
      const token = authorizationHeader.slice(7).trim();
      if (auth.staticTokens?.includes(token) === true) return true;
      const expiry = issued.get(token);
      return expiry !== undefined && expiry > now();
    },
  };
}

/**
 * The token endpoint's answer to one request (RFC 6749 §4.4, `Cache-Control: no-store`):
 * POST only, refused when the simulator was started without auth, else the issuer's outcome —
 * returned too, so a simulator can note the tokens it issued. `audience` is the token URL as the
 * request reached it.
 */
export async function tokenEndpointReply(req: IncomingMessage, issuer: TokenIssuer | undefined, audience: string | undefined): Promise<{ readonly reply: Reply; readonly outcome?: TokenOutcome }> {
  const json = (status: number, body: unknown): Reply => ({ status, contentType: 'application/json', body: JSON.stringify(body), headers: { 'cache-control': 'no-store' } });
  if (req.method !== 'POST') return { reply: json(405, { error: 'invalid_request', error_description: 'use POST' }) };
  if (issuer === undefined) return { reply: json(400, { error: 'unauthorized_client', error_description: 'this simulator was started without auth' }) };
  const body = await readBody(req);
  if (body === undefined) return { reply: json(400, { error: 'invalid_request', error_description: 'body too large' }) };
  const outcome = await issuer.issue(new URLSearchParams(body), req.headers.authorization, audience);
  return { reply: json(outcome.status, outcome.body), outcome };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
