/**
 * The console's case pages (docs/decisions.md "The hub console"): the referral queue, a
 * referral's picture, the owners' item decisions, possible matches, and the manager's decision,
 * preview and publication — all through the case module, so the policy decides as on the API.
 */
import type { Context, Hono } from 'hono';
import { z } from 'zod';
import type { Cases } from '../../case/repository.ts';
import { MashError } from '../../lib/errors.ts';
import { Picture } from '../../model/picture.ts';
import { Rag, ReferralStatus } from '../../model/referral.ts';
import type { AppDeps } from '../env.ts';
import { DecisionBody, PublishBody, ReleaseBody } from '../routes/case.ts';
import { factsSection, managerSection, previewBody, releaseRestSection, undecidedBody } from './case-pages.ts';
import { formOf, matchDecisionOf, render, requireUser } from './kit.ts';
import { page } from './layout.ts';
import { queuePage, referralPage } from './pages.ts';
import { chronologySection, familySection, possibleMatchesSection, recordsSection } from './people.ts';
import type { ConsoleEnv, ConsoleUser } from './session.ts';

const QueueQuery = z
  .object({
    sla: z.union([z.literal(''), z.enum(['on-track', 'at-risk', 'breached'])]).optional(),
    rag: z.union([z.literal(''), Rag]).optional(),
    status: z.union([z.literal(''), ReferralStatus]).optional(),
    repeatConcern: z.enum(['', 'true', 'false']).optional(),
    cursor: z.string().min(1).max(200).optional(),
  })
  .strict();

const ReferralId = z.uuid();

/** Registers the case pages on the console app (its headers, session and error pages apply). */
export function registerCaseRoutes(app: Hono<ConsoleEnv>, deps: AppDeps, cases: Cases): void {
  app.get('/console/referrals', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    const query = QueueQuery.safeParse(c.req.query());
    const filters = query.success ? query.data : {};
    const list = await cases.of(user.principal).list({
      sla: filters.sla === '' ? undefined : filters.sla,
      rag: filters.rag === '' ? undefined : filters.rag,
      status: filters.status === '' ? undefined : filters.status,
      repeatConcern: filters.repeatConcern === undefined || filters.repeatConcern === '' ? undefined : filters.repeatConcern === 'true',
      cursor: filters.cursor,
      limit: 50,
    });
    return render(c, queuePage(user, list, filters, { now: deps.clock.now(), calendar: deps.sla.calendar }));
  });

  /** What a change that succeeded says on the page it returns to (codes, never content, in the URL). */
  const NOTICES: Readonly<Record<string, string>> = {
    revealed: 'The item is revealed to the hub.',
    released: 'Your release decision is saved.',
    'released-rest': 'Your undecided items are released.',
    decided: 'Your decision is recorded; the contributing agencies will hear the outcome.',
    matched: 'Your decision on the possible match is saved.',
    published: 'The product is published to the host case system.',
  };

  const referralIdOf = (c: Context<ConsoleEnv>): string => {
    const id = ReferralId.safeParse(c.req.param('id'));
    if (!id.success) throw new MashError('REFERRAL.NOT_FOUND', 'no referral has this address');
    return id.data;
  };

  /** The referral's page: its status, and what this user may see and do of its picture. */
  const showReferral = async (c: Context<ConsoleEnv>, user: ConsoleUser, id: string, extra: { notice?: string | undefined; errors?: { href: string; text: string }[]; status?: 200 | 400 } = {}): Promise<Response> => {
    const repository = cases.of(user.principal);
    const view = await repository.status(id);
    const picture = Picture.parse(JSON.parse((await repository.picture(id)).json));
    const chronology = { agency: c.req.query('agency'), kind: c.req.query('kind') };
    const sections = [possibleMatchesSection(user, id, picture), familySection(picture), recordsSection(picture), chronologySection(id, picture, chronology), releaseRestSection(user, id, picture), factsSection(user, id, picture), managerSection(user, id)];
    return render(c, referralPage(user, view, { now: deps.clock.now(), calendar: deps.sla.calendar }, { sections, notice: extra.notice, errors: extra.errors }), extra.status ?? 200);
  };

  app.get('/console/referrals/:id', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    const done = c.req.query('done');
    return showReferral(c, user, referralIdOf(c), { notice: done === undefined ? undefined : NOTICES[done] });
  });

  const backTo = (c: Context<ConsoleEnv>, id: string, done: keyof typeof NOTICES, anchor = ''): Response => c.redirect(`/console/referrals/${id}?done=${done}${anchor}`, 303);
  const ItemId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);
  const itemIdOf = (c: Context<ConsoleEnv>): string => {
    const itemId = ItemId.safeParse(c.req.param('itemId'));
    if (!itemId.success) throw new MashError('ITEM.NOT_FOUND', 'no item has this address');
    return itemId.data;
  };

  app.post('/console/referrals/:id/items/release-undecided', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = referralIdOf(c);
    const rationale = (posted.form.rationale ?? '').trim();
    if (rationale === '') return showReferral(c, posted.user, id, { errors: [{ href: '#release-rest-rationale', text: 'Enter the rationale for releasing your undecided items' }], status: 400 });
    const repository = cases.of(posted.user.principal);
    const picture = Picture.parse(JSON.parse((await repository.picture(id)).json));
    const undecided = picture.items.filter((item) => item.agency === posted.user.principal.agency && item.release === null);
    for (const item of undecided) {
      if (!item.revealed) await repository.reveal(id, item.itemId);
      await repository.decideRelease(id, item.itemId, { decision: 'release', rationale });
    }
    return backTo(c, id, 'released-rest');
  });

  app.post('/console/referrals/:id/items/:itemId/reveal', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = referralIdOf(c);
    const itemId = itemIdOf(c);
    await cases.of(posted.user.principal).reveal(id, itemId);
    return backTo(c, id, 'revealed', `#item-${itemId}`);
  });

  app.post('/console/referrals/:id/items/:itemId/release', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = referralIdOf(c);
    const itemId = itemIdOf(c);
    const { form } = posted;
    const field = (form.redactField ?? '').trim();
    const replacement = (form.redactReplacement ?? '').trim();
    const contact = (form.signpost ?? '').trim();
    const errors: { href: string; text: string }[] = [];
    if (form.decision === undefined) errors.push({ href: `#release-${itemId}`, text: 'Select release, redact or withhold' });
    if (form.decision === 'redact' && (field === '' || replacement === '')) errors.push({ href: `#field-${itemId}`, text: 'Select the field to redact and enter what is shown instead' });
    if (form.decision === 'withhold' && contact === '') errors.push({ href: `#signpost-${itemId}`, text: 'Enter who to contact about the withheld item' });
    const parsed = ReleaseBody.safeParse({
      decision: form.decision,
      rationale: form.rationale ?? '',
      ...(form.decision === 'redact' && field !== '' && replacement !== '' ? { redactions: [{ field, replacement }] } : {}),
      ...(form.decision === 'withhold' && contact !== '' ? { signpost: { contact } } : {}),
    });
    if (!parsed.success && errors.length === 0) errors.push({ href: `#rationale-${itemId}`, text: 'Enter the rationale for your decision' });
    if (errors.length > 0 || !parsed.success) return showReferral(c, posted.user, id, { errors, status: 400 });
    await cases.of(posted.user.principal).decideRelease(id, itemId, parsed.data);
    return backTo(c, id, 'released', `#item-${itemId}`);
  });

  app.post('/console/referrals/:id/matches/:matchId', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = referralIdOf(c);
    const answer = matchDecisionOf(c.req.param('matchId'), posted.form);
    if ('errors' in answer) return showReferral(c, posted.user, id, { errors: answer.errors, status: 400 });
    await cases.of(posted.user.principal).decidePossibleMatch(id, answer.matchId, answer.decision);
    return backTo(c, id, 'matched');
  });

  app.post('/console/referrals/:id/decision', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = referralIdOf(c);
    const parsed = DecisionBody.safeParse({ rag: posted.form.rag, outcome: posted.form.outcome, rationale: posted.form.rationale ?? '' });
    if (!parsed.success) {
      const fields = new Set(parsed.error.issues.map((issue) => issue.path[0]));
      const errors = [
        ...(fields.has('rag') ? [{ href: '#decision-rag-red', text: 'Select the RAG rating' }] : []),
        ...(fields.has('outcome') ? [{ href: '#decision-outcome', text: 'Select the outcome' }] : []),
        ...(fields.has('rationale') ? [{ href: '#decision-rationale', text: 'Enter the rationale for your decision' }] : []),
      ];
      return showReferral(c, posted.user, id, { errors, status: 400 });
    }
    await cases.of(posted.user.principal).decide(id, parsed.data);
    return backTo(c, id, 'decided');
  });

  /** The preview, or (items undecided) the offer to withhold them by default. */
  const showPreview = async (c: Context<ConsoleEnv>, user: ConsoleUser, id: string, withholdRationale: string | undefined, error?: string): Promise<Response> => {
    if (error !== undefined) return render(c, page({ title: 'Product preview', user, current: '/console/referrals', errors: [{ href: '#withhold-rationale', text: error }] }, undecidedBody(user, id, '', error)), 400);
    try {
      const product = await cases.of(user.principal).preview(id, withholdRationale === undefined ? {} : { withholdUndecided: { rationale: withholdRationale } });
      return await render(c, page({ title: 'Product preview', user, current: '/console/referrals' }, previewBody(user, id, product, withholdRationale)));
    } catch (failure) {
      if (!(failure instanceof MashError) || failure.code !== 'PUBLICATION.UNDECIDED_ITEMS') throw failure;
      return render(c, page({ title: 'Product preview', user, current: '/console/referrals' }, undecidedBody(user, id, failure.message.split(';')[0] ?? failure.message, undefined)));
    }
  };

  app.get('/console/referrals/:id/preview', async (c) => {
    const user = requireUser(c);
    if (user instanceof Response) return user;
    return showPreview(c, user, referralIdOf(c), undefined);
  });

  // A rationale is case content: it travels in the form's body, never in the URL.
  app.post('/console/referrals/:id/preview', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const rationale = (posted.form.withholdRationale ?? '').trim();
    const id = referralIdOf(c);
    if (rationale === '' || rationale.length > 4000) return showPreview(c, posted.user, id, undefined, 'Enter why the undecided items are withheld (at most 4000 characters)');
    return showPreview(c, posted.user, id, rationale);
  });

  app.post('/console/referrals/:id/publish', async (c) => {
    const posted = await formOf(c);
    if (posted instanceof Response) return posted;
    const id = referralIdOf(c);
    const parsed = PublishBody.safeParse(posted.form.withholdRationale === undefined ? {} : { withholdUndecided: { rationale: posted.form.withholdRationale } });
    if (!parsed.success) throw new MashError('REQUEST.INVALID', 'the rationale for withholding undecided items is missing or too long: preview again');
    await cases.of(posted.user.principal).publish(id, parsed.data);
    return backTo(c, id, 'published');
  });
}
