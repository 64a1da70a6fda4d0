/** The typed Hono environment shared by every route (CONVENTIONS.md §10) and the app's dependencies. */
import type { Pictures } from '../case/pictures.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { DeliveryScheduler, ResearchScheduler } from '../model/jobs.ts';
import type { Principal } from '../model/principal.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../store/vault.ts';
import type { SlaClock } from '../model/working-calendar.ts';
import type { Identity } from '../identity/index.ts';
import type { TokenVerifier } from './token-verifier.ts';
import type { RepeatConcernRule } from '../model/repeat-concern.ts';

export interface AppEnv {
  Variables: {
    principal: Principal;
    requestId: string;
  };
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
  /** When a child's notifications make a repeat concern (MASH_REPEAT_CONCERN_*); the hub's default without it. */
  readonly repeatConcernRule?: RepeatConcernRule | undefined;
  /** Largest request body accepted, in bytes. */
  readonly maxBodyBytes?: number | undefined;
}
