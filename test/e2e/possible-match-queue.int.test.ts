/**
 * The review queue of possible matches across referrals, through the composition root (`node
 * src/main.ts`, embedded store and in-process runner) over HTTP, its agencies simulated. The
 * example referral's household search finds the step-father's housing record agreeing on
 * household details alone: a subject-level possible match, owned by housing. Housing's connector
 * reveals nothing by itself here, so the owner decides who else sees it.
 * - two referrals about the same child: the queue lists both questions to housing, oldest first,
 *   with each referral's RAG and SLA; to police (who contributed) none; to the manager only the
 *   one housing revealed; pages and filters; bad queries answered 400 with a stable code;
 * - the console's queue page (chromium, axe-core): the same order, the SLA countdown, links to
 *   the referrals, the decision form's errors;
 * - deciding from the queue: 404 for a match the caller may not decide or that does not exist,
 *   the same decision and audit as within the referral, 409 once decided;
 * - a third referral about the same child does not ask again about the rejected record: it is out
 *   of that referral's picture; once the other question is confirmed (from the console's queue
 *   page), a fourth referral links the
 *   record (docs/decisions.md "A review queue of possible matches across referrals").
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { Picture } from '../../src/model/picture.ts';
import type { Role } from '../../src/model/principal.ts';
import { launchChromium, screenshot, seriousAxeViolations } from '../support/browser.ts';
import { makeTempDir } from '../support/tmp.ts';
import { EXAMPLE_REFERRAL, startGatewayOnSimulators, waitForPicture, type GatewayOnSimulators } from './support.ts';

interface QueueEntry {
  id: string;
  kind: string;
  referral: { id: string; externalReference: string | null; status: string; rag: string; sla: { dueAt: string; atRiskAt: string; standing: string; workingSecondsLeft: number } };
  agency: string;
  subjectRef: string | null;
  raisedAt: string;
  score: number;
  probability: number;
  evidence: { field: string; level: string; weight: number }[];
}
interface QueuePage {
  possibleMatches: QueueEntry[];
  next: string | null;
}

const tmp = makeTempDir('mash-e2e-match-queue-');
let deployment: GatewayOnSimulators;
let browser: Browser | undefined;
const url = (): string => deployment.gateway.url;

type Who = { role: Exclude<Role, 'hub-practitioner'> } | { role: 'hub-practitioner'; agency: Agency };
const MANAGER: Who = { role: 'hub-manager' };
const HOUSING: Who = { role: 'hub-practitioner', agency: 'housing' };
const POLICE: Who = { role: 'hub-practitioner', agency: 'police' };

const tokenOf = (who: Who): Promise<string> =>
  signToken(loadOrCreateSigningKey(tmp.dir), { sub: `e2e-${who.role}-${'agency' in who ? who.agency : 'hub'}`, role: who.role, agency: 'agency' in who ? who.agency : undefined }, { issuer: 'mash-gateway', audience: 'mash-gateway' });

async function call(who: Who, method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${url()}${route}`, {
    method,
    headers: { authorization: `Bearer ${await tokenOf(who)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function queue(who: Who, query = ''): Promise<QueuePage> {
  const response = await call(who, 'GET', `/v1/possible-matches${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as QueuePage;
}

async function picture(who: Who, referralId: string): Promise<Picture> {
  const response = await call(who, 'GET', `/v1/referrals/${referralId}/picture`);
  expect(response.status).toBe(200);
  return (await response.json()) as Picture;
}

async function submit(reference: string): Promise<string> {
  const response = await call({ role: 'referral-intake' }, 'POST', '/v1/referrals', { ...(EXAMPLE_REFERRAL as object), externalReference: reference });
  expect(response.status).toBe(202);
  const id = ((await response.json()) as { id: string }).id;
  await waitForPicture(url(), await tokenOf(MANAGER), id, 60_000);
  return id;
}

/** A signed-in console page (the embedded demonstration sign-in), in a context of its own. */
async function consoleAs(who: { name: string; role: 'hub-manager' | 'hub-practitioner'; agency?: Agency }): Promise<{ page: Page; close(): Promise<void> }> {
  if (browser === undefined) throw new Error('no browser');
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${url()}/console`);
  await page.getByLabel('Your name').fill(who.name);
  await page.locator(`input[name="role"][value="${who.role}"]`).check();
  await page.getByLabel('Your agency').selectOption(who.agency ?? '');
  await page.getByRole('button', { name: 'Sign in' }).click();
  return { page, close: () => context.close() };
}

async function expectAccessible(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect(await seriousAxeViolations(page), `axe on ${name}`).toEqual([]);
}

const reject = { decision: 'reject', reason: 'Not the step-father: the tenancy record is of his brother.' } as const;

beforeAll(async () => {
  // Housing reveals nothing by itself: its practitioner decides what the hub sees.
  deployment = await startGatewayOnSimulators(tmp.dir, { connectors: (declared) => declared.map((c) => (c.agency === 'housing' ? { ...c, autoReveal: [] } : c)) });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await deployment.stop();
  tmp.remove();
});

describe('the review queue of possible matches, through the real process', () => {
  let first: string;
  let second: string;
  let firstMatch: QueueEntry;
  let secondMatch: QueueEntry;

  it('lists the questions of two referrals to the owning agency, oldest first, with each referral\'s RAG and SLA', async () => {
    first = await submit('QUEUE-1');
    second = await submit('QUEUE-2');

    const housing = await queue(HOUSING);
    expect(housing.possibleMatches.map((m) => m.referral.id)).toEqual([first, second]);
    expect(housing.next).toBeNull();
    [firstMatch, secondMatch] = housing.possibleMatches as [QueueEntry, QueueEntry];
    expect(Date.parse(firstMatch.raisedAt)).toBeLessThan(Date.parse(secondMatch.raisedAt));
    for (const [entry, referralId, reference] of [[firstMatch, first, 'QUEUE-1'], [secondMatch, second, 'QUEUE-2']] as const) {
      // The same question the referral's picture asks its owner.
      expect((await picture(HOUSING, referralId)).possibleMatches.map((m) => m.id)).toEqual([entry.id]);
      const status = (await (await call(MANAGER, 'GET', `/v1/referrals/${referralId}`)).json()) as { sla: { dueAt: string; atRiskAt: string; standing: string } };
      expect(entry).toMatchObject({ kind: 'subject', agency: 'housing', referral: { id: referralId, externalReference: reference, rag: 'red', status: 'picture-ready', sla: status.sla } });
      expect(entry.subjectRef).toMatch(/^hh-2-\d$/);
      expect(entry.referral.sla.workingSecondsLeft).toEqual(expect.any(Number));
      expect(entry.score).toBeGreaterThan(0);
      expect(entry.probability).toBeGreaterThan(0);
      expect(entry.probability).toBeLessThan(1);
      expect(entry.evidence.length).toBeGreaterThan(0);
      // Levels and weights only: no names, birth dates or identifiers.
      expect(Object.keys(entry).sort()).toEqual(['agency', 'evidence', 'id', 'kind', 'probability', 'raisedAt', 'referral', 'score', 'subjectRef']);
      for (const evidence of entry.evidence) expect(Object.keys(evidence).sort()).toEqual(['field', 'level', 'weight']);
    }
    // The working time left is the SLA's: a red referral is due within four working hours.
    expect(firstMatch.referral.sla.workingSecondsLeft).toBeLessThanOrEqual(4 * 3600);
  });

  it('pages and filters the queue, and answers a bad query with a problem document', async () => {
    const page1 = await queue(HOUSING, '?limit=1');
    expect(page1.possibleMatches.map((m) => m.id)).toEqual([firstMatch.id]);
    expect(page1.next).toEqual(expect.any(String));
    const page2 = await queue(HOUSING, `?limit=1&cursor=${encodeURIComponent(page1.next ?? '')}`);
    expect(page2.possibleMatches.map((m) => m.id)).toEqual([secondMatch.id]);
    expect(page2.next).toBeNull();
    expect((await queue(HOUSING, '?kind=subject&agency=housing')).possibleMatches).toHaveLength(2);
    expect((await queue(HOUSING, '?kind=person-index')).possibleMatches).toEqual([]);
    expect((await queue(HOUSING, '?agency=police')).possibleMatches).toEqual([]);
    expect((await queue(HOUSING, `?referral=${second}`)).possibleMatches.map((m) => m.id)).toEqual([secondMatch.id]);

    for (const bad of ['?limit=0', '?limit=201', '?limit=many', '?kind=household', '?agency=fire-service', '?referral=QUEUE-1', '?sort=newest', '?cursor=bm90LWEtY3Vyc29y']) {
      const response = await call(HOUSING, 'GET', `/v1/possible-matches${bad}`);
      expect(response.status, bad).toBe(400);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(((await response.json()) as { code: string }).code, bad).toBe('REQUEST.INVALID');
    }
    // Roles without a queue are refused as such.
    expect((await call({ role: 'host-system' }, 'GET', '/v1/possible-matches')).status).toBe(403);
    expect((await call({ role: 'auditor' }, 'GET', '/v1/possible-matches')).status).toBe(403);
  });

  it('shows another agency none of them, and the manager only what the owner revealed', async () => {
    // Police contributed to both referrals (it reads them), yet decides none of housing's records.
    expect((await call(POLICE, 'GET', `/v1/referrals/${first}`)).status).toBe(200);
    expect((await queue(POLICE)).possibleMatches).toEqual([]);
    expect((await queue(MANAGER)).possibleMatches).toEqual([]);

    const candidate = (await picture(HOUSING, first)).possibleMatches[0]?.candidate;
    expect(candidate).toBeTruthy();
    expect((await call(HOUSING, 'POST', `/v1/referrals/${first}/items/${candidate?.itemId ?? ''}/reveal`)).status).toBe(200);
    const manager = await queue(MANAGER);
    expect(manager.possibleMatches.map((m) => m.id)).toEqual([firstMatch.id]);
    expect(manager.next).toBeNull();
    expect((await queue(POLICE)).possibleMatches).toEqual([]);
  });

  it('shows the queue in the console, oldest first with the SLA and a link to the referral, and checks the decision form', async () => {
    const housing = await consoleAs({ name: 'Hana Housing', role: 'hub-practitioner', agency: 'housing' });
    try {
      await housing.page.getByRole('link', { name: 'Possible matches' }).click();
      expect(new URL(housing.page.url()).pathname).toBe('/console/possible-matches');
      const rows = housing.page.locator('#match-queue tbody tr');
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).locator('th a').textContent()).toBe('QUEUE-1');
      expect(await rows.nth(1).locator('th a').textContent()).toBe('QUEUE-2');
      expect(await rows.nth(0).textContent()).toContain('Red');
      expect(await rows.nth(0).textContent()).toMatch(/of working time left|Overdue by/);
      expect(await rows.nth(0).locator('th a').getAttribute('href')).toBe(`/console/referrals/${first}`);
      await expectAccessible(housing.page, 'possible-matches-housing');

      // Saved without an answer: the GOV.UK error summary, linked to the field; nothing decided.
      await housing.page.locator(`#match-${firstMatch.id}`).getByRole('button', { name: /Save/ }).click();
      await expect.poll(() => housing.page.title()).toMatch(/^Error: Possible matches/);
      expect(await housing.page.locator('.govuk-error-summary').textContent()).toContain('Select whether this is the same person');
      expect(await housing.page.locator(`.govuk-error-summary a[href="#confirm-${firstMatch.id}"]`).count()).toBe(1);
      await expectAccessible(housing.page, 'possible-matches-errors');
      expect((await queue(HOUSING)).possibleMatches).toHaveLength(2);
    } finally {
      await housing.close();
    }
    const manager = await consoleAs({ name: 'Pat Manager', role: 'hub-manager' });
    try {
      await manager.page.goto(`${url()}/console/possible-matches`);
      const rows = manager.page.locator('#match-queue tbody tr');
      expect(await rows.count()).toBe(1);
      expect(await rows.nth(0).locator('th a').textContent()).toBe('QUEUE-1');
      await expectAccessible(manager.page, 'possible-matches-manager');
    } finally {
      await manager.close();
    }
  });

  it('decides from the queue with the referral\'s decision: 404 for what the caller may not decide, 409 once decided', async () => {
    // Not revealed: not the manager's to decide, nor even to know of.
    expect((await call(MANAGER, 'POST', `/v1/possible-matches/${secondMatch.id}`, reject)).status).toBe(404);
    const police = await call(POLICE, 'POST', `/v1/possible-matches/${firstMatch.id}`, reject);
    expect(police.status).toBe(404);
    expect(((await police.json()) as { code: string }).code).toBe('MATCH.NOT_FOUND');
    for (const unknown of ['smt_00000000000000000000000000000000', '00000000-0000-4000-8000-000000000000', 'no-such-match']) {
      const response = await call(MANAGER, 'POST', `/v1/possible-matches/${unknown}`, reject);
      expect(response.status, unknown).toBe(404);
      expect(((await response.json()) as { code: string }).code).toBe('MATCH.NOT_FOUND');
    }
    expect((await call({ role: 'host-system' }, 'POST', `/v1/possible-matches/${firstMatch.id}`, reject)).status).toBe(403);
    expect((await call(MANAGER, 'POST', `/v1/possible-matches/${firstMatch.id}`, { decision: 'maybe', reason: 'x' })).status).toBe(400);

    const decided = await call(MANAGER, 'POST', `/v1/possible-matches/${firstMatch.id}`, reject);
    expect(decided.status).toBe(200);
    expect(await decided.json()).toMatchObject({ matchId: firstMatch.id, referralId: first, kind: 'subject', decision: 'rejected', subjectRef: firstMatch.subjectRef });
    const again = await call(HOUSING, 'POST', `/v1/possible-matches/${firstMatch.id}`, { decision: 'confirm', reason: 'Second thoughts.' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { code: string }).code).toBe('MATCH.ALREADY_DECIDED');

    // The referral's own record of it: out of its picture, audited like every decision.
    expect((await picture(HOUSING, first)).possibleMatches).toEqual([]);
    const audit = await call({ role: 'auditor' }, 'GET', `/v1/audit/entries?referralId=${first}&action=identity.match-decided`);
    const entries = ((await audit.json()) as { entries: { actor: string; subject: string; detail: string }[] }).entries;
    expect(entries.map((e) => [e.actor, e.subject])).toEqual([['e2e-hub-manager-hub', firstMatch.id]]);
    expect(JSON.parse(entries[0]!.detail)).toMatchObject({ kind: 'subject', decision: 'rejected' });
    expect(entries[0]!.detail).not.toContain('brother');

    expect((await queue(MANAGER)).possibleMatches).toEqual([]);
    expect((await queue(HOUSING)).possibleMatches.map((m) => m.id)).toEqual([secondMatch.id]);
  });

  it('keeps the rejected record out of a later referral about the same child', async () => {
    const third = await submit('QUEUE-3');
    const housing = await picture(HOUSING, third);
    expect(housing.possibleMatches).toEqual([]);
    // The step-father is found again, his other agencies' records matched; housing's is not asked about again.
    const carer = housing.persons.find((p) => p.relationship === 'carer');
    expect(carer?.records.map((r) => r.agency).sort()).toEqual(['health', 'police', 'social-care']);
    expect(carer?.awaitingDecision).toEqual([]);
    // The earlier question of the second referral still waits; the third raised none.
    expect((await queue(HOUSING)).possibleMatches.map((m) => m.referral.id)).toEqual([second]);
    const audit = await call({ role: 'auditor' }, 'GET', `/v1/audit/entries?referralId=${third}&action=identity.match-decided`);
    const entries = ((await audit.json()) as { entries: { detail: string }[] }).entries;
    expect(entries.map((e) => JSON.parse(e.detail) as { cause: string; decision: string; decidedBy: string })).toEqual([
      expect.objectContaining({ cause: 'earlier-decision', decision: 'rejected', decidedBy: 'e2e-hub-manager-hub' }),
    ]);
  });

  it('links a record confirmed from the queue in a later referral about the same child (the latest answer holds)', async () => {
    // Confirmed from the console's queue page by housing's practitioner.
    const housingConsole = await consoleAs({ name: 'Hana Housing', role: 'hub-practitioner', agency: 'housing' });
    try {
      await housingConsole.page.goto(`${url()}/console/possible-matches`);
      const card = housingConsole.page.locator(`#match-${secondMatch.id}`);
      await card.getByLabel('Yes, confirm').check();
      await card.getByLabel('Reason').fill('The tenancy officer confirms he moved in this spring.');
      await card.getByRole('button', { name: /Save/ }).click();
      expect(await housingConsole.page.locator('.govuk-notification-banner__heading').textContent()).toBe('Your decision on the possible match is saved.');
      expect(await housingConsole.page.locator('#no-matches').count()).toBe(1);
      await expectAccessible(housingConsole.page, 'possible-matches-decided');
    } finally {
      await housingConsole.close();
    }
    expect((await queue(HOUSING)).possibleMatches).toEqual([]);
    expect((await call(HOUSING, 'POST', `/v1/possible-matches/${secondMatch.id}`, reject)).status).toBe(409);

    const fourth = await submit('QUEUE-4');
    const housing = await picture(HOUSING, fourth);
    expect(housing.possibleMatches).toEqual([]);
    const carer = housing.persons.find((p) => p.relationship === 'carer');
    expect(carer?.records.map((r) => [r.agency, r.outcome]).sort()).toEqual([['health', 'match'], ['housing', 'confirmed'], ['police', 'match'], ['social-care', 'match']]);
    expect((await queue(HOUSING)).possibleMatches).toEqual([]);
  });
});
