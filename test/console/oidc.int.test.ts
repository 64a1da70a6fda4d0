/**
 * Signing in to the console through an identity provider, as a council runs it: a real OpenID
 * Connect provider (panva's oidc-provider, on loopback, with its development login screens), the
 * real gateway process with the demonstration sign-in off, and chromium. The code flow with PKCE
 * signs a manager in (their group mapped to the role); a police practitioner's agency comes from
 * its claim; an account with no hub group is refused with words the person can act on; a forged
 * callback (no sign-in started in this browser) signs nobody in.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, screenshot, seriousAxeViolations } from '../support/browser.ts';
import { makeTempDir } from '../support/tmp.ts';
import { startGatewayOnSimulators, submitExample, tokenIn, type GatewayOnSimulators } from '../e2e/support.ts';

/** The accounts the provider knows: their groups and agency, as a council's directory would hold them. */
const ACCOUNTS: Readonly<Record<string, { groups: string[]; agency?: string }>> = {
  manager: { groups: ['staff', 'mash-managers'] },
  police: { groups: ['mash-practitioners'], agency: 'police-force' },
  nobody: { groups: ['staff'] },
};

const tmp = makeTempDir('mash-console-oidc-');
let provider: Server | undefined;
let deployment: GatewayOnSimulators | undefined;
let browser: Browser | undefined;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  const [providerPort, gatewayPort] = [await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${providerPort}`;
  const oidc = new Provider(issuer, {
    clients: [{ client_id: 'mash-gateway', client_secret: 'a-client-secret-for-tests-only', redirect_uris: [`http://127.0.0.1:${gatewayPort}/console/oidc/callback`], grant_types: ['authorization_code'], response_types: ['code'] }],
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email'], profile: ['groups', 'agency'] },
    // The claims of the scopes asked for go in the ID token, which the gateway reads.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    findAccount: (_ctx, id) => {
      const account = ACCOUNTS[id] ?? { groups: [] };
      return { accountId: id, claims: () => ({ sub: id, email: `${id}@council.example`, groups: account.groups, ...(account.agency === undefined ? {} : { agency: account.agency }) }) };
    },
  });
  provider = oidc.listen(providerPort, '127.0.0.1');
  const secretFile = `${tmp.dir}/oidc-client-secret`;
  (await import('node:fs')).writeFileSync(secretFile, 'a-client-secret-for-tests-only\n');
  deployment = await startGatewayOnSimulators(tmp.dir, {
    env: {
      PORT: String(gatewayPort),
      MASH_CONSOLE_DEMO_SIGN_IN: 'off',
      MASH_OIDC_ISSUER: issuer,
      MASH_OIDC_CLIENT_ID: 'mash-gateway',
      MASH_OIDC_CLIENT_SECRET_FILE: secretFile,
      MASH_OIDC_ROLE_MAP: JSON.stringify({ 'mash-managers': 'hub-manager', 'mash-practitioners': 'hub-practitioner' }),
      MASH_OIDC_AGENCY_MAP: JSON.stringify({ 'police-force': 'police' }),
    },
  });
  browser = await launchChromium();
  await submitExample(deployment.gateway.url, await tokenIn(tmp.dir, 'referral-intake'));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await deployment?.stop();
  await new Promise<void>((resolve) => (provider === undefined ? resolve() : provider.close(() => resolve())));
  tmp.remove();
});

/** Signs in at the provider's development screens as `login`; returns the page where the gateway left the browser. */
async function signInAs(login: string): Promise<Page> {
  if (browser === undefined || deployment === undefined) throw new Error('not started');
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.goto(`${deployment.gateway.url}/console`);
  expect(await page.locator('#name').count()).toBe(0); // no demonstration sign-in
  await page.getByRole('button', { name: "Sign in with your organisation's account" }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any');
  await page.locator('button[type="submit"]').click();
  // The provider asks for consent the first time.
  if (new URL(page.url()).port !== new URL(deployment.gateway.url).port) await page.locator('button[type="submit"]').click();
  const gatewayPort = new URL(deployment.gateway.url).port;
  await page.waitForURL((url) => url.port === gatewayPort && url.pathname !== '/console/oidc/start');
  // Signed in, the callback's own page moves on to the console (a same-site navigation).
  if (new URL(page.url()).pathname === '/console/oidc/callback' && (await page.locator('h1').textContent()) === 'Signed in') {
    await page.waitForURL((url) => url.pathname !== '/console/oidc/callback');
  }
  return page;
}

describe('console sign-in through an OpenID Connect provider', () => {
  it('signs a manager in by their group, with a session the console honours', async () => {
    const page = await signInAs('manager');
    expect(new URL(page.url()).pathname).toBe('/console/referrals');
    expect(await page.locator('.mash-signed-in__who').textContent()).toContain('manager@council.example — Hub manager');
    expect(await page.locator('tbody tr').count()).toBe(1);
    await screenshot(page, 'oidc-manager-queue');
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.context().close();
  });

  it("takes a practitioner's agency from its claim", async () => {
    const page = await signInAs('police');
    expect(new URL(page.url()).pathname).toBe('/console/referrals');
    expect(await page.locator('.mash-signed-in__who').textContent()).toContain('police@council.example — Hub practitioner, police');
    await page.context().close();
  });

  it('refuses an account with no hub group, saying what to do', async () => {
    const page = await signInAs('nobody');
    expect(await page.locator('h1').textContent()).toBe('You are not signed in');
    expect(await page.content()).toContain('your account has no role in the hub');
    await page.goto(`${deployment?.gateway.url ?? ''}/console/referrals`);
    expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    await page.context().close();
  });

  it('signs nobody in from a callback this browser did not start', async () => {
    const response = await fetch(`${deployment?.gateway.url ?? ''}/console/oidc/callback?code=forged&state=forged`, { redirect: 'manual' });
    expect(response.status).toBe(401);
    expect(response.headers.get('set-cookie') ?? '').not.toContain('mash_session=');
    expect(await response.text()).toContain('sign in again');
  });
});
