/**
 * Running one lookup: the body of the lookup job. Idempotent — a lookup that already finished
 * is left alone, and its outcome, its facts and its audit entry are written in one transaction,
 * so a crash at any point leaves it either unrecorded (and retried) or recorded exactly once.
 */
import type { SubjectQuery } from '../adapters/port.ts';
import { auditRow } from '../audit/log.ts';
import { describeError } from '../lib/errors.ts';
import { sha256Hex } from '../lib/ids.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { Metrics } from '../lib/metrics.ts';
import { Fact } from '../model/fact.ts';
import type { LookupJobData } from '../model/jobs.ts';
import { describeCuts, type AnswerCut, type Orchestration } from '../model/lookup.ts';
import type { Subject } from '../model/referral.ts';
import type { Db } from '../store/db.ts';
import type { Vault } from '../store/vault.ts';
import { recordLookupOutcome } from '../case/arrival.ts';
import { countLookupAttempt, startLookupWithCase } from '../store/lookups.ts';
import { Connector } from '../model/connector.ts';
import { countsAgainstBreaker, type ConnectorGuards } from './connector-guard.ts';
import type { ConnectorRegistry, KitOutcome } from './registry.ts';
import { connectorSettings } from './secrets.ts';

export interface ResearchDeps {
  readonly db: Db;
  readonly vault: Vault;
  readonly registry: ConnectorRegistry;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Who the audit log names for the system's own actions. */
  readonly actor: string;
  /** Told after a commit that changed a referral's case, so its stored pictures are built again (src/case/pictures.ts). */
  readonly caseChanged?: ((referralId: string) => void) | undefined;
  /** Each connector's retries, breaker, concurrency and rate limit (src/research/connector-guard.ts). */
  readonly guards: ConnectorGuards;
  /** Where finished lookups and pictures ready are counted (src/lib/metrics.ts); none when absent. */
  readonly metrics?: Metrics | undefined;
}

/** The adapter's view of a referral subject. */
export function subjectQuery(subject: Subject): SubjectQuery {
  return {
    given: subject.name.given,
    family: subject.name.family,
    otherNames: subject.otherNames.map((n) => ({ given: n.given, family: n.family })),
    birthDate: subject.birthDate,
    sex: subject.sex,
    postcode: subject.address?.postcode,
    addressLines: subject.address?.lines ?? [],
    identifiers: [
      ...subject.identifiers.map((i) => ({ system: i.system, value: i.value })),
      // The address's UPRN is an identifier housing systems search on.
      ...(subject.address?.uprn === undefined ? [] : [{ system: 'uprn', value: subject.address.uprn }]),
    ],
  };
}

type Finish = {
  status: 'done' | 'partial' | 'failed' | 'timed-out';
  reason: string | null;
  cuts: readonly AnswerCut[];
  facts: Fact[];
  orchestrations: readonly Orchestration[];
  /** The agency's recovery can mend it: the lookup runs again when the agency answers (src/research/recovery.ts). */
  recoverable?: boolean;
};

/** Why a later wave's lookup was not sent: the agency let this referral's earlier wave reach its deadline. */
export const EARLIER_WAVE_TIMED_OUT = 'ADAPTER.TIMEOUT: not asked; the agency did not answer this referral\'s earlier wave within its deadline (runs again when the agency answers)';

// Without a connector, nothing arrives to reveal; the default policy reveals open items only.
const DEFAULT_AUTO_REVEAL = ['open'] as const;

/** Run the lookup named by the job. Throws only for infrastructure faults, which the job system retries. */
export async function executeLookup(data: LookupJobData, deps: ResearchDeps): Promise<void> {
  const { db, clock, logger } = deps;
  const started = await startLookupWithCase(db, deps.vault, data.referralId, data.lookupId, clock.now());
  if (started === 'unknown') {
    logger.warn({ lookupId: data.lookupId, code: 'LOOKUP.UNKNOWN' }, 'lookup job names no lookup; dropped');
    return;
  }
  if (started === 'finished') return;
  const runStarted = performance.now();
  const { lookup, referral } = started;
  const subject = referral.input.subjects.find((s) => s.ref === lookup.subjectRef) ?? started.discoveredSubject;
  const connector = started.connectorDefinition === null ? undefined : connectorOf(started.connectorDefinition);
  const kit = connector === undefined ? undefined : deps.registry.get(connector.type);
  let finish: Finish;
  if (subject === undefined || connector === undefined || kit === undefined || lookup.lawfulBasis === null) {
    const missing = connector === undefined ? `connector ${lookup.connectorId} is not configured` : kit === undefined ? `no adapter for connector type ${connector.type}` : 'referral subject missing';
    finish = { status: 'failed', reason: missing, cuts: [], facts: [], orchestrations: [] };
  } else if (started.earlierWaveTimedOut) {
    // A dead agency costs a referral its deadline once, not once per wave (docs/decisions.md
    // "Resilient connectors"): it let this referral's earlier wave run out, so the picture does
    // not wait for it again. Recoverable: the lookup runs again when the agency answers.
    finish = { status: 'timed-out', reason: EARLIER_WAVE_TIMED_OUT, cuts: [], facts: [], orchestrations: [], recoverable: true };
  } else {
    let outcome: KitOutcome;
    const lawfulBasis = lookup.lawfulBasis;
    try {
      const guarded = await deps.guards.run(
        { connector, dueAt: referral.slaDueAt, beforeRetry: () => countLookupAttempt(db, lookup.id).then(() => undefined) },
        (context) =>
          kit.lookup(
            subjectQuery(subject),
            connectorSettings(connector, deps.env),
            { connectorId: connector.id, sourceSystem: connector.sourceSystem, lookupId: lookup.id, retrievedAt: clock.now().toISOString(), lawfulBasis },
            context,
          ),
      );
      outcome = guarded.outcome;
    } catch (error) {
      // An adapter or mapper bug must end as a failed lookup with a reason, not a silent gap.
      logger.error({ lookupId: lookup.id, connectorId: connector.id, code: 'LOOKUP.ADAPTER_BUG', error: describeError(error) }, 'adapter threw');
      outcome = { kind: 'failed', failure: { kind: 'protocol-error', code: 'ADAPTER.UNEXPECTED', reason: 'the adapter failed unexpectedly' }, orchestrations: [] };
    }
    finish = toFinish(outcome);
  }

  const at = clock.now();
  // The outcome, its facts and its audit entry in one statement: recorded once, or not at all.
  const stored = await recordLookupOutcome(
    db,
    deps.vault,
    { lookupId: lookup.id, referralId: lookup.referralId, ...finish, at, autoReveal: connector?.autoReveal ?? DEFAULT_AUTO_REVEAL },
    {
      key: started.agencyKey,
      audit: (factsStored) =>
        auditRow({
          at,
          actor: deps.actor,
          action: 'lookup.completed',
          referralId: lookup.referralId,
          subject: lookup.id,
          detail: {
            connectorId: lookup.connectorId,
            agency: lookup.agency,
            status: finish.status,
            lawfulBasis: lookup.lawfulBasis,
            // The facts stored from this answer (each id once).
            factCount: factsStored,
            // A hash of what came back proves later what was exchanged, without holding it here.
            factsSha256: sha256Hex(JSON.stringify(finish.facts.map((f) => f.id).sort())),
            calls: finish.orchestrations.length,
            // A partial answer says what it left unread, per search: "<reason> <search>: read <n> of <reported|unknown>".
            // Counts only, never content.
            ...(finish.cuts.length === 0 ? {} : { cuts: finish.cuts.map((c) => `${c.reason} ${c.search}: read ${c.read} of ${c.reported ?? 'unknown'}`) }),
          },
        }),
    },
  );
  if (stored !== undefined) {
    // Counted once, by the run that recorded the outcome (a redelivered job records nothing).
    deps.metrics?.lookupFinished({ connectorId: lookup.connectorId, agency: lookup.agency, outcome: finish.status, seconds: (performance.now() - runStarted) / 1000 });
    // While research runs, only pictures already stored are kept warm (src/case/pictures.ts); with
    // none stored there is nothing to build until the wave completes, and asking would cost a
    // query per lookup. A read is never served a stale picture either way: it checks the version.
    const researching = referral.status === 'received' || referral.status === 'researching';
    if (started.picturesStored || !researching) deps.caseChanged?.(lookup.referralId);
    logger.info({ lookupId: lookup.id, connectorId: lookup.connectorId, status: finish.status, facts: stored, cuts: finish.cuts.length }, 'lookup finished');
  }
}

/**
 * Connector definitions, parsed once per text: every lookup reads its connector's definition,
 * and parsing it (zod, with defaults) is work worth keeping. A changed definition is new text.
 */
const parsedConnectors = new Map<string, Connector>();
const PARSED_CONNECTORS_KEPT = 256;

function connectorOf(definition: string): Connector {
  const known = parsedConnectors.get(definition);
  if (known !== undefined) return known;
  const connector = Connector.parse(JSON.parse(definition));
  if (parsedConnectors.size >= PARSED_CONNECTORS_KEPT) parsedConnectors.clear();
  parsedConnectors.set(definition, connector);
  return connector;
}

function toFinish(outcome: KitOutcome): Finish {
  if (outcome.kind === 'failed') {
    return {
      status: outcome.failure.kind === 'timeout' ? 'timed-out' : 'failed',
      reason: `${outcome.failure.code}: ${outcome.failure.reason}`,
      cuts: [],
      facts: [],
      orchestrations: outcome.orchestrations,
      recoverable: countsAgainstBreaker(outcome),
    };
  }
  // The schema is the last word: a fact the mapper built without full provenance cannot be stored.
  const facts = new Map<string, Fact>();
  for (const candidate of outcome.facts) {
    const parsed = Fact.safeParse(candidate);
    if (!parsed.success) {
      return { status: 'failed', reason: `MAPPING.INVALID_FACT: ${parsed.error.issues[0]?.path.join('.') ?? ''} ${parsed.error.issues[0]?.message ?? ''}`.trim(), cuts: [], facts: [], orchestrations: outcome.orchestrations };
    }
    // A fact id names one fact: a repeat is the same fact, stored (and counted) once.
    if (!facts.has(parsed.data.id)) facts.set(parsed.data.id, parsed.data);
  }
  // An answer cut short is still an answer: its facts count, and the lookup says what it missed.
  const cuts = outcome.cuts.map((c) => ({ reason: c.reason, search: c.search, read: c.read, reported: c.reported }));
  if (cuts.length > 0) return { status: 'partial', reason: describeCuts(cuts), cuts, facts: [...facts.values()], orchestrations: outcome.orchestrations };
  return { status: 'done', reason: null, cuts: [], facts: [...facts.values()], orchestrations: outcome.orchestrations };
}
