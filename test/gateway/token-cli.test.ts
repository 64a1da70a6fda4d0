/**
 * `npm run token` as a child process: its default token (8 h) passes the gateway's own verifier
 * with the default rules, and it refuses to print a token the gateway would refuse (an
 * `--expires` above MASH_JWT_MAX_LIFETIME).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { loadOrCreateSigningKey } from '../../src/gateway/embedded-key.ts';
import { createTokenVerifier } from '../../src/gateway/token-verifier.ts';
import { makeTempDir } from '../support/tmp.ts';

const CLI = path.resolve(import.meta.dirname, '..', '..', 'src', 'cli', 'token.ts');
const tmp = makeTempDir('mash-token-cli-');
afterAll(() => tmp.remove());

function token(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', MASH_DATA_DIR: tmp.dir, ...env } });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run token', () => {
  it('prints an 8-hour token by default that the gateway accepts with its default rules', async () => {
    const { status, stdout } = token(['--role', 'hub-manager']);
    expect(status).toBe(0);
    const claims = decodeJwt(stdout.trim());
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(8 * 3600);
    const config = loadConfig({ MASH_DATA_DIR: tmp.dir });
    const verify = createTokenVerifier({ publicKey: loadOrCreateSigningKey(tmp.dir).publicKey, issuer: config.jwt.issuer, audience: config.jwt.audience, maxLifetimeSeconds: config.jwt.maxLifetimeSeconds, clockSkewSeconds: config.jwt.clockSkewSeconds });
    expect((await verify(stdout.trim())).role).toBe('hub-manager');
  });

  it('refuses an --expires above the maximum lifetime, and allows it when the maximum is raised', () => {
    const refused = token(['--role', 'hub-manager', '--expires', '9h']);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/^token: --expires 9h is longer than the maximum token lifetime of 28800 s \(MASH_JWT_MAX_LIFETIME\)\n$/);
    const allowed = token(['--role', 'hub-manager', '--expires', '9h'], { MASH_JWT_MAX_LIFETIME: '12h' });
    expect(allowed.status).toBe(0);
    const claims = decodeJwt(allowed.stdout.trim());
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(9 * 3600);
  });

  it('refuses to sign when an identity provider is configured: the gateway would refuse its token', () => {
    const publicKeyPem = loadOrCreateSigningKey(tmp.dir).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const withKey = token(['--role', 'hub-manager'], { MASH_JWT_PUBLIC_KEY: publicKeyPem });
    expect(withKey.status).toBe(2);
    expect(withKey.stdout).toBe('');
    expect(withKey.stderr).toMatch(/^token: an identity provider is configured \(MASH_JWT_PUBLIC_KEY\): get tokens from it/);
    const withJwks = token(['--role', 'hub-manager'], { MASH_JWKS_URL: 'http://127.0.0.1:9/jwks.json' });
    expect(withJwks.status).toBe(2);
    expect(withJwks.stderr).toMatch(/\(MASH_JWKS_URL\)/);
  });

  it('defaults to the maximum lifetime when it is shorter than 8 hours', () => {
    const { status, stdout } = token(['--role', 'auditor'], { MASH_JWT_MAX_LIFETIME: '1h' });
    expect(status).toBe(0);
    const claims = decodeJwt(stdout.trim());
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3600);
  });

  it('refuses an --expires that is not a duration', () => {
    const { status, stderr } = token(['--role', 'hub-manager', '--expires', 'forever']);
    expect(status).toBe(2);
    expect(stderr).toContain('--expires takes a number and a unit');
  });
});
