/**
 * The hub console through the real process (`node src/main.ts`, embedded, its agencies simulated)
 * and a real browser (Debian's chromium, headless, driven by playwright-core): signing in with the
 * embedded demonstration sign-in, the referral queue and a referral's page, signing out — with
 * JavaScript on and off — each page checked with axe-core (no serious or critical violation) and
 * screenshotted under test-output/console. Over plain HTTP: the cookie's flags, the headers, the
 * CSRF defences and the policy's answers for a role without case access.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { makeTempDir } from '../support/tmp.ts';
import { waitFor } from '../support/gateway-process.ts';
import { launchChromium, screenshot, seriousAxeViolations } from '../support/browser.ts';
import { EXAMPLE_REFERRAL, startGatewayOnSimulators, tokenIn, waitForPicture, type GatewayOnSimulators } from '../e2e/support.ts';

/** Free text a referrer controls, shown on the console's pages: markup and SQL-looking text must stay inert text. */
const HOSTILE_REFERENCE = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">' OR 1=1;--`;

const tmp = makeTempDir('mash-console-');
let deployment: GatewayOnSimulators | undefined;
let browser: Browser | undefined;
let referralId = '';

beforeAll(async () => {
  deployment = await startGatewayOnSimulators(tmp.dir);
  browser = await launchChromium();
  const intake = await tokenIn(tmp.dir, 'referral-intake');
  const response = await fetch(`${deployment.gateway.url}/v1/referrals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${intake}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...(EXAMPLE_REFERRAL as object), externalReference: HOSTILE_REFERENCE }),
  });
  expect(response.status).toBe(202);
  referralId = ((await response.json()) as { id: string }).id;
  await waitForPicture(deployment.gateway.url, await tokenIn(tmp.dir, 'hub-manager'), referralId, 60_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await deployment?.stop();
  tmp.remove();
});

const base = (): string => {
  if (deployment === undefined) throw new Error('no deployment');
  return deployment.gateway.url;
};

async function newPage(options: { javaScriptEnabled: boolean }): Promise<{ context: BrowserContext; page: Page }> {
  if (browser === undefined) throw new Error('no browser');
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, javaScriptEnabled: options.javaScriptEnabled });
  return { context, page: await context.newPage() };
}

async function signIn(page: Page, who: { name: string; role: string; agency?: string }): Promise<void> {
  await page.goto(`${base()}/console`);
  await page.getByLabel('Your name').fill(who.name);
  await page.locator(`input[name="role"][value="${who.role}"]`).check();
  await page.getByLabel('Your agency').selectOption(who.agency ?? '');
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function expectAccessible(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousAxeViolations(page), `axe on ${name}`).toEqual([]);
}

describe('the console in a browser', () => {
  it('signs the manager in, shows the queue and a referral with every lookup, and signs out (JavaScript on)', async () => {
    const { context, page } = await newPage({ javaScriptEnabled: true });
    try {
      await page.goto(`${base()}/console`);
      expect(new URL(page.url()).pathname).toBe('/console/sign-in');
      await expectAccessible(page, 'sign-in');

      // The GOV.UK error summary: the page title says "Error:", each error links to its field.
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.title()).toMatch(/^Error: Sign in/);
      expect(await page.locator('.govuk-error-summary').textContent()).toContain('Enter your name');
      expect(await page.locator('.govuk-error-summary a[href="#name"]').count()).toBe(1);
      await expectAccessible(page, 'sign-in-errors');

      await signIn(page, { name: 'Pat Manager', role: 'hub-manager' });
      expect(new URL(page.url()).pathname).toBe('/console/referrals');
      expect(await page.locator('body').getAttribute('class')).toContain('govuk-frontend-supported');
      const row = page.locator('tbody tr').filter({ hasText: 'OR 1=1' });
      expect(await row.count()).toBe(1);
      // The hostile reference is shown as text, and nothing in it ran.
      expect(await row.locator('th a').textContent()).toBe(HOSTILE_REFERENCE);
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await row.textContent()).toContain('Red');
      expect(await row.textContent()).toMatch(/of working time left|Overdue by/);
      expect(await row.textContent()).toContain('20 of 20 lookups finished');
      await expectAccessible(page, 'queue-manager');

      await row.locator('th a').click();
      expect(new URL(page.url()).pathname).toBe(`/console/referrals/${referralId}`);
      expect(await page.locator('h1').textContent()).toBe(HOSTILE_REFERENCE);
      const lookups = page.locator('table tbody tr');
      expect(await lookups.count()).toBeGreaterThanOrEqual(5);
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      await expectAccessible(page, 'referral-manager');

      // Usable at 200% zoom: the same page at half the width, no content cut off sideways.
      await page.setViewportSize({ width: 640, height: 800 });
      expect(await page.evaluate(() => {
        const view = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
        return view.document.documentElement.scrollWidth <= view.innerWidth + 1;
      })).toBe(true);
      await screenshot(page, 'referral-manager-zoom-200');
      await page.setViewportSize({ width: 1280, height: 800 });

      await page.getByRole('button', { name: 'Sign out' }).click();
      expect(new URL(page.url()).pathname).toBe('/console/sign-in');
      await page.goto(`${base()}/console/referrals`);
      expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    } finally {
      await context.close();
    }
  });

  it('can be worked with the keyboard alone: sign in, open a referral from the queue, sign out', async () => {
    const { context, page } = await newPage({ javaScriptEnabled: true });
    /** Tabs forward until `selector` has the focus, as a keyboard user would, in the page's own order. */
    const tabTo = async (selector: string): Promise<void> => {
      for (let n = 0; n < 60; n += 1) {
        if (await page.locator(selector).first().evaluate((el: unknown) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement).catch(() => false)) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`${selector} never took the focus`);
    };
    try {
      await page.goto(`${base()}/console/sign-in`);
      // The first Tab reaches the skip link (GOV.UK template).
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe('Skip to main content');
      await tabTo('#name');
      await page.keyboard.type('Kay Board');
      await tabTo('input[name="role"]');
      // Arrow keys move through a radio group and select as they go: practitioner → manager.
      await page.keyboard.press('ArrowDown');
      expect(await page.locator('input[name="role"][value="hub-manager"]').isChecked()).toBe(true);
      await tabTo('button.govuk-button:has-text("Sign in")');
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === '/console/referrals');
      await tabTo(`a[href="/console/referrals/${referralId}"]`);
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === `/console/referrals/${referralId}`);
      await tabTo('button:has-text("Sign out")');
      await page.keyboard.press('Enter');
      await page.waitForURL((url) => url.pathname === '/console/sign-in');
    } finally {
      await context.close();
    }
  });

  it('works without JavaScript: a police practitioner signs in, filters the queue, opens the referral and signs out', async () => {
    const { context, page } = await newPage({ javaScriptEnabled: false });
    try {
      await signIn(page, { name: 'Sam Police', role: 'hub-practitioner', agency: 'police' });
      expect(new URL(page.url()).pathname).toBe('/console/referrals');
      expect(await page.locator('body').getAttribute('class')).not.toContain('js-enabled');
      await page.getByLabel('RAG rating').selectOption('red');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      expect(new URL(page.url()).searchParams.get('rag')).toBe('red');
      expect(await page.locator('tbody tr').filter({ hasText: 'OR 1=1' }).count()).toBe(1);
      await page.getByLabel('RAG rating').selectOption('green');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      expect(await page.locator('#no-referrals').count()).toBe(1);
      await page.goto(`${base()}/console/referrals/${referralId}`);
      expect(await page.locator('h1').textContent()).toBe(HOSTILE_REFERENCE);
      await screenshot(page, 'referral-police-no-js');
      await page.getByRole('button', { name: 'Sign out' }).click();
      expect(new URL(page.url()).pathname).toBe('/console/sign-in');
    } finally {
      await context.close();
    }
  });

  it('shows the family as a genogram and a table, filters the chronology, and lets the owning agency decide a possible match', async () => {
    const { context, page } = await newPage({ javaScriptEnabled: true });
    try {
      await signIn(page, { name: 'Pat Manager', role: 'hub-manager' });
      await page.goto(`${base()}/console/referrals/${referralId}`);
      const genogram = page.locator('svg.mash-genogram');
      expect(await genogram.count()).toBe(1);
      expect(await genogram.locator('text').allTextContents()).toContain('the child');
      const relationships = page.locator('table').filter({ has: page.locator('caption', { hasText: 'Relationships' }) }).locator('tbody tr');
      expect(await relationships.count()).toBeGreaterThanOrEqual(2);
      const all = await page.locator('.mash-chronology tbody tr').count();
      await page.getByLabel('Agency', { exact: true }).selectOption('health');
      await page.getByRole('button', { name: 'Filter the chronology' }).click();
      const health = page.locator('.mash-chronology tbody tr');
      expect(await health.count()).toBeGreaterThan(0);
      expect(await health.count()).toBeLessThan(all);
      for (const row of await health.all()) expect(await row.locator('td').nth(3).textContent()).toContain('Health');
      // Every matched record says how it was matched, and its evidence can be read: comparisons,
      // levels and weights, and for the link across referrals the model version that scored it.
      const records = page.locator('#records ~ ul.govuk-list > li');
      expect(await records.count()).toBeGreaterThanOrEqual(5);
      const first = records.first();
      expect(await first.textContent()).toMatch(/matched automatically|confirmed by a practitioner/);
      await first.getByText('Why this record is this person').click();
      const rows = first.locator('details[open] tbody tr');
      expect(await rows.count()).toBeGreaterThan(0);
      expect(await rows.first().locator('td').nth(2).textContent()).toMatch(/^[+-]\d+\.\d$/);
      const acrossReferrals = page.locator('#records ~ ul.govuk-list details').filter({ hasText: 'Why it was linked across referrals' });
      expect(await acrossReferrals.count()).toBeGreaterThan(0);
      expect(await acrossReferrals.first().locator('caption').textContent({ timeout: 1_000 })).toMatch(/scored by model version \d+/);
      await expectAccessible(page, 'referral-family-chronology');
    } finally {
      await context.close();
    }
    // Possible matches are decided by the agency that owns the record: find one, as its practitioner.
    const status = (await (await fetch(`${base()}/v1/referrals/${referralId}/picture`, { headers: { authorization: `Bearer ${await tokenIn(tmp.dir, 'hub-manager')}` } })).json()) as { possibleMatches: { id: string; agency: 'health' | 'police' | 'education' | 'housing' | 'social-care' }[] };
    // The example's housing record of the step-father agrees on household details alone: a possible match.
    const match = status.possibleMatches[0];
    if (match === undefined) throw new Error('the example referral should leave a possible match to decide');
    const owner = await newPage({ javaScriptEnabled: true });
    try {
      await signIn(owner.page, { name: 'Kim Owner', role: 'hub-practitioner', agency: match.agency });
      await owner.page.goto(`${base()}/console/referrals/${referralId}`);
      const card = owner.page.locator(`#match-${match.id}`);
      // The owner can read why the record may be the person before deciding.
      await card.getByText(/Why it may be this person \(\d+\.\d %\)/).click();
      expect(await card.locator('details[open] caption').textContent()).toContain('scored by model version 0');
      expect(await card.locator('details[open] tbody tr').count()).toBeGreaterThan(0);
      await card.getByRole('button', { name: /Save/ }).click();
      expect(await owner.page.locator('.govuk-error-summary').textContent()).toContain('Select whether this is the same person');
      await owner.page.locator(`#match-${match.id}`).getByLabel('No, reject').check();
      await owner.page.locator(`#match-${match.id}`).getByLabel('Reason').fill('Different date of birth on our record.');
      await owner.page.locator(`#match-${match.id}`).getByRole('button', { name: /Save/ }).click();
      expect(await owner.page.locator('.govuk-notification-banner__heading').textContent()).toBe('Your decision on the possible match is saved.');
      expect(await owner.page.locator(`#match-${match.id}`).count()).toBe(0);
    } finally {
      await owner.context.close();
    }
  });

  it('flags a child notified three times by different agencies, listing the earlier referrals, and filters the queue on it', async () => {
    const intake = await tokenIn(tmp.dir, 'referral-intake');
    const manager = await tokenIn(tmp.dir, 'hub-manager');
    for (const [n, agency] of [[2, 'police'], [3, 'health']] as const) {
      const example = EXAMPLE_REFERRAL as { concern: Record<string, unknown> };
      const response = await fetch(`${base()}/v1/referrals`, {
        method: 'POST',
        headers: { authorization: `Bearer ${intake}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...example, externalReference: `REPEAT-${n}`, concern: { ...example.concern, referrer: { agency } } }),
      });
      expect(response.status).toBe(202);
      await waitForPicture(base(), manager, ((await response.json()) as { id: string }).id, 60_000);
    }
    const { context, page } = await newPage({ javaScriptEnabled: true });
    try {
      await signIn(page, { name: 'Pat Manager', role: 'hub-manager' });
      await page.getByLabel('Repeat concern').selectOption('true');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      expect(await page.locator('tbody tr').filter({ hasText: 'REPEAT-3' }).textContent()).toContain('Repeat concern');
      expect(await page.locator('tbody tr').filter({ hasText: 'REPEAT-2' }).count()).toBe(0);
      await page.getByRole('link', { name: 'REPEAT-3' }).click();
      expect(await page.locator('#repeat-concern').textContent()).toMatch(/Repeat concern: 3 notifications about this child from 3 agencies/);
      expect(await page.locator('#repeat-concern-earlier li').count()).toBe(2);
      expect(await page.locator(`#repeat-concern-earlier a[href="/console/referrals/${referralId}"]`).count()).toBe(1);
      await expectAccessible(page, 'referral-repeat-concern');
    } finally {
      await context.close();
    }
  });

  it('lets the auditor verify the trail and search it, names shown as text; other roles get 403', async () => {
    const { context, page } = await newPage({ javaScriptEnabled: true });
    try {
      await signIn(page, { name: '<b>Audrey</b> Auditor', role: 'auditor' });
      expect(new URL(page.url()).pathname).toBe('/console/audit');
      await page.getByRole('button', { name: 'Verify the audit trail' }).click();
      expect(await page.locator('#verify-result').textContent()).toMatch(/^The audit trail is intact: \d+ entries chained/);
      await page.getByLabel('Referral').fill(referralId);
      await page.getByLabel('Action').fill('referral.received');
      await page.getByRole('button', { name: 'Search' }).click();
      expect(await page.locator('tbody tr').count()).toBe(1);
      expect(await page.locator('tbody tr').textContent()).toContain('referral.received');
      // The auditor's own verification is in the trail, with the name as it was given.
      await page.getByLabel('Referral').fill('');
      await page.getByLabel('Action').fill('audit.verified');
      await page.getByRole('button', { name: 'Search' }).click();
      expect(await page.locator('tbody tr').first().locator('td').nth(2).textContent()).toBe('<b>Audrey</b> Auditor');
      await expectAccessible(page, 'audit');
      await page.getByLabel('From').fill('5 December');
      await page.getByRole('button', { name: 'Search' }).click();
      expect(await page.title()).toMatch(/^Error: Audit trail/);
      expect(await page.locator('.govuk-error-summary a[href="#audit-from"]').count()).toBe(1);
      await expectAccessible(page, 'audit-errors');
    } finally {
      await context.close();
    }
    const manager = await newPage({ javaScriptEnabled: true });
    try {
      await signIn(manager.page, { name: 'Pat Manager', role: 'hub-manager' });
      expect((await manager.page.goto(`${base()}/console/audit`))?.status()).toBe(403);
    } finally {
      await manager.context.close();
    }
  });

  it('lets a connector administrator test a broken connector, fix it, see it healthy, and restore a version', async () => {
    if (deployment === undefined) throw new Error('no deployment');
    // Set-up through the API: a copy of the health connector, on a port where nothing listens.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const deadPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const health = deployment.simulators.connectors.find((c) => c.agency === 'health');
    if (health === undefined) throw new Error('no health simulator');
    const created = await fetch(`${base()}/v1/connectors`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await signToken(loadOrCreateSigningKey(tmp.dir), { sub: 'setup', role: 'connector-admin', agency: 'health' }, { issuer: 'mash-gateway', audience: 'mash-gateway' })}`, 'content-type': 'application/json' },
      body: JSON.stringify({ connector: { ...health, id: 'health-gp-new', baseUrl: `http://127.0.0.1:${deadPort}/fhir`, timeoutMs: 3_000 }, reason: 'The new GP system (synthetic).' }),
    });
    expect(created.status).toBe(201);

    const { context, page } = await newPage({ javaScriptEnabled: true });
    try {
      await signIn(page, { name: 'Alex Admin', role: 'connector-admin', agency: 'health' });
      expect(new URL(page.url()).pathname).toBe('/console/connectors');
      expect(await page.locator('tbody tr').filter({ hasText: 'health-gp-new' }).textContent()).toContain('Not yet used');
      await expectAccessible(page, 'connectors');
      await page.getByRole('link', { name: 'health-gp-new' }).click();
      await page.getByRole('button', { name: 'Test the connection' }).click();
      expect(await page.locator('#test-result').textContent()).toMatch(/failed at “connect”[\s\S]*nothing is listening at 127\.0\.0\.1:\d+/);
      expect(await page.locator('#connector-health').textContent()).toContain('Failing');
      await expectAccessible(page, 'connector-test-failed');

      await page.getByLabel('Endpoint URL').fill(health.baseUrl);
      await page.getByLabel('Why').fill(`Pointed at the GP system the hub reaches. ${HOSTILE_REFERENCE}`);
      await page.getByRole('button', { name: 'Save the endpoint' }).click();
      expect(await page.locator('.govuk-notification-banner__heading').textContent()).toBe('The new endpoint is saved as a new version.');
      expect(await page.locator('#connector-version').textContent()).toBe('2');
      // The administrator's reason, markup and all, is kept and shown as text in the version history.
      expect(await page.locator('tbody tr').filter({ hasText: 'Pointed at the GP system' }).textContent()).toContain(HOSTILE_REFERENCE);
      expect(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      await page.getByRole('button', { name: 'Test the connection' }).click();
      expect(await page.locator('#test-result').textContent()).toContain('The connection works.');
      expect(await page.locator('#connector-health').textContent()).toContain('Healthy');
      await expectAccessible(page, 'connector-healthy');

      await page.getByLabel('Why restore version 1').fill('Back to the first endpoint, to check restore.');
      await page.getByRole('button', { name: 'Restore version 1' }).click();
      expect(await page.locator('.govuk-notification-banner__heading').textContent()).toBe('The version is restored, as a new version.');
      expect(await page.locator('#connector-version').textContent()).toBe('3');
      expect(await page.locator('#connector-endpoint').textContent()).toBe(`http://127.0.0.1:${deadPort}/fhir`);
      // A connector the file declares is changed in the file, not here.
      await page.goto(`${base()}/console/connectors/${health.id}`);
      expect(await page.locator('body').textContent()).toContain('declared by the MASH_CONNECTORS file');
      // Another agency's connector is not this administrator's.
      const police = deployment.simulators.connectors.find((c) => c.agency === 'police');
      expect((await page.goto(`${base()}/console/connectors/${police?.id ?? ''}`))?.status()).toBe(403);
    } finally {
      await context.close();
    }
  });

  it("lists an agency's failed lookups to its administrator, and runs one again from the console", async () => {
    if (deployment === undefined) throw new Error('no deployment');
    // The education system refuses every search (a client error: failed for good, never retried by itself).
    deployment.simulators.agencies.education?.setFaults({ status: 400 });
    const manager = await tokenIn(tmp.dir, 'hub-manager');
    const response = await fetch(`${base()}/v1/referrals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await tokenIn(tmp.dir, 'referral-intake')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...(EXAMPLE_REFERRAL as object), externalReference: 'FAILING-EDUCATION' }),
    });
    const failingId = ((await response.json()) as { id: string }).id;
    await waitForPicture(base(), manager, failingId, 60_000);
    deployment.simulators.agencies.education?.setFaults({});

    const { context, page } = await newPage({ javaScriptEnabled: true });
    try {
      await signIn(page, { name: 'Eli Admin', role: 'connector-admin', agency: 'education' });
      await page.getByRole('link', { name: 'Failures' }).click();
      const rows = page.locator('tbody tr');
      expect(await rows.count()).toBeGreaterThan(0);
      for (const row of await rows.all()) expect(await row.textContent()).toContain('education');
      // No case content: ids, codes and counts only.
      expect(await page.locator('main').textContent()).not.toContain('FAILING-EDUCATION');
      await expectAccessible(page, 'failures');
      const first = rows.first();
      const lookupId = ((await first.getAttribute('id')) ?? '').replace(/^failure-/, '');
      await first.getByRole('button', { name: /Run again/ }).click();
      expect(await page.locator('.govuk-notification-banner__heading').textContent()).toBe('1 started again.');
      // The new run finishes done, with the failed one in its history.
      const done = await waitFor(async () => {
        const view = (await (await fetch(`${base()}/v1/referrals/${failingId}`, { headers: { authorization: `Bearer ${manager}` } })).json()) as { lookups: { id: string; status: string; history: unknown[] }[] };
        const lookup = view.lookups.find((l) => l.id === lookupId);
        return lookup?.status === 'done' ? lookup : undefined;
      }, 30_000, 'the lookup run again');
      expect(done.history).toHaveLength(1);
    } finally {
      await context.close();
    }
    // Police's administrator sees none of education's failures.
    const police = await newPage({ javaScriptEnabled: true });
    try {
      await signIn(police.page, { name: 'Pol Admin', role: 'connector-admin', agency: 'police' });
      await police.page.goto(`${base()}/console/failures`);
      expect(await police.page.locator('main').textContent()).not.toContain('education');
    } finally {
      await police.context.close();
    }
  });

  it('answers a connector administrator 403 on every case page, as the API does', async () => {
    const { context, page } = await newPage({ javaScriptEnabled: true });
    try {
      await signIn(page, { name: 'Alex Admin', role: 'connector-admin', agency: 'health' });
      for (const pathname of ['/console/referrals', `/console/referrals/${referralId}`, `/console/referrals/${referralId}/preview`, '/console/audit']) {
        const response = await page.goto(`${base()}${pathname}`);
        expect(response?.status(), pathname).toBe(403);
        expect(await page.locator('h1').textContent()).toBe('You cannot do this');
        expect(await page.content()).not.toContain('OR 1=1');
      }
      await expectAccessible(page, 'forbidden-connector-admin');
    } finally {
      await context.close();
    }
  });
});

describe('the console over HTTP', () => {
  /** Signs in with a plain form post; returns the session cookie and the page's form token. */
  async function signInOverHttp(form: Record<string, string>): Promise<{ cookie: string; setCookie: string; csrf: string }> {
    const response = await fetch(`${base()}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base() },
      body: new URLSearchParams(form).toString(),
    });
    expect(response.status).toBe(303);
    const setCookie = response.headers.get('set-cookie') ?? '';
    const cookie = setCookie.split(';')[0] ?? '';
    const queue = await fetch(`${base()}/console/referrals`, { headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await queue.text())?.[1] ?? '';
    return { cookie, setCookie, csrf };
  }

  it('sets an HttpOnly, SameSite=Strict session cookie; pages are not cached and carry a strict CSP', async () => {
    const { setCookie, cookie } = await signInOverHttp({ name: 'Pat Manager', role: 'hub-manager', agency: '' });
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toMatch(/Path=\/console/i);
    const page = await fetch(`${base()}/console/referrals/${referralId}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    // No case content in URLs: the page's links name referrals by id only.
    expect([...(await page.text()).matchAll(/href="([^"]+)"/g)].map((m) => m[1]).filter((href) => href?.includes('OR') === true)).toEqual([]);
  });

  it('refuses a form without the session token, and a form from another origin, changing nothing', async () => {
    const { cookie, csrf } = await signInOverHttp({ name: 'Pat Manager', role: 'hub-manager', agency: '' });
    expect(csrf.length).toBeGreaterThan(20);
    const forged = await fetch(`${base()}/console/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: base() },
      body: '_csrf=not-the-token',
    });
    expect(forged.status).toBe(403);
    expect(await forged.text()).toContain('this form has expired or did not come from this console');
    // Still signed in.
    expect((await fetch(`${base()}/console/referrals`, { headers: { cookie }, redirect: 'manual' })).status).toBe(200);

    const crossSite = await fetch(`${base()}/console/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(crossSite.status).toBe(403);
    expect((await fetch(`${base()}/console/referrals`, { headers: { cookie }, redirect: 'manual' })).status).toBe(200);

    const signOut = await fetch(`${base()}/console/sign-out`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', origin: base() },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(signOut.status).toBe(303);
    // Ended in the store: the same cookie, replayed, signs nobody in.
    const replay = await fetch(`${base()}/console/referrals`, { headers: { cookie }, redirect: 'manual' });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toBe('/console/sign-in');
  });

  it('validates the sign-in form: a practitioner must name an agency; an unknown role is refused', async () => {
    const missingAgency = await fetch(`${base()}/console/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base() },
      body: new URLSearchParams({ name: 'Sam', role: 'hub-practitioner', agency: '' }).toString(),
    });
    expect(missingAgency.status).toBe(400);
    expect(await missingAgency.text()).toContain('Select the agency you work for');
    const badRole = await fetch(`${base()}/console/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base() },
      body: new URLSearchParams({ name: 'Sam', role: 'host-system', agency: '' }).toString(),
    });
    expect(badRole.status).toBe(400);
    expect(await badRole.text()).toContain('Select your role');
  });
});
