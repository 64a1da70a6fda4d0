/**
 * An in-process gateway over a real embedded store, seeded with one referral whose five agencies
 * each returned a few synthetic items — for the firewall's policy, workflow and product tests.
 */
import type { Hono } from 'hono';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createApp } from '../../src/gateway/app.ts';
import { createTokenVerifier } from '../../src/gateway/token-verifier.ts';
import type { SigningKey } from '../../src/gateway/embedded-key.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { stableId } from '../../src/lib/ids.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { AGENCIES, type Agency, type Sensitivity } from '../../src/model/agency.ts';
import type { Fact } from '../../src/model/fact.ts';
import type { DeliveryScheduler, ResearchScheduler } from '../../src/model/jobs.ts';
import type { Role } from '../../src/model/principal.ts';
import { ReferralInput } from '../../src/model/referral.ts';
import { lookupIdFor } from '../../src/research/plan.ts';
import type { Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { recordLookupOutcome } from '../../src/case/arrival.ts';
import { insertReferral } from '../../src/store/referrals.ts';
import { createVault, type Vault } from '../../src/store/vault.ts';
import type { Identity, PersonIndex } from '../../src/identity/index.ts';
import { testIdentity } from '../support/identity.ts';
import type { StoreKind } from '../support/stores.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { makeTempDir } from '../support/tmp.ts';
import { TEST_TOKEN_LIFETIME, testSigningKey, tokenFor } from '../support/tokens.ts';
import { testSla } from '../support/sla.ts';

export const EXAMPLE = ReferralInput.parse(JSON.parse(readFileSync(new URL('../../examples/referral.json', import.meta.url), 'utf8')));

export interface SeededItem {
  readonly id: string;
  readonly agency: Agency;
  readonly sensitivity: Sensitivity;
  readonly summary: string;
  readonly detail: string;
}

export interface FirewallHarness {
  readonly app: ReturnType<typeof createApp>;
  readonly db: Db;
  /** The PostgreSQL the harness runs on, or undefined on PGlite. */
  readonly databaseUrl: string | undefined;
  readonly vault: Vault;
  readonly personIndex: PersonIndex;
  /** Identity as the app uses it (test/support/identity.ts). */
  readonly identity: Identity;
  readonly clock: ReturnType<typeof fixedClock>;
  /** The key the app's token verifier trusts, for tests that sign tokens of their own. */
  readonly signingKey: SigningKey;
  token(role: Role, agency?: Agency, sub?: string): Promise<string>;
  /** Seed a referral with items of the given agencies (default all five); returns its id and items. */
  seedReferral(agencies?: readonly Agency[]): Promise<{ referralId: string; items: SeededItem[] }>;
  close(): Promise<void>;
}

const SENSITIVITIES: readonly Sensitivity[] = ['open', 'sensitive', 'restricted'];

/**
 * With `store`, the harness runs on a fresh store of that kind (test/support/stores.ts), thrown
 * away on close; with `databaseUrl`, on that PostgreSQL; otherwise on embedded PGlite. With
 * `deliveries`, the app hands committed outbox messages to it, as src/main.ts wires the engine.
 */
export async function startFirewallHarness(
  options: { databaseUrl?: string; store?: StoreKind; deliveries?: DeliveryScheduler; scheduler?: ResearchScheduler; queueDashboard?: Hono } = {},
): Promise<FirewallHarness> {
  const provisioned = await options.store?.provision();
  const tmp = makeTempDir('mash-firewall-');
  const databaseUrl = provisioned?.databaseUrl ?? options.databaseUrl;
  // Embedded: the run's empty cluster, copied (test/support/templates.ts); migrated from zero below.
  if (databaseUrl === undefined) seedEmbeddedStore(tmp.dir);
  const db = await openStore({ databaseUrl, dataDir: tmp.dir });
  const masterKey = randomBytes(32);
  const vault = createVault(masterKey);
  const clock = fixedClock(new Date('2026-11-21T09:00:00Z'));
  const identity = testIdentity({ db, vault, clock, masterKey });
  const key = testSigningKey();
  const app = createApp({ sla: testSla,
    db,
    vault,
    identity,
    clock,
    logger: silentLogger(),
    auditKeys: new Map(),
    scheduler: options.scheduler ?? { schedule: () => Promise.resolve(), reprioritise: () => Promise.resolve(), ping: () => Promise.resolve(true) },
    deliveries: options.deliveries,
    queueDashboard: options.queueDashboard,
    verifyToken: createTokenVerifier({ publicKey: key.publicKey, issuer: 'mash-gateway', audience: 'mash-gateway', ...TEST_TOKEN_LIFETIME }),
    // GET /metrics as the gateway serves it by default (MASH_METRICS_ON_GATEWAY=on).
    metricsExposition: { contentType: 'text/plain; version=0.0.4; charset=utf-8', text: () => Promise.resolve('# HELP mash_test A harness series.\n') },
  });

  return {
    app,
    db,
    databaseUrl,
    vault,
    personIndex: identity.personIndex,
    identity,
    clock,
    signingKey: key,
    token: (role, agency, sub) => (sub === undefined ? tokenFor(key, role, agency) : tokenForSub(key, role, agency, sub)),
    async seedReferral(agencies = AGENCIES) {
      const referralId = randomUUID();
      const at = clock.now();
      const lookups = agencies.map((agency) => ({ id: lookupIdFor(referralId, `${agency}-sim`, 'child-1'), connectorId: `${agency}-sim`, agency, subjectRef: 'child-1', status: 'queued' as const, lawfulBasis: 'children-act-1989-s47' as const, reason: null }));
      await db.transaction((tx) => insertReferral(tx, vault, { id: referralId, idempotencyKey: null, input: EXAMPLE, receivedAt: at, slaDueAt: at, slaAtRiskAt: at, submittedBy: 'seed', lookups }));
      const items: SeededItem[] = [];
      for (const lookup of lookups) {
        const facts: Fact[] = SENSITIVITIES.map((sensitivity, n) => {
          const summary = `Synthetic ${lookup.agency} ${sensitivity} summary ${n} ${referralId.slice(0, 8)}`;
          const detail = `Synthetic ${lookup.agency} ${sensitivity} detail ${n} ${referralId.slice(0, 8)}`;
          const id = stableId('fact', lookup.id, `rec-${n}`, 'event');
          items.push({ id, agency: lookup.agency, sensitivity, summary, detail });
          return {
            id,
            kind: 'event',
            personRef: `Record/${lookup.agency}-1`,
            eventKind: 'incident',
            date: '2026-09-12',
            summary,
            detail,
            provenance: {
              agency: lookup.agency,
              connectorId: lookup.connectorId,
              sourceSystem: `Synthetic ${lookup.agency} system`,
              sourceRecordId: `rec-${n}`,
              lookupId: lookup.id,
              retrievedAt: at.toISOString(),
              lawfulBasis: 'children-act-1989-s47',
              sensitivity,
            },
          };
        });
        await db.transaction((tx) => recordLookupOutcome(tx, vault, { lookupId: lookup.id, referralId, status: 'done', reason: null, facts, orchestrations: [], at, autoReveal: ['open'] }));
      }
      return { referralId, items };
    },
    async close() {
      await db.close();
      tmp.remove();
      await provisioned?.stop();
    },
  };
}

async function tokenForSub(key: ReturnType<typeof testSigningKey>, role: Role, agency: Agency | undefined, sub: string): Promise<string> {
  const { signToken } = await import('../../src/gateway/embedded-key.ts');
  return signToken(key, { sub, role, agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });
}
