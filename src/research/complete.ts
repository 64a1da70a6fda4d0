/**
 * Completing a wave of research: the body of the referral (parent) job, which runs after every
 * lookup job of the wave has finished. A lookup whose job gave up after its last attempt is
 * recorded as failed with that reason, so the picture is honest about the gap. Each person record
 * found is matched to its subject — the records matched to one subject must be one person, or
 * they wait for a practitioner (identity's wave matching); then either the household members found
 * around the matched records become the next wave (up to the configured depth), or the picture is
 * ready.
 */
import { appendAudit } from '../audit/log.ts';
import type { Fact } from '../model/fact.ts';
import { researchPriority, type ReferralJobData, type ResearchPlan } from '../model/jobs.ts';
import { isAnsweredLookup, isTerminalLookup } from '../model/lookup.ts';
import { listConnectors } from '../store/connectors.ts';
import { insertDiscoveredSubject, listDiscoveredSubjects, recordSubjectMatches } from '../store/identity.ts';
import { recordLookupOutcome } from '../case/arrival.ts';
import { getReferral, listFacts, setReferralStatus } from '../store/referrals.ts';
import { insertLookups, listLookups } from '../store/lookups.ts';
import { offerNewProductVersion } from '../store/reruns.ts';
import type { ReferralRecord } from '../model/referral.ts';
import type { Identity } from '../identity/index.ts';
import type { SlaClock } from '../model/working-calendar.ts';
import type { ResearchDeps } from './lookup.ts';
import { planLookups } from './plan.ts';

/**
 * The facts identity reads when a wave completes: the people found (matched to subjects, linked
 * into the person index) and their relationships (the household of the next wave). Reading only
 * these leaves events and flags sealed: most of a referral's facts (docs/decisions.md "CPU per
 * referral").
 */
const IDENTITY_FACT_KINDS = ['person', 'relationship'] as const;

export interface CompletionDeps extends Pick<ResearchDeps, 'db' | 'vault' | 'clock' | 'logger' | 'actor' | 'caseChanged' | 'metrics'> {
  /** How many waves of household members to look up beyond the referral's subjects (default 1). */
  readonly familyDepth: number;
  /** Identity, built once by the composition root: wave matching, household discovery, linking. */
  readonly identity: Pick<Identity, 'matchWave' | 'discoverHousehold' | 'linkPersons' | 'applyEarlierDecisions'>;
  /** The working-hours SLA clock: a next wave's priority is its referral's working time left (DESIGN.md rule 4). */
  readonly sla: Pick<SlaClock, 'calendar'>;
  /** Start the next wave's jobs. */
  readonly schedule: (plan: ResearchPlan) => Promise<void>;
}

export async function completeResearch(data: ReferralJobData, deps: CompletionDeps): Promise<void> {
  const { db, clock } = deps;
  const wave = data.wave;
  const referral = await getReferral(db, deps.vault, data.referralId);
  if (referral === undefined || referral.status === 'failed') return;
  if (referral.status === 'picture-ready') {
    await completeReruns(data, referral, deps);
    return;
  }
  const at = clock.now();
  const next = await db.transaction(async (tx) => {
    const lookups = await listLookups(tx, data.referralId);
    // A later wave already exists: this job is a redelivery of a finished wave.
    if (lookups.some((l) => (l.wave ?? 1) > wave)) return 'unchanged' as const;
    for (const lookup of lookups.filter((l) => (l.wave ?? 1) === wave && !isTerminalLookup(l.status))) {
      await recordLookupOutcome(tx, deps.vault, {
        lookupId: lookup.id,
        referralId: lookup.referralId,
        status: 'failed',
        reason: 'JOB.EXHAUSTED: the lookup did not complete within its retry attempts',
        facts: [],
        orchestrations: lookup.orchestrations,
        at,
        autoReveal: [],
      });
    }

    const discovered = await listDiscoveredSubjects(tx, deps.vault, data.referralId);
    const subjects = [...referral.input.subjects, ...discovered.map((d) => d.subject)];
    const facts: Fact[] = await listFacts(tx, deps.vault, data.referralId, IDENTITY_FACT_KINDS);
    // A partial answer is an answer: its records are matched and linked like a complete one's.
    const waveLookups = lookups.filter((l) => (l.wave ?? 1) === wave && isAnsweredLookup(l.status));
    // The records matched to one subject across the wave must be one person; otherwise they wait for a practitioner.
    const matches = deps.identity.matchWave(waveLookups, subjects, facts);
    await recordSubjectMatches(tx, data.referralId, matches, at);
    // The same people across referrals over time: link this wave's matched records into the hub person index.
    await deps.identity.linkPersons(tx, { referralId: data.referralId, at, actor: deps.actor }, waveLookups, facts, matches);
    // A record a practitioner already answered for the same person in an earlier referral is not asked again.
    await deps.identity.applyEarlierDecisions(tx, { referralId: data.referralId, at, actor: deps.actor }, waveLookups, facts);

    if (wave <= deps.familyDepth) {
      // Wave 1 searches around the referred children; later waves around the members found.
      const around = wave === 1 ? referral.input.subjects.filter((s) => s.role === 'child') : discovered.filter((d) => d.wave === wave).map((d) => d.subject);
      const members = deps.identity.discoverHousehold(around, matches, facts, subjects, (n) => `hh-${wave + 1}-${n}`, wave + 1);
      if (members.length > 0) {
        for (const member of members) await insertDiscoveredSubject(tx, deps.vault, data.referralId, member, at);
        const planned = planLookups(data.referralId, { ...referral.input, subjects: members.map((m) => m.subject) }, await listConnectors(tx, { enabledOnly: true }));
        await insertLookups(tx, data.referralId, planned, wave + 1, at);
        await appendAudit(tx, {
          at,
          actor: deps.actor,
          action: 'research.next-wave',
          referralId: data.referralId,
          detail: { wave: wave + 1, subjects: members.length, relationships: members.map((m) => m.relationship), lookups: planned.length },
        });
        return { referralId: data.referralId, priority: researchPriority(deps.sla.calendar, referral.slaDueAt, at, wave + 1), wave: wave + 1, lookupIds: planned.filter((l) => l.status === 'queued').map((l) => l.id) };
      }
    }

    if (!(await setReferralStatus(tx, data.referralId, ['received', 'researching'], 'picture-ready', at))) return 'unchanged' as const;
    const finished = await listLookups(tx, data.referralId);
    await appendAudit(tx, {
      at,
      actor: deps.actor,
      action: 'referral.picture-ready',
      referralId: data.referralId,
      detail: {
        waves: wave,
        lookups: finished.length,
        done: finished.filter((l) => l.status === 'done').length,
        partial: finished.filter((l) => l.status === 'partial').length,
        failed: finished.filter((l) => l.status === 'failed' || l.status === 'timed-out').length,
        notPermitted: finished.filter((l) => l.status === 'not-permitted').length,
        personRecordsMatched: matches.filter((m) => m.outcome === 'match').length,
        personRecordsAwaitingDecision: matches.filter((m) => m.outcome === 'possible').length,
      },
    });
    return 'picture-ready' as const;
  });
  // Matches, decisions and the status changed (the next wave's lookups too): the pictures follow.
  deps.caseChanged?.(data.referralId);
  if (next === 'picture-ready') deps.metrics?.pictureReady({ rag: referral.rag, seconds: (at.getTime() - referral.receivedAt.getTime()) / 1000 });
  if (next !== 'unchanged' && next !== 'picture-ready') {
    await deps.schedule(next);
    deps.logger.info({ referralId: data.referralId, wave: next.wave, lookups: next.lookupIds.length }, 'next wave of research scheduled');
    return;
  }
  deps.logger.info({ referralId: data.referralId }, 'picture ready');
}

/**
 * After a lookup of a finished referral ran again (recovery or reprocess: src/research/rerun.ts),
 * its records are matched like a wave's — against the whole wave, so that the records matched to
 * one subject are still one person — and linked into the person index; a product already
 * published is then offered in a new version. Household members the re-run's records name do
 * not start a new wave (docs/decisions.md "Resilient connectors"). Idempotent: a redelivered job
 * matches the same records to the same outcome.
 */
async function completeReruns(data: ReferralJobData, referral: ReferralRecord, deps: CompletionDeps): Promise<void> {
  const at = deps.clock.now();
  const changed = await deps.db.transaction(async (tx) => {
    const waveAnswered = (await listLookups(tx, data.referralId)).filter((l) => l.wave === data.wave && isAnsweredLookup(l.status));
    const rerun = waveAnswered.filter((l) => l.history.length > 0);
    if (rerun.length === 0) return false;
    const discovered = await listDiscoveredSubjects(tx, deps.vault, data.referralId);
    const subjects = [...referral.input.subjects, ...discovered.map((d) => d.subject)];
    const facts: Fact[] = await listFacts(tx, deps.vault, data.referralId, IDENTITY_FACT_KINDS);
    const matches = deps.identity.matchWave(waveAnswered, subjects, facts);
    await recordSubjectMatches(tx, data.referralId, matches, at);
    const rerunIds = new Set(rerun.map((l) => l.id));
    await deps.identity.linkPersons(tx, { referralId: data.referralId, at, actor: deps.actor }, rerun, facts, matches.filter((m) => rerunIds.has(m.lookupId)));
    await deps.identity.applyEarlierDecisions(tx, { referralId: data.referralId, at, actor: deps.actor }, rerun, facts);
    await offerNewProductVersion(tx, data.referralId, at);
    return true;
  });
  if (changed) {
    deps.caseChanged?.(data.referralId);
    deps.logger.info({ referralId: data.referralId, wave: data.wave }, 're-run lookups matched');
  }
}
