/** Test tokens: a throwaway signing key and tokens for any role. */
import { generateKeyPairSync } from 'node:crypto';
import { signToken, type SigningKey } from '../../src/gateway/embedded-key.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { Role } from '../../src/model/principal.ts';

export const TEST_ISSUER = 'mash-gateway';
export const TEST_AUDIENCE = 'mash-gateway';
/** The gateway's default token rules (MASH_JWT_MAX_LIFETIME 8h, MASH_JWT_CLOCK_SKEW 60s). */
export const TEST_TOKEN_LIFETIME = { maxLifetimeSeconds: 8 * 3600, clockSkewSeconds: 60 } as const;

export function testSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey };
}

export function tokenFor(key: SigningKey, role: Role, agency?: Agency, options: { expiresIn?: string; issuer?: string; audience?: string } = {}): Promise<string> {
  return signToken(key, { sub: `test-${role}${agency === undefined ? '' : `-${agency}`}`, role, agency }, {
    issuer: options.issuer ?? TEST_ISSUER,
    audience: options.audience ?? TEST_AUDIENCE,
    ...(options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn }),
  });
}
