/**
 * Outcome notifications to contributing agencies (DESIGN.md rule 8), co-located or
 * virtual partners alike: a small JSON document POSTed to the connector's feedback URL with an
 * Idempotency-Key, through the same bounded transport as every outbound call. It names the
 * outcome and the agency's own records that were found — never other agencies' content.
 */
import { z } from 'zod';
import { authorize, createTokenCache } from '../adapters/http/auth.ts';
import { exchangeWith, type BodyDecoder, type HttpEnvironment } from '../adapters/http/exchange.ts';
import type { ConnectorAuth, Orchestration } from '../adapters/port.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import { ok } from '../lib/result.ts';
import { Agency } from '../model/agency.ts';
import { Outcome } from '../model/product.ts';
import { Rag } from '../model/referral.ts';

export const OutcomeNotice = z.object({
  notificationId: z.string().min(1),
  referralId: z.uuid(),
  agency: Agency,
  outcome: Outcome,
  rag: Rag,
  decidedAt: z.iso.datetime({ offset: true }),
  /** The agency's own record ids the hub found and used, so it can link the outcome to them. */
  yourRecords: z.array(z.string()),
});
export type OutcomeNotice = z.infer<typeof OutcomeNotice>;

export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly status: number; readonly orchestrations: readonly Orchestration[] }
  | { readonly kind: 'retry'; readonly reason: string; readonly orchestrations: readonly Orchestration[] }
  | { readonly kind: 'rejected'; readonly reason: string; readonly orchestrations: readonly Orchestration[] };

export interface FeedbackSettings {
  readonly url: string;
  readonly auth: ConnectorAuth;
  readonly timeoutMs: number;
}

const ignoreBody: BodyDecoder<null> = () => ok(null);

export function createFeedbackNotifier(options: { fetch?: typeof globalThis.fetch; clock?: Clock } = {}) {
  const clock = options.clock ?? systemClock;
  const fetchImpl = options.fetch ?? ((input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init));
  const tokens = createTokenCache();

  return {
    async notify(notice: OutcomeNotice, settings: FeedbackSettings): Promise<DeliveryOutcome> {
      const orchestrations: Orchestration[] = [];
      const deadline = AbortSignal.timeout(settings.timeoutMs);
      const env: HttpEnvironment = { fetch: fetchImpl, clock, orchestrations, abortKind: () => 'timeout' };
      const auth = await authorize(settings.auth, tokens, { signal: deadline, env });
      if (!auth.ok) return { kind: 'retry', reason: auth.error.reason, orchestrations };
      const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': notice.notificationId };
      if (auth.value.header !== undefined) headers.authorization = auth.value.header;
      const result = await exchangeWith(
        { name: 'Outcome notification', method: 'POST', url: settings.url, headers, body: JSON.stringify(OutcomeNotice.parse(notice)), signal: deadline, maxBytes: 64 * 1024 },
        env,
        ignoreBody,
      );
      if (!result.ok) return { kind: 'retry', reason: `${result.error.failure.code}: ${result.error.failure.reason}`, orchestrations };
      const { status } = result.value;
      if (status >= 200 && status < 300) return { kind: 'delivered', status, orchestrations };
      if (status === 408 || status === 429 || status >= 500) return { kind: 'retry', reason: `the agency answered HTTP ${status}`, orchestrations };
      return { kind: 'rejected', reason: `the agency refused the notification (HTTP ${status})`, orchestrations };
    },
  };
}

export type FeedbackNotifier = ReturnType<typeof createFeedbackNotifier>;
