/**
 * What every console route shares: answering with a page, who is signed in, and reading a form
 * post (signed in, with this session's synchronizer token: src/gateway/console/session.ts).
 */
import type { Context } from 'hono';
import { z } from 'zod';
import { MashError } from '../../lib/errors.ts';
import type { Markup } from './layout.ts';
import { checkCsrf, CSRF_FIELD, type ConsoleEnv, type ConsoleUser } from './session.ts';

export const render = async (c: Context<ConsoleEnv>, markup: Markup, status: 200 | 400 | 401 | 403 | 404 = 200): Promise<Response> => c.html(await markup, status);

export const signedInUser = (c: Context<ConsoleEnv>): ConsoleUser | undefined => c.get('user');

/** Pages for people signed in: anyone else is sent to sign in. */
export const requireUser = (c: Context<ConsoleEnv>): ConsoleUser | Response => signedInUser(c) ?? c.redirect('/console/sign-in', 303);

/** A form post: signed in, with this session's token; its fields as strings. */
export async function formOf(c: Context<ConsoleEnv>): Promise<{ user: ConsoleUser; form: Record<string, string> } | Response> {
  const user = requireUser(c);
  if (user instanceof Response) return user;
  const body = await c.req.parseBody();
  checkCsrf(user, body[CSRF_FIELD]);
  return { user, form: Object.fromEntries(Object.entries(body).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : []))) };
}

const MatchId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);
const MatchForm = z.object({ decision: z.enum(['confirm', 'reject']), reason: z.string().trim().min(1).max(2000) });

/** An error summary entry (GOV.UK error summary: the message, and the field it links to). */
export interface FieldError {
  readonly href: string;
  readonly text: string;
}

/**
 * A posted answer to a possible match, wherever the form stands (a referral's page, the review
 * queue): the match id from the address (MATCH.NOT_FOUND when it cannot be one) and either the
 * decision or the error summary's entries, each linking to its field.
 */
export function matchDecisionOf(
  matchIdParam: string | undefined,
  form: Record<string, string>,
): { readonly matchId: string } & ({ readonly decision: z.infer<typeof MatchForm> } | { readonly errors: FieldError[] }) {
  const matchId = MatchId.safeParse(matchIdParam);
  if (!matchId.success) throw new MashError('MATCH.NOT_FOUND', 'no possible match has this address');
  const parsed = MatchForm.safeParse({ decision: form.decision, reason: form.reason ?? '' });
  if (parsed.success) return { matchId: matchId.data, decision: parsed.data };
  const fields = new Set(parsed.error.issues.map((issue) => issue.path[0]));
  const errors = [
    ...(fields.has('decision') ? [{ href: `#confirm-${matchId.data}`, text: 'Select whether this is the same person' }] : []),
    ...(fields.has('reason') ? [{ href: `#reason-${matchId.data}`, text: 'Enter the reason for your decision' }] : []),
  ];
  return { matchId: matchId.data, errors };
}
