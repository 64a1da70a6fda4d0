/**
 * Bearer JWT on every /v1 route. No token or a bad one is a 401 problem with a
 * `WWW-Authenticate` challenge (RFC 6750 §3); each failure is written to the audit log.
 */
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import { recordAudit } from '../audit/log.ts';
import { MashError } from '../lib/errors.ts';
import type { Action } from '../case/policy.ts';
import { enforce, referralContext } from '../case/access.ts';
import type { AppDeps, AppEnv } from './env.ts';

export function bearerAuth(deps: Pick<AppDeps, 'verifyToken' | 'db' | 'clock'>) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization');
    const match = header === undefined ? null : /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
    if (match?.[1] === undefined) {
      throw new MashError('AUTH.MISSING_TOKEN', 'this route needs a bearer token (Authorization: Bearer <jwt>)');
    }
    try {
      c.set('principal', await deps.verifyToken(match[1]));
    } catch (error) {
      await recordAudit(deps.db, { at: deps.clock.now(), actor: 'anonymous', action: 'auth.failed', subject: `${c.req.method} ${routePath(c, -1)}` });
      throw error;
    }
    await next();
  });
}

/** Ask the policy function (with the referral's context when there is one); a denial is audited and answered 403. */
export async function requirePermission(
  c: { get(key: 'principal'): AppEnv['Variables']['principal'] },
  action: Action,
  deps: Pick<AppDeps, 'db' | 'vault' | 'clock'>,
  referralId?: string,
): Promise<void> {
  const context = referralId === undefined ? {} : { referral: await referralContext(deps.db, referralId) };
  await enforce(deps, c.get('principal'), action, context, referralId);
}
