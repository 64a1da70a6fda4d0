/**
 * Bearer token verification with jose: a JWKS URL (the council's identity provider) or one
 * configured public key; in embedded mode, the key the gateway created in its data directory.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { MashError } from '../lib/errors.ts';
import { PrincipalClaims, type Principal } from '../model/principal.ts';

export type TokenVerifier = (token: string) => Promise<Principal>;

const ALGORITHMS = ['EdDSA', 'ES256', 'ES384', 'RS256', 'RS384', 'PS256'];

export function createTokenVerifier(options: {
  readonly jwksUrl?: string | undefined;
  readonly publicKey?: KeyObject | string | undefined;
  readonly issuer: string;
  readonly audience: string;
}): TokenVerifier {
  let key: KeyObject | JWTVerifyGetKey;
  if (options.jwksUrl !== undefined) key = createRemoteJWKSet(new URL(options.jwksUrl));
  else if (options.publicKey !== undefined) key = typeof options.publicKey === 'string' ? createPublicKey(options.publicKey) : options.publicKey;
  else throw new Error('token verifier needs a JWKS URL or a public key');

  return async (token) => {
    let payload: unknown;
    try {
      // jwtVerify checks signature, exp/nbf (with a small skew), issuer and audience.
      const verified = typeof key === 'function'
        ? await jwtVerify(token, key, { issuer: options.issuer, audience: options.audience, algorithms: ALGORITHMS, clockTolerance: 30 })
        : await jwtVerify(token, key, { issuer: options.issuer, audience: options.audience, algorithms: ALGORITHMS, clockTolerance: 30 });
      payload = verified.payload;
    } catch (error) {
      const reason = error instanceof joseErrors.JWTExpired ? 'the token has expired' : error instanceof joseErrors.JOSEError ? 'the token is not valid' : 'the token could not be verified';
      throw new MashError('AUTH.INVALID_TOKEN', reason);
    }
    const claims = PrincipalClaims.safeParse(payload);
    if (!claims.success) throw new MashError('AUTH.INVALID_TOKEN', `the token's claims are not acceptable: ${claims.error.issues[0]?.path.join('.') ?? ''} ${claims.error.issues[0]?.message ?? ''}`.trim());
    return claims.data;
  };
}
