/**
 * What every console route shares: answering with a page, who is signed in, and reading a form
 * post (signed in, with this session's synchronizer token: src/gateway/console/session.ts).
 */
import type { Context } from 'hono';
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
