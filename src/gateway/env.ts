/** The typed Hono environment shared by every route (CONVENTIONS.md §10) and the app's dependencies. */
import type { Hono } from 'hono';
import type { Pictures } from '../case/pictures.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import type { DeliveryScheduler, ResearchScheduler } from '../model/jobs.ts';
import type { Principal } from '../model/principal.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../store/vault.ts';
import type { SlaClock } from '../model/working-calendar.ts';
import type { Identity } from '../identity/index.ts';
import type { TokenVerifier } from './token-verifier.ts';
import type { OidcOptions } from '../config.ts';
import type { RepeatConcernRule } from '../model/repeat-concern.ts';

export interface AppEnv {
  Variables: {
    principal: Principal;
    requestId: string;
  };
}

/** How the hub console (src/gateway/console) signs people in and sets its cookies. */
export interface ConsoleOptions {
  /** Sign-in through the identity provider, when configured. */
  readonly oidc?: OidcOptions | undefined;
  /**
   * The demonstration sign-in (choose a role): embedded mode only, where every person is
   * synthetic. A deployment signs staff in through its identity provider.
   */
  readonly demoSignIn: boolean;
  /** Served over TLS (directly or behind a proxy that terminates it): `Secure` and the `__Host-` prefix. */
  readonly secureCookies: boolean;
  /** How long a session lasts from sign-in. */
  readonly sessionMinutes: number;
}

export interface AppDeps {
  readonly db: Db;
  readonly vault: Vault;
  /** Identity, built once by the composition root: the picture's people, possible-match decisions. */
  readonly identity: Identity;
  readonly scheduler: ResearchScheduler;
  /** Where committed outbox messages (publications, outcome notices) are handed for delivery at once. */
  readonly deliveries?: DeliveryScheduler | undefined;
  readonly verifyToken: TokenVerifier;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The working-hours SLA clock (DESIGN.md rule 4), built once from configuration. */
  readonly sla: SlaClock;
  /** Base for absolute `Location` headers; the request's own origin when unset. */
  readonly publicUrl?: string | undefined;
  /** Public keys (SPKI PEM by key id) that may have signed audit checkpoints. */
  readonly auditKeys: ReadonlyMap<string, string>;
  /** The stored pictures, rebuilt in the background after changes (src/main.ts); without them, reads rebuild what they find stale. */
  readonly pictures?: Pictures | undefined;
  /** The hub console (src/gateway/console): how people sign in and how its cookies are set. Without it, no console. */
  readonly console?: ConsoleOptions | undefined;
  /** Where connector secret references (`{"env": …}`) resolve for a live test: the process environment (src/main.ts). */
  readonly connectorEnv?: Readonly<Record<string, string | undefined>> | undefined;
  /** When a child's notifications make a repeat concern (MASH_REPEAT_CONCERN_*); the hub's default without it. */
  readonly repeatConcernRule?: RepeatConcernRule | undefined;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes?: number | undefined;
  /** The read-only queue dashboard (src/queue/dashboard.ts), mounted at /admin/queues; only with the distributed engine. */
  readonly queueDashboard?: Hono | undefined;
  /** Where the case's release decisions and publications are counted (src/lib/metrics.ts). */
  readonly metrics?: Metrics | undefined;
  /**
   * The Prometheus exposition served at GET /metrics behind bearer auth and `metrics:read`
   * (src/gateway/routes/metrics.ts); without it the route does not exist (MASH_METRICS_ON_GATEWAY=off).
   */
  readonly metricsExposition?: MetricsExposition | undefined;
}

/** The text of a metrics scrape and its Content-Type. */
export interface MetricsExposition {
  readonly contentType: string;
  text(): Promise<string>;
}
