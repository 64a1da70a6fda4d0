/**
 * The hub's work on one referral, through the console in a real browser against the real process
 * (`node src/main.ts`, embedded, agencies and host simulated): a police practitioner — with
 * JavaScript off — withholds one item with a signpost and releases the rest; a health practitioner
 * redacts a field; the manager records RAG and outcome, previews the product and publishes it; the
 * host case system receives exactly what was previewed. Each page is checked with axe-core.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { productSubstanceHash } from '../../src/case/product.ts';
import { Product } from '../../src/model/product.ts';
import { waitFor } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { launchChromium, screenshot, seriousAxeViolations } from '../support/browser.ts';
import { startGatewayOnSimulators, submitExample, tokenIn, waitForPicture, type GatewayOnSimulators } from '../e2e/support.ts';

/** Free text people type, carrying markup and SQL-looking text: it must reach the pages, and the host, as inert text. */
const HOSTILE = `<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'); DROP TABLE referrals;--`;
const SIGNPOST = `DS Jane Doe, Public Protection Unit, 01234 567890 ${HOSTILE}`;
const tmp = makeTempDir('mash-console-journey-');
let deployment: GatewayOnSimulators | undefined;
let browser: Browser | undefined;
let referralId = '';

beforeAll(async () => {
  deployment = await startGatewayOnSimulators(tmp.dir);
  browser = await launchChromium();
  referralId = await submitExample(deployment.gateway.url, await tokenIn(tmp.dir, 'referral-intake'));
  await waitForPicture(deployment.gateway.url, await tokenIn(tmp.dir, 'hub-manager'), referralId, 60_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await deployment?.stop();
  tmp.remove();
});

async function session(who: { name: string; role: string; agency?: string }, javaScriptEnabled: boolean): Promise<Page> {
  if (browser === undefined || deployment === undefined) throw new Error('not started');
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, javaScriptEnabled });
  // A step that cannot find its control fails within seconds, naming it.
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.goto(`${deployment.gateway.url}/console`);
  await page.getByLabel('Your name').fill(who.name);
  await page.locator(`input[name="role"][value="${who.role}"]`).check();
  await page.getByLabel('Your agency').selectOption(who.agency ?? '');
  await page.getByRole('button', { name: 'Sign in' }).click();
  // From the queue, as a practitioner would: the referral's row.
  await page.locator(`a[href="/console/referrals/${referralId}"]`).click();
  expect(new URL(page.url()).pathname).toBe(`/console/referrals/${referralId}`);
  return page;
}

/** A screenshot, and axe where scripts may run (with JavaScript off, the same page is checked in a scripted run). */
async function checked(page: Page, name: string, scripted = true): Promise<void> {
  await screenshot(page, name);
  if (scripted) expect(await seriousAxeViolations(page), `axe on ${name}`).toEqual([]);
}

const notice = (page: Page): Promise<string | null> => page.locator('.govuk-notification-banner__heading').textContent();

describe('a referral worked through the console', () => {
  it('police withhold one item and release the rest, health redact a field, the manager previews and publishes what the host receives', async () => {
    if (deployment === undefined) throw new Error('not started');

    // Police, without JavaScript: the decision forms are plain HTML (<details> opens natively).
    const police = await session({ name: 'Sam Police', role: 'hub-practitioner', agency: 'police' }, false);
    const owned = police.locator('li.mash-fact:has(details)');
    expect(await owned.count()).toBeGreaterThan(1);
    const withheld = owned.first();
    const withheldId = ((await withheld.getAttribute('id')) ?? '').replace(/^item-/, '');
    await withheld.locator('summary').click();
    await withheld.getByLabel('Withhold, with a signpost').check();
    await withheld.getByLabel('Rationale').fill('Live investigation: disclosure would prejudice it.');
    await withheld.getByLabel('Who to contact (for a withheld item)').fill(SIGNPOST);
    await withheld.getByRole('button', { name: /Save decision/ }).click();
    expect(await notice(police)).toBe('Your release decision is saved.');
    await checked(police, 'journey-police-withheld', false);
    await police.getByLabel(/Release the \d+ items of yours still undecided/).fill('Relevant to the child\'s safety; proportionate to share.');
    await police.getByRole('button', { name: 'Release the rest' }).click();
    expect(await notice(police)).toBe('Your undecided items are released.');
    expect(await police.locator('li.mash-fact:has(details)').filter({ hasText: 'no release decision yet' }).count()).toBe(0);
    await police.context().close();

    // Health redacts one field of one item.
    const health = await session({ name: 'Jo Health', role: 'hub-practitioner', agency: 'health' }, true);
    const redacted = health.locator('li.mash-fact:has(details)').first();
    const redactedId = ((await redacted.getAttribute('id')) ?? '').replace(/^item-/, '');
    await redacted.locator('summary').click();
    await redacted.getByLabel('Release with a field redacted').check();
    const field = await redacted.getByLabel('Field to redact (for a redaction)').locator('option:not([value=""])').first().getAttribute('value');
    expect(field).not.toBeNull();
    await redacted.getByLabel('Field to redact (for a redaction)').selectOption(field ?? '');
    await redacted.getByLabel('Shown instead (for a redaction)').fill(`Detail held by the GP practice ${HOSTILE}`);
    await redacted.getByLabel('Rationale').fill('Third-party information.');
    await redacted.getByRole('button', { name: /Save decision/ }).click();
    expect(await notice(health)).toBe('Your release decision is saved.');
    await checked(health, 'journey-health-redacted');
    await health.context().close();

    // The manager decides, previews and publishes.
    const manager = await session({ name: 'Pat Manager', role: 'hub-manager' }, true);
    await manager.getByRole('button', { name: 'Record decision' }).click();
    expect(await manager.locator('.govuk-error-summary').textContent()).toContain('Select the RAG rating');
    await checked(manager, 'journey-manager-decision-errors');
    await manager.getByLabel('Amber').check();
    await manager.getByLabel('Outcome').selectOption('strategy-discussion');
    await manager.getByLabel('Rationale', { exact: true }).fill(`Domestic abuse at home; a strategy discussion today. ${HOSTILE}`);
    await manager.getByRole('button', { name: 'Record decision' }).click();
    expect(await notice(manager)).toBe('Your decision is recorded; the contributing agencies will hear the outcome.');
    await manager.getByRole('link', { name: 'Preview the product' }).click();
    // Education, housing and children's social care have not decided: the manager withholds theirs by default.
    expect(await manager.locator('h1').textContent()).toBe('Some items have no release decision');
    await checked(manager, 'journey-manager-undecided');
    await manager.getByLabel('Why publish with undecided items withheld').fill(`Red-rated strategy discussion today; the other agencies are told to follow up. ${HOSTILE}`);
    await manager.getByRole('button', { name: 'Preview with undecided items withheld' }).click();
    const fingerprint = await manager.locator('#preview-fingerprint').textContent();
    const previewedItems = await Promise.all((await manager.locator('[data-item]').all()).map((node) => node.getAttribute('data-item')));
    expect(await manager.locator('#preview-signposts').textContent()).toContain(SIGNPOST);
    // Every free text typed on the way is on the preview as text, and none of it ran.
    expect(await manager.locator('#preview-withheld').textContent()).toContain(HOSTILE);
    expect(await manager.locator('main').textContent()).toContain(`strategy discussion today. ${HOSTILE}`);
    expect(await manager.locator('main script, main img[src="x"]').count()).toBe(0);
    expect(await manager.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(previewedItems).not.toContain(withheldId);
    expect(previewedItems).toContain(redactedId);
    await checked(manager, 'journey-manager-preview');
    await manager.getByRole('button', { name: 'Publish to the host case system' }).click();
    expect(await notice(manager)).toBe('The product is published to the host case system.');
    await manager.context().close();

    // The host holds the version the manager previewed: same substance, same items, the signpost, the redaction.
    const host = deployment.simulators.host;
    const received = await waitFor(() => Promise.resolve(host.received().length > 0 ? host.received() : undefined), 30_000, 'the host to receive the product');
    expect(received).toHaveLength(1);
    const product = Product.parse(received[0]?.body);
    expect(productSubstanceHash(product)).toBe(fingerprint);
    expect(product.items.map((i) => i.itemId)).toEqual(previewedItems);
    expect(product.decision).toMatchObject({ rag: 'amber', outcome: 'strategy-discussion' });
    expect(product.signposts.find((s) => s.agency === 'police')?.contact).toBe(SIGNPOST);
    const redactedItem = product.items.find((i) => i.itemId === redactedId);
    expect(redactedItem).toMatchObject({ disposition: 'redacted', redactedFields: [field] });
    expect(JSON.stringify(redactedItem?.content)).toContain('Detail held by the GP practice');
    expect(product.decision.rationale).toContain(HOSTILE);
    expect(product.withheldByDefault?.itemCount).toBeGreaterThan(0);
  }, 180_000);
});
