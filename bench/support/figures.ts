/**
 * The arithmetic of the orchestration benchmark, kept pure so a test can hold it to account
 * (`test/bench/figures.test.ts`): percentiles, the critical path of agency time a referral could
 * not have beaten, CPU time from /proc, and the one-JSON-line-per-figure output every bench prints.
 */

/** The q-quantile (0..1) of ascending `sorted` by the nearest-rank method; NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

/** Ascending copy. */
export const ascending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

/** One outbound call, as the status view reports it (OpenHIM orchestration metadata). */
export interface OrchestrationTimes {
  readonly startedAt: string;
  readonly durationMs: number;
}

/** One lookup, as the status view reports it. */
export interface LookupTimes {
  readonly wave: number;
  readonly status: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly orchestrations: readonly OrchestrationTimes[];
}

/**
 * Time a lookup spent waiting on its agency: the union of its calls' intervals, so calls made in
 * sequence add up and calls made at once count once. A lookup that made no call spent none.
 */
export function agencyTimeMs(lookup: Pick<LookupTimes, 'orchestrations'>): number {
  const intervals = lookup.orchestrations
    .map((o) => ({ from: Date.parse(o.startedAt), to: Date.parse(o.startedAt) + o.durationMs }))
    .filter((i) => Number.isFinite(i.from) && i.to >= i.from)
    .sort((a, b) => a.from - b.from);
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const { from, to } of intervals) {
    if (to <= end) continue;
    total += to - Math.max(from, end);
    end = to;
  }
  return total;
}

/**
 * The critical path of agency time: the slowest lookup of each wave, added up. Waves run one
 * after another and a wave's lookups at once, so no orchestration could deliver the picture
 * sooner than this; time to picture ÷ critical path is what the gateway adds.
 */
export function criticalPathMs(lookups: readonly Pick<LookupTimes, 'wave' | 'orchestrations'>[]): number {
  const slowest = new Map<number, number>();
  for (const lookup of lookups) slowest.set(lookup.wave, Math.max(slowest.get(lookup.wave) ?? 0, agencyTimeMs(lookup)));
  let total = 0;
  for (const ms of slowest.values()) total += ms;
  return total;
}

/**
 * CPU time of one process from the text of `/proc/<pid>/stat` (proc(5)): user + system time,
 * plus, with `children`, the time of its children it has waited for (a postmaster's ended
 * backends), in seconds for `ticksPerSecond` clock ticks (sysconf(_SC_CLK_TCK), 100 on Linux).
 */
export function cpuSecondsOfStat(stat: string, ticksPerSecond: number, children = false): number {
  // The command name (field 2) may hold spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After the name: state is field 3, so utime (14) is index 11, stime 12, cutime 13, cstime 14.
  const at = (index: number): number => Number(fields[index] ?? Number.NaN);
  const own = at(11) + at(12);
  return (children ? own + at(13) + at(14) : own) / ticksPerSecond;
}

/** The parent pid in the text of `/proc/<pid>/stat` (field 4). */
export function parentPidOfStat(stat: string): number {
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? Number.NaN);
}

/** A benchmark target: the figure must be at most, or at least, the value. */
export interface Target {
  readonly op: '<=' | '>=';
  readonly value: number;
}

/** The line a figure prints: one JSON object, with its target and whether it was met when it has one. */
export function figureLine(bench: string, name: string, value: number, unit: string, target?: Target, extra: Readonly<Record<string, unknown>> = {}): { line: string; met: boolean | undefined } {
  const met = target === undefined ? undefined : Number.isFinite(value) && (target.op === '<=' ? value <= target.value : value >= target.value);
  const rounded = Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null;
  const line = JSON.stringify({ bench, figure: name, value: rounded, unit, ...(target === undefined ? {} : { target: `${target.op} ${target.value}`, met }), ...extra });
  return { line, met };
}
