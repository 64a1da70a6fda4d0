/**
 * What a request body must be before a route sees it (RFC 8259 §8.1: JSON exchanged between
 * systems is UTF-8; RFC 9110 §15.5.16: a media type the route does not take is 415), and what
 * a bearer token must carry (RFC 7519 `exp` and `iat`, within the configured lifetime and skew).
 * Driven in-process over a real embedded store; every refusal is a problem document with a
 * stable code, and nothing refused is stored.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirewallHarness, EXAMPLE, type FirewallHarness } from '../case/harness.ts';

let harness: FirewallHarness;
let seeded: Awaited<ReturnType<FirewallHarness['seedReferral']>>;

beforeAll(async () => {
  harness = await startFirewallHarness();
  seeded = await harness.seedReferral(['health', 'police']);
});

afterAll(async () => {
  await harness.close();
});

interface ProblemBody {
  code: string;
  status: number;
  detail: string;
}

async function problemOf(response: Response): Promise<ProblemBody> {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return (await response.json()) as ProblemBody;
}

const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

const referralCount = async (): Promise<number> => Number((await harness.db.query<{ n: number | string }>('SELECT count(*) AS n FROM referrals'))[0]?.n ?? 0);

async function postReferral(body: Uint8Array | undefined, headers: Record<string, string>): Promise<Response> {
  return harness.app.request('/v1/referrals', {
    method: 'POST',
    headers: { authorization: `Bearer ${await harness.token('referral-intake')}`, ...headers },
    ...(body === undefined ? {} : { body }),
  });
}

/** The example referral as UTF-8 bytes, with the first byte of the family name replaced by `bad`. */
function exampleWithBadBytes(bad: readonly number[]): { bytes: Uint8Array; offset: number } {
  const text = JSON.stringify(EXAMPLE);
  const at = Buffer.from(text.slice(0, text.indexOf('"family":"Smith"') + '"family":"'.length), 'utf8').length;
  const bytes = Buffer.from(text, 'utf8');
  return { bytes: new Uint8Array(Buffer.concat([bytes.subarray(0, at), Buffer.from(bad), bytes.subarray(at + 1)])), offset: at };
}

describe('Content-Type', () => {
  it('refuses a referral with a JSON body but no Content-Type: 415, nothing stored', async () => {
    const before = await referralCount();
    // Bytes, not a string: a string body would make fetch add `text/plain;charset=UTF-8` itself.
    const response = await postReferral(utf8(JSON.stringify(EXAMPLE)), {});
    expect(response.status).toBe(415);
    expect((await problemOf(response)).code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
    expect(await referralCount()).toBe(before);
  });

  it('refuses a connector declaration with no Content-Type: 415', async () => {
    const response = await harness.app.request('/v1/connectors/police-ct', {
      method: 'PUT',
      headers: { authorization: `Bearer ${await harness.token('connector-admin', 'police')}` },
      body: utf8(JSON.stringify({ id: 'police-ct', agency: 'police', type: 'police-soap', sourceSystem: 'Synthetic RMS', baseUrl: 'http://127.0.0.1:9/soap' })),
    });
    expect(response.status).toBe(415);
    expect((await problemOf(response)).code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
  });

  it('refuses a route that takes a body when neither body nor Content-Type is sent: 415', async () => {
    const response = await postReferral(undefined, {});
    expect(response.status).toBe(415);
    expect((await problemOf(response)).code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
  });

  it.each([
    ['text/plain', 415],
    ['application/x-www-form-urlencoded', 415],
    ['application/json; charset=iso-8859-1', 415],
    ['application/json; charset=utf-16', 415],
    ['json', 415],
    ['application/json; charset=utf-8', 202],
    ['Application/JSON; Charset="UTF-8"', 202],
    ['application/json', 202],
  ])('Content-Type %s → %i', async (contentType, status) => {
    const before = await referralCount();
    const response = await postReferral(utf8(JSON.stringify(EXAMPLE)), { 'content-type': contentType });
    expect(response.status).toBe(status);
    if (status === 415) {
      expect((await problemOf(response)).code).toBe('REQUEST.UNSUPPORTED_MEDIA_TYPE');
      expect(await referralCount()).toBe(before);
    }
  });

  it('keeps routes without a body working with no Content-Type: reveal, and publication whose body is optional', async () => {
    const police = seeded.items.find((i) => i.agency === 'police' && i.sensitivity === 'restricted');
    const reveal = await harness.app.request(`/v1/referrals/${seeded.referralId}/items/${police?.id ?? ''}/reveal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await harness.token('hub-practitioner', 'police')}` },
    });
    expect(reveal.status).toBe(200);
    const publish = await harness.app.request(`/v1/referrals/${seeded.referralId}/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await harness.token('hub-manager')}` },
    });
    // Reached the firewall: refused for want of a decision, not for want of a Content-Type.
    expect(publish.status).toBe(409);
    expect((await problemOf(publish)).code).toBe('PUBLICATION.NO_DECISION');
  });

  // What only the route's own validators see (an empty body passes the body middleware); they
  // throw Hono's HTTPException, converted where it arises (src/gateway/library-errors.ts).
  it("answers a JSON Content-Type with an empty body as the JSON validator's 400 REQUEST.MALFORMED_JSON, nothing stored", async () => {
    const before = await referralCount();
    const response = await postReferral(new Uint8Array(0), { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect(await problemOf(response)).toMatchObject({ code: 'REQUEST.MALFORMED_JSON', status: 400, detail: 'the request body is not valid JSON' });
    expect(await referralCount()).toBe(before);
  });

  it("answers another Content-Type with an empty body as the media-type gate's 415, nothing stored", async () => {
    const before = await referralCount();
    const response = await postReferral(new Uint8Array(0), { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(await problemOf(response)).toMatchObject({ code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE', status: 415 });
    expect(await referralCount()).toBe(before);
  });
});

describe('invalid UTF-8', () => {
  it.each([
    ['a lone continuation byte', [0x80]],
    ['a byte that never occurs in UTF-8', [0xff]],
    ['an overlong encoding of "/"', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ])('refuses %s in a name: 400 REQUEST.INVALID_ENCODING naming the byte offset, nothing stored', async (_label, bad) => {
    const before = await referralCount();
    const { bytes, offset } = exampleWithBadBytes(bad);
    const response = await postReferral(bytes, { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    const body = await problemOf(response);
    expect(body.code).toBe('REQUEST.INVALID_ENCODING');
    expect(body.detail).toContain(`byte offset ${offset}`);
    expect(await referralCount()).toBe(before);
  });

  it.each([
    ['U+0000', '"family":"Smith\\u0000"', 'holds U+0000'],
    ['an unpaired surrogate escape', '"family":"Smith\\ud800"', 'unpaired UTF-16 surrogate'],
  ])('refuses %s in a string, naming the field: 400 REQUEST.INVALID_ENCODING, nothing stored', async (_label, replacement, reason) => {
    const before = await referralCount();
    const text = JSON.stringify(EXAMPLE).replace('"family":"Smith"', replacement);
    const response = await postReferral(utf8(text), { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    const body = await problemOf(response);
    expect(body.code).toBe('REQUEST.INVALID_ENCODING');
    expect(body.detail).toMatch(/^json\.subjects\.0\.name\.family: /);
    expect(body.detail).toContain(reason);
    expect(await referralCount()).toBe(before);
  });

  it.each(['actor=a%00b', 'actor=%ED%A0%80', 'actor=%FF'])('refuses a query that does not decode to text (%s): 400 REQUEST.INVALID_ENCODING', async (query) => {
    const response = await harness.app.request(`/v1/audit/entries?${query}`, { headers: { authorization: `Bearer ${await harness.token('auditor')}` } });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).code).toBe('REQUEST.INVALID_ENCODING');
  });

  it('accepts well-formed multi-byte UTF-8 and stores it as sent', async () => {
    const text = JSON.stringify(EXAMPLE).replace('"family":"Smith"', '"family":"Smíth-Øðœ"');
    const response = await postReferral(utf8(text), { 'content-type': 'application/json' });
    expect(response.status).toBe(202);
  });

  it('refuses invalid UTF-8 in a release decision as well', async () => {
    const police = seeded.items.find((i) => i.agency === 'police');
    const bytes = Buffer.concat([Buffer.from('{"decision":"withhold","rationale":"Source '), Buffer.from([0xfe]), Buffer.from('"}')]);
    const response = await harness.app.request(`/v1/referrals/${seeded.referralId}/items/${police?.id ?? ''}/release`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await harness.token('hub-practitioner', 'police')}`, 'content-type': 'application/json' },
      body: new Uint8Array(bytes),
    });
    expect(response.status).toBe(400);
    expect((await problemOf(response)).code).toBe('REQUEST.INVALID_ENCODING');
    const rows = await harness.db.query<{ n: number | string }>('SELECT count(*) AS n FROM audit_log WHERE action = $1', ['item.release-decided']);
    expect(Number(rows[0]?.n ?? 0)).toBe(0);
  });
});

describe('bearer tokens must expire', () => {
  const now = (): number => Math.floor(Date.now() / 1000);
  const sign = (claims: { iat?: number; exp?: number }): Promise<string> => {
    const jwt = new SignJWT({ role: 'hub-manager', ...claims }).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' }).setSubject('manager-exp').setIssuer('mash-gateway').setAudience('mash-gateway');
    return jwt.sign(harness.signingKey.privateKey);
  };
  const read = async (token: string): Promise<Response> => harness.app.request(`/v1/referrals/${seeded.referralId}`, { headers: { authorization: `Bearer ${token}` } });

  it.each([
    ['no exp', () => ({ iat: now() }), /exp/],
    ['no iat', () => ({ exp: now() + 600 }), /iat/],
    ['a lifetime beyond the maximum (exp − iat > 8 h)', () => ({ iat: now() - 60, exp: now() - 60 + 9 * 3600 }), /lifetime/],
    ['an iat in the future beyond the clock skew', () => ({ iat: now() + 600, exp: now() + 1200 }), /future/],
  ])('refuses a validly signed token with %s: 401 AUTH.INVALID_TOKEN with the reason', async (_label, claims, reason) => {
    const response = await read(await sign(claims()));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('invalid_token');
    const body = await problemOf(response);
    expect(body.code).toBe('AUTH.INVALID_TOKEN');
    expect(body.detail).toMatch(reason);
  });

  it('accepts a token issued within the clock skew and one of the maximum lifetime', async () => {
    expect((await read(await sign({ iat: now() + 10, exp: now() + 600 }))).status).toBe(200);
    const issued = now();
    expect((await read(await sign({ iat: issued, exp: issued + 8 * 3600 }))).status).toBe(200);
  });
});
