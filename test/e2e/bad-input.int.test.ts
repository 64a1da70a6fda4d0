/**
 * Bad input against the real product: `node src/main.ts` in embedded mode, as `npm start` runs it,
 * over HTTP. A body without a Content-Type is 415, a validly signed token that never expires is
 * 401, a body that is not UTF-8 is 400 — each a problem document with its stable code, nothing
 * stored, and nothing the process logs as an unhandled error.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey } from '../../src/gateway/embedded-key.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { EXAMPLE_REFERRAL, tokenIn } from './support.ts';

const tmp = makeTempDir('mash-e2e-bad-input-');
let gateway: GatewayProcess;

beforeAll(async () => {
  seedEmbeddedStore(tmp.dir); // the run's empty PGlite cluster (test/support/templates.ts)
  gateway = await startGatewayProcess({ env: { MASH_DATA_DIR: tmp.dir, MASH_SIMULATORS: 'off', MASH_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') } });
}, 60_000);

afterAll(async () => {
  await gateway.kill('SIGTERM');
  tmp.remove();
});

async function expectProblem(response: Response, status: number, code: string): Promise<{ detail: string }> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = (await response.json()) as { code: string; status: number; detail: string };
  expect(body).toMatchObject({ code, status });
  return body;
}

const referralBytes = (): Uint8Array => new Uint8Array(Buffer.from(JSON.stringify(EXAMPLE_REFERRAL), 'utf8'));

describe('bad input to the running gateway', () => {
  it('answers a referral with no Content-Type 415 REQUEST.UNSUPPORTED_MEDIA_TYPE', async () => {
    const response = await fetch(`${gateway.url}/v1/referrals`, { method: 'POST', headers: { authorization: `Bearer ${await tokenIn(tmp.dir, 'referral-intake')}` }, body: referralBytes() });
    await expectProblem(response, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE');
  });

  it('answers a validly signed token without exp 401 AUTH.INVALID_TOKEN, saying so', async () => {
    const neverExpires = await new SignJWT({ role: 'referral-intake' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setSubject('e2e-no-exp')
      .setIssuer('mash-gateway')
      .setAudience('mash-gateway')
      .setIssuedAt()
      .sign(loadOrCreateSigningKey(tmp.dir).privateKey);
    const response = await fetch(`${gateway.url}/v1/referrals`, { method: 'POST', headers: { authorization: `Bearer ${neverExpires}`, 'content-type': 'application/json' }, body: referralBytes() });
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const { detail } = await expectProblem(response, 401, 'AUTH.INVALID_TOKEN');
    expect(detail).toContain('exp');
  });

  it('answers a body with invalid UTF-8 400 REQUEST.INVALID_ENCODING at its byte offset', async () => {
    const bytes = referralBytes();
    const offset = Buffer.from(bytes).indexOf('Smith');
    bytes[offset] = 0xff;
    const response = await fetch(`${gateway.url}/v1/referrals`, { method: 'POST', headers: { authorization: `Bearer ${await tokenIn(tmp.dir, 'referral-intake')}`, 'content-type': 'application/json' }, body: bytes });
    const { detail } = await expectProblem(response, 400, 'REQUEST.INVALID_ENCODING');
    expect(detail).toContain(`byte offset ${offset}`);
  });

  it('stored none of them, logged no unhandled error, and still takes a good referral', async () => {
    expect(gateway.output()).not.toContain('unhandled error');
    const response = await fetch(`${gateway.url}/v1/referrals`, { method: 'POST', headers: { authorization: `Bearer ${await tokenIn(tmp.dir, 'referral-intake')}`, 'content-type': 'application/json' }, body: referralBytes() });
    expect(response.status).toBe(202);
    const audit = await fetch(`${gateway.url}/v1/audit/entries?action=referral.received`, { headers: { authorization: `Bearer ${await tokenIn(tmp.dir, 'auditor')}` } });
    expect(audit.status).toBe(200);
    expect(((await audit.json()) as { entries: unknown[] }).entries).toHaveLength(1);
  });
});
