/**
 * The information audit report (London MASH governance recommendation 8: an annual
 * information audit). For a period it counts, from the audit log — which is the record — the
 * lookups made by agency and lawful basis, what owners revealed, released, redacted and withheld,
 * the products published and delivered, who read case content by role, and the failed logins and
 * denied accesses. Counts only: the log holds ids, hashes and counts, and so does the report.
 *
 * JSON shape ({@link AuditReport}); CSV is the same numbers flattened to
 * `section,agency,basis,role,metric,count` rows (empty cells where a column does not apply), one
 * row per non-zero count, sorted, so a spreadsheet can pivot it.
 *
 * Counting rules:
 * - a lookup counts once, when it finished (`lookup.completed`, status done, partial — answered
 *   but cut short —, failed or timed-out) or was refused by the lawful-basis gate (`lookup.not-permitted`, basis `none`);
 * - an item counts as revealed once; for release decisions, an item counts once under the last
 *   decision it had in the period (`decisions` counts every decision, revisions included);
 * - case-content access counts every picture view and every product read, by the reader's role;
 * - failed logins carry no role (the token was not accepted), so they count under `unknown`;
 * - cases closed and cases whose content retention destroyed count once per audit entry.
 */
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import type { Sql } from '../store/db.ts';
import type { ChainEntry } from './chain.ts';
import type { AuditAction } from './log.ts';
import { auditHead, scanAudit } from './search.ts';

/** Lookups to one agency under one lawful basis. */
export interface LookupRow {
  readonly agency: string;
  /** The lawful basis the lookup was made under; `none` for lookups the gate refused. */
  readonly lawfulBasis: string;
  readonly done: number;
  /** Answered, but cut short by a candidate or page cap or the agency's own limit. */
  readonly partial: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly notPermitted: number;
}

/** What one agency's owners did with their items. */
export interface ItemRow {
  readonly agency: string;
  readonly revealed: number;
  readonly released: number;
  readonly redacted: number;
  readonly withheld: number;
  /** Every release decision recorded, revisions included. */
  readonly decisions: number;
}

export interface ContentAccessRow {
  readonly role: string;
  readonly pictureViews: number;
  /** Items shown across those views. */
  readonly itemsShown: number;
  readonly productReads: number;
}

export interface FailedAccessRow {
  readonly role: string;
  readonly failedLogins: number;
  readonly deniedAccesses: number;
}

/** The report. Every list is sorted by its key columns. */
export interface AuditReport {
  readonly period: { readonly from: string; readonly to: string };
  readonly generatedAt: string;
  /** The log's head when the report was made: entries after it are not counted. */
  readonly throughSeq: number;
  /** Entries in the period that the report read. */
  readonly entriesRead: number;
  /** Entries whose detail could not be read (a damaged log: run audit:verify). */
  readonly unreadableEntries: number;
  readonly lookups: readonly LookupRow[];
  readonly items: readonly ItemRow[];
  readonly products: {
    readonly published: number;
    /** Referrals with at least one product version published in the period. */
    readonly referrals: number;
    readonly delivered: number;
    readonly deliveryFailed: number;
  };
  /** Retention: cases the manager closed, and cases whose content was destroyed. */
  readonly cases: { readonly closed: number; readonly contentDestroyed: number };
  readonly contentAccess: readonly ContentAccessRow[];
  readonly failedAccess: readonly FailedAccessRow[];
}

const REPORTED: readonly AuditAction[] = [
  'lookup.completed',
  'lookup.not-permitted',
  'item.revealed',
  'item.release-decided',
  'product.published',
  'publication.delivered',
  'publication.failed',
  'picture.viewed',
  'product.read',
  'auth.failed',
  'access.denied',
  'referral.closed',
  'retention.destroyed',
];

/** A detail object; its members are read one by one, each only when it has the expected type. */
const DetailObject = z.record(z.string(), z.unknown());

interface Detail {
  readonly agency?: string | undefined;
  readonly lawfulBasis?: string | undefined;
  readonly status?: string | undefined;
  readonly decision?: string | undefined;
  readonly role?: string | undefined;
  readonly items?: number | undefined;
}

function readDetail(text: string): Detail | undefined {
  let parsed;
  try {
    parsed = DetailObject.safeParse(JSON.parse(text));
  } catch {
    return undefined;
  }
  if (!parsed.success) return undefined;
  const value = parsed.data;
  const str = (key: string): string | undefined => (typeof value[key] === 'string' ? value[key] : undefined);
  const items = value.items;
  return { agency: str('agency'), lawfulBasis: str('lawfulBasis'), status: str('status'), decision: str('decision'), role: str('role'), items: typeof items === 'number' ? items : undefined };
}

const UNKNOWN = 'unknown';

/** A counter keyed by a tuple of strings. */
class Tally<Row> {
  private readonly rows = new Map<string, Row>();
  private readonly empty: (key: readonly string[]) => Row;
  constructor(empty: (key: readonly string[]) => Row) {
    this.empty = empty;
  }
  at(...key: string[]): Row {
    const id = JSON.stringify(key);
    let row = this.rows.get(id);
    if (row === undefined) {
      row = this.empty(key);
      this.rows.set(id, row);
    }
    return row;
  }
  sorted(): Row[] {
    return [...this.rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Build the report for [from, to) from the log as it stands now. */
export async function buildAuditReport(sql: Sql, period: { readonly from: Date; readonly to: Date }, now: Date): Promise<AuditReport> {
  if (!(period.from.getTime() < period.to.getTime())) throw new RangeError('the period must end after it starts');
  const head = await auditHead(sql);
  const lookups = new Tally<Mutable<LookupRow>>(([agency = UNKNOWN, lawfulBasis = 'none']) => ({ agency, lawfulBasis, done: 0, partial: 0, failed: 0, timedOut: 0, notPermitted: 0 }));
  const items = new Tally<Mutable<ItemRow>>(([agency = UNKNOWN]) => ({ agency, revealed: 0, released: 0, redacted: 0, withheld: 0, decisions: 0 }));
  const access = new Tally<Mutable<ContentAccessRow>>(([role = UNKNOWN]) => ({ role, pictureViews: 0, itemsShown: 0, productReads: 0 }));
  const failures = new Tally<Mutable<FailedAccessRow>>(([role = UNKNOWN]) => ({ role, failedLogins: 0, deniedAccesses: 0 }));
  /** Item → [owning agency, last decision in the period]. */
  const lastDecision = new Map<string, readonly [string, string]>();
  const products = { published: 0, referrals: new Set<string>(), delivered: 0, deliveryFailed: 0 };
  const cases = { closed: 0, contentDestroyed: 0 };
  let entriesRead = 0;
  let unreadableEntries = 0;

  const count = (entry: ChainEntry, detail: Detail): void => {
    const agency = entry.agency ?? detail.agency ?? UNKNOWN;
    switch (entry.action) {
      case 'lookup.completed': {
        const row = lookups.at(agency, detail.lawfulBasis ?? 'none');
        if (detail.status === 'done') row.done += 1;
        else if (detail.status === 'partial') row.partial += 1;
        else if (detail.status === 'timed-out') row.timedOut += 1;
        else row.failed += 1;
        return;
      }
      case 'lookup.not-permitted':
        lookups.at(agency, 'none').notPermitted += 1;
        return;
      case 'item.revealed':
        items.at(agency).revealed += 1;
        return;
      case 'item.release-decided':
        items.at(agency).decisions += 1;
        if (entry.subject !== null && detail.decision !== undefined) lastDecision.set(`${entry.referralId ?? ''}/${entry.subject}`, [agency, detail.decision]);
        return;
      case 'product.published':
        products.published += 1;
        if (entry.referralId !== null) products.referrals.add(entry.referralId);
        return;
      case 'publication.delivered':
        products.delivered += 1;
        return;
      case 'publication.failed':
        products.deliveryFailed += 1;
        return;
      case 'picture.viewed': {
        const row = access.at(detail.role ?? UNKNOWN);
        row.pictureViews += 1;
        row.itemsShown += detail.items ?? 0;
        return;
      }
      case 'product.read':
        access.at(detail.role ?? UNKNOWN).productReads += 1;
        return;
      case 'auth.failed':
        failures.at(UNKNOWN).failedLogins += 1;
        return;
      case 'access.denied':
        failures.at(detail.role ?? UNKNOWN).deniedAccesses += 1;
        return;
      case 'referral.closed':
        cases.closed += 1;
        return;
      case 'retention.destroyed':
        cases.contentDestroyed += 1;
        return;
      default:
        return;
    }
  };

  for await (const batch of scanAudit(sql, { from: period.from, to: period.to, through: head.seq, actions: REPORTED })) {
    for (const entry of batch) {
      entriesRead += 1;
      const detail = readDetail(entry.detail);
      if (detail === undefined) unreadableEntries += 1;
      else count(entry, detail);
    }
  }
  for (const [agency, decision] of lastDecision.values()) {
    const row = items.at(agency);
    if (decision === 'release') row.released += 1;
    else if (decision === 'redact') row.redacted += 1;
    else if (decision === 'withhold') row.withheld += 1;
  }

  return {
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    generatedAt: now.toISOString(),
    throughSeq: head.seq,
    entriesRead,
    unreadableEntries,
    lookups: lookups.sorted(),
    items: items.sorted(),
    products: { published: products.published, referrals: products.referrals.size, delivered: products.delivered, deliveryFailed: products.deliveryFailed },
    cases,
    contentAccess: access.sorted(),
    failedAccess: failures.sorted(),
  };
}

/** One flat row of the CSV form. */
export interface ReportRow {
  readonly section: 'lookups' | 'items' | 'products' | 'cases' | 'content-access' | 'failed-access' | 'log';
  readonly agency: string;
  readonly basis: string;
  readonly role: string;
  readonly metric: string;
  readonly count: number;
}

export const REPORT_CSV_COLUMNS = ['section', 'agency', 'basis', 'role', 'metric', 'count'] as const;

/** The report's numbers as flat rows (non-zero counts only), in a stable order. */
export function reportRows(report: AuditReport): ReportRow[] {
  const rows: ReportRow[] = [];
  const add = (section: ReportRow['section'], keys: { agency?: string; basis?: string; role?: string }, counts: Readonly<Record<string, number>>): void => {
    for (const [metric, count] of Object.entries(counts)) {
      if (count !== 0) rows.push({ section, agency: keys.agency ?? '', basis: keys.basis ?? '', role: keys.role ?? '', metric, count });
    }
  };
  add('log', {}, { entriesRead: report.entriesRead, unreadableEntries: report.unreadableEntries });
  for (const { agency, lawfulBasis, ...counts } of report.lookups) add('lookups', { agency, basis: lawfulBasis }, counts);
  for (const { agency, ...counts } of report.items) add('items', { agency }, counts);
  add('products', {}, report.products);
  add('cases', {}, report.cases);
  for (const { role, ...counts } of report.contentAccess) add('content-access', { role }, counts);
  for (const { role, ...counts } of report.failedAccess) add('failed-access', { role }, counts);
  return rows;
}

/** The CSV form (RFC 4180, header row first). The period and head are in the `log` section's JSON only. */
export function reportCsv(report: AuditReport): string {
  return stringify(
    reportRows(report).map((r) => REPORT_CSV_COLUMNS.map((c) => r[c])),
    { header: true, columns: [...REPORT_CSV_COLUMNS], record_delimiter: 'unix' },
  );
}
