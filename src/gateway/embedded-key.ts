/**
 * The embedded signing key: in embedded mode (no identity provider configured) the gateway
 * creates an Ed25519 key pair in its data directory, verifies tokens with its public half, and
 * `npm run token` signs with the private half. The file is created owner-only (0600).
 */
import { generateKeyPairSync, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { SignJWT } from 'jose';
import { parseDurationSeconds } from '../lib/duration.ts';
import { readOrCreateKeyFile } from '../store/key-file.ts';
import type { Agency } from '../model/agency.ts';
import type { Role } from '../model/principal.ts';

export const EMBEDDED_KEY_FILE = 'jwt-signing-key.pem';

export interface SigningKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** Load the data directory's signing key, creating it the first time (once, however many processes start together). */
export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  const file = path.join(dataDir, EMBEDDED_KEY_FILE);
  const pem = readOrCreateKeyFile(file, () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The lifetime of a token when none is asked for: one working shift, the gateway's default maximum. */
export const DEFAULT_TOKEN_LIFETIME = '8h';

/**
 * Sign a token with `iat` and `exp` taken from one instant, so its lifetime is exactly
 * `expiresIn` (a duration such as `30m` or `8h`; negative for an expired test token).
 */
export async function signToken(
  key: SigningKey,
  claims: { sub: string; role: Role; agency?: Agency | undefined },
  options: { issuer: string; audience: string; expiresIn?: string },
): Promise<string> {
  const lifetime = parseDurationSeconds(options.expiresIn ?? DEFAULT_TOKEN_LIFETIME);
  if (lifetime === undefined) throw new RangeError(`not a duration: ${options.expiresIn ?? ''}`);
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: claims.role, ...(claims.agency === undefined ? {} : { agency: claims.agency }) })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + lifetime)
    .sign(key.privateKey);
}
