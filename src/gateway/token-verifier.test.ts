/**
 * Bearer tokens are verified against the council's identity provider (a JWKS URL) or one
 * configured public key; wrong issuer, audience, signature or claims are refused.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MashError } from '../lib/errors.ts';
import { createTokenVerifier } from './token-verifier.ts';

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
let server: Server;
let jwksUrl: string;

beforeAll(async () => {
  const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-key-1', alg: 'ES256', use: 'sig' };
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const sign = (claims: Record<string, unknown>, options: { issuer?: string; audience?: string; kid?: string } = {}): Promise<string> =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'idp-key-1' })
    .setSubject('practitioner-42')
    .setIssuer(options.issuer ?? 'https://idp.council.example')
    .setAudience(options.audience ?? 'mash-gateway')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);

describe('token verification', () => {
  const options = { issuer: 'https://idp.council.example', audience: 'mash-gateway', maxLifetimeSeconds: 3600, clockSkewSeconds: 60 };

  it('accepts a token signed by a key from the JWKS, and reads role and agency', async () => {
    const verify = createTokenVerifier({ jwksUrl, ...options });
    expect(await verify(await sign({ role: 'hub-practitioner', agency: 'police' }))).toEqual({ sub: 'practitioner-42', role: 'hub-practitioner', agency: 'police' });
  });

  it('accepts a token signed by the configured public key (PEM)', async () => {
    const verify = createTokenVerifier({ publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), ...options });
    expect((await verify(await sign({ role: 'hub-manager' }))).role).toBe('hub-manager');
  });

  it.each([
    ['another issuer', () => sign({ role: 'hub-manager' }, { issuer: 'https://elsewhere.example' })],
    ['another audience', () => sign({ role: 'hub-manager' }, { audience: 'other-service' })],
    ['an unknown role', () => sign({ role: 'superuser' })],
    ['a practitioner without an agency', () => sign({ role: 'hub-practitioner' })],
    ['a key the JWKS does not hold', () => sign({ role: 'hub-manager' }, { kid: 'unknown-key' })],
  ])('refuses a token with %s', async (_label, make) => {
    const verify = createTokenVerifier({ jwksUrl, ...options });
    const token = await make();
    await expect(verify(token)).rejects.toBeInstanceOf(MashError);
    await expect(verify(token)).rejects.toMatchObject({ code: 'AUTH.INVALID_TOKEN' });
  });
});

describe('tokens must expire (RFC 8725 §3.10: require the claims relied on)', () => {
  const options = { issuer: 'https://idp.council.example', audience: 'mash-gateway', maxLifetimeSeconds: 3600, clockSkewSeconds: 60 };
  const now = 1_795_000_000;
  const verify = createTokenVerifier({ publicKey, ...options, clock: { now: () => new Date(now * 1000) } });
  const signAt = (times: { iat?: number; exp?: number; nbf?: number }): Promise<string> =>
    new SignJWT({ role: 'hub-manager', ...times }).setProtectedHeader({ alg: 'ES256', kid: 'idp-key-1' }).setSubject('manager-1').setIssuer(options.issuer).setAudience(options.audience).sign(privateKey);

  it.each([
    ['no exp', { iat: now }, 'the token has no expiry (exp): tokens must expire'],
    ['no iat', { exp: now + 300 }, 'the token has no issue time (iat)'],
    ['a lifetime of an hour and a second', { iat: now - 10, exp: now - 10 + 3601 }, "the token's lifetime (exp − iat) is 3601 s, more than the maximum of 3600 s"],
    ['an iat two minutes ahead', { iat: now + 120, exp: now + 600 }, 'the token was issued in the future (iat) beyond the allowed clock skew'],
    ['an iat older than the maximum lifetime', { iat: now - 3700, exp: now + 100 }, 'the token was issued longer ago than the maximum token lifetime'],
    ['an exp past by more than the skew', { iat: now - 600, exp: now - 61 }, 'the token has expired'],
    ['an nbf ahead by more than the skew', { iat: now, exp: now + 600, nbf: now + 120 }, 'the token is not valid yet (nbf)'],
  ])('refuses a token with %s, saying why', async (_label, times, reason) => {
    await expect(verify(await signAt(times))).rejects.toMatchObject({ code: 'AUTH.INVALID_TOKEN', message: reason });
  });

  it.each([
    ['the maximum lifetime exactly', { iat: now, exp: now + 3600 }],
    ['an iat within the skew ahead', { iat: now + 30, exp: now + 600 }],
    ['an exp just past, within the skew', { iat: now - 600, exp: now - 30 }],
  ])('accepts a token with %s', async (_label, times) => {
    expect((await verify(await signAt(times))).role).toBe('hub-manager');
  });
});

describe('remembering verified tokens', () => {
  const options = { issuer: 'https://idp.council.example', audience: 'mash-gateway', maxLifetimeSeconds: 3600, clockSkewSeconds: 0 };
  const start = Math.floor(Date.now() / 1000);
  const signAt = (iat: number, exp: number): Promise<string> =>
    new SignJWT({ role: 'hub-manager' }).setProtectedHeader({ alg: 'ES256' }).setSubject('manager-7').setIssuer(options.issuer).setAudience(options.audience).setIssuedAt(iat).setExpirationTime(exp).sign(privateKey);

  it('answers a remembered token while it is good, and never past its expiry', async () => {
    let now = start;
    const verify = createTokenVerifier({ publicKey, ...options, clock: { now: () => new Date(now * 1000) } });
    const token = await signAt(start, start + 300);
    expect((await verify(token)).sub).toBe('manager-7');
    now = start + 299;
    expect((await verify(token)).sub).toBe('manager-7');
    // Remembered only while the token is good: at its expiry it is refused, as a first sight would be.
    now = start + 301;
    await expect(verify(token)).rejects.toMatchObject({ code: 'AUTH.INVALID_TOKEN', message: 'the token has expired' });
  });

  it('remembers no longer than iat plus the maximum lifetime, even if exp is later', async () => {
    let now = start;
    const verify = createTokenVerifier({ publicKey, ...options, maxLifetimeSeconds: 600, clock: { now: () => new Date(now * 1000) } });
    // A lifetime of exactly the maximum: accepted, and too old once iat + 600 has passed.
    const token = await signAt(start, start + 600);
    expect((await verify(token)).sub).toBe('manager-7');
    now = start + 601;
    await expect(verify(token)).rejects.toBeInstanceOf(MashError);
  });

  it('never remembers a refused token', async () => {
    const verify = createTokenVerifier({ publicKey, ...options });
    const forged = `${(await signAt(start, start + 300)).slice(0, -4)}AAAA`;
    await expect(verify(forged)).rejects.toBeInstanceOf(MashError);
    await expect(verify(forged)).rejects.toBeInstanceOf(MashError);
  });
});
