/**
 * Bearer token verification with jose: a JWKS URL (the council's identity provider) or one
 * configured public key; in embedded mode, the key the gateway created in its data directory.
 *
 * A token must expire. RFC 7519 makes `exp` and `iat` optional, so a validly signed token without
 * them would be good for ever (RFC 8725 §3.10 asks each application to require the claims it
 * relies on). We require both, refuse a lifetime (`exp − iat`) above the configured maximum and
 * an `iat` in the future beyond the allowed clock skew (MASH_JWT_MAX_LIFETIME, MASH_JWT_CLOCK_SKEW),
 * and say which rule a refused token broke.
 *
 * A token verified once is remembered (by its SHA-256, never the token itself) until the earliest
 * moment it would stop being accepted — its `exp`, or `iat` plus the maximum lifetime — and no
 * longer: a console asks with one token on every page, and verifying its signature again each
 * time was a measurable share of a warm picture read (docs/decisions.md "The stored picture
 * served from memory"). A refused token is never remembered.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { Clock } from '../lib/clock.ts';
import { MashError } from '../lib/errors.ts';
import { PrincipalClaims, type Principal } from '../model/principal.ts';

export type TokenVerifier = (token: string) => Promise<Principal>;

const ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'RS256', 'RS384', 'PS256'];

/** How long a token may live and how far clocks may disagree, in seconds. */
export interface TokenLifetimePolicy {
  /** The longest `exp − iat` accepted; also the oldest `iat` accepted. */
  readonly maxLifetimeSeconds: number;
  /** Tolerance applied to `exp`, `nbf` and `iat` for clocks that disagree. */
  readonly clockSkewSeconds: number;
}

export function createTokenVerifier(options: TokenLifetimePolicy & {
  readonly jwksUrl?: string | undefined;
  readonly publicKey?: KeyObject | string | undefined;
  readonly issuer: string;
  readonly audience: string;
  /** The verifier's notion of now; the system clock unless a test fixes it. */
  readonly clock?: Clock | undefined;
  /** How many verified tokens to remember (default 10,000); 0 remembers none. */
  readonly rememberTokens?: number | undefined;
}): TokenVerifier {
  let key: KeyObject | JWTVerifyGetKey;
  if (options.jwksUrl !== undefined) key = createRemoteJWKSet(new URL(options.jwksUrl));
  else if (options.publicKey !== undefined) key = typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey;
  else throw new Error('token verifier needs a JWKS URL or a public key');

  const verifyOptions = (): JWTVerifyOptions => ({
    issuer: options.issuer,
    audience: options.audience,
    algorithms: ALGORITHMS,
    requiredClaims: ['exp', 'iat'],
    // jose checks `iat` against this (too old, or in the future beyond the tolerance).
    maxTokenAge: options.maxLifetimeSeconds,
    clockTolerance: options.clockSkewSeconds,
    ...(options.clock === undefined ? {} : { currentDate: options.clock.now() }),
  });

  const remembered = new Map<string, { readonly principal: Principal; readonly untilMs: number }>();
  const capacity = options.rememberTokens ?? 10_000;
  const nowMs = (): number => (options.clock === undefined ? Date.now() : options.clock.now().getTime());

  const verify = async (token: string): Promise<{ principal: Principal; untilMs: number }> => {
    let payload: JWTPayload;
    try {
      const verified = typeof key === 'function' ? await jwtVerify(token, key, verifyOptions()) : await jwtVerify(token, key, verifyOptions());
      payload = verified.payload;
    } catch (error) {
      throw new MashError('AUTH.INVALID_TOKEN', refusalReason(error));
    }
    // jose has checked that both are present and numeric; it has no rule for exp − iat.
    const lifetime = (payload.exp ?? 0) - (payload.iat ?? 0);
    if (lifetime > options.maxLifetimeSeconds) {
      throw new MashError('AUTH.INVALID_TOKEN', `the token's lifetime (exp − iat) is ${Math.round(lifetime)} s, more than the maximum of ${options.maxLifetimeSeconds} s`);
    }
    const claims = PrincipalClaims.safeParse(payload);
    if (!claims.success) throw new MashError('AUTH.INVALID_TOKEN', `the token's claims are not acceptable: ${claims.error.issues[0]?.path.join('.') ?? ''} ${claims.error.issues[0]?.message ?? ''}`.trim());
    // Accepted until it expires or grows older than the maximum lifetime, whichever is first (no clock skew added).
    return { principal: claims.data, untilMs: Math.min(payload.exp ?? 0, (payload.iat ?? 0) + options.maxLifetimeSeconds) * 1_000 };
  };

  return async (token) => {
    if (capacity === 0) return (await verify(token)).principal;
    const key = createHash('sha256').update(token).digest('base64url');
    const known = remembered.get(key);
    if (known !== undefined) {
      remembered.delete(key);
      if (nowMs() < known.untilMs) {
        remembered.set(key, known);
        return known.principal;
      }
    }
    const verified = await verify(token);
    if (nowMs() < verified.untilMs) {
      remembered.set(key, verified);
      for (const oldest of remembered.keys()) {
        if (remembered.size <= capacity) break;
        remembered.delete(oldest);
      }
    }
    return verified.principal;
  };
}

/** Which rule a token broke, in words safe to show the caller (no token content). */
function refusalReason(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) {
    return error.claim === 'iat' ? 'the token was issued longer ago than the maximum token lifetime' : 'the token has expired';
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.reason === 'missing') {
      if (error.claim === 'exp') return 'the token has no expiry (exp): tokens must expire';
      if (error.claim === 'iat') return 'the token has no issue time (iat)';
      return `the token has no "${error.claim}" claim`;
    }
    if (error.claim === 'iat') return 'the token was issued in the future (iat) beyond the allowed clock skew';
    if (error.claim === 'nbf') return 'the token is not valid yet (nbf)';
    if (error.claim === 'iss') return "the token's issuer is not accepted";
    if (error.claim === 'aud') return "the token's audience is not this gateway";
    return `the token's "${error.claim}" claim is not acceptable`;
  }
  if (error instanceof joseErrors.JOSEError) return 'the token is not valid';
  return 'the token could not be verified';
}
