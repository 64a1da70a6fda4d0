/**
 * The performance report for the hub manager and the safeguarding board (London MASH governance
 * model, recommendation 13: performance monitoring; docs/decisions.md "Performance reports: a
 * cohort of referrals, counted from the store"). For the referrals received in a period: how many
 * by RAG and threshold; how fast the picture and the first product came against the SLA; how each
 * agency's system answered; how owners decided on their items; how often the manager raised or
 * lowered a rating; how many were repeat concerns.
 *
 * Why in the case: asking the policy is the case's (`report:read`, deny by default); the counts
 * are the store's SQL (src/store/performance.ts). Counts and durations only: no referral, item or
 * person is named, so the report may go to the board as it is.
 *
 * CSV is the same numbers as one table, `section,measure,dimension,value` (a dimension such as
 * `agency=police` or `rag=red;threshold=child-protection`, empty when the measure has none), in
 * the JSON's order, so a spreadsheet can pivot it.
 */
import { stringify } from 'csv-stringify/sync';
import { MashError } from '../lib/errors.ts';
import type { Principal } from '../model/principal.ts';
import { DEFAULT_REPEAT_CONCERN_RULE, type RepeatConcernRule } from '../model/repeat-concern.ts';
import type { Db } from '../store/db.ts';
import {
  decisionsByAgency,
  lookupsByAgency,
  ragChanges,
  referralsByRag,
  timeliness,
  type AgencyDecisions,
  type AgencyLookups,
  type Percentiles,
  type RagChanges,
  type RagThresholdCount,
  type StageTimeliness,
} from '../store/performance.ts';
import { childNotificationsReceived } from '../store/repeat-concerns.ts';
import type { Clock } from '../lib/clock.ts';
import { enforce } from './access.ts';
import { strongestChild } from './repeat-concern.ts';

/** The longest period one report covers (a board's year, with a leap day). */
export const MAX_REPORT_DAYS = 366;

/** One agency's lookups, with its failure and partial rates (of the lookups made and finished). */
export interface AgencyPerformance extends AgencyLookups {
  /** (failed + timed-out) / (done + partial + failed + timed-out); null when none finished. */
  readonly failureRate: number | null;
  /** partial / (done + partial + failed + timed-out); null when none finished. */
  readonly partialRate: number | null;
}

/** The report. */
export interface PerformanceReport {
  readonly period: { readonly from: string; readonly to: string };
  readonly generatedAt: string;
  readonly referrals: { readonly total: number; readonly byRagAndThreshold: readonly RagThresholdCount[] };
  readonly timeliness: { readonly picture: StageTimeliness; readonly product: StageTimeliness };
  readonly agencies: readonly AgencyPerformance[];
  readonly releaseDecisions: readonly AgencyDecisions[];
  readonly ragChanges: RagChanges;
  readonly repeatConcerns: {
    readonly rule: RepeatConcernRule;
    /** Referrals whose child was a repeat concern at the referral's receipt. */
    readonly flagged: number;
    /** Referrals whose child was linked to the person index (the ones that could be counted). */
    readonly linked: number;
    readonly byReferrerAgency: readonly { readonly agency: string; readonly flagged: number }[];
  };
}

/** What the report needs. */
export interface PerformanceReportDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly repeatConcernRule?: RepeatConcernRule | undefined;
}

const rate = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);

/** The performance report for referrals received in [from, to), for whoever the policy lets read it. */
export async function performanceReport(deps: PerformanceReportDeps, principal: Principal, period: { readonly from: Date; readonly to: Date }): Promise<PerformanceReport> {
  await enforce(deps, principal, 'report:read', {});
  const { from, to } = period;
  if (!(from.getTime() < to.getTime())) {
    throw new MashError('REQUEST.INVALID', '`to` must be after `from`', { invalidParams: [{ name: 'query.to', reason: 'not after query.from' }] });
  }
  if (to.getTime() - from.getTime() > MAX_REPORT_DAYS * 86_400_000) {
    throw new MashError('REQUEST.INVALID', `a report covers at most ${MAX_REPORT_DAYS} days`, { invalidParams: [{ name: 'query.to', reason: `more than ${MAX_REPORT_DAYS} days after query.from` }] });
  }
  const now = deps.clock.now();
  const rule = deps.repeatConcernRule ?? DEFAULT_REPEAT_CONCERN_RULE;
  const cohort = { from, to };
  const byRag = await referralsByRag(deps.db, cohort);
  const times = await timeliness(deps.db, cohort, now);
  const lookups = await lookupsByAgency(deps.db, cohort);
  const decisions = await decisionsByAgency(deps.db, cohort);
  const changes = await ragChanges(deps.db, cohort);

  const children = await childNotificationsReceived(deps.db, from, to, rule.windowMonths);
  const byReferral = new Map<string, typeof children>();
  for (const child of children) byReferral.set(child.referralId, [...(byReferral.get(child.referralId) ?? []), child]);
  let flagged = 0;
  const flaggedBy = new Map<string, number>();
  for (const [referralId, ofReferral] of byReferral) {
    const best = strongestChild(rule, ofReferral);
    if (best?.flagged !== true) continue;
    flagged += 1;
    const agency = best.child.notifications.find((n) => n.referralId === referralId)?.agency ?? 'none';
    flaggedBy.set(agency, (flaggedBy.get(agency) ?? 0) + 1);
  }

  return {
    period: { from: from.toISOString(), to: to.toISOString() },
    generatedAt: now.toISOString(),
    referrals: { total: times.total, byRagAndThreshold: byRag },
    timeliness: { picture: times.picture, product: times.product },
    agencies: lookups.map((a) => {
      const finished = a.done + a.partial + a.failed + a.timedOut;
      return { ...a, failureRate: rate(a.failed + a.timedOut, finished), partialRate: rate(a.partial, finished) };
    }),
    releaseDecisions: decisions,
    ragChanges: changes,
    repeatConcerns: {
      rule,
      flagged,
      linked: byReferral.size,
      byReferrerAgency: [...flaggedBy].sort(([a], [b]) => a.localeCompare(b)).map(([agency, count]) => ({ agency, flagged: count })),
    },
  };
}

type CsvRow = readonly [section: string, measure: string, dimension: string, value: number | string];

const percentileRows = (section: string, measure: string, dimension: string, p: Percentiles): CsvRow[] => [
  [section, `${measure}.count`, dimension, p.count],
  [section, `${measure}.p50`, dimension, p.p50 ?? ''],
  [section, `${measure}.p90`, dimension, p.p90 ?? ''],
  [section, `${measure}.p95`, dimension, p.p95 ?? ''],
];

/** The report as CSV: `section,measure,dimension,value` rows, in the JSON's order (see the header). */
export function performanceCsv(report: PerformanceReport): string {
  const rows: CsvRow[] = [
    ['period', 'from', '', report.period.from],
    ['period', 'to', '', report.period.to],
    ['period', 'generatedAt', '', report.generatedAt],
    ['referrals', 'total', '', report.referrals.total],
    ...report.referrals.byRagAndThreshold.map((r): CsvRow => ['referrals', 'count', `rag=${r.rag};threshold=${r.threshold}`, r.count]),
  ];
  for (const stage of ['picture', 'product'] as const) {
    const t = report.timeliness[stage];
    rows.push(['timeliness', `${stage}.met`, '', t.met], ['timeliness', `${stage}.breached`, '', t.breached], ['timeliness', `${stage}.pending`, '', t.pending]);
    rows.push(...percentileRows('timeliness', `${stage}.seconds`, '', t.seconds));
  }
  for (const a of report.agencies) {
    const d = `agency=${a.agency}`;
    rows.push(
      ['agencies', 'lookups', d, a.lookups],
      ['agencies', 'done', d, a.done],
      ['agencies', 'partial', d, a.partial],
      ['agencies', 'failed', d, a.failed],
      ['agencies', 'timedOut', d, a.timedOut],
      ['agencies', 'notPermitted', d, a.notPermitted],
      ['agencies', 'unfinished', d, a.unfinished],
      ['agencies', 'failureRate', d, a.failureRate ?? ''],
      ['agencies', 'partialRate', d, a.partialRate ?? ''],
      ...percentileRows('agencies', 'responseSeconds', d, a.responseSeconds),
    );
  }
  for (const a of report.releaseDecisions) {
    const d = `agency=${a.agency}`;
    rows.push(
      ['releaseDecisions', 'decided', d, a.decided],
      ['releaseDecisions', 'released', d, a.released],
      ['releaseDecisions', 'redacted', d, a.redacted],
      ['releaseDecisions', 'withheld', d, a.withheld],
      ...percentileRows('releaseDecisions', 'decisionSeconds', d, a.decisionSeconds),
    );
  }
  rows.push(
    ['ragChanges', 'escalations', '', report.ragChanges.escalations],
    ['ragChanges', 'deescalations', '', report.ragChanges.deescalations],
    ['ragChanges', 'unchanged', '', report.ragChanges.unchanged],
    ['repeatConcerns', 'flagged', '', report.repeatConcerns.flagged],
    ['repeatConcerns', 'linked', '', report.repeatConcerns.linked],
    ...report.repeatConcerns.byReferrerAgency.map((r): CsvRow => ['repeatConcerns', 'flagged', `referrer=${r.agency}`, r.flagged]),
  );
  return stringify([['section', 'measure', 'dimension', 'value'], ...rows.map((r) => [...r])]);
}
